package validation

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"image"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/image/tiff"

	"tarazy/iin"
	"tarazy/omr"
	"tarazy/omr/reading"
)

var update = flag.Bool("update", false, "rewrite testdata/golden.json")

// goldenCases are the files whose bytes testdata/golden.json fixes: one of each kind of
// output made in pure Go (the libtiff tools are left out: their bytes are theirs).
var goldenCases = []struct {
	cond string
	i    int
}{
	{"ordinary", 0}, {"erased-grey", 0}, {"colour", 0}, {"bitonal-dither", 0},
	{"phone-photo", 0}, {"foreign-sheet", 0}, {"huge-header", 0}, {"multipage-pdf", 0},
}

type golden struct {
	File  string `json:"file"`
	Bytes string `json:"sha256"`
	Truth string `json:"truth_sha256"`
}

// TestCorpusIsReproducible regenerates a few files and compares their hashes with the
// goldens: the same seed must give the same corpus, or a failure found today cannot be
// looked at tomorrow. After a deliberate change to a model, rewrite them with -update.
func TestCorpusIsReproducible(t *testing.T) {
	got := map[string]golden{}
	for _, gc := range goldenCases {
		c := conditionNamed(t, gc.cond)
		name, data, pages, err := generate(c, DefaultSeed, gc.i)
		if err != nil {
			t.Fatal(err)
		}
		tj, err := json.Marshal(pages)
		if err != nil {
			t.Fatal(err)
		}
		b, tr := sha256.Sum256(data), sha256.Sum256(tj)
		got[gc.cond+"#"+itoa(gc.i)] = golden{name, hex.EncodeToString(b[:]), hex.EncodeToString(tr[:])}
	}
	path := filepath.Join("testdata", "golden.json")
	if *update {
		b, _ := json.MarshalIndent(got, "", "  ")
		if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./omr/validation -run Reproducible -update)", err)
	}
	want := map[string]golden{}
	if err := json.Unmarshal(b, &want); err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("the corpus changed (-want +got); if a model was changed on purpose, rerun with -update:\n%s", d)
	}
}

func itoa(i int) string { b, _ := json.Marshal(i); return string(b) }

func conditionNamed(t *testing.T, name string) *condition {
	t.Helper()
	for i := range conditions {
		if conditions[i].name == name {
			return &conditions[i]
		}
	}
	t.Fatalf("no condition %q", name)
	return nil
}

