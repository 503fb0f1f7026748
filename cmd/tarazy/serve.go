package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"tarazy/server"
	"tarazy/store"
	"tarazy/store/blob"
)

func init() {
	register(&command{
		Name:    "serve",
		Summary: "run the HTTP API for workers, commissions and the Daryn centre",
		Run:     runServe,
	})
}

// serveFlags binds every server setting to a flag (and an environment variable for
// the three a deployment sets most).
func serveFlags(env *Env) (*flag.FlagSet, *dbFlags, *server.Config) {
	cfg := server.Defaults()
	fs := newFlags(env, "serve", "serve [--addr 127.0.0.1:8080] [--data ./tarazy-data] [--db postgres://…] [flags]")
	db := addDBFlags(fs)
	fs.StringVar(&cfg.Addr, "addr", envOr("TARAZY_ADDR", cfg.Addr), "listen address (env TARAZY_ADDR)")
	fs.Int64Var(&cfg.MaxUpload, "max-upload", cfg.MaxUpload, "bytes accepted in one ingest, image or protocol upload")
	fs.Int64Var(&cfg.MaxBody, "max-body", cfg.MaxBody, "bytes accepted in one JSON or CSV request")
	fs.IntVar(&cfg.MaxBatch, "max-batch", cfg.MaxBatch, "pages accepted in one ingest request")
	fs.DurationVar(&cfg.RequestTimeout, "request-timeout", cfg.RequestTimeout, "deadline of an ordinary request")
	fs.DurationVar(&cfg.UploadTimeout, "upload-timeout", cfg.UploadTimeout, "deadline of an ingest, upload or export request")
	fs.DurationVar(&cfg.ReadHeaderTimeout, "read-header-timeout", cfg.ReadHeaderTimeout, "time a client has to send its request headers")
	fs.DurationVar(&cfg.ReadTimeout, "read-timeout", cfg.ReadTimeout, "time a client has to send a whole request")
	fs.DurationVar(&cfg.WriteTimeout, "write-timeout", cfg.WriteTimeout, "time to write a whole response")
	fs.DurationVar(&cfg.IdleTimeout, "idle-timeout", cfg.IdleTimeout, "how long an idle keep-alive connection stays open")
	fs.DurationVar(&cfg.ShutdownTimeout, "shutdown-timeout", cfg.ShutdownTimeout, "time requests in flight get to finish on SIGTERM")
	fs.DurationVar(&cfg.TokenCacheTTL, "token-cache", cfg.TokenCacheTTL, "how long a token check is reused (a revoked token works at most this long)")
	fs.DurationVar(&cfg.RankingFreshness, "ranking-freshness", cfg.RankingFreshness, "bound on a cached ranking's age: older, it is confirmed with the database before it is served (another server's change shows within this)")
	fs.DurationVar(&cfg.DrainPeriod, "drain", cfg.DrainPeriod, "on SIGTERM, how long /readyz says 503 while requests are still served, before the server closes (0: close at once)")
	fs.BoolVar(&cfg.AccessLog, "access-log", cfg.AccessLog, "log one line per request")
	return fs, db, &cfg
}

