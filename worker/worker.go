// Package worker turns a stack of scanned pages into delivered readings. It sits next to
// the scanner: it takes files from a source (a hot folder the scanner software writes
// into, a SANE scanner driven with scanimage, or a list given once), reads them on a
// bounded pool, keeps every reading in a durable local spool, and hands them to a sink
// (the server, or the embedded store when it runs alone) until the sink has them.
//
// The worker imports neither OpenCV nor a database: the page reader and the sink are
// interfaces, wired in cmd/tarazy.
package worker

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"time"

	"tarazy/omr/reading"
)

// Batch is one folder or one scanner run.
type Batch struct {
	ID       string    `json:"id"`
	Name     string    `json:"name"`
	Operator string    `json:"operator"`
	Scanner  string    `json:"scanner"`
	Started  time.Time `json:"started"`
}

// Page is one read page with what the review screen and the archive need.
type Page struct {
	Reading reading.Reading
	// ImageSHA256 identifies the page's image: a page scanned twice is delivered once.
	ImageSHA256 string
	Image       []byte
	ImageType   string // MIME type of Image
	// Crops holds, for each field under review, a picture of its row (PNG or JPEG).
	Crops map[string][]byte
	// Confidence per field under review, 0..1, as the reader judged it.
	Confidence map[string]float64
	// Reasons says for each field under review why a person must look, in plain words.
	Reasons map[string]string
	// ReadSeconds is how long the reader took for the page.
	ReadSeconds float64
}

// Reader reads every page of one file. A file that is not a readable sheet still yields
// pages, with status rejected and a reason; an error means the file could not be
// handled at all (it is quarantined with that error).
type Reader interface {
	Read(ctx context.Context, name string, data []byte) ([]Page, error)
}

// Sink receives delivered pages, several of one batch at a time. Deliver stores all
// of them or none (the server's ingest is one transaction). It must be idempotent by
// ImageSHA256: the worker retries until Deliver returns nil, so a page may arrive more
// than once. An error wrapped with Permanent is not retried: the worker splits the
// pages to find the ones refused, and sets those aside with the reason.
type Sink interface {
	Deliver(ctx context.Context, b Batch, pages []*Page) error
}

// PermanentError marks a delivery failure that retrying cannot fix, such as a page the
// server refuses as malformed.
type PermanentError struct{ Err error }

func (e *PermanentError) Error() string { return e.Err.Error() }
func (e *PermanentError) Unwrap() error { return e.Err }

// Permanent wraps err so the worker does not retry it.
func Permanent(err error) error { return &PermanentError{Err: err} }

// FatalError stops the batch: no page can be delivered until a person acts (a token
// that is not valid, a school the token may not write). The spool keeps everything.
type FatalError struct{ Err error }

func (e *FatalError) Error() string { return e.Err.Error() }
func (e *FatalError) Unwrap() error { return e.Err }

// Fatal wraps err so the worker stops the batch on it.
func Fatal(err error) error { return &FatalError{Err: err} }

// Options configure a Worker.
type Options struct {
	Reader  Reader
	Sink    Sink
	Batch   Batch
	Workers int    // reading goroutines; 0 means the number of cores
	Spool   string // durable spool folder
	// Quarantine receives files that are not readable sheets, each with a .why.txt.
	// Empty means <spool>/quarantine.
	Quarantine string
	// Processed receives files once all their pages are spooled; empty leaves them in
	// place (for sources the worker does not own, such as a list given once), and then
	// a rejected file is copied to quarantine rather than moved.
	Processed string
	// Retry bounds for a sink that is down.
	RetryMin, RetryMax time.Duration
	// DrainTimeout bounds how long Run keeps retrying delivery after the source is
	// exhausted; 0 waits until ctx ends. Undelivered pages stay spooled either way.
	DrainTimeout time.Duration
	// Progress receives every change of the counters; it may be nil.
	Progress func(Stats)
	// MaxBatchPages and MaxBatchBytes bound one delivery (defaults 200 pages and 32
	// MiB of images and crops): pages that wait in the spool go out together, one
	// request and one transaction for many pages. 1 page delivers each on its own.
	MaxBatchPages int
	MaxBatchBytes int
	// Warmup, when set, is called once with the batch's first WarmupFiles files
	// (fewer if the source ends, or pauses for WarmupWait after the first one) before
	// any of them is read, so the reader can learn the batch's thresholds from them.
	// They are then read like every other file. An error stops the batch.
	Warmup      func(ctx context.Context, files []string) error
	WarmupFiles int           // default 40
	WarmupWait  time.Duration // default 10s
}

