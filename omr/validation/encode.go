package validation

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"image"
	"image/color"
	"image/draw"
	"image/jpeg"
	"image/png"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/go-pdf/fpdf"
	"golang.org/x/image/bmp"
	"golang.org/x/image/tiff"
)

// Files as scanners, phones and people produce them.

func encJPEG(img image.Image, q int) ([]byte, error) {
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: q}); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

func encPNG(img image.Image) ([]byte, error) {
	var b bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestSpeed}
	if err := enc.Encode(&b, img); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

func encBMP(img image.Image) ([]byte, error) {
	var b bytes.Buffer
	if err := bmp.Encode(&b, img); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

func encTIFF(img image.Image) ([]byte, error) {
	var b bytes.Buffer
	if err := tiff.Encode(&b, img, &tiff.Options{Compression: tiff.Deflate}); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// Bitonal scanners: every pixel black or white.

// threshold makes a 1-bit scan the way a scanner's "black and white" mode does.
func threshold(g *image.Gray, t uint8) *image.Gray {
	out := image.NewGray(g.Rect)
	for i, v := range g.Pix {
		if v >= t {
			out.Pix[i] = 255
		}
	}
	return out
}

// bayer8 is the 8×8 ordered-dither matrix, from which scanners' "halftone" modes are
// built.
var bayer8 = func() [64]uint8 {
	m, n := []int{0}, 1
	for n < 8 {
		next := make([]int, 4*n*n)
		for y := 0; y < n; y++ {
			for x := 0; x < n; x++ {
				v := 4 * m[y*n+x]
				next[y*2*n+x] = v
				next[y*2*n+x+n] = v + 2
				next[(y+n)*2*n+x] = v + 3
				next[(y+n)*2*n+x+n] = v + 1
			}
		}
		m, n = next, 2*n
	}
	var out [64]uint8
	for i, v := range m {
		out[i] = uint8(v)
	}
	return out
}()

// dither makes a halftoned 1-bit scan: ordered (a scanner's halftone mode) or error
// diffusion (a driver's "text and photo" mode).
func dither(g *image.Gray, ordered bool) *image.Gray {
	out := image.NewGray(g.Rect)
	if ordered {
		w := g.Rect.Dx()
		for i, v := range g.Pix {
			x, y := i%w, i/w
			if int(v)*64/256 > int(bayer8[(y%8)*8+x%8]) {
				out.Pix[i] = 255
			}
		}
		return out
	}
	pal := image.NewPaletted(g.Rect, color.Palette{color.Gray{0}, color.Gray{255}})
	draw.FloydSteinberg.Draw(pal, g.Rect, g, image.Point{})
	for i, v := range pal.Pix {
		out.Pix[i] = 255 * v
	}
	return out
}

// oneBit packs a black-and-white image as a two-colour palette, which PNG stores at
// one bit per pixel.
func oneBit(g *image.Gray) *image.Paletted {
	pal := image.NewPaletted(g.Rect, color.Palette{color.Gray{0}, color.Gray{255}})
	for i, v := range g.Pix {
		if v >= 128 {
			pal.Pix[i] = 1
		}
	}
	return pal
}

// tiffTools runs Debian's libtiff-tools: tiffdither (to make CCITT G4 from an image
// that is already black and white, so it changes no pixel) and tiffcp (to make one
// multi-page file).
func tiffTool(dir, name string, args ...string) error {
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s %v: %w: %s (install Debian's libtiff-tools: scripts/deps.sh test)", name, args, err, out)
	}
	return nil
}

// encG4 writes black-and-white pages as one CCITT Group 4 TIFF.
func encG4(tmp string, pages []*image.Gray) ([]byte, error) {
	var g4 []string
	for i, p := range pages {
		grey, err := encTIFF(p)
		if err != nil {
			return nil, err
		}
		// Relative names: tiffdither writes the input's name into the file.
		in, out := fmt.Sprintf("p%d.tif", i), fmt.Sprintf("p%d-g4.tif", i)
		if err := os.WriteFile(filepath.Join(tmp, in), grey, 0o644); err != nil {
			return nil, err
		}
		if err := tiffTool(tmp, "tiffdither", "-c", "g4", in, out); err != nil {
			return nil, err
		}
		g4 = append(g4, out)
	}
	return joinTIFF(tmp, g4)
}

// encMultiTIFF writes grey or colour pages as one multi-page TIFF (LZW).
func encMultiTIFF(tmp string, pages []image.Image) ([]byte, error) {
	var files []string
	for i, p := range pages {
		b, err := encTIFF(p)
		if err != nil {
			return nil, err
		}
		in := fmt.Sprintf("m%d.tif", i)
		if err := os.WriteFile(filepath.Join(tmp, in), b, 0o644); err != nil {
			return nil, err
		}
		files = append(files, in)
	}
	if err := tiffTool(tmp, "tiffcp", append(append([]string{"-c", "lzw"}, files...), "multi.tif")...); err != nil {
		return nil, err
	}
	return os.ReadFile(filepath.Join(tmp, "multi.tif"))
}

func joinTIFF(tmp string, files []string) ([]byte, error) {
	if len(files) == 1 {
		return os.ReadFile(filepath.Join(tmp, files[0]))
	}
	if err := tiffTool(tmp, "tiffcp", append(files, "joined.tif")...); err != nil {
		return nil, err
	}
	return os.ReadFile(filepath.Join(tmp, "joined.tif"))
}

// encPDF writes pages as a PDF of A4 pages, each one JPEG image, as scanners' "scan to
// PDF" does. Landscape images get landscape pages.
func encPDF(pages []image.Image, q int) ([]byte, error) {
	pdf := fpdf.New("P", "mm", "A4", "")
	pdf.SetAutoPageBreak(false, 0)
	pdf.SetCreator("scanner", false)
	pdf.SetCatalogSort(true) // resources in a fixed order, not a map's
	// A fixed date: the same seed must give the same bytes.
	pdf.SetCreationDate(time.Date(2026, 4, 17, 9, 0, 0, 0, time.UTC))
	pdf.SetModificationDate(time.Date(2026, 4, 17, 9, 0, 0, 0, time.UTC))
	for i, p := range pages {
		b, err := encJPEG(p, q)
		if err != nil {
			return nil, err
		}
		name := fmt.Sprintf("page%d", i)
		info := pdf.RegisterImageOptionsReader(name, fpdf.ImageOptions{ImageType: "JPG"}, bytes.NewReader(b))
		if info == nil {
			return nil, pdf.Error()
		}
		w, h := 210.0, 297.0
		orient := "P"
		if p.Bounds().Dx() > p.Bounds().Dy() {
			w, h, orient = h, w, "L"
		}
		pdf.AddPageFormat(orient, fpdf.SizeType{Wd: 210, Ht: 297})
		pdf.ImageOptions(name, 0, 0, w, h, false, fpdf.ImageOptions{ImageType: "JPG"}, 0, "")
	}
	var out bytes.Buffer
	if err := pdf.Output(&out); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

// Hostile files.

// hugePNG is a small, well-formed PNG whose header declares side×side grey pixels:
// whoever trusts the header before allocating runs out of memory.
func hugePNG(side uint32) []byte {
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	chunk := func(typ string, data []byte) {
		var l [4]byte
		binary.BigEndian.PutUint32(l[:], uint32(len(data)))
		b.Write(l[:])
		crc := crc32.NewIEEE()
		crc.Write([]byte(typ))
		crc.Write(data)
		b.WriteString(typ)
		b.Write(data)
		var c [4]byte
		binary.BigEndian.PutUint32(c[:], crc.Sum32())
		b.Write(c[:])
	}
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], side)
	binary.BigEndian.PutUint32(ihdr[4:], side)
	ihdr[8], ihdr[9] = 8, 0 // 8-bit grey
	chunk("IHDR", ihdr)
	// A valid zlib stream of a few thousand zero bytes: the first row, then nothing.
	var z bytes.Buffer
	zw := zlib.NewWriter(&z)
	zw.Write(make([]byte, 4096))
	zw.Close()
	chunk("IDAT", z.Bytes())
	chunk("IEND", nil)
	return b.Bytes()
}

// hugeTIFF is a little-endian TIFF whose one directory declares side×side grey pixels
// in one uncompressed strip, of which only a few bytes are there.
func hugeTIFF(side uint32) []byte {
	var b bytes.Buffer
	le := binary.LittleEndian
	b.WriteString("II*\x00")
	binary.Write(&b, le, uint32(8))
	type entry struct {
		tag, typ uint16
		count    uint32
		value    uint32
	}
	entries := []entry{
		{256, 4, 1, side},        // ImageWidth
		{257, 4, 1, side},        // ImageLength
		{258, 3, 1, 8},           // BitsPerSample
		{259, 3, 1, 1},           // Compression: none
		{262, 3, 1, 1},           // BlackIsZero
		{273, 4, 1, 0},           // StripOffsets (patched below)
		{277, 3, 1, 1},           // SamplesPerPixel
		{278, 4, 1, side},        // RowsPerStrip
		{279, 4, 1, side * side}, // StripByteCounts (wraps: the header lies)
	}
	binary.Write(&b, le, uint16(len(entries)))
	dataAt := uint32(8 + 2 + 12*len(entries) + 4)
	for _, e := range entries {
		if e.tag == 273 {
			e.value = dataAt
		}
		binary.Write(&b, le, e.tag)
		binary.Write(&b, le, e.typ)
		binary.Write(&b, le, e.count)
		binary.Write(&b, le, e.value)
	}
	binary.Write(&b, le, uint32(0))
	b.Write(make([]byte, 4096))
	return b.Bytes()
}

// randomBytes is a file of noise, such as a half-written upload.
func randomBytes(r *rand.Rand) []byte {
	b := make([]byte, 200+r.IntN(200_000))
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}
