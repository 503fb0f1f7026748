package main

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"tarazy/contest"
	"tarazy/omr/form"
	"tarazy/omr/reading"
	"tarazy/scoring"
)

// The demo's default seed is chosen so that the contest shows what a newcomer should
// see: a tie across a seat that only the commission may break, and no question that
// looks miskeyed. This recomputes the contest from the seed (without images) and keeps
// the seed honest when the candidate model changes.
func TestDemoSeedHasATieForTheCommission(t *testing.T) {
	rng := rand.New(rand.NewPCG(demoSeed, 1))
	keys := demoKeys(rng)
	cands, err := demoCandidates(rng, keys)
	if err != nil {
		t.Fatal(err)
	}
	var list []*scoring.Key
	for _, k := range keys {
		list = append(list, &scoring.Key{Grade: k.Grade, Variant: k.Variant, Answers: strings.Split(k.Answers, "")})
	}
	ks, err := scoring.NewKeys(list...)
	if err != nil {
		t.Fatal(err)
	}
	var seats []contest.Seats
	for _, g := range demoGrades {
		seats = append(seats, contest.Seats{School: demoSchool, Grade: g.grade, Seats: g.seats})
	}
	var cs []contest.Candidate
	var results []scoring.Result
	for _, c := range cands {
		f, _ := form.ForGrade(c.Grade)
		rd := reading.Reading{Status: reading.StatusOK, Form: f.ID, IIN: c.IIN, Variant: fmt.Sprint(c.Variant), Answers: c.Answers}
		key, ok := ks.Lookup(c.Grade, rd.Variant)
		if !ok {
			t.Fatalf("no key for grade %d variant %s", c.Grade, rd.Variant)
		}
		r, err := scoring.Score(f, key, &rd, scoring.DefaultPolicy())
		if err != nil {
			t.Fatal(err)
		}
		results = append(results, r)
		cs = append(cs, contest.Candidate{School: demoSchool, Grade: c.Grade, IIN: c.IIN, Name: c.Name, Score: r.Score,
			Math: r.Sections[form.SectionMath], Reading: r.Sections[form.SectionReading], History: r.Sections[form.SectionHistory],
			Olympiad: c.Olympiad, MynBala: c.MynBala})
	}
	if flagged := scoring.Flagged(scoring.AnalyzeItems(results, ks, scoring.DefaultPolicy(), scoring.DefaultItemOptions())); len(flagged) != 0 {
		t.Errorf("the demo's keys look wrong on %d questions; pick another seed", len(flagged))
	}
	rk, err := contest.Rank(seats, cs, contest.DefaultPolicy(), nil)
	if err != nil {
		t.Fatal(err)
	}
	pending := 0
	for _, r := range rk.Results {
		for _, ti := range r.Ties {
			if ti.Decision == nil {
				pending++
			}
		}
	}
	if pending == 0 {
		t.Errorf("seed %d gives no tie for the commission to decide; the demo would not show it", demoSeed)
	}
}
