package omr

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/color"
	"image/png"
	"math"
	"sort"

	"github.com/makiuchi-d/gozxing"
	zqr "github.com/makiuchi-d/gozxing/qrcode"
	"gocv.io/x/gocv"
)

// scan is one decoded page: grey pixels at working resolution, a map of the local paper
// white, and (after align) the homography from sheet millimetres to pixels.
type scan struct {
	img  gocv.Mat // working image, 8-bit grey, continuous; owned by the caller
	pix  []uint8
	w, h int
	pm   float64 // pixels per millimetre, estimated from the page being A4

	// small is a ~2 px/mm copy used to find the marks; bg its paper-white map.
	smallK float64 // small pixels per working pixel
	spm    float64 // small pixels per millimetre (about 2)
	sw, sh int
	small  []uint8
	bg     []uint8
	dark   []uint8 // 1 where small is much darker than the paper around it

	hmm homography // sheet mm → working px (set by align)

	bitonal bool    // the source is black and white only
	darkK   float64 // the threshold dark holds
}

const smallPxPerMM = 2.0

func newScan(img gocv.Mat) (*scan, error) {
	pix, err := img.DataPtrUint8()
	if err != nil || !img.IsContinuous() {
		return nil, reject(ErrUnreadable, CodePixelFormat, "the picture has an unusual pixel format; scan in grey or colour")
	}
	s := &scan{img: img, pix: pix, w: img.Cols(), h: img.Rows(), pm: pxPerMM(img.Cols(), img.Rows())}
	small := shrink(img, smallPxPerMM/s.pm)
	defer small.Close()
	s.smallK = float64(small.Cols()) / float64(img.Cols())
	s.spm = s.pm * s.smallK
	blur := gocv.NewMat()
	defer blur.Close()
	gocv.GaussianBlur(small, &blur, image.Point{5, 5}, 0, 0, gocv.BorderReplicate)
	// Paper white: the lightest smoothed value within about 10 mm. Marks, text and
	// bubbles are all smaller than that, so what remains is the paper under the
	// scanner's light, however uneven or grey.
	k := int(10*s.spm) | 1
	kernel := gocv.GetStructuringElement(gocv.MorphRect, image.Point{k, k})
	defer kernel.Close()
	bg := gocv.NewMat()
	defer bg.Close()
	gocv.Dilate(blur, &bg, kernel)
	s.sw, s.sh = small.Cols(), small.Rows()
	sp, _ := small.DataPtrUint8()
	bp, _ := bg.DataPtrUint8()
	s.small = append([]uint8(nil), sp...)
	s.bg = append([]uint8(nil), bp...)
	s.dark = make([]uint8, len(s.small))
	if s.threshold(printDark) < len(s.small)/2000 && s.threshold(faintDark) < len(s.small)/2000 {
		return nil, reject(ErrBlank, CodeBlank, "the page is blank: nothing is printed on it (was the back of the sheet scanned, or an empty page?)")
	}
	if s.darkK != printDark {
		s.threshold(printDark)
	}
	return s, nil
}

// What counts as dark when looking for the printed marks: print is black, so half the
// paper's brightness; a sheet printed with little toner is looked at again with the
// faint threshold before it is refused.
const (
	printDark = 0.5
	faintDark = 0.75
)

// threshold marks the small image's pixels darker than k × the paper white around them
// and returns how many there are.
func (s *scan) threshold(k float64) int {
	n := 0
	k256 := int(k * 256)
	bg, dark := s.bg[:len(s.small)], s.dark[:len(s.small)]
	for i, v := range s.small {
		dark[i] = 0
		if int(v)*256 < k256*int(bg[i]) {
			dark[i] = 255
			n++
		}
	}
	s.darkK = k
	return n
}

// alignAny aligns on black print and, failing that, on faint print (low toner). A page
// found on neither is refused with what was wrong: faint print is said as such, not as
// "not a sheet".
func (s *scan) alignAny() (*alignment, error) {
	al, err := s.align()
	if err == nil {
		return al, nil
	}
	s.threshold(faintDark)
	if al2, err2 := s.align(); err2 == nil {
		return al2, nil
	}
	if s.faintSquares(s.cornerCandidates(s.blobs())) {
		return nil, reject(ErrNotSheet, CodeFaintPrint, "the printing on the sheet is too faint to find its corner squares (the printer was low on toner, or the scanner is set too light): print the sheets with more toner, or scan with more contrast")
	}
	return nil, err
}

