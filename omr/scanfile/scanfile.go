// Package scanfile opens the files scanners write (JPEG, PNG, TIFF incl. multi-page, BMP,
// PDF) and hands out their pages one at a time, each as a small self-contained encoded
// image whose declared size has been checked. It decodes no pixels and is pure Go, so
// it can be fuzzed without OpenCV and used by packages that must not link it.
//
// Everything here stands between an untrusted file and a native decoder that aborts the
// process on an image it finds too large: a page is handed out only when its declared
// width and height are inside the limits below, and a multi-page file is never copied
// once per page.
package scanfile

import (
	"bytes"
	"fmt"
	"path/filepath"
	"strings"
)

// Limits. A 600-dpi scan of an A4 sheet on a scanner bed is about 36 megapixels; the
// reader needs 150 dpi. Anything larger is not a sheet scan and is refused before a
// decoder allocates for it (OpenCV's own limit is 2^30 pixels, and it aborts past it).
const (
	MaxPixels = 40_000_000
	MaxSide   = 12_000
	// MaxPages is the most pages one file may hold: a feeder holds a few hundred
	// sheets, and a file of thousands of empty pages is a bomb, not a batch.
	MaxPages = 1000
	// MaxPageBytes bounds one page's encoded image.
	MaxPageBytes = 64 << 20
)

// Kind is a file format, recognised by its first bytes (never by its name).
type Kind int

const (
	Unknown Kind = iota
	JPEG
	PNG
	TIFF
	BMP
	PDF
)

func (k Kind) String() string {
	switch k {
	case JPEG:
		return "JPEG"
	case PNG:
		return "PNG"
	case TIFF:
		return "TIFF"
	case BMP:
		return "BMP"
	case PDF:
		return "PDF"
	}
	return "unknown"
}

// MIME is the media type of an encoded page or file of this kind.
func (k Kind) MIME() string {
	switch k {
	case JPEG:
		return "image/jpeg"
	case PNG:
		return "image/png"
	case TIFF:
		return "image/tiff"
	case BMP:
		return "image/bmp"
	case PDF:
		return "application/pdf"
	}
	return "application/octet-stream"
}

// Sniff recognises a format from the first bytes of a file.
func Sniff(b []byte) Kind {
	switch {
	case bytes.HasPrefix(b, []byte{0xFF, 0xD8, 0xFF}):
		return JPEG
	case bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")):
		return PNG
	case bytes.HasPrefix(b, []byte("II*\x00")), bytes.HasPrefix(b, []byte("MM\x00*")):
		return TIFF
	case bytes.HasPrefix(b, []byte("BM")) && len(b) >= 26:
		return BMP
	case bytes.HasPrefix(b, []byte("%PDF-")):
		return PDF
	}
	return Unknown
}

// extensions are the file names a scanner writes for the kinds above; a folder's other
// files are not scans (and the callers say which they skipped).
var extensions = map[string]bool{
	".jpg": true, ".jpeg": true, ".jpe": true, ".jfif": true,
	".png": true, ".tif": true, ".tiff": true, ".bmp": true, ".dib": true, ".pdf": true,
}

// Scannable reports whether a file name in a folder looks like a scan: one of the
// extensions scanners write, and not a hidden or temporary file. A file named
// explicitly is read whatever its name; the reader judges it by its content.
func Scannable(name string) bool {
	base := filepath.Base(name)
	if strings.HasPrefix(base, ".") || strings.HasPrefix(base, "~") {
		return false
	}
	return extensions[strings.ToLower(filepath.Ext(base))]
}

// Extensions lists the scannable extensions, for messages ("looked for …").
func Extensions() string {
	return ".jpg, .jpeg, .jpe, .jfif, .png, .tif, .tiff, .bmp, .dib, .pdf"
}

// Size is what an image declares about itself before any pixel is decoded.
type Size struct {
	W, H int
	// Bitonal is a 1-bit image (black and white, e.g. CCITT G4 or a dithered scan):
	// light pencil may be lost in it.
	Bitonal bool
}

// Error is why a file or a page cannot be used: a stable code for translation and
// a message in plain English saying what is wrong and what to do.
type Error struct {
	Code string
	Msg  string
}

func (e *Error) Error() string { return e.Msg }

func fail(code, format string, args ...any) *Error {
	return &Error{Code: code, Msg: fmt.Sprintf(format, args...)}
}

// Codes of the reasons this package gives.
const (
	CodeEmpty        = "file-empty"
	CodeUnknown      = "file-not-a-scan"
	CodeTruncated    = "file-truncated"
	CodeDamaged      = "file-damaged"
	CodeTooLarge     = "image-too-large"
	CodeTooManyPages = "file-too-many-pages"
	CodeUnopenable   = "file-unopenable"
	CodeNoPicture    = "pdf-page-no-picture"
	CodeRepeated     = "page-repeated"
)

// checkSize refuses a declared size no scan of a sheet has.
func checkSize(s Size, what string) error {
	switch {
	case s.W <= 0 || s.H <= 0:
		return fail(CodeDamaged, "the %s declares an empty picture (%d×%d pixels): the file is damaged; scan the sheet again", what, s.W, s.H)
	case s.W > MaxSide || s.H > MaxSide || int64(s.W)*int64(s.H) > MaxPixels:
		return fail(CodeTooLarge, "the %s is too large (%d×%d pixels, more than %d megapixels): this is not a sheet scan, or it was scanned at too high a resolution; scan at 300 dpi", what, s.W, s.H, MaxPixels/1_000_000)
	}
	return nil
}
