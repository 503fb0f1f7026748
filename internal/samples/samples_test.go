package samples_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"image"
	"image/jpeg"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/go-pdf/fpdf"
	"golang.org/x/image/tiff"

	"tarazy/internal/golden"
	"tarazy/internal/samples"
	"tarazy/omr"
	"tarazy/omr/form"
	"tarazy/omr/reading"
	"tarazy/omr/synth"
)

// sheet is one generated sample sheet, turned as the scanner fed it.
type sheet struct {
	form string
	seed uint64
	turn int // degrees clockwise
}

// The samples: each grade, upright and turned, two-sheet TIFF and PDF files, and a
// page that is not a sheet. Fixed seeds: the same files every time.
var (
	singles = map[string]sheet{
		"g5-upright.jpg":      {"g5", 501, 0},
		"g6-upside-down.jpg":  {"g6", 601, 180},
		"g7-quarter-turn.jpg": {"g7", 701, 90},
	}
	tiffPages = []sheet{{"g7", 711, 0}, {"g7", 712, 0}}
	pdfPages  = []sheet{{"g5", 511, 0}, {"g6", 611, 0}}
)

// TestSamples writes the samples with -update, and checks that the reader gives each
// page's expected reading.
func TestSamples(t *testing.T) {
	if *golden.Update {
		if err := generate(); err != nil {
			t.Fatal(err)
		}
	}
	want, err := samples.Load()
	if err != nil {
		t.Fatalf("%v (go test ./internal/samples -update writes the samples)", err)
	}
	r, err := omr.NewReader(omr.Options{})
	if err != nil {
		t.Fatal(err)
	}
	byFile := map[string][]samples.Expected{}
	for _, e := range want {
		byFile[e.File] = append(byFile[e.File], e)
	}
	for file, exp := range byFile {
		t.Run(file, func(t *testing.T) {
			pages, err := r.ReadFile(context.Background(), filepath.Join(samples.Dir(), file))
			if err != nil {
				t.Fatal(err)
			}
			if len(pages) != len(exp) {
				t.Fatalf("%d pages, want %d", len(pages), len(exp))
			}
			for i, p := range pages {
				if why := exp[i].Check(p.Reading); why != "" {
					t.Errorf("page %d: %s", i+1, why)
				}
			}
		})
	}
}

func generate() error {
	g := synth.New(synth.Options{DPI: 150, Clean: true, Upright: true})
	dir := samples.Dir()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	var exp []samples.Expected
	make1 := func(file string, page int, s sheet) (image.Image, []byte, error) {
		f, err := form.Get(s.form)
		if err != nil {
			return nil, nil, err
		}
		c := synth.RandomCandidate(f, s.seed)
		c.Serial = int(s.seed)
		sc, err := g.Generate(f, c, s.seed)
		if err != nil {
			return nil, nil, err
		}
		img, err := jpeg.Decode(bytes.NewReader(sc.Data))
		if err != nil {
			return nil, nil, err
		}
		img = turn(img, s.turn)
		var buf bytes.Buffer
		if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 85}); err != nil {
			return nil, nil, err
		}
		exp = append(exp, samples.Expected{File: file, Page: page, Status: reading.StatusOK, Form: f.ID, Sheet: sc.Truth.Sheet,
			IIN: sc.Truth.IIN, Variant: sc.Truth.Variant, Answers: sc.Truth.Answers})
		return img, buf.Bytes(), nil
	}
	for _, file := range []string{"g5-upright.jpg", "g6-upside-down.jpg", "g7-quarter-turn.jpg"} {
		_, data, err := make1(file, 1, singles[file])
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, file), data, 0o644); err != nil {
			return err
		}
	}
	var tiffs [][]byte
	for i, s := range tiffPages {
		img, _, err := make1("two-sheets.tif", i+1, s)
		if err != nil {
			return err
		}
		var buf bytes.Buffer
		if err := tiff.Encode(&buf, img, &tiff.Options{Compression: tiff.Deflate}); err != nil {
			return err
		}
		tiffs = append(tiffs, buf.Bytes())
	}
	joined, err := joinTIFF(tiffs[0], tiffs[1])
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "two-sheets.tif"), joined, 0o644); err != nil {
		return err
	}
	pdf := fpdf.New("P", "mm", "A4", "")
	// The same bytes every time: no creation date, objects in a fixed order.
	pdf.SetCreationDate(time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC))
	pdf.SetModificationDate(time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC))
	pdf.SetCatalogSort(true)
	for i, s := range pdfPages {
		_, data, err := make1("two-sheets.pdf", i+1, s)
		if err != nil {
			return err
		}
		pdf.AddPage()
		name := "page" + strconv.Itoa(i)
		pdf.RegisterImageOptionsReader(name, fpdf.ImageOptions{ImageType: "JPG"}, bytes.NewReader(data))
		pdf.ImageOptions(name, 0, 0, 210, 297, false, fpdf.ImageOptions{ImageType: "JPG"}, 0, "")
	}
	var pbuf bytes.Buffer
	if err := pdf.Output(&pbuf); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "two-sheets.pdf"), pbuf.Bytes(), 0o644); err != nil {
		return err
	}
	// A page that is not an answer sheet: a grey photograph-like picture.
	grey := image.NewGray(image.Rect(0, 0, 1240, 1754))
	for y := 0; y < 1754; y++ {
		for x := 0; x < 1240; x++ {
			grey.Pix[y*grey.Stride+x] = uint8(110 + x/16 + y/32)
		}
	}
	var nb bytes.Buffer
	if err := jpeg.Encode(&nb, grey, &jpeg.Options{Quality: 70}); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "not-a-sheet.jpg"), nb.Bytes(), 0o644); err != nil {
		return err
	}
	exp = append(exp, samples.Expected{File: "not-a-sheet.jpg", Page: 1, Status: reading.StatusRejected})
	b, err := json.MarshalIndent(exp, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, samples.ExpectedFile), append(b, '\n'), 0o644)
}

