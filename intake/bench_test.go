package intake_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"tarazy/intake"
	"tarazy/intake/filestore"
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

// BenchmarkSubmit measures one accepted submission with the repository already
// holding n applications: the JSON file store rewrites its whole file each time, so
// its cost grows with n; the in-memory store shows the desk's own cost.
func BenchmarkSubmit(b *testing.B) {
	cat, _ := intake.LoadCatalogue(nil)
	cal, _ := intake.LoadCalendar()
	for _, n := range []int{100, 1000} {
		for _, kind := range []string{"memstore", "filestore"} {
			b.Run(fmt.Sprintf("%s/existing=%d", kind, n), func(b *testing.B) {
				var repo intake.Repository = memstore.New()
				if kind == "filestore" {
					s, err := filestore.Open(b.TempDir())
					if err != nil {
						b.Fatal(err)
					}
					repo = s
				}
				d := &intake.Desk{Catalogue: cat, Calendar: cal, Repo: repo}
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
}
