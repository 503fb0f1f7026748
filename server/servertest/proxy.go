package servertest

import (
	"context"
	"io"
	"net"
	"net/url"
	"sync"
	"sync/atomic"
	"testing"

	"tarazy/store/postgres"
	"tarazy/store/postgres/pgtest"
)

// Proxy stands between a server and PostgreSQL on loopback, so that a test can make
// the database go away in the middle of a transaction, and come back.
type Proxy struct {
	ln       net.Listener
	target   string
	mu       sync.Mutex
	conns    []net.Conn
	down     atomic.Bool
	sent     atomic.Int64 // bytes client -> database since CutAfter
	cutAfter atomic.Int64 // cut every connection once sent passes this (0: never)
	cuts     atomic.Int32
}

// StartProxy forwards a loopback port to target (host:port) until the test ends.
func StartProxy(t testing.TB, target string) *Proxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &Proxy{ln: ln, target: target}
	go p.serve()
	t.Cleanup(func() { ln.Close(); p.cut() })
	return p
}

// PostgresBehindProxy gives a fresh PostgreSQL schema twice: direct, a store that
// reaches it straight, and viaProxy, one that reaches it through the proxy. Both are
// migrated and closed when the test ends.
func PostgresBehindProxy(t testing.TB) (direct, viaProxy Store, p *Proxy) {
	t.Helper()
	base := pgtest.URL(t)
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	p = StartProxy(t, u.Host)
	u.Host = p.Addr()
	direct = Migrated(t, func() (Store, error) { return postgres.Open(context.Background(), base) })
	viaProxy = Migrated(t, func() (Store, error) { return postgres.Open(context.Background(), u.String()) })
	return direct, viaProxy, p
}

// Addr is the proxy's host:port.
func (p *Proxy) Addr() string { return p.ln.Addr().String() }

func (p *Proxy) serve() {
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
func (p *Proxy) cut() {
	p.cuts.Add(1)
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}

// CutAfter makes the database go away (every connection closed, new ones refused)
// once the server has sent it this many more bytes.
func (p *Proxy) CutAfter(bytes int64) { p.sent.Store(0); p.cutAfter.Store(bytes) }

// Restore brings the database back.
func (p *Proxy) Restore() { p.cutAfter.Store(0); p.down.Store(false) }

// Cuts counts the cuts so far (a test that never cut tested nothing).
func (p *Proxy) Cuts() int { return int(p.cuts.Load()) }
