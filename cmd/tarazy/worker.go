package main

import (
	"context"
	"errors"
	"fmt"
	"image/png"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"tarazy/calibration"
	"tarazy/omr"
	"tarazy/omr/reading"
	"tarazy/worker"
)

func init() {
	register(&command{
		Name:    "worker",
		Summary: "read scanner batches (hot folder, SANE scanner or files) and deliver them to the server or the local store",
		Run:     runWorker,
	})
}

const workerUsage = `worker --contest ID --school CODE [--server URL --token T] [--hot DIR | --sane DEVICE | PATH...]
       [--batch NAME] [--operator NAME] [--scanner NAME] [--workers N] [--profile p.json] [--spool DIR]`

type workerFlags struct {
	contest, school   string
	serverURL, token  string
	hot, sane         string
	saneSource        string
	saneDPI           int
	batch, operator   string
	scanner           string
	workers           int
	profile           string
	learn             int
	spool, quarantine string
	drain, settle     time.Duration
	db                *dbFlags
}

func runWorker(ctx context.Context, env *Env, args []string) error {
	fs := newFlags(env, "worker", workerUsage)
	f := &workerFlags{db: addDBFlags(fs), drain: 2 * time.Minute, settle: time.Second, learn: 40}
	fs.StringVar(&f.contest, "contest", os.Getenv("TARAZY_CONTEST"), "contest id (env TARAZY_CONTEST)")
	fs.StringVar(&f.school, "school", os.Getenv("TARAZY_SCHOOL"), "school code whose sheets these are (env TARAZY_SCHOOL)")
	fs.StringVar(&f.serverURL, "server", os.Getenv("TARAZY_SERVER"), "tarazy serve URL; empty: write to the local store in --data/--db (env TARAZY_SERVER)")
	fs.StringVar(&f.token, "token", os.Getenv("TARAZY_TOKEN"), "the commission's API token for --server (env TARAZY_TOKEN)")
	fs.StringVar(&f.hot, "hot", "", "hot folder the scanner's software writes into; watched until Ctrl-C")
	fs.StringVar(&f.sane, "sane", "", "SANE device to drive with scanimage --batch (see `scanimage -L`)")
	fs.StringVar(&f.saneSource, "sane-source", "", `scanner source for --sane, e.g. "ADF Duplex"`)
	fs.IntVar(&f.saneDPI, "sane-dpi", 300, "resolution for --sane")
	fs.StringVar(&f.batch, "batch", "", "batch name (default: the folder's name, or scanner and time)")
	fs.StringVar(&f.operator, "operator", envOr("USER", "operator"), "who feeds the scanner")
	fs.StringVar(&f.scanner, "scanner", "", "scanner name, e.g. \"fi-7160 room 12\" (calibration is kept per scanner)")
	fs.IntVar(&f.workers, "workers", 0, "pages read at once (default: the number of cores)")
	fs.StringVar(&f.profile, "profile", "", "calibration profile (tarazy calibrate); default: learn from the batch's first --learn pages")
	fs.IntVar(&f.learn, "learn", 40, "pages at the start of the batch to learn the thresholds from (0: read with --profile or the defaults at once)")
	fs.StringVar(&f.spool, "spool", "", "durable spool for pages not yet delivered (default <data>/spool)")
	fs.StringVar(&f.quarantine, "quarantine", "", "where files that are not readable sheets go, each with a .why.txt (default <hot>/quarantine, or <spool>/quarantine)")
	fs.DurationVar(&f.drain, "drain", 2*time.Minute, "after the last file, how long to keep retrying a server that is down (pages stay spooled)")
	fs.DurationVar(&f.settle, "settle", time.Second, "hot folder: a file is taken once unchanged this long")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	_, err := runWorkerBatch(ctx, env, f, fs.Args())
	if errors.Is(err, context.Canceled) && ctx.Err() != nil {
		return nil // Ctrl-C: the summary says what is left in the spool
	}
	return err
}

