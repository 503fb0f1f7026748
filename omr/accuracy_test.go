package omr_test

import (
	"context"
	"flag"
	"fmt"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"

	"tarazy/calibration"
	"tarazy/omr"
	"tarazy/omr/form"
	"tarazy/omr/reading"
	"tarazy/omr/synth"
)

var accuracySheets = flag.Int("sheets", 2000, "sheets in the accuracy corpus")

// accuracyStats is what `make accuracy` prints.
type accuracyStats struct {
	sheets, ok, review, rejected, silent int
	hardReviewed                         int
	bubbles, bubblesRight, bubblesReview int
	byKind                               map[string]*[3]int // right, review, wrong (fields)
	byDeg                                map[string]*[2]int // sheets, reviewed
	silentDetail                         []string
	reviewDetail                         []string
	rejectDetail                         []string
}

func (s *accuracyStats) kind(k string) *[3]int {
	if s.byKind[k] == nil {
		s.byKind[k] = &[3]int{}
	}
	return s.byKind[k]
}

// TestAccuracy reads a corpus of generated scans of every form — all the mark kinds
// and scanner degradations of omr/synth, in their realistic mix — and holds the
// reader to the product's promise: no sheet is ever "ok" with a reading that differs
// from the truth, and at most 2 % of sheets need a person.
func TestAccuracy(t *testing.T) {
	n := *accuracySheets
	if testing.Short() && n == 2000 {
		n = 300 // a quick look while iterating; the full corpus is the proof
	}
	// As tarazy scan does: learn the thresholds from a sample of the batch first.
	prof := calibrateOn(t, 60, 1)
	st := runAccuracy(t, n, 1, prof)
	t.Logf("\nprofile learned from %d pages: blank ≤ %.3f, marked ≥ %.3f\n%s", prof.Pages, prof.BlankMax, prof.MarkMin, st.report())
	if st.silent > 0 {
		t.Errorf("%d sheets read ok but wrong (silent errors):\n%s", st.silent, strings.Join(st.silentDetail, "\n"))
	}
	if st.rejected > 0 {
		t.Errorf("%d generated sheets rejected:\n%s", st.rejected, strings.Join(st.rejectDetail, "\n"))
	}
	if rate := float64(st.review) / float64(st.sheets); rate > 0.02 {
		t.Errorf("%.2f %% of sheets sent to review, want at most 2 %%", 100*rate)
	}
}

// calibrateOn fits a profile to the first n sheets of the corpus.
func calibrateOn(t testing.TB, n int, seedBase uint64) *calibration.Profile {
	r, err := omr.NewReader(omr.Options{})
	if err != nil {
		t.Fatal(err)
	}
	g := synth.New(synth.Options{})
	var samples []calibration.Sample
	pages := 0
	for i := 0; i < n; i++ {
		f, _ := form.Get(corpusForms[i%len(corpusForms)])
		seed := seedBase*1_000_003 + uint64(i)
		sc, err := g.Generate(f, synth.RandomCandidate(f, seed), seed)
		if err != nil {
			t.Fatal(err)
		}
		ps, _ := r.ReadBytes(context.Background(), sc.Name, sc.Data)
		for _, p := range ps {
			if p.Reading.Status != reading.StatusRejected {
				samples = append(samples, p.Samples...)
				pages++
			}
		}
	}
	p, err := calibration.Fit("corpus", pages, samples)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

var corpusForms = []string{"g7", "g7", "g6", "g5"}

func runAccuracy(t testing.TB, n int, seedBase uint64, prof *calibration.Profile) *accuracyStats {
	r, err := omr.NewReader(omr.Options{Profile: prof})
	if err != nil {
		t.Fatal(err)
	}
	g := synth.New(synth.Options{})
	forms := corpusForms
	st := &accuracyStats{byKind: map[string]*[3]int{}, byDeg: map[string]*[2]int{}}
	var mu sync.Mutex
	jobs := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < runtime.GOMAXPROCS(0); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				f, _ := form.Get(forms[i%len(forms)])
				seed := seedBase*1_000_003 + uint64(i)
				c := synth.RandomCandidate(f, seed)
				sc, err := g.Generate(f, c, seed)
				if err != nil {
					t.Error(err)
					continue
				}
				pages, err := r.ReadBytes(context.Background(), sc.Name, sc.Data)
				if err != nil || len(pages) != 1 {
					t.Errorf("%s: %v, %d pages", sc.Name, err, len(pages))
					continue
				}
				mu.Lock()
				st.add(f, sc, pages[0])
				mu.Unlock()
			}
		}()
	}
	for i := 0; i < n; i++ {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	return st
}

