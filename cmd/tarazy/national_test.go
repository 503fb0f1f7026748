package main

import (
	"context"
	"database/sql"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "modernc.org/sqlite"

	"tarazy/server/client"
	"tarazy/store/blob/s3test"
	"tarazy/store/sqlite"
)

// `tarazy migrate` says "current" only for exactly this build's migrations: on a
// schema a newer build migrated it names the newer migrations, and fails when one of
// them is not marked compatible (issue 16).
func TestMigrateNeverCallsANewerSchemaCurrent(t *testing.T) {
	db := dbArgs(t, "sqlite")
	mustRun(t, append([]string{"migrate"}, db...)...)
	conn, err := sql.Open("sqlite", filepath.Join(db[1], sqlite.FileName))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.Exec(`INSERT INTO schema_migrations (version, name, applied_at, compatible) VALUES (998, '998_newer.sql', 'x', 1)`); err != nil {
		t.Fatal(err)
	}
	out := mustRun(t, append([]string{"migrate"}, db...)...)
	if strings.Contains(out, "schema is current") || !strings.Contains(out, "NEWER than this build: 998_newer.sql (compatible)") {
		t.Fatalf("migrate on a newer, compatible schema:\n%s", out)
	}
	if _, err := conn.Exec(`INSERT INTO schema_migrations (version, name, applied_at, compatible) VALUES (999, '999_contract.sql', 'x', 0)`); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := run(t, append([]string{"migrate"}, db...)...)
	if code != 1 || strings.Contains(out, "current") || !strings.Contains(errOut, "cannot run on this database (999_contract.sql)") {
		t.Fatalf("migrate on an incompatible newer schema: exit %d\n%s\n%s", code, out, errOut)
	}
}

// `tarazy serve --images s3://…` keeps images in the bucket of a real S3-compatible
// server, says so at start and on /readyz, cleans what a killed server left in its
// spool, and names its PostgreSQL connections.
func TestServeWithS3Images(t *testing.T) {
	bucket := s3test.Start(t).Bucket(t)
	db := dbArgs(t, "sqlite")
	spool := filepath.Join(db[1], "spool")
	os.MkdirAll(spool, 0o750)
	stale := filepath.Join(spool, "up-left-by-a-killed-server")
	os.WriteFile(stale, make([]byte, 4096), 0o640)
	old := time.Now().Add(-time.Hour)
	os.Chtimes(stale, old, old)
	worker := mustRun(t, append([]string{"token", "create", "--name", "w", "--role", "commission", "--school", "S1"}, db...)...)
	admin := mustRun(t, append([]string{"token", "create", "--name", "a", "--role", "admin"}, db...)...)
	srv := startServe(t, append(db, "--images", bucket, "--name", "kz-test-1", "--drain", "200ms")...)
	resp, err := http.Get(srv.URL + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("/readyz: %d\n%s", resp.StatusCode, srv.stderr)
	}
	if _, err := os.Stat(stale); err == nil {
		t.Errorf("the stale upload is still in the spool")
	}
	ctx := context.Background()
	ac := client.New(srv.URL, admin)
	ac.Do(ctx, "POST", "/api/contests", "application/json", strings.NewReader(`{"id":"C1","name":"x","year":2026}`), nil)
	ac.Do(ctx, "PUT", "/api/schools", "text/csv", strings.NewReader("code,name_kk,name_ru\nS1,A,A\n"), nil)
	req, files := killBatch(1, 3)
	if _, err := client.New(srv.URL, worker).Ingest(ctx, "C1", "S1", req, files); err != nil {
		t.Fatal(err)
	}
	if has, err := s3test.OpenURL(t, bucket).Has(ctx, req.Sheets[0].Image); err != nil || !has {
		t.Fatalf("the image is not in the bucket: %v, %v", has, err)
	}
	if _, err := os.Stat(filepath.Join(db[1], "images")); err == nil {
		t.Errorf("serve with S3 images also wrote a local image directory")
	}
	srv.cmd.Process.Signal(os.Interrupt)
	srv.cmd.Wait()
	for _, want := range []string{"images", "s3 http://127.0.0.1:", "removed stale temporary uploads", "files=1", "application_name", "tarazy serve kz-test-1", "method=POST path=/api/contests/C1/schools/S1/ingest", "draining"} {
		if !strings.Contains(srv.stderr.String(), want) {
			t.Errorf("serve's log lacks %q:\n%s", want, srv.stderr)
		}
	}
	if strings.Contains(srv.stderr.String(), "tarazy-test-secret") {
		t.Errorf("the S3 secret is in the log")
	}
}
