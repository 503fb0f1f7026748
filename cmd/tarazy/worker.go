package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"tarazy/calibration"
	"tarazy/omr"
	"tarazy/server/client"
	"tarazy/store"
	"tarazy/store/blob"
	"tarazy/worker"
	"tarazy/worker/omrreader"
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
	maxBatch          int
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
	fs.StringVar(&f.token, "token", os.Getenv("TARAZY_TOKEN"), "the school's scanner token for --server (env TARAZY_TOKEN)")
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
	fs.IntVar(&f.maxBatch, "max-batch", 200, "pages sent to the server in one request at most (1: each page on its own)")
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
		return worker.Stats{}, usagef("--server needs --token (a scanner token of the school; `tarazy token create --role scanner --school %s`)", f.school)
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
	opt := worker.Options{Workers: f.workers, Spool: f.spool, Quarantine: f.quarantine, Sink: sink, DrainTimeout: f.drain, MaxBatchPages: f.maxBatch}
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
	opt.Batch = batch

	var ropt omr.Options
	if f.profile != "" {
		if ropt.Profile, err = calibration.Load(f.profile); err != nil {
			return worker.Stats{}, err
		}
	}
	rd, err := omrreader.New(ropt, cmp.Or(f.workers, 2), env.Stderr)
	if err != nil {
		return worker.Stats{}, err
	}
	rd.Scanner = batch.Scanner
	rd.Record = omrreader.Recorder(sink, batch, filepath.Join(f.spool, "calibration"), env.Stderr)
	opt.Reader = rd
	if f.learn > 0 {
		opt.Warmup, opt.WarmupFiles = rd.Warmup, f.learn
	}

	prog := worker.NewProgress(env.Stderr)
	opt.Progress = prog.Update
	w, err := worker.New(opt)
	if err != nil {
		return worker.Stats{}, err
	}
	defer w.Close()
	fmt.Fprintf(env.Stderr, "batch %q: operator %s, scanner %s, delivering to %s\n", batch.Name, batch.Operator, batch.Scanner, where)
	st, runErr := w.Run(ctx, src)
	prog.Finish()
	worker.Summary{Batch: batch, Stats: st, Where: where, Outcomes: sink.Outcomes(), Quarantine: w.Quarantine(), Spool: f.spool}.Write(env.Stdout)
	return st, runErr
}

// sink is where a worker's pages go: the server, or the local store.
type sink interface {
	worker.Sink
	worker.Calibrator
	Outcomes() string
	Close() error
}

type httpSink struct{ *worker.HTTPSink }

func (s httpSink) Outcomes() string { return s.Tally.String() }
func (s httpSink) Close() error     { return nil }

type storeSink struct {
	*worker.StoreSink
	st migratingStore
}

func (s storeSink) Outcomes() string { return s.Tally.String() }
func (s storeSink) Close() error     { return s.st.Close() }

func openSink(ctx context.Context, f *workerFlags) (sink, string, error) {
	if f.serverURL != "" {
		s := &worker.HTTPSink{Client: client.New(f.serverURL, f.token), Contest: f.contest, School: f.school}
		if err := s.Check(ctx); err != nil {
			return nil, "", err
		}
		return httpSink{s}, f.serverURL, nil
	}
	st, err := f.db.openMigrated(ctx, &Env{Stdout: discard{}, Stderr: discard{}})
	if err != nil {
		return nil, "", err
	}
	if _, err := st.Contest(ctx, f.contest); err != nil {
		st.Close()
		return nil, "", fmt.Errorf("contest %q is not in %s: create it first (tarazy serve API, or tarazy demo): %w", f.contest, f.db.describe(), err)
	}
	if _, err := st.School(ctx, f.school); err != nil {
		st.Close()
		return nil, "", fmt.Errorf("school %q is not in %s: %w", f.school, f.db.describe(), err)
	}
	blobs, err := blob.Open(filepath.Join(f.db.data, "images"))
	if err != nil {
		st.Close()
		return nil, "", err
	}
	actor := store.Actor{Name: f.operator, Role: store.RoleScanner, School: f.school}
	return storeSink{&worker.StoreSink{Store: st, Blobs: blobs, Contest: f.contest, School: f.school, Actor: actor}, st}, f.db.describe(), nil
}
