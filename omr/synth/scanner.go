package synth

import (
	"fmt"
	"image"
	"image/color"
	"math"
	"math/rand/v2"

	"gocv.io/x/gocv"

	"tarazy/omr"
)

// scanner turns the painted page into a scanned file.
type scanner struct {
	rng   *rand.Rand
	dpi   float64
	angle float64 // degrees
	shear float64
	persp [2]float64 // per mm
	blur  float64    // Gaussian sigma, px
	noise float64    // sigma, grey levels
	light [2]float64 // brightness slope across x and y
	paper float64    // paper brightness factor
	turn  int        // 0, 90, 180, 270
}

// scanner places the sheet on the bed — rotation, skew, perspective, how it was fed —
// and draws the optics: blur, sensor noise, uneven light, grey paper.
func (sh *sheet) scanner() *scanner {
	rng, t := sh.rng, &sh.t
	sc := &scanner{rng: rng, dpi: float64(t.DPI)}
	if sh.deg(DegRotate, 0.97) {
		sc.angle = clampf(rng.NormFloat64()*1.5, -5, 5)
		if rng.Float64() < 0.05 {
			sc.angle = -5 + 10*rng.Float64()
		}
	}
	if sh.deg(DegSkew, 0.1) {
		sc.shear = (rng.Float64()*2 - 1) * 0.012
	}
	if sh.deg(DegPersp, 0.1) {
		sc.persp = [2]float64{(rng.Float64()*2 - 1) * 0.00012, (rng.Float64()*2 - 1) * 0.00012}
	}
	if sh.deg(DegBlur, 0.35) {
		sc.blur = (0.4 + 0.8*rng.Float64()) * sc.dpi / 150
	}
	sc.noise = 1 + 5*rng.Float64()
	if sh.clean {
		sc.noise = 0
	}
	if sh.deg(DegLight, 0.3) {
		sc.light = [2]float64{(rng.Float64()*2 - 1) * 0.18, (rng.Float64()*2 - 1) * 0.18}
	}
	sc.paper = 1
	if sh.deg(DegGrey, 0.2) {
		sc.paper = 0.8 + 0.12*rng.Float64()
	}
	if !sh.g.opt.Upright && !sh.clean {
		switch x := rng.Float64(); {
		case x < 0.07:
			sc.turn = 180
			t.Degradations = append(t.Degradations, DegUpside)
		case x < 0.10:
			sc.turn = 90
			t.Degradations = append(t.Degradations, DegQuarter)
		case x < 0.12:
			sc.turn = 270
			t.Degradations = append(t.Degradations, DegQuarter)
		}
	}
	t.Rotation = sc.turn
	return sc
}

// capture scans the page and encodes it: quality 0 is PNG, a bitonal condition a
// 1-bit TIFF. It returns the file and the map from paper millimetres to its pixels.
func (sc *scanner) capture(sh *sheet, quality int) ([]byte, [9]float64, error) {
	page := sh.img
	src, err := gocv.NewMatFromBytes(page.Rect.Dy(), page.Rect.Dx(), gocv.MatTypeCV8U, page.Pix)
	if err != nil {
		return nil, [9]float64{}, err
	}
	defer src.Close()
	s := sc.dpi / 25.4
	bedW, bedH := int(216*s), int(300*s)
	// page mm → bed px: rotate about the page centre, shear, tilt, centre on the bed.
	a := sc.angle * math.Pi / 180
	cosA, sinA := math.Cos(a), math.Sin(a)
	cx, cy := omr.PageW/2, omr.PageH/2
	centre := [9]float64{1, 0, -cx, 0, 1, -cy, 0, 0, 1}
	sh2 := [9]float64{1, sc.shear, 0, 0, 1, 0, 0, 0, 1}
	rot := [9]float64{cosA, -sinA, 0, sinA, cosA, 0, 0, 0, 1}
	pp := [9]float64{1, 0, 0, 0, 1, 0, sc.persp[0], sc.persp[1], 1}
	bed := [9]float64{s, 0, float64(bedW) / 2, 0, s, float64(bedH) / 2, 0, 0, 1}
	mmToBed := mul3(bed, mul3(pp, mul3(rot, mul3(sh2, centre))))
	// On pixel indices (centres at +0.5): index → mm → bed continuous → index.
	toMM := [9]float64{1 / s, 0, 0.5 / s, 0, 1 / s, 0.5 / s, 0, 0, 1}
	m := mul3([9]float64{1, 0, -0.5, 0, 1, -0.5, 0, 0, 1}, mul3(mmToBed, toMM))
	mat := gocv.NewMatWithSize(3, 3, gocv.MatTypeCV64F)
	defer mat.Close()
	for i := 0; i < 9; i++ {
		mat.SetDoubleAt(i/3, i%3, m[i])
	}
	warped := gocv.NewMat()
	defer warped.Close()
	gocv.WarpPerspectiveWithParams(src, &warped, mat, image.Point{bedW, bedH}, gocv.InterpolationLinear, gocv.BorderConstant, color.RGBA{246, 246, 246, 255})
	if sc.blur > 0 {
		gocv.GaussianBlur(warped, &warped, image.Point{}, sc.blur, sc.blur, gocv.BorderReplicate)
	}
	if err := sc.optics(warped); err != nil {
		return nil, [9]float64{}, err
	}
	out := warped
	turned := gocv.NewMat()
	defer turned.Close()
	h := mmToBed
	W, H := float64(bedW), float64(bedH)
	switch sc.turn {
	case 90:
		gocv.Rotate(warped, &turned, gocv.Rotate90Clockwise)
		out, h = turned, mul3([9]float64{0, -1, H, 1, 0, 0, 0, 0, 1}, h)
	case 180:
		gocv.Rotate(warped, &turned, gocv.Rotate180Clockwise)
		out, h = turned, mul3([9]float64{-1, 0, W, 0, -1, H, 0, 0, 1}, h)
	case 270:
		gocv.Rotate(warped, &turned, gocv.Rotate90CounterClockwise)
		out, h = turned, mul3([9]float64{0, 1, 0, -1, 0, W, 0, 0, 1}, h)
	}
	if sh.has(CondStreak) {
		if err := sh.streaks(out, h); err != nil {
			return nil, h, err
		}
	}
	data, err := sh.encode(out, quality)
	return data, h, err
}

