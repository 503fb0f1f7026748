package main

import (
	"context"
	"flag"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"tarazy/store"
	"tarazy/store/postgres"
	"tarazy/store/sqlite"
)

// dbFlags are the storage settings every command that opens the store shares.
type dbFlags struct {
	data string
	db   string
	// app names this process's PostgreSQL connections (application_name).
	app string
}

func addDBFlags(fs *flag.FlagSet) *dbFlags {
	f := &dbFlags{}
	fs.StringVar(&f.data, "data", envOr("TARAZY_DATA", "./tarazy-data"), "data directory: the embedded database and the image store (env TARAZY_DATA)")
	fs.StringVar(&f.db, "db", os.Getenv("TARAZY_DB"), "PostgreSQL URL (postgres://…); empty: the embedded SQLite file in the data directory (env TARAZY_DB)")
	return f
}

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}

// migratingStore is a store that can bring its schema up to date.
type migratingStore interface {
	store.Store
	Migrate(ctx context.Context) ([]string, error)
}

// open opens the configured store without migrating it.
func (f *dbFlags) open(ctx context.Context) (migratingStore, error) {
	switch {
	case f.db == "":
		return sqlite.Open(ctx, filepath.Join(f.data, sqlite.FileName))
	case strings.HasPrefix(f.db, "postgres://"), strings.HasPrefix(f.db, "postgresql://"):
		app := f.app
		if app == "" {
			app = "tarazy"
		}
		return postgres.Open(ctx, f.db, postgres.WithApplicationName(app))
	}
	return nil, usagef("--db %q: give a postgres://… URL, or nothing for the embedded database", redactURL(f.db))
}

// describe names the database for the start-up banner, without its password.
func (f *dbFlags) describe() string {
	if f.db == "" {
		return "sqlite " + filepath.Join(f.data, sqlite.FileName)
	}
	return "postgres " + redactURL(f.db)
}

func redactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil || u.User == nil {
		return s
	}
	if _, has := u.User.Password(); has {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	return u.String()
}

// openMigrated opens the store and applies pending migrations, saying which.
func (f *dbFlags) openMigrated(ctx context.Context, env *Env) (migratingStore, error) {
	st, err := f.open(ctx)
	if err != nil {
		return nil, err
	}
	applied, err := st.Migrate(ctx)
	if err != nil {
		st.Close()
		return nil, fmt.Errorf("migrate %s: %w", f.describe(), err)
	}
	for _, m := range applied {
		fmt.Fprintf(env.Stderr, "migrated: %s\n", m)
	}
	return st, nil
}
