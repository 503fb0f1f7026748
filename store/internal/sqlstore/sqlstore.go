// Package sqlstore implements store.Store over database/sql for both backends. The
// queries are written once in the SQL that SQLite (3.35+) and PostgreSQL share ($N
// placeholders, ON CONFLICT, RETURNING, row values); what differs — the schema's
// types, opening, locking, and how a driver error is classified — is a Dialect given
// by store/sqlite and store/postgres. Writing the domain's queries twice would only
// give them two chances to drift apart; the contract suite runs on both.
package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"strconv"
	"strings"
	"time"

	"tarazy/store"
)

// Dialect is what differs between the backends.
type Dialect struct {
	Name string
	// ForUpdate is appended to a SELECT that must lock its rows for the rest of the
	// transaction (" FOR UPDATE"); SQLite locks the whole database on BEGIN IMMEDIATE
	// and needs nothing.
	ForUpdate string
	// MigrationLock runs first in every migration transaction, so that several servers
	// starting at once apply each migration once.
	MigrationLock string
	// Classify turns a driver error into a store error (Unavailable, Conflict…), or
	// returns nil when it does not recognise it.
	Classify func(error) *store.Error
	// Retryable reports an error after which the whole transaction may simply be run
	// again (serialization failure, deadlock, busy database).
	Retryable func(error) bool
	// MaxParams bounds the placeholders of one statement.
	MaxParams int
	// HasTable is a query that yields one row with true when the table named by $1
	// exists in the schema the connection uses.
	HasTable string
}

// DB is a store.Store on one database/sql pool.
type DB struct {
	db         *sql.DB
	d          Dialect
	migrations []fs.FS
	// Now is the clock; tests may replace it.
	Now func() time.Time
}

// New wraps an open pool. Each of migrations holds NNN_name.sql files at its root;
// together they are the migrations this build knows (tests add a set of their own to
// play a newer release).
func New(db *sql.DB, d Dialect, migrations ...fs.FS) *DB {
	return &DB{db: db, d: d, migrations: migrations, Now: time.Now}
}

func (s *DB) Backend() string { return s.d.Name }

// SQL exposes the pool to the backend packages (and their tests).
func (s *DB) SQL() *sql.DB { return s.db }

func (s *DB) Close() error { return s.db.Close() }

// PoolStats reads database/sql's pool (the PostgreSQL store reads pgx's instead).
func (s *DB) PoolStats() store.PoolStats {
	st := s.db.Stats()
	return store.PoolStats{MaxConns: st.MaxOpenConnections, OpenConns: st.OpenConnections, InUse: st.InUse,
		Idle: st.Idle, WaitCount: st.WaitCount, WaitSeconds: st.WaitDuration.Seconds()}
}

func (s *DB) now() time.Time { return s.Now().UTC().Truncate(time.Microsecond) }

// Ping returns Unavailable when the database does not answer.
func (s *DB) Ping(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	if err := s.db.PingContext(ctx); err != nil {
		return &store.Error{Code: store.Unavailable, Err: err}
	}
	var one int
	if err := s.db.QueryRowContext(ctx, "SELECT 1").Scan(&one); err != nil {
		return &store.Error{Code: store.Unavailable, Err: err}
	}
	return nil
}

// classify maps any error to a store error; store errors pass through.
func (s *DB) classify(err error) error {
	if err == nil {
		return nil
	}
	var se *store.Error
	if errors.As(err, &se) {
		return err
	}
	if errors.Is(err, sql.ErrNoRows) {
		return &store.Error{Code: store.NotFound, Err: err}
	}
	if errors.Is(err, context.Canceled) {
		return err
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return &store.Error{Code: store.Unavailable, Err: err}
	}
	if c := s.d.Classify(err); c != nil {
		return c
	}
	return err
}

// errRetry asks tx to run the transaction again: a concurrent transaction inserted a
// row this one also wanted, and the next attempt will see it.
var errRetry = errors.New("concurrent insert, retry")

