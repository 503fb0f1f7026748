package postgres_test

import (
	"context"
	"fmt"
	"io/fs"
	"testing"

	"tarazy/store"
	"tarazy/store/postgres"
	"tarazy/store/postgres/pgtest"
	"tarazy/store/storetest"
)

func TestRollingUpgrade(t *testing.T) {
	t.Parallel()
	url := pgtest.URL(t)
	storetest.RunRollingUpgrade(t, func(t *testing.T, extra ...fs.FS) storetest.Migrator {
		var opts []postgres.Option
		for _, e := range extra {
			opts = append(opts, postgres.WithMigrations(e))
		}
		s, err := postgres.Open(context.Background(), url, opts...)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	})
}

// A database that refuses connections — disabled, renamed or dropped under a running
// server — is unavailable (a 503 that says "try again later"), whatever SQLSTATE
// PostgreSQL gives, never an internal error (issue 12, item 11).
func TestRefusedConnectionsAreUnavailable(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ name, sql string }{
		{"disabled", "ALTER DATABASE %[1]s ALLOW_CONNECTIONS false"},
		{"renamed", "ALTER DATABASE %[1]s RENAME TO %[1]s_renamed"},
		{"dropped", "DROP DATABASE %[1]s WITH (FORCE)"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			url, name := pgtest.Database(t)
			ctx := context.Background()
			s, err := postgres.Open(ctx, url)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			if _, err := s.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() {
				pgtest.Exec(t, "DROP DATABASE IF EXISTS "+name+"_renamed WITH (FORCE)")
			})
			pgtest.Exec(t, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()", name)
			pgtest.Exec(t, fmt.Sprintf(c.sql, name))
			// The first call may meet a terminated connection, the next ones connect
			// afresh and are refused.
			for i := 0; i < 3; i++ {
				_, err := s.ListContests(ctx)
				if store.ErrorCode(err) != store.Unavailable {
					t.Fatalf("call %d on a %s database: %v (code %q), want unavailable", i+1, c.name, err, store.ErrorCode(err))
				}
			}
			if err := s.Ping(ctx); store.ErrorCode(err) != store.Unavailable {
				t.Fatalf("Ping: %v", err)
			}
			if _, err := s.Schema(ctx); store.ErrorCode(err) != store.Unavailable {
				t.Fatalf("Schema: %v", err)
			}
		})
	}
}
