package main

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"tarazy/calibration"
	"tarazy/omr"
	"tarazy/omr/form"
	"tarazy/omr/reading"
	"tarazy/omr/scanfile"
)

func init() {
	register(&command{
		Name:    "scan",
		Summary: "read scanned answer sheets into JSON lines",
		Run:     runScan,
	})
}

const scanUsage = "scan [--workers N] [--out results.jsonl] [--profile p.json] [--form g7,...] [--crops DIR] PATH..."

func runScan(ctx context.Context, env *Env, args []string) error {
	fs := newFlags(env, "scan", scanUsage)
	workers := fs.Int("workers", runtime.NumCPU(), "pages read in parallel")
	out := fs.String("out", "-", "where the JSON lines go (- for standard output)")
	profilePath := fs.String("profile", "", "calibration profile (tarazy calibrate); default: learn from this batch")
	formsFlag := fs.String("form", "", "accept only these forms (comma-separated); default: every form")
	cropDir := fs.String("crops", "", "write a PNG crop of every field under review into this folder")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return usagef("give the scans to read: files or folders")
	}
	if *workers < 1 {
		return usagef("--workers must be at least 1")
	}
	files, skipped, err := expandScanPaths(fs.Args())
	if err != nil {
		return err
	}
	noteSkipped(env, skipped)
	if len(files) == 0 {
		return fmt.Errorf("no scans found in %s (looked for %s)", strings.Join(fs.Args(), ", "), scanfile.Extensions())
	}
	opt := omr.Options{}
	if *formsFlag != "" {
		for _, id := range strings.Split(*formsFlag, ",") {
			f, err := form.Get(strings.TrimSpace(id))
			if err != nil {
				return usagef("%v", err)
			}
			opt.Forms = append(opt.Forms, f)
		}
	}
	if *profilePath != "" {
		if opt.Profile, err = calibration.Load(*profilePath); err != nil {
			return err
		}
	} else {
		opt.Profile = learnProfile(ctx, env, opt, files, *workers)
	}
	r, err := omr.NewReader(opt)
	if err != nil {
		return err
	}
	if *cropDir != "" {
		if err := os.MkdirAll(*cropDir, 0o755); err != nil {
			return err
		}
	}
	w, err := createOut(env, *out)
	if err != nil {
		return err
	}
	start := time.Now()
	bar := newBar(env, len(files), "reading")
	var counts [3]int
	err = readAll(ctx, r, files, *workers, func(i int, pages []omr.Page) error {
		bar.Add(1)
		for _, p := range pages {
			if err := reading.WriteJSONL(w, p.Reading); err != nil {
				return fmt.Errorf("write results: %w", err)
			}
			switch p.Reading.Status {
			case reading.StatusOK:
				counts[0]++
			case reading.StatusReview:
				counts[1]++
			default:
				counts[2]++
			}
			if *cropDir != "" {
				if err := writeCrops(*cropDir, p); err != nil {
					return err
				}
			}
		}
		return nil
	})
	bar.Finish()
	if cerr := w.Close(); err == nil {
		err = cerr
	}
	el := time.Since(start)
	n := counts[0] + counts[1] + counts[2]
	fmt.Fprintf(env.Stderr, "read %d page(s) from %d file(s) in %.1fs (%.1f sheets/s): ok %d, review %d, rejected %d\n",
		n, len(files), el.Seconds(), float64(n)/el.Seconds(), counts[0], counts[1], counts[2])
	return err
}

// learnProfile calibrates on a sample of the batch spread over it; a batch that
// teaches nothing (too few marks) keeps the default, and says so.
func learnProfile(ctx context.Context, env *Env, opt omr.Options, files []string, workers int) *calibration.Profile {
	const sampleFiles = 40
	sample := files
	if len(files) > sampleFiles {
		sample = make([]string, 0, sampleFiles)
		for i := 0; i < sampleFiles; i++ {
			sample = append(sample, files[i*len(files)/sampleFiles])
		}
	}
	p, pages, err := calibrateFiles(ctx, opt, sample, workers, "batch")
	if err != nil {
		fmt.Fprintf(env.Stderr, "calibration: %v; using the default thresholds\n", err)
		return calibration.Default()
	}
	fmt.Fprintf(env.Stderr, "calibration from %d page(s) of this batch: blank ≤ %.3f, marked ≥ %.3f (default %.3f / %.3f)\n",
		pages, p.BlankMax, p.MarkMin, calibration.Default().BlankMax, calibration.Default().MarkMin)
	for _, n := range p.Notes {
		fmt.Fprintln(env.Stderr, "calibration: "+n)
	}
	return p
}

// calibrateFiles reads files with the default profile and fits a profile to the
// bubbles of every page that is a readable sheet.
func calibrateFiles(ctx context.Context, opt omr.Options, files []string, workers int, scanner string) (*calibration.Profile, int, error) {
	opt.Profile = nil
	r, err := omr.NewReader(opt)
	if err != nil {
		return nil, 0, err
	}
	var samples []calibration.Sample
	pages := 0
	err = readAll(ctx, r, files, workers, func(_ int, ps []omr.Page) error {
		for _, p := range ps {
			if p.Reading.Status != reading.StatusRejected {
				samples = append(samples, p.Samples...)
				pages++
			}
		}
		return nil
	})
	if err != nil {
		return nil, 0, err
	}
	p, err := calibration.Fit(scanner, pages, samples)
	return p, pages, err
}

