package worker_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"tarazy/omr/reading"
	"tarazy/worker"
)

// fakeReader treats a file's text as its pages: "ok", "review", "reject" per line;
// "broken" makes the whole file unreadable.
type fakeReader struct{}

func (fakeReader) Read(ctx context.Context, name string, data []byte) ([]worker.Page, error) {
	text := strings.TrimSpace(string(data))
	if strings.HasPrefix(text, "broken") {
		return nil, errors.New("not an image")
	}
	var pages []worker.Page
	for i, line := range strings.Split(text, "\n") {
		kind, _, _ := strings.Cut(line, " ")
		rd := reading.Reading{File: name, Page: i + 1, Status: kind}
		if kind == "reject" {
			rd.Status = reading.StatusRejected
			rd.Error = "no fiducials found"
		}
		img := []byte(fmt.Sprintf("%s#%d#%s", name, i, line))
		if strings.Contains(line, "same-image") {
			img = []byte("same-image")
		}
		pages = append(pages, worker.Page{Reading: rd, Image: img, ImageType: "image/jpeg",
			Crops: map[string][]byte{"q1": []byte("png")}})
	}
	return pages, nil
}

// fakeSink counts deliveries; it fails while down is set and refuses pages whose
// reading names "poison".
type fakeSink struct {
	mu        sync.Mutex
	down      bool
	calls     int
	delivered map[string]int
	batches   map[string]bool
}

func newSink() *fakeSink { return &fakeSink{delivered: map[string]int{}, batches: map[string]bool{}} }

func (s *fakeSink) Deliver(ctx context.Context, b worker.Batch, pages []*worker.Page) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls++
	if s.down {
		return errors.New("connection refused")
	}
	// Like the server: one transaction, all pages or none.
	for _, p := range pages {
		if strings.Contains(string(p.Image), "poison") {
			return worker.Permanent(errors.New("server says: answers has 80 entries, form g7 has 75"))
		}
		sum := sha256.Sum256(p.Image)
		if hex.EncodeToString(sum[:]) != p.ImageSHA256 {
			return worker.Permanent(errors.New("image hash mismatch"))
		}
	}
	for _, p := range pages {
		s.delivered[p.ImageSHA256]++
	}
	s.batches[b.Name] = true
	return nil
}

func (s *fakeSink) setDown(v bool) { s.mu.Lock(); s.down = v; s.mu.Unlock() }

func (s *fakeSink) unique() int { s.mu.Lock(); defer s.mu.Unlock(); return len(s.delivered) }

func write(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func newWorker(t *testing.T, spool string, sink worker.Sink, extra func(*worker.Options)) *worker.Worker {
	t.Helper()
	opt := worker.Options{Reader: fakeReader{}, Sink: sink, Spool: spool, Workers: 2,
		Batch:    worker.Batch{ID: "b1", Name: "hall-2 morning", Operator: "Aigerim", Scanner: "fi-7160"},
		RetryMin: 5 * time.Millisecond, RetryMax: 20 * time.Millisecond}
	if extra != nil {
		extra(&opt)
	}
	w, err := worker.New(opt)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close() })
	return w
}

