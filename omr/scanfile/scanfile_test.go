package scanfile

import (
	"bytes"
	"encoding/binary"
	"errors"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/go-pdf/fpdf"
	"golang.org/x/image/tiff"
)

// craft builds a little-endian TIFF by hand, one uncompressed 8-bit grey strip per
// page, so tests can also say what no honest writer would (a huge size, shared strips,
// a loop in the chain).
type craftPage struct {
	w, h      uint32
	fill      byte
	shareWith int // share page n's strip (1-based); 0: its own
}

func craft(pages []craftPage, loop bool) []byte {
	le := binary.LittleEndian
	out := []byte("II*\x00\x00\x00\x00\x00")
	stripAt := make([]uint32, len(pages))
	for i, p := range pages {
		if p.shareWith > 0 {
			stripAt[i] = stripAt[p.shareWith-1]
			continue
		}
		stripAt[i] = uint32(len(out))
		n := int(p.w * p.h)
		if n > 1<<16 {
			n = 1 << 16 // a bomb declares more than it holds
		}
		out = append(out, bytes.Repeat([]byte{p.fill}, n)...)
	}
	var ifds []uint32
	for i, p := range pages {
		if len(out)%2 == 1 {
			out = append(out, 0)
		}
		ifds = append(ifds, uint32(len(out)))
		n := p.w * p.h
		if p.shareWith > 0 {
			q := pages[p.shareWith-1]
			n = q.w * q.h
		}
		if n > 1<<16 {
			n = 1 << 16
		}
		entries := [][3]uint32{{256, 4, p.w}, {257, 4, p.h}, {258, 3, 8}, {259, 3, 1}, {262, 3, 1}, {273, 4, stripAt[i]}, {277, 3, 1}, {278, 4, p.h}, {279, 4, n}}
		b := make([]byte, 2+12*len(entries)+4)
		le.PutUint16(b, uint16(len(entries)))
		for k, e := range entries {
			le.PutUint16(b[2+12*k:], uint16(e[0]))
			le.PutUint16(b[4+12*k:], uint16(e[1]))
			le.PutUint32(b[6+12*k:], 1)
			if e[1] == 3 {
				le.PutUint16(b[10+12*k:], uint16(e[2]))
			} else {
				le.PutUint32(b[10+12*k:], e[2])
			}
		}
		out = append(out, b...)
	}
	le.PutUint32(out[4:], ifds[0])
	for i, at := range ifds {
		next := uint32(0)
		if i+1 < len(ifds) {
			next = ifds[i+1]
		} else if loop {
			next = ifds[0]
		}
		n := uint32(le.Uint16(out[at:]))
		le.PutUint32(out[at+2+12*n:], next)
	}
	return out
}

