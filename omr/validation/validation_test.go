package validation

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"tarazy/omr/reading"
)

var (
	vsheets  = flag.Int("vsheets", 1, "files per condition of the validation corpus (make accuracy: 8)")
	vconds   = flag.String("vconditions", "", "comma-separated conditions to run (default: every one)")
	vprofile = flag.String("vprofile", "both", "thresholds to read with: default, batch (learned from the corpus, as tarazy scan and the worker do), or both")
	vkeep    = flag.String("vkeep", "", "generate the corpus into this folder and keep it (truth.jsonl beside the files)")
	vseed    = flag.Uint64("vseed", DefaultSeed, "corpus seed")
	vworkers = flag.Int("vworkers", 2, "generators and reader processes running at once")
	vtimeout = flag.Duration("vtimeout", 3*time.Minute, "time one file may take before the reader counts as hung")
	vmemory  = flag.Uint64("vmemory", 6<<30, "address space a reader process may use, bytes")
	vreport  = flag.String("vreport", "", "also write the tables to this file")
)

func TestMain(m *testing.M) {
	if os.Getenv(childEnv) != "" {
		os.Exit(readerChild())
	}
	os.Exit(m.Run())
}

// TestValidationCorpus reads the independent corpus with the reader and fails on any
// silent error (ok but wrong; review with a wrong field unflagged; a non-sheet read as
// a sheet), a rejection without a reason, a lost page or a crash. It prints one table
// per set of thresholds.
func TestValidationCorpus(t *testing.T) {
	n := *vsheets
	dir := *vkeep
	if dir == "" {
		dir = t.TempDir()
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	var conds []string
	if *vconds != "" {
		conds = strings.Split(*vconds, ",")
	}
	start := time.Now()
	files, err := Generate(context.Background(), dir, Options{Seed: *vseed, PerCondition: n, Conditions: conds, Workers: *vworkers})
	if err != nil {
		t.Fatal(err)
	}
	pages := 0
	for _, f := range files {
		pages += len(f.Pages)
	}
	t.Logf("generated %d files, %d pages in %s (seed %d, %d per condition)", len(files), pages, time.Since(start).Round(time.Second), *vseed, n)

	paths := make([]string, len(files))
	for i, f := range files {
		paths[i] = filepath.Join(dir, f.Name)
	}
	rr := readerRun{timeout: *vtimeout, memory: *vmemory}
	var out strings.Builder
	for _, mode := range profiles(t) {
		run := rr
		title := "default thresholds"
		if mode == "batch" {
			pf, summary, err := rr.calibrate(dir, calibrationSample(files, paths))
			if err != nil {
				t.Errorf("learning thresholds from the batch: %v", err)
				continue
			}
			run.env = []string{childProfile + "=" + pf}
			title = "thresholds learned from this batch (" + strings.TrimSpace(summary) + ")"
		}
		start := time.Now()
		results := run.readAll(paths, *vworkers)
		rp := score(files, results)
		fmt.Fprintf(&out, "\n== validation corpus, %s; read in %s ==\n", title, time.Since(start).Round(time.Second))
		if err := rp.WriteTable(&out); err != nil {
			t.Fatal(err)
		}
		if f := rp.Failures(); f > 0 {
			t.Errorf("%s: %d page(s) silently wrong, rejected without a reason, lost, or crashed the reader", title, f)
		}
	}
	t.Log(out.String())
	if *vreport != "" {
		if err := os.WriteFile(*vreport, []byte(out.String()), 0o644); err != nil {
			t.Error(err)
		}
	}
}

func profiles(t *testing.T) []string {
	switch *vprofile {
	case "default", "batch":
		return []string{*vprofile}
	case "both":
		return []string{"default", "batch"}
	}
	t.Fatalf("-vprofile %q: want default, batch or both", *vprofile)
	return nil
}

// calibrationSample picks files spread over the corpus, as `tarazy scan` samples a
// batch (40 files at even steps), leaving out the files made to crash or to be refused:
// the sample teaches thresholds, it does not test robustness.
func calibrationSample(files []File, paths []string) []string {
	var cands []string
	for i, f := range files {
		if f.Pages[0].Class == Read && f.Pages[0].Condition != "thumbnail" {
			cands = append(cands, paths[i])
		}
	}
	const sample = 40
	if len(cands) <= sample {
		return cands
	}
	out := make([]string, 0, sample)
	for i := 0; i < sample; i++ {
		out = append(out, cands[i*len(cands)/sample])
	}
	return out
}

// score matches each file's readings to its pages' truths.
func score(files []File, results []fileResult) *Report {
	rp := NewReport()
	for i, f := range files {
		res := results[i]
		if res.crash != "" {
			for _, t := range f.Pages {
				rp.Crash(t, res.crash)
			}
			continue
		}
		if len(f.Pages) > 1 && len(res.pages) == 1 && res.pages[0].Status == reading.StatusRejected {
			// The whole file refused in one reading: every page of it is rejected.
			for _, t := range f.Pages {
				rp.Add(t, Compare(t.Want, res.pages[0]))
			}
			continue
		}
		byPage := map[int]reading.Reading{}
		for k, rd := range res.pages {
			p := rd.Page
			if p < 1 {
				p = k + 1
			}
			byPage[p] = rd
		}
		for _, t := range f.Pages {
			rd, ok := byPage[t.Page]
			if !ok {
				rp.Lose(t)
				continue
			}
			rp.Add(t, Compare(t.Want, rd))
			delete(byPage, t.Page)
		}
		for _, rd := range byPage {
			if rd.Status != reading.StatusRejected {
				rp.Extra(f.Pages[0])
			}
		}
	}
	return rp
}
