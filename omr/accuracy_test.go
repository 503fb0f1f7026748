package omr_test

import (
	"context"
	"flag"
	"fmt"
	"math"
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

// `go test` reads a small corpus so that `make test` stays within minutes on a shared
// machine; `make accuracy` reads the full one (-sheets 2000 -hard 100).
var (
	accuracySheets = flag.Int("sheets", 240, "sheets of the realistic mix in the accuracy corpus")
	accuracyHard   = flag.Int("hard", 8, "sheets per hard condition in the accuracy corpus")
)

// ordinary names the realistic mix in the per-condition figures.
const ordinary = "ordinary"

// condStats are the figures of one condition.
type condStats struct {
	sheets, ok, review, pageReview, rejected int
	// silent counts sheets with at least one silent error: a field read wrong that is
	// not under review (status ok, or review without that field and without "page").
	silent, silentFields int
	codes                map[string]int // rejection codes
	detail               []string
}

// accuracyStats is what `make accuracy` prints.
type accuracyStats struct {
	byCond                               map[string]*condStats
	hard, hardReviewed                   int
	bubbles, bubblesRight, bubblesReview int
	byKind                               map[string]*[3]int // right, review, wrong (fields)
	byDeg                                map[string]*[2]int // sheets, reviewed
	reviewDetail                         []string
	alignErr                             map[string]*[2]float64 // sum of worst errors (mm), pages
}

func (s *accuracyStats) cond(c string) *condStats {
	if s.byCond[c] == nil {
		s.byCond[c] = &condStats{codes: map[string]int{}}
	}
	return s.byCond[c]
}

func (s *accuracyStats) kind(k string) *[3]int {
	if s.byKind[k] == nil {
		s.byKind[k] = &[3]int{}
	}
	return s.byKind[k]
}

// allowedRejections are the reasons a page of a hard condition may be rejected with:
// each says what is wrong with that scan. Any other rejection is a wrong message.
var allowedRejections = map[string][]string{
	synth.CondStreak:      {omr.CodeScannerStreak},
	synth.CondCrease:      {omr.CodeScannerStreak}, // a fold along the scan's axis is such a line
	synth.CondPhoto3:      {omr.CodeNoCorners, omr.CodeNotA4, omr.CodeNoFormCode, omr.CodeDistorted, omr.CodeCutOff, omr.CodeOrientation},
	synth.CondPhotoNoMid:  {omr.CodeNoCorners, omr.CodeNotA4, omr.CodeNoFormCode, omr.CodeDistorted, omr.CodeCutOff, omr.CodeOrientation},
	synth.CondBitonal:     {omr.CodeRescanGrey},
	synth.CondDithered:    {omr.CodeRescanGrey},
	synth.CondFadedToner:  {omr.CodeFaintPrint},
	synth.CondLightPencil: {},
}

// TestAccuracy reads a corpus of generated scans of every form — the realistic mix of
// omr/synth and each of its hard conditions — and holds the reader to the product's
// promise: no field is ever read wrong without a person being asked to look at it (no
// "ok" page that differs from the truth, no wrong field left unflagged on a page under
// review), every rejection says what is wrong with that scan, and at most 3 % of
// ordinary sheets need a person.
func TestAccuracy(t *testing.T) {
	n, hard := *accuracySheets, *accuracyHard
	if testing.Short() {
		n, hard = 80, 3 // a quick look while iterating; the full corpus is the proof
	}
	// As tarazy scan does on a mixed batch: learn the thresholds from a sample of it,
	// hard sheets included, first.
	prof := calibrateOn(t, 60, 1, hard > 0)
	st := runAccuracy(t, n, hard, 1, prof)
	t.Logf("\nprofile learned from %d pages: blank ≤ %.3f, marked ≥ %.3f\n%s", prof.Pages, prof.BlankMax, prof.MarkMin, st.report())
	for _, c := range append([]string{ordinary}, synth.Conditions...) {
		cs := st.byCond[c]
		if cs == nil {
			continue
		}
		if cs.silent > 0 {
			t.Errorf("%s: %d sheets with silent errors (%d fields read wrong and not flagged):\n%s", c, cs.silent, cs.silentFields, strings.Join(cs.detail, "\n"))
		}
		for code, k := range cs.codes {
			allowed, listed := allowedRejections[c]
			if c == ordinary || (listed && !containsS(allowed, code)) || !listed {
				t.Errorf("%s: %d sheets rejected as %q, which is not what is wrong with them", c, k, code)
			}
		}
	}
	// The realistic mix holds the candidates' own mistakes (a wrong IIN digit, no
	// variant: 0.6 % of sheets) and erasure residue a person must judge; 3 % is what a
	// commission can review the same day.
	if cs := st.byCond[ordinary]; cs != nil && float64(cs.review) > 0.03*float64(cs.sheets) {
		t.Errorf("%.2f %% of ordinary sheets sent to review, want at most 3 %%", 100*float64(cs.review)/float64(cs.sheets))
	}
}

func containsS(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// corpusScan generates sheet i of the corpus: the realistic mix for cond "", else a
// sheet of that hard condition.
func corpusScan(gens map[string]*synth.Generator, cond string, i int, seedBase uint64) (*form.Form, synth.Scan, error) {
	f, _ := form.Get(corpusForms[i%len(corpusForms)])
	seed := seedBase*1_000_003 + uint64(i)
	if cond != "" {
		seed += 7_000_000 * uint64(1+condIndex(cond))
	}
	s, err := gens[cond].Generate(f, synth.RandomCandidate(f, seed), seed)
	return f, s, err
}

func condIndex(c string) int {
	for i, x := range synth.Conditions {
		if x == c {
			return i
		}
	}
	return -1
}

func generators() map[string]*synth.Generator {
	gens := map[string]*synth.Generator{"": synth.New(synth.Options{})}
	for _, c := range synth.Conditions {
		gens[c] = synth.New(synth.Options{Conditions: []string{c}})
	}
	return gens
}

// calibrateOn fits a profile to the first n sheets of the corpus, with one sheet of
// every hard condition among them when mixed.
func calibrateOn(t testing.TB, n int, seedBase uint64, mixed bool) *calibration.Profile {
	r, err := omr.NewReader(omr.Options{})
	if err != nil {
		t.Fatal(err)
	}
	gens := generators()
	type job struct {
		cond string
		i    int
	}
	var jobs []job
	for i := 0; i < n; i++ {
		jobs = append(jobs, job{"", i})
	}
	if mixed {
		for _, c := range synth.Conditions {
			jobs = append(jobs, job{c, 1000})
		}
	}
	var samples []calibration.Sample
	pages := 0
	for _, j := range jobs {
		_, sc, err := corpusScan(gens, j.cond, j.i, seedBase)
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

func runAccuracy(t testing.TB, n, hard int, seedBase uint64, prof *calibration.Profile) *accuracyStats {
	r, err := omr.NewReader(omr.Options{Profile: prof})
	if err != nil {
		t.Fatal(err)
	}
	gens := generators()
	st := &accuracyStats{byCond: map[string]*condStats{}, byKind: map[string]*[3]int{}, byDeg: map[string]*[2]int{}, alignErr: map[string]*[2]float64{}}
	type job struct {
		cond string
		i    int
	}
	var mu sync.Mutex
	jobs := make(chan job)
	var wg sync.WaitGroup
	for w := 0; w < runtime.GOMAXPROCS(0); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				f, sc, err := corpusScan(gens, j.cond, j.i, seedBase)
				if err != nil {
					t.Error(err)
					continue
				}
				pages, err := r.ReadBytes(context.Background(), sc.Name, sc.Data)
				if err != nil || len(pages) != 1 {
					t.Errorf("%s: %v, %d pages", sc.Name, err, len(pages))
					continue
				}
				cond := j.cond
				if cond == "" {
					cond = ordinary
				}
				mu.Lock()
				st.add(f, cond, sc, pages[0])
				mu.Unlock()
			}
		}()
	}
	for i := 0; i < n; i++ {
		jobs <- job{"", i}
	}
	for _, c := range synth.Conditions {
		for i := 0; i < hard; i++ {
			jobs <- job{c, i}
		}
	}
	close(jobs)
	wg.Wait()
	return st
}

func (s *accuracyStats) add(f *form.Form, cond string, sc synth.Scan, p omr.Page) {
	rd, tr := p.Reading, sc.Truth
	cs := s.cond(cond)
	cs.sheets++
	if cond == ordinary {
		for _, d := range tr.Degradations {
			if s.byDeg[d] == nil {
				s.byDeg[d] = &[2]int{}
			}
			s.byDeg[d][0]++
			if rd.Status != reading.StatusOK {
				s.byDeg[d][1]++
			}
		}
	}
	switch rd.Status {
	case reading.StatusRejected:
		cs.rejected++
		cs.codes[rd.ErrorCode]++
		return
	case reading.StatusReview:
		cs.review++
		if rd.PageReview() {
			cs.pageReview++
		}
		var why []string
		for _, f := range p.Fields {
			if f.Review && len(why) < 3 {
				why = append(why, f.Name+": "+f.Reason)
			}
		}
		if cond == ordinary {
			s.reviewDetail = append(s.reviewDetail, fmt.Sprintf("  %s %d dpi %v hard %v: %s", sc.Name, tr.DPI, tr.Degradations, tr.Hard, strings.Join(why, "; ")))
		}
	default:
		cs.ok++
	}
	if rd.Align != nil {
		worst := 0.0
		for _, b := range []omr.Pt{{X: 30, Y: 60}, {X: 180, Y: 60}, {X: 30, Y: 260}, {X: 180, Y: 260}, {X: 105, Y: 150}} {
			a, t := apply(rd.Align.H, b), apply(tr.H, b)
			if d := dist(a, t) / scaleAt(tr.H, b); d > worst {
				worst = d
			}
		}
		if s.alignErr[cond] == nil {
			s.alignErr[cond] = &[2]float64{}
		}
		s.alignErr[cond][0] += worst
		s.alignErr[cond][1]++
	}
	flagged := map[string]bool{}
	for _, f := range rd.Review {
		flagged[f] = true
	}
	page := rd.PageReview()
	var silent []string
	wrong := func(field, got, want, kind string) {
		if got == want || page || flagged[field] {
			return
		}
		silent = append(silent, fmt.Sprintf("%s read %q, truth %q (%s)", field, got, want, kind))
	}
	for q := range tr.Answers {
		name := "q" + strconv.Itoa(q+1)
		kind := tr.Marks[name]
		if kind == "" {
			kind = "fill"
			if tr.Answers[q] == "" {
				kind = "blank"
			}
		}
		if cond == ordinary {
			k := s.kind(kind)
			for _, o := range f.Options {
				s.bubbles++
				if flagged[name] || page {
					s.bubblesReview++
				} else if strings.Contains(rd.Answers[q], o) == strings.Contains(tr.Answers[q], o) {
					s.bubblesRight++
				}
			}
			switch {
			case flagged[name] || page:
				k[1]++
			case rd.Answers[q] == tr.Answers[q]:
				k[0]++
			default:
				k[2]++
			}
		}
		wrong(name, rd.Answers[q], tr.Answers[q], kind)
	}
	for _, h := range tr.Hard {
		s.hard++
		if flagged[h] || page {
			s.hardReviewed++
		}
	}
	for i := 0; i < 12; i++ {
		got := "?"
		if i < len(rd.IIN) {
			got = rd.IIN[i : i+1]
		}
		wrong("iin"+strconv.Itoa(i+1), got, tr.IIN[i:i+1], "iin")
	}
	wrong("variant", rd.Variant, tr.Variant, "variant")
	if rd.Sheet != tr.Sheet || rd.Form != tr.Form {
		wrong("qr", rd.Form+"/"+rd.Sheet, tr.Form+"/"+tr.Sheet, "identity")
	}
	if len(silent) > 0 {
		cs.silent++
		cs.silentFields += len(silent)
		if len(cs.detail) < 20 {
			cs.detail = append(cs.detail, fmt.Sprintf("  %s %s (%v, %d dpi, marks %v): %s", rd.Status, sc.Name, tr.Degradations, tr.DPI, tr.Marks, strings.Join(silent, "; ")))
		}
	}
}

func apply(h [9]float64, p omr.Pt) omr.Pt {
	w := h[6]*p.X + h[7]*p.Y + h[8]
	return omr.Pt{X: (h[0]*p.X + h[1]*p.Y + h[2]) / w, Y: (h[3]*p.X + h[4]*p.Y + h[5]) / w}
}

func dist(a, b omr.Pt) float64 { return math.Hypot(a.X-b.X, a.Y-b.Y) }

func scaleAt(h [9]float64, p omr.Pt) float64 {
	return dist(apply(h, p), apply(h, omr.Pt{X: p.X + 1, Y: p.Y}))
}

func (s *accuracyStats) report() string {
	var b strings.Builder
	pct := func(a, n int) float64 {
		if n == 0 {
			return 0
		}
		return 100 * float64(a) / float64(n)
	}
	fmt.Fprintf(&b, "%-20s %6s %6s %7s %7s %8s %7s %13s %9s  %s\n", "condition", "sheets", "ok", "review", "page", "rejected", "silent", "silent fields", "align mm", "rejection codes")
	for _, c := range append([]string{ordinary}, synth.Conditions...) {
		cs := s.byCond[c]
		if cs == nil {
			continue
		}
		var codes []string
		for k, v := range cs.codes {
			codes = append(codes, fmt.Sprintf("%s×%d", k, v))
		}
		sort.Strings(codes)
		al := "-"
		if a := s.alignErr[c]; a != nil && a[1] > 0 {
			al = fmt.Sprintf("%.2f", a[0]/a[1])
		}
		fmt.Fprintf(&b, "%-20s %6d %6d %6.1f%% %6.1f%% %7.1f%% %7d %13d %9s  %s\n", c, cs.sheets, cs.ok, pct(cs.review, cs.sheets), pct(cs.pageReview, cs.sheets), pct(cs.rejected, cs.sheets), cs.silent, cs.silentFields, al, strings.Join(codes, " "))
	}
	fmt.Fprintf(&b, "\nhard fields (a faint mark alone) sent to review: %d of %d\n", s.hardReviewed, s.hard)
	fmt.Fprintf(&b, "ordinary answer bubbles %d: right %.4f %%, in review %.4f %%, wrong %.4f %%\n", s.bubbles,
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
	fmt.Fprintf(&b, "\nordinary sheets sent to review:\n%s\n", strings.Join(s.reviewDetail, "\n"))
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