func code(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

func TestDeclaredSizeRefusesBombs(t *testing.T) {
	pngHeader := func(w, h uint32) []byte {
		b := []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR")
		b = binary.BigEndian.AppendUint32(b, w)
		b = binary.BigEndian.AppendUint32(b, h)
		return append(b, 8, 0, 0, 0, 0, 0, 0, 0, 0)
	}
	jpegHeader := func(w, h uint16) []byte {
		b := []byte{0xFF, 0xD8, 0xFF, 0xE0, 0, 4, 'J', 'F', 0xFF, 0xC0, 0, 11, 8}
		b = binary.BigEndian.AppendUint16(b, h)
		b = binary.BigEndian.AppendUint16(b, w)
		return append(b, 1, 1, 0x11, 0)
	}
	bmpHeader := func(w, h int32) []byte {
		b := make([]byte, 54)
		copy(b, "BM")
		binary.LittleEndian.PutUint32(b[14:], 40)
		binary.LittleEndian.PutUint32(b[18:], uint32(w))
		binary.LittleEndian.PutUint32(b[22:], uint32(h))
		binary.LittleEndian.PutUint16(b[28:], 1)
		return b
	}
	for _, tc := range []struct {
		name string
		data []byte
		code string
		size Size
	}{
		{"PNG 60000×60000", pngHeader(60000, 60000), CodeTooLarge, Size{}},
		{"PNG 4G×1", pngHeader(1<<32-1, 1), CodeTooLarge, Size{}},
		{"PNG 0×10", pngHeader(0, 10), CodeDamaged, Size{}},
		{"PNG 2480×3508", pngHeader(2480, 3508), "", Size{W: 2480, H: 3508}},
		{"JPEG 65535×65535", jpegHeader(65535, 65535), CodeTooLarge, Size{}},
		{"JPEG height 0 (DNL)", jpegHeader(100, 0), CodeDamaged, Size{}},
		{"JPEG 2480×3508", jpegHeader(2480, 3508), "", Size{W: 2480, H: 3508}},
		{"JPEG cut in its header", jpegHeader(100, 100)[:9], CodeTruncated, Size{}},
		{"BMP 60000×-60000", bmpHeader(60000, -60000), CodeTooLarge, Size{}},
		{"BMP 1-bit 1700×2300", bmpHeader(1700, -2300), "", Size{W: 1700, H: 2300, Bitonal: true}},
		{"TIFF 60000×60000", craft([]craftPage{{w: 60000, h: 60000}}, false), CodeTooLarge, Size{}},
		{"TIFF 1000×1000", craft([]craftPage{{w: 1000, h: 1000}}, false), "", Size{W: 1000, H: 1000}},
		{"text", []byte("name,iin\n"), CodeUnknown, Size{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := DeclaredSize(tc.data)
			if code(err) != tc.code {
				t.Fatalf("error %v (code %q), want code %q", err, code(err), tc.code)
			}
			if err == nil && s != tc.size {
				t.Errorf("size %+v, want %+v", s, tc.size)
			}
		})
	}
}

func grey(w, h int, v byte) *image.Gray {
	g := image.NewGray(image.Rect(0, 0, w, h))
	for i := range g.Pix {
		g.Pix[i] = v + byte(i%7)
	}
	return g
}

// Each page of a multi-page TIFF comes out as a TIFF of that page alone: a decoder
// reads the right picture, and the pages together cost about the file, not the file
// once per page.
func TestTIFFPagesStandAlone(t *testing.T) {
	pages := []craftPage{{w: 120, h: 90, fill: 10}, {w: 80, h: 60, fill: 100}, {w: 64, h: 64, fill: 200}}
	data := craft(pages, false)
	f, err := FromBytes(data)
	if err != nil {
		t.Fatal(err)
	}
	if f.Pages() != 3 {
		t.Fatalf("%d pages, want 3", f.Pages())
	}
	total := 0
	for i, want := range pages {
		p, err := f.Page(i)
		if err != nil {
			t.Fatalf("page %d: %v", i+1, err)
		}
		total += len(p.Data)
		img, err := tiff.Decode(bytes.NewReader(p.Data))
		if err != nil {
			t.Fatalf("page %d does not decode on its own: %v", i+1, err)
		}
		if b := img.Bounds(); b.Dx() != int(want.w) || b.Dy() != int(want.h) {
			t.Errorf("page %d is %v, want %d×%d", i+1, b, want.w, want.h)
		}
		if g := color.GrayModel.Convert(img.At(3, 3)).(color.Gray); g.Y != want.fill {
			t.Errorf("page %d shows grey %d, want %d (another page's picture?)", i+1, g.Y, want.fill)
		}
		sub, err := FromBytes(p.Data)
		if err != nil || sub.Pages() != 1 {
			t.Errorf("page %d re-opened: %v, %d pages", i+1, err, sub.Pages())
		}
	}
	if total > len(data)+3*512 {
		t.Errorf("the pages take %d bytes for a %d-byte file", total, len(data))
	}
}

func TestTIFFBombsAreRefused(t *testing.T) {
	many := make([]craftPage, 10_001)
	for i := range many {
		many[i] = craftPage{w: 1, h: 1}
	}
	shared := []craftPage{{w: 200, h: 300}}
	for i := 0; i < 50; i++ {
		shared = append(shared, craftPage{w: 200, h: 300, shareWith: 1})
	}
	for _, tc := range []struct {
		name string
		data []byte
		code string
	}{
		{"10,001 pages", craft(many, false), CodeTooManyPages},
		{"51 pages sharing one strip", craft(shared, false), CodeDamaged},
		{"cut short", craft([]craftPage{{w: 100, h: 100}}, false)[:6], CodeTruncated},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := FromBytes(tc.data)
			if code(err) != tc.code {
				t.Fatalf("error %v (code %q), want %q", err, code(err), tc.code)
			}
		})
	}
	t.Run("a loop in the chain", func(t *testing.T) {
		f, err := FromBytes(craft([]craftPage{{w: 10, h: 10}, {w: 10, h: 10}}, true))
		if err != nil {
			t.Fatal(err)
		}
		if f.Pages() != 3 {
			t.Fatalf("%d pages, want the two and one that says where the file is damaged", f.Pages())
		}
		if _, err := f.Page(2); code(err) != CodeDamaged {
			t.Errorf("third page: %v", err)
		}
	})
	t.Run("one huge page among good ones", func(t *testing.T) {
		f, err := FromBytes(craft([]craftPage{{w: 10, h: 10}, {w: 60000, h: 60000}, {w: 10, h: 10}}, false))
		if err != nil {
			t.Fatal(err)
		}
		for i, want := range []string{"", CodeTooLarge, ""} {
			if _, err := f.Page(i); code(err) != want {
				t.Errorf("page %d: %v, want code %q", i+1, err, want)
			}
		}
	})
}

