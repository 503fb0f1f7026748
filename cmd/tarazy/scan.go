package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"tarazy/calibration"
	"tarazy/omr"
	"tarazy/omr/form"
	"tarazy/omr/reading"
	"tarazy/omr/scanfile"
	"tarazy/worker"
	"tarazy/worker/omrreader"
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
	files, skipped, err := worker.ListScans(fs.Args()...)
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
		if opt.Profile, err = learnProfile(ctx, env, opt, files, *workers); err != nil {
			return err
		}
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
	err = omrreader.ReadFiles(ctx, r, files, *workers, func(_ string, pages []omr.Page) error {
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
func learnProfile(ctx context.Context, env *Env, opt omr.Options, files []string, workers int) (*calibration.Profile, error) {
	const sampleFiles = 40
	sample := files
	if len(files) > sampleFiles {
		sample = make([]string, 0, sampleFiles)
		for i := 0; i < sampleFiles; i++ {
			sample = append(sample, files[i*len(files)/sampleFiles])
		}
	}
	opt.Profile = nil
	r, err := omr.NewReader(opt)
	if err != nil {
		return nil, err
	}
	l, err := omrreader.Learn(ctx, r, sample, workers, "batch", nil)
	if err != nil {
		return nil, err
	}
	if l.Err != nil {
		fmt.Fprintf(env.Stderr, "calibration: %v; using the default thresholds\n", l.Err)
		return calibration.Default(), nil
	}
	p := l.Profile
	fmt.Fprintf(env.Stderr, "calibration from %d page(s) of this batch: blank ≤ %.3f, marked ≥ %.3f (default %.3f / %.3f)\n",
		l.Pages, p.BlankMax, p.MarkMin, calibration.Default().BlankMax, calibration.Default().MarkMin)
	for _, n := range p.Notes {
		fmt.Fprintln(env.Stderr, "calibration: "+n)
	}
	return p, nil
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

func newBar(env *Env, n int, what string) worker.Bar { return worker.NewBar(env.Stderr, n, what) }

// noteSkipped names the files inside the folders given that were left out because
// they are not scans, so that a scan saved in another format is not lost unseen.
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
