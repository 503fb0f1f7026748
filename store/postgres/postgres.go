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

// Open connects with a postgres:// URL (pool settings such as pool_max_conns and
// runtime parameters such as search_path may be given in its query). It does not
// migrate; call Migrate.
func Open(ctx context.Context, url string) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("database URL: %w", err)
	}
	if cfg.MaxConns < 8 {
		cfg.MaxConns = 8
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("connect to PostgreSQL: %w", err)
	}
	db := stdlib.OpenDBFromPool(pool)
	sub, _ := fs.Sub(migrations, "migrations")
	s := &Store{DB: sqlstore.New(db, Dialect, sub), pool: pool}
	if err := s.Ping(ctx); err != nil {
		s.Close()
		return nil, fmt.Errorf("connect to PostgreSQL at %s:%d: %w", cfg.ConnConfig.Host, cfg.ConnConfig.Port, err)
	}
	return s, nil
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
}

// classify sorts errors by SQLSTATE, never by message text; errors without one come
// from the connection itself.
func classify(err error) *store.Error {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch {
		case pe.Code == "23505":
			return &store.Error{Code: store.Conflict, Message: "this is already stored", Err: err}
		case pe.Code[:2] == "08", pe.Code[:2] == "53", pe.Code == "57P01", pe.Code == "57P02", pe.Code == "57P03", pe.Code == "40001", pe.Code == "40P01":
			return &store.Error{Code: store.Unavailable, Err: err}
		}
		return nil
	}
	var ce *pgconn.ConnectError
	var ne net.Error
	if errors.As(err, &ce) || errors.As(err, &ne) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, net.ErrClosed) || errors.Is(err, driver.ErrBadConn) || pgconn.Timeout(err) || pgconn.SafeToRetry(err) {
		return &store.Error{Code: store.Unavailable, Err: err}
	}
	return nil
}
