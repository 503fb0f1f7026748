package validation

import (
	"image"
	"math"
)

// rgb is a reflectance or an ink's transmittance per channel, 0 (black) to 1 (white).
type rgb [3]float32

func grey(v float32) rgb { return rgb{v, v, v} }

// lum is what a grey scanner sees of a colour (Rec. 601 weights, as JPEG's Y).
func (c rgb) lum() float32 { return 0.299*c[0] + 0.587*c[1] + 0.114*c[2] }

// canvas is a sheet of paper seen from above: the reflectance of each point, in one
// plane (grey) or three (colour), at pxmm pixels per millimetre. Paper starts at its
// own colour; toner, graphite, ink, coffee and tape only ever multiply it down, as light
// passing through layers of pigment does; opaque things (a thumb, the scanner lid seen
// through a punch hole) replace it.
type canvas struct {
	w, h int
	pxmm float64
	ch   int
	pl   [3][]float32
}

func newCanvas(wmm, hmm, pxmm float64, ch int, paper rgb) *canvas {
	c := &canvas{w: int(math.Round(wmm * pxmm)), h: int(math.Round(hmm * pxmm)), pxmm: pxmm, ch: ch}
	for k := 0; k < ch; k++ {
		v := paper[k]
		if ch == 1 {
			v = paper.lum()
		}
		p := make([]float32, c.w*c.h)
		for i := range p {
			p[i] = v
		}
		c.pl[k] = p
	}
	return c
}

// colour gives the per-plane value of a colour on this canvas.
func (c *canvas) colour(v rgb) rgb {
	if c.ch == 1 {
		return grey(v.lum())
	}
	return v
}

// span converts a box in millimetres to the pixel rows and columns it touches.
func (c *canvas) span(x0, y0, x1, y1 float64) (int, int, int, int) {
	px0 := max(0, int(math.Floor(x0*c.pxmm)))
	py0 := max(0, int(math.Floor(y0*c.pxmm)))
	px1 := min(c.w, int(math.Ceil(x1*c.pxmm))+1)
	py1 := min(c.h, int(math.Ceil(y1*c.pxmm))+1)
	return px0, py0, px1, py1
}

// ink lays a pigment of transmittance t over the box, where cov (0–1) says how much of
// each point it covers. Small shapes on a coarse canvas are sampled four times per pixel
// so that a 0.4 mm stroke at 100 dpi keeps its real weight.
func (c *canvas) ink(x0, y0, x1, y1 float64, t rgb, cov func(x, y float64) float32) {
	t = c.colour(t)
	px0, py0, px1, py1 := c.span(x0, y0, x1, y1)
	d := 1 / c.pxmm
	ss := c.pxmm < 9
	for py := py0; py < py1; py++ {
		for px := px0; px < px1; px++ {
			var a float32
			if ss {
				x, y := float64(px)*d, float64(py)*d
				a = (cov(x+0.25*d, y+0.25*d) + cov(x+0.75*d, y+0.25*d) + cov(x+0.25*d, y+0.75*d) + cov(x+0.75*d, y+0.75*d)) / 4
			} else {
				a = cov((float64(px)+0.5)*d, (float64(py)+0.5)*d)
			}
			if a <= 0 {
				continue
			}
			i := py*c.w + px
			for k := 0; k < c.ch; k++ {
				c.pl[k][i] *= 1 - a*(1-t[k])
			}
		}
	}
}

// cover paints an opaque colour over the box with opacity alpha (0–1).
func (c *canvas) cover(x0, y0, x1, y1 float64, col rgb, alpha func(x, y float64) float32) {
	col = c.colour(col)
	px0, py0, px1, py1 := c.span(x0, y0, x1, y1)
	d := 1 / c.pxmm
	for py := py0; py < py1; py++ {
		for px := px0; px < px1; px++ {
			a := alpha((float64(px)+0.5)*d, (float64(py)+0.5)*d)
			if a <= 0 {
				continue
			}
			i := py*c.w + px
			for k := 0; k < c.ch; k++ {
				c.pl[k][i] += a * (col[k] - c.pl[k][i])
			}
		}
	}
}