func TestBatchFromFolder(t *testing.T) {
	in, spool := t.TempDir(), t.TempDir()
	write(t, in, "p1.jpg", "ok")
	write(t, in, "p2.jpg", "review")
	write(t, in, "p3.tif", "ok\nreject\nok") // a multi-page file with one foreign page
	write(t, in, "p4.jpg", "broken")
	write(t, in, "notes.txt", "ok") // not a scan: never read
	sink := newSink()
	w := newWorker(t, spool, sink, nil)
	st, err := w.Run(context.Background(), worker.Paths{in})
	if err != nil {
		t.Fatal(err)
	}
	if st.Seen != 4 || st.Pages != 5 || st.OK != 3 || st.Review != 1 || st.Rejected != 2 {
		t.Errorf("stats = %+v", st)
	}
	// Rejected pages are delivered too: the dashboard lists them with their reasons.
	if st.Delivered != 5 || sink.unique() != 5 || st.Pending != 0 {
		t.Errorf("delivered %d (unique %d), pending %d", st.Delivered, sink.unique(), st.Pending)
	}
	if !sink.batches["hall-2 morning"] {
		t.Error("the batch name did not reach the sink")
	}
	why, err := os.ReadFile(filepath.Join(spool, "quarantine", "p4.jpg.why.txt"))
	if err != nil || !strings.Contains(string(why), "not a readable answer sheet") {
		t.Errorf("quarantine reason = %q, %v", why, err)
	}
	why, err = os.ReadFile(filepath.Join(spool, "quarantine", "p3.tif.why.txt"))
	if err != nil || !strings.Contains(string(why), "page 2: no fiducials found") {
		t.Errorf("multi-page reason = %q, %v", why, err)
	}
	if _, err := os.Stat(filepath.Join(in, "p1.jpg")); err != nil {
		t.Error("a list given once must leave its files in place")
	}
}

func TestDeadSinkThenRecovery(t *testing.T) {
	in, spool := t.TempDir(), t.TempDir()
	for i := 0; i < 6; i++ {
		write(t, in, fmt.Sprintf("p%d.jpg", i), fmt.Sprintf("ok %d", i))
	}
	sink := newSink()
	sink.setDown(true)
	go func() {
		time.Sleep(100 * time.Millisecond)
		sink.setDown(false)
	}()
	w := newWorker(t, spool, sink, nil)
	st, err := w.Run(context.Background(), worker.Paths{in})
	if err != nil {
		t.Fatal(err)
	}
	if st.Delivered != 6 || sink.unique() != 6 {
		t.Fatalf("delivered %d, unique %d", st.Delivered, sink.unique())
	}
	for sha, n := range sink.delivered {
		if n != 1 {
			t.Errorf("page %s delivered %d times", sha[:8], n)
		}
	}
}

func TestRestartResumesTheSpool(t *testing.T) {
	in, spool := t.TempDir(), t.TempDir()
	for i := 0; i < 4; i++ {
		write(t, in, fmt.Sprintf("p%d.jpg", i), fmt.Sprintf("ok %d", i))
	}
	dead := newSink()
	dead.setDown(true)
	w := newWorker(t, spool, dead, func(o *worker.Options) { o.DrainTimeout = 50 * time.Millisecond })
	st, err := w.Run(context.Background(), worker.Paths{in})
	if err == nil || !strings.Contains(err.Error(), "stay in the spool") {
		t.Fatalf("err = %v, want the pages kept in the spool", err)
	}
	if st.Pending != 4 {
		t.Fatalf("pending %d, want 4", st.Pending)
	}

	// While the first worker holds the spool, a second one is refused.
	if _, err := worker.New(worker.Options{Reader: fakeReader{}, Sink: newSink(), Spool: spool}); err == nil || !strings.Contains(err.Error(), "in use by another tarazy worker") {
		t.Fatalf("second worker on a busy spool: %v", err)
	}
	w.Close()

	// A new process on the same spool, the same folder given again: nothing is read
	// twice and everything is delivered once.
	sink := newSink()
	w2 := newWorker(t, spool, sink, nil)
	st2, err := w2.Run(context.Background(), worker.Paths{in})
	if err != nil {
		t.Fatal(err)
	}
	if st2.Duplicates != 4 || st2.Pages != 0 || st2.Delivered != 4 || sink.unique() != 4 {
		t.Fatalf("second run = %+v, unique %d", st2, sink.unique())
	}
}

