// Package postgres is the store for the national deployment: several stateless
// `tarazy serve` processes on one PostgreSQL, through pgx's connection pool.
package postgres

import (
	"context"
	"database/sql/driver"
	"embed"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"strings"
	"syscall"
	"unicode/utf8"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"

	"tarazy/store"
	"tarazy/store/internal/sqlstore"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Store is a store.Store on a PostgreSQL database.
type Store struct {
	*sqlstore.DB
	pool *pgxpool.Pool
}

var _ store.Store = (*Store)(nil)

// Option changes how Open connects.
type Option func(*options)

type options struct {
	appName string
	extra   []fs.FS
}

// WithApplicationName names this process's connections (application_name, seen in
// pg_stat_activity and the server's logs), unless the URL names them itself.
func WithApplicationName(name string) Option { return func(o *options) { o.appName = name } }

// WithMigrations adds migrations to the embedded ones: tests play a newer release
// with them.
func WithMigrations(fsys fs.FS) Option { return func(o *options) { o.extra = append(o.extra, fsys) } }

// DefaultMaxConns is the pool size when the URL gives no pool_max_conns: pgx's own
// default (the number of cores, at least 4) starves a server on a small machine.
const DefaultMaxConns = 8

// Open connects with a postgres:// URL (pool settings such as pool_max_conns and
// runtime parameters such as search_path may be given in its query, and are honoured
// as given). It does not migrate; call Migrate.
func Open(ctx context.Context, url string, opts ...Option) (*Store, error) {
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("database URL: %w", err)
	}
	if !strings.Contains(url, "pool_max_conns") {
		cfg.MaxConns = DefaultMaxConns
	}
	if _, set := cfg.ConnConfig.RuntimeParams["application_name"]; !set && o.appName != "" {
		cfg.ConnConfig.RuntimeParams["application_name"] = truncate(o.appName, 63)
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("connect to PostgreSQL: %w", err)
	}
	db := stdlib.OpenDBFromPool(pool)
	sub, _ := fs.Sub(migrations, "migrations")
	s := &Store{DB: sqlstore.New(db, Dialect, append([]fs.FS{sub}, o.extra...)...), pool: pool}
	if err := s.Ping(ctx); err != nil {
		s.Close()
		return nil, fmt.Errorf("connect to PostgreSQL at %s:%d: %w", cfg.ConnConfig.Host, cfg.ConnConfig.Port, err)
	}
	return s, nil
}

// truncate cuts s to at most n bytes without splitting a character (PostgreSQL
// truncates application_name to 63 bytes itself, possibly mid-character).
func truncate(s string, n int) string {
	for len(s) > n {
		_, size := utf8.DecodeLastRuneInString(s)
		s = s[:len(s)-size]
	}
	return s
}

// PoolStats reads pgx's pool, which is what bounds the connections (database/sql
// above it is unbounded).
func (s *Store) PoolStats() store.PoolStats {
	st := s.pool.Stat()
	return store.PoolStats{MaxConns: int(st.MaxConns()), OpenConns: int(st.TotalConns()), InUse: int(st.AcquiredConns()),
		Idle: int(st.IdleConns()), WaitCount: st.EmptyAcquireCount(), WaitSeconds: st.EmptyAcquireWaitTime().Seconds()}
}

// Close closes the database/sql handle and the pool under it.
func (s *Store) Close() error {
	err := s.DB.Close()
	s.pool.Close()
	return err
}

// Dialect tells the shared SQL what is PostgreSQL's own.
var Dialect = sqlstore.Dialect{
	Name:      "postgres",
	ForUpdate: " FOR UPDATE",
	// One lock for every tarazy schema on the server: migrations are rare and short.
	MigrationLock: "SELECT pg_advisory_xact_lock(72617261)",
	Classify:      classify,
	Retryable: func(err error) bool {
		var pe *pgconn.PgError
		return errors.As(err, &pe) && (pe.Code == "40001" || pe.Code == "40P01")
	},
	MaxParams: 65000,
	HasTable:  "SELECT to_regclass($1) IS NOT NULL",
}

// classify sorts errors by SQLSTATE, never by message text. Any failure to connect
// is Unavailable whatever its SQLSTATE: a database disabled (55000), renamed or
// dropped (3D000) or a role refused (28000, 28P01) are the operator's to fix, and
// the client's to retry later. Errors without a SQLSTATE come from the connection
// itself.
func classify(err error) *store.Error {
	var ce *pgconn.ConnectError
	if errors.As(err, &ce) {
		return &store.Error{Code: store.Unavailable, Err: err}
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch class := pe.Code[:2]; {
		case pe.Code == "23505":
			return &store.Error{Code: store.Conflict, Message: "this is already stored", Err: err}
		case pe.Code == "53100":
			return &store.Error{Code: store.Unavailable, Message: "the database server's disk is full; nothing was changed; tell the operator, then try again", Err: err}
		// 08 connection, 53 resources, 57 operator intervention (shutdown, a
		// cancelled statement), 58 the server's own I/O, 3D a database that is gone,
		// 40 serialization (the transaction may simply run again).
		case class == "08", class == "53", class == "57", class == "58", class == "3D", pe.Code == "40001", pe.Code == "40P01":
			return &store.Error{Code: store.Unavailable, Err: err}
		}
		return nil
	}
	var ne net.Error
	if errors.As(err, &ne) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, net.ErrClosed) || errors.Is(err, driver.ErrBadConn) || errors.Is(err, syscall.ECONNREFUSED) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) || pgconn.Timeout(err) || pgconn.SafeToRetry(err) {
		return &store.Error{Code: store.Unavailable, Err: err}
	}
	return nil
}
