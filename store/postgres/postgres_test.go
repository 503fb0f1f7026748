package postgres_test

import (
	"context"
	"sync"
	"testing"

	"tarazy/store"
	"tarazy/store/postgres"
	"tarazy/store/postgres/pgtest"
	"tarazy/store/storetest"
)

// MustOpen returns a migrated store in a fresh schema.
func MustOpen(tb testing.TB) *postgres.Store {
	tb.Helper()
	s, err := postgres.Open(context.Background(), pgtest.URL(tb))
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

// Several servers starting at once on one database apply each migration once.
func TestConcurrentMigrate(t *testing.T) {
	url := pgtest.URL(t)
	ctx := context.Background()
	var wg sync.WaitGroup
	total := make([]int, 4)
	for i := range total {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, err := postgres.Open(ctx, url)
			if err != nil {
				t.Error(err)
				return
			}
			defer s.Close()
			applied, err := s.Migrate(ctx)
			if err != nil {
				t.Error(err)
			}
			total[i] = len(applied)
		}()
	}
	wg.Wait()
	sum := 0
	for _, n := range total {
		sum += n
	}
	s2, err := postgres.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	applied, known, err := s2.Migrations(ctx)
	if err != nil || applied != known || sum != known {
		t.Fatalf("%d servers applied %d migrations together; %d/%d recorded, %v", len(total), sum, applied, known, err)
	}
}

func TestUnreachableIsUnavailable(t *testing.T) {
	_, err := postgres.Open(context.Background(), "postgres://nobody@127.0.0.1:1/none?sslmode=disable&connect_timeout=2")
	if store.ErrorCode(err) != store.Unavailable {
		t.Fatalf("err = %v (code %q), want unavailable", err, store.ErrorCode(err))
	}
}

func BenchmarkIngest(b *testing.B) { storetest.BenchmarkIngest(b, MustOpen(b)) }

func BenchmarkExport100k(b *testing.B) { storetest.BenchmarkExport(b, MustOpen(b), 100000) }
