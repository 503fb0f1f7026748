package main

import (
	"bytes"
	"encoding/json"
	"image/png"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/pdfcpu/pdfcpu/pkg/api"

	"tarazy/calibration"
	"tarazy/omr/form"
	"tarazy/omr/reading"
	"tarazy/omr/synth"
)

func TestSheetLayoutJSON(t *testing.T) {
	out := filepath.Join(t.TempDir(), "layout.json")
	if code, _, stderr := run(t, "sheet", "layout", "--form", "g7", "--out", out); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	b, _ := os.ReadFile(out)
	if !bytes.HasPrefix(b, []byte(`{"form":"g7","page_mm":[210,297],"bubbles":[{"field":"q1","value":"A","x_mm":`)) {
		t.Fatalf("layout does not start with the published shape: %.120s", b)
	}
	var l struct {
		Bubbles []struct {
			Field, Value string
			X            float64 `json:"x_mm"`
			R            float64 `json:"r_mm"`
		}
	}
	if err := json.Unmarshal(b, &l); err != nil {
		t.Fatal(err)
	}
	fields := map[string]int{}
	for _, bb := range l.Bubbles {
		fields[bb.Field]++
	}
	if len(l.Bubbles) != 75*5+12*10+4 || fields["q75"] != 5 || fields["iin12"] != 10 || fields["variant"] != 4 {
		t.Fatalf("%d bubbles, fields %v", len(l.Bubbles), fields)
	}
}

func TestSheetPDFForCandidates(t *testing.T) {
	dir := t.TempDir()
	csv := filepath.Join(dir, "c.csv")
	os.WriteFile(csv, []byte("iin,name,serial\n080215500125,Әлихан Серікұлы,7\n"+validIIN(t, 2)+",Айгерім Нұрланқызы,\n"), 0o644)
	out := filepath.Join(dir, "s.pdf")
	if code, _, stderr := run(t, "sheet", "pdf", "--form", "g6", "--candidates", csv, "--contest", "NIS-2026", "--out", out); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	f, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	n, err := api.PageCount(f, nil)
	if err != nil || n != 2 {
		t.Fatalf("%d pages (%v), want one per candidate", n, err)
	}
}

func validIIN(t *testing.T, seed uint64) string {
	f, _ := form.Get("g5")
	return synth.RandomCandidate(f, seed).IIN
}

func TestSheetCandidatesErrorsNameTheLine(t *testing.T) {
	dir := t.TempDir()
	csv := filepath.Join(dir, "c.csv")
	os.WriteFile(csv, []byte("name,iin\nӘлихан,080215500125\nАйгерім,080215500126\n,"+validIIN(t, 3)+"\nДамир,080215500125\n"), 0o644)
	out := filepath.Join(dir, "s.pdf")
	code, _, stderr := run(t, "sheet", "pdf", "--form", "g7", "--candidates", csv, "--out", out)
	if code != 1 {
		t.Fatalf("exit %d, want 1", code)
	}
	for _, want := range []string{"line 3:", "check digit", "line 4: the name is empty", "line 5: IIN 080215500125 is already registered on line 2", "nothing was printed"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	if _, err := os.Stat(out); err == nil {
		t.Error("a PDF was written despite the errors")
	}
}

func TestSheetPNG(t *testing.T) {
	out := filepath.Join(t.TempDir(), "b.png")
	if code, _, stderr := run(t, "sheet", "png", "--form", "g5", "--dpi", "100", "--serial", "12", "--out", out); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	f, _ := os.Open(out)
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); b.Dx() != 827 || b.Dy() != 1169 {
		t.Fatalf("size %v, want A4 at 100 dpi", b)
	}
}

func TestSheetUsage(t *testing.T) {
	if code, _, _ := run(t, "sheet", "poster", "--out", "x"); code != 2 {
		t.Errorf("unknown output: exit %d, want 2", code)
	}
	if code, _, _ := run(t, "sheet", "pdf", "--form", "g9", "--out", "x"); code != 2 {
		t.Errorf("unknown form: exit %d, want 2", code)
	}
}

