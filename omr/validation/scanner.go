package validation

import (
	"image"
	"math"
	"math/rand/v2"

	"tarazy/omr"
)

// Scanners and cameras: how the paper becomes pixels.

// scanPlan is one device's view of one page.
type scanPlan struct {
	dpi     float64 // output resolution
	colour  bool
	quarter int     // the sheet was fed 0, 90, 180 or 270° round
	skew    float64 // and this much askew, degrees
	bedW    float64 // scanned area, mm
	bedH    float64
	off     pt      // where the paper's top-left corner lies on the bed, mm
	bg      rgb     // the lid or the feeder's backing
	black   float32 // sensor level of black and of white, 0–255
	white   float32
	gamma   float32
	noise   float32 // standard deviation of sensor noise, levels
	blur    int     // passes of a [1 2 1] blur: the optics' softness
	uneven  float32 // how unevenly the lamp lights the page
	streaks []streak
	photo   *photoPlan
}

// streak is a dark line along the feed direction: dust or a scratch on the glass.
type streak struct {
	paperX float64 // where it crosses the page's middle, paper mm (NaN: at outX)
	outX   float64 // output column, px
	w      float64 // width, px
	dark   float32 // share of the light it takes
}

// flatbed is an ordinary document scanner at dpi with a grey or colour sensor.
func flatbed(r *rand.Rand, dpi float64) scanPlan {
	return scanPlan{
		dpi:   dpi,
		skew:  uni(r, -0.6, 0.6),
		bedW:  omr.PageW + uni(r, 0, 6),
		bedH:  omr.PageH + uni(r, 0, 5),
		off:   pt{uni(r, 0, 3), uni(r, 0, 2.5)},
		bg:    pick(r, grey(0.92), grey(0.85), grey(0.15), grey(0.55)),
		black: float32(uni(r, 6, 30)),
		white: float32(uni(r, 235, 255)),
		gamma: float32(uni(r, 0.85, 1.2)),
		noise: float32(uni(r, 0.8, 3)),
		blur:  1,
	}
}

// photoPlan is a phone held over the sheet.
type photoPlan struct {
	w, h      int
	hom       [9]float64 // paper mm → ideal image px
	inv       [9]float64
	k1        float64 // lens barrel distortion
	curlA     float64 // paper lifting off the table, mm
	curlPhase float64
	light     func(u, v float64) rgb
	table     rgb
	seed      uint64
}

// shot is the light reaching the sensor: one or three planes of reflectance.
type shot struct {
	w, h int
	ch   int
	pl   [3][]float32
}

func newShot(w, h, ch int) *shot {
	s := &shot{w: w, h: h, ch: ch}
	for k := 0; k < ch; k++ {
		s.pl[k] = make([]float32, w*h)
	}
	return s
}

// capture scans the paper. tear tells which paper points are gone (torn off, punched):
// the canvas already shows the backing there.
func (sp *scanPlan) capture(r *rand.Rand, c *canvas, f *field) *shot {
	if sp.photo != nil {
		return sp.photograph(r, c, f)
	}
	pxS := sp.dpi / 25.4
	w0, h0 := int(math.Round(sp.bedW*pxS)), int(math.Round(sp.bedH*pxS))
	w, h := w0, h0
	if sp.quarter%2 == 1 {
		w, h = h0, w0
	}
	ctr := pt{omr.PageW / 2, omr.PageH / 2}
	th := -sp.skew * math.Pi / 180
	toPaper := func(u, v float64) pt {
		var u0, v0 float64
		switch sp.quarter % 4 {
		case 0:
			u0, v0 = u, v
		case 1:
			u0, v0 = v, float64(h0)-u
		case 2:
			u0, v0 = float64(w0)-u, float64(h0)-v
		default:
			u0, v0 = float64(w0)-v, u
		}
		bed := pt{u0 / pxS, v0 / pxS}
		return pt{bed.x - sp.off.x - ctr.x, bed.y - sp.off.y - ctr.y}.rot(th).add(ctr)
	}
	// The map is affine: three points give it, and each pixel is then two additions.
	o := toPaper(0.5, 0.5)
	du, dv := toPaper(1.5, 0.5), toPaper(0.5, 1.5)
	ax, ay := du.x-o.x, du.y-o.y
	bx, by := dv.x-o.x, dv.y-o.y
	ch := 1
	if sp.colour {
		ch = 3
	}
	s := newShot(w, h, ch)
	bg := c.colour(sp.bg)
	var v, fv [3]float32
	for y := 0; y < h; y++ {
		px, py := o.x+bx*float64(y), o.y+by*float64(y)
		for x := 0; x < w; x++ {
			i := y*w + x
			if px >= 0 && py >= 0 && px < omr.PageW && py < omr.PageH && c.sample(px*c.pxmm, py*c.pxmm, &v) {
				f.sample(px, py, &fv)
				for k := 0; k < ch; k++ {
					s.pl[k][i] = v[min(k, c.ch-1)] * fv[min(k, f.ch-1)]
				}
			} else {
				for k := 0; k < ch; k++ {
					s.pl[k][i] = bg[k]
				}
			}
			px += ax
			py += ay
		}
	}
	if sp.uneven > 0 {
		// The lamp fades towards one end and the sheet lifts off the glass along one edge.
		g0, g1 := uni(r, 0, 1), uni(r, 0, 1)
		side := r.IntN(4)
		s.light(func(u, v float64) rgb {
			uu, vv := u/float64(w), v/float64(h)
			l := 1 - sp.uneven*float32(0.5*(g0*uu+g1*vv))
			var d float64
			switch side {
			case 0:
				d = uu
			case 1:
				d = 1 - uu
			case 2:
				d = vv
			default:
				d = 1 - vv
			}
			l *= 1 - sp.uneven*0.6*float32(math.Exp(-d/0.12))
			return grey(l)
		})
	}
	s.blur(sp.blur)
	// Streaks are placed in output columns: a column through a printed letter column
	// stays on it down the whole page, because the skew is small.
	for i := range sp.streaks {
		st := &sp.streaks[i]
		if !math.IsNaN(st.paperX) {
			st.outX = forwardX(o, ax, ay, bx, by, pt{st.paperX, omr.PageH / 2})
		}
	}
	return s
}

