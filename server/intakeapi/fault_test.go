package intakeapi_test

import (
	"context"
	"io"
	"net"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"tarazy/store/postgres"
	"tarazy/store/postgres/pgtest"
	"tarazy/store/storetest"
)

// cutter stands between the server and PostgreSQL on loopback and cuts every
// connection once the server has sent a given number of bytes: the database goes
// away in the middle of a submission's transaction.
type cutter struct {
	ln       net.Listener
	target   string
	mu       sync.Mutex
	conns    []net.Conn
	down     atomic.Bool
	sent     atomic.Int64
	cutAfter atomic.Int64
}

func startCutter(t *testing.T, target string) *cutter {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	c := &cutter{ln: ln, target: target}
	go c.serve()
	t.Cleanup(func() { ln.Close(); c.cut() })
	return c
}

func (c *cutter) serve() {
	for {
		in, err := c.ln.Accept()
		if err != nil {
			return
		}
		if c.down.Load() {
			in.Close()
			continue
		}
		out, err := net.Dial("tcp", c.target)
		if err != nil {
			in.Close()
			continue
		}
		c.mu.Lock()
		c.conns = append(c.conns, in, out)
		c.mu.Unlock()
		go func() { io.Copy(in, out); in.Close() }()
		go func() {
			buf := make([]byte, 32<<10)
			for {
				n, err := in.Read(buf)
				if n > 0 {
					if lim := c.cutAfter.Load(); lim > 0 && c.sent.Add(int64(n)) > lim {
						c.down.Store(true)
						c.cut()
						return
					}
					if _, err := out.Write(buf[:n]); err != nil {
						return
					}
				}
				if err != nil {
					out.Close()
					return
				}
			}
		}()
	}
}

func (c *cutter) cut() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, x := range c.conns {
		x.Close()
	}
	c.conns = nil
}

func (c *cutter) arm(bytes int64) { c.sent.Store(0); c.cutAfter.Store(bytes) }
func (c *cutter) restore()        { c.cutAfter.Store(0); c.down.Store(false) }

// The database goes away in the middle of a submission: the desk answers 503 with
// Retry-After and says nothing was recorded; once the database is back the same
// submission gets the next number — no gap, no half-stored application, no candidate
// without its registration.
func TestDatabaseGoneMidSubmission(t *testing.T) {
	ctx := context.Background()
	base := pgtest.URL(t)
	u, _ := url.Parse(base)
	cut := startCutter(t, u.Host)
	u.Host = cut.ln.Addr().String()
	st, err := postgres.Open(ctx, u.String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	storetest.Seed(t, st)
	e := startEnvOn(t, st)

	e.must(t, 201, "Гүлнар", "POST", base2, registration(1, ""), nil)
	for _, at := range []int64{1, 400, 1500} {
		cut.arm(at)
		status, body, hdr := e.call(t, "Гүлнар", "POST", base2, registration(2, ""))
		if status != 503 || !strings.Contains(body, `"code":"unavailable"`) || hdr.Get("Retry-After") == "" {
			t.Fatalf("cut after %d bytes: %d %s", at, status, body)
		}
		cut.restore()
	}
	var got view
	e.must(t, 201, "Гүлнар", "POST", base2, registration(2, ""), &got)
	if got.Number != "CON-2026-00002" {
		t.Errorf("after the database came back: %s, want CON-2026-00002 (no number lost)", got.Number)
	}
	direct, err := postgres.Open(ctx, base)
	if err != nil {
		t.Fatal(err)
	}
	defer direct.Close()
	cs, _ := direct.Candidates(ctx, "C1", "S1")
	var apps, audit int
	direct.SQL().QueryRowContext(ctx, `SELECT count(*) FROM intake_applications`).Scan(&apps)
	direct.SQL().QueryRowContext(ctx, `SELECT count(*) FROM intake_audit`).Scan(&audit)
	if len(cs) != 2 || apps != 2 || audit != 2 {
		t.Errorf("stored %d candidates, %d applications, %d audit entries; want 2 of each", len(cs), apps, audit)
	}
}

const base2 = "/api/schools/S1/intake/applications"
