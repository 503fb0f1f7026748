package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"runtime/pprof"
	"time"

	"github.com/jackc/pgx/v5"

	"tarazy/internal/loadtest"
)

func init() {
	register(&command{
		Name:    "load",
		Summary: "measure ingest, the worker's delivery, national export and ranking latency on a loopback server",
		Run:     runLoad,
	})
}

// runLoad starts its own server on a loopback port over a scratch database and data
// directory, drives it with bounded work (counts and a time cap; it stops by itself),
// prints the figures the issue asks for, and removes what it created. It has no flag
// for a target address: it can only ever load itself.
func runLoad(ctx context.Context, env *Env, args []string) error {
	fs := newFlags(env, "load", "load [--db postgres://…] [--sheets N] [--batch N] [--workers N] [--hot-pages N] [--export N] [--schools N] [--clients N] [--requests N]")
	dbURL := fs.String("db", os.Getenv("TARAZY_DB"), "PostgreSQL URL to create a scratch schema in; empty: a scratch SQLite file (env TARAZY_DB)")
	var cfg loadtest.Config
	fs.IntVar(&cfg.Sheets, "sheets", 20000, "sheet readings to ingest")
	fs.IntVar(&cfg.Batch, "batch", 200, "readings per ingest request")
	fs.IntVar(&cfg.Workers, "workers", 4, "concurrent uploading workers")
	fs.IntVar(&cfg.ImageBytes, "image-bytes", 4096, "bytes of each synthetic page image")
	fs.IntVar(&cfg.HotPages, "hot-pages", 2000, "pages the scanner worker delivers from a hot folder, one page per request and then in batches")
	fs.IntVar(&cfg.ExportRows, "export", 100000, "candidates in the national export")
	fs.IntVar(&cfg.Schools, "schools", 150, "schools the export's candidates are spread over")
	fs.IntVar(&cfg.Clients, "clients", 200, "concurrent clients asking for per-school rankings")
	fs.IntVar(&cfg.Requests, "requests", 20000, "ranking requests in each ranking run")
	fs.DurationVar(&cfg.Think, "think", 100*time.Millisecond, "each ranking client's pause between requests (±50 %), as a person or a poller would")
	capTime := fs.Duration("cap", 10*time.Minute, "stop everything after this long")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the whole run to this file")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	ctx, cancel := context.WithTimeout(ctx, *capTime)
	defer cancel()

	dir, err := os.MkdirTemp("", "tarazy-load-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	db := &dbFlags{data: dir}
	if *dbURL != "" {
		scratch, drop, err := scratchSchema(ctx, *dbURL)
		if err != nil {
			return err
		}
		defer drop()
		db.db = scratch
	}
	st, err := db.openMigrated(ctx, env)
	if err != nil {
		return err
	}
	defer st.Close()
	cfg.Description = db.describe()
	return loadtest.Run(ctx, st, dir, cfg, env.Stdout)
}

// scratchSchema creates a schema of its own on the given PostgreSQL and returns a URL
// that uses it, and a function that drops it.
func scratchSchema(ctx context.Context, dbURL string) (string, func(), error) {
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		return "", nil, fmt.Errorf("connect to %s: %w", redactURL(dbURL), err)
	}
	defer conn.Close(ctx)
	b := make([]byte, 6)
	rand.Read(b)
	schema := "tarazy_load_" + hex.EncodeToString(b)
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		return "", nil, err
	}
	drop := func() {
		c, err := pgx.Connect(context.Background(), dbURL)
		if err != nil {
			return
		}
		defer c.Close(context.Background())
		c.Exec(context.Background(), "DROP SCHEMA "+schema+" CASCADE")
	}
	u, err := url.Parse(dbURL)
	if err != nil {
		drop()
		return "", nil, err
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String(), drop, nil
}