// white is the paper white at a working-image pixel.
func (s *scan) white(p Pt) float64 {
	x := int(p.X * s.smallK)
	y := int(p.Y * s.smallK)
	if x < 0 {
		x = 0
	}
	if y < 0 {
		y = 0
	}
	if x >= s.sw {
		x = s.sw - 1
	}
	if y >= s.sh {
		y = s.sh - 1
	}
	w := float64(s.bg[y*s.sw+x])
	if w < 40 {
		w = 40 // a black border or a dark corner has no paper to compare against
	}
	return w
}

func (s *scan) at(x, y int) (uint8, bool) {
	if x < 0 || y < 0 || x >= s.w || y >= s.h {
		return 0, false
	}
	return s.pix[y*s.w+x], true
}

// blob is a dark connected component of the small image.
type blob struct {
	c          Pt // centroid, small px
	w, h, area int
	fill       float64
	hollow     bool
}

// alignment is how the sheet lies in the scan.
type alignment struct {
	quality Quality
}

// align finds the corner squares, works out how the sheet was fed from the hollow one,
// checks the fit on the mid-edge squares and sets the homography.
func (s *scan) align() (*alignment, error) {
	blobs := s.blobs()
	cands := s.cornerCandidates(blobs)
	if len(cands) < 3 {
		return nil, reject(ErrNotSheet, CodeNoCorners, "the corner squares of an answer sheet are not found: this is not a tarazy answer sheet, or the scan cuts off its corners; scan the whole sheet")
	}
	// The candidate nearest each corner of the picture, clockwise from top-left.
	imgCorners := [4]Pt{{0, 0}, {float64(s.sw), 0}, {float64(s.sw), float64(s.sh)}, {0, float64(s.sh)}}
	diag := math.Hypot(float64(s.sw), float64(s.sh))
	var slot [4]*blob
	for k, ic := range imgCorners {
		best := math.MaxFloat64
		for i := range cands {
			d := math.Hypot(cands[i].c.X-ic.X, cands[i].c.Y-ic.Y)
			if d < best && d < 0.3*diag {
				best, slot[k] = d, &cands[i]
			}
		}
	}
	// A slot may have picked a stray blob; keep the slots whose blobs agree in size
	// and form a right-angled frame.
	found := []int{}
	for k := range slot {
		if slot[k] != nil {
			found = append(found, k)
		}
	}
	try := [][]int{}
	if len(found) == 4 {
		try = append(try, []int{0, 1, 2, 3})
	}
	for miss := 0; miss < 4; miss++ {
		var tri []int
		for _, k := range found {
			if k != miss {
				tri = append(tri, k)
			}
		}
		if len(tri) == 3 {
			try = append(try, tri)
		}
	}
	var lastErr error = reject(ErrNotSheet, CodeNoCorners, "the corner squares of an answer sheet are not found: this is not a tarazy answer sheet, or the scan cuts off its corners; scan the whole sheet")
	for _, set := range try {
		al, err := s.fitFrame(slot, set, blobs)
		if err == nil {
			return al, nil
		}
		lastErr = err
	}
	return nil, lastErr
}

// faintSquares reports whether the squares found on faint print are faint themselves:
// their middles all lighter than black print (a photograph's squares are black, only
// hidden or at an angle).
func (s *scan) faintSquares(cands []blob) bool {
	if len(cands) < 3 {
		return false
	}
	var dark []float64
	for _, b := range cands {
		x, y := int(b.c.X), int(b.c.Y)
		if x < 0 || y < 0 || x >= s.sw || y >= s.sh || s.bg[y*s.sw+x] == 0 {
			continue
		}
		dark = append(dark, 1-float64(s.small[y*s.sw+x])/float64(s.bg[y*s.sw+x]))
	}
	if len(dark) < 3 {
		return false
	}
	// Faint only if none is black: one black square is not a toner problem.
	sort.Float64s(dark)
	return dark[len(dark)-1] < faintSquares
}