func TestSameScanTwiceIsDeliveredOnce(t *testing.T) {
	in, spool := t.TempDir(), t.TempDir()
	write(t, in, "a.jpg", "ok same-image a")
	write(t, in, "b.jpg", "ok same-image b") // another file, the same page image inside
	write(t, in, "c.jpg", "ok")
	write(t, in, "c-copy.jpg", "ok") // byte-identical file under another name
	// c and c-copy have identical bytes, so only one of them is read.
	sink := newSink()
	w := newWorker(t, spool, sink, func(o *worker.Options) { o.Workers = 1 })
	st, err := w.Run(context.Background(), worker.Paths{in})
	if err != nil {
		t.Fatal(err)
	}
	if st.Duplicates != 1 {
		t.Errorf("duplicates = %d, want 1", st.Duplicates)
	}
	// a.jpg and b.jpg hold the same page image; c.jpg is one more page.
	if sink.unique() != 2 {
		t.Errorf("unique pages delivered = %d, want 2", sink.unique())
	}
}

func TestRefusedPageIsSetAsideWithReason(t *testing.T) {
	in, spool := t.TempDir(), t.TempDir()
	write(t, in, "p1.jpg", "ok poison")
	write(t, in, "p2.jpg", "ok")
	sink := newSink()
	w := newWorker(t, spool, sink, nil)
	st, err := w.Run(context.Background(), worker.Paths{in})
	if err != nil {
		t.Fatal(err)
	}
	if st.Failed != 1 || st.Delivered != 1 {
		t.Fatalf("stats = %+v", st)
	}
	matches, _ := filepath.Glob(filepath.Join(spool, "failed", "*.why.txt"))
	if len(matches) != 1 {
		t.Fatalf("failed reasons: %v", matches)
	}
	why, _ := os.ReadFile(matches[0])
	if !strings.Contains(string(why), "75") {
		t.Errorf("reason = %q", why)
	}
}