// runWorkerBatch runs one batch with parsed flags and prints its summary.
func runWorkerBatch(ctx context.Context, env *Env, f *workerFlags, paths []string) (worker.Stats, error) {
	sources := 0
	for _, on := range []bool{f.hot != "", f.sane != "", len(paths) > 0} {
		if on {
			sources++
		}
	}
	switch {
	case f.contest == "" || f.school == "":
		return worker.Stats{}, usagef("--contest and --school are required: the pages belong to one school's contest")
	case sources != 1:
		return worker.Stats{}, usagef("give exactly one source: --hot DIR, --sane DEVICE, or files and folders")
	case f.serverURL != "" && f.token == "":
		return worker.Stats{}, usagef("--server needs --token (the commission's token; `tarazy token create --role commission --school %s`)", f.school)
	}
	if f.scanner == "" {
		f.scanner = "scanner"
		if f.sane != "" {
			f.scanner = f.sane
		}
	}
	if f.spool == "" {
		f.spool = filepath.Join(f.db.data, "spool")
	}
	if f.quarantine == "" && f.hot == "" {
		f.quarantine = filepath.Join(f.spool, "quarantine")
	}

	sink, where, err := openSink(ctx, f)
	if err != nil {
		return worker.Stats{}, err
	}
	defer sink.Close()

	batch := worker.Batch{Name: f.batch, Operator: f.operator, Scanner: f.scanner, Started: time.Now()}
	var src worker.Source
	opt := worker.Options{Workers: f.workers, Spool: f.spool, Quarantine: f.quarantine, Sink: sink, DrainTimeout: f.drain}
	switch {
	case f.hot != "":
		if err := os.MkdirAll(f.hot, 0o755); err != nil {
			return worker.Stats{}, err
		}
		src = worker.HotFolder{Dir: f.hot, Settle: f.settle}
		opt.Processed = filepath.Join(f.hot, "processed")
		if opt.Quarantine == "" {
			opt.Quarantine = filepath.Join(f.hot, "quarantine")
		}
		opt.DrainTimeout = 0 // a hot folder runs until Ctrl-C
		if batch.Name == "" {
			batch.Name = filepath.Base(filepath.Clean(f.hot)) + " " + batch.Started.Format("2006-01-02 15:04")
		}
	case f.sane != "":
		dir := filepath.Join(f.spool, "scans", batch.Started.Format("20060102-150405"))
		s := worker.SANE{Device: f.sane, Dir: dir, Resolution: f.saneDPI, Source: f.saneSource}
		fmt.Fprintf(env.Stderr, "scanning with: scanimage %s\n", strings.Join(s.Args(), " "))
		src = s
		opt.Processed = filepath.Join(f.spool, "scans", "processed")
		if batch.Name == "" {
			batch.Name = f.scanner + " " + batch.Started.Format("2006-01-02 15:04:05")
		}
	default:
		src = worker.Paths(paths)
		if batch.Name == "" {
			batch.Name = filepath.Base(filepath.Clean(paths[0])) + " " + batch.Started.Format("2006-01-02 15:04")
		}
	}
	batch.ID = batch.Name

	rd, err := newBatchReader(f, env, sink, batch)
	if err != nil {
		return worker.Stats{}, err
	}
	opt.Reader = rd
	if f.learn > 0 {
		opt.Warmup, opt.WarmupFiles = rd.warmup, f.learn
	}
	opt.Batch = batch

	prog := newWorkerProgress(env)
	opt.Progress = prog.update
	w, err := worker.New(opt)
	if err != nil {
		return worker.Stats{}, err
	}
	defer w.Close()
	fmt.Fprintf(env.Stderr, "batch %q: operator %s, scanner %s, delivering to %s\n", batch.Name, batch.Operator, batch.Scanner, where)
	st, runErr := w.Run(ctx, src)
	prog.finish()
	printWorkerSummary(env, batch, st, sink, opt, where)
	return st, runErr
}

// batchReader reads pages with the omr reader and the batch's thresholds, learned
// from its first pages (or given with --profile) before any page is decided.
type batchReader struct {
	r       atomic.Pointer[omr.Reader]
	f       *workerFlags
	env     *Env
	sink    deliverer
	batch   worker.Batch
	workers int
}

func newBatchReader(f *workerFlags, env *Env, sink deliverer, batch worker.Batch) (*batchReader, error) {
	br := &batchReader{f: f, env: env, sink: sink, batch: batch, workers: f.workers}
	if br.workers <= 0 {
		br.workers = 2
	}
	var opt omr.Options
	if f.profile != "" {
		p, err := calibration.Load(f.profile)
		if err != nil {
			return nil, err
		}
		opt.Profile = p
	}
	r, err := omr.NewReader(opt)
	if err != nil {
		return nil, err
	}
	br.r.Store(r)
	return br, nil
}

func (br *batchReader) Read(ctx context.Context, name string, data []byte) ([]worker.Page, error) {
	start := time.Now()
	pages, err := br.r.Load().ReadBytes(ctx, name, data)
	if err != nil {
		return nil, err
	}
	per := time.Since(start).Seconds() / float64(max(len(pages), 1))
	out := make([]worker.Page, len(pages))
	for i, p := range pages {
		wp := worker.Page{Reading: p.Reading, ImageSHA256: p.ImageSHA256, Image: p.Image, ImageType: p.ImageType, ReadSeconds: per}
		if len(wp.Image) == 0 {
			// A file the reader could not open as an image is kept as it came, so the
			// commission can see what was rejected.
			wp.Image, wp.ImageSHA256, wp.ImageType = data, "", http.DetectContentType(data)
		}
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
		out[i] = wp
	}
	return out, nil
}

