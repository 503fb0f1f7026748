package scoring

import (
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"
)

// ItemOptions tunes the probable-key-error flag.
type ItemOptions struct {
	// UpperShare is the share of the best candidates that form the "strong" group
	// (0.27 is the classical Kelley upper group).
	UpperShare float64
	// MinUpper is the smallest strong group on which a flag is raised; below it a few
	// candidates could flag a sound question by chance.
	MinUpper int
	// MinNegative is the smallest number of candidates on which a negative
	// discrimination is reported.
	MinNegative int
}

// DefaultItemOptions are the values tarazy uses unless told otherwise.
func DefaultItemOptions() ItemOptions {
	return ItemOptions{UpperShare: 0.27, MinUpper: 10, MinNegative: 30}
}

// Item is the analysis of one question of one variant.
type Item struct {
	Grade    int    `json:"grade"`
	Variant  string `json:"variant"`
	Question int    `json:"question"`
	Section  string `json:"section"`
	Key      string `json:"key"`
	N        int    `json:"n"` // candidates who wrote this variant
	// ShareCorrect is the difficulty index p.
	ShareCorrect float64 `json:"share_correct"`
	// Shares by option letter, plus "blank" and "invalid" (multi-marks).
	Shares map[string]float64 `json:"shares"`
	// PointBiserial is the correlation between answering right and the rest of the
	// score (the total less this question's points, so the question does not correlate
	// with itself). Nil when undefined (everyone right, or everyone wrong).
	PointBiserial *float64 `json:"point_biserial"`
	// Strong group: the best UpperShare of candidates by score.
	UpperN        int     `json:"upper_n"`
	UpperTop      string  `json:"upper_top"` // the option the strong group chose most
	UpperTopShare float64 `json:"upper_top_share"`
	UpperKeyShare float64 `json:"upper_key_share"`
	// Flagged: probably a key error; Reasons says why. To be checked against the test
	// booklet before results are published.
	Flagged bool     `json:"flagged"`
	Reasons []string `json:"reasons"`
}

// AnalyzeItems computes item statistics per grade, variant and question from scored
// results, and flags a question as a probable key error when the strong group mostly
// chose one other option than the key, or when answering it right goes with a lower
// rest score (negative discrimination). Items are ordered by grade, variant, question.
func AnalyzeItems(results []Result, keys *Keys, p Policy, opt ItemOptions) []Item {
	if opt.UpperShare <= 0 || opt.UpperShare > 1 {
		opt.UpperShare = DefaultItemOptions().UpperShare
	}
	groups := map[gradeVariant][]*Result{}
	for i := range results {
		r := &results[i]
		groups[gradeVariant{r.Grade, r.Variant}] = append(groups[gradeVariant{r.Grade, r.Variant}], r)
	}
	var items []Item
	for _, key := range keys.All() {
		rs := groups[gradeVariant{key.Grade, key.Variant}]
		items = append(items, analyzeVariant(key, rs, p, opt)...)
	}
	return items
}

