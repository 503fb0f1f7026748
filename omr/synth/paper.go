package synth

import (
	"image"
	"image/color"
	"math"
	"math/rand/v2"

	"gocv.io/x/gocv"

	"tarazy/omr"
)

// agePaper is what happens to the sheet between the candidate and the scanner: stray
// pen strokes, the back page showing through, dust and hairs, a folded corner, the
// feeder's slip; and, as hard conditions, stains, a lid's shadow, a crease, tape and
// the fingers that hold a sheet up to a phone.
func (sh *sheet) agePaper() error {
	rng, t, p := sh.rng, &sh.t, sh.p
	if sh.deg(DegStray, 0.25) {
		for n := 1 + rng.IntN(3); n > 0; n-- {
			p.stray(sh.l, sh.st)
		}
	}
	if sh.deg(DegBleed, 0.1) {
		// Show-through of what is printed on the back: answer sheets are printed on
		// one side, so it is the back page's print (a text page), never the marks.
		back, err := sh.g.blank(sh.l, t.DPI)
		if err != nil {
			return err
		}
		p.bleed(back, 0.03+0.05*rng.Float64(), rng.IntN(200)-100)
	}
	if sh.deg(DegDust, 0.25) {
		p.dust(5 + rng.IntN(30))
	}
	if sh.deg(DegFold, 0.02) {
		p.fold(rng.IntN(4), 16+8*rng.Float64())
	}
	// A feeder's rollers slip: from some point down the page the paper moves a little
	// faster or slower than the sensor expects. Drawn from its own stream so that
	// adding it left every other draw of the corpus as it was.
	if srng := rand.New(rand.NewPCG(sh.seed, 0x57E7C4)); !sh.clean && srng.Float64() < stretchProb {
		t.Degradations = append(t.Degradations, DegStretch)
		p.stretch(40+200*srng.Float64(), (srng.Float64()*2-1)*0.006)
	}
	q := &painter{img: sh.img, s: p.s, rng: sh.crng, pt: p.pt}
	if sh.has(CondStain) {
		for n := 1 + sh.crng.IntN(3); n > 0; n-- {
			q.coffeeRing(sh.l)
		}
	}
	if sh.has(CondShadow) {
		q.shadow()
	}
	if sh.has(CondCrease) {
		q.crease()
	}
	if sh.has(CondTape) {
		q.tape(sh.l)
	}
	if sh.has(CondPhoto3) || sh.has(CondPhotoNoMid) {
		q.fingers(sh.l, sh.has(CondPhoto3))
	}
	return nil
}

// deg draws whether a degradation of the realistic mix happens, and records it.
func (sh *sheet) deg(name string, prob float64) bool {
	if sh.clean || sh.rng.Float64() >= prob {
		return false
	}
	sh.t.Degradations = append(sh.t.Degradations, name)
	return true
}

// bleed shows the back page through the paper: a faint mirror image, shifted.
func (p *painter) bleed(back *image.Gray, alpha float64, shift int) {
	w, h := p.img.Rect.Dx(), p.img.Rect.Dy()
	src := back.Pix
	for y := 0; y < h; y++ {
		sy := y + shift
		if sy < 0 || sy >= h {
			continue
		}
		row := y * p.img.Stride
		srow := sy * back.Stride
		for x := 0; x < w; x++ {
			m := float64(src[srow+w-1-x])
			v := float64(p.img.Pix[row+x]) - alpha*(255-m)
			p.img.Pix[row+x] = uint8(clampf(v, 0, 255))
		}
	}
}

func (p *painter) dust(n int) {
	for i := 0; i < n; i++ {
		c := omr.Pt{X: p.rng.Float64() * omr.PageW, Y: p.rng.Float64() * omr.PageH}
		r := 0.05 + p.rng.Float64()*0.2
		if p.rng.Float64() < 0.15 {
			// A hair.
			ang := p.rng.Float64() * math.Pi
			n := 2 + p.rng.Float64()*6
			p.stroke(c, omr.Pt{X: c.X + n*math.Cos(ang), Y: c.Y + n*math.Sin(ang)}, 0.08, 70)
			continue
		}
		p.stroke(c, omr.Pt{X: c.X + 0.01, Y: c.Y}, 2*r, 40+p.rng.Float64()*80)
	}
}

// fold folds one corner over: the triangle shows the blank back of the paper with a
// shadow along the crease.
func (p *painter) fold(corner int, leg float64) {
	w, h := float64(p.img.Rect.Dx())/p.s, float64(p.img.Rect.Dy())/p.s
	cx, cy := 0.0, 0.0
	if corner == 1 || corner == 2 {
		cx = w
	}
	if corner >= 2 {
		cy = h
	}
	for y := 0; y < p.img.Rect.Dy(); y++ {
		py := (float64(y) + 0.5) / p.s
		if math.Abs(py-cy) > leg {
			continue
		}
		for x := 0; x < p.img.Rect.Dx(); x++ {
			px := (float64(x) + 0.5) / p.s
			d := math.Abs(px-cx) + math.Abs(py-cy)
			switch {
			case d < leg:
				p.img.Pix[y*p.img.Stride+x] = 238
			case d < leg+0.6:
				p.img.Pix[y*p.img.Stride+x] = 150
			}
		}
	}
}