func TestHotFolderTakesOnlyCompleteFiles(t *testing.T) {
	hot, spool := t.TempDir(), t.TempDir()
	processed := filepath.Join(hot, "processed")
	sink := newSink()
	w := newWorker(t, spool, sink, func(o *worker.Options) { o.Processed = processed })
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan worker.Stats, 1)
	go func() {
		st, _ := w.Run(ctx, worker.HotFolder{Dir: hot, Settle: 150 * time.Millisecond, Poll: 50 * time.Millisecond})
		done <- st
	}()
	// A scanner writing a page in pieces: the reader must see the whole page.
	f, err := os.Create(filepath.Join(hot, "page1.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString("ok\n")
	for i := 0; i < 3; i++ {
		time.Sleep(60 * time.Millisecond)
		f.WriteString(fmt.Sprintf("ok part%d\n", i))
	}
	f.Close()
	write(t, hot, ".page2.jpg.part", "ok") // a temporary name is never taken
	deadline := time.Now().Add(5 * time.Second)
	for sink.unique() < 4 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	st := <-done
	if st.Pages != 4 || sink.unique() != 4 {
		t.Fatalf("pages %d, delivered %d: the file was taken before it was complete", st.Pages, sink.unique())
	}
	if _, err := os.Stat(filepath.Join(processed, "page1.jpg")); err != nil {
		t.Errorf("processed file not moved: %v", err)
	}
	if _, err := os.Stat(filepath.Join(hot, ".page2.jpg.part")); err != nil {
		t.Errorf("temporary file touched: %v", err)
	}
}

func TestSANEBatch(t *testing.T) {
	dir, spool, bin := t.TempDir(), t.TempDir(), t.TempDir()
	// A stand-in for scanimage: writes three pages with the --batch pattern, prints
	// each name as --batch-print does, then reports the empty feeder.
	script := `#!/bin/sh
for a in "$@"; do case "$a" in --batch=*) pat="${a#--batch=}";; esac; done
echo "$@" > "` + dir + `/args"
for i in 1 2 3; do f=$(printf "$pat" $i); echo "ok $i" > "$f"; echo "$f"; done
echo "scanimage: sane_start: Document feeder out of documents" >&2
exit 7
`
	fake := filepath.Join(bin, "scanimage")
	if err := os.WriteFile(fake, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	sink := newSink()
	w := newWorker(t, spool, sink, nil)
	src := worker.SANE{Device: "fujitsu:fi-7160:1234", Dir: dir, Source: "ADF Duplex", Command: fake}
	st, err := w.Run(context.Background(), src)
	if err != nil {
		t.Fatal(err)
	}
	if st.Pages != 3 || sink.unique() != 3 {
		t.Fatalf("stats %+v", st)
	}
	args, _ := os.ReadFile(filepath.Join(dir, "args"))
	for _, want := range []string{"--device-name=fujitsu:fi-7160:1234", "--batch-print", "--format=tiff", "--resolution=300", "--source=ADF Duplex"} {
		if !strings.Contains(string(args), want) {
			t.Errorf("scanimage args %q lack %q", args, want)
		}
	}
}

func TestSANEFailureIsReported(t *testing.T) {
	dir, spool, bin := t.TempDir(), t.TempDir(), t.TempDir()
	fake := filepath.Join(bin, "scanimage")
	os.WriteFile(fake, []byte("#!/bin/sh\necho 'scanimage: open of device x failed: Invalid argument' >&2\nexit 1\n"), 0o755)
	w := newWorker(t, spool, newSink(), nil)
	_, err := w.Run(context.Background(), worker.SANE{Device: "x", Dir: dir, Command: fake})
	if err == nil || !strings.Contains(err.Error(), "open of device x failed") {
		t.Fatalf("err = %v", err)
	}
}

func TestWarmupSeesTheFirstFilesBeforeAnyIsRead(t *testing.T) {
	in, spool := t.TempDir(), t.TempDir()
	for i := 0; i < 7; i++ {
		write(t, in, fmt.Sprintf("p%d.jpg", i), fmt.Sprintf("ok %d", i))
	}
	sink := newSink()
	var warm []string
	w := newWorker(t, spool, sink, func(o *worker.Options) {
		o.WarmupFiles = 5
		o.Warmup = func(ctx context.Context, files []string) error {
			if sink.unique() != 0 {
				t.Error("a page was delivered before the warm-up")
			}
			warm = append(warm, files...)
			return nil
		}
	})
	st, err := w.Run(context.Background(), worker.Paths{in})
	if err != nil {
		t.Fatal(err)
	}
	if len(warm) != 5 || st.Pages != 7 || sink.unique() != 7 {
		t.Fatalf("warm-up saw %d files; read %d pages, delivered %d", len(warm), st.Pages, sink.unique())
	}
}

func TestWarmupOnAShortBatchAndAPausingFolder(t *testing.T) {
	hot, spool := t.TempDir(), t.TempDir()
	write(t, hot, "p1.jpg", "ok 1")
	sink := newSink()
	warmed := make(chan int, 1)
	w := newWorker(t, spool, sink, func(o *worker.Options) {
		o.WarmupWait = 100 * time.Millisecond
		o.Warmup = func(ctx context.Context, files []string) error { warmed <- len(files); return nil }
	})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go w.Run(ctx, worker.HotFolder{Dir: hot, Settle: 50 * time.Millisecond, Poll: 50 * time.Millisecond})
	select {
	case n := <-warmed:
		if n != 1 {
			t.Fatalf("warm-up on %d files, want the 1 that came before the pause", n)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the warm-up waited for 40 files that never come")
	}
	deadline := time.Now().Add(5 * time.Second)
	for sink.unique() < 1 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if sink.unique() != 1 {
		t.Fatal("the warm-up file was not read afterwards")
	}
}

func TestWarmupFailureStopsTheBatch(t *testing.T) {
	in, spool := t.TempDir(), t.TempDir()
	write(t, in, "p1.jpg", "ok 1")
	w := newWorker(t, spool, newSink(), func(o *worker.Options) {
		o.Warmup = func(ctx context.Context, files []string) error { return errors.New("profile file is not writable") }
	})
	if _, err := w.Run(context.Background(), worker.Paths{in}); err == nil || !strings.Contains(err.Error(), "not writable") {
		t.Fatalf("err = %v", err)
	}
}

type refusingSink struct{}

func (refusingSink) Deliver(ctx context.Context, b worker.Batch, p []*worker.Page) error {
	return worker.Fatal(errors.New("the token works for school S2 only"))
}

func TestFatalSinkErrorStopsAHotFolderAndKeepsThePages(t *testing.T) {
	hot, spool := t.TempDir(), t.TempDir()
	write(t, hot, "p1.jpg", "ok 1")
	w := newWorker(t, spool, refusingSink{}, nil)
	done := make(chan error, 1)
	go func() {
		_, err := w.Run(context.Background(), worker.HotFolder{Dir: hot, Settle: 50 * time.Millisecond, Poll: 50 * time.Millisecond})
		done <- err
	}()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "school S2 only") {
			t.Fatalf("err = %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("a refused token did not stop the worker")
	}
	w.Close()
	sp, err := worker.OpenSpool(spool)
	if err != nil {
		t.Fatal(err)
	}
	defer sp.Close()
	if sp.Len() != 1 {
		t.Fatalf("spool holds %d pages, want the 1 that could not go out", sp.Len())
	}
}

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// Pages that wait in the spool go out together, bounded by count and bytes, and a
// page the sink refuses never holds the others back.
func TestPagesAreDeliveredInBoundedBatches(t *testing.T) {
	in, spool := t.TempDir(), t.TempDir()
	for i := 0; i < 10; i++ {
		write(t, in, fmt.Sprintf("p%02d.jpg", i), fmt.Sprintf("ok %d", i))
	}
	write(t, in, "p99.jpg", "ok poison")
	sink := newSink()
	sink.setDown(true)
	w := newWorker(t, spool, sink, func(o *worker.Options) { o.DrainTimeout = 50 * time.Millisecond })
	if _, err := w.Run(context.Background(), worker.Paths{in}); err == nil {
		t.Fatal("a dead sink delivered")
	}
	w.Close()

	sink.setDown(false)
	w = newWorker(t, spool, sink, func(o *worker.Options) { o.MaxBatchPages = 4 })
	st, err := w.Run(context.Background(), worker.Paths{in})
	if err != nil {
		t.Fatal(err)
	}
	if st.Delivered != 10 || st.Failed != 1 || sink.unique() != 10 {
		t.Fatalf("stats = %+v, unique %d", st, sink.unique())
	}
	// 11 pages in groups of at most 4: 3 groups, the poisoned one split until the
	// poison stands alone.
	if st.Deliveries > 5 || st.Deliveries < 3 {
		t.Errorf("%d deliveries for 10 pages in groups of 4", st.Deliveries)
	}

	// A byte bound smaller than two pages sends one page at a time.
	in2, spool2 := t.TempDir(), t.TempDir()
	for i := 0; i < 3; i++ {
		write(t, in2, fmt.Sprintf("p%d.jpg", i), fmt.Sprintf("ok %d", i))
	}
	sink2 := newSink()
	w2 := newWorker(t, spool2, sink2, func(o *worker.Options) { o.MaxBatchBytes = 1; o.Workers = 1 })
	st2, err := w2.Run(context.Background(), worker.Paths{in2})
	if err != nil || st2.Deliveries != 3 || sink2.unique() != 3 {
		t.Errorf("byte bound: %+v, %v", st2, err)
	}
}

func TestEachKeepsOrderAndStopsAtTheFirstError(t *testing.T) {
	var got []int
	err := worker.Each(context.Background(), 3, slices.Values([]int{5, 1, 4, 2, 3}), func(ctx context.Context, n int) (int, error) {
		time.Sleep(time.Duration(n) * time.Millisecond)
		return n * 10, nil
	}, func(n, out int) error { got = append(got, out); return nil })
	if err != nil || !slices.Equal(got, []int{50, 10, 40, 20, 30}) {
		t.Fatalf("got %v, %v", got, err)
	}
	boom := errors.New("boom")
	err = worker.Each(context.Background(), 2, slices.Values([]int{1, 2, 3, 4, 5, 6}), func(ctx context.Context, n int) (int, error) {
		if n == 3 {
			return 0, boom
		}
		return n, nil
	}, nil)
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v", err)
	}
}
