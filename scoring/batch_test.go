package scoring_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"tarazy/internal/golden"
	"tarazy/omr/reading"
	"tarazy/scoring"
)

type batchFixture struct {
	keys       *scoring.Keys
	readings   []reading.Reading
	candidates []scoring.Candidate
}

// fixture: five grade-7 candidates and one grade-5 candidate, with one of each kind of
// trouble around them.
func newFixture(t *testing.T) batchFixture {
	keys := mustKeys(t)
	k71, _ := keys.Lookup(7, "1")
	k72, _ := keys.Lookup(7, "2")
	k53, _ := keys.Lookup(5, "3")
	var fx batchFixture
	fx.keys = keys
	ids := make([]string, 10)
	for i := range ids {
		ids[i] = makeIIN(t, i+1)
	}
	ok1 := sheet(t, k71, ids[0], 60, 10, 2)
	ok2 := sheet(t, k72, ids[1], 40, 20, 0)
	g5 := sheet(t, k53, ids[2], 30, 5, 1)
	rescan := ok1
	rescan.File = "rescan.png"
	twoA := sheet(t, k71, ids[3], 30, 0, 0)
	twoB := sheet(t, k72, ids[3], 31, 0, 0)
	twoB.File, twoB.Sheet = "second.png", "S-second"
	review := sheet(t, k71, ids[4], 30, 0, 0)
	review.Status, review.Review = reading.StatusReview, []string{"q7", "q9"}
	unregistered := sheet(t, k71, ids[5], 30, 0, 0)
	wrongGrade := sheet(t, k71, ids[6], 30, 0, 0)
	rejected := reading.Reading{File: "blank.png", Page: 2, Status: reading.StatusRejected, Error: "no corner marks found"}
	// A second sheet for ids[1] whose IIN is itself under review does not block ids[1]:
	// its IIN cannot be trusted to be ids[1].
	unsureIIN := sheet(t, k72, ids[1], 10, 0, 0)
	unsureIIN.File, unsureIIN.Sheet, unsureIIN.Status, unsureIIN.Review = "unsure.png", "S-unsure", reading.StatusReview, []string{"iin5"}
	fx.readings = []reading.Reading{ok1, ok2, g5, rescan, twoA, twoB, review, unregistered, wrongGrade, rejected, unsureIIN}
	for i, id := range ids {
		if i == 5 {
			continue // unregistered
		}
		g := 7
		if i == 2 || i == 6 {
			g = 5
		}
		fx.candidates = append(fx.candidates, scoring.Candidate{IIN: id, Grade: g, School: "NIS-Test", Name: "Candidate"})
	}
	return fx
}

func TestScoreAllReportsEveryConflictAndScoresTheRest(t *testing.T) {
	fx := newFixture(t)
	b := scoring.ScoreAll(fx.readings, fx.keys, fx.candidates, scoring.DefaultPolicy())
	var out bytes.Buffer
	if err := scoring.WriteScoresCSV(&out, b.Results); err != nil {
		t.Fatal(err)
	}
	out.WriteString("\n")
	if err := scoring.WriteConflictsCSV(&out, append(b.Conflicts, b.Rescans...)); err != nil {
		t.Fatal(err)
	}
	golden.Check(t, "batch.golden", out.Bytes())
	if len(b.Results) != 3 || !b.HasBlocking() {
		t.Fatalf("%d results, blocking %v", len(b.Results), b.HasBlocking())
	}
}

func TestScoreAllDoesNotDependOnReadingOrder(t *testing.T) {
	fx := newFixture(t)
	want := scoring.ScoreAll(fx.readings, fx.keys, fx.candidates, scoring.DefaultPolicy())
	rng := rand.New(rand.NewPCG(7, 7))
	for i := 0; i < 50; i++ {
		rs := append([]reading.Reading(nil), fx.readings...)
		rng.Shuffle(len(rs), func(i, j int) { rs[i], rs[j] = rs[j], rs[i] })
		got := scoring.ScoreAll(rs, fx.keys, fx.candidates, scoring.DefaultPolicy())
		if d := cmp.Diff(want, got); d != "" {
			t.Fatalf("shuffled readings give another batch (-want +got):\n%s", d)
		}
	}
}

