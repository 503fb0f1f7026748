package omr_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"image"
	"image/color"
	"image/jpeg"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-pdf/fpdf"
	"github.com/google/go-cmp/cmp"
	"golang.org/x/image/tiff"

	"tarazy/calibration"
	"tarazy/internal/golden"
	"tarazy/omr"
	"tarazy/omr/form"
	"tarazy/omr/reading"
	"tarazy/omr/synth"
)

func newReader(t testing.TB, opt omr.Options) *omr.Reader {
	t.Helper()
	r, err := omr.NewReader(opt)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func mustForm(t testing.TB, id string) *form.Form {
	t.Helper()
	f, err := form.Get(id)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// cleanScan is a filled-in, upright, clean 200-dpi scan of a personalised g7 sheet.
func cleanScan(t testing.TB, seed uint64, opt synth.Options) synth.Scan {
	t.Helper()
	f := mustForm(t, "g7")
	c := synth.RandomCandidate(f, seed)
	c.Personalised, c.Serial = true, 4242
	if opt.DPI == 0 {
		opt.DPI = 200
	}
	opt.Clean = true
	s, err := synth.New(opt).Generate(f, c, seed)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func readOne(t testing.TB, r *omr.Reader, name string, data []byte) omr.Page {
	t.Helper()
	pages, err := r.ReadBytes(context.Background(), name, data)
	if err != nil {
		t.Fatal(err)
	}
	if len(pages) != 1 {
		t.Fatalf("%s: %d pages, want 1", name, len(pages))
	}
	return pages[0]
}

func TestCleanSheetReadsExactly(t *testing.T) {
	r := newReader(t, omr.Options{})
	for _, tc := range []struct {
		name string
		opt  synth.Options
	}{
		{"jpeg-150dpi", synth.Options{DPI: 150}},
		{"jpeg-300dpi", synth.Options{DPI: 300}},
		{"png-600dpi", synth.Options{DPI: 600, PNG: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := cleanScan(t, 7, tc.opt)
			p := readOne(t, r, s.Name, s.Data)
			g7, _ := form.Get("g7")
			// The reading names its reader, so the scan can be read the same way again.
			who := &reading.Reader{Version: omr.Version, Form: omr.FormID(g7), Profile: calibration.Default().SHA256()}
			want := reading.Reading{File: s.Name, Page: 1, Status: reading.StatusOK, Form: "g7", Sheet: "004242",
				IIN: s.Truth.IIN, Variant: s.Truth.Variant, Answers: s.Truth.Answers, Review: []string{}, Reader: who}
			got := p.Reading
			got.Align = nil
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("reading (-want +got):\n%s", diff)
			}
			checkAlign(t, p.Reading.Align, s.Truth.H, 0.25)
			if !p.Quality.QRValid || !p.Quality.StripValid || p.Quality.Corners != 4 || p.Quality.EdgeMarks != 2 {
				t.Errorf("quality %+v: want QR, strip, 4 corners and 2 edge marks", p.Quality)
			}
			if p.QR.IIN != s.Truth.IIN {
				t.Errorf("QR IIN %q, want %q", p.QR.IIN, s.Truth.IIN)
			}
		})
	}
}

// Every orientation a feeder can produce reads the same.
func TestAnyOrientation(t *testing.T) {
	r := newReader(t, omr.Options{})
	g := synth.New(synth.Options{DPI: 200})
	f := mustForm(t, "g6")
	seen := map[int]bool{}
	for seed := uint64(0); seed < 400 && len(seen) < 4; seed++ {
		c := synth.RandomCandidate(f, seed)
		s, err := g.Generate(f, c, seed)
		if err != nil {
			t.Fatal(err)
		}
		if seen[s.Truth.Rotation] {
			continue
		}
		seen[s.Truth.Rotation] = true
		p := readOne(t, r, s.Name, s.Data)
		if p.Reading.Status == reading.StatusRejected {
			t.Fatalf("turned %d°: rejected: %s", s.Truth.Rotation, p.Reading.Error)
		}
		if p.Quality.Rotation != s.Truth.Rotation {
			t.Errorf("turned %d°: reader says %d°", s.Truth.Rotation, p.Quality.Rotation)
		}
		if p.Reading.Status == reading.StatusOK && !cmp.Equal(p.Reading.Answers, s.Truth.Answers) {
			t.Errorf("turned %d°: answers (-want +got):\n%s", s.Truth.Rotation, cmp.Diff(s.Truth.Answers, p.Reading.Answers))
		}
	}
	if len(seen) < 4 {
		t.Fatalf("the generator produced only orientations %v", seen)
	}
}

func TestBadInputIsRejectedInPlainWords(t *testing.T) {
	r := newReader(t, omr.Options{})
	good := cleanScan(t, 3, synth.Options{})
	rng := rand.New(rand.NewPCG(1, 2))

	// A photo that is not a sheet: shapes and gradients.
	photo := image.NewGray(image.Rect(0, 0, 1600, 1200))
	for y := 0; y < 1200; y++ {
		for x := 0; x < 1600; x++ {
			photo.SetGray(x, y, color.Gray{uint8(60 + (x+y)/20 + rng.IntN(20))})
		}
	}
	for i := 0; i < 40; i++ {
		x, y, w := rng.IntN(1500), rng.IntN(1100), 20+rng.IntN(150)
		for yy := y; yy < y+w && yy < 1200; yy++ {
			for xx := x; xx < x+w && xx < 1600; xx++ {
				photo.SetGray(xx, yy, color.Gray{uint8(rng.IntN(40))})
			}
		}
	}
	blank := image.NewGray(image.Rect(0, 0, 1240, 1754))
	for i := range blank.Pix {
		blank.Pix[i] = uint8(235 + rng.IntN(12))
	}

	// A sheet of a form this reader does not know: grade 9.
	g9, err := form.Parse([]byte("id: g9\ngrade: 9\nminutes: 60\ntitle_kk: x\ntitle_ru: x\noptions: [A, B, C, D]\nvariants: 2\nsections:\n  - {key: math, name_kk: M, name_ru: M, questions: 20}\n"))
	if err != nil {
		t.Fatal(err)
	}
	other, err := synth.New(synth.Options{Clean: true, DPI: 200}).Generate(g9, synth.Candidate{IIN: good.Truth.IIN, Variant: 1, Answers: make([]string, 20)}, 1)
	if err != nil {
		t.Fatal(err)
	}

	textPDF := func() []byte {
		pdf := fpdf.New("P", "mm", "A4", "")
		pdf.AddPage()
		pdf.SetFont("Helvetica", "", 12)
		pdf.Text(20, 20, "Minutes of the commission")
		var b bytes.Buffer
		if err := pdf.Output(&b); err != nil {
			t.Fatal(err)
		}
		return b.Bytes()
	}()

	for _, tc := range []struct {
		name string
		data []byte
		kind error
		says string
	}{
		{"empty file", nil, omr.ErrUnreadable, "empty"},
		{"truncated JPEG", good.Data[:len(good.Data)/2], omr.ErrUnreadable, "cut short"},
		{"not an image", []byte("name,iin\nАйгерім,080215500125\n"), omr.ErrUnreadable, "JPEG, PNG, TIFF, BMP or PDF"},
		{"photo, not a sheet", encodeJPEG(t, photo), omr.ErrNotSheet, "not a tarazy answer sheet"},
		{"blank page", encodeJPEG(t, blank), omr.ErrBlank, "blank"},
		{"sheet of another form", other.Data, omr.ErrUnknownForm, "another form"},
		{"PDF with no images", textPDF, omr.ErrNotSheet, "no scanned picture"},
		{"damaged PDF", []byte("%PDF-1.4\n1 0 obj <<>>\n"), omr.ErrUnreadable, "PDF"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := readOne(t, r, tc.name, tc.data)
			if p.Reading.Status != reading.StatusRejected {
				t.Fatalf("status %q, want rejected", p.Reading.Status)
			}
			if !errors.Is(p.Err, tc.kind) {
				t.Errorf("error %v, want %v", p.Err, tc.kind)
			}
			if !strings.Contains(p.Reading.Error, tc.says) {
				t.Errorf("error %q does not say %q", p.Reading.Error, tc.says)
			}
			if p.Reading.Answers == nil || p.Reading.Review == nil {
				t.Errorf("rejected reading has nil slices: %+v", p.Reading)
			}
		})
	}
}

func TestOnlyTheAcceptedForms(t *testing.T) {
	r := newReader(t, omr.Options{Forms: []*form.Form{mustForm(t, "g5")}})
	s := cleanScan(t, 5, synth.Options{})
	p := readOne(t, r, s.Name, s.Data)
	if !errors.Is(p.Err, omr.ErrUnknownForm) || !strings.Contains(p.Reading.Error, "g5") {
		t.Fatalf("a g7 sheet read by a g5-only reader: %q (%v)", p.Reading.Error, p.Err)
	}
}

func TestMissingFileIsARejectedPage(t *testing.T) {
	r := newReader(t, omr.Options{})
	pages, err := r.ReadFile(context.Background(), filepath.Join(t.TempDir(), "nope.jpg"))
	if err != nil || len(pages) != 1 || pages[0].Reading.Status != reading.StatusRejected || !strings.Contains(pages[0].Reading.Error, "does not exist") {
		t.Fatalf("pages %+v, err %v", pages, err)
	}
}

func TestCancelledContextStops(t *testing.T) {
	r := newReader(t, omr.Options{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := r.ReadBytes(ctx, "x.jpg", []byte{1}); !errors.Is(err, context.Canceled) {
		t.Fatalf("err %v, want context.Canceled", err)
	}
}

// A scanner's PDF holds one JPEG per page; a multi-page TIFF one image per directory.
func TestMultiPageFiles(t *testing.T) {
	r := newReader(t, omr.Options{})
	a := cleanScan(t, 11, synth.Options{DPI: 150})
	b := cleanScan(t, 12, synth.Options{DPI: 150})

	t.Run("PDF", func(t *testing.T) {
		pdf := fpdf.New("P", "mm", "A4", "")
		for i, s := range []synth.Scan{a, b} {
			pdf.AddPage()
			name := "scan" + string(rune('a'+i))
			pdf.RegisterImageOptionsReader(name, fpdf.ImageOptions{ImageType: "JPG"}, bytes.NewReader(s.Data))
			pdf.ImageOptions(name, 0, 0, 210, 297, false, fpdf.ImageOptions{ImageType: "JPG"}, 0, "")
		}
		var buf bytes.Buffer
		if err := pdf.Output(&buf); err != nil {
			t.Fatal(err)
		}
		checkTwoPages(t, r, buf.Bytes(), a, b)
	})
	t.Run("TIFF", func(t *testing.T) {
		checkTwoPages(t, r, twoPageTIFF(t, decodeJPEG(t, a.Data), decodeJPEG(t, b.Data)), a, b)
	})
}

func checkTwoPages(t *testing.T, r *omr.Reader, data []byte, a, b synth.Scan) {
	t.Helper()
	pages, err := r.ReadBytes(context.Background(), "batch", data)
	if err != nil {
		t.Fatal(err)
	}
	if len(pages) != 2 {
		t.Fatalf("%d pages, want 2", len(pages))
	}
	for i, s := range []synth.Scan{a, b} {
		p := pages[i]
		if p.Reading.Page != i+1 || p.Reading.Status != reading.StatusOK || p.Reading.IIN != s.Truth.IIN || !cmp.Equal(p.Reading.Answers, s.Truth.Answers) {
			t.Errorf("page %d: %+v", i+1, p.Reading)
		}
	}
	if pages[0].ImageSHA256 == pages[1].ImageSHA256 {
		t.Error("two different pages have the same image hash")
	}
}

func TestSameScanSameHash(t *testing.T) {
	r := newReader(t, omr.Options{})
	s := cleanScan(t, 9, synth.Options{DPI: 150})
	p1, p2 := readOne(t, r, "a.jpg", s.Data), readOne(t, r, "b.jpg", s.Data)
	if p1.ImageSHA256 == "" || p1.ImageSHA256 != p2.ImageSHA256 {
		t.Fatalf("hashes %q and %q: a duplicate scan must be recognisable", p1.ImageSHA256, p2.ImageSHA256)
	}
}

// A wrong IIN digit fails the checksum: the sheet goes to review with a crop of every
// digit, and the QR code's IIN is there for the reviewer.
func TestInvalidIINGoesToReview(t *testing.T) {
	r := newReader(t, omr.Options{})
	f := mustForm(t, "g7")
	c := synth.RandomCandidate(f, 21)
	good := c.IIN
	c.IIN = good[:11] + string('0'+(good[11]-'0'+1)%10)
	c.Personalised = false
	s, err := synth.New(synth.Options{Clean: true, DPI: 200}).Generate(f, c, 21)
	if err != nil {
		t.Fatal(err)
	}
	p := readOne(t, r, s.Name, s.Data)
	if p.Reading.Status != reading.StatusReview || len(p.Reading.Review) != 12 || p.Reading.Review[0] != "iin1" {
		t.Fatalf("status %s, review %v; want all twelve IIN digits under review", p.Reading.Status, p.Reading.Review)
	}
	for _, fd := range p.Fields {
		if fd.Review && (len(fd.Crop) < 100 || !bytes.HasPrefix(fd.Crop, []byte("\x89PNG"))) {
			t.Errorf("field %s under review has no PNG crop", fd.Name)
		}
	}
}

func TestLayoutGolden(t *testing.T) {
	for _, id := range form.IDs() {
		t.Run(id, func(t *testing.T) {
			l, err := omr.NewLayout(mustForm(t, id))
			if err != nil {
				t.Fatal(err)
			}
			var got bytes.Buffer
			if err := l.WriteJSON(&got); err != nil {
				t.Fatal(err)
			}
			golden.Check(t, "layout-"+id+".json", got.Bytes())
		})
	}
}

func encodeJPEG(t testing.TB, img image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 85}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func decodeJPEG(t testing.TB, data []byte) image.Image {
	t.Helper()
	img, err := jpeg.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// twoPageTIFF joins two single-page TIFFs into one file with two image directories,
// shifting every offset of the second file.
func twoPageTIFF(t *testing.T, a, b image.Image) []byte {
	t.Helper()
	var ba, bb bytes.Buffer
	if err := tiff.Encode(&ba, a, nil); err != nil {
		t.Fatal(err)
	}
	if err := tiff.Encode(&bb, b, nil); err != nil {
		t.Fatal(err)
	}
	out := append([]byte(nil), ba.Bytes()...)
	delta := uint32(len(out))
	second := append([]byte(nil), bb.Bytes()...)
	le := binary.LittleEndian
	if string(second[:2]) != "II" {
		t.Fatal("expected a little-endian TIFF")
	}
	size := map[uint16]uint32{1: 1, 2: 1, 3: 2, 4: 4, 5: 8}
	ifd := le.Uint32(second[4:8])
	n := uint32(le.Uint16(second[ifd:]))
	for i := uint32(0); i < n; i++ {
		e := ifd + 2 + 12*i
		tag, typ, count := le.Uint16(second[e:]), le.Uint16(second[e+2:]), le.Uint32(second[e+4:])
		bytesLen := size[typ] * count
		switch {
		case tag == 273 && count == 1: // StripOffsets inline
			le.PutUint32(second[e+8:], le.Uint32(second[e+8:])+delta)
		case bytesLen > 4:
			off := le.Uint32(second[e+8:])
			if tag == 273 {
				for k := uint32(0); k < count; k++ {
					le.PutUint32(second[off+4*k:], le.Uint32(second[off+4*k:])+delta)
				}
			}
			le.PutUint32(second[e+8:], off+delta)
		}
	}
	// Chain the first file's directory to the second's.
	ifdA := le.Uint32(out[4:8])
	nA := uint32(le.Uint16(out[ifdA:]))
	le.PutUint32(out[ifdA+2+12*nA:], ifd+delta)
	return append(out, second...)
}

// checkAlign holds the reading's alignment to where the generator put the sheet: a
// screen drawing the reading over the scan must draw each bubble on its bubble.
func checkAlign(t *testing.T, al *reading.Alignment, truth [9]float64, tolMM float64) {
	t.Helper()
	if al == nil {
		t.Fatal("no alignment in the reading")
	}
	for _, p := range []omr.Pt{{X: 15, Y: 15}, {X: 195, Y: 282}, {X: 30, Y: 104}, {X: 180, Y: 270}, {X: 105, Y: 150}} {
		got, want := apply(al.H, p), apply(truth, p)
		if d := dist(got, want) / scaleAt(truth, p); d > tolMM {
			t.Errorf("sheet point %v drawn at %v, truth %v: %.2f mm off", p, got, want, d)
		}
	}
}