// warmup measures the batch's first files, learns the thresholds from them unless a
// profile was given, and records the calibration with the batch (for the dashboard)
// and beside the spool (for the operator): the profile and its histogram PNG.
func (br *batchReader) warmup(ctx context.Context, files []string) error {
	base := br.r.Load()
	var (
		mu      sync.Mutex
		samples []calibration.Sample
		pages   int
	)
	jobs := make(chan string)
	var wg sync.WaitGroup
	for i := 0; i < br.workers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for path := range jobs {
				ps, err := base.ReadFile(ctx, path)
				if err != nil {
					continue
				}
				mu.Lock()
				for _, p := range ps {
					if p.Reading.Status != reading.StatusRejected {
						samples = append(samples, p.Samples...)
						pages++
					}
				}
				mu.Unlock()
			}
		}()
	}
	for _, f := range files {
		jobs <- f
	}
	close(jobs)
	wg.Wait()
	if ctx.Err() != nil {
		return ctx.Err()
	}
	prof := base.Profile()
	if br.f.profile == "" {
		p, err := calibration.Fit(br.batch.Scanner, pages, samples)
		if err != nil {
			fmt.Fprintf(br.env.Stderr, "calibration: %v; reading with the default thresholds\n", err)
		} else {
			r, err := omr.NewReader(omr.Options{Profile: p})
			if err != nil {
				return err
			}
			br.r.Store(r)
			prof = p
		}
	}
	fmt.Fprintf(br.env.Stderr, "calibration from %d page(s): blank ≤ %.3f, marked ≥ %.3f\n", pages, prof.BlankMax, prof.MarkMin)
	for _, n := range prof.Notes {
		fmt.Fprintln(br.env.Stderr, "calibration: "+n)
	}
	if err := br.saveCalibration(prof, samples); err != nil {
		fmt.Fprintf(br.env.Stderr, "calibration: could not keep a copy beside the spool: %v\n", err)
	}
	sum := calibration.Summarize(samples, prof)
	// The server may be down right now; the pages wait in the spool anyway, and the
	// dashboard only misses the histogram.
	cctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	if err := br.sink.Calibrate(cctx, br.batch, sum); err != nil {
		var fatal *worker.FatalError
		if errors.As(err, &fatal) {
			return err
		}
		fmt.Fprintf(br.env.Stderr, "calibration: not recorded with the batch (%v); the pages are not affected\n", err)
	}
	return nil
}

func (br *batchReader) saveCalibration(p *calibration.Profile, samples []calibration.Sample) error {
	dir := filepath.Join(br.f.spool, "calibration")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	name := safeFileName(br.batch.Name)
	jf, err := os.Create(filepath.Join(dir, name+".json"))
	if err != nil {
		return err
	}
	if err := p.Write(jf); err != nil {
		jf.Close()
		return err
	}
	if err := jf.Close(); err != nil {
		return err
	}
	pf, err := os.Create(filepath.Join(dir, name+".png"))
	if err != nil {
		return err
	}
	if err := png.Encode(pf, calibration.Histogram(samples, p)); err != nil {
		pf.Close()
		return err
	}
	return pf.Close()
}

func safeFileName(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '/' || r == '\\' || r == ':' || r < ' ' {
			return '_'
		}
		return r
	}, s)
}

func printWorkerSummary(env *Env, b worker.Batch, st worker.Stats, sink deliverer, opt worker.Options, where string) {
	w := env.Stdout
	fmt.Fprintf(w, "batch %q (operator %s, scanner %s)\n", b.Name, b.Operator, b.Scanner)
	fmt.Fprintf(w, "  files %d, pages read %d in %.1fs (%.1f pages/s)\n", st.Seen, st.Pages, st.Elapsed.Seconds(), st.PagesPerSecond())
	fmt.Fprintf(w, "  ok %d, to review %d, rejected %d, already read before %d\n", st.OK, st.Review, st.Rejected, st.Duplicates)
	fmt.Fprintf(w, "  delivered %d to %s (%s)\n", st.Delivered, where, sink.Outcomes())
	if st.Rejected > 0 {
		fmt.Fprintf(w, "  rejected files are in %s, each with a .why.txt\n", opt.Quarantine)
	}
	if st.Pending > 0 {
		fmt.Fprintf(w, "  %d page(s) wait in the spool %s and go out on the next run\n", st.Pending, opt.Spool)
	}
	if st.Failed > 0 {
		fmt.Fprintf(w, "  %d page(s) were refused; see %s/failed/*.why.txt\n", st.Failed, opt.Spool)
	}
}