func TestScoreAllWithoutBaseRejectsBadIINs(t *testing.T) {
	keys := mustKeys(t)
	k, _ := keys.Lookup(7, "1")
	good := sheet(t, k, makeIIN(t, 3), 10, 0, 0)
	bad := sheet(t, k, "130501600011", 10, 0, 0) // check digit off
	bad.IIN = bad.IIN[:11] + string('0'+(bad.IIN[11]-'0'+1)%10)
	b := scoring.ScoreAll([]reading.Reading{good, bad}, keys, nil, scoring.DefaultPolicy())
	if len(b.Results) != 1 || len(b.Conflicts) != 1 || b.Conflicts[0].Kind != scoring.ConflictBadIIN {
		t.Fatalf("results %d, conflicts %+v", len(b.Results), b.Conflicts)
	}
}

func TestScoreAllAcceptsARegisteredIINWithABadCheckDigit(t *testing.T) {
	keys := mustKeys(t)
	k, _ := keys.Lookup(7, "1")
	id := makeIIN(t, 3)
	id = id[:11] + string('0'+(id[11]-'0'+1)%10)
	rd := sheet(t, k, id, 10, 0, 0)
	b := scoring.ScoreAll([]reading.Reading{rd}, keys, []scoring.Candidate{{IIN: id, Grade: 7}}, scoring.DefaultPolicy())
	if len(b.Results) != 1 || len(b.Conflicts) != 0 {
		t.Fatalf("results %d, conflicts %+v", len(b.Results), b.Conflicts)
	}
}

func TestScoreAllNeverGroupsIncompleteIINs(t *testing.T) {
	keys := mustKeys(t)
	k, _ := keys.Lookup(7, "1")
	a := sheet(t, k, "", 10, 0, 0)
	b := sheet(t, k, "", 20, 0, 0)
	b.File, b.Sheet = "other.png", "S-other"
	c := sheet(t, k, "13050160001", 20, 0, 0) // 11 digits
	batch := scoring.ScoreAll([]reading.Reading{a, b, c}, keys, nil, scoring.DefaultPolicy())
	if len(batch.Results) != 0 || len(batch.Conflicts) != 3 {
		t.Fatalf("results %d, conflicts %+v", len(batch.Results), batch.Conflicts)
	}
	for _, c := range batch.Conflicts {
		if c.Kind != scoring.ConflictBadIIN {
			t.Errorf("%s: kind %s, want bad_iin", c.File, c.Kind)
		}
	}
}

// Issue 12: thousands of sheets carrying one IIN (a buggy worker, or someone's
// token) made scoring quadratic, each conflict listing every other sheet: 4,000
// sheets gave a 161 MB answer. Each conflict now names a few sheets and "N more".
func TestManySheetsOfOneIINStayBounded(t *testing.T) {
	keys := mustKeys(t)
	k, _ := keys.Lookup(7, "1")
	id := makeIIN(t, 1)
	var rds []reading.Reading
	for i := 0; i < 4000; i++ {
		rd := sheet(t, k, id, 30, 0, 0)
		rd.File, rd.Page, rd.Sheet = fmt.Sprintf("scan-%05d.png", i), 1, fmt.Sprintf("%06d", i+1)
		rds = append(rds, rd)
	}
	b := scoring.ScoreAll(rds, keys, nil, scoring.DefaultPolicy())
	if len(b.Conflicts) != 4000 || b.Conflicts[0].Kind != scoring.ConflictTwoSheets {
		t.Fatalf("%d conflicts, first %+v", len(b.Conflicts), b.Conflicts[0])
	}
	body, _ := json.Marshal(b.Conflicts)
	if len(body) > 8<<20 {
		t.Errorf("the conflicts of 4,000 sheets of one IIN take %d bytes; each must stay short", len(body))
	}
	for _, c := range b.Conflicts {
		if len(c.Detail)+len(c.DetailKK)+len(c.DetailRU) > 2000 {
			t.Fatalf("a conflict of %d bytes: %+v", len(c.Detail)+len(c.DetailKK)+len(c.DetailRU), c)
		}
	}
	if c := b.Conflicts[0]; !strings.Contains(c.Detail, "4000 different sheets") || !strings.Contains(c.Detail, "… +3995") || !strings.Contains(c.DetailRU, "на 4000 разных листах") {
		t.Errorf("detail = %q / %q", c.Detail, c.DetailRU)
	}
}
