package scoring_test

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"tarazy/iin"

	"tarazy/omr/reading"
	"tarazy/scoring"
)

func nationalReadings(b *testing.B, keys *scoring.Keys) []reading.Reading {
	rng := rand.New(rand.NewPCG(5, 5))
	readings := make([]reading.Reading, 100_000)
	for i := range readings {
		key, _ := keys.Lookup(7, fmt.Sprint(1+i%4))
		ans := make([]string, 75)
		for q := range ans {
			switch rng.IntN(5) {
			case 0, 1:
				ans[q] = key.Answers[q]
			case 2:
				ans[q] = key.Form.Options[rng.IntN(5)]
			case 3:
				ans[q] = "AB"
			}
		}
		readings[i] = reading.Reading{File: "batch.pdf", Page: i + 1, Status: reading.StatusOK, Form: "g7",
			Sheet: fmt.Sprintf("S%06d", i), IIN: nationalIIN(b, i), Variant: key.Variant, Answers: ans}
	}
	return readings
}

// BenchmarkScoreAllNational scores 100,000 grade-7 sheets (the national volume) with
// conflict detection.
func BenchmarkScoreAllNational(b *testing.B) {
	keys := mustKeys(b)
	readings := nationalReadings(b, keys)
	b.ReportAllocs()
	for b.Loop() {
		batch := scoring.ScoreAll(readings, keys, nil, scoring.DefaultPolicy())
		if len(batch.Results) != len(readings) {
			b.Fatalf("%d results, %d conflicts", len(batch.Results), len(batch.Conflicts))
		}
	}
}

// BenchmarkAnalyzeItemsNational analyses the 75 questions × 4 variants of 100,000
// scored sheets.
func BenchmarkAnalyzeItemsNational(b *testing.B) {
	keys := mustKeys(b)
	batch := scoring.ScoreAll(nationalReadings(b, keys), keys, nil, scoring.DefaultPolicy())
	b.ReportAllocs()
	for b.Loop() {
		if items := scoring.AnalyzeItems(batch.Results, keys, scoring.DefaultPolicy(), scoring.DefaultItemOptions()); len(items) == 0 {
			b.Fatal("no items")
		}
	}
}

// nationalIIN is a distinct valid IIN for each i below 300,000 (Make may move a serial up by at most 9).
func nationalIIN(b *testing.B, i int) string {
	id, err := iin.Make(time.Date(2012, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, i/900), iin.Female, 10*(i%900))
	if err != nil {
		b.Fatal(err)
	}
	return id
}
