package omr

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	_ "image/jpeg" // DecodeConfig reads the JPEG header to choose the decode scale
	"io"

	"github.com/pdfcpu/pdfcpu/pkg/api"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"
	"gocv.io/x/gocv"
)

// Errors a caller may branch on. Page.Reading.Error carries the plain-words message;
// Page.Err wraps one of these.
var (
	ErrUnreadable  = errors.New("the file cannot be read as a scan")
	ErrBlank       = errors.New("the page is blank")
	ErrNotSheet    = errors.New("not a tarazy answer sheet")
	ErrDistorted   = errors.New("the sheet is bent, folded or distorted")
	ErrUnknownForm = errors.New("the sheet is of a form this reader does not know")
)

// rejectError is a page that cannot be read, with what to tell a commission member.
type rejectError struct {
	msg string
	err error
}

func (e *rejectError) Error() string { return e.msg }
func (e *rejectError) Unwrap() error { return e.err }

func reject(kind error, format string, args ...any) error {
	return &rejectError{msg: fmt.Sprintf(format, args...), err: kind}
}

type fileKind int

const (
	kindUnknown fileKind = iota
	kindJPEG
	kindPNG
	kindTIFF
	kindPDF
)

func sniff(b []byte) fileKind {
	switch {
	case bytes.HasPrefix(b, []byte{0xFF, 0xD8, 0xFF}):
		return kindJPEG
	case bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")):
		return kindPNG
	case bytes.HasPrefix(b, []byte("II*\x00")), bytes.HasPrefix(b, []byte("MM\x00*")):
		return kindTIFF
	case bytes.HasPrefix(b, []byte("%PDF-")):
		return kindPDF
	}
	return kindUnknown
}

func mimeType(b []byte) string {
	switch sniff(b) {
	case kindJPEG:
		return "image/jpeg"
	case kindPNG:
		return "image/png"
	case kindTIFF:
		return "image/tiff"
	}
	return "application/octet-stream"
}

// pageImage is one encoded page image inside a file.
type pageImage struct {
	data []byte
	err  error // set when the page itself is unusable
}

// splitPages returns the encoded images of every page of a file.
func splitPages(data []byte) ([]pageImage, error) {
	if len(data) == 0 {
		return nil, reject(ErrUnreadable, "the file is empty (0 bytes); copy it again from the scanner")
	}
	switch sniff(data) {
	case kindJPEG, kindPNG:
		return []pageImage{{data: data}}, nil
	case kindTIFF:
		return tiffPages(data)
	case kindPDF:
		return pdfPages(data)
	}
	return nil, reject(ErrUnreadable, "the file is not a scan tarazy can read: expected JPEG, PNG, TIFF or PDF")
}

// tiffPages splits a multi-page TIFF into single-page TIFFs by pointing the header at
// each image directory in turn: offsets inside a TIFF are absolute, so every page stays
// valid, and OpenCV's decoder (which reads the first directory) reads that page.
func tiffPages(data []byte) ([]pageImage, error) {
	var bo binary.ByteOrder = binary.LittleEndian
	if data[0] == 'M' {
		bo = binary.BigEndian
	}
	if len(data) < 8 {
		return nil, reject(ErrUnreadable, "the TIFF file is cut short; scan the sheets again")
	}
	var pages []pageImage
	off := bo.Uint32(data[4:8])
	seen := map[uint32]bool{}
	for off != 0 {
		if seen[off] || int(off)+2 > len(data) || len(pages) > 10000 {
			if len(pages) == 0 {
				return nil, reject(ErrUnreadable, "the TIFF file is damaged or cut short; scan the sheets again")
			}
			pages = append(pages, pageImage{err: reject(ErrUnreadable, "the TIFF file is damaged after page %d; scan the remaining sheets again", len(pages))})
			break
		}
		seen[off] = true
		page := make([]byte, len(data))
		copy(page, data)
		bo.PutUint32(page[4:8], off)
		pages = append(pages, pageImage{data: page})
		n := int(bo.Uint16(data[off : off+2]))
		next := int(off) + 2 + 12*n
		if next+4 > len(data) {
			break
		}
		off = bo.Uint32(data[next : next+4])
	}
	return pages, nil
}

