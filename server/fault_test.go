package server_test

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"tarazy/server"
	"tarazy/server/client"
	"tarazy/store"
	"tarazy/store/postgres"
	"tarazy/store/postgres/pgtest"
)

// proxy stands between the server and PostgreSQL on loopback, so a test can make the
// database go away in the middle of a transaction and come back.
type proxy struct {
	ln       net.Listener
	target   string
	mu       sync.Mutex
	conns    []net.Conn
	down     atomic.Bool
	sent     atomic.Int64 // bytes client -> database since arm
	cutAfter atomic.Int64 // cut every connection once sent passes this (0: never)
	cuts     atomic.Int32
}

func startProxy(t *testing.T, target string) *proxy {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{ln: ln, target: target}
	go p.serve()
	t.Cleanup(func() { ln.Close(); p.cut() })
	return p
}

func (p *proxy) serve() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		if p.down.Load() {
			c.Close()
			continue
		}
		d, err := net.Dial("tcp", p.target)
		if err != nil {
			c.Close()
			continue
		}
		p.mu.Lock()
		p.conns = append(p.conns, c, d)
		p.mu.Unlock()
		go func() { io.Copy(c, d); c.Close() }()
		go func() {
			buf := make([]byte, 32<<10)
			for {
				n, err := c.Read(buf)
				if n > 0 {
					if lim := p.cutAfter.Load(); lim > 0 && p.sent.Add(int64(n)) > lim {
						p.down.Store(true)
						p.cut()
						return
					}
					if _, werr := d.Write(buf[:n]); werr != nil {
						return
					}
				}
				if err != nil {
					d.Close()
					return
				}
			}
		}()
	}
}

// cut closes every connection. It counts the cut first: the server may see a closed
// connection and answer before the last one is closed.
func (p *proxy) cut() {
	p.cuts.Add(1)
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}

func (p *proxy) arm(bytes int64) { p.sent.Store(0); p.cutAfter.Store(bytes) }

func (p *proxy) restore() { p.cutAfter.Store(0); p.down.Store(false) }

// The database goes away in the middle of a batch: the request fails cleanly with 503,
// nothing of the batch is stored, and the worker's retry succeeds once it is back.
func TestDatabaseGoneMidBatch(t *testing.T) {
	base := pgtest.URL(t)
	u, _ := url.Parse(base)
	px := startProxy(t, u.Host)
	u.Host = px.ln.Addr().String()
	ctx := context.Background()

	direct, err := postgres.Open(ctx, base)
	if err != nil {
		t.Fatal(err)
	}
	defer direct.Close()
	if _, err := direct.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	viaProxy, err := postgres.Open(ctx, u.String())
	if err != nil {
		t.Fatal(err)
	}
	defer viaProxy.Close()
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
	px.arm(150 << 10) // the batch's readings are ~2 MB of SQL: cut a tenth of the way in
	_, err = c.Ingest(ctx, "C1", "S1", req, files)
	ae := apiErr(err)
	if ae == nil || ae.Status != http.StatusServiceUnavailable || ae.Code != "unavailable" || !client.Retryable(err) {
		t.Fatalf("ingest while the database went away: %v; want a clean 503", err)
	}
	if px.cuts.Load() == 0 {
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

	px.restore()
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
	e.stop()
	if r := <-got; r != "OK done" {
		t.Fatalf("request in flight during shutdown: %q", r)
	}
	select {
	case err := <-e.done:
		if err != nil {
			t.Fatalf("Serve returned %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Serve did not return")
	}
	e.done <- nil // for the cleanup
	if _, err := http.Get(e.URL + "/healthz"); err == nil {
		t.Error("the server still accepts connections after shutdown")
	}
}

var storeFilterIngest = store.AuditFilter{Action: "sheets.ingest"}

func bytesReader(b []byte) io.Reader { return bytes.NewReader(b) }

func contains(s, sub string) bool { return strings.Contains(s, sub) }
