package synth

import (
	"image"
	"math"
	"math/rand/v2"
	"strconv"

	"tarazy/iin"
	"tarazy/omr"
)

// style is how one candidate marks, held for the whole sheet.
type style struct {
	pencil   bool
	ink      float64 // grey level of a full mark, 0–255
	coverage float64 // share of the bubble radius a fill covers
	ticker   bool    // marks with ticks and crosses instead of fills
	stroke   float64 // pen stroke width, mm
}

// drawStyle draws the candidate's pen or pencil: 65 % pencil, 30 % ballpoint, 5 %
// tick and cross throughout.
func (sh *sheet) drawStyle() {
	rng := sh.rng
	st := style{coverage: 0.85 + 0.3*rng.Float64(), stroke: 0.35 + 0.3*rng.Float64()}
	switch x := rng.Float64(); {
	case x < 0.65:
		st.pencil, st.ink = true, 60+70*rng.Float64()
	case x < 0.95:
		st.ink = 20 + 70*rng.Float64() // black or blue ballpoint in grey
	default:
		st.ticker, st.ink = true, 20+60*rng.Float64()
	}
	if sh.has(CondLightPencil) {
		st.pencil, st.ticker, st.ink = true, false, 150+35*sh.crng.Float64()
	}
	if sh.has(CondBigTick) || sh.has(CondCircled) {
		st.ticker = true
	}
	sh.st = st
}

// fillIdentity fills the IIN grid and the variant, with the candidate's rare mistakes:
// a wrong IIN digit, a forgotten variant. The grid invites fills, never ticks.
func (sh *sheet) fillIdentity() {
	rng, t, c, l, p, st := sh.rng, &sh.t, sh.c, sh.l, sh.p, sh.st
	bubbledIIN := c.IIN
	if !sh.clean && rng.Float64() < 0.003 {
		pos := rng.IntN(12)
		d := (int(c.IIN[pos]-'0') + 1 + rng.IntN(8)) % 10
		bubbledIIN = c.IIN[:pos] + strconv.Itoa(d) + c.IIN[pos+1:]
		t.IIN = bubbledIIN
		if iin.Valid(bubbledIIN) {
			// Still a valid number: the QR cross-check on a personalised sheet, or
			// nothing at all on a generic one, would catch it; keep the truth honest.
			t.Degradations = append(t.Degradations, DegIINError+"-valid")
		} else {
			t.Degradations = append(t.Degradations, DegIINError)
		}
	}
	if !sh.clean && rng.Float64() < 0.003 {
		t.Variant = ""
		t.Degradations = append(t.Degradations, DegNoVariant)
	}
	for i := 0; i < 12; i++ {
		fd, _ := l.FieldByName("iin" + strconv.Itoa(i+1))
		b := l.Bubbles[fd.Bubbles[bubbledIIN[i]-'0']]
		p.fill(b, st.ink, st.coverage, st.pencil)
	}
	if t.Variant != "" {
		fd, _ := l.FieldByName("variant")
		p.fill(l.Bubbles[fd.Bubbles[c.Variant-1]], st.ink, st.coverage, st.pencil)
	}
}

// erasureKind is what an eraser leaves behind.
type erasureKind int

const (
	eraseSmudge erasureKind = iota // a light grey smudge with rare dark flecks
	eraseDisc                      // an even grey disc at 20–40 % of the fill's darkness
	eraseHaze                      // a faint haze with a few graphite specks
)

// erasure draws what one correction leaves, with its own random stream so that the
// realistic mix's other draws stay as they were. In the realistic mix 70 % of erasures
// are smudges, 20 % residue discs and 10 % hazes; a hard condition makes every one of
// its kind.
func (sh *sheet) erasure(b omr.Bubble) {
	kind := eraseSmudge
	switch {
	case sh.has(CondErasureDisc):
		kind = eraseDisc
	case sh.has(CondErasureHaze):
		kind = eraseHaze
	default:
		switch x := sh.crng.Float64(); {
		case x < 0.2:
			kind = eraseDisc
		case x < 0.3:
			kind = eraseHaze
		}
	}
	switch kind {
	case eraseDisc:
		q := &painter{img: sh.img, s: sh.p.s, rng: sh.crng, pt: sh.p.pt}
		q.residueDisc(b, sh.st, 0.2+0.2*sh.crng.Float64())
	case eraseHaze:
		q := &painter{img: sh.img, s: sh.p.s, rng: sh.crng, pt: sh.p.pt}
		q.haze(b, sh.st)
	default:
		sh.p.erased(b, sh.st)
	}
}