// optics applies the light, the paper's tone and sensor noise in one pass.
func (sc *scanner) optics(warped gocv.Mat) error {
	pix, err := warped.DataPtrUint8()
	if err != nil {
		return err
	}
	w, h := warped.Cols(), warped.Rows()
	// Sensor noise from a table of normal deviates walked by a cheap generator, light
	// and paper tone as a fixed-point factor: a per-pixel NormFloat64 and float maths
	// would cost more than everything else together.
	var table [4096]int32
	for i := range table {
		table[i] = int32(math.Round(sc.rng.NormFloat64() * sc.noise))
	}
	state := sc.rng.Uint64() | 1
	flat := sc.light == [2]float64{} && sc.paper == 1
	for y := 0; y < h; y++ {
		ly := 1 - sc.light[1]*float64(y)/float64(h)
		row := pix[y*w : (y+1)*w]
		f0 := int32(sc.paper * ly * 65536)
		df := int32(-sc.paper * sc.light[0] / float64(w) * 65536 * 1024)
		for x := range row {
			v := int32(row[x])
			if !flat {
				v = (v*(f0+(df*int32(x))>>10) + 32768) >> 16
			}
			if sc.noise > 0 {
				state ^= state << 13
				state ^= state >> 7
				state ^= state << 17
				v += table[state&4095]
			}
			if v < 0 {
				v = 0
			} else if v > 255 {
				v = 255
			}
			row[x] = uint8(v)
		}
	}
	return nil
}

// streaks draws the lines dirt on a sheet-fed scanner's glass leaves: 1–3 px wide,
// the whole height of the scan, one through a column of bubbles.
func (sh *sheet) streaks(img gocv.Mat, h [9]float64) error {
	pix, err := img.DataPtrUint8()
	if err != nil {
		return err
	}
	w, ht := img.Cols(), img.Rows()
	rng := sh.crng
	for n := 1 + rng.IntN(2); n > 0; n-- {
		b := sh.l.Bubbles[rng.IntN(len(sh.l.Bubbles))]
		c := apply3(h, sh.print.pt(omr.Pt{X: b.X, Y: b.Y}))
		s := sh.p.s
		x0 := int(c.X + (rng.Float64()*2-1)*b.R*0.5*s)
		width := 1 + rng.IntN(3)
		grey := 40 + 110*rng.Float64()
		for y := 0; y < ht; y++ {
			for x := x0; x < x0+width; x++ {
				if x < 0 || x >= w {
					continue
				}
				if v := &pix[y*w+x]; float64(*v) > grey {
					*v = uint8(grey)
				}
			}
		}
	}
	return nil
}

