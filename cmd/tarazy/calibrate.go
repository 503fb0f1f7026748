package main

import (
	"context"
	"fmt"
	"image/png"
	"os"
	"path/filepath"
	"runtime"

	"tarazy/calibration"
	"tarazy/omr"
	"tarazy/omr/reading"
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
	files, skipped, err := expandScanPaths(fs.Args())
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
	var samples []calibration.Sample
	pages, rejected := 0, 0
	bar := newBar(env, len(files), "measuring")
	err = readAll(ctx, r, files, *workers, func(_ int, ps []omr.Page) error {
		bar.Add(1)
		for _, p := range ps {
			if p.Reading.Status == reading.StatusRejected {
				rejected++
				continue
			}
			samples = append(samples, p.Samples...)
			pages++
		}
		return nil
	})
	bar.Finish()
	if err != nil {
		return err
	}
	p, err := calibration.Fit(name, pages, samples)
	if err != nil {
		return fmt.Errorf("calibrate %s (%d readable pages, %d rejected): %w", name, pages, rejected, err)
	}
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
		f, err := os.Create(*hist)
		if err != nil {
			return err
		}
		if err := png.Encode(f, calibration.Histogram(samples, p)); err != nil {
			f.Close()
			return err
		}
		if err := f.Close(); err != nil {
			return err
		}
	}
	fmt.Fprintf(env.Stderr, "learned from %d page(s) (%d rejected); histogram in %s\n", pages, rejected, *hist)
	return nil
}