// Stats are the counters a batch shows.
type Stats struct {
	Seen       int // files taken from the source
	Pages      int // pages read
	OK         int
	Review     int
	Rejected   int
	Duplicates int // files already read earlier (same content)
	Delivered  int
	Pending    int // spooled, not yet delivered
	Failed     int // refused by the sink for good
	Deliveries int // calls to the sink that stored pages
	Started    time.Time
	Elapsed    time.Duration
}

// PagesPerSecond over the batch so far.
func (s Stats) PagesPerSecond() float64 {
	if s.Elapsed <= 0 {
		return 0
	}
	return float64(s.Pages) / s.Elapsed.Seconds()
}

// Worker runs one batch.
type Worker struct {
	opt   Options
	spool *Spool

	mu    sync.Mutex
	stats Stats
	wake  chan struct{}
}

// New opens the spool (resuming whatever a previous run left in it).
func New(opt Options) (*Worker, error) {
	if opt.Reader == nil || opt.Sink == nil {
		return nil, errors.New("worker: a reader and a sink are required")
	}
	if opt.Spool == "" {
		return nil, errors.New("worker: a spool folder is required")
	}
	if opt.Workers <= 0 {
		opt.Workers = runtime.NumCPU()
	}
	if opt.Quarantine == "" {
		opt.Quarantine = filepath.Join(opt.Spool, "quarantine")
	}
	if opt.RetryMin <= 0 {
		opt.RetryMin = 500 * time.Millisecond
	}
	if opt.RetryMax <= 0 {
		opt.RetryMax = 30 * time.Second
	}
	if opt.WarmupFiles <= 0 {
		opt.WarmupFiles = 40
	}
	if opt.WarmupWait <= 0 {
		opt.WarmupWait = 10 * time.Second
	}
	if opt.MaxBatchPages <= 0 {
		opt.MaxBatchPages = 200
	}
	if opt.MaxBatchBytes <= 0 {
		opt.MaxBatchBytes = 32 << 20
	}
	sp, err := OpenSpool(opt.Spool)
	if err != nil {
		return nil, err
	}
	w := &Worker{opt: opt, spool: sp, wake: make(chan struct{}, 1)}
	w.stats.Pending = sp.Len()
	return w, nil
}

// Run reads every file the source gives until the source is exhausted (or ctx ends),
// then keeps delivering until the spool is empty or ctx ends. Pages left undelivered
// stay in the spool for the next run; Run returns ctx's error in that case.
func (w *Worker) Run(ctx context.Context, src Source) (Stats, error) {
	w.mu.Lock()
	w.stats.Started = time.Now()
	w.mu.Unlock()

	outer := ctx
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	files, srcErr := src.Files(ctx)
	if w.opt.Warmup != nil {
		var err error
		if files, err = w.warmup(ctx, files); err != nil {
			return w.Stats(), err
		}
	}
	readDone := make(chan struct{})
	go func() {
		defer close(readDone)
		w.recoverInterrupted(ctx)
		_ = Each(ctx, w.opt.Workers, Chan(files), func(ctx context.Context, path string) (struct{}, error) {
			w.handleFile(ctx, path)
			return struct{}{}, nil
		}, nil)
		for range files { // a source stopped by ctx may still be closing its channel
		}
	}()

	deliverErr := w.deliverLoop(ctx, readDone)
	var fatal *FatalError
	if errors.As(deliverErr, &fatal) {
		cancel() // stop reading: nothing can go out until a person acts
	}
	<-readDone
	var err error
	if e := <-srcErr; e != nil && !errors.Is(e, context.Canceled) {
		err = fmt.Errorf("source: %w", e)
	}
	if deliverErr != nil && (err == nil || fatal != nil) {
		err = deliverErr
	}
	if err == nil && outer.Err() != nil {
		err = outer.Err()
	}
	return w.Stats(), err
}