// encode writes the scan as JPEG, PNG, or for the bitonal conditions as a 1-bit TIFF
// thresholded or dithered the way scanners in black-and-white mode do.
func (sh *sheet) encode(out gocv.Mat, quality int) ([]byte, error) {
	if sh.has(CondBitonal) || sh.has(CondDithered) {
		b, err := out.DataPtrUint8()
		if err != nil {
			return nil, err
		}
		g := &image.Gray{Pix: append([]uint8(nil), b...), Stride: out.Cols(), Rect: image.Rect(0, 0, out.Cols(), out.Rows())}
		if sh.has(CondDithered) {
			dither(g)
		} else {
			threshold(g, 90+80*sh.crng.Float64())
		}
		sh.t.JPEGQuality = 0
		return EncodeTIFF([]*image.Gray{g}, true)
	}
	var buf *gocv.NativeByteBuffer
	var err error
	if quality == 0 {
		buf, err = gocv.IMEncodeWithParams(gocv.PNGFileExt, out, []int{gocv.IMWritePngCompression, 1})
	} else {
		buf, err = gocv.IMEncodeWithParams(gocv.JPEGFileExt, out, []int{gocv.IMWriteJpegQuality, quality})
	}
	if err != nil {
		return nil, err
	}
	defer buf.Close()
	return append([]byte(nil), buf.GetBytes()...), nil
}

func threshold(g *image.Gray, t float64) {
	for i, v := range g.Pix {
		if float64(v) < t {
			g.Pix[i] = 0
		} else {
			g.Pix[i] = 255
		}
	}
}

// dither turns grey into black and white dots (Floyd–Steinberg).
func dither(g *image.Gray) {
	w, h := g.Rect.Dx(), g.Rect.Dy()
	errs := make([]float64, (w+2)*2)
	cur, next := errs[:w+2], errs[w+2:]
	for y := 0; y < h; y++ {
		for i := range next {
			next[i] = 0
		}
		for x := 0; x < w; x++ {
			v := float64(g.Pix[y*g.Stride+x]) + cur[x+1]
			nv := 0.0
			if v >= 128 {
				nv = 255
			}
			g.Pix[y*g.Stride+x] = uint8(nv)
			e := v - nv
			cur[x+2] += e * 7 / 16
			next[x] += e * 3 / 16
			next[x+1] += e * 5 / 16
			next[x+2] += e * 1 / 16
		}
		cur, next = next, cur
	}
}

