package contest_test

import (
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"slices"
	"strconv"
	"strings"
	"testing"

	"tarazy/contest"
)

// The fuzz targets of every file the contest reads: none may panic, each returns
// records or an error wrapping ErrCSV, and what is accepted holds the invariants the
// ranking relies on. `go test` runs their seeds; `go test -fuzz FuzzX` explores.

func seeds(f *testing.F, list ...string) {
	for _, s := range list {
		f.Add([]byte(s))
	}
	// What every reader meets sooner or later.
	for _, s := range []string{"", "\ufeff", "\n\n", `{"a":1}`, "\"", "a,b\n\"x", "x;y;z\n1;2;3\n", strings.Repeat(",", 100)} {
		f.Add([]byte(s))
	}
}

func FuzzReadSeatsCSV(f *testing.F) {
	seeds(f, "school,grade,seats,quota\nA,7,25,\nB,7,30,4\n", "school;grade;seats\nA;5;10\n", "school,grade,seats\nA,7,-1\n")
	f.Fuzz(func(t *testing.T, data []byte) {
		seats, err := contest.ReadSeatsCSV(bytes.NewReader(data), "seats.csv")
		if err != nil {
			if !errors.Is(err, contest.ErrCSV) {
				t.Fatalf("error %v is not ErrCSV", err)
			}
			return
		}
		for _, s := range seats {
			if s.School == "" || s.Seats < 0 || s.Seats > contest.MaxSeats || (s.Quota != nil && (*s.Quota < 0 || *s.Quota > s.Seats)) {
				t.Fatalf("accepted %+v", s)
			}
		}
		var b bytes.Buffer
		if err := writeSeatsCSV(&b, seats); err != nil {
			t.Fatal(err)
		}
		again, err := contest.ReadSeatsCSV(&b, "again.csv")
		if err != nil || len(again) != len(seats) {
			t.Fatalf("seats do not read back: %v", err)
		}
	})
}

func FuzzReadResultsCSV(f *testing.F) {
	const h = "school,grade,iin,name,score,math,reading,history,olympiad,myn_bala\n"
	seeds(f, h+"A,7,130502600014,Ann,10,10,0,0,1,0\n", h+"A,5,130502600014,\"Ә, Н\",20,15,5,,0,1\n", h+"A,7,130502600014,Ann,10,5,5,5,0,0\n")
	f.Fuzz(func(t *testing.T, data []byte) {
		res, err := contest.ReadResultsCSV(bytes.NewReader(data), "results.csv")
		if err != nil {
			if !errors.Is(err, contest.ErrCSV) {
				t.Fatalf("error %v is not ErrCSV", err)
			}
			return
		}
		for _, c := range res {
			if c.Math+c.Reading+c.History != c.Score || len(c.IIN) != 12 || c.School == "" {
				t.Fatalf("accepted %+v", c)
			}
		}
		var b bytes.Buffer
		if err := contest.WriteResultsCSV(&b, res); err != nil {
			t.Fatal(err)
		}
		again, err := contest.ReadResultsCSV(&b, "again.csv")
		if err != nil || !slices.Equal(again, res) {
			t.Fatalf("results do not read back the same: %v", err)
		}
	})
}

func FuzzReadCandidatesCSV(f *testing.F) {
	seeds(f, "school,grade,iin,name,olympiad,myn_bala\nA,7,130502600014,Ann,1,0\n", "iin;name\n130502600014;Ann\n",
		"iin,name,grade,language\n130502600014,Ann,9,en\n", "iin,name\n130502600014,Ann\n130502600014,Bob\n")
	f.Fuzz(func(t *testing.T, data []byte) {
		regs, err := contest.ReadCandidatesCSV(bytes.NewReader(data), "candidates.csv")
		if err != nil {
			if !errors.Is(err, contest.ErrCSV) {
				t.Fatalf("error %v is not ErrCSV", err)
			}
			return
		}
		seen := map[string]bool{}
		for _, r := range regs {
			if r.Name == "" || len(r.IIN) != 12 || seen[r.IIN] || r.Line < 2 {
				t.Fatalf("accepted %+v", r)
			}
			seen[r.IIN] = true
		}
	})
}

func FuzzReadDecisionsCSV(f *testing.F) {
	const h = "school,grade,order,decided_by,reason,decided_on\n"
	seeds(f, h+"A,7,1 2,chair,lot,2026-04-20\n", h+"A,7,1,chair,lot,\n", h+"A,7,1 2 3,,,\n")
	f.Fuzz(func(t *testing.T, data []byte) {
		ds, err := contest.ReadDecisionsCSV(bytes.NewReader(data), "decisions.csv")
		if err != nil {
			if !errors.Is(err, contest.ErrCSV) {
				t.Fatalf("error %v is not ErrCSV", err)
			}
			return
		}
		for _, d := range ds {
			if len(d.Order) < 2 || len(d.Order) > contest.MaxTie || d.DecidedBy == "" || d.Reason == "" {
				t.Fatalf("accepted %+v", d)
			}
		}
	})
}

func FuzzParseSitting(f *testing.F) {
	f.Add([]byte(sittingSeed))
	for _, s := range []string{"", "school: A\n", "school: A\nnonsense: 1\n", "school: A\namendments:\n  - {edition: 3, reason: x, opened_by: y}\n",
		"school: [\n", "&a [*a]", "school: A\ncalendar: {contest_date: 2026-13-45, protocol_date: x}\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		sit, err := contest.ParseSitting(bytes.NewReader(data), "sitting.yaml")
		if err != nil {
			return
		}
		if strings.TrimSpace(sit.School) == "" {
			t.Fatalf("accepted a sitting without a school: %+v", sit)
		}
		// Whatever was accepted, checking it never panics either.
		sit.Calendar.Check()
		sit.Commission.Validate()
	})
}

const sittingSeed = `school: A
school_name_kk: Мектеп
calendar: {contest_date: 2026-04-20, protocol_date: 2026-04-21}
commission:
  chair: A
  members: [{name: A, position: p}]
`

// writeSeatsCSV writes seats as seats.csv, for the round trip the fuzzer checks.
func writeSeatsCSV(w io.Writer, seats []contest.Seats) error {
	cw := csv.NewWriter(w)
	_ = cw.Write(contest.SeatsHeader)
	for _, s := range seats {
		q := ""
		if s.Quota != nil {
			q = strconv.Itoa(*s.Quota)
		}
		_ = cw.Write([]string{s.School, strconv.Itoa(s.Grade), strconv.Itoa(s.Seats), q})
	}
	cw.Flush()
	return cw.Error()
}
