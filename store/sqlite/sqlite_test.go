package sqlite_test

import (
	"context"
	"path/filepath"
	"testing"

	"tarazy/store"
	"tarazy/store/sqlite"
	"tarazy/store/storetest"
)

// MustOpen returns a fresh migrated store in a temporary directory.
func MustOpen(tb testing.TB) *sqlite.Store {
	tb.Helper()
	s, err := sqlite.Open(context.Background(), filepath.Join(tb.TempDir(), sqlite.FileName))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { s.Close() })
	if _, err := s.Migrate(context.Background()); err != nil {
		tb.Fatal(err)
	}
	return s
}

func TestContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store { return MustOpen(t) })
}

func TestMigrateTwiceIsANoOp(t *testing.T) {
	s := MustOpen(t)
	applied, err := s.Migrate(context.Background())
	if err != nil || len(applied) != 0 {
		t.Fatalf("second Migrate applied %v, %v", applied, err)
	}
}

func TestReopenKeepsData(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	s, err := sqlite.Open(ctx, filepath.Join(dir, sqlite.FileName))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	storetest.Seed(t, s)
	s.Close()
	s, err = sqlite.Open(ctx, filepath.Join(dir, sqlite.FileName))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Contest(ctx, "C1"); err != nil {
		t.Fatalf("contest lost on reopen: %v", err)
	}
}

func BenchmarkIngest(b *testing.B) { storetest.BenchmarkIngest(b, MustOpen(b)) }

func BenchmarkExport100k(b *testing.B) { storetest.BenchmarkExport(b, MustOpen(b), 100000) }
