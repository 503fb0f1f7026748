package results_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"tarazy/contest"
	"tarazy/iin"
	"tarazy/omr/reading"
	"tarazy/results"
	"tarazy/scoring"
	"tarazy/store"
)

// memSource is a Source in memory, for the engine's own tests.
type memSource struct {
	regs      []contest.Registration
	pages     results.Pages
	elsewhere map[string]string
	seats     []contest.Seats
	scores    []contest.Candidate
	policy    contest.Policy
	decisions []results.Decision
}

func (m *memSource) Keys(ctx context.Context) (*scoring.Keys, error) {
	var list []*scoring.Key
	for v := 1; v <= 4; v++ {
		list = append(list, &scoring.Key{Grade: 5, Variant: fmt.Sprint(v), Answers: strings.Split(strings.Repeat("ABCDE", 8), "")})
	}
	return scoring.NewKeys(list...)
}
func (m *memSource) Registrations(ctx context.Context, s results.Scope) ([]contest.Registration, error) {
	return m.regs, nil
}
func (m *memSource) Pages(ctx context.Context, s results.Scope) (results.Pages, error) {
	return m.pages, nil
}
func (m *memSource) Elsewhere(ctx context.Context, s results.Scope, iins []string) (map[string]string, error) {
	return m.elsewhere, nil
}
func (m *memSource) Seats(ctx context.Context, s results.Scope) ([]contest.Seats, error) {
	return m.seats, nil
}
func (m *memSource) Scores(ctx context.Context, s results.Scope) ([]contest.Candidate, contest.Policy, error) {
	return m.scores, m.policy, nil
}
func (m *memSource) Decisions(ctx context.Context, s results.Scope) ([]results.Decision, error) {
	return m.decisions, nil
}
func (m *memSource) Sitting(ctx context.Context, school string, grade int) (*contest.Sitting, error) {
	return nil, errors.New("no sitting")
}

func iinOf(t *testing.T, n int) string {
	t.Helper()
	id, err := iin.Make(time.Date(2015, 2, 1+n, 0, 0, 0, 0, time.UTC), iin.Female, 200+n)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func g5(serial, id string, right int) reading.Reading {
	ans := make([]string, 40)
	for q := 0; q < right; q++ {
		ans[q] = string("ABCDE"[q%5])
	}
	return reading.Reading{File: "scan-" + serial, Page: 1, Status: reading.StatusOK, Form: "g5", Sheet: serial, IIN: id, Variant: "1", Answers: ans, Review: []string{}}
}

// A registered candidate is absent only when no page carrying their IIN exists
// anywhere: a sheet of theirs on another form, a page refused as a sheet and a page at
// another school each block scoring and name the page (issue 10).
func TestACandidateIsAbsentOnlyWithoutAnyPage(t *testing.T) {
	ids := make([]string, 6)
	for i := range ids {
		ids[i] = iinOf(t, i)
	}
	src := &memSource{elsewhere: map[string]string{ids[3]: "final"}}
	for _, id := range ids {
		src.regs = append(src.regs, contest.Registration{School: "S1", Grade: 5, IIN: id, Name: "N"})
	}
	wrongForm := g5("000002", ids[1], 10)
	wrongForm.Form, wrongForm.Answers = "g6", make([]string, 60)
	src.pages = results.Pages{
		Sheets: []reading.Reading{g5("000001", ids[0], 30), wrongForm},
		Refused: []results.Refused{
			{Batch: "b", File: "torn.png", Page: 1, Serial: "000003", IIN: ids[2], Form: "g5", Refusal: store.RefusalUnfit, Reason: "12 answers for form g5 of 40"},
			{Batch: "b", File: "cover.pdf", Page: 1, Refusal: store.RefusalReader, Reason: "not a sheet"},
		},
	}
	sc, err := results.Score(context.Background(), src, results.Scope{School: "S1", Grade: 5}, contest.DefaultPolicy())
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]scoring.ConflictKind{}
	for _, c := range sc.Batch.Conflicts {
		if c.IIN != "" {
			got[c.IIN] = c.Kind
		}
	}
	want := map[string]scoring.ConflictKind{ids[1]: scoring.ConflictWrongGrade, ids[2]: scoring.ConflictRefused, ids[3]: scoring.ConflictElsewhere,
		ids[4]: scoring.ConflictAbsent, ids[5]: scoring.ConflictAbsent}
	for id, k := range want {
		if got[id] != k {
			t.Errorf("candidate %s: %q, want %q (all: %+v)", id, got[id], k, sc.Batch.Conflicts)
		}
	}
	if !sc.Blocking() || len(sc.Results) != 1 || sc.BlockingCount() != 3 {
		t.Errorf("blocking %v, %d results, %d blocking", sc.Blocking(), len(sc.Results), sc.BlockingCount())
	}
	for _, c := range sc.Batch.Conflicts {
		if c.Kind == scoring.ConflictAbsent && !strings.Contains(c.Detail, "could not be read at all") {
			t.Errorf("an absent candidate is not told of the unread page: %s", c.Detail)
		}
	}
}

