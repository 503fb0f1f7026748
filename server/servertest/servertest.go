// Package servertest starts real tarazy servers for tests: on a random loopback port,
// over a fresh SQLite or PostgreSQL store, with the intake desk's routes as `tarazy
// serve` adds them, and tokens for named users. The server and server/intakeapi tests
// share it, with its PostgreSQL fault proxy.
package servertest

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"tarazy/intake"
	"tarazy/server"
	"tarazy/server/client"
	"tarazy/server/intakeapi"
	"tarazy/store"
	"tarazy/store/blob"
	"tarazy/store/postgres"
	"tarazy/store/postgres/pgtest"
	"tarazy/store/sqlite"
	"tarazy/store/storetest"
)

// Backends are the stores every API test runs on.
var Backends = []string{"sqlite", "postgres"}

// Store is a store as tests open it: the contest's, the intake desk's registers, and
// its migrations.
type Store interface {
	storetest.IntakeStore
	Migrate(context.Context) ([]string, error)
}

// OpenStore opens a fresh, migrated, empty store of the backend, closed when the test
// ends. PostgreSQL uses a schema of its own (skipped without $TARAZY_TEST_POSTGRES).
func OpenStore(t testing.TB, backend string) Store {
	t.Helper()
	return Migrated(t, func() (Store, error) {
		switch backend {
		case "sqlite":
			return sqlite.Open(context.Background(), filepath.Join(t.TempDir(), sqlite.FileName))
		case "postgres":
			return postgres.Open(context.Background(), pgtest.URL(t))
		}
		t.Fatalf("unknown backend %q", backend)
		return nil, nil
	})
}

// Migrated opens a store with open, migrates it and closes it when the test ends.
func Migrated(t testing.TB, open func() (Store, error)) Store {
	t.Helper()
	st, err := open()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := st.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return st
}

// Env is a running server and the tokens of its users.
type Env struct {
	*server.Running
	Store  store.Store
	Images server.ImageStore
	Blobs  *blob.Store    // Images when it is a directory, for tests that plant files
	Intake *intakeapi.API // nil when the store keeps no intake registers
	Tokens map[string]string
}

// Start serves st (migrated) with cfg changed by mod; revocation is immediate
// (no token cache). The server stops when the test ends.
func Start(t testing.TB, st store.Store, mod func(*server.Config)) *Env {
	t.Helper()
	blobs, err := blob.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return StartWith(t, st, blobs, mod, nil)
}

// StartWith is Start on a given image store (a bucket, or the directory another
// server uses: a national deployment's servers share one), logging to logTo (nil:
// discarded).
func StartWith(t testing.TB, st store.Store, images server.ImageStore, mod func(*server.Config), logTo io.Writer) *Env {
	t.Helper()
	cfg := server.Defaults()
	cfg.Addr = "127.0.0.1:0"
	cfg.TokenCacheTTL = 0
	if mod != nil {
		mod(&cfg)
	}
	e := &Env{Store: st, Images: images, Tokens: map[string]string{}}
	if b, ok := images.(*blob.Store); ok {
		e.Blobs = b
	}
	// The intake desk's routes, as `tarazy serve` adds them, so that the route-wide
	// tests (tokens, scope, OpenAPI) cover them too.
	withIntake := func(srv *server.Server) error {
		regs, ok := st.(intakeapi.Registers)
		if !ok {
			return nil
		}
		cat, err := intake.LoadCatalogue(nil)
		if err != nil {
			return err
		}
		cal, err := intake.LoadCalendar()
		if err != nil {
			return err
		}
		e.Intake, err = intakeapi.Register(srv, regs, cat, cal)
		return err
	}
	var log *slog.Logger
	if logTo != nil {
		log = slog.New(slog.NewTextHandler(logTo, nil))
	}
	var err error
	e.Running, err = server.Start(st, images, cfg, log, withIntake)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		e.Stop()
		select {
		case <-e.Stopped():
		case <-time.After(10 * time.Second):
			t.Error("server did not stop")
		}
	})
	return e
}

// AddUsers creates the users with a token each, kept in Tokens by name.
func (e *Env) AddUsers(t testing.TB, users ...store.User) {
	t.Helper()
	for _, u := range users {
		id, secret, hash := server.NewToken()
		if _, err := e.Store.CreateToken(context.Background(), store.System, u, id, hash, nil); err != nil {
			t.Fatal(err)
		}
		e.Tokens[u.Name] = secret
	}
}

// Client is an API client with the user's token.
func (e *Env) Client(who string) *client.Client { return client.New(e.URL, e.Tokens[who]) }

// Call sends a request as a user ("" for none; hdr are header name, value pairs) and
// returns the status, the body and the headers.
func (e *Env) Call(t testing.TB, who, method, path, contentType, body string, hdr ...string) (int, string, http.Header) {
	t.Helper()
	req, err := http.NewRequest(method, e.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if who != "" {
		req.Header.Set("Authorization", "Bearer "+e.Tokens[who])
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), resp.Header
}

// Browser is an HTTP client signed in the way the pages do it (the session cookie);
// it does not follow redirects.
func (e *Env) Browser(t testing.TB, who string) *http.Client {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	if who != "" {
		resp, err := c.Post(e.URL+"/api/session", "application/json", strings.NewReader(`{"token":"`+e.Tokens[who]+`"}`))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("sign in as %s: %d", who, resp.StatusCode)
		}
	}
	return c
}

// Get fetches url with c and returns the status, the body and the headers.
func Get(t testing.TB, c *http.Client, url string) (int, string, http.Header) {
	t.Helper()
	resp, err := c.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), resp.Header
}