func analyzeVariant(key *Key, rs []*Result, p Policy, opt ItemOptions) []Item {
	f := key.Form
	n := len(rs)
	nq := len(key.Answers)
	sorted := append([]*Result(nil), rs...)
	sort.Slice(sorted, func(i, j int) bool {
		if sorted[i].Score != sorted[j].Score {
			return sorted[i].Score > sorted[j].Score
		}
		return sorted[i].IIN < sorted[j].IIN
	})
	upperN := int(math.Ceil(opt.UpperShare * float64(n)))
	nc := len(f.Options) + 2 // choice index: options, then blank, then invalid
	// One pass over the sheets, sheet by sheet (each sheet's answers are read while
	// they are in cache), accumulating per question: choice counts overall and in the
	// strong group, and the sums the point-biserial needs.
	counts := make([]int, nq*nc)
	upCounts := make([]int, nq*nc)
	nRight := make([]int, nq)
	sumRest, sumRest2, sumRightRest := make([]float64, nq), make([]float64, nq), make([]float64, nq)
	for rank, r := range sorted {
		upper := rank < upperN
		for q := 0; q < nq; q++ {
			a := r.Answers[q]
			c := choiceIndex(f.Options, a)
			counts[q*nc+c]++
			if upper {
				upCounts[q*nc+c]++
			}
			m := classify(a, key.Answers[q])
			rest := float64(r.Score - p.points(m))
			sumRest[q] += rest
			sumRest2[q] += rest * rest
			if m == markCorrect {
				nRight[q]++
				sumRightRest[q] += rest
			}
		}
	}
	items := make([]Item, 0, nq)
	for q := 1; q <= nq; q++ {
		k := key.Answers[q-1]
		ki := f.OptionIndex(k)
		cnt, up := counts[(q-1)*nc:q*nc], upCounts[(q-1)*nc:q*nc]
		it := Item{Grade: key.Grade, Variant: key.Variant, Question: q, Key: k, N: n, UpperN: upperN, Shares: map[string]float64{}}
		if s, ok := f.SectionOf(q); ok {
			it.Section = s.Key
		}
		if n > 0 {
			for i, o := range f.Options {
				it.Shares[o] = float64(cnt[i]) / float64(n)
			}
			it.Shares["blank"] = float64(cnt[nc-2]) / float64(n)
			it.Shares["invalid"] = float64(cnt[nc-1]) / float64(n)
			it.ShareCorrect = float64(nRight[q-1]) / float64(n)
			it.PointBiserial = pointBiserial(n, nRight[q-1], sumRest[q-1], sumRest2[q-1], sumRightRest[q-1])
		}
		top := -1
		if upperN > 0 {
			for i := range f.Options { // option order makes ties deterministic
				if up[i] > 0 && (top < 0 || up[i] > up[top]) {
					top = i
				}
			}
			if top >= 0 {
				it.UpperTop = f.Options[top]
				it.UpperTopShare = float64(up[top]) / float64(upperN)
			}
			it.UpperKeyShare = float64(up[ki]) / float64(upperN)
		}
		if upperN >= opt.MinUpper && top >= 0 && top != ki && up[top] > up[ki] {
			it.Flagged = true
			it.Reasons = append(it.Reasons, fmt.Sprintf("the strongest %d candidates chose %s (%.0f%%) more often than the key %s (%.0f%%)",
				upperN, it.UpperTop, 100*it.UpperTopShare, k, 100*it.UpperKeyShare))
		}
		if n >= opt.MinNegative && it.PointBiserial != nil && *it.PointBiserial < 0 {
			it.Flagged = true
			it.Reasons = append(it.Reasons, fmt.Sprintf("candidates who matched the key scored lower on the rest of the test (point-biserial %.2f)", *it.PointBiserial))
		}
		items = append(items, it)
	}
	return items
}

func choiceIndex(options []string, a string) int {
	switch {
	case a == "":
		return len(options)
	case len(a) > 1:
		return len(options) + 1
	}
	for i, o := range options {
		if o == a {
			return i
		}
	}
	return len(options) + 1 // not an option: checkAnswers keeps these out of results
}

// pointBiserial = (M₁ − M) / s · √(p / q), with M the mean and s the population
// standard deviation of the rest scores, M₁ the mean of those who answered right, p
// their share: Pearson's r of a 0/1 item with the rest score. Nil when undefined.
func pointBiserial(n, n1 int, sum, sum2, sumRight float64) *float64 {
	if n1 == 0 || n1 == n {
		return nil
	}
	fn := float64(n)
	mean := sum / fn
	variance := sum2/fn - mean*mean
	if variance <= 1e-12 {
		return nil
	}
	pp := float64(n1) / fn
	r := (sumRight/float64(n1) - mean) / math.Sqrt(variance) * math.Sqrt(pp/(1-pp))
	r = math.Round(r*1e6) / 1e6 // stable across platforms in reports and golden files
	return &r
}

// WriteItemsCSV writes the item analysis, one line per question and variant.
func WriteItemsCSV(w io.Writer, items []Item, options []string) error {
	cw := csv.NewWriter(w)
	header := []string{"grade", "variant", "question", "section", "key", "n", "share_correct"}
	for _, o := range options {
		header = append(header, "share_"+o)
	}
	header = append(header, "share_blank", "share_invalid", "point_biserial", "upper_n", "upper_top", "upper_top_share", "upper_key_share", "flagged", "reasons")
	if err := cw.Write(header); err != nil {
		return err
	}
	f3 := func(x float64) string { return strconv.FormatFloat(x, 'f', 3, 64) }
	for _, it := range items {
		rec := []string{strconv.Itoa(it.Grade), it.Variant, strconv.Itoa(it.Question), it.Section, it.Key, strconv.Itoa(it.N), f3(it.ShareCorrect)}
		for _, o := range options {
			rec = append(rec, f3(it.Shares[o]))
		}
		pb := ""
		if it.PointBiserial != nil {
			pb = f3(*it.PointBiserial)
		}
		flag := "0"
		if it.Flagged {
			flag = "1"
		}
		rec = append(rec, f3(it.Shares["blank"]), f3(it.Shares["invalid"]), pb, strconv.Itoa(it.UpperN), it.UpperTop,
			f3(it.UpperTopShare), f3(it.UpperKeyShare), flag, strings.Join(it.Reasons, "; "))
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// Flagged returns the flagged items only.
func Flagged(items []Item) []Item {
	var out []Item
	for _, it := range items {
		if it.Flagged {
			out = append(out, it)
		}
	}
	return out
}
