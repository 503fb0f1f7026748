// Package omrreader is the worker's page reader: it reads scanner files with the omr
// reader (OpenCV), with thresholds learned from the batch's first pages, and hands
// the worker its pages. It is apart from package worker so that the worker itself
// builds and tests without OpenCV.
package omrreader

import (
	"context"
	"errors"
	"fmt"
	"image/png"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"tarazy/calibration"
	"tarazy/internal/atomicfile"
	"tarazy/omr"
	"tarazy/omr/reading"
	"tarazy/worker"
)

// ReadFiles reads files on a pool of workers and hands each file's pages to emit in
// the files' order, so that output is the same whatever the number of workers. The
// pool takes pages, not files: the pages of one multi-page file are read by every
// worker at once, each decoded on its own from the open file (omr.OpenFile), so a
// 200-page stack neither waits on one core nor sits in memory whole.
func ReadFiles(ctx context.Context, r *omr.Reader, files []string, workers int, emit func(file string, pages []omr.Page) error) error {
	type job struct {
		file int
		f    *omr.File
		page int // from 1
	}
	var mu sync.Mutex
	open := map[int]*omr.File{} // files whose last page has not been emitted yet
	defer func() {
		mu.Lock()
		defer mu.Unlock()
		for _, f := range open {
			f.Close()
		}
	}()
	jobs := func(yield func(job) bool) {
		for i, path := range files {
			f := omr.OpenFile(path)
			mu.Lock()
			open[i] = f
			mu.Unlock()
			for n := 1; n <= f.Pages(); n++ {
				if !yield(job{i, f, n}) {
					return
				}
			}
		}
	}
	read := func(ctx context.Context, j job) (omr.Page, error) {
		if err := ctx.Err(); err != nil {
			return omr.Page{}, err
		}
		return r.ReadPage(j.f, j.page), nil
	}
	var pages []omr.Page
	return worker.Each(ctx, workers, jobs, read, func(j job, p omr.Page) error {
		pages = append(pages, p)
		if j.page < j.f.Pages() {
			return nil
		}
		mu.Lock()
		delete(open, j.file)
		mu.Unlock()
		j.f.Close()
		done := pages
		pages = nil
		return emit(files[j.file], done)
	})
}

// Learned is what a batch's pages teach: the thresholds fitted to their bubbles.
type Learned struct {
	Profile  *calibration.Profile // nil when the pages taught nothing (Err says why)
	Samples  []calibration.Sample // every bubble measured
	Pages    int                  // readable sheets
	Rejected int                  // pages that are not sheets
	Err      error                // why no profile could be fitted
}

// Learn reads files with r and fits a profile for the scanner to the bubbles of every
// readable sheet. tick, when not nil, is called after each file (a progress bar). It
// is the one way tarazy learns a batch's thresholds: `tarazy scan`, `tarazy
// calibrate` and the worker's warm-up all call it. The error is the context's; a
// batch that teaches nothing is Learned.Err.
func Learn(ctx context.Context, r *omr.Reader, files []string, workers int, scanner string, tick func()) (Learned, error) {
	var l Learned
	err := ReadFiles(ctx, r, files, workers, func(_ string, ps []omr.Page) error {
		if tick != nil {
			tick()
		}
		for _, p := range ps {
			if p.Reading.Status == reading.StatusRejected {
				l.Rejected++
				continue
			}
			l.Samples = append(l.Samples, p.Samples...)
			l.Pages++
		}
		return nil
	})
	if err != nil {
		return l, err
	}
	l.Profile, l.Err = calibration.Fit(scanner, l.Pages, l.Samples)
	return l, nil
}

// Reader reads a batch's files for the worker. Until its warm-up has run it reads
// with the given profile (or the default); Warmup then learns the batch's own.
type Reader struct {
	r       atomic.Pointer[omr.Reader]
	forms   omr.Options
	learn   bool // no profile was given: the warm-up fits one
	workers int
	log     io.Writer
	// Scanner names the profile the warm-up fits.
	Scanner string
	// Record, when set, keeps the calibration the batch is read with: with the batch
	// on the server (the dashboard's histogram) and beside the spool.
	Record func(ctx context.Context, p *calibration.Profile, samples []calibration.Sample) error
}

// New makes a reader. A nil profile means: learn it from the batch (Warmup). Messages
// for the operator go to log.
func New(opt omr.Options, workers int, log io.Writer) (*Reader, error) {
	r, err := omr.NewReader(opt)
	if err != nil {
		return nil, err
	}
	br := &Reader{forms: opt, learn: opt.Profile == nil, workers: max(workers, 1), log: log}
	br.forms.Profile = nil
	br.r.Store(r)
	return br, nil
}

// Read reads one file's pages for the worker. Pages that are not sheets become one
// page for the whole file, whose image is the file as it came: a refused file of
// 10,000 pages is stored once, not once per page.
func (br *Reader) Read(ctx context.Context, name string, data []byte) ([]worker.Page, error) {
	start := time.Now()
	pages, err := br.r.Load().ReadBytes(ctx, name, data)
	if err != nil {
		return nil, err
	}
	per := time.Since(start).Seconds() / float64(max(len(pages), 1))
	var out []worker.Page
	var refused []omr.Page
	for _, p := range pages {
		if p.Reading.Status == reading.StatusRejected {
			refused = append(refused, p)
			continue
		}
		out = append(out, sheetPage(p, per))
	}
	if len(refused) > 0 {
		rd := refused[0].Reading
		if len(refused) > 1 {
			rd.Error = refusedPages(refused, len(pages))
		}
		// The file as it came, so the commission sees what was rejected.
		out = append(out, worker.Page{Reading: rd, Image: data, ImageType: http.DetectContentType(data), ReadSeconds: per})
	}
	return out, nil
}