// fillAnswers marks every answer the candidate's way: fills, partial fills, the odd
// tick, a faint mark alone (truly ambiguous), and corrections — an erased answer beside
// the new one, rarely an erased answer left blank.
func (sh *sheet) fillAnswers() {
	rng, t, c, l, p, st, f, clean := sh.rng, &sh.t, sh.c, sh.l, sh.p, sh.st, sh.f, sh.clean
	corrections := 0
	if !clean {
		for rng.Float64() < 0.45 && corrections < 4 {
			corrections++
		}
	}
	erasing := sh.has(CondErasureDisc) || sh.has(CondErasureHaze)
	if erasing {
		corrections = 6 + sh.crng.IntN(6)
	}
	lightDone := false
	for q, ans := range c.Answers {
		name := "q" + strconv.Itoa(q+1)
		fd, _ := l.FieldByName(name)
		if ans == "" {
			if !clean && (rng.Float64() < 0.001 || (erasing && sh.crng.Float64() < 0.3)) {
				// An answer erased and left blank.
				sh.erasure(l.Bubbles[fd.Bubbles[rng.IntN(len(fd.Bubbles))]])
				t.Marks[name] = MarkErasedOnly
			}
			continue
		}
		if len(ans) > 1 {
			t.Marks[name] = MarkDouble
		}
		for _, letter := range ans {
			b := l.Bubbles[fd.Bubbles[f.OptionIndex(string(letter))]]
			kind := MarkPencilFill
			switch {
			case !clean && !lightDone && len(ans) == 1 && rng.Float64() < 0.005/float64(len(c.Answers)):
				lightDone = true
				kind = MarkLight
				p.fill(b, 165+30*rng.Float64(), 0.5+0.4*rng.Float64(), true)
				t.Hard = append(t.Hard, name)
			case sh.has(CondBigTick):
				kind = MarkBigTick
				(&painter{img: sh.img, s: p.s, rng: sh.crng, pt: p.pt}).bigTick(b, st)
			case sh.has(CondCircled):
				kind = MarkCircled
				(&painter{img: sh.img, s: p.s, rng: sh.crng, pt: p.pt}).circle(b, st)
			case st.ticker:
				if rng.IntN(2) == 0 {
					kind = MarkTick
					p.tick(b, st)
				} else {
					kind = MarkCross
					p.cross(b, st)
				}
			case !clean && rng.Float64() < 0.03:
				kind = MarkPartial
				p.fill(b, st.ink, 0.55+0.2*rng.Float64(), st.pencil)
			case !clean && rng.Float64() < 0.002:
				kind = MarkTick
				p.tick(b, st)
			default:
				if !st.pencil {
					kind = MarkPenFill
				}
				p.fill(b, st.ink, st.coverage, st.pencil)
			}
			if kind != MarkPencilFill && kind != MarkPenFill {
				t.Marks[name] = kind
			}
		}
		if corrections > 0 && len(ans) == 1 && (rng.Float64() < 0.1 || (erasing && sh.crng.Float64() < 0.25)) {
			corrections--
			k := f.OptionIndex(ans)
			j := (k + 1 + rng.IntN(len(fd.Bubbles)-1)) % len(fd.Bubbles)
			sh.erasure(l.Bubbles[fd.Bubbles[j]])
			if t.Marks[name] == "" {
				t.Marks[name] = MarkErased
			}
		}
	}
}