// printRaster lays a rendered sheet (8-bit grey, white = no toner) onto the paper with
// its top-left pixel at (ox, oy), only inside clip (canvas pixels). density(x) scales the toner of each column (faded or
// streaky toner); toner is the colour of full toner.
func (c *canvas) printRaster(g *image.Gray, ox, oy int, clip image.Rectangle, toner rgb, density func(px int) float32) {
	clip = clip.Intersect(image.Rect(0, 0, c.w, c.h))
	toner = c.colour(toner)
	b := g.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		cy := oy + y - b.Min.Y
		if cy < clip.Min.Y || cy >= clip.Max.Y {
			continue
		}
		row := g.Pix[(y-b.Min.Y)*g.Stride:]
		for x := b.Min.X; x < b.Max.X; x++ {
			v := row[x-b.Min.X]
			if v == 255 {
				continue
			}
			cx := ox + x - b.Min.X
			if cx < clip.Min.X || cx >= clip.Max.X {
				continue
			}
			a := (1 - float32(v)/255) * density(cx)
			i := cy*c.w + cx
			for k := 0; k < c.ch; k++ {
				c.pl[k][i] *= 1 - a*(1-toner[k])
			}
		}
	}
}

// sample is the canvas's reflectance at a point in pixel coordinates, bilinearly
// interpolated; out is false off the canvas.
func (c *canvas) sample(fx, fy float64, out *[3]float32) bool {
	fx -= 0.5
	fy -= 0.5
	x0f, y0f := math.Floor(fx), math.Floor(fy)
	x0, y0 := int(x0f), int(y0f)
	if x0 < -1 || y0 < -1 || x0 >= c.w || y0 >= c.h {
		return false
	}
	tx, ty := float32(fx-x0f), float32(fy-y0f)
	x1, y1 := x0+1, y0+1
	x0, x1 = max(0, min(c.w-1, x0)), max(0, min(c.w-1, x1))
	y0, y1 = max(0, min(c.h-1, y0)), max(0, min(c.h-1, y1))
	i00, i01, i10, i11 := y0*c.w+x0, y0*c.w+x1, y1*c.w+x0, y1*c.w+x1
	for k := 0; k < c.ch; k++ {
		p := c.pl[k]
		top := p[i00] + (p[i01]-p[i00])*tx
		bot := p[i10] + (p[i11]-p[i10])*tx
		out[k] = top + (bot-top)*ty
	}
	return true
}

// field is a slowly varying multiplier over the page (paper tone and texture, shading
// of folds, show-through, uneven light), kept at a few cells per millimetre because it
// has no detail finer than that.
type field struct {
	w, h  int
	cellw float64 // millimetres per cell
	ch    int
	pl    [3][]float32
}

func newField(wmm, hmm, cellw float64, ch int) *field {
	f := &field{w: int(math.Ceil(wmm/cellw)) + 1, h: int(math.Ceil(hmm/cellw)) + 1, cellw: cellw, ch: ch}
	for k := 0; k < ch; k++ {
		p := make([]float32, f.w*f.h)
		for i := range p {
			p[i] = 1
		}
		f.pl[k] = p
	}
	return f
}

// mul multiplies every cell by fn at the cell's centre in millimetres.
func (f *field) mul(fn func(x, y float64) rgb) {
	for cy := 0; cy < f.h; cy++ {
		for cx := 0; cx < f.w; cx++ {
			v := fn(float64(cx)*f.cellw, float64(cy)*f.cellw)
			i := cy*f.w + cx
			if f.ch == 1 {
				f.pl[0][i] *= v.lum()
				continue
			}
			for k := 0; k < 3; k++ {
				f.pl[k][i] *= v[k]
			}
		}
	}
}

func (f *field) sample(x, y float64, out *[3]float32) {
	fx, fy := x/f.cellw, y/f.cellw
	if fx < 0 {
		fx = 0
	}
	if fy < 0 {
		fy = 0
	}
	x0, y0 := min(f.w-2, int(fx)), min(f.h-2, int(fy))
	tx, ty := clamp01(float32(fx-float64(x0))), clamp01(float32(fy-float64(y0)))
	i := y0*f.w + x0
	for k := 0; k < f.ch; k++ {
		p := f.pl[k]
		top := p[i] + (p[i+1]-p[i])*tx
		bot := p[i+f.w] + (p[i+f.w+1]-p[i+f.w])*tx
		out[k] = top + (bot-top)*ty
	}
}