// cornerCandidates are the blobs that could be corner squares: about the right size,
// square, solid or hollow.
func (s *scan) cornerCandidates(blobs []blob) []blob {
	exp := fidSize * s.spm
	var cands []blob
	for _, b := range blobs {
		if b.w < int(0.55*exp) || b.h < int(0.55*exp) || b.w > int(1.7*exp) || b.h > int(1.7*exp) {
			continue
		}
		if r := float64(b.w) / float64(b.h); r < 0.7 || r > 1.43 {
			continue
		}
		// A square fills its bounding box (turned 5°, still 85 % of it); a filled-in
		// bubble, a disc 4–5.5 mm across, fills π/4 of a smaller one, and must never
		// stand in for a faint corner square.
		if !b.hollow && (b.fill < 0.7 || b.fill < 0.84 && float64(max(b.w, b.h)) < 0.85*exp) {
			continue
		}
		cands = append(cands, b)
	}
	return cands
}

func (s *scan) blobs() []blob {
	bin, err := gocv.NewMatFromBytes(s.sh, s.sw, gocv.MatTypeCV8U, s.dark)
	if err != nil {
		return nil
	}
	defer bin.Close()
	labels, stats, cents := gocv.NewMat(), gocv.NewMat(), gocv.NewMat()
	defer labels.Close()
	defer stats.Close()
	defer cents.Close()
	n := gocv.ConnectedComponentsWithStatsWithParams(bin, &labels, &stats, &cents, 8, gocv.MatTypeCV32S, gocv.CCL_GRANA)
	// Read the tables through their memory: a cgo call per number costs more than
	// labelling the page.
	raw, err := stats.DataPtrUint8() // n rows of five int32: x, y, w, h, area
	if err != nil || len(raw) < 20*n {
		return nil
	}
	st := make([]int32, 5*n)
	for i := range st {
		st[i] = int32(binary.NativeEndian.Uint32(raw[4*i:]))
	}
	ce, err := cents.DataPtrFloat64()
	if err != nil || len(ce) < 2*n {
		return nil
	}
	var out []blob
	for i := 1; i < n; i++ {
		b := blob{
			w:    int(st[5*i+2]),
			h:    int(st[5*i+3]),
			area: int(st[5*i+4]),
			c:    Pt{ce[2*i], ce[2*i+1]},
		}
		if b.w < 3 || b.h < 3 || b.w > s.sw/4 || b.h > s.sh/4 {
			continue
		}
		b.fill = float64(b.area) / float64(b.w*b.h)
		x0, y0 := int(st[5*i]), int(st[5*i+1])
		cx, cy := x0+b.w/2, y0+b.h/2
		if b.fill > 0.4 && b.fill < 0.9 && s.dark[cy*s.sw+cx] == 0 {
			// A ring: the hole at its centre is light.
			b.hollow = true
		}
		out = append(out, b)
	}
	return out
}