// printTransform is where the printer put the sheet on the paper: paper mm = off +
// k · sheet mm (k = 1 at 100 %, less when printed "fit to page").
type printTransform struct {
	k   float64
	off omr.Pt
}

var identityPrint = printTransform{k: 1}

func (pt printTransform) pt(p omr.Pt) omr.Pt {
	return omr.Pt{X: pt.off.X + pt.k*p.X, Y: pt.off.Y + pt.k*p.Y}
}

func (pt printTransform) mm() [9]float64 {
	return [9]float64{pt.k, 0, pt.off.X, 0, pt.k, pt.off.Y, 0, 0, 1}
}

// painter draws marks on the paper raster; positions are sheet millimetres, placed on
// the paper where the printer put the sheet.
type painter struct {
	img *image.Gray
	s   float64 // pixels per paper millimetre
	rng *rand.Rand
	pt  printTransform
}

// at maps a sheet point and a radius to paper millimetres.
func (p *painter) at(b omr.Bubble) (omr.Pt, float64) {
	return p.pt.pt(omr.Pt{X: b.X, Y: b.Y}), b.R * p.pt.k
}

// blend mixes a pixel toward v by alpha.
func (p *painter) blend(x, y int, v, a float64) {
	if x < 0 || y < 0 || x >= p.img.Rect.Dx() || y >= p.img.Rect.Dy() {
		return
	}
	i := y*p.img.Stride + x
	old := float64(p.img.Pix[i])
	n := old*(1-a) + v*a
	if n < old {
		p.img.Pix[i] = uint8(clampf(n, 0, 255))
	}
}

// fill paints a hand fill: an off-centre, slightly elliptical blob with pencil
// streaks, sometimes overflowing the circle.
func (p *painter) fill(b omr.Bubble, ink, coverage float64, pencil bool) {
	c, r := p.at(b)
	cx := c.X + (p.rng.Float64()*2-1)*0.35
	cy := c.Y + (p.rng.Float64()*2-1)*0.3
	rx := r * coverage * (0.92 + 0.16*p.rng.Float64())
	ry := r * coverage * (0.92 + 0.16*p.rng.Float64())
	ang := p.rng.Float64() * math.Pi
	freq := 2.5 + 2*p.rng.Float64()
	ph := p.rng.Float64() * 6
	x0, x1 := int((cx-rx-0.5)*p.s), int((cx+rx+0.5)*p.s)+1
	y0, y1 := int((cy-ry-0.5)*p.s), int((cy+ry+0.5)*p.s)+1
	for y := y0; y <= y1; y++ {
		for x := x0; x <= x1; x++ {
			mx, my := (float64(x)+0.5)/p.s-cx, (float64(y)+0.5)/p.s-cy
			u := mx*math.Cos(ang) + my*math.Sin(ang)
			v := -mx*math.Sin(ang) + my*math.Cos(ang)
			d := math.Sqrt(u*u/(rx*rx) + v*v/(ry*ry))
			// Ragged edge.
			edge := 1 + 0.06*math.Sin(7*math.Atan2(v, u)+ph)
			if d > edge {
				continue
			}
			val := ink
			if pencil {
				// Graphite streaks and paper grain show through.
				val += 28*math.Sin(freq*p.s*(u*0.9+v*0.4)/p.s*6+ph) + p.rng.NormFloat64()*12
				if p.rng.Float64() < 0.04 {
					val += 60
				}
			} else {
				val += p.rng.NormFloat64() * 6
			}
			a := 1.0
			if d > edge-0.12 {
				a = (edge - d) / 0.12
			}
			p.blend(x, y, val, a)
		}
	}
}