// warmup takes the batch's first files for Warmup and returns a channel that gives
// them again, followed by the rest of the source.
func (w *Worker) warmup(ctx context.Context, files <-chan string) (<-chan string, error) {
	var first []string
	open := true
	var pause <-chan time.Time
collect:
	for len(first) < w.opt.WarmupFiles {
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case f, ok := <-files:
			if !ok {
				open = false
				break collect
			}
			first = append(first, f)
			pause = time.After(w.opt.WarmupWait)
		case <-pause: // nil until the first file: an idle hot folder just waits
			break collect
		}
	}
	if len(first) > 0 {
		if err := w.opt.Warmup(ctx, first); err != nil {
			return nil, fmt.Errorf("calibrate on the batch's first %d file(s): %w", len(first), err)
		}
	}
	out := make(chan string)
	go func() {
		defer close(out)
		for _, f := range first {
			select {
			case out <- f:
			case <-ctx.Done():
				return
			}
		}
		if !open {
			return
		}
		for f := range files {
			select {
			case out <- f:
			case <-ctx.Done():
				return
			}
		}
	}()
	return out, nil
}

// Stats returns a snapshot of the counters.
func (w *Worker) Stats() Stats {
	w.mu.Lock()
	defer w.mu.Unlock()
	s := w.stats
	s.Elapsed = time.Since(s.Started)
	return s
}

func (w *Worker) update(f func(*Stats)) {
	w.mu.Lock()
	f(&w.stats)
	s := w.stats
	s.Elapsed = time.Since(s.Started)
	w.mu.Unlock()
	if w.opt.Progress != nil {
		w.opt.Progress(s)
	}
}