func sheetPage(p omr.Page, per float64) worker.Page {
	wp := worker.Page{Reading: p.Reading, ImageSHA256: p.ImageSHA256, Image: p.Image, ImageType: p.ImageType, ReadSeconds: per}
	for _, fd := range p.Fields {
		if !fd.Review {
			continue
		}
		if wp.Crops == nil {
			wp.Crops, wp.Confidence, wp.Reasons = map[string][]byte{}, map[string]float64{}, map[string]string{}
		}
		if len(fd.Crop) > 0 {
			wp.Crops[fd.Name] = fd.Crop
		}
		wp.Confidence[fd.Name] = fd.Confidence
		if fd.Reason != "" {
			wp.Reasons[fd.Name] = fd.Reason
		}
	}
	return wp
}

// refusedPages says which pages of a file are not sheets and why, grouping the pages
// that share a reason and naming at most a few of each.
func refusedPages(refused []omr.Page, total int) string {
	var reasons []string
	pagesOf := map[string][]int{}
	for _, p := range refused {
		if _, ok := pagesOf[p.Reading.Error]; !ok {
			reasons = append(reasons, p.Reading.Error)
		}
		pagesOf[p.Reading.Error] = append(pagesOf[p.Reading.Error], p.Reading.Page)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%d of the file's %d pages are not answer sheets", len(refused), total)
	for i, why := range reasons {
		if i == 5 {
			fmt.Fprintf(&b, "; and %d other reasons", len(reasons)-i)
			break
		}
		ps := pagesOf[why]
		list := make([]string, 0, 6)
		for _, n := range ps[:min(len(ps), 5)] {
			list = append(list, fmt.Sprint(n))
		}
		if len(ps) > 5 {
			list = append(list, fmt.Sprintf("… (%d pages)", len(ps)))
		}
		fmt.Fprintf(&b, "; page %s: %s", strings.Join(list, ", "), why)
	}
	return b.String()
}

// Warmup measures the batch's first files, learns the thresholds from them unless a
// profile was given, and records the calibration (Record). It is the worker's
// Options.Warmup.
func (br *Reader) Warmup(ctx context.Context, files []string) error {
	base := br.r.Load()
	l, err := Learn(ctx, base, files, br.workers, br.Scanner, nil)
	if err != nil {
		return err
	}
	prof := base.Profile()
	if br.learn {
		if l.Err != nil {
			fmt.Fprintf(br.log, "calibration: %v; reading with the default thresholds\n", l.Err)
		} else {
			opt := br.forms
			opt.Profile = l.Profile
			r, err := omr.NewReader(opt)
			if err != nil {
				return err
			}
			br.r.Store(r)
			prof = l.Profile
		}
	}
	fmt.Fprintf(br.log, "calibration from %d page(s): blank ≤ %.3f, marked ≥ %.3f\n", l.Pages, prof.BlankMax, prof.MarkMin)
	for _, n := range prof.Notes {
		fmt.Fprintln(br.log, "calibration: "+n)
	}
	if br.Record != nil {
		return br.Record(ctx, prof, l.Samples)
	}
	return nil
}

// SaveCalibration keeps a batch's profile (JSON, for `tarazy scan --profile`) and its
// fill histogram (PNG) in dir, named after the batch.
func SaveCalibration(dir, batch string, p *calibration.Profile, samples []calibration.Sample) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	name := filepath.Join(dir, safeFileName(batch))
	var js strings.Builder
	if err := p.Write(&js); err != nil {
		return err
	}
	if err := atomicfile.Write(name+".json", []byte(js.String()), 0o644); err != nil {
		return err
	}
	return WriteHistogram(name+".png", p, samples)
}

// WriteHistogram writes the fill histogram PNG with the profile's thresholds.
func WriteHistogram(path string, p *calibration.Profile, samples []calibration.Sample) error {
	var buf strings.Builder
	if err := png.Encode(&buf, calibration.Histogram(samples, p)); err != nil {
		return err
	}
	return atomicfile.Write(path, []byte(buf.String()), 0o644)
}

func safeFileName(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '/' || r == '\\' || r == ':' || r < ' ' {
			return '_'
		}
		return r
	}, s)
}

// Recorder is a Reader's Record for a worker: the batch's calibration goes beside the
// spool in dir (for the operator) and to the sink (for the dashboard). The server may
// be down right now; the pages wait in the spool anyway, and the dashboard only misses
// the histogram. A sink that refuses the token stops the batch.
func Recorder(sink worker.Calibrator, b worker.Batch, dir string, log io.Writer) func(context.Context, *calibration.Profile, []calibration.Sample) error {
	return func(ctx context.Context, p *calibration.Profile, samples []calibration.Sample) error {
		if err := SaveCalibration(dir, b.Name, p, samples); err != nil {
			fmt.Fprintf(log, "calibration: could not keep a copy beside the spool: %v\n", err)
		}
		cctx, cancel := context.WithTimeout(ctx, 15*time.Second)
		defer cancel()
		if err := sink.Calibrate(cctx, b, calibration.Summarize(samples, p)); err != nil {
			var fatal *worker.FatalError
			if errors.As(err, &fatal) {
				return err
			}
			fmt.Fprintf(log, "calibration: not recorded with the batch (%v); the pages are not affected\n", err)
		}
		return nil
	}
}
