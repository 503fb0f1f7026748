package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"path/filepath"
	"text/tabwriter"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"tarazy/server"
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
	fs.DurationVar(&cfg.RankingFreshness, "ranking-freshness", cfg.RankingFreshness, "how long a cached ranking is served before the database is asked for a newer version (another server's upload shows within this)")
	return fs, db, &cfg
}

func runServe(ctx context.Context, env *Env, args []string) error {
	fs, db, cfg := serveFlags(env)
	noMigrate := fs.Bool("no-migrate", false, "do not apply migrations on start (then /readyz says not ready until `tarazy migrate`)")
	logFormat := fs.String("log-format", "text", "log format on stderr: text or json")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	var handler slog.Handler = slog.NewTextHandler(env.Stderr, nil)
	if *logFormat == "json" {
		handler = slog.NewJSONHandler(env.Stderr, nil)
	} else if *logFormat != "text" {
		return usagef("--log-format %q: text or json", *logFormat)
	}
	log := slog.New(handler)

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
	imagesDir := filepath.Join(db.data, "images")
	blobs, err := blob.Open(imagesDir)
	if err != nil {
		return err
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	srv, err := server.New(st, blobs, *cfg, log, reg, reg)
	if err != nil {
		return err
	}
	srv.UseReader(newScanReader()) // POST …/verify reads the scans again with omr
	if err := serveIntake(env, srv, st); err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Addr, err)
	}
	printConfig(env.Stderr, cfg, db, imagesDir, *noMigrate)
	// The first stdout line is the address: tests and scripts that start the server on
	// port 0 read it.
	fmt.Fprintf(env.Stdout, "listening on http://%s\n", ln.Addr())
	return srv.Serve(ctx, ln)
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
	}
	for _, r := range rows {
		fmt.Fprintf(tw, "  %s\t%s\n", r[0], r[1])
	}
	tw.Flush()
}
