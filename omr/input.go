package omr

import (
	"errors"
	"fmt"
	"image"

	"gocv.io/x/gocv"

	"tarazy/omr/scanfile"
)

// Errors a caller may branch on. Page.Reading.Error carries the plain-words message,
// Page.Reading.ErrorCode its stable code; Page.Err wraps one of these.
var (
	ErrUnreadable  = errors.New("the file cannot be read as a scan")
	ErrBlank       = errors.New("the page is blank")
	ErrNotSheet    = errors.New("not a tarazy answer sheet")
	ErrDistorted   = errors.New("the sheet is bent, folded or distorted")
	ErrUnknownForm = errors.New("the sheet is of a form this reader does not know")
	// ErrRescan: the scan itself is unfit (black-and-white, a dirty scanner glass);
	// the same sheet scanned again properly reads.
	ErrRescan = errors.New("the scan must be made again")
)

// Reason codes: each message a person reads has a stable code, so that screens can say
// it in Kazakh or Russian; the English text beside it stays for logs and the command
// line. The file-level codes of omr/scanfile (file-empty, file-not-a-scan,
// file-truncated, file-damaged, file-unopenable, file-too-many-pages, image-too-large,
// pdf-page-no-picture, page-repeated) are passed through as they are.
const (
	// Rejected pages.
	CodeTooSmall      = "image-too-small"
	CodeUndecodable   = "image-undecodable"
	CodePixelFormat   = "image-pixel-format"
	CodeBlank         = "page-blank"
	CodeNoCorners     = "sheet-no-corners"
	CodeOrientation   = "sheet-orientation-unknown"
	CodeNotA4         = "sheet-not-a4-frame"
	CodeCutOff        = "sheet-cut-off"
	CodeFaintPrint    = "sheet-print-faint"
	CodeDistorted     = "sheet-distorted"
	CodeUnknownForm   = "sheet-unknown-form"
	CodeNoFormCode    = "sheet-no-form-code"
	CodeRescanGrey    = "scan-rescan-grey"
	CodeScannerStreak = "scan-streak"
	CodeInternal      = "reader-internal-error"

	// Fields under review.
	CodeUnclearMark    = "mark-unclear"
	CodeMarkAround     = "mark-outside-bubble"
	CodeSeveralMarks   = "mark-several"
	CodeNoVariant      = "variant-blank"
	CodeIINBlank       = "iin-blank"
	CodeIINDigitBlank  = "iin-digit-blank"
	CodeIINInvalid     = "iin-invalid"
	CodeIINDiffersQR   = "iin-differs-from-qr"
	CodeQRUnreadable   = "qr-unreadable"
	CodeQRDisagrees    = "qr-disagrees-with-strip"
	CodeQRIINDiffers   = "qr-iin-differs"
	CodePageAlignment  = "page-alignment-unverified"
	CodePageStructure  = "page-print-not-found"
	CodePageMarksModel = "page-marks-inconsistent"
)

// rejectError is a page that cannot be read, with what to tell a commission member.
type rejectError struct {
	code string
	msg  string
	err  error
}

func (e *rejectError) Error() string { return e.msg }
func (e *rejectError) Unwrap() error { return e.err }

func reject(kind error, code, format string, args ...any) error {
	return &rejectError{code: code, msg: fmt.Sprintf(format, args...), err: kind}
}

// fromScanfile turns the input layer's refusal into a rejection.
func fromScanfile(err error) error {
	var se *scanfile.Error
	if errors.As(err, &se) {
		kind := ErrUnreadable
		if se.Code == scanfile.CodeNoPicture || se.Code == scanfile.CodeRepeated {
			kind = ErrNotSheet // the file is fine; that page is not a sheet's scan
		}
		return &rejectError{code: se.Code, msg: se.Msg, err: kind}
	}
	return err
}

// ReasonCode is the stable code of a rejected page's error ("" when it has none).
func ReasonCode(err error) string {
	var re *rejectError
	if errors.As(err, &re) {
		return re.code
	}
	return ""
}

// Working resolution: enough pixels for a bubble's inside (at least about 9 px across)
// and not more, because every pixel decoded costs time.
const minPxPerMM = 5.0

// The least resolution read at all: below about 90 dpi a bubble's inside is a handful
// of pixels (a scanner's thumbnail, a picture sent by a messenger).
const minDeclaredPxPerMM = 3.5

// decoded is a page decoded for reading.
type decoded struct {
	img gocv.Mat
	// full is the size of the page image as stored, at full resolution, oriented as
	// decoded; the working image is a reduced copy of it.
	full image.Point
	// bitonal: the source holds only black and white (1-bit, or thresholded).
	bitonal bool
}