// TestTruthIsConsistent checks every truth the corpus states: a checksum-valid IIN, a
// variant and answers the form has, classes that match the status.
func TestTruthIsConsistent(t *testing.T) {
	dir := t.TempDir()
	files, err := Generate(t.Context(), dir, Options{PerCondition: 1, Conditions: []string{"ordinary", "erased-lone", "multipage-tiff", "duplex-back", "glass-streak"}, Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if _, err := os.Stat(filepath.Join(dir, f.Name)); err != nil {
			t.Error(err)
		}
		for _, p := range f.Pages {
			w := p.Want
			if p.Class == MustReject {
				if w.Status != reading.StatusRejected {
					t.Errorf("%s p%d: must_reject with status %q", f.Name, p.Page, w.Status)
				}
				continue
			}
			if w.Status != reading.StatusOK || !iin.Valid(w.IIN) || w.File != f.Name || w.Page != p.Page {
				t.Errorf("%s p%d: truth %+v", f.Name, p.Page, w)
			}
			l := layoutOf(w.Form)
			if len(w.Answers) != l.Form.Questions() {
				t.Errorf("%s p%d: %d answers for %d questions", f.Name, p.Page, len(w.Answers), l.Form.Questions())
			}
			for q, a := range w.Answers {
				last := -1
				for _, ch := range a {
					k := l.Form.OptionIndex(string(ch))
					if k <= last {
						t.Errorf("%s p%d q%d: %q is not options in order", f.Name, p.Page, q+1, a)
					}
					last = k
				}
			}
		}
	}
	b, err := os.ReadFile(filepath.Join(dir, "truth.jsonl"))
	if err != nil || bytes.Count(b, []byte("\n")) < len(files) {
		t.Errorf("truth.jsonl: %v, %d lines", err, bytes.Count(b, []byte("\n")))
	}
}

// TestMarksLandOnTheTruth measures the paper before any scanner sees it: every bubble
// the truth chooses is darker inside than any bubble it leaves blank, at actual size and
// printed fit to page. A slip in the print or mark geometry would make the truth lie.
func TestMarksLandOnTheTruth(t *testing.T) {
	for _, scale := range []float64{1, 0.95} {
		r := pageRand(DefaultSeed, "marks-land", int(scale*100))
		hab := ordinaryHabits()
		hab.tool = []tool{pencil, pen, ballpoint}
		hab.eraseRate, hab.loneErase, hab.idErase = 0, 0, 0
		for n := 0; n < 3; n++ {
			sh, err := newSheet(r, hab)
			if err != nil {
				t.Fatal(err)
			}
			c := newCanvas(omr.PageW, omr.PageH, 150/25.4, 1, grey(1))
			pr := actualSize()
			pr.scale = scale
			pr.off = pt{omr.PageW * (1 - scale) / 2, omr.PageH * (1 - scale) / 2}
			geo, err := printSheet(r, c, sh, pr)
			if err != nil {
				t.Fatal(err)
			}
			blank := newCanvas(omr.PageW, omr.PageH, 150/25.4, 1, grey(1))
			if _, err := printSheet(r, blank, sh, pr); err != nil {
				t.Fatal(err)
			}
			sh.markSheet(r, c, geo)
			chosen := map[int]bool{}
			for _, a := range sh.acts {
				chosen[a.bubble] = true
			}
			minMarked, maxBlank := math.Inf(1), 0.0
			for i := range sh.l.Bubbles {
				d := inkInside(c, blank, geo.spotOf(i))
				if chosen[i] {
					minMarked = math.Min(minMarked, d)
				} else {
					maxBlank = math.Max(maxBlank, d)
				}
			}
			if minMarked < 0.25 || maxBlank > 0.05 {
				t.Errorf("scale %.2f sheet %d: faintest chosen bubble %.3f, darkest blank one %.3f", scale, n, minMarked, maxBlank)
			}
		}
	}
}

// inkInside is how much darker than the printed blank the inner disc of a bubble is.
func inkInside(c, blank *canvas, s spot) float64 {
	var sum float64
	var n int
	for y := int((s.c.y - s.r) * c.pxmm); y <= int((s.c.y+s.r)*c.pxmm); y++ {
		for x := int((s.c.x - s.r) * c.pxmm); x <= int((s.c.x+s.r)*c.pxmm); x++ {
			if math.Hypot((float64(x)+0.5)/c.pxmm-s.c.x, (float64(y)+0.5)/c.pxmm-s.c.y) > 0.7*s.r {
				continue
			}
			i := y*c.w + x
			sum += float64(blank.pl[0][i] - c.pl[0][i])
			n++
		}
	}
	return sum / float64(n)
}

// TestG4KeepsEveryPixel checks that the CCITT G4 step changes no pixel of a 1-bit scan:
// the G4 condition must test the reader on the bits the generator made.
func TestG4KeepsEveryPixel(t *testing.T) {
	g := image.NewGray(image.Rect(0, 0, 301, 97))
	r := pageRand(1, "g4", 0)
	for i := range g.Pix {
		g.Pix[i] = uint8(r.IntN(256))
	}
	bw := dither(g, false)
	tmp := t.TempDir()
	data, err := encG4(tmp, []*image.Gray{bw, threshold(g, 128)})
	if err != nil {
		t.Fatal(err)
	}
	// Decoded by libtiff itself (x/image/tiff reads G4 with black and white swapped).
	if err := os.WriteFile(filepath.Join(tmp, "g4.tif"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := tiffTool(tmp, "tiffcp", "-c", "none", "g4.tif,0", "plain.tif"); err != nil {
		t.Fatal(err)
	}
	plain, err := os.ReadFile(filepath.Join(tmp, "plain.tif"))
	if err != nil {
		t.Fatal(err)
	}
	img, err := tiff.Decode(bytes.NewReader(plain))
	if err != nil {
		t.Fatal(err)
	}
	b := img.Bounds()
	for y := 0; y < b.Dy(); y++ {
		for x := 0; x < b.Dx(); x++ {
			v, _, _, _ := img.At(b.Min.X+x, b.Min.Y+y).RGBA()
			if uint8(v>>8) != bw.Pix[y*bw.Stride+x] {
				t.Fatalf("pixel (%d,%d): %d after G4, %d before", x, y, v>>8, bw.Pix[y*bw.Stride+x])
			}
		}
	}
}

// TestReadmeNamesEveryCondition keeps the README's table of conditions true.
func TestReadmeNamesEveryCondition(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	i := bytes.Index(b, []byte("### Validation corpus"))
	if i < 0 {
		t.Fatal(`README.md has no "### Validation corpus" section`)
	}
	s = s[i:]
	for _, c := range Conditions() {
		row := "| `" + c.Name + "` | " + string(c.Class) + " | " + c.What + " |"
		if !bytes.Contains([]byte(s), []byte(row)) {
			t.Errorf("README.md's validation table lacks or misdescribes %s:\n%s", c.Name, row)
		}
	}
}
