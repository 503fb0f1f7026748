package worker_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"tarazy/worker"
)

// crashRunEnv makes this test binary run a worker over the folder it names and die
// the way a decoder abort kills tarazy (SIGABRT) when it reads a file saying "abort".
const crashRunEnv = "TARAZY_WORKER_CRASH_RUN"

func TestMain(m *testing.M) {
	if dir := os.Getenv(crashRunEnv); dir != "" {
		w, err := worker.New(worker.Options{Reader: abortingReader{}, Sink: newSink(), Spool: filepath.Join(dir, "spool"), Workers: 1,
			Batch: worker.Batch{ID: "b1", Name: "b1"}})
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(3)
		}
		w.Run(context.Background(), worker.Paths{filepath.Join(dir, "in")})
		os.Exit(0)
	}
	os.Exit(m.Run())
}

type abortingReader struct{}

func (abortingReader) Read(ctx context.Context, name string, data []byte) ([]worker.Page, error) {
	if strings.HasPrefix(string(data), "abort") {
		syscall.Kill(os.Getpid(), syscall.SIGABRT)
		time.Sleep(time.Minute)
	}
	return fakeReader{}.Read(ctx, name, data)
}

// refuseReader fails the test if it is asked to read a file saying "abort".
type refuseReader struct{ t *testing.T }

func (r refuseReader) Read(ctx context.Context, name string, data []byte) ([]worker.Page, error) {
	if strings.HasPrefix(string(data), "abort") {
		r.t.Errorf("%s, which killed the previous run, was read again", name)
	}
	return fakeReader{}.Read(ctx, name, data)
}

// A file that kills the worker while it is being read (an abort inside a decoder) is
// quarantined on the restart with the reason, and the rest of the batch goes on; it
// does not kill the worker on every restart.
func TestFileThatKilledTheWorkerIsQuarantinedOnRestart(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in")
	os.MkdirAll(in, 0o755)
	write(t, in, "a.jpg", "ok 1")
	write(t, in, "b.png", "abort: 60000×60000 pixels declared")
	write(t, in, "c.jpg", "ok 3")

	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), crashRunEnv+"="+dir)
	out, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "SIGABRT") {
		t.Fatalf("the first run did not die of the abort: %v\n%s", err, out)
	}

	sink := newSink()
	w := newWorker(t, filepath.Join(dir, "spool"), sink, func(o *worker.Options) { o.Reader = refuseReader{t}; o.Workers = 1 })
	st, err := w.Run(context.Background(), worker.Paths{in})
	if err != nil {
		t.Fatal(err)
	}
	why, err := os.ReadFile(filepath.Join(dir, "spool", "quarantine", "b.png.why.txt"))
	if err != nil || !strings.Contains(string(why), "stopped the reader") {
		t.Fatalf("quarantine reason = %q, %v", why, err)
	}
	if q, err := os.ReadFile(filepath.Join(dir, "spool", "quarantine", "b.png")); err != nil || !strings.HasPrefix(string(q), "abort") {
		t.Errorf("the file is not kept in quarantine: %v", err)
	}
	// a.jpg may have been read before the crash; c.jpg is read now.
	if st.Rejected != 1 || st.Pages+st.Duplicates != 2 || sink.unique() < 1 {
		t.Errorf("stats = %+v, %d pages delivered; want the other two files read and one rejected", st, sink.unique())
	}
	if reports, _ := filepath.Glob(filepath.Join(dir, "spool", "crash-*.txt")); len(reports) != 1 {
		t.Errorf("the crash report is not kept for the maintainers: %v", reports)
	}
}

// A worker killed from outside (no crash) while reading reads the file again.
func TestFileInterruptedByAKillIsReadAgain(t *testing.T) {
	in, spool := t.TempDir(), t.TempDir()
	write(t, in, "a.jpg", "ok 1")
	sp, err := worker.OpenSpool(spool)
	if err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(filepath.Join(in, "a.jpg"))
	if err := sp.Begin(sha(data), filepath.Join(in, "a.jpg")); err != nil {
		t.Fatal(err)
	}
	sp.Close() // as after SIGKILL: no crash report
	sink := newSink()
	w := newWorker(t, spool, sink, nil)
	if _, err := w.Run(context.Background(), worker.Paths{in}); err != nil {
		t.Fatal(err)
	}
	if sink.unique() != 1 {
		t.Errorf("%d pages delivered, want the interrupted file's page", sink.unique())
	}
	if q, _ := filepath.Glob(filepath.Join(spool, "quarantine", "*")); len(q) != 0 {
		t.Errorf("a file interrupted by a kill was quarantined: %v", q)
	}
}