func clampf(v, lo, hi float64) float64 { return math.Max(lo, math.Min(hi, v)) }

// Shapes, as coverage functions of a point in millimetres.

type pt struct{ x, y float64 }

func (p pt) add(q pt) pt         { return pt{p.x + q.x, p.y + q.y} }
func (p pt) scale(k float64) pt  { return pt{p.x * k, p.y * k} }
func polar(r, a float64) pt      { return pt{r * math.Cos(a), r * math.Sin(a)} }
func dist(a, b pt) float64       { return math.Hypot(a.x-b.x, a.y-b.y) }
func lerp(a, b pt, t float64) pt { return pt{a.x + (b.x-a.x)*t, a.y + (b.y-a.y)*t} }
func (p pt) rot(a float64) pt    { s, c := math.Sincos(a); return pt{p.x*c - p.y*s, p.x*s + p.y*c} }

// segDist is the distance from p to the segment ab.
func segDist(p, a, b pt) float64 {
	dx, dy := b.x-a.x, b.y-a.y
	l2 := dx*dx + dy*dy
	t := 0.0
	if l2 > 0 {
		t = ((p.x-a.x)*dx + (p.y-a.y)*dy) / l2
		if t < 0 {
			t = 0
		} else if t > 1 {
			t = 1
		}
	}
	ex, ey := p.x-a.x-t*dx, p.y-a.y-t*dy
	return math.Sqrt(ex*ex + ey*ey)
}

// edge turns a signed distance inside a shape (mm, positive inside) into coverage with
// an anti-aliased border one pixel wide.
func edge(inside, px float64) float32 { return clamp01(float32(inside/px + 0.5)) }

// stroke is a polyline drawn with a round pen of width w.
type stroke struct {
	pts []pt
	w   float64
}

func (s stroke) bounds() [4]float64 {
	b := [4]float64{math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)}
	for _, p := range s.pts {
		b[0], b[1] = math.Min(b[0], p.x), math.Min(b[1], p.y)
		b[2], b[3] = math.Max(b[2], p.x), math.Max(b[3], p.y)
	}
	h := s.w/2 + 0.2
	return [4]float64{b[0] - h, b[1] - h, b[2] + h, b[3] + h}
}

func (s stroke) dist(p pt) float64 {
	d := math.Inf(1)
	if len(s.pts) == 1 {
		return dist(p, s.pts[0])
	}
	for i := 1; i < len(s.pts); i++ {
		if v := segDist(p, s.pts[i-1], s.pts[i]); v < d {
			d = v
		}
	}
	return d
}

// strokesCover is the union of strokes: coverage at p is that of the nearest one.
func strokesCover(ss []stroke, px float64) func(x, y float64) float32 {
	return func(x, y float64) float32 {
		p := pt{x, y}
		var best float32
		for _, s := range ss {
			if c := edge(s.w/2-s.dist(p), px); c > best {
				best = c
				if best >= 1 {
					break
				}
			}
		}
		return best
	}
}

func unionBounds(ss []stroke) [4]float64 {
	b := [4]float64{math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)}
	for _, s := range ss {
		sb := s.bounds()
		b[0], b[1] = math.Min(b[0], sb[0]), math.Min(b[1], sb[1])
		b[2], b[3] = math.Max(b[2], sb[2]), math.Max(b[3], sb[3])
	}
	return b
}

// blob is a disc whose radius wanders with the angle, as a hand-drawn fill does.
type blob struct {
	c     pt
	r     float64
	amp   [3]float64
	phase [3]float64
}

func (b blob) radius(a float64) float64 {
	return b.r * (1 + b.amp[0]*math.Sin(2*a+b.phase[0]) + b.amp[1]*math.Sin(3*a+b.phase[1]) + b.amp[2]*math.Sin(5*a+b.phase[2]))
}

func (b blob) inside(p pt) float64 {
	dx, dy := p.x-b.c.x, p.y-b.c.y
	return b.radius(math.Atan2(dy, dx)) - math.Hypot(dx, dy)
}

func (b blob) maxR() float64 { return b.r * (1 + b.amp[0] + b.amp[1] + b.amp[2]) }
