package server_test

import (
	"context"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"
)

func TestMetricsFollowTheNamingRules(t *testing.T) {
	e := startEnv(t, "sqlite", nil)
	req, files := batch("m", 1, 3)
	if _, err := e.client("aigerim").Ingest(context.Background(), "C1", "S1", req, files); err != nil {
		t.Fatal(err)
	}
	it, extra := reviewPage("000100", 100)
	req.Sheets = append(req.Sheets, it)
	if _, err := e.client("aigerim").Ingest(context.Background(), "C1", "S1", req, extra); err != nil {
		t.Fatal(err)
	}
	e.call(t, "", "GET", "/api/whoami", "", "")

	problems, err := testutil.GatherAndLint(e.Reg)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("metric %s: %s", p.Metric, p.Text)
	}
	body := e.must(t, 200, "", "GET", "/metrics", "", "")
	for _, want := range []string{
		`tarazy_sheets_read_total{status="ok"} 3`,
		`tarazy_sheets_read_total{status="review"} 1`,
		`tarazy_ingest_sheets_total{outcome="existing"} 3`,
		`tarazy_ingest_batches_total{result="ok"} 2`,
		`tarazy_review_queue_fields 1`,
		`tarazy_sheet_read_seconds_count 4`,
		`tarazy_http_requests_total{code="401",method="GET",route="/api/whoami"} 1`,
		`tarazy_http_request_duration_seconds_bucket{method="POST",route="/api/contests/{contest}/schools/{school}/ingest"`,
		`tarazy_db_errors_total{kind="unavailable"} 0`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	if strings.Contains(body, "000100") || strings.Contains(body, "/S1/") {
		t.Error("a metric label carries a serial or a school path: labels must stay bounded")
	}
}