// stretchProb is the share of sheets whose feed slips (up to ±0.6 % below the slip).
const stretchProb = 0.15

// stretch resamples rows so that below y0 (mm) the page is stretched by rate k.
func (p *painter) stretch(y0, k float64) {
	h, w := p.img.Rect.Dy(), p.img.Rect.Dx()
	src := append([]uint8(nil), p.img.Pix...)
	for y := 0; y < h; y++ {
		my := (float64(y) + 0.5) / p.s
		if my <= y0 {
			continue
		}
		sy := (y0+(my-y0)/(1+k))*p.s - 0.5
		y1 := int(sy)
		f := sy - float64(y1)
		if y1 < 0 || y1+1 >= h {
			continue
		}
		row := p.img.Pix[y*p.img.Stride : y*p.img.Stride+w]
		a := src[y1*p.img.Stride:]
		b := src[(y1+1)*p.img.Stride:]
		for x := range row {
			row[x] = uint8(float64(a[x])*(1-f) + float64(b[x])*f + 0.5)
		}
	}
}

// shade multiplies the paper under a shape by (1 − darkness(x, y)), as a translucent
// stain or a shadow does: it darkens print and paper alike, it never covers.
func (p *painter) shade(x0, y0, x1, y1 float64, darkness func(x, y float64) float64) {
	for y := int(math.Max(0, y0*p.s)); y < int(math.Min(float64(p.img.Rect.Dy()), y1*p.s)); y++ {
		for x := int(math.Max(0, x0*p.s)); x < int(math.Min(float64(p.img.Rect.Dx()), x1*p.s)); x++ {
			d := darkness((float64(x)+0.5)/p.s, (float64(y)+0.5)/p.s)
			if d <= 0 {
				continue
			}
			i := y*p.img.Stride + x
			p.img.Pix[i] = uint8(clampf(float64(p.img.Pix[i])*(1-d), 0, 255))
		}
	}
}

// answerArea picks a point among the bubbles.
func (p *painter) answerArea(l *omr.Layout) omr.Pt {
	b := l.Bubbles[p.rng.IntN(len(l.Bubbles))]
	return p.pt.pt(omr.Pt{X: b.X + (p.rng.Float64()*2-1)*4, Y: b.Y + (p.rng.Float64()*2-1)*4})
}

// coffeeRing leaves the mark of a cup: a faint tint with a darker rim, the rim crossing
// bubbles.
func (p *painter) coffeeRing(l *omr.Layout) {
	c := p.answerArea(l)
	r := 8 + 12*p.rng.Float64()
	rim := 0.5 + 1.0*p.rng.Float64()
	tint := 0.03 + 0.05*p.rng.Float64()
	edge := 0.12 + 0.2*p.rng.Float64()
	p.shade(c.X-r-2, c.Y-r-2, c.X+r+2, c.Y+r+2, func(x, y float64) float64 {
		d := math.Hypot(x-c.X, y-c.Y) - r
		switch {
		case d > rim/2:
			return 0
		case d > -rim/2:
			return tint + edge*(1-math.Abs(d)/(rim/2))
		}
		return tint
	})
}

// shadow is a scanner lid left ajar, or a book's spine: the page darkens toward one
// side edge over 10–30 mm, with a sharp edge where the shadow begins.
func (p *painter) shadow() {
	depth := 10 + 20*p.rng.Float64()
	dark := 0.25 + 0.25*p.rng.Float64()
	right := p.rng.IntN(2) == 0
	p.shade(0, 0, omr.PageW, omr.PageH, func(x, y float64) float64 {
		d := x
		if right {
			d = omr.PageW - x
		}
		if d > depth {
			return 0
		}
		return dark * (1 - d/depth) * (1 - d/depth)
	})
}

// crease is where the sheet was folded in half: a thin dark line across the page and a
// lighter-and-darker relief either side of it.
func (p *painter) crease() {
	horizontal := p.rng.IntN(2) == 0
	at := 0.3 + 0.4*p.rng.Float64()
	tilt := (p.rng.Float64()*2 - 1) * 0.02
	line := 0.15 + 0.2*p.rng.Float64()
	width := 0.2 + 0.3*p.rng.Float64()
	p.shade(0, 0, omr.PageW, omr.PageH, func(x, y float64) float64 {
		var d float64
		if horizontal {
			d = y - (at*omr.PageH + tilt*x)
		} else {
			d = x - (at*omr.PageW + tilt*y)
		}
		switch a := math.Abs(d); {
		case a < width/2:
			return line
		case d > 0 && d < 6:
			return 0.08 * (1 - d/6)
		}
		return 0
	})
}

