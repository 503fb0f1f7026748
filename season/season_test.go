package season_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"tarazy/season"
)

func day(y int, m time.Month, d int) season.Date { return season.Date{Year: y, Month: m, Day: d} }

// The seed's dates for the 2027 contest, read from the data rather than written in code:
// registration 1 March – 1 April (§16), the base to the Daryn centre by 3 April (§20),
// the schedule 5–15 April (§28), the contest 15–30 April (§27), the orders by 5 May (§42).
func TestSeasonOf2027FollowsTheSeed_Para16_20_27_28_42(t *testing.T) {
	b, err := season.Default()
	if err != nil {
		t.Fatal(err)
	}
	got, err := b.For(2027)
	if err != nil {
		t.Fatal(err)
	}
	want := season.Season{
		Year: 2027, FromYear: 2021, Act: got.Act,
		Registration: season.Window{From: day(2027, 3, 1), To: day(2027, 4, 1), Rule: "§16"},
		DarynBase:    season.Deadline{By: day(2027, 4, 3), Rule: "§20"},
		Schedule:     season.Window{From: day(2027, 4, 5), To: day(2027, 4, 15), Rule: "§28"},
		Contest:      season.Window{From: day(2027, 4, 15), To: day(2027, 4, 30), Rule: "§27"},
		Orders:       season.Deadline{By: day(2027, 5, 5), Rule: "§42"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("2027 season (-want +got):\n%s", diff)
	}
	if !strings.Contains(got.Act, "264") {
		t.Errorf("act %q does not name the order the dates come from", got.Act)
	}
	if !got.Registration.Contains(day(2027, 4, 1)) || got.Registration.Contains(day(2027, 4, 2)) || got.Registration.Contains(day(2027, 2, 28)) {
		t.Error("the registration window must include 1 March and 1 April and nothing outside them")
	}
}

// An amending order moves a date from some year on: one rule in an override file, and
// the years before keep theirs.
func TestAmendedDatesApplyFromTheirYear_Para16(t *testing.T) {
	over := season.File{Name: "amend.yaml", Data: []byte(`rules:
  - from: 2028
    act: "a later amending order"
    registration: {from: "02-01", to: "04-15", rule: "§16"}
    daryn_base: {by: "04-17", rule: "§20"}
    schedule: {from: "04-05", to: "04-15", rule: "§28"}
    contest: {from: "04-20", to: "05-10", rule: "§27"}
    orders: {by: "05-20", rule: "§42"}
`)}
	b, err := season.Load(over)
	if err != nil {
		t.Fatal(err)
	}
	s27, _ := b.For(2027)
	s28, _ := b.For(2028)
	s30, _ := b.For(2030)
	if s27.Registration.From != day(2027, 3, 1) {
		t.Errorf("2027 registration from %s, want the seed's 1 March", s27.Registration.From)
	}
	if s28.Registration.From != day(2028, 2, 1) || s28.DarynBase.By != day(2028, 4, 17) || s30.Contest.To != day(2030, 5, 10) {
		t.Errorf("amended years: 2028 %+v, 2030 %+v", s28, s30)
	}
	if _, err := b.For(2019); !errors.Is(err, season.ErrNoSeason) {
		t.Errorf("a year before every rule: %v, want ErrNoSeason", err)
	}
}

func TestMalformedSeasonFileNamesTheLine(t *testing.T) {
	cases := map[string]string{
		"unknown key":   "rules:\n  - from: 2028\n    registraton: {from: \"03-01\", to: \"04-01\"}\n",
		"bad date":      "rules:\n  - from: 2028\n    act: x\n    registration: {from: \"02-30\", to: \"04-01\", rule: \"§16\"}\n",
		"missing part":  "rules:\n  - from: 2028\n    act: x\n    registration: {from: \"03-01\", to: \"04-01\", rule: \"§16\"}\n",
		"daryn before":  "rules:\n  - from: 2028\n    act: x\n    registration: {from: \"03-01\", to: \"04-01\", rule: \"§16\"}\n    daryn_base: {by: \"03-20\", rule: \"§20\"}\n    schedule: {from: \"04-05\", to: \"04-15\", rule: \"§28\"}\n    contest: {from: \"04-15\", to: \"04-30\", rule: \"§27\"}\n    orders: {by: \"05-05\", rule: \"§42\"}\n",
		"window upside": "rules:\n  - from: 2028\n    act: x\n    registration: {from: \"04-01\", to: \"03-01\", rule: \"§16\"}\n    daryn_base: {by: \"04-03\", rule: \"§20\"}\n    schedule: {from: \"04-05\", to: \"04-15\", rule: \"§28\"}\n    contest: {from: \"04-15\", to: \"04-30\", rule: \"§27\"}\n    orders: {by: \"05-05\", rule: \"§42\"}\n",
		"empty":         "",
	}
	for name, data := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := season.Load(season.File{Name: "s.yaml", Data: []byte(data)})
			if !errors.Is(err, season.ErrInvalidFile) {
				t.Fatalf("Load = %v, want a file error", err)
			}
			if name != "empty" && !strings.Contains(err.Error(), "s.yaml:") {
				t.Errorf("error %q does not name the file and line", err)
			}
		})
	}
}

// FuzzLoad feeds arbitrary season files to the parser: it answers with dates or with
// an error naming the file, and never panics.
func FuzzLoad(f *testing.F) {
	f.Add(season.Builtin())
	f.Add([]byte("rules:\n  - from: 2028\n    act: x\n"))
	f.Add([]byte("rules: [{from: 2100, act: a, registration: {from: \"02-29\", to: \"02-29\", rule: r}}]"))
	f.Add([]byte("{"))
	f.Fuzz(func(t *testing.T, data []byte) {
		b, err := season.Load(season.File{Name: "fuzz.yaml", Data: data})
		if err != nil {
			if !errors.Is(err, season.ErrInvalidFile) {
				t.Fatalf("error of an unexpected kind: %v", err)
			}
			return
		}
		for _, y := range []int{2000, 2021, 2027, 2100} {
			s, err := b.For(y)
			if err != nil {
				continue
			}
			if s.Registration.To.Before(s.Registration.From) || s.DarynBase.By.Before(s.Registration.To) {
				t.Fatalf("%d: a loaded season with its dates upside down: %+v", y, s)
			}
		}
	})
}
