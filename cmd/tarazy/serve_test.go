package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"tarazy/omr/reading"
	"tarazy/server"
	"tarazy/server/client"
	"tarazy/store"
	"tarazy/store/postgres/pgtest"
	"tarazy/store/storetest"
)

// runMainEnv makes this test binary act as the tarazy binary, so that tests can run
// `tarazy serve` as a process of its own and kill it.
const runMainEnv = "TARAZY_TEST_RUN_MAIN"

func TestMain(m *testing.M) {
	if args := os.Getenv(runMainEnv); args != "" {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		code := Main(ctx, strings.Split(args, "\n"), &Env{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr})
		stop()
		os.Exit(code)
	}
	os.Exit(m.Run())
}

// serveProc is `tarazy serve` running as its own process.
type serveProc struct {
	cmd    *exec.Cmd
	URL    string
	stderr *bytes.Buffer
}

func startServe(t *testing.T, args ...string) *serveProc {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), runMainEnv+"="+strings.Join(append([]string{"serve", "--addr", "127.0.0.1:0"}, args...), "\n"))
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	p := &serveProc{cmd: cmd, stderr: &bytes.Buffer{}}
	cmd.Stderr = p.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			cmd.Wait()
		}
	})
	line := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		if sc.Scan() {
			line <- sc.Text()
		}
		close(line)
	}()
	select {
	case l := <-line:
		addr, ok := strings.CutPrefix(l, "listening on ")
		if !ok {
			t.Fatalf("serve printed %q; stderr:\n%s", l, p.stderr)
		}
		p.URL = addr
	case <-time.After(30 * time.Second):
		t.Fatalf("serve did not start; stderr:\n%s", p.stderr)
	}
	return p
}

func mustRun(t *testing.T, args ...string) string {
	t.Helper()
	code, out, errOut := run(t, args...)
	if code != 0 {
		t.Fatalf("tarazy %s: exit %d\n%s", strings.Join(args, " "), code, errOut)
	}
	return strings.TrimSpace(out)
}

func dbArgs(t *testing.T, backend string) []string {
	args := []string{"--data", t.TempDir()}
	if backend == "postgres" {
		args = append(args, "--db", pgtest.URL(t))
	}
	return args
}

func TestTokenCommands(t *testing.T) {
	db := dbArgs(t, "sqlite")
	secret := mustRun(t, append([]string{"token", "create", "--name", "Айгерім", "--role", "commission", "--school", "S1", "--chair"}, db...)...)
	if !strings.HasPrefix(secret, server.TokenPrefix) {
		t.Fatalf("token = %q", secret)
	}
	list := mustRun(t, append([]string{"token", "list"}, db...)...)
	if !strings.Contains(list, "Айгерім") || !strings.Contains(list, "commission") || strings.Contains(list, secret) {
		t.Fatalf("token list:\n%s", list)
	}
	id := strings.Fields(strings.Split(list, "\n")[1])[0]
	mustRun(t, append(append([]string{"token", "revoke"}, db...), id)...)
	if list := mustRun(t, append([]string{"token", "list"}, db...)...); !strings.Contains(list, "revoked") {
		t.Fatalf("after revoke:\n%s", list)
	}
	if code, _, errOut := run(t, append([]string{"token", "create", "--name", "x", "--role", "root"}, db...)...); code != 2 || !strings.Contains(errOut, "commission, daryn") {
		t.Errorf("unknown role: exit %d %s", code, errOut)
	}
	if code, _, errOut := run(t, append([]string{"token", "create", "--name", "x", "--role", "commission"}, db...)...); code != 1 || !strings.Contains(errOut, "school") {
		t.Errorf("commission without a school: exit %d %s", code, errOut)
	}
	if code, _, _ := run(t, "serve", "--db", "mysql://x"); code != 2 {
		t.Errorf("--db mysql: exit %d, want 2", code)
	}
}

func TestMigrateCommand(t *testing.T) {
	db := dbArgs(t, "sqlite")
	out := mustRun(t, append([]string{"migrate"}, db...)...)
	files, _ := filepath.Glob("../../store/sqlite/migrations/*.sql")
	n := len(files)
	if n == 0 || !strings.Contains(out, "applied 001_contest.sql") || strings.Count(out, "\napplied ")+1 != n ||
		!strings.Contains(out, fmt.Sprintf("%d of %d migrations", n, n)) {
		t.Fatalf("first migrate (%d migrations):\n%s", n, out)
	}
	if out := mustRun(t, append([]string{"migrate"}, db...)...); strings.Contains(out, "applied 0") {
		t.Fatalf("second migrate applied again:\n%s", out)
	}
}

