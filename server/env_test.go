package server_test

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"tarazy/omr/reading"
	"tarazy/server"
	"tarazy/server/client"
	"tarazy/server/servertest"
	"tarazy/store"
	"tarazy/store/storetest"
)

// env is a real server on a random loopback port, on one backend, seeded with a
// contest C1, schools S1 and S2, and a token per role (servertest).
type env struct {
	*servertest.Env
	Reg    *prometheus.Registry
	tokens map[string]string
}

var backends = servertest.Backends

// openStore opens a fresh migrated store of the backend.
func openStore(t testing.TB, backend string) store.Store {
	t.Helper()
	return servertest.OpenStore(t, backend)
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
	se := servertest.Start(t, st, mod)
	return &env{Env: se, Reg: se.Registry, tokens: se.Tokens}
}

func (e *env) seed(t testing.TB) {
	t.Helper()
	storetest.Seed(t, e.Store)
	e.AddUsers(t,
		store.User{Name: "admin", Role: store.RoleAdmin},
		store.User{Name: "daryn", Role: store.RoleDaryn},
		store.User{Name: "aigerim", Role: store.RoleCommission, School: "S1"},
		store.User{Name: "bolat", Role: store.RoleCommission, School: "S1"},
		store.User{Name: "chair", Role: store.RoleCommission, School: "S1", Chair: true},
		store.User{Name: "saule", Role: store.RoleCommission, School: "S2"},
		store.User{Name: "web", Role: store.RolePublisher, School: "S1"},
		store.User{Name: "office", Role: store.RoleOffice, School: "S1"},
		store.User{Name: "scanpc", Role: store.RoleScanner, School: "S1"},
	)
}

func (e *env) client(who string) *client.Client { return e.Client(who) }

// call sends a request and returns the status and body.
func (e *env) call(t testing.TB, who, method, path, contentType, body string, hdr ...string) (int, string, http.Header) {
	t.Helper()
	return e.Call(t, who, method, path, contentType, body, hdr...)
}

func (e *env) must(t testing.TB, status int, who, method, path, contentType, body string, hdr ...string) string {
	t.Helper()
	got, b, _ := e.call(t, who, method, path, contentType, body, hdr...)
	if got != status {
		t.Fatalf("%s %s as %s: status %d, want %d\n%s", method, path, who, got, status, b)
	}
	return b
}

// browser is an HTTP client with a cookie jar, signed in as one user the way the login
// page does it.
func (e *env) browser(t testing.TB, who string) *http.Client { return e.Browser(t, who) }

func get(t testing.TB, c *http.Client, url string) (int, string, http.Header) {
	t.Helper()
	return servertest.Get(t, c, url)
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
