package main

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"tarazy/internal/samples"
	"tarazy/omr/form"
	"tarazy/omr/reading"
	"tarazy/omr/synth"
	"tarazy/server/client"
	"tarazy/store"
	"tarazy/store/storetest"
)

// scansFolder writes n clean synthetic scans of registered-looking candidates, plus a
// file that is not a sheet, and returns the folder and the serials.
func scansFolder(t *testing.T, n int) (string, []string) {
	t.Helper()
	dir := t.TempDir()
	f, _ := form.Get("g5")
	g := synth.New(synth.Options{DPI: 150, Clean: true, Upright: true})
	var serials []string
	for i := 0; i < n; i++ {
		c := synth.RandomCandidate(f, uint64(100+i))
		c.Serial = 1000 + i
		c.Variant = 1 + i%2
		sc, err := g.Generate(f, c, uint64(100+i))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("page-%03d.jpg", i)), sc.Data, 0o644); err != nil {
			t.Fatal(err)
		}
		serials = append(serials, sc.Truth.Sheet)
	}
	if err := os.WriteFile(filepath.Join(dir, "page-999.jpg"), []byte("this is a note, not a scan"), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir, serials
}

// seededData makes a data folder whose embedded store holds contest C1 and schools
// S1, S2.
func seededData(t *testing.T) string {
	t.Helper()
	data := t.TempDir()
	db := &dbFlags{data: data}
	st, err := db.openMigrated(context.Background(), &Env{Stdout: discard{}, Stderr: discard{}})
	if err != nil {
		t.Fatal(err)
	}
	storetest.Seed(t, st)
	st.Close()
	return data
}

func TestWorkerStandaloneIntoTheEmbeddedStore(t *testing.T) {
	scans, serials := scansFolder(t, 4)
	data := seededData(t)
	args := []string{"worker", "--data", data, "--contest", "C1", "--school", "S1", "--batch", "hall 2", "--operator", "Айгерім", "--scanner", "fi-7160", scans}
	out := mustRun(t, args...)
	for _, want := range []string{`batch "hall 2"`, "files 5, pages read 5", "rejected 1", "delivered 5", "stored 4"} {
		if !strings.Contains(out, want) {
			t.Errorf("summary lacks %q:\n%s", want, out)
		}
	}
	why, err := os.ReadFile(filepath.Join(data, "spool", "quarantine", "page-999.jpg.why.txt"))
	if err != nil || len(why) == 0 {
		t.Errorf("no reason beside the quarantined file: %v", err)
	}
	if _, err := os.Stat(filepath.Join(scans, "page-999.jpg")); err != nil {
		t.Error("files given on the command line must stay where they are")
	}

	db := &dbFlags{data: data}
	st, err := db.open(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for _, s := range serials {
		sh, err := st.Sheet(context.Background(), "C1", "S1", s)
		if err != nil {
			t.Fatalf("sheet %s not stored: %v", s, err)
		}
		if sh.School != "S1" || sh.Form != "g5" {
			t.Errorf("sheet %s = %+v", s, sh)
		}
	}
	batches, err := st.Batches(context.Background(), "C1", "S1")
	if err != nil || len(batches) != 1 || batches[0].Operator != "Айгерім" || batches[0].Calibration == nil || batches[0].Calibration.Profile.BlankMax == 0 {
		t.Fatalf("batches = %+v, %v", batches, err)
	}
	st.Close()

	// The same stack again: nothing read twice, nothing stored twice.
	out = mustRun(t, args...)
	if !strings.Contains(out, "already read before 5") || !strings.Contains(out, "delivered 0") {
		t.Errorf("second run:\n%s", out)
	}
}

func TestWorkerUploadsToTheServer(t *testing.T) {
	scans, serials := scansFolder(t, 3)
	data := seededData(t)
	commission := mustRun(t, "token", "create", "--data", data, "--name", "Айгерім", "--role", "commission", "--school", "S1")
	other := mustRun(t, "token", "create", "--data", data, "--name", "Сәуле", "--role", "commission", "--school", "S2")
	srv := startServe(t, "--data", data)

	// A token of another school is refused before anything is read.
	code, _, errOut := run(t, "worker", "--data", t.TempDir(), "--server", srv.URL, "--token", other, "--contest", "C1", "--school", "S1", scans)
	if code != 1 || !strings.Contains(errOut, "cannot upload sheets of school S1") {
		t.Fatalf("wrong school's token: exit %d\n%s", code, errOut)
	}

	spool := t.TempDir()
	out := mustRun(t, "worker", "--server", srv.URL, "--token", commission, "--contest", "C1", "--school", "S1",
		"--spool", spool, "--batch", "hall 3", scans)
	if !strings.Contains(out, "delivered 4") || !strings.Contains(out, "stored 3") {
		t.Fatalf("summary:\n%s", out)
	}
	c := client.New(srv.URL, commission)
	for _, s := range serials {
		var sh store.Sheet
		if err := c.Do(context.Background(), "GET", client.SchoolPath("C1", "S1")+"/sheets/"+s, "", nil, &sh); err != nil {
			t.Fatalf("sheet %s: %v", s, err)
		}
	}
	var batches []store.BatchSummary
	if err := c.Do(context.Background(), "GET", client.SchoolPath("C1", "S1")+"/batches", "", nil, &batches); err != nil {
		t.Fatal(err)
	}
	if len(batches) != 1 || batches[0].Name != "hall 3" || batches[0].Pages != 4 || batches[0].Calibration == nil {
		t.Fatalf("batches = %+v", batches)
	}
}

func TestWorkerUsage(t *testing.T) {
	for _, args := range [][]string{
		{"worker", "some-folder"},                                          // no contest or school
		{"worker", "--contest", "C1", "--school", "S1"},                    // no source
		{"worker", "--contest", "C1", "--school", "S1", "--hot", "x", "y"}, // two sources
		{"worker", "--contest", "C1", "--school", "S1", "--server", "http://x", "y"},
	} {
		if code, _, _ := run(t, args...); code != 2 {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
	}
}

// workerProc is `tarazy worker` running as its own process, so a test can kill it.
func startWorkerProc(t *testing.T, args ...string) (*exec.Cmd, *bytes.Buffer) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), runMainEnv+"="+strings.Join(append([]string{"worker"}, args...), "\n"))
	out := &bytes.Buffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			cmd.Wait()
		}
	})
	return cmd, out
}

