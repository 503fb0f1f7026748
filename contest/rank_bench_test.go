package contest_test

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"tarazy/contest"
)

// nationalContest makes a contest the size of the national one: n candidates spread
// over the given number of schools and grades 5, 6 and 7, with scores drawn around the
// middle of each form's range (so ties are as common as in a real contest).
func nationalContest(n, schools int, seed uint64) ([]contest.Seats, []contest.Candidate) {
	rng := rand.New(rand.NewPCG(seed, 99))
	type grade struct {
		g, math, reading, history int // questions per section
	}
	grades := []grade{{5, 30, 10, 0}, {6, 35, 15, 10}, {7, 55, 10, 10}}
	var seats []contest.Seats
	for s := 0; s < schools; s++ {
		for _, g := range grades {
			seats = append(seats, contest.Seats{School: fmt.Sprintf("school-%03d", s), Grade: g.g, Seats: 20 + rng.IntN(15)})
		}
	}
	section := func(q int, ability float64) int {
		score := 0
		for i := 0; i < q; i++ {
			switch r := rng.Float64(); {
			case r < ability:
				score += 4
			case r < ability+(1-ability)*0.6:
				score--
			}
		}
		return score
	}
	cands := make([]contest.Candidate, n)
	for i := range cands {
		g := grades[rng.IntN(len(grades))]
		ability := 0.25 + 0.6*rng.Float64()
		c := contest.Candidate{School: fmt.Sprintf("school-%03d", rng.IntN(schools)), Grade: g.g,
			IIN: fmt.Sprintf("%012d", 100000000000+i*7), Name: fmt.Sprintf("Candidate %d", i),
			Math: section(g.math, ability), Reading: section(g.reading, ability), History: section(g.history, ability),
			Olympiad: rng.IntN(20) == 0, MynBala: g.g == 7 && rng.IntN(15) == 0}
		c.Score = c.Math + c.Reading + c.History
		cands[i] = c
	}
	return seats, cands
}

// BenchmarkRankNational ranks 100,000 candidates over 150 schools; the target is under
// a second per op on one core (go test -bench RankNational -cpu 1 ./contest/).
func BenchmarkRankNational(b *testing.B) {
	seats, cands := nationalContest(100_000, 150, 1)
	b.ReportAllocs()
	b.ResetTimer()
	pending := 0
	for b.Loop() {
		rk, err := contest.Rank(seats, cands, contest.DefaultPolicy(), nil)
		if err != nil {
			b.Fatal(err)
		}
		pending = 0
		for _, r := range rk.Results {
			pending += r.Count(contest.TiePending)
		}
	}
	b.ReportMetric(float64(pending), "tie_pending")
}
