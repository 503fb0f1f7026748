package server_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"tarazy/intake"
	"tarazy/omr/reading"
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

// env is a real server on a random loopback port, on one backend, seeded with a
// contest C1, schools S1 and S2, and a token per role.
type env struct {
	URL    string
	Store  store.Store
	Blobs  *blob.Store
	Reg    *prometheus.Registry
	Server *server.Server
	tokens map[string]string
	stop   func()
	done   chan error
}

var backends = []string{"sqlite", "postgres"}

// openStore opens a fresh migrated store of the backend.
func openStore(t testing.TB, backend string) store.Store {
	t.Helper()
	ctx := context.Background()
	var st interface {
		store.Store
		Migrate(context.Context) ([]string, error)
	}
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

func startEnv(t testing.TB, backend string, mod func(*server.Config)) *env {
	t.Helper()
	return startEnvOn(t, openStore(t, backend), mod)
}

func startEnvOn(t testing.TB, st store.Store, mod func(*server.Config)) *env {
	t.Helper()
	e := startEnvOnNoSeed(t, st, mod)
	e.seed(t)
	return e
}

// startEnvOnNoSeed starts another server on a store an env already seeded.
func startEnvOnNoSeed(t testing.TB, st store.Store, mod func(*server.Config)) *env {
	t.Helper()
	blobs, err := blob.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	cfg := server.Defaults()
	cfg.TokenCacheTTL = 0 // revocation is immediate in tests
	if mod != nil {
		mod(&cfg)
	}
	reg := prometheus.NewRegistry()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	srv, err := server.New(st, blobs, cfg, log, reg, reg)
	if err != nil {
		t.Fatal(err)
	}
	// The intake desk's routes, as `tarazy serve` adds them, so the route-wide tests
	// (tokens, scope, OpenAPI) cover them too.
	cat, err := intake.LoadCatalogue(nil)
	if err != nil {
		t.Fatal(err)
	}
	cal, err := intake.LoadCalendar()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := intakeapi.Register(srv, st.(intakeapi.Registers), cat, cal); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	e := &env{URL: "http://" + ln.Addr().String(), Store: st, Blobs: blobs, Reg: reg, Server: srv, tokens: map[string]string{}, stop: cancel, done: make(chan error, 1)}
	go func() { e.done <- srv.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-e.done:
		case <-time.After(10 * time.Second):
			t.Error("server did not stop")
		}
	})
	return e
}

func (e *env) seed(t testing.TB) {
	t.Helper()
	st := e.Store
	storetest.Seed(t, st)
	for _, u := range []store.User{
		{Name: "admin", Role: store.RoleAdmin},
		{Name: "daryn", Role: store.RoleDaryn},
		{Name: "aigerim", Role: store.RoleCommission, School: "S1"},
		{Name: "bolat", Role: store.RoleCommission, School: "S1"},
		{Name: "chair", Role: store.RoleCommission, School: "S1", Chair: true},
		{Name: "saule", Role: store.RoleCommission, School: "S2"},
		{Name: "web", Role: store.RolePublisher, School: "S1"},
		{Name: "office", Role: store.RoleOffice, School: "S1"},
		{Name: "scanpc", Role: store.RoleScanner, School: "S1"},
	} {
		id, secret, hash := server.NewToken()
		if _, err := st.CreateToken(context.Background(), store.System, u, id, hash, nil); err != nil {
			t.Fatal(err)
		}
		e.tokens[u.Name] = secret
	}
}

func (e *env) client(who string) *client.Client { return client.New(e.URL, e.tokens[who]) }

// call sends a request and returns the status and body.
func (e *env) call(t testing.TB, who, method, path, contentType, body string, hdr ...string) (int, string, http.Header) {
	t.Helper()
	req, err := http.NewRequest(method, e.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
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

func (e *env) must(t testing.TB, status int, who, method, path, contentType, body string, hdr ...string) string {
	t.Helper()
	got, b, _ := e.call(t, who, method, path, contentType, body, hdr...)
	if got != status {
		t.Fatalf("%s %s as %s: status %d, want %d\n%s", method, path, who, got, status, b)
	}
	return b
}

func hash(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// page returns an ingest item and its image bytes for sheet serial of candidate n.
func page(serial string, n int) (store.IngestItem, []byte) {
	img := []byte(fmt.Sprintf("PNG image of sheet %s candidate %d", serial, n))
	return store.IngestItem{Reading: storetest.Reading(serial, n), Image: hash(img), ReadSeconds: 0.3}, img
}

// batch builds an ingest request of n sheets from serial base.
func batch(name string, base, n int) (server.IngestRequest, map[string][]byte) {
	req := server.IngestRequest{Batch: store.Batch{Name: name, Operator: "Айгерім", Scanner: "fi-7160"}}
	files := map[string][]byte{}
	for i := 0; i < n; i++ {
		it, img := page(fmt.Sprintf("%06d", base+i), base+i)
		req.Sheets = append(req.Sheets, it)
		files[it.Image] = img
	}
	return req, files
}

func reviewPage(serial string, n int) (store.IngestItem, map[string][]byte) {
	it, img := page(serial, n)
	it.Reading.Status = reading.StatusReview
	it.Reading.Review = []string{"q3"}
	it.Reading.Answers[2] = "B"
	crop := []byte("crop of q3 on " + serial)
	it.Crops = map[string]string{"q3": hash(crop)}
	it.Confidence = map[string]float64{"q3": 0.4}
	it.Reasons = map[string]string{"q3": "unclear mark on B: a light mark, a partial erasure or a smudge"}
	return it, map[string][]byte{it.Image: img, hash(crop): crop}
}

func apiErr(err error) *client.Error {
	var e *client.Error
	if errors.As(err, &e) {
		return e
	}
	return nil
}