func waitFor(t *testing.T, what string, timeout time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// A worker killed (SIGKILL) in the middle of a hot-folder batch loses nothing: the
// restarted worker finishes the batch from its spool and the folder, and the server
// holds every page exactly once.
func TestWorkerKilledMidBatchResumesAndDeliversEachPageOnce(t *testing.T) {
	staging, _ := scansFolder(t, 12)
	os.Remove(filepath.Join(staging, "page-999.jpg"))
	data := seededData(t)
	commission := mustRun(t, "token", "create", "--data", data, "--name", "Айгерім", "--role", "commission", "--school", "S1")
	srv := startServe(t, "--data", data)
	c := client.New(srv.URL, commission)
	pages := func() (n, stored int) {
		var bs []store.BatchSummary
		if err := c.Do(context.Background(), "GET", client.SchoolPath("C1", "S1")+"/batches", "", nil, &bs); err != nil {
			return 0, 0
		}
		for _, b := range bs {
			n += b.Pages
			stored += b.Outcomes[store.OutcomeStored]
		}
		return n, stored
	}
	hot, spool := t.TempDir(), t.TempDir()
	args := []string{"--server", srv.URL, "--token", commission, "--contest", "C1", "--school", "S1", "--hot", hot,
		"--spool", spool, "--batch", "hall 2", "--learn", "0", "--settle", "100ms", "--workers", "1"}
	w1, out1 := startWorkerProc(t, args...)

	// The scanner writes pages one after another.
	files, _ := filepath.Glob(filepath.Join(staging, "*.jpg"))
	go func() {
		for _, f := range files {
			b, _ := os.ReadFile(f)
			os.WriteFile(filepath.Join(hot, filepath.Base(f)), b, 0o644)
			time.Sleep(100 * time.Millisecond)
		}
	}()
	waitFor(t, "the first pages to reach the server", 60*time.Second, func() bool { n, _ := pages(); return n >= 3 })
	w1.Process.Kill()
	w1.Wait()
	if n, _ := pages(); n >= len(files) {
		t.Logf("the worker finished before it was killed; the test proves less:\n%s", out1)
	}

	w2, out2 := startWorkerProc(t, args...)
	waitFor(t, "every page on the server", 60*time.Second, func() bool { n, _ := pages(); return n >= len(files) })
	waitFor(t, "the hot folder to empty", 30*time.Second, func() bool {
		left, _ := filepath.Glob(filepath.Join(hot, "*.jpg"))
		return len(left) == 0
	})
	w2.Process.Signal(syscall.SIGTERM)
	w2.Wait()

	n, stored := pages()
	if n != len(files) || stored != len(files) {
		t.Fatalf("server holds %d pages (%d stored) of %d scanned\nfirst run:\n%s\nsecond run:\n%s", n, stored, len(files), out1, out2)
	}
	if items, _ := filepath.Glob(filepath.Join(spool, "items", "*.json")); len(items) != 0 {
		t.Errorf("%d pages still in the spool", len(items))
	}
	if done, _ := filepath.Glob(filepath.Join(hot, "processed", "*.jpg")); len(done) != len(files) {
		t.Errorf("%d files in processed/, want %d", len(done), len(files))
	}
}

// multiPageTIFF is an uncompressed grey TIFF of n blank w×h pages: what a scanner's
// software makes of an empty stack, or a 60 KB file declaring 10,000 pages.
func multiPageTIFF(n, w, h int) []byte {
	le := binary.LittleEndian
	out := []byte{'I', 'I', 42, 0, 0, 0, 0, 0}
	prevNext := 4 // where the offset of the next directory goes
	for i := 0; i < n; i++ {
		pixels := len(out)
		for j := 0; j < w*h; j++ {
			out = append(out, 0xff)
		}
		if len(out)%2 == 1 {
			out = append(out, 0)
		}
		le.PutUint32(out[prevNext:], uint32(len(out)))
		entries := [][3]uint32{ // tag, type (3 short, 4 long), value
			{256, 3, uint32(w)}, {257, 3, uint32(h)}, {258, 3, 8}, {259, 3, 1}, {262, 3, 1},
			{273, 4, uint32(pixels)}, {277, 3, 1}, {278, 3, uint32(h)}, {279, 4, uint32(w * h)},
		}
		out = le.AppendUint16(out, uint16(len(entries)))
		for _, e := range entries {
			out = le.AppendUint16(out, uint16(e[0]))
			out = le.AppendUint16(out, uint16(e[1]))
			out = le.AppendUint32(out, 1)
			out = le.AppendUint32(out, e[2])
		}
		prevNext = len(out)
		out = le.AppendUint32(out, 0)
	}
	return out
}

// A refused multi-page file is stored once, not once per page: each page of a TIFF
// used to carry a copy of the whole file, and a small file of many empty pages cost
// the server hundreds of megabytes (issue 12, item 3).
func TestRefusedMultiPageFileIsStoredOnce(t *testing.T) {
	dir := t.TempDir()
	tif := multiPageTIFF(20, 320, 320)
	if err := os.WriteFile(filepath.Join(dir, "empty-stack.tif"), tif, 0o644); err != nil {
		t.Fatal(err)
	}
	data := seededData(t)
	out := mustRun(t, "worker", "--data", data, "--contest", "C1", "--school", "S1", "--batch", "empty", "--learn", "0", dir)
	var stored int64
	filepath.WalkDir(filepath.Join(data, "images"), func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if info, err := d.Info(); err == nil {
				stored += info.Size()
			}
		}
		return nil
	})
	if stored > 2*int64(len(tif)) {
		t.Errorf("a refused %d-byte file of 20 pages takes %d bytes of the image store; want it once\n%s", len(tif), stored, out)
	}
	st, err := (&dbFlags{data: data}).open(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	rej, err := st.RejectedPages(context.Background(), "C1", "S1", "empty")
	if err != nil || len(rej) != 1 || !strings.Contains(rej[0].Reason, "20 of the file's 20 pages") {
		t.Fatalf("rejected pages = %+v, %v; want the file once with every page's reason", rej, err)
	}
}

