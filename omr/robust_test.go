package omr_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"image"
	"image/color"
	"image/png"
	"slices"
	"strings"
	"testing"

	"gocv.io/x/gocv"

	"tarazy/omr"
	"tarazy/omr/reading"
	"tarazy/omr/scanfile"
	"tarazy/omr/synth"
)

// decodeGrey decodes an encoded scan into grey pixels a test can paint on.
func decodeGrey(t testing.TB, data []byte) *image.Gray {
	t.Helper()
	m, err := gocv.IMDecode(data, gocv.IMReadGrayScale)
	if err != nil || m.Empty() {
		t.Fatalf("decode: %v", err)
	}
	defer m.Close()
	px, _ := m.DataPtrUint8()
	return &image.Gray{Pix: append([]uint8(nil), px...), Stride: m.Cols(), Rect: image.Rect(0, 0, m.Cols(), m.Rows())}
}

func encodePNG(t testing.TB, img image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// paint fills a rectangle given in sheet millimetres with a grey, through where the
// generator put the sheet.
func paint(img *image.Gray, h [9]float64, r omr.Rect, v uint8) {
	a, b := apply(h, omr.Pt{X: r.X, Y: r.Y}), apply(h, omr.Pt{X: r.X + r.W, Y: r.Y + r.H})
	for y := int(min(a.Y, b.Y)); y <= int(max(a.Y, b.Y)); y++ {
		for x := int(min(a.X, b.X)); x <= int(max(a.X, b.X)); x++ {
			if image.Pt(x, y).In(img.Rect) {
				img.SetGray(x, y, color.Gray{v})
			}
		}
	}
}

// No file stops a batch: thumbnails, bombs and junk are rejected pages with a code and
// a reason, never a crash, and nothing is decoded that declares more than the limits.
func TestNoFileStopsABatch(t *testing.T) {
	r := newReader(t, omr.Options{})
	s := cleanScan(t, 5, synth.Options{DPI: 150})
	full := decodeGrey(t, s.Data)
	thumb := image.NewGray(image.Rect(0, 0, 160, 226))
	for y := 0; y < 226; y++ {
		for x := 0; x < 160; x++ {
			thumb.Pix[y*160+x] = full.Pix[(y*full.Rect.Dy()/226)*full.Stride+x*full.Rect.Dx()/160]
		}
	}
	pngBomb := []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR")
	pngBomb = binary.BigEndian.AppendUint32(pngBomb, 60000)
	pngBomb = binary.BigEndian.AppendUint32(pngBomb, 60000)
	pngBomb = append(pngBomb, 8, 0, 0, 0, 0, 0x12, 0x34, 0x56, 0x78)
	bmpBomb := make([]byte, 64)
	copy(bmpBomb, "BM")
	binary.LittleEndian.PutUint32(bmpBomb[14:], 40)
	binary.LittleEndian.PutUint32(bmpBomb[18:], 60000)
	binary.LittleEndian.PutUint32(bmpBomb[22:], 60000)
	tiffBomb, err := synth.EncodeTIFF([]*image.Gray{image.NewGray(image.Rect(0, 0, 8, 8))}, false)
	if err != nil {
		t.Fatal(err)
	}
	binary.LittleEndian.PutUint32(tiffBomb[len(tiffBomb)-4-12*9+8:], 60000) // ImageWidth
	for _, tc := range []struct {
		name string
		data []byte
		code string
	}{
		{"a scanner's thumbnail", encodePNG(t, thumb), omr.CodeTooSmall},
		{"a PNG declaring 60000×60000", pngBomb, scanfile.CodeTooLarge},
		{"a BMP declaring 60000×60000", bmpBomb, scanfile.CodeTooLarge},
		{"a TIFF declaring 60000 columns", tiffBomb, scanfile.CodeTooLarge},
		{"text", []byte("name,iin\n"), scanfile.CodeUnknown},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := readOne(t, r, tc.name, tc.data)
			if p.Reading.Status != reading.StatusRejected || p.Reading.ErrorCode != tc.code || omr.ReasonCode(p.Err) != tc.code {
				t.Fatalf("status %s, code %q (%q), want rejected as %q: %s", p.Reading.Status, p.Reading.ErrorCode, omr.ReasonCode(p.Err), tc.code, p.Reading.Error)
			}
			if p.Reading.Error == "" || p.Reading.Align != nil {
				t.Errorf("a rejected page says why and has no alignment: %+v", p.Reading)
			}
		})
	}
}