// A server killed (SIGKILL) while workers are uploading loses no reading it had
// accepted, and the workers' retries after the restart store the rest exactly once.
func TestServerKilledMidIngestLosesNoAcceptedReading(t *testing.T) {
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			db := dbArgs(t, backend)
			admin := mustRun(t, append([]string{"token", "create", "--name", "admin", "--role", "admin"}, db...)...)
			worker := mustRun(t, append([]string{"token", "create", "--name", "worker", "--role", "commission", "--school", "S1"}, db...)...)
			srv := startServe(t, db...)
			ctx := context.Background()
			ac := client.New(srv.URL, admin)
			if err := ac.Do(ctx, "POST", "/api/contests", "application/json", strings.NewReader(`{"id":"C1","name":"x","year":2026}`), nil); err != nil {
				t.Fatal(err)
			}
			if err := ac.Do(ctx, "PUT", "/api/schools", "text/csv", strings.NewReader("code,name_kk,name_ru\nS1,A,A\n"), nil); err != nil {
				t.Fatal(err)
			}

			const perBatch = 20
			var mu sync.Mutex
			accepted := map[int]bool{}
			var attempted []int
			next := 0
			stop := make(chan struct{})
			var wg sync.WaitGroup
			for w := 0; w < 3; w++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					wc := client.New(srv.URL, worker)
					for {
						select {
						case <-stop:
							return
						default:
						}
						mu.Lock()
						k := next
						next++
						attempted = append(attempted, k)
						mu.Unlock()
						req, files := killBatch(k, perBatch)
						if _, err := wc.Ingest(ctx, "C1", "S1", req, files); err != nil {
							return // the server is gone
						}
						mu.Lock()
						accepted[k] = true
						mu.Unlock()
					}
				}()
			}
			deadline := time.Now().Add(60 * time.Second)
			for {
				mu.Lock()
				n := len(accepted)
				mu.Unlock()
				if n >= 8 || time.Now().After(deadline) {
					break
				}
				time.Sleep(10 * time.Millisecond)
			}
			srv.cmd.Process.Kill() // SIGKILL: no shutdown, no flush
			srv.cmd.Wait()
			close(stop)
			wg.Wait()
			if len(accepted) < 8 {
				t.Fatalf("only %d batches accepted before the deadline", len(accepted))
			}
			t.Logf("%d batches attempted, %d accepted before the kill", len(attempted), len(accepted))

			srv = startServe(t, db...)
			wc := client.New(srv.URL, worker)
			var buf bytes.Buffer
			if err := wc.Do(ctx, "GET", client.SchoolPath("C1", "S1")+"/readings", "", nil, &buf); err != nil {
				t.Fatal(err)
			}
			rds, err := reading.ReadJSONL(&buf)
			if err != nil {
				t.Fatal(err)
			}
			have := map[string]bool{}
			for _, rd := range rds {
				have[rd.Sheet] = true
			}
			for k := range accepted {
				for i := 0; i < perBatch; i++ {
					if s := killSerial(k, i); !have[s] {
						t.Fatalf("sheet %s of accepted batch %d is lost after the kill", s, k)
					}
				}
			}
			// Every worker retries what it sent; nothing is stored twice.
			total := 0
			for _, k := range attempted {
				req, files := killBatch(k, perBatch)
				res, err := wc.Ingest(ctx, "C1", "S1", req, files)
				if err != nil {
					t.Fatalf("retry of batch %d: %v", k, err)
				}
				if accepted[k] && res.Summary["existing"] != perBatch {
					t.Errorf("accepted batch %d resent: %v, want all existing", k, res.Summary)
				}
				total += perBatch
			}
			buf.Reset()
			wc.Do(ctx, "GET", client.SchoolPath("C1", "S1")+"/readings", "", nil, &buf)
			if rds, _ := reading.ReadJSONL(&buf); len(rds) != total {
				t.Errorf("%d final sheets after the retries, want %d (each once)", len(rds), total)
			}
		})
	}
}

func killSerial(batch, i int) string { return fmt.Sprintf("K%04d-%02d", batch, i) }

func killBatch(k, n int) (server.IngestRequest, map[string][]byte) {
	req := server.IngestRequest{Batch: store.Batch{Name: fmt.Sprintf("kill-%d", k), Operator: "op", Scanner: "sc"}}
	files := map[string][]byte{}
	for i := 0; i < n; i++ {
		img := []byte(fmt.Sprintf("image %d/%d", k, i))
		h := storetest.Hash(string(img))
		rd := storetest.Reading(killSerial(k, i), k*n+i)
		req.Sheets = append(req.Sheets, store.IngestItem{Reading: rd, Image: h})
		files[h] = img
	}
	return req, files
}

func TestServeConfigurationIsPrintedWithoutThePassword(t *testing.T) {
	var buf bytes.Buffer
	cfg := server.Defaults()
	printConfig(&buf, &cfg, &dbFlags{data: "d", db: "postgres://tarazy:s3cret@db.example:5432/tarazy?sslmode=disable"}, "d/images", false)
	out := buf.String()
	for _, want := range []string{"addr", "127.0.0.1:8080", "postgres postgres://tarazy:xxxxx@db.example:5432/tarazy", "shutdown-timeout", "ranking-freshness", "token-cache"} {
		if !strings.Contains(out, want) {
			t.Errorf("configuration lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "s3cret") {
		t.Errorf("the password is printed:\n%s", out)
	}
}