// stroke draws a line of width w mm at grey v between two paper points.
func (p *painter) stroke(a, b omr.Pt, w, v float64) {
	minX, maxX := math.Min(a.X, b.X)-w, math.Max(a.X, b.X)+w
	minY, maxY := math.Min(a.Y, b.Y)-w, math.Max(a.Y, b.Y)+w
	dx, dy := b.X-a.X, b.Y-a.Y
	l2 := dx*dx + dy*dy
	for y := int(minY * p.s); y <= int(maxY*p.s)+1; y++ {
		for x := int(minX * p.s); x <= int(maxX*p.s)+1; x++ {
			px, py := (float64(x)+0.5)/p.s, (float64(y)+0.5)/p.s
			t := 0.0
			if l2 > 0 {
				t = clampf(((px-a.X)*dx+(py-a.Y)*dy)/l2, 0, 1)
			}
			d := math.Hypot(px-(a.X+t*dx), py-(a.Y+t*dy))
			if d <= w/2 {
				p.blend(x, y, v+p.rng.NormFloat64()*8, clampf((w/2-d)*p.s, 0, 1))
			}
		}
	}
}

func (p *painter) jitter(v float64) float64 { return v + (p.rng.Float64()*2-1)*0.3 }

func (p *painter) tick(b omr.Bubble, st style) {
	c, r := p.at(b)
	a := omr.Pt{X: c.X - 0.7*r, Y: c.Y + p.jitter(0)*0.5}
	m := omr.Pt{X: c.X - 0.15*r + p.jitter(0), Y: c.Y + 0.6*r}
	e := omr.Pt{X: c.X + 0.9*r + p.jitter(0), Y: c.Y - 0.9*r + p.jitter(0)}
	p.stroke(a, m, st.stroke, st.ink)
	p.stroke(m, e, st.stroke, st.ink)
}

// bigTick draws a tick twice a bubble's size whose long arm crosses the bubble near its
// edge: a person sees it at once, though little of it lies inside the measured disc.
func (p *painter) bigTick(b omr.Bubble, st style) {
	c, r := p.at(b)
	// The long arm runs up and right at 55–65°, passing 0.75–1.0 radii from the centre.
	ang := (55 + 10*p.rng.Float64()) * math.Pi / 180
	dir := omr.Pt{X: math.Cos(ang), Y: -math.Sin(ang)}
	off := (0.75 + 0.25*p.rng.Float64()) * r
	if p.rng.IntN(2) == 0 {
		off = -off
	}
	// A point of the arm: the centre moved off along the arm's normal.
	n := omr.Pt{X: -dir.Y, Y: dir.X}
	mid := omr.Pt{X: c.X + off*n.X, Y: c.Y + off*n.Y}
	vertex := omr.Pt{X: mid.X - 1.8*r*dir.X, Y: mid.Y - 1.8*r*dir.Y}
	end := omr.Pt{X: mid.X + 1.6*r*dir.X, Y: mid.Y + 1.6*r*dir.Y}
	start := omr.Pt{X: vertex.X - 1.0*r, Y: vertex.Y - 1.0*r}
	w := st.stroke * (1 + 0.4*p.rng.Float64())
	p.stroke(start, vertex, w, st.ink)
	p.stroke(vertex, end, w, st.ink)
}

// circle draws a hand-drawn loop around the bubble, its inside left empty: tight on
// the printed outline, or wide into the space between the bubbles; off centre, its ends
// overlapping or falling short.
func (p *painter) circle(b omr.Bubble, st style) {
	c, r := p.at(b)
	rad := r * (1.02 + 0.2*p.rng.Float64())
	if p.rng.IntN(2) == 0 {
		rad = r * (1.2 + 1.0*p.rng.Float64())
	}
	c.X += (p.rng.Float64()*2 - 1) * 0.3 * r
	c.Y += (p.rng.Float64()*2 - 1) * 0.3 * r
	squash := 0.85 + 0.3*p.rng.Float64()
	start := p.rng.Float64() * 2 * math.Pi
	sweep := 2 * math.Pi * (0.85 + 0.3*p.rng.Float64())
	const steps = 40
	prev := omr.Pt{}
	for i := 0; i <= steps; i++ {
		a := start + sweep*float64(i)/steps
		// The hand's radius drifts a little around the loop.
		k := rad * (1 + 0.06*math.Sin(3*a))
		q := omr.Pt{X: c.X + k*math.Cos(a), Y: c.Y + k*squash*math.Sin(a)}
		if i > 0 {
			p.stroke(prev, q, st.stroke, st.ink)
		}
		prev = q
	}
}