// When the alignment cannot be checked — a hidden mid-edge square and an unreadable
// code strip — the reader reads every field but vouches for none: "page" is under
// review, with the alignment a screen draws the reading with.
func TestUnverifiedAlignmentPutsThePageUnderReview(t *testing.T) {
	r := newReader(t, omr.Options{})
	s := cleanScan(t, 8, synth.Options{DPI: 200})
	img := decodeGrey(t, s.Data)
	paint(img, s.Truth.H, omr.Rect{X: 8, Y: 140, W: 14, H: 17}, 250) // the left mid-edge square
	paint(img, s.Truth.H, omr.Rect{X: 60, Y: 279, W: 60, H: 7}, 250) // part of the code strip
	p := readOne(t, r, "covered.png", encodePNG(t, img))
	if p.Reading.Status != reading.StatusReview || !p.Reading.PageReview() {
		t.Fatalf("status %s, review %v: want the page under review", p.Reading.Status, p.Reading.Review)
	}
	if p.Quality.Verified || p.Quality.StripValid || p.Quality.EdgeMarks == 2 {
		t.Errorf("quality %+v", p.Quality)
	}
	i := slices.IndexFunc(p.Fields, func(f omr.Field) bool { return f.Name == reading.PageField })
	if i < 0 || p.Fields[i].ReasonCode != omr.CodePageAlignment || p.Fields[i].Reason == "" {
		t.Errorf("the page field: %+v", p.Fields)
	}
	// The best guess is still there for the person who confirms it.
	if !slices.Equal(p.Reading.Answers, s.Truth.Answers) || p.Reading.IIN != s.Truth.IIN {
		t.Errorf("best guess %v / %s, truth %v / %s", p.Reading.Answers, p.Reading.IIN, s.Truth.Answers, s.Truth.IIN)
	}
	checkAlign(t, p.Reading.Align, s.Truth.H, 0.3)
}

// A black-and-white scan whose threshold dropped the printed bubbles has dropped light
// marks with them: rescan in grey, rather than read blanks.
func TestBitonalScanWithoutItsRingsIsRescanned(t *testing.T) {
	r := newReader(t, omr.Options{})
	s := cleanScan(t, 9, synth.Options{DPI: 300})
	img := decodeGrey(t, s.Data)
	for i, v := range img.Pix {
		img.Pix[i] = 255
		if v < 40 { // a light threshold: only the black print survives
			img.Pix[i] = 0
		}
	}
	tif, err := synth.EncodeTIFF([]*image.Gray{img}, true)
	if err != nil {
		t.Fatal(err)
	}
	p := readOne(t, r, "bw.tif", tif)
	if p.Reading.ErrorCode != omr.CodeRescanGrey || !errors.Is(p.Err, omr.ErrRescan) || !strings.Contains(p.Reading.Error, "rescan") {
		t.Fatalf("status %s, code %q: %s", p.Reading.Status, p.Reading.ErrorCode, p.Reading.Error)
	}
}

// A dark line down the whole scan through a column of bubbles is the scanner's glass,
// not a mark in each of them.
func TestScannerStreakIsRefused(t *testing.T) {
	r := newReader(t, omr.Options{})
	s := cleanScan(t, 10, synth.Options{DPI: 200})
	img := decodeGrey(t, s.Data)
	l, _ := omr.NewLayout(mustForm(t, "g7"))
	b := l.Bubbles[0]
	x := int(apply(s.Truth.H, omr.Pt{X: b.X, Y: b.Y}).X)
	for y := 0; y < img.Rect.Dy(); y++ {
		img.SetGray(x, y, color.Gray{70})
		img.SetGray(x+1, y, color.Gray{70})
	}
	p := readOne(t, r, "streak.png", encodePNG(t, img))
	if p.Reading.ErrorCode != omr.CodeScannerStreak || !strings.Contains(p.Reading.Error, "clean the scanner glass") {
		t.Fatalf("status %s, code %q: %s", p.Reading.Status, p.Reading.ErrorCode, p.Reading.Error)
	}
}

// A sheet printed with little toner is read, and says so; or refused as faint print,
// never as "not a sheet".
func TestFadedTonerIsReadOrCalledFaint(t *testing.T) {
	r := newReader(t, omr.Options{})
	f := mustForm(t, "g7")
	g := synth.New(synth.Options{DPI: 200, Clean: true, Conditions: []string{synth.CondFadedToner}})
	for seed := uint64(1); seed <= 3; seed++ {
		c := synth.RandomCandidate(f, seed)
		s, err := g.Generate(f, c, seed)
		if err != nil {
			t.Fatal(err)
		}
		p := readOne(t, r, s.Name, s.Data)
		switch {
		case p.Reading.Status == reading.StatusRejected && p.Reading.ErrorCode != omr.CodeFaintPrint:
			t.Errorf("seed %d rejected as %q: %s", seed, p.Reading.ErrorCode, p.Reading.Error)
		case p.Reading.Status != reading.StatusRejected && !p.Quality.FaintPrint:
			t.Errorf("seed %d: read without saying the print is faint: %+v", seed, p.Quality)
		}
	}
}