// scanDir writes a few generated scans and one bad file.
func scanDir(t *testing.T, n int) (string, []synth.Scan) {
	dir := t.TempDir()
	f, _ := form.Get("g7")
	g := synth.New(synth.Options{DPI: 150, Clean: true})
	var scans []synth.Scan
	for i := 0; i < n; i++ {
		s, err := g.Generate(f, synth.RandomCandidate(f, uint64(i)), uint64(i))
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(dir, s.Name), s.Data, 0o644)
		scans = append(scans, s)
	}
	os.WriteFile(filepath.Join(dir, "zz-broken.jpg"), []byte{0xFF, 0xD8, 0xFF, 0xE0, 1, 2}, 0o644)
	os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("not a scan"), 0o644)
	return dir, scans
}

var readingLine = regexp.MustCompile(`^\{"file":"[^"]*","page":1,"status":"(ok|review|rejected)","form":"[^"]*","sheet":"[^"]*","iin":"[^"]*","variant":"[^"]*","answers":\[[^\]]*\],"review":\[[^\]]*\],"error":"[^"]*"(,"error_code":"[a-z0-9-]+")?(,"align":\{"width":\d+,"height":\d+,"h":\[[^\]]*\]\})?(,"reader":\{"version":"[^"]+","form":"[^"]+","profile":"[0-9a-f]{64}"\})?\}$`)

func TestScanWritesOneLinePerPage(t *testing.T) {
	dir, scans := scanDir(t, 3)
	out := filepath.Join(t.TempDir(), "r.jsonl")
	code, _, stderr := run(t, "scan", "--workers", "2", "--out", out, dir)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	b, _ := os.ReadFile(out)
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) != 4 {
		t.Fatalf("%d lines, want 3 sheets and 1 broken file:\n%s", len(lines), b)
	}
	for _, l := range lines {
		if !readingLine.MatchString(l) {
			t.Errorf("line is not the published shape:\n%s", l)
		}
	}
	rs, err := reading.ReadJSONL(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	for i, s := range scans {
		if rs[i].Status != reading.StatusOK || rs[i].IIN != s.Truth.IIN || strings.Join(rs[i].Answers, ",") != strings.Join(s.Truth.Answers, ",") {
			t.Errorf("%s: %+v", s.Name, rs[i])
		}
	}
	if rs[3].Status != reading.StatusRejected || !strings.Contains(rs[3].Error, "cut short") {
		t.Errorf("broken file: %+v", rs[3])
	}
	if !strings.Contains(stderr, "ok 3, review 0, rejected 1") {
		t.Errorf("summary missing: %s", stderr)
	}
}

func TestCalibrateWritesProfileAndHistogram(t *testing.T) {
	dir, _ := scanDir(t, 4)
	tmp := t.TempDir()
	prof, hist := filepath.Join(tmp, "p.json"), filepath.Join(tmp, "h.png")
	code, stdout, stderr := run(t, "calibrate", "--scanner", "test scanner", "--out", prof, "--histogram", hist, dir)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(stdout, `"scanner": "test scanner"`) {
		t.Errorf("profile not printed: %s", stdout)
	}
	p, err := calibration.Load(prof)
	if err != nil || p.Pages != 4 {
		t.Fatalf("profile %+v, %v", p, err)
	}
	if fi, err := os.Stat(hist); err != nil || fi.Size() < 1000 {
		t.Fatalf("histogram: %v", err)
	}
	out := filepath.Join(tmp, "r.jsonl")
	if code, _, stderr := run(t, "scan", "--profile", prof, "--out", out, dir); code != 0 || !strings.Contains(stderr, "ok 4") {
		t.Fatalf("scan with the profile: exit %d: %s", code, stderr)
	}
}
