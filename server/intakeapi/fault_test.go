package intakeapi_test

import (
	"context"
	"strings"
	"testing"

	"tarazy/server/servertest"
	"tarazy/store/storetest"
)

// The database goes away in the middle of a submission: the desk answers 503 with
// Retry-After and says nothing was recorded; once the database is back the same
// submission gets the next number — no gap, no half-stored application, no candidate
// without its registration.
func TestDatabaseGoneMidSubmission(t *testing.T) {
	ctx := context.Background()
	direct, st, cut := servertest.PostgresBehindProxy(t)
	storetest.Seed(t, st)
	e := startEnvOn(t, st)

	e.must(t, 201, "Гүлнар", "POST", base2, registration(1, ""), nil)
	for _, at := range []int64{1, 400, 1500} {
		cut.CutAfter(at)
		status, body, hdr := e.call(t, "Гүлнар", "POST", base2, registration(2, ""))
		if status != 503 || !strings.Contains(body, `"code":"unavailable"`) || hdr.Get("Retry-After") == "" {
			t.Fatalf("cut after %d bytes: %d %s", at, status, body)
		}
		cut.Restore()
	}
	var got view
	e.must(t, 201, "Гүлнар", "POST", base2, registration(2, ""), &got)
	if got.Number != "CON-2026-00002" {
		t.Errorf("after the database came back: %s, want CON-2026-00002 (no number lost)", got.Number)
	}
	cs, _ := direct.Candidates(ctx, "C1", "S1")
	var apps, audit int
	direct.SQL().QueryRowContext(ctx, `SELECT count(*) FROM intake_applications`).Scan(&apps)
	direct.SQL().QueryRowContext(ctx, `SELECT count(*) FROM intake_audit`).Scan(&audit)
	if len(cs) != 2 || apps != 2 || audit != 2 {
		t.Errorf("stored %d candidates, %d applications, %d audit entries; want 2 of each", len(cs), apps, audit)
	}
}

const base2 = "/api/schools/S1/intake/applications"