// fitFrame tries one assignment of picture corners to sheet corners.
func (s *scan) fitFrame(slot [4]*blob, set []int, blobs []blob) (*alignment, error) {
	// Which sheet corner sits in each picture slot: the hollow square is the sheet's
	// bottom-left (index 3); clockwise order survives any rotation of a flat page.
	hollowSlot := -1
	for _, k := range set {
		if slot[k].hollow {
			if hollowSlot >= 0 {
				return nil, reject(ErrNotSheet, CodeNoCorners, "two hollow corner squares: this is not a tarazy answer sheet")
			}
			hollowSlot = k
		}
	}
	if hollowSlot < 0 {
		if len(set) == 4 {
			return nil, reject(ErrNotSheet, CodeOrientation, "the hollow corner square (bottom left) is not found, so the sheet's orientation is unknown; scan it again")
		}
		// With three corners found and none hollow, the missing one is the hollow one.
		for k := 0; k < 4; k++ {
			if !contains(set, k) {
				hollowSlot = k
			}
		}
	}
	sheetToSlot := func(i int) int { return (i + hollowSlot - 3 + 8) % 4 }
	var src, dst []Pt
	var sizes []float64
	for i := 0; i < 4; i++ {
		k := sheetToSlot(i)
		if !contains(set, k) {
			continue
		}
		src = append(src, s.corners()[i].C)
		dst = append(dst, slot[k].c)
		sizes = append(sizes, math.Sqrt(float64(slot[k].area)))
	}
	sort.Float64s(sizes)
	if sizes[0] < 0.6*sizes[len(sizes)-1] {
		return nil, reject(ErrNotSheet, CodeNoCorners, "the squares found in the corners differ in size: this is not a tarazy answer sheet, or something covers a corner")
	}
	hs, err := fitHomography(src, dst)
	if err != nil {
		return nil, reject(ErrNotSheet, CodeNotA4, "the corner squares do not form a page: this is not a tarazy answer sheet")
	}
	// The frame must be a plausible page: right scale both ways, near right angles.
	sx := dist(hs.apply(Pt{0, 0}), hs.apply(Pt{PageW, 0})) / PageW
	sy := dist(hs.apply(Pt{0, 0}), hs.apply(Pt{0, PageH})) / PageH
	if sx <= 0 || sy/sx < 0.9 || sy/sx > 1.1 || sx < 0.5*s.spm*0.6 || sx > s.spm*2.5 {
		return nil, reject(ErrNotSheet, CodeNotA4, "the corner squares found do not frame an A4 answer sheet: this is not a tarazy answer sheet, or the squares are hidden (covered, torn or folded); scan the whole sheet flat")
	}
	for i, m := range s.corners() {
		if contains(set, sheetToSlot(i)) {
			continue
		}
		// The inferred corner must lie inside the picture, or the sheet is cut off.
		p := hs.apply(m.C)
		if p.X < -2 || p.Y < -2 || p.X > float64(s.sw)+2 || p.Y > float64(s.sh)+2 {
			return nil, reject(ErrNotSheet, CodeCutOff, "a corner of the sheet is outside the scan; scan the whole sheet")
		}
	}
	// Mid-edge squares: found near where the corners predict them, they over-determine
	// the fit and so measure how flat and true the page is.
	mids := 0
	for _, m := range s.mids() {
		p := hs.apply(m.C)
		var best *blob
		bd := 4 * s.spm
		for i := range blobs {
			b := &blobs[i]
			d := dist(b.c, p)
			exp := midSize * s.spm
			if d < bd && float64(b.w) > 0.5*exp && float64(b.w) < 1.6*exp && b.fill > 0.6 {
				bd, best = d, b
			}
		}
		if best != nil {
			src = append(src, m.C)
			dst = append(dst, best.c)
			mids++
		}
	}
	// Refine every mark's centre on the working image and fit the final homography.
	inv := 1 / s.smallK
	hw, err := fitHomography(src, scalePts(dst, inv))
	if err != nil {
		return nil, reject(ErrNotSheet, CodeNotA4, "the corner squares do not form a page: this is not a tarazy answer sheet")
	}
	cs, ms := s.corners(), s.mids()
	marks := append(append([]Marker{}, cs[:]...), ms[:]...)
	var rsrc, rdst []Pt
	for _, m := range marks {
		if !containsPt(src, m.C) {
			continue
		}
		c, ok := s.refine(hw, m)
		if !ok {
			continue
		}
		rsrc = append(rsrc, m.C)
		rdst = append(rdst, c)
	}
	if len(rsrc) < 3 {
		return nil, reject(ErrNotSheet, CodeFaintPrint, "the corner squares are too faint to align the sheet; scan it again with more contrast")
	}
	h, err := fitHomography(rsrc, rdst)
	if err != nil {
		return nil, reject(ErrNotSheet, CodeNotA4, "the corner squares do not form a page: this is not a tarazy answer sheet")
	}
	// Reprojection error in millimetres. With four corners and no mid marks the fit is
	// exact and proves nothing, which the quality record shows (EdgeMarks 0).
	var se float64
	for i := range rsrc {
		q := h.apply(rsrc[i])
		se += math.Pow(dist(q, rdst[i])/h.scale(rsrc[i]), 2)
	}
	rms := math.Sqrt(se / float64(len(rsrc)))
	if k := h.scale(Pt{PageW / 2, PageH / 2}); math.IsNaN(rms) || math.IsInf(rms, 0) || !(k > 0.4*s.pm && k < 2*s.pm) {
		// A fit through marks that are not the frame can be degenerate, or put the
		// page at a size no scan of it has.
		return nil, reject(ErrNotSheet, CodeNotA4, "the corner squares do not form a page: this is not a tarazy answer sheet")
	}
	if rms > maxAlignMM {
		return nil, reject(ErrDistorted, CodeDistorted, "the sheet is bent, folded or stretched in the scan (marks are %.1f mm off); flatten it and scan again", rms)
	}
	s.hmm = h
	rot := ((hollowSlot - 3 + 4) % 4) * 90
	q := Quality{Corners: len(set), EdgeMarks: mids, AlignMM: math.Round(rms*1000) / 1000, Rotation: rot}
	// Black print is black: corner squares lighter than this were printed with too
	// little toner, and what else is printed (the codes, the outlines) is as faint.
	var dark []float64
	for i, m := range s.corners() {
		if contains(set, sheetToSlot(i)) && !m.Hollow {
			dark = append(dark, s.cellDarkness(m.C))
		}
	}
	if len(dark) > 0 {
		sort.Float64s(dark)
		q.PrintDarkness = math.Round(dark[len(dark)/2]*1000) / 1000
		q.FaintPrint = q.PrintDarkness < faintSquares
	}
	return &alignment{quality: q}, nil
}

