package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"tarazy/omr/form"
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
		sh, err := st.Sheet(context.Background(), "C1", s)
		if err != nil {
			t.Fatalf("sheet %s not stored: %v", s, err)
		}
		if sh.School != "S1" || sh.Form != "g5" {
			t.Errorf("sheet %s = %+v", s, sh)
		}
	}
	batches, err := st.Batches(context.Background(), "C1", "S1")
	if err != nil || len(batches) != 1 || batches[0].Operator != "Айгерім" || !strings.Contains(batches[0].Calibration, `"blank_max"`) {
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
	if len(batches) != 1 || batches[0].Name != "hall 3" || batches[0].Pages != 4 || batches[0].Calibration == "" {
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