func TestConflictsComeInPages(t *testing.T) {
	var cs []scoring.Conflict
	for i := 0; i < 250; i++ {
		cs = append(cs, scoring.Conflict{Kind: scoring.ConflictTwoSheets, File: fmt.Sprint(i)})
	}
	p := results.PageConflicts(cs, "", 0)
	if len(p.Conflicts) != 100 || p.Next != "100" || p.Total != 250 || p.ByKind["two_sheets"] != 250 {
		t.Fatalf("first page: %d, next %q", len(p.Conflicts), p.Next)
	}
	p = results.PageConflicts(cs, p.Next, 200)
	if len(p.Conflicts) != 150 || p.Next != "" || p.Conflicts[0].File != "100" {
		t.Fatalf("last page: %d, next %q", len(p.Conflicts), p.Next)
	}
	if p := results.PageConflicts(cs, "9999", 5000); len(p.Conflicts) != 0 {
		t.Fatalf("past the end: %d", len(p.Conflicts))
	}
}

// A decision the results no longer bear out refuses the ranking and says why in the
// three languages: who is missing, who is no longer equal, who is now equal too.
func TestRankRefusesAStaleDecisionAndSaysWhy(t *testing.T) {
	a, b, c, d := iinOf(t, 1), iinOf(t, 2), iinOf(t, 3), iinOf(t, 4)
	cand := func(id string, score int) contest.Candidate {
		return contest.Candidate{School: "S1", Grade: 5, IIN: id, Name: "N", Score: score, Math: score}
	}
	src := &memSource{seats: []contest.Seats{{School: "S1", Grade: 5, Seats: 1}}, policy: contest.DefaultPolicy(),
		scores: []contest.Candidate{cand(a, 100), cand(b, 100), cand(c, 100), cand(d, 90)}}
	dec := func(order ...string) results.Decision {
		return results.Decision{ID: 7, Decision: contest.Decision{School: "S1", Grade: 5, Order: order, DecidedBy: "chair", Reason: "lot"}}
	}
	cases := []struct {
		name   string
		order  []string
		en, kk string
	}{
		{"Apart", []string{a, d}, "no longer equal to the others: " + d, "тең емес"},
		{"Joined", []string{a, b}, "now equal to them but not in the decision: " + c, "тең, бірақ шешімде жоқ"},
		{"Missing", []string{a, b, c, iinOf(t, 9)}, "no longer among the results: " + iinOf(t, 9), "нәтижелер арасында жоқ"},
	}
	for _, tc := range cases {
		src.decisions = []results.Decision{dec(tc.order...)}
		_, err := results.Rank(context.Background(), src, results.Scope{School: "S1", Grade: 5})
		var se *results.StaleError
		if !errors.As(err, &se) || len(se.Stale) != 1 || se.Stale[0].Decision.ID != 7 {
			t.Fatalf("%s: %v", tc.name, err)
		}
		why := se.Stale[0].Why
		if !strings.Contains(why.EN, tc.en) || !strings.Contains(why.KK, tc.kk) || why.RU == "" {
			t.Errorf("%s: why = %+v", tc.name, why)
		}
	}
	src.decisions = []results.Decision{dec(c, a, b)}
	ranked, err := results.Rank(context.Background(), src, results.Scope{School: "S1", Grade: 5})
	if err != nil {
		t.Fatal(err)
	}
	if res, _ := ranked.Result("S1", 5); res.Rows[0].IIN != c || res.Rows[0].Outcome != contest.Admitted || res.Pending() {
		t.Errorf("the decision in force: %+v", res.Rows)
	}
}