// faintSquares is the darkness below which the corner squares count as faint print.
const faintSquares = 0.7

// maxAlignMM is the largest RMS misfit of the marks accepted: half a bubble's inner
// radius, so that no bubble can be measured off its printed place.
const maxAlignMM = 0.8

func (s *scan) corners() [4]Marker { return defaultFrame.Corners }
func (s *scan) mids() [2]Marker    { return defaultFrame.Mids }

// defaultFrame holds the marks every form shares; buildLayout copies them.
var defaultFrame = func() *Layout {
	l := &Layout{}
	in := fidInset
	l.Corners = [4]Marker{
		{C: Pt{in, in}, Size: fidSize},
		{C: Pt{PageW - in, in}, Size: fidSize},
		{C: Pt{PageW - in, PageH - in}, Size: fidSize},
		{C: Pt{in, PageH - in}, Size: fidSize, Hollow: true},
	}
	l.Mids = [2]Marker{{C: Pt{in, PageH / 2}, Size: midSize}, {C: Pt{PageW - in, PageH / 2}, Size: midSize}}
	return l
}()

// refine finds a mark's centre as the ink-weighted centroid around where h puts it.
func (s *scan) refine(h homography, m Marker) (Pt, bool) {
	// Black print is weighed below 0.6 of the paper; faint print (low toner) higher up.
	level := math.Max(0.6, s.darkK+0.1)
	c := h.apply(m.C)
	k := h.scale(m.C)
	half := (m.Size/2 + 1.5) * k
	var sw, sx, sy float64
	for y := int(c.Y - half); y <= int(c.Y+half); y++ {
		for x := int(c.X - half); x <= int(c.X+half); x++ {
			v, ok := s.at(x, y)
			if !ok {
				continue
			}
			t := level*s.white(Pt{float64(x), float64(y)}) - float64(v)
			if t <= 0 {
				continue
			}
			sw += t
			sx += t * float64(x)
			sy += t * float64(y)
		}
	}
	if sw == 0 {
		return Pt{}, false
	}
	return Pt{sx/sw + 0.5, sy/sw + 0.5}, true
}

// readStrip decodes the form code along the bottom edge.
func (s *scan) readStrip() (grade, serial int, ok bool) {
	w := 2 * stripBits * stripCellW
	x0 := PageW/2 - w/2
	bits := make([]bool, stripBits)
	for i := 0; i < stripBits; i++ {
		a := s.cellDarkness(Pt{x0 + (float64(2*i)+0.5)*stripCellW, stripY})
		b := s.cellDarkness(Pt{x0 + (float64(2*i)+1.5)*stripCellW, stripY})
		switch {
		case a-b > 0.3:
			bits[i] = true
		case b-a > 0.3:
		default:
			return 0, 0, false
		}
	}
	grade, serial = unpackStrip(bits)
	return grade, serial, true
}

// cellDarkness is the mean darkness of a 1.2 mm square around p (sheet mm).
func (s *scan) cellDarkness(p Pt) float64 {
	c := s.hmm.apply(p)
	r := 0.6 * s.hmm.scale(p)
	var sum, n float64
	white := s.white(c)
	for y := int(c.Y - r); y <= int(c.Y+r); y++ {
		for x := int(c.X - r); x <= int(c.X+r); x++ {
			v, ok := s.at(x, y)
			if !ok {
				continue
			}
			sum += float64(v)
			n++
		}
	}
	if n == 0 {
		return 0
	}
	return 1 - sum/n/white
}