// tape is a strip of adhesive tape over a column of bubbles: a slightly darker band
// with sharp edges.
func (p *painter) tape(l *omr.Layout) {
	c := p.answerArea(l)
	w, n := 12+7*p.rng.Float64(), 40+60*p.rng.Float64()
	tint := 0.03 + 0.05*p.rng.Float64()
	edge := 0.12 + 0.15*p.rng.Float64()
	vertical := p.rng.IntN(2) == 0
	x0, y0, x1, y1 := c.X-w/2, c.Y-n/2, c.X+w/2, c.Y+n/2
	if !vertical {
		x0, y0, x1, y1 = c.X-n/2, c.Y-w/2, c.X+n/2, c.Y+w/2
	}
	p.shade(x0, y0, x1, y1, func(x, y float64) float64 {
		if math.Min(math.Min(x-x0, x1-x), math.Min(y-y0, y1-y)) < 0.25 {
			return edge
		}
		return tint
	})
}

// fingers holding a sheet up to a phone: skin over both mid-edge squares (and the
// code strip), and with three set one corner square too.
func (p *painter) fingers(l *omr.Layout, corner bool) {
	skin := 120 + 50*p.rng.Float64()
	blob := func(c omr.Pt, rx, ry float64) {
		for y := int(math.Max(0, (c.Y-ry)*p.s)); y < int(math.Min(float64(p.img.Rect.Dy()), (c.Y+ry)*p.s)); y++ {
			for x := int(math.Max(0, (c.X-rx)*p.s)); x < int(math.Min(float64(p.img.Rect.Dx()), (c.X+rx)*p.s)); x++ {
				mx, my := (float64(x)+0.5)/p.s, (float64(y)+0.5)/p.s
				if math.Pow((mx-c.X)/rx, 2)+math.Pow((my-c.Y)/ry, 2) <= 1 {
					p.img.Pix[y*p.img.Stride+x] = uint8(clampf(skin+10*math.Sin(mx+my), 0, 255))
				}
			}
		}
	}
	for _, m := range l.Mids {
		c := p.pt.pt(m.C)
		blob(omr.Pt{X: c.X + (p.rng.Float64()*2-1)*2, Y: c.Y + (p.rng.Float64()*2-1)*4}, 9, 16)
	}
	s0 := l.Strip[0]
	c := p.pt.pt(omr.Pt{X: s0.X + 30 + 60*p.rng.Float64(), Y: s0.Y + 6})
	blob(c, 14, 9)
	if corner {
		k := p.rng.IntN(4)
		m := l.Corners[k]
		c := p.pt.pt(m.C)
		blob(omr.Pt{X: c.X + (p.rng.Float64()*2-1)*2, Y: c.Y + (p.rng.Float64()*2-1)*2}, 12, 12)
	}
}

// fadeToner lightens everything printed, unevenly, as a printer low on toner does.
func fadeToner(img *image.Gray, rng *rand.Rand) {
	k := 0.35 + 0.25*rng.Float64() // how much of the print's darkness is left
	band := 0.15 * rng.Float64()
	period := 20 + 60*rng.Float64()
	w := img.Rect.Dx()
	for y := 0; y < img.Rect.Dy(); y++ {
		row := img.Pix[y*img.Stride : y*img.Stride+w]
		for x := range row {
			f := k * (1 - band*(0.5+0.5*math.Sin(float64(x)/period)))
			row[x] = uint8(255 - (255-float64(row[x]))*f)
		}
	}
}

// apply prints a rendered sheet scaled by k at offset off on a paper of the same size.
func (pt printTransform) apply(img *image.Gray, s float64) *image.Gray {
	src, err := gocv.NewMatFromBytes(img.Rect.Dy(), img.Rect.Dx(), gocv.MatTypeCV8U, img.Pix)
	if err != nil {
		return img
	}
	defer src.Close()
	m := gocv.NewMatWithSize(2, 3, gocv.MatTypeCV64F)
	defer m.Close()
	// Continuous pixel coordinates: paper u = off·s + k·u_sheet; on pixel indices the
	// half-pixel shifts cancel into the translation.
	m.SetDoubleAt(0, 0, pt.k)
	m.SetDoubleAt(0, 2, pt.off.X*s+0.5*pt.k-0.5)
	m.SetDoubleAt(1, 1, pt.k)
	m.SetDoubleAt(1, 2, pt.off.Y*s+0.5*pt.k-0.5)
	dst := gocv.NewMat()
	defer dst.Close()
	gocv.WarpAffineWithParams(src, &dst, m, image.Point{img.Rect.Dx(), img.Rect.Dy()}, gocv.InterpolationArea, gocv.BorderConstant, color.RGBA{255, 255, 255, 255})
	out := image.NewGray(img.Rect)
	if b, err := dst.DataPtrUint8(); err == nil {
		copy(out.Pix, b)
	}
	return out
}