// pdfPages extracts the scanned image of each page of a PDF.
func pdfPages(data []byte) (pages []pageImage, err error) {
	defer func() {
		// A malformed PDF must never stop a batch, whatever the parser does with it.
		if r := recover(); r != nil {
			pages, err = nil, reject(ErrUnreadable, "the PDF file is damaged (%v); export it from the scanner again", r)
		}
	}()
	conf := model.NewDefaultConfiguration()
	conf.ValidationMode = model.ValidationRelaxed
	ctx, err := api.ReadValidateAndOptimize(bytes.NewReader(data), conf)
	if err != nil {
		return nil, reject(ErrUnreadable, "the PDF file is damaged or cut short; export it from the scanner again")
	}
	byPage := map[int][]byte{}
	err = api.ExtractImages(bytes.NewReader(data), nil, func(img model.Image, _ bool, _ int) error {
		if _, ok := byPage[img.PageNr]; ok || img.Thumb || img.IsImgMask {
			return nil
		}
		b, err := io.ReadAll(img)
		if err != nil {
			return err
		}
		if sniff(b) == kindUnknown {
			return nil
		}
		byPage[img.PageNr] = b
		return nil
	}, conf)
	if err != nil {
		return nil, reject(ErrUnreadable, "the images in the PDF cannot be extracted (%v); export it from the scanner as JPEG or TIFF", err)
	}
	for p := 1; p <= ctx.PageCount; p++ {
		b, ok := byPage[p]
		if !ok {
			pages = append(pages, pageImage{err: reject(ErrNotSheet, "PDF page %d holds no scanned picture (a scanner's PDF has one picture per page; this looks like a printed document)", p)})
			continue
		}
		pages = append(pages, pageImage{data: b})
	}
	if len(pages) == 0 {
		return nil, reject(ErrNotSheet, "the PDF has no pages")
	}
	return pages, nil
}

// Working resolution: enough pixels for a bubble's inside (at least about 9 px across)
// and not more, because every pixel decoded costs time.
const minPxPerMM = 5.0

// decodeGrey decodes a page image as 8-bit grey at the lowest resolution that still
// has minPxPerMM, using libjpeg's DCT scaling for JPEG so that a 300 or 600 dpi scan is
// never decoded at full size. It returns the image and its pixels per millimetre,
// estimated from the page being A4.
func decodeGrey(data []byte) (gocv.Mat, error) {
	kind := sniff(data)
	flag := gocv.IMReadGrayScale
	if kind == kindJPEG {
		if !jpegComplete(data) {
			return gocv.Mat{}, reject(ErrUnreadable, "the JPEG file is cut short (truncated); copy or scan the sheet again")
		}
		if cfg, _, err := image.DecodeConfig(bytes.NewReader(data)); err == nil {
			pm := pxPerMM(cfg.Width, cfg.Height)
			switch {
			case pm/8 >= minPxPerMM:
				flag = gocv.IMReadReducedGrayscale8
			case pm/4 >= minPxPerMM:
				flag = gocv.IMReadReducedGrayscale4
			case pm/2 >= minPxPerMM:
				flag = gocv.IMReadReducedGrayscale2
			}
		}
	}
	m, err := gocv.IMDecode(data, flag)
	if err != nil || m.Empty() {
		m.Close()
		return gocv.Mat{}, reject(ErrUnreadable, "the picture is damaged and cannot be decoded; scan the sheet again")
	}
	if pm := pxPerMM(m.Cols(), m.Rows()); pm > 2*minPxPerMM {
		// PNG and TIFF have no cheap reduced decode: shrink once so the rest is fast.
		k := 1.4 * minPxPerMM / pm
		small := gocv.NewMat()
		gocv.Resize(m, &small, image.Point{}, k, k, gocv.InterpolationArea)
		m.Close()
		m = small
	}
	if m.Cols() < 300 || m.Rows() < 300 {
		m.Close()
		return gocv.Mat{}, reject(ErrUnreadable, "the picture is too small (%d×%d pixels); scan at 150 dpi or more", m.Cols(), m.Rows())
	}
	return m, nil
}

// pxPerMM estimates the resolution assuming the picture is an A4 page either way up.
func pxPerMM(w, h int) float64 {
	long, short := w, h
	if short > long {
		long, short = short, long
	}
	return (float64(long)/PageH + float64(short)/PageW) / 2
}

// jpegComplete reports whether a JPEG ends with its end-of-image marker (scanners and
// copies may pad with zeros after it). libjpeg silently fills a cut-short file with
// grey; a sheet read from half a picture must be rejected, not guessed at.
func jpegComplete(b []byte) bool {
	i := len(b)
	for i > 0 && b[i-1] == 0 {
		i--
	}
	return i >= 4 && b[i-2] == 0xFF && b[i-1] == 0xD9
}