func (w *Worker) poke() {
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// handleFile reads one file, spools its pages and moves it out of the way. A failure
// here never stops the batch: the file goes to quarantine with the reason.
func (w *Worker) handleFile(ctx context.Context, path string) {
	w.update(func(s *Stats) { s.Seen++ })
	data, err := os.ReadFile(path)
	if err != nil {
		w.quarantine(path, msgUnopenable(err))
		w.update(func(s *Stats) { s.Rejected++ })
		return
	}
	sum := sha256.Sum256(data)
	fileSHA := hex.EncodeToString(sum[:])
	if w.spool.FileQuarantined(fileSHA) {
		return // set aside on an earlier run for stopping the reader
	}
	if w.spool.FileDone(fileSHA) {
		w.update(func(s *Stats) { s.Duplicates++ })
		w.moveProcessed(path)
		return
	}
	if err := w.spool.Begin(fileSHA, path); err != nil {
		w.update(func(s *Stats) { s.Failed++ }) // the spool's disk: read it on the next run
		return
	}
	defer w.spool.End(fileSHA)
	pages, err := w.opt.Reader.Read(ctx, filepath.Base(path), data)
	if err != nil {
		if ctx.Err() != nil {
			return // stopping: the file stays where it is for the next run
		}
		w.quarantine(path, msgNotASheet(err))
		w.update(func(s *Stats) { s.Rejected++ })
		return
	}
	var rejected []string
	for i := range pages {
		p := &pages[i]
		if p.ImageSHA256 == "" {
			s := sha256.Sum256(p.Image)
			p.ImageSHA256 = hex.EncodeToString(s[:])
		}
		isNew, err := w.spool.Put(w.opt.Batch, p)
		if err != nil {
			// The disk is the only thing standing between a reading and its loss, so a
			// spool failure leaves the file in place to be read again.
			w.update(func(s *Stats) { s.Failed++ })
			return
		}
		w.update(func(s *Stats) {
			s.Pages++
			if isNew {
				s.Pending++
			}
			switch p.Reading.Status {
			case reading.StatusOK:
				s.OK++
			case reading.StatusReview:
				s.Review++
			default:
				s.Rejected++
			}
		})
		if p.Reading.Status == reading.StatusRejected {
			rejected = append(rejected, fmt.Sprintf("page %d: %s", p.Reading.Page, p.Reading.Error))
		}
	}
	w.poke()
	if err := w.spool.MarkFileDone(fileSHA, filepath.Base(path)); err != nil {
		return
	}
	if len(rejected) > 0 && len(rejected) == len(pages) {
		w.quarantine(path, joinLines(rejected))
		return
	}
	if len(rejected) > 0 {
		// Some pages of a multi-page file are sheets and some are not: keep the file with
		// the processed ones and put a copy beside the reason in quarantine.
		w.copyToQuarantine(path, data, joinLines(rejected))
	}
	w.moveProcessed(path)
}

// recoverInterrupted deals with the files a previous run was reading when it died.
// One that was read alone when the process crashed (an abort in a decoder, a fault),
// or that was begun three times, stopped the reader: it goes to quarantine, with a
// reason, and is never read again. The others (the run was killed, or several files
// were being read at the crash) are read again first, one at a time, so that a
// crash among them names its file on the next restart.
func (w *Worker) recoverInterrupted(ctx context.Context) {
	list := w.spool.Interrupted()
	crashed := w.spool.PreviousRunCrashed() != ""
	for _, ip := range list {
		if ctx.Err() != nil {
			return
		}
		if w.spool.FileDone(ip.SHA256) {
			w.spool.End(ip.SHA256) // it was finished just before the stop
			continue
		}
		if (crashed && len(list) == 1) || ip.Attempts >= 3 {
			w.update(func(s *Stats) { s.Seen++; s.Rejected++ })
			if data, err := os.ReadFile(ip.Path); err == nil && sha256Hex(data) == ip.SHA256 {
				w.quarantine(ip.Path, msgStoppedReader(ip.Attempts))
			} else {
				w.copyToQuarantine(filepath.Join(w.opt.Quarantine, ip.SHA256[:16]), nil, msgStoppedReader(ip.Attempts)+"\n")
			}
			if err := w.spool.MarkFileQuarantined(ip.SHA256, filepath.Base(ip.Path)); err == nil {
				w.spool.End(ip.SHA256)
			}
			continue
		}
		if _, err := os.Stat(ip.Path); err != nil {
			w.spool.End(ip.SHA256) // gone (moved or deleted by a person)
			continue
		}
		w.handleFile(ctx, ip.Path)
	}
}

func sha256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func joinLines(lines []string) string {
	out := ""
	for _, l := range lines {
		out += l + "\n"
	}
	return out
}

// Close releases the spool.
func (w *Worker) Close() error { return w.spool.Close() }

func (w *Worker) quarantine(path, why string) {
	if w.opt.Processed == "" {
		// Not our file to move: leave it where the operator put it.
		if data, err := os.ReadFile(path); err == nil {
			w.copyToQuarantine(path, data, why+"\n")
		} else {
			w.copyToQuarantine(path, nil, why+"\n")
		}
		return
	}
	if err := os.MkdirAll(w.opt.Quarantine, 0o755); err != nil {
		return
	}
	dst := uniquePath(filepath.Join(w.opt.Quarantine, filepath.Base(path)))
	if err := moveFile(path, dst); err != nil {
		return
	}
	_ = os.WriteFile(dst+".why.txt", []byte(why+"\n"), 0o644)
}

func (w *Worker) copyToQuarantine(path string, data []byte, why string) {
	if err := os.MkdirAll(w.opt.Quarantine, 0o755); err != nil {
		return
	}
	dst := uniquePath(filepath.Join(w.opt.Quarantine, filepath.Base(path)))
	if err := writeFileAtomic(dst, data); err != nil {
		return
	}
	_ = os.WriteFile(dst+".why.txt", []byte(why), 0o644)
}

func (w *Worker) moveProcessed(path string) {
	if w.opt.Processed == "" {
		return
	}
	if err := os.MkdirAll(w.opt.Processed, 0o755); err != nil {
		return
	}
	_ = moveFile(path, uniquePath(filepath.Join(w.opt.Processed, filepath.Base(path))))
}

// deliverLoop sends spooled pages until reading is done and the spool is empty, or, once
// reading is done, until DrainTimeout passes with the sink still unreachable.
func (w *Worker) deliverLoop(ctx context.Context, readDone <-chan struct{}) error {
	backoff := w.opt.RetryMin
	var drainDeadline <-chan time.Time
	for {
		lastErr := w.deliverPending(ctx)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		var fatal *FatalError
		if errors.As(lastErr, &fatal) {
			return lastErr
		}
		if lastErr == nil {
			backoff = w.opt.RetryMin
		}
		if readDone == nil && w.spool.Len() == 0 {
			return nil
		}
		if lastErr != nil {
			// The sink is down: wait, doubling the pause, and do not let new pages wake
			// us into hammering it.
			t := time.NewTimer(backoff)
			select {
			case <-ctx.Done():
				t.Stop()
				return ctx.Err()
			case <-drainDeadline:
				t.Stop()
				return errors.New(msgUndelivered(w.spool.Len(), lastErr))
			case <-t.C:
			}
			backoff = min(backoff*2, w.opt.RetryMax)
		} else {
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-w.wake:
			case <-readDone:
				readDone = nil
				if w.opt.DrainTimeout > 0 {
					drainDeadline = time.After(w.opt.DrainTimeout)
				}
			}
		}
		if readDone != nil {
			select {
			case <-readDone:
				readDone = nil
				if w.opt.DrainTimeout > 0 {
					drainDeadline = time.After(w.opt.DrainTimeout)
				}
			default:
			}
		}
	}
}