// forwardX inverts the affine output→paper map for the output column of a paper point.
func forwardX(o pt, ax, ay, bx, by float64, p pt) float64 {
	det := ax*by - ay*bx
	dx, dy := p.x-o.x, p.y-o.y
	return (dx*by-dy*bx)/det + 0.5
}

// light multiplies the shot by fn at each output pixel.
func (s *shot) light(fn func(u, v float64) rgb) {
	for y := 0; y < s.h; y++ {
		for x := 0; x < s.w; x++ {
			l := fn(float64(x), float64(y))
			i := y*s.w + x
			if s.ch == 1 {
				s.pl[0][i] *= l.lum()
				continue
			}
			for k := 0; k < 3; k++ {
				s.pl[k][i] *= l[k]
			}
		}
	}
}

// blur is passes of a [1 2 1]/4 blur across and down (down row by row, which keeps
// the memory access sequential).
func (s *shot) blur(passes int) {
	tmp := make([]float32, s.w)
	prev := make([]float32, s.w)
	for p := 0; p < passes; p++ {
		for k := 0; k < s.ch; k++ {
			pl := s.pl[k]
			for y := 0; y < s.h; y++ {
				row := pl[y*s.w : (y+1)*s.w]
				copy(tmp, row)
				for x := 1; x < s.w-1; x++ {
					row[x] = 0.25*tmp[x-1] + 0.5*tmp[x] + 0.25*tmp[x+1]
				}
			}
			copy(prev, pl[:s.w])
			for y := 1; y < s.h-1; y++ {
				row := pl[y*s.w : (y+1)*s.w]
				next := pl[(y+1)*s.w : (y+2)*s.w]
				copy(tmp, row)
				for x := range row {
					row[x] = 0.25*prev[x] + 0.5*tmp[x] + 0.25*next[x]
				}
				prev, tmp = tmp, prev
			}
		}
	}
}

// develop turns light into 8-bit values through the sensor's levels, gamma and noise,
// then lays the glass streaks over them.
func (sp *scanPlan) develop(r *rand.Rand, s *shot) image.Image {
	var lut [1024]float32
	for i := range lut {
		v := math.Pow(float64(i)/1023, 1/float64(sp.gamma))
		lut[i] = sp.black + (sp.white-sp.black)*float32(v)
	}
	g := newGauss(r)
	conv := func(v float32) uint8 {
		i := int(v * 1023)
		i = max(0, min(1023, i))
		o := lut[i] + g.next()*sp.noise
		return uint8(max(0, min(255, o+0.5)))
	}
	streakAt := func(x int) float32 {
		k := float32(1)
		for _, st := range sp.streaks {
			d := math.Abs(float64(x) + 0.5 - st.outX)
			if d < st.w/2+0.5 {
				k *= 1 - st.dark*clamp01(float32(st.w/2+0.5-d))
			}
		}
		return k
	}
	cols := make([]float32, s.w)
	for x := range cols {
		cols[x] = streakAt(x)
	}
	if s.ch == 1 {
		out := image.NewGray(image.Rect(0, 0, s.w, s.h))
		for i, v := range s.pl[0] {
			out.Pix[i] = uint8(float32(conv(v)) * cols[i%s.w])
		}
		return out
	}
	out := image.NewRGBA(image.Rect(0, 0, s.w, s.h))
	for i := 0; i < s.w*s.h; i++ {
		k := cols[i%s.w]
		out.Pix[4*i] = uint8(float32(conv(s.pl[0][i])) * k)
		out.Pix[4*i+1] = uint8(float32(conv(s.pl[1][i])) * k)
		out.Pix[4*i+2] = uint8(float32(conv(s.pl[2][i])) * k)
		out.Pix[4*i+3] = 255
	}
	return out
}

