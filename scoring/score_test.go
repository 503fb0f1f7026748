package scoring_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"tarazy/iin"
	"tarazy/omr/form"
	"tarazy/omr/reading"
	"tarazy/scoring"
)

func mustKeys(t testing.TB) *scoring.Keys {
	t.Helper()
	keys, err := scoring.ParseKeys(strings.NewReader(validKeyCSV()), "key.csv", nil)
	if err != nil {
		t.Fatal(err)
	}
	return keys
}

func mustForm(t testing.TB, id string) *form.Form {
	t.Helper()
	f, err := form.Get(id)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func makeIIN(t testing.TB, serial int) string {
	t.Helper()
	s, err := iin.Make(time.Date(2013, 5, 1+serial%28, 0, 0, 0, 0, time.UTC), iin.Female, serial)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// sheet builds a final g7 reading: the first `correct` answers right, then `wrong`
// wrong single marks, then `multi` multi-marks, the rest blank.
func sheet(t testing.TB, key *scoring.Key, id string, correct, wrong, multi int) reading.Reading {
	t.Helper()
	ans := make([]string, len(key.Answers))
	q := 0
	for ; q < correct; q++ {
		ans[q] = key.Answers[q]
	}
	for ; q < correct+wrong; q++ {
		if key.Answers[q] == "A" {
			ans[q] = "B"
		} else {
			ans[q] = "A"
		}
	}
	for ; q < correct+wrong+multi; q++ {
		ans[q] = "AE"
	}
	return reading.Reading{File: id + ".png", Page: 1, Status: reading.StatusOK, Form: key.Form.ID, Sheet: "S-" + id,
		IIN: id, Variant: key.Variant, Answers: ans}
}

func TestScoreFollowsRule35(t *testing.T) {
	keys := mustKeys(t)
	key, _ := keys.Lookup(7, "1")
	f := mustForm(t, "g7")
	cases := []struct {
		name                   string
		correct, wrong, multi  int
		policy                 scoring.InvalidAs
		score, math, read, his int
	}{
		{"AllRightIsTheMaximum", 75, 0, 0, scoring.InvalidAsWrong, 300, 220, 40, 40},
		{"AllBlankIsZero", 0, 0, 0, scoring.InvalidAsWrong, 0, 0, 0, 0},
		{"AllWrongIsMinus75", 0, 75, 0, scoring.InvalidAsWrong, -75, -55, -10, -10},
		{"FourRightOneWrong", 50, 10, 0, scoring.InvalidAsWrong, 190, 200 - 5, 0 - 5, 0},
		{"MultiMarkCountsAsWrongByDefault", 55, 0, 10, scoring.InvalidAsWrong, 210, 220, -10, 0},
		{"MultiMarkAsBlankWhenAsked", 55, 0, 10, scoring.InvalidAsBlank, 220, 220, 0, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rd := sheet(t, key, makeIIN(t, 1), tc.correct, tc.wrong, tc.multi)
			res, err := scoring.Score(f, key, &rd, scoring.Policy{InvalidAs: tc.policy})
			if err != nil {
				t.Fatal(err)
			}
			got := fmt.Sprintf("score %d math %d reading %d history %d", res.Score, res.Sections["math"], res.Sections["reading"], res.Sections["history"])
			want := fmt.Sprintf("score %d math %d reading %d history %d", tc.score, tc.math, tc.read, tc.his)
			if got != want {
				t.Fatalf("got %s, want %s", got, want)
			}
			if res.Correct != tc.correct || res.Wrong != tc.wrong || res.Invalid != tc.multi || res.Correct+res.Wrong+res.Blank+res.Invalid != 75 {
				t.Fatalf("counts %d/%d/%d/%d", res.Correct, res.Wrong, res.Blank, res.Invalid)
			}
		})
	}
}

func TestScoreMaximumsPerGrade(t *testing.T) {
	for _, c := range []struct {
		id  string
		max int
	}{{"g5", 160}, {"g6", 240}, {"g7", 300}} {
		if got := mustForm(t, c.id).MaxScore(); got != c.max {
			t.Errorf("%s maximum %d, want %d", c.id, got, c.max)
		}
	}
}

func TestSectionsAlwaysAddUpToTheScore(t *testing.T) {
	keys := mustKeys(t)
	rng := rand.New(rand.NewPCG(1, 2))
	for _, gv := range [][2]string{{"5", "1"}, {"7", "4"}} {
		g := 5
		if gv[0] == "7" {
			g = 7
		}
		key, _ := keys.Lookup(g, gv[1])
		for i := 0; i < 500; i++ {
			ans := make([]string, len(key.Answers))
			for q := range ans {
				switch rng.IntN(4) {
				case 0:
					ans[q] = key.Answers[q]
				case 1:
					ans[q] = key.Form.Options[rng.IntN(5)]
				case 2:
					ans[q] = "BD"
				}
			}
			rd := reading.Reading{Status: reading.StatusOK, Form: key.Form.ID, IIN: "x", Variant: key.Variant, Answers: ans}
			for _, p := range []scoring.InvalidAs{scoring.InvalidAsWrong, scoring.InvalidAsBlank} {
				res, err := scoring.Score(key.Form, key, &rd, scoring.Policy{InvalidAs: p})
				if err != nil {
					t.Fatal(err)
				}
				sum := 0
				for _, v := range res.Sections {
					sum += v
				}
				want := 4*res.Correct - res.Wrong
				if p == scoring.InvalidAsWrong {
					want -= res.Invalid
				}
				if sum != res.Score || res.Score != want {
					t.Fatalf("sections %v sum %d, score %d, formula %d", res.Sections, sum, res.Score, want)
				}
			}
		}
	}
}

func TestScoreRefusesWhatItCannotScore(t *testing.T) {
	keys := mustKeys(t)
	key, _ := keys.Lookup(7, "1")
	other, _ := keys.Lookup(7, "2")
	f := mustForm(t, "g7")
	base := sheet(t, key, makeIIN(t, 1), 10, 0, 0)
	cases := []struct {
		name string
		edit func(*reading.Reading)
		key  *scoring.Key
		want error
	}{
		{"OpenReview", func(r *reading.Reading) { r.Status = reading.StatusReview; r.Review = []string{"q3"} }, key, scoring.ErrNotFinal},
		{"OtherVariantsKey", func(r *reading.Reading) {}, other, scoring.ErrWrongKey},
		{"TooFewAnswers", func(r *reading.Reading) { r.Answers = r.Answers[:74] }, key, scoring.ErrBadAnswers},
		{"LetterNotOnForm", func(r *reading.Reading) { r.Answers[3] = "F" }, key, scoring.ErrBadAnswers},
		{"MisorderedMultiMark", func(r *reading.Reading) { r.Answers[3] = "CA" }, key, scoring.ErrBadAnswers},
		{"NoVariant", func(r *reading.Reading) { r.Variant = "" }, key, scoring.ErrBadVariant},
		{"OtherForm", func(r *reading.Reading) { r.Form = "g6" }, key, scoring.ErrUnknownForm},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rd := base
			rd.Answers = append([]string(nil), base.Answers...)
			tc.edit(&rd)
			_, err := scoring.Score(f, tc.key, &rd, scoring.DefaultPolicy())
			if !errors.Is(err, tc.want) {
				t.Fatalf("error %v, want %v", err, tc.want)
			}
		})
	}
}