// The project's sample scans (testdata/scans: each grade, turned pages, a TIFF and a
// PDF of two sheets, a page that is not a sheet) go through the worker into the store
// and read as they must.
func TestWorkerReadsTheSampleScans(t *testing.T) {
	want, err := samples.Load()
	if err != nil {
		t.Fatal(err)
	}
	data := seededData(t)
	out := mustRun(t, append([]string{"worker", "--data", data, "--contest", "C1", "--school", "S1", "--batch", "samples", "--learn", "0"}, samples.Files(want)...)...)
	st, err := (&dbFlags{data: data}).open(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for _, e := range want {
		if e.Status == reading.StatusRejected {
			continue
		}
		sh, err := st.Sheet(context.Background(), "C1", "S1", e.Sheet)
		if err != nil {
			t.Fatalf("%s page %d (sheet %s) not stored: %v\n%s", e.File, e.Page, e.Sheet, err, out)
		}
		if why := e.Check(sh.Reading); why != "" {
			t.Errorf("%s page %d: %s", e.File, e.Page, why)
		}
	}
	rej, err := st.RejectedPages(context.Background(), "C1", "S1", "samples")
	if err != nil || len(rej) != 1 || rej[0].File != "not-a-sheet.jpg" {
		t.Errorf("rejected pages = %+v, %v; want the page that is not a sheet", rej, err)
	}
}