func (s *accuracyStats) add(f *form.Form, sc synth.Scan, p omr.Page) {
	rd, tr := p.Reading, sc.Truth
	s.sheets++
	for _, d := range tr.Degradations {
		if s.byDeg[d] == nil {
			s.byDeg[d] = &[2]int{}
		}
		s.byDeg[d][0]++
		if rd.Status != reading.StatusOK {
			s.byDeg[d][1]++
		}
	}
	switch rd.Status {
	case reading.StatusRejected:
		s.rejected++
		s.rejectDetail = append(s.rejectDetail, fmt.Sprintf("  %s (%v): %s", sc.Name, tr.Degradations, rd.Error))
		return
	case reading.StatusReview:
		s.review++
		var why []string
		for _, f := range p.Fields {
			if f.Review && len(why) < 3 {
				why = append(why, f.Name+": "+f.Reason)
			}
		}
		s.reviewDetail = append(s.reviewDetail, fmt.Sprintf("  %s %d dpi %v hard %v: %s", sc.Name, tr.DPI, tr.Degradations, tr.Hard, strings.Join(why, "; ")))
	default:
		s.ok++
	}
	inReview := map[string]bool{}
	for _, f := range rd.Review {
		inReview[f] = true
	}
	var diffs []string
	for q := range tr.Answers {
		name := "q" + strconv.Itoa(q+1)
		kind := tr.Marks[name]
		if kind == "" {
			kind = "fill"
			if tr.Answers[q] == "" {
				kind = "blank"
			}
		}
		k := s.kind(kind)
		for _, o := range f.Options {
			s.bubbles++
			if inReview[name] {
				s.bubblesReview++
			} else if strings.Contains(rd.Answers[q], o) == strings.Contains(tr.Answers[q], o) {
				s.bubblesRight++
			}
		}
		switch {
		case inReview[name]:
			k[1]++
		case rd.Answers[q] == tr.Answers[q]:
			k[0]++
		default:
			k[2]++
			diffs = append(diffs, fmt.Sprintf("%s read %q, truth %q (%s)", name, rd.Answers[q], tr.Answers[q], kind))
		}
	}
	for _, h := range tr.Hard {
		if inReview[h] {
			s.hardReviewed++
		}
	}
	if rd.Status == reading.StatusOK {
		if rd.IIN != tr.IIN {
			diffs = append(diffs, "iin "+rd.IIN+" truth "+tr.IIN)
		}
		if rd.Variant != tr.Variant {
			diffs = append(diffs, "variant "+rd.Variant+" truth "+tr.Variant)
		}
		if rd.Sheet != tr.Sheet || rd.Form != tr.Form {
			diffs = append(diffs, "sheet "+rd.Form+"/"+rd.Sheet+" truth "+tr.Form+"/"+tr.Sheet)
		}
		if len(diffs) > 0 {
			s.silent++
			s.silentDetail = append(s.silentDetail, fmt.Sprintf("  %s (%v, %d dpi, marks %v): %s", sc.Name, tr.Degradations, tr.DPI, tr.Marks, strings.Join(diffs, "; ")))
		}
	}
}

func (s *accuracyStats) report() string {
	var b strings.Builder
	pct := func(a, n int) float64 {
		if n == 0 {
			return 0
		}
		return 100 * float64(a) / float64(n)
	}
	fmt.Fprintf(&b, "sheets %d: ok %d, review %d (%.2f %%), rejected %d\n", s.sheets, s.ok, s.review, pct(s.review, s.sheets), s.rejected)
	fmt.Fprintf(&b, "silent errors (ok but wrong): %d\n", s.silent)
	fmt.Fprintf(&b, "answer bubbles %d: right %.4f %%, in review %.4f %%, wrong %.4f %%\n", s.bubbles,
		pct(s.bubblesRight, s.bubbles), pct(s.bubblesReview, s.bubbles), pct(s.bubbles-s.bubblesRight-s.bubblesReview, s.bubbles))
	fmt.Fprintf(&b, "\n%-14s %8s %8s %8s %8s\n", "mark kind", "fields", "right", "review", "wrong")
	kinds := make([]string, 0, len(s.byKind))
	for k := range s.byKind {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	for _, k := range kinds {
		v := s.byKind[k]
		n := v[0] + v[1] + v[2]
		fmt.Fprintf(&b, "%-14s %8d %7.2f%% %7.2f%% %7.2f%%\n", k, n, pct(v[0], n), pct(v[1], n), pct(v[2], n))
	}
	sort.Strings(s.reviewDetail)
	fmt.Fprintf(&b, "\nsheets sent to review:\n%s\n", strings.Join(s.reviewDetail, "\n"))
	fmt.Fprintf(&b, "\n%-18s %8s %10s\n", "degradation", "sheets", "reviewed")
	degs := make([]string, 0, len(s.byDeg))
	for k := range s.byDeg {
		degs = append(degs, k)
	}
	sort.Strings(degs)
	for _, k := range degs {
		v := s.byDeg[k]
		fmt.Fprintf(&b, "%-18s %8d %9.1f%%\n", k, v[0], pct(v[1], v[0]))
	}
	return b.String()
}
