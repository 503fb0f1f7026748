package omr

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"image"
	"sort"
	"strconv"
	"strings"

	"tarazy/calibration"
	"tarazy/iin"
	"tarazy/omr/form"
	"tarazy/omr/reading"
	"tarazy/omr/scanfile"
)

// Options configure a Reader. The zero value reads every built-in form with the
// default profile.
type Options struct {
	// Profile holds the fill thresholds; nil uses calibration.Default().
	Profile *calibration.Profile
	// Forms the reader accepts; nil means every built-in form. A sheet of any other
	// form is rejected.
	Forms []*form.Form
	// CropPxPerMM is the resolution of review crops; 0 means 8 (about 200 dpi).
	CropPxPerMM float64
}

// Reader reads answer-sheet scans. It holds no per-page state, so one Reader is safe
// for concurrent use by any number of goroutines.
type Reader struct {
	profile *calibration.Profile
	profSHA string
	byGrade map[int]*form.Form
	known   []string
	cropK   float64
}

// NewReader checks the options and prepares the layouts of the accepted forms.
func NewReader(opt Options) (*Reader, error) {
	r := &Reader{profile: opt.Profile, byGrade: map[int]*form.Form{}, cropK: opt.CropPxPerMM}
	if r.profile == nil {
		r.profile = calibration.Default()
	}
	if err := r.profile.Validate(); err != nil {
		return nil, err
	}
	r.profSHA = r.profile.SHA256()
	if r.cropK <= 0 {
		r.cropK = 8
	}
	forms := opt.Forms
	if forms == nil {
		for _, id := range form.IDs() {
			f, err := form.Get(id)
			if err != nil {
				return nil, err
			}
			forms = append(forms, f)
		}
	}
	for _, f := range forms {
		if other, dup := r.byGrade[f.Grade]; dup {
			return nil, fmt.Errorf("forms %s and %s share grade %d, which the sheet's form code cannot tell apart", other.ID, f.ID, f.Grade)
		}
		if _, err := NewLayout(f); err != nil {
			return nil, err
		}
		r.byGrade[f.Grade] = f
		r.known = append(r.known, f.ID)
	}
	sort.Strings(r.known)
	return r, nil
}

// Profile returns the thresholds the reader decides with.
func (r *Reader) Profile() *calibration.Profile { return r.profile }

// Field is the decision for one field of a page.
type Field struct {
	Name       string  `json:"name"`  // q1…, iin1…iin12, variant, qr
	Value      string  `json:"value"` // what was read: letters, a digit, a variant; best guess under review
	Confidence float64 `json:"confidence"`
	Review     bool    `json:"review"`
	Reason     string  `json:"reason,omitempty"` // why a person must look, in plain words
	ReasonCode string  `json:"reason_code,omitempty"`
	Crop       []byte  `json:"-"` // PNG of the field's row, for fields under review
}

// Quality says how well the page was aligned.
type Quality struct {
	Corners    int     `json:"corners"`     // corner squares found (3 or 4)
	EdgeMarks  int     `json:"edge_marks"`  // mid-edge squares found (0–2)
	AlignMM    float64 `json:"align_mm"`    // RMS distance of the marks from where the fit puts them
	Rotation   int     `json:"rotation"`    // 0, 90, 180 or 270: how the sheet was fed
	PxPerMM    float64 `json:"px_per_mm"`   // working resolution
	StripValid bool    `json:"strip_valid"` // the printed form code read cleanly
	QRValid    bool    `json:"qr_valid"`
	FaintPrint bool    `json:"faint_print,omitempty"` // the print is faint (low toner)
	// PrintDarkness is the darkness of the corner squares (0–1): black print is about 0.9.
	PrintDarkness float64 `json:"print_darkness"`
	Bitonal       bool    `json:"bitonal,omitempty"` // a black-and-white scan
	// Verified: the alignment is over-determined (four corners and both mid-edge
	// squares, or a readable code strip) and the printed bubbles were found where it
	// puts them. An unverified page goes to review as a whole.
	Verified bool    `json:"verified"`
	RingSeen float64 `json:"ring_seen"` // share of rays on which bubble outlines were found (page median)
}

// Page is one read page of a file.
type Page struct {
	Reading     reading.Reading
	Fields      []Field              // every field of the form, plus "qr" when it is under review
	ImageSHA256 string               // of the page's encoded image (the file itself for a one-page file)
	Image       []byte               // the page's encoded image on its own, for the review screen
	ImageType   string               // its MIME type: image/jpeg, image/png, image/tiff or image/bmp
	Quality     Quality              //
	QR          QRData               // what the QR code says, when it was read
	Samples     []calibration.Sample // every bubble's measure, for calibration
	Err         error                // for rejected pages: wraps ErrUnreadable, ErrBlank, …
}

