package intakeapi_test

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"tarazy/server/intakeapi"
	"tarazy/server/servertest"
	"tarazy/store"
	"tarazy/store/storetest"
)

var backends = []string{"sqlite", "postgres"}

// almaty is the office's zone; the desk's clock in these tests is 14 April 2026, noon.
var almaty = time.FixedZone("Asia/Almaty", 5*3600)

var now = time.Date(2026, 4, 14, 12, 0, 0, 0, almaty)

type testStore = servertest.Store

// env is a real server with the intake desk on a random loopback port, over a fresh
// store seeded with contest C1 (2026) and schools S1 and S2, and a token per user
// (servertest).
type env struct {
	*servertest.Env
	Store  testStore
	API    *intakeapi.API
	tokens map[string]string
}

func openStore(t testing.TB, backend string) testStore {
	t.Helper()
	return servertest.OpenStore(t, backend)
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
	se := servertest.Start(t, st, nil)
	se.Intake.Now = func() time.Time { return now }
	e := &env{Env: se, Store: st, API: se.Intake, tokens: se.Tokens}
	e.AddUsers(t,
		store.User{Name: "admin", Role: store.RoleAdmin},
		store.User{Name: "Гүлнар", Role: store.RoleOffice, School: "S1"},
		store.User{Name: "директор", Role: store.RoleOffice, School: "S1"},
		store.User{Name: "Марат", Role: store.RoleOffice, School: "S2"},
		store.User{Name: "aigerim", Role: store.RoleCommission, School: "S1"},
		store.User{Name: "daryn", Role: store.RoleDaryn},
	)
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
// headers; a body is sent as JSON.
func (e *env) call(t testing.TB, who, method, path, body string, hdr ...string) (int, string, http.Header) {
	t.Helper()
	ct := ""
	if body != "" {
		ct = "application/json"
	}
	return e.Call(t, who, method, path, ct, body, hdr...)
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
func (e *env) browser(t testing.TB, who string) *http.Client { return e.Browser(t, who) }

func get(t testing.TB, c *http.Client, url string) (int, string, http.Header) {
	t.Helper()
	return servertest.Get(t, c, url)
}
