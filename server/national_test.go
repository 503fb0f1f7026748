package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"tarazy/server"
	"tarazy/server/client"
	"tarazy/server/servertest"
	"tarazy/store"
	"tarazy/store/blob"
	"tarazy/store/postgres"
	"tarazy/store/postgres/pgtest"
	"tarazy/store/sqlite"
)

// startServer starts one more server on st and images, as another `tarazy serve` of
// a national deployment would be: its tokens are those of an env already seeded on st.
func startServer(t testing.TB, st store.Store, images server.ImageStore, tokens map[string]string, mod func(*server.Config), logTo io.Writer) *env {
	t.Helper()
	se := servertest.StartWith(t, st, images, mod, logTo)
	if tokens != nil {
		se.Tokens = tokens
	}
	return &env{Env: se, Reg: se.Registry, tokens: se.Tokens}
}

// stop stops the server and waits until it has (a test's SIGTERM).
func (e *env) stop() {
	e.Stop()
	<-e.Stopped()
}

// startPeer starts a second server on the store and image store of e (the ranking
// cache test's other server).
func startPeer(t testing.TB, e *env, mod func(*server.Config)) *env {
	t.Helper()
	return startServer(t, e.Store, e.Images, e.tokens, mod, nil)
}

// A school that learns another school's image or crop hash can neither read the file
// through its own path, nor store a page naming it, nor make the owner's file answer
// 404 (issue 12, item 6).
func TestBlobHashIsNotACapability(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		it, files := reviewPage("000100", 100)
		if _, err := e.client("aigerim").Ingest(ctx, "C1", "S1", server.IngestRequest{Batch: store.Batch{Name: "s1"}, Sheets: []store.IngestItem{it}}, files); err != nil {
			t.Fatal(err)
		}
		crop, image := it.Crops["q3"], it.Image
		s1 := "/api/contests/C1/schools/S1/blobs/"
		s2 := "/api/contests/C1/schools/S2/blobs/"

		// S2 names S1's crop as its page and S1's page as its crop, sending no file.
		theirs, _ := reviewPage("000200", 200)
		theirs.Image = crop
		theirs.Crops = map[string]string{"q3": image}
		_, err := e.client("saule").Ingest(ctx, "C1", "S2", server.IngestRequest{Batch: store.Batch{Name: "s2"}, Sheets: []store.IngestItem{theirs}}, nil)
		if ae := apiErr(err); ae == nil || ae.Status != http.StatusBadRequest || !strings.Contains(ae.Message, "not this school's") {
			t.Fatalf("an ingest naming another school's files: %v; want 400", err)
		}
		if v, err := e.Store.SheetVersions(ctx, "C1", "S2", "000200"); err == nil || len(v) > 0 {
			t.Fatalf("the refused page was stored: %v, %v", v, err)
		}
		for _, h := range []string{crop, image} {
			e.must(t, 404, "saule", "GET", s2+h, "", "")
			e.must(t, 200, "aigerim", "GET", s1+h, "", "")
		}

		// Even a page stored by a trusted path (the store itself) that names S1's
		// files takes nothing away from S1: ownership is resolved per school.
		if _, err := e.Store.Ingest(ctx, store.Actor{Name: "saule", Role: store.RoleCommission, School: "S2"}, "C1", "S2", store.Batch{Name: "direct"}, []store.IngestItem{theirs}); err != nil {
			t.Fatal(err)
		}
		for _, h := range []string{crop, image} {
			e.must(t, 200, "aigerim", "GET", s1+h, "", "")
		}

		// Bytes a school holds are its own to name: PUT, then a JSON ingest.
		img := []byte("S2's own page")
		mine, _ := page("000300", 300)
		mine.Image = hash(img)
		e.must(t, 201, "saule", "PUT", s2+mine.Image, "application/octet-stream", string(img))
		res, err := e.client("saule").Ingest(ctx, "C1", "S2", server.IngestRequest{Batch: store.Batch{Name: "s2"}, Sheets: []store.IngestItem{mine}}, nil)
		if err != nil || res.Summary["stored"] != 1 {
			t.Fatalf("ingest of a file PUT first: %v, %v", res, err)
		}
		e.must(t, 200, "saule", "GET", s2+mine.Image, "", "")
		e.must(t, 404, "aigerim", "GET", s1+mine.Image, "", "")
		// Sending the same bytes as S1's crop is fine: S2 then holds them too.
		e.must(t, 200, "saule", "PUT", s2+crop, "application/octet-stream", string(files[crop]))
		e.must(t, 200, "saule", "GET", s2+crop, "", "")
		e.must(t, 200, "aigerim", "GET", s1+crop, "", "")
	})
}