// turn rotates an image clockwise by 0, 90, 180 or 270 degrees, as a sheet fed the
// wrong way comes out of the scanner.
func turn(img image.Image, deg int) image.Image {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	out := image.NewGray(image.Rect(0, 0, w, h))
	if deg == 90 || deg == 270 {
		out = image.NewGray(image.Rect(0, 0, h, w))
	}
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			c := img.At(b.Min.X+x, b.Min.Y+y)
			switch deg {
			case 90:
				out.Set(h-1-y, x, c)
			case 180:
				out.Set(w-1-x, h-1-y, c)
			case 270:
				out.Set(y, w-1-x, c)
			default:
				out.Set(x, y, c)
			}
		}
	}
	return out
}

// joinTIFF chains two single-page little-endian TIFFs into one file of two image
// directories, shifting every offset of the second.
func joinTIFF(a, b []byte) ([]byte, error) {
	le := binary.LittleEndian
	if string(a[:2]) != "II" || string(b[:2]) != "II" {
		return nil, fmt.Errorf("expected little-endian TIFFs")
	}
	out := append([]byte(nil), a...)
	delta := uint32(len(out))
	second := append([]byte(nil), b...)
	size := map[uint16]uint32{1: 1, 2: 1, 3: 2, 4: 4, 5: 8}
	ifd := le.Uint32(second[4:8])
	n := uint32(le.Uint16(second[ifd:]))
	for i := uint32(0); i < n; i++ {
		e := ifd + 2 + 12*i
		tag, typ, count := le.Uint16(second[e:]), le.Uint16(second[e+2:]), le.Uint32(second[e+4:])
		switch {
		case tag == 273 && size[typ]*count <= 4: // StripOffsets held in the entry
			le.PutUint32(second[e+8:], le.Uint32(second[e+8:])+delta)
		case size[typ]*count > 4:
			off := le.Uint32(second[e+8:])
			if tag == 273 {
				for k := uint32(0); k < count; k++ {
					p := off + size[typ]*k
					if typ == 3 {
						le.PutUint16(second[p:], uint16(uint32(le.Uint16(second[p:]))+delta))
					} else {
						le.PutUint32(second[p:], le.Uint32(second[p:])+delta)
					}
				}
			}
			le.PutUint32(second[e+8:], off+delta)
		}
	}
	ifdA := le.Uint32(out[4:8])
	nA := uint32(le.Uint16(out[ifdA:]))
	le.PutUint32(out[ifdA+2+12*nA:], ifd+delta)
	return append(out, second...), nil
}
