// Package pgtest gives tests a fresh PostgreSQL schema of their own on the server
// named by $TARAZY_TEST_POSTGRES, so that test runs (and engineers) never share tables.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	neturl "net/url"
	"os"
	"testing"

	"github.com/jackc/pgx/v5"
)

// EnvVar names the test database URL.
const EnvVar = "TARAZY_TEST_POSTGRES"

// URL returns a URL whose connections use a new, empty schema, dropped when the test
// ends. Without $TARAZY_TEST_POSTGRES the test is skipped (`make test` always sets it).
func URL(tb testing.TB) string {
	tb.Helper()
	base := os.Getenv(EnvVar)
	if base == "" {
		tb.Skipf("%s is not set; `make test` sets it and starts PostgreSQL", EnvVar)
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		tb.Fatalf("connect to %s: %v", EnvVar, err)
	}
	defer conn.Close(ctx)
	b := make([]byte, 6)
	rand.Read(b)
	schema := "tarazy_t_" + hex.EncodeToString(b)
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		tb.Fatalf("create schema: %v", err)
	}
	tb.Cleanup(func() {
		c, err := pgx.Connect(context.Background(), base)
		if err != nil {
			tb.Logf("drop schema %s: %v", schema, err)
			return
		}
		defer c.Close(context.Background())
		if _, err := c.Exec(context.Background(), "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			tb.Logf("drop schema %s: %v", schema, err)
		}
	})
	u, err := neturl.Parse(base)
	if err != nil {
		tb.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// Database returns the URL of a new, empty database of the test's own (for tests that
// disable, rename or drop it), and its name; it is dropped when the test ends. The
// role of $TARAZY_TEST_POSTGRES needs CREATEDB (scripts/pg.sh grants it).
func Database(tb testing.TB) (url string, name string) {
	tb.Helper()
	base := os.Getenv(EnvVar)
	if base == "" {
		tb.Skipf("%s is not set; `make test` sets it and starts PostgreSQL", EnvVar)
	}
	b := make([]byte, 6)
	rand.Read(b)
	name = "tarazy_tdb_" + hex.EncodeToString(b)
	Exec(tb, "CREATE DATABASE "+name)
	tb.Cleanup(func() { Exec(tb, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)") })
	u, err := neturl.Parse(base)
	if err != nil {
		tb.Fatal(err)
	}
	u.Path = "/" + name
	return u.String(), name
}

// Exec runs statements on the database of $TARAZY_TEST_POSTGRES itself.
func Exec(tb testing.TB, sql string, args ...any) {
	tb.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, os.Getenv(EnvVar))
	if err != nil {
		tb.Fatalf("connect to %s: %v", EnvVar, err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, sql, args...); err != nil {
		tb.Fatalf("%s: %v", sql, err)
	}
}
