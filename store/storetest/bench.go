package storetest

import (
	"context"
	"fmt"
	"testing"

	"tarazy/store"
)

// BenchmarkIngest stores batches of 200 final g5 readings; b.N counts readings, so
// ns/op is the store's cost per reading (the HTTP figure is `make load`).
func BenchmarkIngest(b *testing.B, s store.Store) {
	Seed(b, s)
	const batch = 200
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for start := 0; start < b.N; start += batch {
		items := make([]store.IngestItem, 0, batch)
		for i := start; i < min(start+batch, b.N); i++ {
			items = append(items, Item(Reading(fmt.Sprintf("B%08d", i), i), fmt.Sprintf("bench-%d", i)))
		}
		if _, err := s.Ingest(ctx, admin, "C1", "S1", store.Batch{Name: "bench"}, items); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkExport reads the national export of n candidates in one page; b.N counts
// exports.
func BenchmarkExport(b *testing.B, s store.Store, n int) {
	Seed(b, s)
	ctx := context.Background()
	for g := 5; g <= 7; g++ {
		for _, school := range []string{"S1", "S2"} {
			rows := make([]store.Placement, n/6)
			for i := range rows {
				rows[i] = store.Placement{School: school, Grade: g, Place: i + 1, IIN: IIN(i), Name: "Кандидат", Score: 300 - i%300, Outcome: "not_admitted"}
			}
			if _, err := s.PutRanking(ctx, admin, "C1", school, g, rows); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		page, err := s.ExportPage(ctx, "C1", store.ExportCursor{}, n)
		if err != nil || len(page) != n/6*6 {
			b.Fatalf("%d rows, %v", len(page), err)
		}
	}
}