// File is a scan file opened for reading page by page: each page is decoded on its
// own, when it is read, so a multi-page file costs one page's memory at a time and its
// pages can be read by several goroutines at once.
type File struct {
	name string
	f    *scanfile.File
	err  error // the whole file cannot be read: its one page is this rejection
}

// OpenFile opens a scan file on disk. It never fails: a file that cannot be read has
// one page, rejected with the reason.
func OpenFile(path string) *File {
	f, err := scanfile.Open(path)
	return &File{name: path, f: f, err: fromScanfile(err)}
}

// OpenBytes opens a file already in memory; name is what the readings call it.
func OpenBytes(name string, data []byte) *File {
	f, err := scanfile.FromBytes(data)
	return &File{name: name, f: f, err: fromScanfile(err)}
}

// Name is what the readings call the file.
func (f *File) Name() string { return f.name }

// Pages is the number of pages (at least one).
func (f *File) Pages() int {
	if f.err != nil {
		return 1
	}
	return f.f.Pages()
}

// Close releases the file.
func (f *File) Close() error {
	if f.f == nil {
		return nil
	}
	return f.f.Close()
}

// ReadPage reads page n (from 1) of a file. A page that cannot be read is a rejected
// page that says why; nothing a file holds makes it panic or abort.
func (r *Reader) ReadPage(f *File, n int) Page {
	if f.err != nil {
		return rejected(f.name, n, f.err)
	}
	pg, err := f.f.Page(n - 1)
	if err != nil {
		return rejected(f.name, n, fromScanfile(err))
	}
	return r.readPage(f.name, n, pg)
}

// ReadFile reads every page of a file, one after another. A file that cannot be read
// gives one rejected page that says why; the only error returned is the context's.
func (r *Reader) ReadFile(ctx context.Context, path string) ([]Page, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	f := OpenFile(path)
	defer f.Close()
	return r.readAll(ctx, f)
}

// ReadBytes reads every page of an encoded file (JPEG, PNG, TIFF, BMP, PDF). name is
// what the readings call the file.
func (r *Reader) ReadBytes(ctx context.Context, name string, data []byte) ([]Page, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return r.readAll(ctx, OpenBytes(name, data))
}

func (r *Reader) readAll(ctx context.Context, f *File) ([]Page, error) {
	pages := make([]Page, 0, f.Pages())
	for n := 1; n <= f.Pages(); n++ {
		if err := ctx.Err(); err != nil {
			return pages, err
		}
		pages = append(pages, r.ReadPage(f, n))
	}
	return pages, nil
}

// reject turns a page already aligned into a rejected one, keeping what was learned
// about the scan (its quality) for the operator.
func (p Page) reject(name string, page int, err error) Page {
	q := p.Quality
	p = rejected(name, page, err)
	p.Quality = q
	return p
}

func rejected(name string, page int, err error) Page {
	msg := err.Error()
	var re *rejectError
	if !errors.As(err, &re) {
		re = &rejectError{code: CodeInternal, msg: "the page could not be read: " + msg, err: ErrUnreadable}
		err = re
		msg = re.msg
	}
	return Page{
		Reading: reading.Reading{File: name, Page: page, Status: reading.StatusRejected, Answers: []string{}, Review: []string{}, Error: msg, ErrorCode: re.code},
		Err:     err,
	}
}

// readPage never panics on bad input: whatever goes wrong inside OpenCV or the decoder
// becomes a rejected page, so one bad sheet never stops a batch.
func (r *Reader) readPage(name string, pageNo int, pg scanfile.Page) (p Page) {
	sum := sha256.Sum256(pg.Data)
	defer func() {
		if rec := recover(); rec != nil {
			p = rejected(name, pageNo, reject(ErrUnreadable, CodeInternal, "the page could not be read (internal error: %v); set it aside and report it", rec))
		}
		p.ImageSHA256 = hex.EncodeToString(sum[:])
		p.Image = pg.Data
		p.ImageType = pg.Kind.MIME()
	}()
	dec, err := decodeGrey(pg)
	if err != nil {
		return rejected(name, pageNo, err)
	}
	defer dec.img.Close()
	sc, err := newScan(dec.img)
	if err != nil {
		return rejected(name, pageNo, err)
	}
	sc.bitonal = dec.bitonal
	al, err := sc.alignAny()
	if err != nil {
		return rejected(name, pageNo, err)
	}
	p = r.readAligned(name, pageNo, sc, al)
	if p.Reading.Status != reading.StatusRejected {
		p.Reading.Align = fullAlignment(sc, dec.full)
	}
	return p
}