// photograph is a phone camera: perspective, a lens that bows straight lines, paper
// that does not lie flat, a table around the sheet and the room's light.
func (sp *scanPlan) photograph(r *rand.Rand, c *canvas, f *field) *shot {
	ph := sp.photo
	s := newShot(ph.w, ph.h, 3)
	cx, cy := float64(ph.w)/2, float64(ph.h)/2
	fn := math.Max(cx, cy)
	var v, fv [3]float32
	for y := 0; y < ph.h; y++ {
		for x := 0; x < ph.w; x++ {
			i := y*ph.w + x
			nx, ny := (float64(x)+0.5-cx)/fn, (float64(y)+0.5-cy)/fn
			k := 1 + ph.k1*(nx*nx+ny*ny)
			ix, iy := cx+nx*k*fn, cy+ny*k*fn
			p := applyHom(ph.inv, pt{ix, iy})
			// The sheet bows: points are displaced along the page by its lift.
			p.y += ph.curlA * math.Sin(math.Pi*p.x/omr.PageW+ph.curlPhase)
			p.x += 0.5 * ph.curlA * math.Sin(math.Pi*p.y/omr.PageH+ph.curlPhase)
			if p.x >= 0 && p.y >= 0 && p.x < omr.PageW && p.y < omr.PageH && c.sample(p.x*c.pxmm, p.y*c.pxmm, &v) {
				f.sample(p.x, p.y, &fv)
				for k := 0; k < 3; k++ {
					s.pl[k][i] = v[min(k, c.ch-1)] * fv[min(k, f.ch-1)]
				}
				continue
			}
			t := 0.85 + 0.3*fbm(ph.seed, float64(x)/40, float64(y)/400, 3)
			for k := 0; k < 3; k++ {
				s.pl[k][i] = ph.table[k] * t
			}
		}
	}
	s.light(ph.light)
	s.blur(sp.blur)
	return s
}

// homography solves for the projective map taking src[i] to dst[i].
func homography(src, dst [4]pt) [9]float64 {
	var a [8][9]float64
	for i := 0; i < 4; i++ {
		x, y, u, v := src[i].x, src[i].y, dst[i].x, dst[i].y
		a[2*i] = [9]float64{x, y, 1, 0, 0, 0, -u * x, -u * y, u}
		a[2*i+1] = [9]float64{0, 0, 0, x, y, 1, -v * x, -v * y, v}
	}
	for col := 0; col < 8; col++ {
		piv := col
		for row := col + 1; row < 8; row++ {
			if math.Abs(a[row][col]) > math.Abs(a[piv][col]) {
				piv = row
			}
		}
		a[col], a[piv] = a[piv], a[col]
		for row := 0; row < 8; row++ {
			if row == col {
				continue
			}
			k := a[row][col] / a[col][col]
			for j := col; j < 9; j++ {
				a[row][j] -= k * a[col][j]
			}
		}
	}
	var h [9]float64
	for i := 0; i < 8; i++ {
		h[i] = a[i][8] / a[i][i]
	}
	h[8] = 1
	return h
}

func invert3(m [9]float64) [9]float64 {
	a, b, c, d, e, f, g, h, i := m[0], m[1], m[2], m[3], m[4], m[5], m[6], m[7], m[8]
	det := a*(e*i-f*h) - b*(d*i-f*g) + c*(d*h-e*g)
	return [9]float64{
		(e*i - f*h) / det, (c*h - b*i) / det, (b*f - c*e) / det,
		(f*g - d*i) / det, (a*i - c*g) / det, (c*d - a*f) / det,
		(d*h - e*g) / det, (b*g - a*h) / det, (a*e - b*d) / det,
	}
}

func applyHom(h [9]float64, p pt) pt {
	w := h[6]*p.x + h[7]*p.y + h[8]
	return pt{(h[0]*p.x + h[1]*p.y + h[2]) / w, (h[3]*p.x + h[4]*p.y + h[5]) / w}
}