// deliverPending makes one pass over the spool, delivering the waiting pages in
// groups of one batch bounded by MaxBatchPages and MaxBatchBytes, and returns the last
// temporary error, stopping at the first one: when the sink is down the rest would
// fail too.
func (w *Worker) deliverPending(ctx context.Context) error {
	keys := w.spool.Pending()
	for len(keys) > 0 {
		if ctx.Err() != nil {
			return nil
		}
		var g group
		keys, g = w.nextGroup(keys)
		if len(g.keys) == 0 {
			continue
		}
		if err := w.deliverGroup(ctx, g); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
	}
	return nil
}

// group is pages of one batch delivered together.
type group struct {
	batch Batch
	keys  []string
	pages []*Page
}

// nextGroup loads waiting pages from the front of keys while they belong to the same
// batch and fit the bounds; it returns the keys left.
func (w *Worker) nextGroup(keys []string) ([]string, group) {
	var g group
	size := 0
	for len(keys) > 0 && len(g.keys) < w.opt.MaxBatchPages {
		p, b, err := w.spool.Load(keys[0])
		if err != nil {
			w.spool.SetAside(keys[0], msgDamagedInSpool(err))
			w.update(func(s *Stats) { s.Pending--; s.Failed++ })
			keys = keys[1:]
			continue
		}
		n := pageBytes(p)
		if len(g.keys) > 0 && (b.ID != g.batch.ID || size+n > w.opt.MaxBatchBytes) {
			break
		}
		g.batch, size = b, size+n
		g.keys, g.pages = append(g.keys, keys[0]), append(g.pages, p)
		keys = keys[1:]
	}
	return keys, g
}

func pageBytes(p *Page) int {
	n := len(p.Image)
	for _, c := range p.Crops {
		n += len(c)
	}
	return n
}

// deliverGroup hands a group to the sink. When the sink refuses it for good, the
// group is split in halves until the refused pages stand alone, so that one bad page
// never keeps the others back.
func (w *Worker) deliverGroup(ctx context.Context, g group) error {
	err := w.opt.Sink.Deliver(ctx, g.batch, g.pages)
	var perm *PermanentError
	var fatal *FatalError
	switch {
	case errors.As(err, &fatal):
		return err
	case err == nil:
		for _, k := range g.keys {
			if err := w.spool.Done(k); err != nil {
				return fmt.Errorf("spool: %w", err)
			}
		}
		w.update(func(s *Stats) { s.Pending -= len(g.keys); s.Delivered += len(g.keys); s.Deliveries++ })
		return nil
	case errors.As(err, &perm) && len(g.keys) == 1:
		w.spool.SetAside(g.keys[0], perm.Error())
		w.update(func(s *Stats) { s.Pending--; s.Failed++ })
		return nil
	case errors.As(err, &perm):
		half := len(g.keys) / 2
		if err := w.deliverGroup(ctx, group{g.batch, g.keys[:half], g.pages[:half]}); err != nil {
			return err
		}
		return w.deliverGroup(ctx, group{g.batch, g.keys[half:], g.pages[half:]})
	}
	return err
}

// Quarantine is the folder rejected files go to.
func (w *Worker) Quarantine() string { return w.opt.Quarantine }