// fullAlignment scales the working homography to the page image at full resolution.
func fullAlignment(sc *scan, full image.Point) *reading.Alignment {
	kx := float64(full.X) / float64(sc.w)
	ky := float64(full.Y) / float64(sc.h)
	h := homography{kx, 0, 0, 0, ky, 0, 0, 0, 1}
	h = h.mul(sc.hmm)
	return &reading.Alignment{Width: full.X, Height: full.Y, H: h}
}

func (r *Reader) readAligned(name string, pageNo int, sc *scan, al *alignment) Page {
	p := Page{Quality: al.quality}
	p.Quality.PxPerMM = sc.hmm.scale(Pt{PageW / 2, PageH / 2})

	grade, serial, stripOK := sc.readStrip()
	p.Quality.StripValid = stripOK
	qr, qrOK := sc.readQR()
	p.Quality.QRValid = qrOK
	if qrOK {
		p.QR = qr
	}

	var f *form.Form
	switch {
	case stripOK:
		f = r.byGrade[grade]
		if f == nil {
			return p.reject(name, pageNo, reject(ErrUnknownForm, CodeUnknownForm, "this is an answer sheet of another form (form code %d), not one of %s; read it with the right form", grade, strings.Join(r.known, ", ")))
		}
	case qrOK:
		for _, cand := range r.byGrade {
			if cand.ID == qr.Form {
				f = cand
			}
		}
		if f == nil {
			return p.reject(name, pageNo, reject(ErrUnknownForm, CodeUnknownForm, "this is an answer sheet of form %q, not one of %s; read it with the right form", qr.Form, strings.Join(r.known, ", ")))
		}
		serial, _ = strconv.Atoi(qr.Serial)
	case p.Quality.FaintPrint:
		return p.reject(name, pageNo, reject(ErrNotSheet, CodeFaintPrint, "the form code along the bottom edge and the QR code are printed too faintly to read (the printer was low on toner): print the sheets with more toner"))
	default:
		return p.reject(name, pageNo, reject(ErrNotSheet, CodeNoFormCode, "the form code along the bottom edge and the QR code cannot be read: this is not a tarazy answer sheet, or that part is torn, covered or folded; scan it again flat"))
	}
	l, _ := NewLayout(f)

	ms := sc.measure(l)
	p.Samples = make([]calibration.Sample, len(ms))
	for i, m := range ms {
		p.Samples[i] = m.Sample
	}
	if st, ok := sc.streakThroughBubbles(l); ok {
		dir := "down"
		if !st.vertical {
			dir = "across"
		}
		return p.reject(name, pageNo, reject(ErrRescan, CodeScannerStreak, "a thin dark line runs %s the whole scan through the answer bubbles (dirt or a scratch on the scanner's glass, or a fold in the sheet): clean the scanner glass, flatten the sheet and scan it again", dir))
	}
	rings := make([]float64, len(ms))
	for i, m := range ms {
		rings[i] = m.ring
	}
	// The alignment is over-determined by four corners and both mid-edge squares, or
	// checked by the code strip read where it puts it.
	p.Quality.Verified = (p.Quality.Corners == 4 && p.Quality.EdgeMarks == 2) || stripOK
	if median(rings) < pageRingMissing {
		switch {
		case !p.Quality.Verified:
			return p.reject(name, pageNo, reject(ErrDistorted, CodeDistorted, "the printed bubbles are not where the sheet's corner squares put them (the page is curved, or photographed at an angle): scan the sheet flat on a scanner"))
		case sc.bitonal:
			return p.reject(name, pageNo, reject(ErrRescan, CodeRescanGrey, "the scan is black and white (1 bit per pixel) and the printed bubbles have vanished from it, so light marks may have too: rescan the sheet in grey (8-bit) or colour"))
		default:
			return p.reject(name, pageNo, reject(ErrRescan, CodeFaintPrint, "the printed bubbles can hardly be seen in the scan (the print is faint or the scan too light): scan the sheet again in grey with more contrast"))
		}
	}
	p.Quality.Bitonal = sc.bitonal
	model := r.learnModel(sc, l, ms)
	fields := r.decide(sc, l, ms, &model)

	rd := reading.Reading{File: name, Page: pageNo, Form: f.ID, Sheet: SerialString(serial), Answers: make([]string, f.Questions())}
	byName := map[string]*Field{}
	for i := range fields {
		byName[fields[i].Name] = &fields[i]
	}
	for q := 1; q <= f.Questions(); q++ {
		rd.Answers[q-1] = byName["q"+strconv.Itoa(q)].Value
	}
	rd.Variant = byName["variant"].Value

	r.checkIdentity(&rd, fields, byName, qr, qrOK, stripOK, serial)
	rd.Reader = &reading.Reader{Version: Version, Form: FormID(f), Profile: r.profSHA}

	if pc := checkPage(&p.Quality, l, ms, fields, model, sc.bitonal); pc != nil {
		// The reading stays a best guess of every field, for the person who confirms
		// the page over the scan.
		fields = append(fields, Field{Name: reading.PageField, Review: true, Reason: pc.reason, ReasonCode: pc.code})
	}
	for _, fd := range fields {
		if fd.Review {
			rd.Review = append(rd.Review, fd.Name)
		}
	}
	if len(rd.Review) == 0 {
		rd.Status = reading.StatusOK
		rd.Review = []string{}
	} else {
		rd.Status = reading.StatusReview
	}
	for i := range fields {
		if fields[i].Review {
			fields[i].Crop = sc.crop(l, fields[i].Name, r.cropK)
		}
	}
	p.Reading = rd
	p.Fields = fields
	return p
}