func runServe(ctx context.Context, env *Env, args []string) error {
	fs, db, cfg := serveFlags(env)
	noMigrate := fs.Bool("no-migrate", false, "do not apply migrations on start (then /readyz and the API say not ready until `tarazy migrate`)")
	logFormat := fs.String("log-format", "text", "log format on stderr: text or json")
	images := fs.String("images", os.Getenv("TARAZY_IMAGES"), "image store: empty for DATA/images, a directory, or s3://ACCESS:SECRET@host:port/bucket[/prefix][?tls=false] shared by every server (env TARAZY_IMAGES; AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY fill missing credentials)")
	name := fs.String("name", envOr("TARAZY_NAME", hostname()), "this server's name in PostgreSQL's application_name and the logs (env TARAZY_NAME)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	db.app = "tarazy serve " + *name
	var handler slog.Handler = slog.NewTextHandler(env.Stderr, nil)
	if *logFormat == "json" {
		handler = slog.NewJSONHandler(env.Stderr, nil)
	} else if *logFormat != "text" {
		return usagef("--log-format %q: text or json", *logFormat)
	}
	log := slog.New(handler).With("server", *name)

	st, err := db.open(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	if !*noMigrate {
		applied, err := st.Migrate(ctx)
		if err != nil {
			return fmt.Errorf("migrate %s: %w", db.describe(), err)
		}
		for _, m := range applied {
			log.Info("migrated", "migration", m)
		}
	}
	blobs, err := openImages(ctx, *images, db.data)
	if err != nil {
		return err
	}
	cleanStaleUploads(log, blobs, cfg.UploadTimeout)
	reportSchema(ctx, log, st)
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	srv, err := server.New(st, blobs, *cfg, log, reg, reg)
	if err != nil {
		return err
	}
	srv.SetSheetLayout(sheetLayout)
	srv.UseReader(newScanReader()) // POST …/verify reads the scans again with omr
	if err := serveIntake(env, srv, st); err != nil {
		return err
	}
	if err := srv.CheckReady(ctx); err != nil {
		log.Warn("not ready: /readyz and the API answer 503 until this is fixed", "why", err)
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Addr, err)
	}
	printConfig(env.Stderr, cfg, db, blobs.String(), *noMigrate)
	// The first stdout line is the address: tests and scripts that start the server on
	// port 0 read it.
	fmt.Fprintf(env.Stdout, "listening on http://%s\n", ln.Addr())
	return srv.Serve(ctx, ln)
}

// imageStore is the image store as serve opens it.
type imageStore interface {
	server.ImageStore
	CleanTemp(age time.Duration) (files int, bytes int64, err error)
}

// openImages opens the image store the --images flag names: the data directory's
// images/ by default, another directory, or an S3 bucket (receiving through a spool
// in the data directory).
func openImages(ctx context.Context, spec, data string) (imageStore, error) {
	switch {
	case spec == "":
		return blob.Open(filepath.Join(data, "images"))
	case strings.HasPrefix(spec, "s3://"):
		cfg, err := blob.ParseS3URL(spec)
		if err != nil {
			return nil, usagef("--images: %v", err)
		}
		cfg.Spool = filepath.Join(data, "spool")
		return blob.OpenS3(ctx, cfg)
	case strings.Contains(spec, "://"):
		return nil, usagef("--images %q: give a directory or an s3://… URL", blob.Redact(spec))
	}
	return blob.Open(spec)
}

// cleanStaleUploads removes what a killed server left half-received: files older than
// the longest upload, which no live request can still be writing.
func cleanStaleUploads(log *slog.Logger, images imageStore, uploadTimeout time.Duration) {
	n, size, err := images.CleanTemp(uploadTimeout + time.Minute)
	switch {
	case err != nil:
		log.Warn("clean stale temporary uploads", "err", err)
	case n > 0:
		log.Info("removed stale temporary uploads", "files", n, "bytes", size)
	}
}

// reportSchema says at start-up what the database's schema is to this build: current,
// newer but compatible (a rolling upgrade in progress), or one it cannot run on.
func reportSchema(ctx context.Context, log *slog.Logger, st store.Store) {
	sc, err := st.Schema(ctx)
	if err != nil {
		log.Warn("read the database's migrations", "err", err)
		return
	}
	var newer []string
	for _, m := range sc.Newer {
		newer = append(newer, m.Name)
	}
	switch {
	case sc.Servable() != nil:
		log.Error("this build cannot serve the database as it is", "why", sc.Servable())
	case len(newer) > 0:
		log.Warn("the database was migrated by a newer build, with migrations marked compatible: serving", "newer", strings.Join(newer, ", "))
	default:
		log.Info("database schema is current", "migrations", sc.Applied)
	}
}

func hostname() string {
	h, err := os.Hostname()
	if err != nil {
		return "tarazy"
	}
	return h
}

// printConfig prints the resolved configuration, so an operator sees what runs.
func printConfig(w io.Writer, cfg *server.Config, db *dbFlags, images string, noMigrate bool) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "tarazy serve configuration:")
	rows := [][2]string{
		{"addr", cfg.Addr},
		{"database", db.describe()},
		{"images", images},
		{"migrate on start", fmt.Sprint(!noMigrate)},
		{"max-upload", fmt.Sprintf("%d bytes", cfg.MaxUpload)},
		{"max-body", fmt.Sprintf("%d bytes", cfg.MaxBody)},
		{"max-batch", fmt.Sprintf("%d pages", cfg.MaxBatch)},
		{"request-timeout", cfg.RequestTimeout.String()},
		{"upload-timeout", cfg.UploadTimeout.String()},
		{"read-header-timeout", cfg.ReadHeaderTimeout.String()},
		{"read-timeout", cfg.ReadTimeout.String()},
		{"write-timeout", cfg.WriteTimeout.String()},
		{"idle-timeout", cfg.IdleTimeout.String()},
		{"shutdown-timeout", cfg.ShutdownTimeout.String()},
		{"token-cache", cfg.TokenCacheTTL.String()},
		{"ranking-freshness", cfg.RankingFreshness.String()},
		{"drain", cfg.DrainPeriod.String()},
		{"access-log", fmt.Sprint(cfg.AccessLog)},
		{"application_name", db.app},
	}
	for _, r := range rows {
		fmt.Fprintf(tw, "  %s\t%s\n", r[0], r[1])
	}
	tw.Flush()
}
