package server_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"tarazy/server"
	"tarazy/server/client"
	"tarazy/server/servertest"
	"tarazy/store"
)

// The database goes away in the middle of a batch: the request fails cleanly with 503,
// nothing of the batch is stored, and the worker's retry succeeds once it is back.
func TestDatabaseGoneMidBatch(t *testing.T) {
	ctx := context.Background()
	direct, viaProxy, px := servertest.PostgresBehindProxy(t)
	e := startEnvOn(t, viaProxy, nil)

	req, files := batch("big", 1, 1500)
	c := e.client("aigerim")
	// One image ahead of the batch, as a worker may send them.
	for h, b := range files {
		if err := c.Do(ctx, "PUT", client.SchoolPath("C1", "S1")+"/blobs/"+h, "application/octet-stream", bytesReader(b), nil); err != nil {
			t.Fatal(err)
		}
		break
	}
	px.CutAfter(150 << 10) // the batch's readings are ~2 MB of SQL: cut a tenth of the way in
	_, err := c.Ingest(ctx, "C1", "S1", req, files)
	ae := apiErr(err)
	if ae == nil || ae.Status != http.StatusServiceUnavailable || ae.Code != "unavailable" || !client.Retryable(err) {
		t.Fatalf("ingest while the database went away: %v; want a clean 503", err)
	}
	if px.Cuts() == 0 {
		t.Fatalf("the proxy never cut the connection (the ingest said %v): the test did not test anything", err)
	}
	if final, err := direct.FinalSheets(ctx, "C1", "S1"); err != nil || len(final) != 0 {
		t.Fatalf("after the failed batch the database holds %d sheets (%v); want none", len(final), err)
	}
	if log, _ := direct.AuditLog(ctx, storeFilterIngest); len(log) != 0 {
		t.Fatalf("a failed batch left %d audit entries", len(log))
	}
	// While it is down, readiness says so.
	if s, _, _ := e.call(t, "", "GET", "/readyz", "", ""); s != http.StatusServiceUnavailable {
		t.Errorf("/readyz while the database is down: %d", s)
	}

	px.Restore()
	var res *server.IngestResponse
	for attempt := 0; attempt < 10; attempt++ { // the worker's retry with backoff, files and all
		res, err = c.Ingest(ctx, "C1", "S1", req, files)
		if err == nil || !client.Retryable(err) {
			break
		}
		time.Sleep(time.Duration(attempt+1) * 100 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("retry after the database came back: %v", err)
	}
	if res.Summary["stored"] != 1500 {
		t.Errorf("retry summary = %v, want 1500 stored", res.Summary)
	}
	if final, _ := direct.FinalSheets(ctx, "C1", "S1"); len(final) != 1500 {
		t.Errorf("%d sheets stored, want 1500", len(final))
	}
	if s, _, _ := e.call(t, "", "GET", "/readyz", "", ""); s != http.StatusOK {
		t.Errorf("/readyz after the database came back: %d", s)
	}
	body := e.must(t, 200, "", "GET", "/metrics", "", "")
	if !contains(body, `tarazy_ingest_batches_total{result="unavailable"} 1`) {
		t.Errorf("the failed batch is not counted in /metrics")
	}
}

// Graceful shutdown: a request in flight when the server is told to stop finishes.
func TestShutdownFinishesRequestsInFlight(t *testing.T) {
	e := startEnv(t, "sqlite", nil)
	started := make(chan struct{})
	e.Server.Handle(server.Route{Method: "GET", Pattern: "/api/slow", Access: server.AnyRole, Handler: func(w http.ResponseWriter, r *http.Request) {
		close(started)
		time.Sleep(500 * time.Millisecond)
		w.Write([]byte("done"))
	}})
	got := make(chan string, 1)
	go func() {
		status, body, _ := e.call(t, "aigerim", "GET", "/api/slow", "", "")
		got <- http.StatusText(status) + " " + body
	}()
	<-started
	e.Stop()
	if r := <-got; r != "OK done" {
		t.Fatalf("request in flight during shutdown: %q", r)
	}
	select {
	case <-e.Stopped():
		if err := e.Err(); err != nil {
			t.Fatalf("Serve returned %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Serve did not return")
	}
	if _, err := http.Get(e.URL + "/healthz"); err == nil {
		t.Error("the server still accepts connections after shutdown")
	}
}

var storeFilterIngest = store.AuditFilter{Action: "sheets.ingest"}

func bytesReader(b []byte) io.Reader { return bytes.NewReader(b) }

func contains(s, sub string) bool { return strings.Contains(s, sub) }