// checkIdentity decides the IIN and cross-checks the QR code against the bubbles and
// the printed form code.
func (r *Reader) checkIdentity(rd *reading.Reading, fields []Field, byName map[string]*Field, qr QRData, qrOK, stripOK bool, serial int) {
	digits := make([]*Field, iinCols)
	blank, sure := 0, 0
	for i := range digits {
		digits[i] = byName["iin"+strconv.Itoa(i+1)]
		switch {
		case digits[i].Value == "" && digits[i].Reason == reasonBlankDigit:
			blank++
		case !digits[i].Review:
			sure++
		}
	}
	var b strings.Builder
	for _, d := range digits {
		if d.Value == "" || len(d.Value) != 1 {
			b.WriteByte('?')
		} else {
			b.WriteString(d.Value)
		}
	}
	bubbled := b.String()
	rd.IIN = bubbled

	qrField := &fields[len(fields)-1] // decide appends "qr" last
	switch {
	case !qrOK:
		flag(qrField, CodeQRUnreadable, "the QR code cannot be read: check the serial number and the candidate printed on the sheet")
	case stripOK && (qr.Form != rd.Form || qr.Serial != SerialString(serial)):
		flag(qrField, CodeQRDisagrees, fmt.Sprintf("the QR code (form %s, serial %q) disagrees with the form code printed along the bottom (form %s, serial %q)", qr.Form, qr.Serial, rd.Form, SerialString(serial)))
	}

	switch {
	case blank == iinCols && qrOK && iin.Valid(qr.IIN):
		// A personalised sheet whose candidate left the IIN grid empty: the printed,
		// machine-made QR code is the identity, so nothing is guessed.
		rd.IIN = qr.IIN
		for i, d := range digits {
			d.Review, d.Reason, d.ReasonCode, d.Value, d.Confidence = false, "", "", qr.IIN[i:i+1], 1
		}
	case blank == iinCols:
		for _, d := range digits {
			flag(d, CodeIINBlank, "no IIN is filled in: read it from the digits written above the grid")
		}
	case sure == iinCols:
		if _, err := iin.Parse(bubbled); err != nil {
			for _, d := range digits {
				flag(d, CodeIINInvalid, "the filled-in IIN "+bubbled+" is not valid ("+iinProblem(err)+"): compare the bubbles with the digits written above them")
			}
		} else if qrOK && qr.IIN != "" && qr.IIN != bubbled {
			flag(qrField, CodeQRIINDiffers, "the IIN filled in ("+bubbled+") is not the IIN printed for this sheet's candidate ("+qr.IIN+")")
			for i, d := range digits {
				if bubbled[i] != qr.IIN[i] {
					flag(d, CodeIINDiffersQR, "differs from the IIN printed for this sheet's candidate")
				}
			}
		}
	default:
		for _, d := range digits {
			if d.Reason == reasonBlankDigit {
				d.Review = true
			}
		}
	}
}

func iinProblem(err error) string {
	switch {
	case errors.Is(err, iin.ErrChecksum), errors.Is(err, iin.ErrNotIssued):
		return "the check digit does not match"
	case errors.Is(err, iin.ErrDate):
		return "the first six digits are not a date of birth"
	case errors.Is(err, iin.ErrCentury):
		return "the 7th digit must be 1–6"
	}
	return "malformed"
}

func flag(f *Field, code, reason string) {
	f.Review = true
	f.Confidence = 0
	if f.Reason == "" || f.Reason == reasonBlankDigit {
		f.Reason, f.ReasonCode = reason, code
	}
}

// Close releases nothing today; it is here so a future Reader holding native
// resources keeps its callers' code unchanged.
func (r *Reader) Close() error { return nil }
