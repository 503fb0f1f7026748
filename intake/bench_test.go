package intake_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"tarazy/intake"
	"tarazy/intake/memstore"
)

func BenchmarkDeadline15WorkingDays(b *testing.B) {
	c, _ := intake.LoadCalendar()
	start := time.Date(2024, 1, 1, 10, 0, 0, 0, almaty)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		t := start.Add(time.Duration(i%900) * 24 * time.Hour)
		if _, _, err := c.Deadline(t, office, 15); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkLoadCatalogueAndCalendar(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := intake.LoadCatalogue(nil); err != nil {
			b.Fatal(err)
		}
		if _, err := intake.LoadCalendar(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSubmit measures one accepted submission with the in-memory repository
// already holding n applications: the desk's own cost (catalogue check, calendar,
// receipt number). The store's cost is BenchmarkIntakeSubmit in store/sqlite and
// store/postgres.
func BenchmarkSubmit(b *testing.B) {
	cat, _ := intake.LoadCatalogue(nil)
	cal, _ := intake.LoadCalendar()
	for _, n := range []int{100, 1000} {
		b.Run(fmt.Sprintf("memstore/existing=%d", n), func(b *testing.B) {
			d := &intake.Desk{Catalogue: cat, Calendar: cal, Repo: memstore.New()}
			s := intake.Submission{Service: "school-admission", At: time.Date(2026, 4, 14, 10, 0, 0, 0, almaty), Staff: "clerk",
				Applicant: intake.Person{Name: "Нұрлан Әбдіқадыров"}, Child: intake.Person{Name: "Әлия"}, Grade: 1, Documents: admissionDocs}
			ctx := context.Background()
			for i := 0; i < n; i++ {
				if _, err := d.Submit(ctx, s); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				if _, err := d.Submit(ctx, s); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
