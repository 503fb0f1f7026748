package intakeapi_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"tarazy/intake"
	"tarazy/server"
	"tarazy/server/intakeapi"
	"tarazy/store"
	"tarazy/store/blob"
	"tarazy/store/postgres"
	"tarazy/store/postgres/pgtest"
	"tarazy/store/sqlite"
	"tarazy/store/storetest"
)

var backends = []string{"sqlite", "postgres"}

// almaty is the office's zone; the desk's clock in these tests is 14 April 2026, noon.
var almaty = time.FixedZone("Asia/Almaty", 5*3600)

var now = time.Date(2026, 4, 14, 12, 0, 0, 0, almaty)

type testStore interface {
	storetest.IntakeStore
	Migrate(context.Context) ([]string, error)
}

// env is a real server with the intake desk on a random loopback port, over a fresh
// store seeded with contest C1 (2026) and schools S1 and S2, and a token per user.
type env struct {
	URL    string
	Store  testStore
	API    *intakeapi.API
	tokens map[string]string
}

func openStore(t testing.TB, backend string) testStore {
	t.Helper()
	ctx := context.Background()
	var st testStore
	var err error
	switch backend {
	case "sqlite":
		st, err = sqlite.Open(ctx, filepath.Join(t.TempDir(), sqlite.FileName))
	case "postgres":
		st, err = postgres.Open(ctx, pgtest.URL(t))
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	return st
}

func startEnv(t testing.TB, backend string) *env {
	t.Helper()
	st := openStore(t, backend)
	storetest.Seed(t, st)
	return startEnvOn(t, st)
}

// startEnvOn starts the server on a migrated, seeded store.
func startEnvOn(t testing.TB, st testStore) *env {
	t.Helper()
	blobs, err := blob.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	cfg := server.Defaults()
	cfg.TokenCacheTTL = 0
	reg := prometheus.NewRegistry()
	srv, err := server.New(st, blobs, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), reg, reg)
	if err != nil {
		t.Fatal(err)
	}
	cat, err := intake.LoadCatalogue(nil)
	if err != nil {
		t.Fatal(err)
	}
	cal, err := intake.LoadCalendar()
	if err != nil {
		t.Fatal(err)
	}
	api, err := intakeapi.Register(srv, st, cat, cal)
	if err != nil {
		t.Fatal(err)
	}
	api.Now = func() time.Time { return now }
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Error("server did not stop")
		}
	})
	e := &env{URL: "http://" + ln.Addr().String(), Store: st, API: api, tokens: map[string]string{}}
	for _, u := range []store.User{
		{Name: "admin", Role: store.RoleAdmin},
		{Name: "Гүлнар", Role: store.RoleOffice, School: "S1"},
		{Name: "директор", Role: store.RoleOffice, School: "S1"},
		{Name: "Марат", Role: store.RoleOffice, School: "S2"},
		{Name: "aigerim", Role: store.RoleCommission, School: "S1"},
		{Name: "daryn", Role: store.RoleDaryn},
	} {
		id, secret, hash := server.NewToken()
		if _, err := st.CreateToken(ctx, store.System, u, id, hash, nil); err != nil {
			t.Fatal(err)
		}
		e.tokens[u.Name] = secret
	}
	return e
}

func eachBackend(t *testing.T, fn func(t *testing.T, e *env)) {
	for _, b := range backends {
		t.Run(b, func(t *testing.T) {
			t.Parallel()
			fn(t, startEnv(t, b))
		})
	}
}

// call sends a request as a user ("" for none) and returns the status, body and
// headers.
func (e *env) call(t testing.TB, who, method, path, body string, hdr ...string) (int, string, http.Header) {
	t.Helper()
	req, err := http.NewRequest(method, e.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if who != "" {
		req.Header.Set("Authorization", "Bearer "+e.tokens[who])
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

// must calls and checks the status, decoding a JSON answer into out when given.
func (e *env) must(t testing.TB, status int, who, method, path, body string, out any) string {
	t.Helper()
	got, b, _ := e.call(t, who, method, path, body)
	if got != status {
		t.Fatalf("%s %s as %s: status %d, want %d\n%s", method, path, who, got, status, b)
	}
	if out != nil {
		if err := json.Unmarshal([]byte(b), out); err != nil {
			t.Fatalf("%s %s: %v\n%s", method, path, err, b)
		}
	}
	return b
}

// browser is an HTTP client signed in the way the pages do it (the session cookie).
func (e *env) browser(t testing.TB, who string) *http.Client {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	if who != "" {
		resp, err := c.Post(e.URL+"/api/session", "application/json", strings.NewReader(`{"token":"`+e.tokens[who]+`"}`))
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

func get(t testing.TB, c *http.Client, url string) (int, string, http.Header) {
	t.Helper()
	resp, err := c.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), resp.Header
}