// decodeGrey decodes a page image as 8-bit grey at the lowest resolution that still
// has minPxPerMM, using libjpeg's DCT scaling for JPEG so that a 300 or 600 dpi scan is
// never decoded at full size. Its declared size has been checked (omr/scanfile) before
// any decoder sees it; what is too small to read is refused here, before decoding too.
func decodeGrey(pg scanfile.Page) (decoded, error) {
	pm := pxPerMM(pg.Size.W, pg.Size.H)
	if pm < minDeclaredPxPerMM {
		return decoded{}, reject(ErrUnreadable, CodeTooSmall, "the picture is too small (%d×%d pixels, about %.0f dpi for an A4 sheet): scan the sheet at 300 dpi", pg.Size.W, pg.Size.H, pm*25.4)
	}
	flag := gocv.IMReadGrayScale
	if pg.Kind == scanfile.JPEG {
		if !jpegComplete(pg.Data) {
			return decoded{}, reject(ErrUnreadable, scanfile.CodeTruncated, "the JPEG file is cut short (truncated); copy or scan the sheet again")
		}
		switch {
		case pm/8 >= minPxPerMM:
			flag = gocv.IMReadReducedGrayscale8
		case pm/4 >= minPxPerMM:
			flag = gocv.IMReadReducedGrayscale4
		case pm/2 >= minPxPerMM:
			flag = gocv.IMReadReducedGrayscale2
		}
	}
	m, err := gocv.IMDecode(pg.Data, flag)
	if err != nil || m.Empty() {
		m.Close()
		return decoded{}, reject(ErrUnreadable, CodeUndecodable, "the picture is damaged and cannot be decoded; scan the sheet again")
	}
	d := decoded{full: image.Point{pg.Size.W, pg.Size.H}, bitonal: pg.Size.Bitonal}
	if (m.Cols() > m.Rows()) != (pg.Size.W > pg.Size.H) && pg.Size.W != pg.Size.H {
		// The decoder turned the picture as its EXIF orientation says.
		d.full = image.Point{pg.Size.H, pg.Size.W}
	}
	if !d.bitonal && pg.Kind != scanfile.JPEG {
		// A JPEG is never black and white however it was scanned: its compression
		// greys every edge. PNG, TIFF and BMP can hold a thresholded scan in 8 bits.
		d.bitonal = isBitonal(m)
	}
	if pm := pxPerMM(m.Cols(), m.Rows()); pm > 2*minPxPerMM {
		// PNG and TIFF have no cheap reduced decode: shrink once so the rest is fast.
		small := shrink(m, 1.4*minPxPerMM/pm)
		m.Close()
		m = small
	}
	if d.bitonal {
		// A black-and-white scan is a halftone of the greys it lost: blurred over about a
		// tenth of a millimetre, dither dots and jagged edges become grey again, and are
		// measured as the grey they stand for, not as specks of ink.
		sigma := 0.12 * pxPerMM(m.Cols(), m.Rows())
		gocv.GaussianBlur(m, &m, image.Point{}, sigma, sigma, gocv.BorderReplicate)
	}
	if w, h := m.Cols(), m.Rows(); w < 300 || h < 300 {
		m.Close()
		return decoded{}, reject(ErrUnreadable, CodeTooSmall, "the picture is too small (%d×%d pixels); scan the sheet at 300 dpi", pg.Size.W, pg.Size.H)
	}
	d.img = m
	return d, nil
}

// isBitonal reports whether nearly every pixel of a decoded page is black or white: a
// scanner set to "black and white" (or "text") mode, whatever file format it wrote.
func isBitonal(m gocv.Mat) bool {
	pix, err := m.DataPtrUint8()
	if err != nil || len(pix) == 0 {
		return false
	}
	mid, n := 0, 0
	for i := 0; i < len(pix); i += 7 {
		if v := pix[i]; v > 24 && v < 232 {
			mid++
		}
		n++
	}
	return mid*100 < n
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

// shrink returns a copy of src scaled by k < 1: halved by Gaussian pyramid steps while
// that does not overshoot, then resampled linearly for the rest. It filters as well as
// an area average for what the reader looks at, at a fraction of the cost of OpenCV's
// area resampling (several milliseconds a page, more than the rest of finding the
// marks).
func shrink(src gocv.Mat, k float64) gocv.Mat {
	cur, owned := src, false
	for k <= 0.5 {
		half := gocv.NewMat()
		gocv.PyrDown(cur, &half, image.Point{}, gocv.BorderReplicate)
		if owned {
			cur.Close()
		}
		cur, owned = half, true
		k *= 2
	}
	out := gocv.NewMat()
	if k < 0.999 {
		gocv.Resize(cur, &out, image.Point{}, k, k, gocv.InterpolationLinear)
	} else {
		cur.CopyTo(&out)
	}
	if owned {
		cur.Close()
	}
	return out
}
