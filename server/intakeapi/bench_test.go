package intakeapi_test

import (
	"context"
	"fmt"
	"testing"

	"tarazy/store/storetest"
)

// BenchmarkExportXLSX answers a school's candidate base of 2,000 registrations (a
// large specialized school's year) as XLSX over HTTP, on the embedded store; b.N
// counts exports.
func BenchmarkExportXLSX(b *testing.B) {
	e := startEnv(b, "sqlite")
	d := storetest.Desk(b, e.Store, "clerk", "S1")
	for i := 0; i < 2000; i++ {
		if _, err := d.Submit(context.Background(), storetest.ContestSubmission(i+1, "S1", 2+i%25)); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		status, body, _ := e.call(b, "Гүлнар", "GET", base+"/contests/C1/export/candidates.xlsx", "")
		if status != 200 || len(body) < 1000 {
			b.Fatal(fmt.Sprint(status, len(body)))
		}
	}
}