// failingImages is an image store whose disk is full.
type failingImages struct{ server.ImageStore }

func (f failingImages) Commit(ctx context.Context, staged ...*blob.Staged) error {
	f.Discard(staged...)
	return fmt.Errorf("image store: sync: %w", fmt.Errorf("%w: %w", blob.ErrNoSpace, &pathError{syscall.ENOSPC}))
}

type pathError struct{ errno syscall.Errno }

func (p *pathError) Error() string { return "write tmp/up-1: " + p.errno.Error() }
func (p *pathError) Unwrap() error { return p.errno }

// With PostgreSQL refusing connections (disabled, renamed, dropped) or the image disk
// full, every request says "unavailable, try again" (503 with Retry-After), never
// "internal error" (issue 12, item 11).
func TestRefusedDatabaseAndFullDiskAre503(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ name, sql string }{
		{"disabled", "ALTER DATABASE %[1]s ALLOW_CONNECTIONS false"},
		{"renamed", "ALTER DATABASE %[1]s RENAME TO %[1]s_renamed"},
		{"dropped", "DROP DATABASE %[1]s WITH (FORCE)"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			url, name := pgtest.Database(t)
			ctx := context.Background()
			st, err := postgres.Open(ctx, url)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { st.Close() })
			if _, err := st.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			e := startEnvOn(t, st, nil)
			t.Cleanup(func() { pgtest.Exec(t, "DROP DATABASE IF EXISTS "+name+"_renamed WITH (FORCE)") })
			pgtest.Exec(t, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()", name)
			pgtest.Exec(t, fmt.Sprintf(c.sql, name))
			req, _ := batch("b", 1, 3)
			body, _ := json.Marshal(req)
			for _, r := range []struct{ who, method, path, ctype, body string }{
				{"aigerim", "GET", "/api/contests/C1/schools/S1/grades/5/ranking", "", ""},
				{"aigerim", "GET", "/api/contests/C1/schools/S1/review", "", ""},
				{"aigerim", "POST", "/api/contests/C1/schools/S1/ingest", "application/json", string(body)},
				{"daryn", "GET", "/api/contests", "", ""},
				{"", "GET", "/readyz", "", ""},
			} {
				status, got, hdr := e.call(t, r.who, r.method, r.path, r.ctype, r.body)
				if status != http.StatusServiceUnavailable || hdr.Get("Retry-After") == "" || !strings.Contains(got, `"unavailable"`) {
					t.Errorf("%s %s with the database %s: %d %s (Retry-After %q); want 503 unavailable", r.method, r.path, c.name, status, got, hdr.Get("Retry-After"))
				}
			}
		})
	}
	t.Run("image disk full", func(t *testing.T) {
		for _, backend := range backends {
			e := startEnv(t, backend, nil)
			full := startServer(t, e.Store, failingImages{e.Blobs}, e.tokens, nil, nil)
			req, files := batch("b", 1, 3)
			_, err := full.client("aigerim").Ingest(context.Background(), "C1", "S1", req, files)
			ae := apiErr(err)
			if ae == nil || ae.Status != http.StatusServiceUnavailable || !strings.Contains(ae.Message, "disk is full") || !client.Retryable(err) {
				t.Fatalf("%s: ingest with the image disk full: %v; want a 503 that says the disk is full", backend, err)
			}
			if final, _ := e.Store.FinalSheets(context.Background(), "C1", "S1"); len(final) != 0 {
				t.Fatalf("%s: %d sheets stored although their images were not", backend, len(final))
			}
		}
	})
}

