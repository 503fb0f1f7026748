package scoring_test

import (
	"bytes"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"tarazy/internal/golden"
	"tarazy/omr/reading"
	"tarazy/scoring"
)

// simulate writes n sheets for a key whose printed booklet has `truth` as its real
// answers: a candidate of ability a answers right with probability a, else picks a
// random other option or leaves it blank.
func simulate(t *testing.T, key *scoring.Key, truth []string, n int, seed uint64) []reading.Reading {
	rng := rand.New(rand.NewPCG(seed, 1))
	var out []reading.Reading
	for i := 0; i < n; i++ {
		ability := 0.2 + 0.75*rng.Float64()
		ans := make([]string, len(truth))
		for q := range ans {
			switch {
			case rng.Float64() < ability:
				ans[q] = truth[q]
			case rng.Float64() < 0.3:
				ans[q] = ""
			default:
				ans[q] = key.Form.Options[rng.IntN(len(key.Form.Options))]
			}
		}
		out = append(out, reading.Reading{File: "s.png", Page: i + 1, Status: reading.StatusOK, Form: key.Form.ID,
			IIN: makeIIN(t, i+1), Variant: key.Variant, Answers: ans})
	}
	return out
}

func TestItemAnalysisFlagsAWrongKeyBeforePublishing(t *testing.T) {
	keys := mustKeys(t)
	key, _ := keys.Lookup(7, "1")
	truth := append([]string(nil), key.Answers...)
	// The key file says question 12 is key.Answers[11], but the booklet's right answer
	// is another letter: candidates who know the subject pick that one.
	truth[11] = "E"
	if key.Answers[11] == "E" {
		truth[11] = "A"
	}
	b := scoring.ScoreAll(simulate(t, key, truth, 400, 3), keys, nil, scoring.DefaultPolicy())
	if len(b.Conflicts) != 0 {
		t.Fatalf("conflicts: %+v", b.Conflicts)
	}
	items := scoring.AnalyzeItems(b.Results, keys, scoring.DefaultPolicy(), scoring.DefaultItemOptions())
	flagged := scoring.Flagged(items)
	if len(flagged) != 1 || flagged[0].Question != 12 || flagged[0].Variant != "1" {
		for _, f := range flagged {
			t.Logf("flagged q%d v%s: %v", f.Question, f.Variant, f.Reasons)
		}
		t.Fatalf("%d items flagged, want exactly question 12 of variant 1", len(flagged))
	}
	it := flagged[0]
	if it.UpperTop != truth[11] || !strings.Contains(it.Reasons[0], "chose "+truth[11]) {
		t.Errorf("reasons %v, strong group top %q", it.Reasons, it.UpperTop)
	}
	if it.PointBiserial == nil || *it.PointBiserial >= 0 {
		t.Errorf("point-biserial of the miskeyed question = %v, want negative", it.PointBiserial)
	}
	// A sound question discriminates: the right answer goes with a higher rest score.
	var sound scoring.Item
	for _, it := range items {
		if it.Grade == 7 && it.Variant == "1" && it.Question == 1 {
			sound = it
		}
	}
	if sound.PointBiserial == nil || *sound.PointBiserial < 0.2 {
		t.Errorf("point-biserial of a sound question = %v, want clearly positive", sound.PointBiserial)
	}
	var sum float64
	for _, v := range sound.Shares {
		sum += v
	}
	if sum < 0.999 || sum > 1.001 {
		t.Errorf("option shares add up to %f", sum)
	}
}

func TestItemAnalysisStaysQuietOnFewCandidates(t *testing.T) {
	keys := mustKeys(t)
	key, _ := keys.Lookup(7, "2")
	truth := append([]string(nil), key.Answers...)
	truth[0] = "E"
	if key.Answers[0] == "E" {
		truth[0] = "A"
	}
	b := scoring.ScoreAll(simulate(t, key, truth, 20, 5), keys, nil, scoring.DefaultPolicy())
	items := scoring.AnalyzeItems(b.Results, keys, scoring.DefaultPolicy(), scoring.DefaultItemOptions())
	if f := scoring.Flagged(items); len(f) != 0 {
		t.Fatalf("20 candidates (a strong group of 6) flagged %d items; the minimum group is 10", len(f))
	}
}

// TestPointBiserialIsPearsonsR checks the one-pass formula against Pearson's r of the
// 0/1 item score with the rest score, computed the long way.
func TestPointBiserialIsPearsonsR(t *testing.T) {
	keys := mustKeys(t)
	key, _ := keys.Lookup(7, "3")
	b := scoring.ScoreAll(simulate(t, key, key.Answers, 150, 11), keys, nil, scoring.DefaultPolicy())
	items := scoring.AnalyzeItems(b.Results, keys, scoring.DefaultPolicy(), scoring.DefaultItemOptions())
	for _, it := range items {
		if it.Grade != 7 || it.Variant != "3" {
			continue
		}
		var xs, ys []float64
		for _, r := range b.Results {
			a := r.Answers[it.Question-1]
			x, pts := 0.0, 0
			switch {
			case a == it.Key:
				x, pts = 1, 4
			case a != "":
				pts = -1
			}
			xs = append(xs, x)
			ys = append(ys, float64(r.Score-pts))
		}
		want := pearson(xs, ys)
		if it.PointBiserial == nil || math.Abs(*it.PointBiserial-want) > 1e-5 {
			t.Fatalf("question %d: point-biserial %v, Pearson's r %f", it.Question, it.PointBiserial, want)
		}
	}
}

func pearson(xs, ys []float64) float64 {
	n := float64(len(xs))
	var mx, my float64
	for i := range xs {
		mx += xs[i] / n
		my += ys[i] / n
	}
	var sxy, sxx, syy float64
	for i := range xs {
		sxy += (xs[i] - mx) * (ys[i] - my)
		sxx += (xs[i] - mx) * (xs[i] - mx)
		syy += (ys[i] - my) * (ys[i] - my)
	}
	return sxy / math.Sqrt(sxx*syy)
}

func TestItemsCSVGolden(t *testing.T) {
	keys := mustKeys(t)
	k, _ := keys.Lookup(5, "2")
	one, err := scoring.NewKeys(k)
	if err != nil {
		t.Fatal(err)
	}
	truth := append([]string(nil), k.Answers...)
	truth[6] = "A"
	if k.Answers[6] == "A" {
		truth[6] = "B"
	}
	b := scoring.ScoreAll(simulate(t, k, truth, 60, 21), one, nil, scoring.DefaultPolicy())
	items := scoring.AnalyzeItems(b.Results, one, scoring.DefaultPolicy(), scoring.DefaultItemOptions())
	var buf bytes.Buffer
	if err := scoring.WriteItemsCSV(&buf, items, k.Form.Options); err != nil {
		t.Fatal(err)
	}
	golden.Check(t, "items.golden", buf.Bytes())
	if f := scoring.Flagged(items); len(f) != 1 || f[0].Question != 7 {
		t.Fatalf("flagged %+v", f)
	}
}