// Reading a 200-page file page by page keeps one page in memory, not the file per page.
func TestTIFFPagesFromDiskAreLazy(t *testing.T) {
	pages := make([]craftPage, 200)
	for i := range pages {
		pages[i] = craftPage{w: 256, h: 256, fill: byte(i)}
	}
	path := filepath.Join(t.TempDir(), "stack.tif")
	if err := os.WriteFile(path, craft(pages, false), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for i := 0; i < f.Pages(); i++ {
		p, err := f.Page(i)
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Data) > 256*256+1024 {
			t.Fatalf("page %d is %d bytes", i+1, len(p.Data))
		}
	}
	runtime.ReadMemStats(&after)
	// Each page allocates its own bytes once (plus the directory); the whole file
	// (13 MB) per page would be 2.6 GB.
	if got := after.TotalAlloc - before.TotalAlloc; got > 200*256*256*13/10 {
		t.Errorf("reading 200 pages of 64 KB allocated %d MB", got>>20)
	}
}

func TestPDFPages(t *testing.T) {
	var jb bytes.Buffer
	if err := jpeg.Encode(&jb, grey(300, 400, 50), nil); err != nil {
		t.Fatal(err)
	}
	pdf := fpdf.New("P", "mm", "A4", "")
	pdf.RegisterImageOptionsReader("scan", fpdf.ImageOptions{ImageType: "JPG"}, bytes.NewReader(jb.Bytes()))
	for i := 0; i < 2; i++ {
		pdf.AddPage()
		pdf.ImageOptions("scan", 0, 0, 210, 297, false, fpdf.ImageOptions{ImageType: "JPG"}, 0, "")
	}
	pdf.AddPage()
	pdf.SetFont("Helvetica", "", 12)
	pdf.Text(20, 20, "Minutes")
	var buf bytes.Buffer
	if err := pdf.Output(&buf); err != nil {
		t.Fatal(err)
	}
	f, err := FromBytes(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if f.Pages() != 3 {
		t.Fatalf("%d pages", f.Pages())
	}
	p, err := f.Page(0)
	if err != nil || p.Kind != JPEG || p.Size.W != 300 || p.Size.H != 400 {
		t.Fatalf("page 1: %+v %v", p.Size, err)
	}
	if _, err := f.Page(1); code(err) != CodeRepeated {
		t.Errorf("page 2 repeats page 1's picture: %v", err)
	}
	if _, err := f.Page(2); code(err) != CodeNoPicture {
		t.Errorf("page 3 has no picture: %v", err)
	}
}

func TestOpenSaysWhy(t *testing.T) {
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty.jpg")
	os.WriteFile(empty, nil, 0o644)
	for path, want := range map[string]string{
		filepath.Join(dir, "none.jpg"): CodeUnopenable,
		dir:                            CodeUnopenable,
		empty:                          CodeEmpty,
	} {
		if _, err := Open(path); code(err) != want {
			t.Errorf("%s: %v, want %q", path, err, want)
		}
	}
	var pb bytes.Buffer
	png.Encode(&pb, grey(40, 30, 0))
	path := filepath.Join(dir, "scan.png")
	os.WriteFile(path, pb.Bytes(), 0o644)
	f, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	p, err := f.Page(0)
	if err != nil || !bytes.Equal(p.Data, pb.Bytes()) || p.Size != (Size{W: 40, H: 30}) {
		t.Fatalf("%+v %v", p.Size, err)
	}
}

func TestScannable(t *testing.T) {
	for name, want := range map[string]bool{
		"a.JPG": true, "b.jpe": true, "c.bmp": true, "d.tiff": true, "e.pdf": true,
		"notes.txt": false, ".scan.jpg": false, "~tmp.png": false,
	} {
		if Scannable(name) != want {
			t.Errorf("Scannable(%q) = %v", name, !want)
		}
	}
}
