package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"

	"tarazy/omr"
	"tarazy/worker"
	"tarazy/worker/omrreader"
)

func init() {
	register(&command{
		Name:    "calibrate",
		Summary: "learn fill thresholds from a folder of scans (one scanner)",
		Run:     runCalibrate,
	})
}

func runCalibrate(ctx context.Context, env *Env, args []string) error {
	fs := newFlags(env, "calibrate", "calibrate [--scanner NAME] [--out profile.json] [--histogram fills.png] DIR")
	scanner := fs.String("scanner", "", "name of the scanner the scans come from (default: the folder's name)")
	out := fs.String("out", "", "also save the profile here, for tarazy scan --profile")
	hist := fs.String("histogram", "fill-histogram.png", "histogram PNG of the fills with the chosen thresholds")
	workers := fs.Int("workers", runtime.NumCPU(), "pages read in parallel")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return usagef("give the folder of scans from one scanner")
	}
	files, skipped, err := worker.ListScans(fs.Args()...)
	if err != nil {
		return err
	}
	noteSkipped(env, skipped)
	if len(files) == 0 {
		return fmt.Errorf("no scans found in %v", fs.Args())
	}
	name := *scanner
	if name == "" {
		name = filepath.Base(filepath.Clean(fs.Arg(0)))
	}
	r, err := omr.NewReader(omr.Options{})
	if err != nil {
		return err
	}
	bar := newBar(env, len(files), "measuring")
	l, err := omrreader.Learn(ctx, r, files, *workers, name, func() { bar.Add(1) })
	bar.Finish()
	if err != nil {
		return err
	}
	if l.Err != nil {
		return fmt.Errorf("calibrate %s (%d readable pages, %d rejected): %w", name, l.Pages, l.Rejected, l.Err)
	}
	p := l.Profile
	if err := p.Write(env.Stdout); err != nil {
		return err
	}
	if *out != "" {
		f, err := os.Create(*out)
		if err != nil {
			return err
		}
		if err := p.Write(f); err != nil {
			f.Close()
			return err
		}
		if err := f.Close(); err != nil {
			return err
		}
	}
	if *hist != "" {
		if err := omrreader.WriteHistogram(*hist, p, l.Samples); err != nil {
			return err
		}
	}
	fmt.Fprintf(env.Stderr, "learned from %d page(s) (%d rejected); histogram in %s\n", l.Pages, l.Rejected, *hist)
	return nil
}
