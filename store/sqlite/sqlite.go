// Package sqlite is the embedded default store: one SQLite file under the data
// directory, through the pure-Go modernc.org/sqlite driver, so `make demo` and a
// single-school installation need no database server.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"syscall"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"tarazy/store"
	"tarazy/store/internal/sqlstore"
)

//go:embed migrations/*.sql
var migrations embed.FS

// FileName is the database file inside the data directory.
const FileName = "tarazy.db"

// Store is a store.Store on one SQLite file.
type Store struct {
	*sqlstore.DB
	path string
}

var _ store.Store = (*Store)(nil)

// Open opens (creating if needed) the database file at path. It does not migrate;
// call Migrate.
//
// WAL lets readers go on while one writer writes; synchronous=FULL makes a committed
// batch survive a power cut, not only a killed process; BEGIN IMMEDIATE takes the
// write lock at the start of a transaction, so two writers queue (busy_timeout)
// instead of failing half-way.
func Open(ctx context.Context, path string, opts ...Option) (*Store, error) {
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	q := url.Values{}
	for _, p := range []string{"busy_timeout(15000)", "journal_mode(WAL)", "synchronous(FULL)", "foreign_keys(1)"} {
		q.Add("_pragma", p)
	}
	q.Set("_txlock", "immediate")
	q.Set("_time_format", "sqlite")
	db, err := sql.Open("sqlite", path+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	db.SetMaxOpenConns(8)
	db.SetMaxIdleConns(8)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	sub, _ := fs.Sub(migrations, "migrations")
	return &Store{DB: sqlstore.New(db, Dialect, append([]fs.FS{sub}, o.extra...)...), path: path}, nil
}

// Option changes how Open opens.
type Option func(*options)

type options struct{ extra []fs.FS }

// WithMigrations adds migrations to the embedded ones: tests play a newer release
// with them.
func WithMigrations(fsys fs.FS) Option { return func(o *options) { o.extra = append(o.extra, fsys) } }

// Path is the database file.
func (s *Store) Path() string { return s.path }

// Dialect tells the shared SQL what is SQLite's own.
var Dialect = sqlstore.Dialect{
	Name:      "sqlite",
	ForUpdate: "",
	Classify:  classify,
	Retryable: func(err error) bool {
		var e *sqlite.Error
		if !errors.As(err, &e) {
			return false
		}
		c := e.Code() & 0xff
		return c == sqlite3.SQLITE_BUSY || c == sqlite3.SQLITE_LOCKED
	},
	MaxParams: 32000,
	HasTable:  "SELECT count(*) > 0 FROM sqlite_master WHERE type = 'table' AND name = $1",
}

func classify(err error) *store.Error {
	var e *sqlite.Error
	if !errors.As(err, &e) {
		if errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT) {
			return &store.Error{Code: store.Unavailable, Message: "the disk holding the database is full; nothing was changed; free space and try again", Err: err}
		}
		return nil
	}
	switch e.Code() {
	case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
		return &store.Error{Code: store.Conflict, Message: "this is already stored", Err: err}
	}
	switch e.Code() & 0xff {
	case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED:
		return &store.Error{Code: store.Unavailable, Message: "the database is busy; nothing was changed, try again", Err: err}
	case sqlite3.SQLITE_FULL:
		return &store.Error{Code: store.Unavailable, Message: "the disk holding the database is full; nothing was changed; free space and try again", Err: err}
	case sqlite3.SQLITE_IOERR, sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_READONLY, sqlite3.SQLITE_NOTADB, sqlite3.SQLITE_CORRUPT:
		return &store.Error{Code: store.Unavailable, Message: "the database file cannot be read or written; nothing was changed; tell the operator", Err: err}
	}
	return nil
}