func (p *painter) cross(b omr.Bubble, st style) {
	c, r0 := p.at(b)
	r := r0 * (0.75 + 0.2*p.rng.Float64())
	p.stroke(omr.Pt{X: c.X - r, Y: c.Y - r}, omr.Pt{X: c.X + r, Y: c.Y + r}, st.stroke, st.ink)
	p.stroke(omr.Pt{X: c.X - r, Y: c.Y + r}, omr.Pt{X: c.X + r, Y: c.Y - r}, st.stroke, st.ink)
}

// erased leaves what an eraser leaves: a light grey smudge with rare dark flecks.
func (p *painter) erased(b omr.Bubble, st style) {
	p.fill(b, 200+22*p.rng.Float64(), 0.8+0.3*p.rng.Float64(), false)
	c, r := p.at(b)
	for i := 0; i < 3; i++ {
		if p.rng.Float64() < 0.3 {
			q := omr.Pt{X: c.X + (p.rng.Float64()*2-1)*r*0.7, Y: c.Y + (p.rng.Float64()*2-1)*r*0.7}
			p.stroke(q, omr.Pt{X: q.X + 0.2, Y: q.Y + 0.1}, 0.15, 140)
		}
	}
}

// residueDisc leaves what a half-hearted eraser leaves on a fill: an even grey disc,
// frac of the candidate's own fill darkness, the size of their fills.
func (p *painter) residueDisc(b omr.Bubble, st style, frac float64) {
	v := 255 - frac*(255-st.ink)
	q := *p
	q.rng = p.rng
	q.fill(b, v, st.coverage*(0.95+0.1*p.rng.Float64()), false)
}

// haze leaves a faint grey film over the bubble with a few graphite specks in it.
func (p *painter) haze(b omr.Bubble, st style) {
	p.fill(b, 225+15*p.rng.Float64(), 0.8+0.3*p.rng.Float64(), false)
	c, r := p.at(b)
	for n := 2 + p.rng.IntN(5); n > 0; n-- {
		q := omr.Pt{X: c.X + (p.rng.Float64()*2-1)*r*0.65, Y: c.Y + (p.rng.Float64()*2-1)*r*0.65}
		d := 0.08 + 0.17*p.rng.Float64()
		p.stroke(q, omr.Pt{X: q.X + d*0.3, Y: q.Y + d*0.2}, d, st.ink+20*p.rng.Float64())
	}
}

// stray draws a pen or pencil doodle away from the bubbles: a margin note, an
// underline, a crossed-out number.
func (p *painter) stray(l *omr.Layout, st style) {
	for tries := 0; tries < 30; tries++ {
		a := omr.Pt{X: 22 + p.rng.Float64()*166, Y: 30 + p.rng.Float64()*240}
		ang := p.rng.Float64() * 2 * math.Pi
		n := 2.5 + p.rng.Float64()*10
		b := omr.Pt{X: a.X + n*math.Cos(ang), Y: a.Y + n*math.Sin(ang)}
		ok := true
		for _, bb := range l.Bubbles {
			if segDist(a, b, omr.Pt{X: bb.X, Y: bb.Y}) < bb.R+0.8 {
				ok = false
				break
			}
		}
		if !ok || segDist(a, b, omr.Pt{X: 172, Y: 36}) < 18 {
			continue
		}
		p.stroke(p.pt.pt(a), p.pt.pt(b), st.stroke, st.ink)
		return
	}
}

func segDist(a, b, c omr.Pt) float64 {
	dx, dy := b.X-a.X, b.Y-a.Y
	l2 := dx*dx + dy*dy
	t := clampf(((c.X-a.X)*dx+(c.Y-a.Y)*dy)/l2, 0, 1)
	return math.Hypot(c.X-(a.X+t*dx), c.Y-(a.Y+t*dy))
}

func clampf(v, lo, hi float64) float64 { return math.Max(lo, math.Min(hi, v)) }