// photograph takes the sheet with a phone: a frame larger than the page on a table,
// strong perspective, barrel distortion of the lens, vignetting, blur, noise, JPEG.
func (sh *sheet) photograph() (Scan, error) {
	rng, t := sh.crng, &sh.t
	page := sh.img
	s := float64(t.DPI) / 25.4
	fw, fh := 2448, 3264
	// The page fills 75–90 % of the frame's height, turned a little, off centre, tilted.
	k := (0.75 + 0.15*rng.Float64()) * float64(fh) / omr.PageH
	a := (rng.Float64()*2 - 1) * 5 * math.Pi / 180
	tilt := [2]float64{(rng.Float64()*2 - 1) * 0.0012, (0.4 + 0.6*rng.Float64()) * 0.0012}
	if rng.IntN(2) == 0 {
		tilt[1] = -tilt[1]
	}
	cx, cy := omr.PageW/2, omr.PageH/2
	centre := [9]float64{1, 0, -cx, 0, 1, -cy, 0, 0, 1}
	rot := [9]float64{math.Cos(a), -math.Sin(a), 0, math.Sin(a), math.Cos(a), 0, 0, 0, 1}
	pp := [9]float64{1, 0, 0, 0, 1, 0, tilt[0], tilt[1], 1}
	frame := [9]float64{k, 0, float64(fw)/2 + (rng.Float64()*2-1)*60, 0, k, float64(fh)/2 + (rng.Float64()*2-1)*60, 0, 0, 1}
	h := mul3(frame, mul3(pp, mul3(rot, centre)))
	inv, ok := inverse3(h)
	if !ok {
		return Scan{}, fmt.Errorf("photo: singular placement")
	}
	k1 := -(0.03 + 0.05*rng.Float64())
	half := math.Hypot(float64(fw), float64(fh)) / 2
	mapx := gocv.NewMatWithSize(fh, fw, gocv.MatTypeCV32F)
	defer mapx.Close()
	mapy := gocv.NewMatWithSize(fh, fw, gocv.MatTypeCV32F)
	defer mapy.Close()
	mx, err := mapx.DataPtrFloat32()
	if err != nil {
		return Scan{}, err
	}
	my, err := mapy.DataPtrFloat32()
	if err != nil {
		return Scan{}, err
	}
	for y := 0; y < fh; y++ {
		for x := 0; x < fw; x++ {
			// The lens: a distorted frame point comes from an undistorted one nearer the
			// centre (barrel); undo it by fixed-point iteration.
			dx, dy := (float64(x)+0.5-float64(fw)/2)/half, (float64(y)+0.5-float64(fh)/2)/half
			ux, uy := dx, dy
			for i := 0; i < 4; i++ {
				f := 1 + k1*(ux*ux+uy*uy)
				ux, uy = dx/f, dy/f
			}
			u := omr.Pt{X: ux*half + float64(fw)/2, Y: uy*half + float64(fh)/2}
			mm := apply3(inv, u)
			mx[y*fw+x] = float32(mm.X*s - 0.5)
			my[y*fw+x] = float32(mm.Y*s - 0.5)
		}
	}
	src, err := gocv.NewMatFromBytes(page.Rect.Dy(), page.Rect.Dx(), gocv.MatTypeCV8U, page.Pix)
	if err != nil {
		return Scan{}, err
	}
	defer src.Close()
	out := gocv.NewMat()
	defer out.Close()
	table := 70 + 40*rng.Float64()
	gocv.Remap(src, &out, &mapx, &mapy, gocv.InterpolationLinear, gocv.BorderConstant, color.RGBA{uint8(table), uint8(table), uint8(table), 255})
	sigma := 0.8 + 0.7*rng.Float64()
	gocv.GaussianBlur(out, &out, image.Point{}, sigma, sigma, gocv.BorderReplicate)
	pix, err := out.DataPtrUint8()
	if err != nil {
		return Scan{}, err
	}
	// Vignetting and a light gradient, then sensor noise.
	grad := (rng.Float64()*2 - 1) * 0.15
	noise := 3 + 3*rng.Float64()
	for y := 0; y < fh; y++ {
		for x := 0; x < fw; x++ {
			dx, dy := (float64(x)-float64(fw)/2)/half, (float64(y)-float64(fh)/2)/half
			f := (1 - 0.25*(dx*dx+dy*dy)) * (1 + grad*dx)
			v := float64(pix[y*fw+x])*f + noise*rng.NormFloat64()
			pix[y*fw+x] = uint8(clampf(v, 0, 255))
		}
	}
	q := 70 + rng.IntN(21)
	buf, err := gocv.IMEncodeWithParams(gocv.JPEGFileExt, out, []int{gocv.IMWriteJpegQuality, q})
	if err != nil {
		return Scan{}, err
	}
	defer buf.Close()
	t.JPEGQuality = q
	t.H = mul3(h, sh.print.mm())
	return Scan{Name: fmt.Sprintf("photo-%08x.jpg", sh.seed&0xffffffff), Data: append([]byte(nil), buf.GetBytes()...), Truth: *t}, nil
}

func mul3(a, b [9]float64) [9]float64 {
	var r [9]float64
	for i := 0; i < 3; i++ {
		for j := 0; j < 3; j++ {
			for k := 0; k < 3; k++ {
				r[3*i+j] += a[3*i+k] * b[3*k+j]
			}
		}
	}
	return r
}

func apply3(h [9]float64, p omr.Pt) omr.Pt {
	w := h[6]*p.X + h[7]*p.Y + h[8]
	return omr.Pt{X: (h[0]*p.X + h[1]*p.Y + h[2]) / w, Y: (h[3]*p.X + h[4]*p.Y + h[5]) / w}
}

func inverse3(a [9]float64) ([9]float64, bool) {
	det := a[0]*(a[4]*a[8]-a[5]*a[7]) - a[1]*(a[3]*a[8]-a[5]*a[6]) + a[2]*(a[3]*a[7]-a[4]*a[6])
	if math.Abs(det) < 1e-15 {
		return [9]float64{}, false
	}
	return [9]float64{
		(a[4]*a[8] - a[5]*a[7]) / det, (a[2]*a[7] - a[1]*a[8]) / det, (a[1]*a[5] - a[2]*a[4]) / det,
		(a[5]*a[6] - a[3]*a[8]) / det, (a[0]*a[8] - a[2]*a[6]) / det, (a[2]*a[3] - a[0]*a[5]) / det,
		(a[3]*a[7] - a[4]*a[6]) / det, (a[1]*a[6] - a[0]*a[7]) / det, (a[0]*a[4] - a[1]*a[3]) / det,
	}, true
}