// tx runs fn in one transaction, again when the failure is one a fresh attempt cures.
// Nothing fn wrote survives a failed attempt.
func (s *DB) tx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	var err error
	for attempt := 0; attempt < 8; attempt++ {
		if attempt > 0 {
			select {
			case <-ctx.Done():
				return s.classify(ctx.Err())
			case <-time.After(time.Duration(attempt*attempt) * 10 * time.Millisecond):
			}
		}
		var tx *sql.Tx
		tx, err = s.db.BeginTx(ctx, nil)
		if err != nil {
			if s.d.Retryable(err) {
				continue
			}
			return s.classify(err)
		}
		err = fn(tx)
		if err == nil {
			err = tx.Commit()
		} else {
			tx.Rollback()
		}
		if err == nil {
			return nil
		}
		if !errors.Is(err, errRetry) && !s.d.Retryable(err) {
			return s.classify(err)
		}
	}
	return &store.Error{Code: store.Unavailable, Message: "the database is too busy to take this change now; nothing was changed, try again", Err: err}
}

// audit writes one audit entry in tx; before and after are marshalled to JSON.
func (s *DB) audit(ctx context.Context, tx *sql.Tx, by store.Actor, action, contest, school, subject string, before, after any) error {
	b, a := "", ""
	if before != nil {
		j, err := json.Marshal(before)
		if err != nil {
			return err
		}
		b = string(j)
	}
	if after != nil {
		j, err := json.Marshal(after)
		if err != nil {
			return err
		}
		a = string(j)
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO audit_log (at, actor, role, action, contest, school, subject, before, after)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`, s.now(), by.Name, by.Role, action, contest, school, subject, b, a)
	return err
}

// insertRows inserts rows with multi-row VALUES statements (the batched insert that
// makes ingest fast on both backends) and returns how many rows were inserted. suffix
// follows each statement, such as "ON CONFLICT DO NOTHING".
func (s *DB) insertRows(ctx context.Context, tx *sql.Tx, table string, cols []string, rows [][]any, suffix string) (int64, error) {
	if len(rows) == 0 {
		return 0, nil
	}
	per := s.d.MaxParams / len(cols)
	if per > 500 {
		per = 500
	}
	var total int64
	for start := 0; start < len(rows); start += per {
		end := min(start+per, len(rows))
		var b strings.Builder
		b.WriteString("INSERT INTO ")
		b.WriteString(table)
		b.WriteString(" (")
		b.WriteString(strings.Join(cols, ", "))
		b.WriteString(") VALUES ")
		args := make([]any, 0, (end-start)*len(cols))
		n := 1
		for i, r := range rows[start:end] {
			if len(r) != len(cols) {
				return 0, fmt.Errorf("insert %s: row has %d values for %d columns", table, len(r), len(cols))
			}
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteByte('(')
			for j := range r {
				if j > 0 {
					b.WriteString(", ")
				}
				b.WriteByte('$')
				b.WriteString(strconv.Itoa(n))
				n++
			}
			b.WriteByte(')')
			args = append(args, r...)
		}
		if suffix != "" {
			b.WriteByte(' ')
			b.WriteString(suffix)
		}
		res, err := tx.ExecContext(ctx, b.String(), args...)
		if err != nil {
			return total, fmt.Errorf("insert %s: %w", table, err)
		}
		k, err := res.RowsAffected()
		if err != nil {
			return total, err
		}
		total += k
	}
	return total, nil
}

// placeholders returns "$from, $from+1, …" for n values.
func placeholders(from, n int) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteByte('$')
		b.WriteString(strconv.Itoa(from + i))
	}
	return b.String()
}

func nullTime(t sql.NullTime) *time.Time {
	if !t.Valid {
		return nil
	}
	v := t.Time.UTC()
	return &v
}

func jsonString(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // only called on plain data
	}
	return string(b)
}
