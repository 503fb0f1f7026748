package scanfile

import (
	"bytes"
	"image/jpeg"
	"image/png"
	"testing"

	"golang.org/x/image/tiff"
)

func seeds(f *testing.F) {
	var jb, pb, tb bytes.Buffer
	jpeg.Encode(&jb, grey(16, 12, 30), nil)
	png.Encode(&pb, grey(16, 12, 30))
	tiff.Encode(&tb, grey(16, 12, 30), nil)
	for _, s := range [][]byte{
		jb.Bytes(), pb.Bytes(), tb.Bytes(),
		craft([]craftPage{{w: 8, h: 8}, {w: 4, h: 4, fill: 9}}, false),
		craft([]craftPage{{w: 8, h: 8}, {w: 8, h: 8}}, true),
		craft([]craftPage{{w: 60000, h: 60000}}, false),
		[]byte("BM\x00\x00\x00\x00\x00\x00\x00\x00\x36\x00\x00\x00\x28\x00\x00\x00\x10\x00\x00\x00\x10\x00\x00\x00\x01\x00\x01\x00"),
		[]byte("%PDF-1.4\n1 0 obj <<>>\n"),
		nil,
	} {
		f.Add(s)
	}
}

// Whatever the bytes, the size sniffer neither panics nor lets a size past the limits.
func FuzzDeclaredSize(f *testing.F) {
	seeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := DeclaredSize(data)
		if err != nil {
			if code(err) == "" {
				t.Fatalf("an error without a code: %v", err)
			}
			return
		}
		if s.W <= 0 || s.H <= 0 || s.W > MaxSide || s.H > MaxSide || s.W*s.H > MaxPixels {
			t.Fatalf("size %+v passed the limits", s)
		}
	})
}

// Whatever the bytes, every page handed out is within the limits, is a file of one
// page with the size it was declared with, and the pages together cost about the file.
func FuzzPages(f *testing.F) {
	seeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		file, err := FromBytes(data)
		if err != nil {
			if code(err) == "" {
				t.Fatalf("an error without a code: %v", err)
			}
			return
		}
		total := 0
		for i := 0; i < file.Pages(); i++ {
			p, err := file.Page(i)
			if err != nil {
				if code(err) == "" {
					t.Fatalf("page %d: an error without a code: %v", i+1, err)
				}
				continue
			}
			total += len(p.Data)
			if p.Size.W <= 0 || p.Size.H <= 0 || p.Size.W > MaxSide || p.Size.H > MaxSide || p.Size.W*p.Size.H > MaxPixels {
				t.Fatalf("page %d: size %+v passed the limits", i+1, p.Size)
			}
			if file.Kind() == TIFF {
				sub, err := FromBytes(p.Data)
				if err != nil || sub.Pages() != 1 || sub.tiff.pages[0].size != p.Size {
					t.Fatalf("page %d does not stand alone: %v", i+1, err)
				}
			}
		}
		if total > 2*len(data)+file.Pages()*(tiffShareSlack+12*maxIFDEntries+64) {
			t.Fatalf("%d pages take %d bytes from a %d-byte file", file.Pages(), total, len(data))
		}
	})
}