// A server started with --no-migrate on an empty database says "not ready" on
// /readyz, on the API and on its pages, instead of 500s from missing tables; once
// migrated, it serves.
func TestUnmigratedDatabaseIsNotReady(t *testing.T) {
	t.Parallel()
	for _, backend := range backends {
		t.Run(backend, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			var st interface {
				store.Store
				Migrate(context.Context) ([]string, error)
			}
			var err error
			if backend == "sqlite" {
				st, err = sqlite.Open(ctx, t.TempDir()+"/"+sqlite.FileName)
			} else {
				st, err = postgres.Open(ctx, pgtest.URL(t))
			}
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { st.Close() })
			images, _ := blob.Open(t.TempDir())
			e := startServer(t, st, images, nil, nil, nil)
			status, body, hdr := e.call(t, "", "GET", "/readyz", "", "")
			if status != 503 || !strings.Contains(body, "tarazy migrate") || hdr.Get("Retry-After") == "" {
				t.Fatalf("/readyz on an empty database: %d %s", status, body)
			}
			if status, body, _ := e.call(t, "", "GET", "/api/contests", "", ""); status != 503 || !strings.Contains(body, "tarazy migrate") {
				t.Fatalf("the API on an empty database: %d %s", status, body)
			}
			for lang, want := range map[string]string{"kk": "Сервер әлі дайын емес", "ru": "Сервер ещё не готов"} {
				if status, body, _ := e.call(t, "", "GET", "/ui/?lang="+lang, "", ""); status != 503 || !strings.Contains(body, want) {
					t.Fatalf("a page on an empty database (%s): %d %s", lang, status, body)
				}
			}
			e.must(t, 200, "", "GET", "/healthz", "", "")
			if _, err := st.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			deadline := time.Now().Add(5 * time.Second)
			for {
				if s, _, _ := e.call(t, "", "GET", "/readyz", "", ""); s == 200 {
					break
				}
				if time.Now().After(deadline) {
					t.Fatal("never ready after migrating")
				}
				time.Sleep(50 * time.Millisecond)
			}
			e.must(t, 401, "", "GET", "/api/contests", "", "")
		})
	}
}

// A server given another image store than the one the database's images live in is
// not ready, and says why; servers sharing the store are.
func TestReadinessChecksTheImageStore(t *testing.T) {
	t.Parallel()
	e := startEnv(t, "sqlite", nil)
	e.must(t, 200, "", "GET", "/readyz", "", "")
	same := startPeer(t, e, nil)
	same.must(t, 200, "", "GET", "/readyz", "", "")
	elsewhere, _ := blob.Open(t.TempDir())
	other := startServer(t, e.Store, elsewhere, e.tokens, nil, nil)
	body := other.must(t, 503, "", "GET", "/readyz", "", "")
	if !strings.Contains(body, "not the one this database's images live in") {
		t.Fatalf("/readyz with another image store: %s", body)
	}
	req, files := batch("b", 1, 2)
	if _, err := other.client("aigerim").Ingest(context.Background(), "C1", "S1", req, files); apiErr(err) == nil || apiErr(err).Status != 503 {
		t.Fatalf("ingest into another image store: %v; want 503", err)
	}
	if final, _ := e.Store.FinalSheets(context.Background(), "C1", "S1"); len(final) != 0 {
		t.Fatal("pages were stored whose images the other servers cannot see")
	}
}

// SIGTERM: /readyz says 503 at once while requests are still answered for the drain
// period; then requests in flight finish and the server closes.
func TestDrainOnShutdown(t *testing.T) {
	t.Parallel()
	e := startEnv(t, "sqlite", nil)
	var logs syncBuffer
	d := startServer(t, e.Store, e.Blobs, e.tokens, func(c *server.Config) { c.DrainPeriod = 700 * time.Millisecond }, &logs)
	d.must(t, 200, "", "GET", "/readyz", "", "")
	stopped := make(chan struct{})
	go func() { d.stop(); close(stopped) }()
	time.Sleep(150 * time.Millisecond)
	if s, _, _ := d.call(t, "", "GET", "/readyz", "", ""); s != 503 {
		t.Fatalf("/readyz while draining: %d", s)
	}
	d.must(t, 200, "aigerim", "GET", "/api/whoami", "", "")
	<-stopped
	if _, err := http.Get(d.URL + "/healthz"); err == nil {
		t.Fatal("the server still answers after the drain")
	}
	for _, want := range []string{"draining", `msg=http method=GET path=/api/whoami route=/api/whoami status=200`} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("the log lacks %q:\n%s", want, logs.String())
		}
	}
}

// The pool size is what the URL says, even below 8, and /metrics shows it; each
// server's connections carry its name.
func TestPoolSettingsAreHonouredAndExported(t *testing.T) {
	t.Parallel()
	u, err := url.Parse(pgtest.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("pool_max_conns", "3")
	u.RawQuery = q.Encode()
	ctx := context.Background()
	st, err := postgres.Open(ctx, u.String(), postgres.WithApplicationName("tarazy serve test-pool"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	e := startEnvOn(t, st, nil)
	body := e.must(t, 200, "", "GET", "/metrics", "", "")
	for _, want := range []string{"tarazy_db_pool_max_connections 3", "tarazy_db_pool_open_connections", "tarazy_db_pool_waits_total", "tarazy_server_ready"} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	var n int
	if err := st.SQL().QueryRowContext(ctx, `SELECT count(*) FROM pg_stat_activity WHERE application_name = 'tarazy serve test-pool'`).Scan(&n); err != nil || n == 0 {
		t.Errorf("connections named 'tarazy serve test-pool': %d, %v", n, err)
	}
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