// warp renders the sheet rectangle r (mm) upright at k px/mm from the working image.
func (s *scan) warp(r Rect, k float64) (gocv.Mat, error) {
	// crop px → mm → working px
	t := homography{1 / k, 0, r.X, 0, 1 / k, r.Y, 0, 0, 1}
	m := s.hmm.mul(t)
	mat := gocv.NewMatWithSize(3, 3, gocv.MatTypeCV64F)
	defer mat.Close()
	for i := 0; i < 9; i++ {
		mat.SetDoubleAt(i/3, i%3, m[i])
	}
	dst := gocv.NewMat()
	sz := image.Point{int(r.W * k), int(r.H * k)}
	gocv.WarpPerspectiveWithParams(s.img, &dst, mat, sz, gocv.InterpolationLinear|gocv.WarpInverseMap, gocv.BorderConstant, color.RGBA{255, 255, 255, 255})
	return dst, nil
}

func (s *scan) warpGray(r Rect, k float64) *image.Gray {
	m, err := s.warp(r, k)
	if err != nil {
		return nil
	}
	defer m.Close()
	b, err := m.DataPtrUint8()
	if err != nil || m.Empty() {
		return nil
	}
	img := image.NewGray(image.Rect(0, 0, m.Cols(), m.Rows()))
	copy(img.Pix, b)
	return img
}

var qrHints = map[gozxing.DecodeHintType]interface{}{gozxing.DecodeHintType_PURE_BARCODE: true}
var qrHintsSearch = map[gozxing.DecodeHintType]interface{}{gozxing.DecodeHintType_TRY_HARDER: true}

// readQR decodes the QR code from an upright crop of where it is printed.
func (s *scan) readQR() (QRData, bool) {
	for _, try := range []struct {
		margin, k float64
		hints     map[gozxing.DecodeHintType]interface{}
	}{{0, 6, qrHints}, {2, 8, qrHintsSearch}, {8, 6, qrHintsSearch}} {
		img := s.warpGray(Rect{qrX - try.margin, qrY - try.margin, qrSize + 2*try.margin, qrSize + 2*try.margin}, try.k)
		if img == nil {
			continue
		}
		// The grey pixels are a luminance plane as they are: read them directly, not
		// through image.Image's per-pixel colour conversion.
		src, err := gozxing.NewPlanarYUVLuminanceSource(img.Pix, img.Stride, img.Rect.Dy(), 0, 0, img.Rect.Dx(), img.Rect.Dy(), false)
		if err != nil {
			continue
		}
		bmp, err := gozxing.NewBinaryBitmap(gozxing.NewHybridBinarizer(src))
		if err != nil {
			continue
		}
		res, err := zqr.NewQRCodeReader().Decode(bmp, try.hints)
		if err != nil {
			continue
		}
		if d, ok := parseQR(res.GetText()); ok {
			return d, true
		}
	}
	return QRData{}, false
}

// crop returns a PNG of a field's row or column, upright, for the review screen.
func (s *scan) crop(l *Layout, name string, k float64) []byte {
	var r Rect
	if name == "qr" {
		r = Rect{qrX - 2, qrY - 2, qrSize + 4, qrSize + 12}
	} else {
		fd, ok := l.FieldByName(name)
		if !ok {
			return nil
		}
		r = fd.Box
	}
	r = Rect{r.X - 1.5, r.Y - 1, r.W + 3, r.H + 2}
	img := s.warpGray(r, k)
	if img == nil {
		return nil
	}
	var buf bytes.Buffer
	if err := (&png.Encoder{CompressionLevel: png.BestSpeed}).Encode(&buf, img); err != nil {
		return nil
	}
	return buf.Bytes()
}

func dist(a, b Pt) float64 { return math.Hypot(a.X-b.X, a.Y-b.Y) }

func scalePts(p []Pt, k float64) []Pt {
	out := make([]Pt, len(p))
	for i := range p {
		out[i] = Pt{p[i].X * k, p[i].Y * k}
	}
	return out
}

func contains(s []int, v int) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

func containsPt(s []Pt, v Pt) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}