// readAll reads files on a pool of workers and hands each file's pages to fn in input
// order, so the output is the same whatever the number of workers. The pool takes
// pages, not files: the pages of one multi-page file are read by every worker at once,
// each page decoded on its own from the open file.
func readAll(ctx context.Context, r *omr.Reader, files []string, workers int, fn func(i int, pages []omr.Page) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	type job struct {
		i, page int
		f       *omr.File
	}
	type result struct {
		i, page int
		p       omr.Page
	}
	var mu sync.Mutex
	open := map[int]*omr.File{} // files being read
	count := map[int]int{}      // and how many pages each has
	jobs := make(chan job)
	results := make(chan result, workers)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				if ctx.Err() != nil {
					return
				}
				results <- result{j.i, j.page, r.ReadPage(j.f, j.page)}
			}
		}()
	}
	go func() {
		defer close(jobs)
		for i, path := range files {
			f := omr.OpenFile(path)
			mu.Lock()
			open[i], count[i] = f, f.Pages()
			mu.Unlock()
			for n := 1; n <= f.Pages(); n++ {
				select {
				case jobs <- job{i, n, f}:
				case <-ctx.Done():
					return
				}
			}
		}
	}()
	go func() { wg.Wait(); close(results) }()
	pending := map[int][]omr.Page{}
	next := 0
	var ferr error
	for res := range results {
		ps := pending[res.i]
		if ps == nil {
			mu.Lock()
			ps = make([]omr.Page, count[res.i])
			mu.Unlock()
		}
		ps[res.page-1] = res.p
		pending[res.i] = ps
		for ferr == nil {
			ps, ok := pending[next]
			if !ok || !complete(ps) {
				break
			}
			delete(pending, next)
			mu.Lock()
			open[next].Close()
			delete(open, next)
			mu.Unlock()
			if err := fn(next, ps); err != nil {
				ferr = err
				cancel()
			}
			next++
		}
	}
	mu.Lock()
	for _, f := range open {
		f.Close()
	}
	mu.Unlock()
	if ferr != nil {
		return ferr
	}
	if err := ctx.Err(); err != nil && next < len(files) {
		return fmt.Errorf("stopped after %d of %d files: %w", next, len(files), err)
	}
	return nil
}

// complete reports whether every page of a file has been read.
func complete(ps []omr.Page) bool {
	for _, p := range ps {
		if p.Reading.Status == "" {
			return false
		}
	}
	return true
}

// expandScanPaths lists files as given and the scans inside folders (recursively,
// sorted), and the files inside folders it left out because they are not scans. A file
// named explicitly is read whatever its extension; a missing path is an error before
// anything is read.
func expandScanPaths(paths []string) (files, skipped []string, err error) {
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", p, err)
		}
		if !st.IsDir() {
			files = append(files, p)
			continue
		}
		var found []string
		err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			switch {
			case d.IsDir():
			case scanfile.Scannable(path):
				found = append(found, path)
			default:
				skipped = append(skipped, path)
			}
			return nil
		})
		if err != nil {
			return nil, nil, err
		}
		sort.Strings(found)
		files = append(files, found...)
	}
	return files, skipped, nil
}

// noteSkipped says which files of the folders were not read, so that a scan saved
// under an unexpected name is not lost without a word.
func noteSkipped(env *Env, skipped []string) {
	if len(skipped) == 0 {
		return
	}
	show := skipped
	if len(show) > 5 {
		show = show[:5]
	}
	more := ""
	if len(skipped) > len(show) {
		more = fmt.Sprintf(" and %d more", len(skipped)-len(show))
	}
	fmt.Fprintf(env.Stderr, "skipped %d file(s) that are not scans (%s): %s%s\n", len(skipped), scanfile.Extensions(), strings.Join(show, ", "), more)
}

func writeCrops(dir string, p omr.Page) error {
	base := strings.TrimSuffix(filepath.Base(p.Reading.File), filepath.Ext(p.Reading.File))
	for _, f := range p.Fields {
		if len(f.Crop) == 0 {
			continue
		}
		name := filepath.Join(dir, fmt.Sprintf("%s-p%d-%s.png", base, p.Reading.Page, f.Name))
		if err := os.WriteFile(name, f.Crop, 0o644); err != nil {
			return fmt.Errorf("write crop: %w", err)
		}
	}
	return nil
}

// bar is a progress bar on a terminal and nothing otherwise.
type bar interface {
	Add(int) error
	Finish() error
}

type noBar struct{}

func (noBar) Add(int) error { return nil }
func (noBar) Finish() error { return nil }

func newBar(env *Env, n int, what string) bar {
	f, ok := env.Stderr.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) || n < 2 {
		return noBar{}
	}
	return progressbar.NewOptions(n,
		progressbar.OptionSetWriter(env.Stderr),
		progressbar.OptionSetDescription(what),
		progressbar.OptionShowCount(),
		progressbar.OptionShowIts(),
		progressbar.OptionSetItsString("files"),
		progressbar.OptionClearOnFinish(),
		progressbar.OptionThrottle(100*time.Millisecond),
	)
}
