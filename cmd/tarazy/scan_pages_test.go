package main

import (
	"bytes"
	"image"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gocv.io/x/gocv"

	"tarazy/omr/form"
	"tarazy/omr/reading"
	"tarazy/omr/synth"
)

// The pages of one multi-page TIFF are read by the whole pool and come out in page
// order, each page its own reading.
func TestScanReadsTheStackOfAMultiPageFile(t *testing.T) {
	f, _ := form.Get("g7")
	g := synth.New(synth.Options{DPI: 150, Clean: true})
	var pages []*image.Gray
	var scans []synth.Scan
	for i := uint64(0); i < 4; i++ {
		s, err := g.Generate(f, synth.RandomCandidate(f, 40+i), 40+i)
		if err != nil {
			t.Fatal(err)
		}
		m, err := gocv.IMDecode(s.Data, gocv.IMReadGrayScale)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := m.DataPtrUint8()
		pages = append(pages, &image.Gray{Pix: append([]uint8(nil), b...), Stride: m.Cols(), Rect: image.Rect(0, 0, m.Cols(), m.Rows())})
		m.Close()
		scans = append(scans, s)
	}
	tif, err := synth.EncodeTIFF(pages, false)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "stack.tif"), tif, 0o644)
	os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("not a scan"), 0o644)
	os.WriteFile(filepath.Join(dir, "scan.bmp"), []byte("BM not really"), 0o644)
	out := filepath.Join(t.TempDir(), "r.jsonl")
	code, _, stderr := run(t, "scan", "--workers", "3", "--out", out, dir)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	b, _ := os.ReadFile(out)
	rs, err := reading.ReadJSONL(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	// The .bmp is a scan by its name (and rejected by its content); notes.txt is not.
	if len(rs) != 5 {
		t.Fatalf("%d readings, want the stack's 4 pages and the .bmp:\n%s", len(rs), b)
	}
	if !strings.HasSuffix(rs[0].File, "scan.bmp") || rs[0].Status != reading.StatusRejected || rs[0].ErrorCode == "" {
		t.Errorf("the .bmp: %+v", rs[0])
	}
	for i, s := range scans {
		rd := rs[i+1]
		if rd.Page != i+1 || rd.Status != reading.StatusOK || rd.IIN != s.Truth.IIN {
			t.Errorf("page %d: %+v, want the IIN %s", i+1, rd, s.Truth.IIN)
		}
	}
	if !strings.Contains(stderr, "skipped 1 file(s) that are not scans") || !strings.Contains(stderr, "notes.txt") {
		t.Errorf("the skipped file is not named: %s", stderr)
	}
}
