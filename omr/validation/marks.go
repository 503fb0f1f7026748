package validation

import (
	"math"
	"math/rand/v2"
)

// How candidates mark. Each candidate holds one tool for the whole sheet and has habits
// (how hard they press, how far their fills reach, whether they tick instead of fill);
// each mark varies around those habits.

type tool int

const (
	pencil tool = iota
	pen
	ballpoint
)

func (t tool) String() string { return [...]string{"pencil", "pen", "ballpoint"}[t] }

// markKind is what a candidate draws to choose an option. Every kind is a choice: a
// person looking at the sheet reads the option as chosen.
type markKind int

const (
	markFill    markKind = iota // scribbled or shaded disc
	markPartial                 // a fill that covers only part of the bubble
	markTick                    // a tick inside the bubble
	markCross                   // a cross over the bubble
	markBigTick                 // a tick whose arms run far outside the bubble
	markCircle                  // a ring drawn around the printed bubble
	markDot                     // a firm dot in the bubble
	nMarkKinds
)

// eraseKind is what an incomplete erasure leaves behind of a fill. An erased bubble is
// not a choice.
type eraseKind int

const (
	eraseClean eraseKind = iota // a well-rubbed bubble: a trace at 5–12 % of the fill
	eraseGrey                   // an even grey disc at 20–40 % of the candidate's fill darkness
	eraseHaze                   // a faint haze with a few graphite specks
	eraseSmear                  // the graphite dragged sideways by the rubber
)

type hand struct {
	tool   tool
	ink    rgb     // transmittance of the pigment at full strength
	dens   float32 // share of the light a firm stroke takes: pressure, ink load
	grain  float32 // how much paper shows through graphite (0 for liquid ink)
	w      float64 // stroke width, mm
	gap    float64 // distance between scribble lines, in stroke widths (>1 leaves gaps)
	fill   float64 // reach of a fill, in bubble radii
	slop   float64 // how far off centre fills land, mm (standard deviation)
	shade  bool    // pencil held on its side: shaded discs instead of scribbles
	styles [nMarkKinds]float64
	seed   uint64
}

// newHand draws a candidate's tool and habits. light asks for a pencil pressed lightly.
func newHand(r *rand.Rand, t tool, light bool) *hand {
	h := &hand{tool: t, seed: r.Uint64(), slop: uni(r, 0.08, 0.28), fill: uni(r, 0.86, 1.12)}
	h.styles[markFill] = 1
	switch t {
	case pencil:
		h.ink = rgb{0.13, 0.13, 0.15}
		h.dens = float32(uni(r, 0.55, 0.95))
		if light {
			h.dens = float32(uni(r, 0.24, 0.42))
		}
		h.grain = float32(uni(r, 0.25, 0.55))
		h.w = uni(r, 0.45, 0.8)
		h.gap = uni(r, 0.5, 0.9)
		h.shade = chance(r, 0.4)
	case pen:
		h.ink = pick(r, rgb{0.08, 0.08, 0.1}, rgb{0.18, 0.24, 0.62}, rgb{0.1, 0.12, 0.35})
		h.dens = float32(uni(r, 0.88, 1))
		h.grain = 0.04
		h.w = uni(r, 0.4, 0.7)
		h.gap = uni(r, 0.6, 0.9)
	case ballpoint:
		h.ink = pick(r, rgb{0.22, 0.28, 0.62}, rgb{0.15, 0.15, 0.18})
		h.dens = float32(uni(r, 0.75, 0.95))
		h.grain = 0.12
		h.w = uni(r, 0.25, 0.4)
		h.gap = uni(r, 1.2, 2.1)
	}
	return h
}

// style draws the kind of the next mark from the candidate's habits.
func (h *hand) style(r *rand.Rand) markKind {
	total := 0.0
	for _, w := range h.styles {
		total += w
	}
	v := r.Float64() * total
	for k, w := range h.styles {
		if v < w {
			return markKind(k)
		}
		v -= w
	}
	return markFill
}

// texture is how much of a stroke's pigment reaches the paper at a point: graphite
// catches on the paper's tooth and leaves it speckled; ink covers evenly.
func (h *hand) texture(x, y float64) float32 {
	if h.grain <= 0.05 {
		return 1
	}
	n := 0.65*vnoise(h.seed, x/0.05, y/0.05) + 0.35*vnoise(h.seed+1, x/0.22, y/0.22)
	return clamp01(1 - h.grain*(0.55-n)*2.2)
}

// spot is where one mark is drawn: the printed bubble's centre and radius on the paper,
// and how much room there is before the nearest other printed bubble.
type spot struct {
	c      pt
	r      float64
	others []pt // centres of printed bubbles nearby
}

// room is the largest distance from the centre a stroke may reach (its edge included)
// without touching another printed bubble.
func (s spot) room() float64 {
	m := math.Inf(1)
	for _, o := range s.others {
		m = math.Min(m, dist(o, s.c)-s.r-0.3)
	}
	return m
}

// clear says whether the strokes stay off every other printed bubble.
func (s spot) clear(ss []stroke) bool {
	for _, o := range s.others {
		for _, st := range ss {
			if st.dist(o) < s.r+st.w/2+0.3 {
				return false
			}
		}
	}
	return true
}

// mark draws one choice.
func (h *hand) mark(r *rand.Rand, c *canvas, s spot, kind markKind) {
	px := 1 / c.pxmm
	ctr := s.c.add(pt{r.NormFloat64() * h.slop, r.NormFloat64() * h.slop})
	switch kind {
	case markFill:
		if h.shade {
			h.shadedDisc(r, c, ctr, s.r*h.fill*uni(r, 0.95, 1.05), 1)
			return
		}
		h.draw(c, h.scribble(r, ctr, s.r*h.fill*uni(r, 0.95, 1.05), -1, 1, uni(r, -0.9, 0.9)), px, 1)
		if h.tool != pencil && chance(r, 0.4) {
			h.draw(c, []stroke{h.loop(r, ctr, s.r*h.fill, 0.1)}, px, 1)
		}
	case markPartial:
		// A fill given up half way: dense strokes (a sparse partial fill would be a
		// stray scribble, not a choice) over half to three quarters of the bubble.
		dense := *h
		dense.gap = math.Min(h.gap, 0.85)
		if chance(r, 0.5) {
			dense.draw(c, dense.scribble(r, ctr, s.r*h.fill, -1, uni(r, 0, 0.4), uni(r, 0, 2*math.Pi)), px, 1)
		} else {
			off := polar(s.r*uni(r, 0.15, 0.3), uni(r, 0, 2*math.Pi))
			dense.draw(c, dense.scribble(r, s.c.add(off), s.r*uni(r, 0.65, 0.8), -1, 1, uni(r, -0.9, 0.9)), px, 1)
		}
	case markTick:
		v := s.c.add(pt{uni(r, -0.35, 0.1) * s.r, uni(r, 0.2, 0.5) * s.r})
		a := v.add(polar(s.r*uni(r, 0.45, 0.75), uni(r, 200, 235)*math.Pi/180))
		b := v.add(polar(s.r*uni(r, 0.95, 1.35), uni(r, -70, -45)*math.Pi/180))
		h.draw(c, []stroke{h.bent(r, []pt{a, v, b})}, px, 1)
	case markCross:
		var ss []stroke
		for _, base := range []float64{45, 135} {
			ang := (base + uni(r, -15, 15)) * math.Pi / 180
			half := s.r * uni(r, 0.8, 1.25)
			d := polar(half, ang)
			ss = append(ss, h.bent(r, []pt{ctr.add(d.scale(-1)), ctr.add(d)}))
		}
		h.draw(c, ss, px, 1)
	case markBigTick:
		// The vertex sits low in the bubble and both arms leave it; an arm never crosses
		// another printed bubble, so a person reads the chosen one at once.
		for try := 0; ; try++ {
			shrink := math.Pow(0.9, float64(try))
			v := s.c.add(pt{uni(r, -0.4, 0.3) * s.r, uni(r, 0.35, 0.85) * s.r})
			a := v.add(polar(s.r*uni(r, 1.1, 1.9)*shrink, uni(r, 205, 240)*math.Pi/180))
			b := v.add(polar(s.r*uni(r, 2.2, 3.6)*shrink, uni(r, -68, -42)*math.Pi/180))
			st := []stroke{h.bent(r, []pt{a, v, b})}
			if s.clear(st) {
				h.draw(c, st, px, 1)
				return
			}
			if try == 12 {
				h.mark(r, c, s, markTick)
				return
			}
		}
	case markCircle:
		rho := math.Min(s.r*uni(r, 1.2, 1.55), s.room()-h.w/2-0.15)
		if rho < s.r*1.12 {
			h.mark(r, c, s, markFill)
			return
		}
		h.draw(c, []stroke{h.loop(r, s.c.add(pt{uni(r, -0.15, 0.15), uni(r, -0.15, 0.15)}), rho, uni(r, 0.05, 0.18))}, px, 1)
	case markDot:
		b := blob{c: s.c.add(polar(s.r*uni(r, 0, 0.35), uni(r, 0, 2*math.Pi))), r: uni(r, 0.55, 0.9), amp: [3]float64{0.08, 0.05, 0.03}, phase: [3]float64{r.Float64() * 6, r.Float64() * 6, r.Float64() * 6}}
		h.blobInk(c, b, px, 1)
	}
}

// scribble fills a disc of radius rf the way people do: back-and-forth lines at an
// angle, covering the part of the disc between from and to (−1…1 across it).
func (h *hand) scribble(r *rand.Rand, ctr pt, rf, from, to, angle float64) []stroke {
	step := h.w * h.gap
	dir := polar(1, angle)
	perp := pt{-dir.y, dir.x}
	var pts []pt
	k := from*rf + uni(r, 0.2, 0.6)*step
	flip := false
	for ; k < to*rf; k += step * uni(r, 0.85, 1.15) {
		if math.Abs(k) >= rf {
			continue
		}
		half := math.Sqrt(rf*rf-k*k) - h.w*0.35
		if half < 0.05 {
			half = 0.05
		}
		e1 := ctr.add(perp.scale(k)).add(dir.scale(-half * uni(r, 0.9, 1.06)))
		e2 := ctr.add(perp.scale(k)).add(dir.scale(half * uni(r, 0.9, 1.06)))
		if flip {
			e1, e2 = e2, e1
		}
		pts = append(pts, e1, e2)
		flip = !flip
	}
	if len(pts) == 0 {
		pts = append(pts, ctr)
	}
	return []stroke{{pts: pts, w: h.w}}
}

// loop is a hand-drawn circle of radius rho that overlaps itself a little.
func (h *hand) loop(r *rand.Rand, ctr pt, rho, overlap float64) stroke {
	a0 := uni(r, 0, 2*math.Pi)
	amp, ph := uni(r, 0.02, 0.07), uni(r, 0, 2*math.Pi)
	n := 40
	var pts []pt
	for i := 0; i <= n; i++ {
		t := float64(i) / float64(n) * (2*math.Pi + overlap*2*math.Pi)
		rr := rho * (1 + amp*math.Sin(2*t+ph) + 0.03*float64(i)/float64(n))
		pts = append(pts, ctr.add(polar(rr, a0+t)))
	}
	return stroke{pts: pts, w: h.w}
}

// bent turns a polyline into a hand's stroke: each segment bows a little.
func (h *hand) bent(r *rand.Rand, pts []pt) stroke {
	var out []pt
	for i := 0; i+1 < len(pts); i++ {
		a, b := pts[i], pts[i+1]
		n := pt{-(b.y - a.y), b.x - a.x}.scale(uni(r, -0.08, 0.08))
		out = append(out, a, lerp(a, b, 0.5).add(n))
	}
	out = append(out, pts[len(pts)-1])
	return stroke{pts: out, w: h.w * uni(r, 0.9, 1.15)}
}

// draw lays the strokes in the hand's pigment at the given share of its strength.
func (h *hand) draw(c *canvas, ss []stroke, px float64, strength float32) {
	b := unionBounds(ss)
	cov := strokesCover(ss, px)
	d := h.dens * strength
	c.ink(b[0], b[1], b[2], b[3], h.ink, func(x, y float64) float32 {
		v := cov(x, y)
		if v == 0 {
			return 0
		}
		return v * d * h.texture(x, y)
	})
}

// shadedDisc is a pencil held on its side and rubbed over the bubble.
func (h *hand) shadedDisc(r *rand.Rand, c *canvas, ctr pt, rf float64, strength float32) {
	b := blob{c: ctr, r: rf, amp: [3]float64{uni(r, 0, 0.05), uni(r, 0, 0.04), uni(r, 0, 0.03)}, phase: [3]float64{r.Float64() * 6, r.Float64() * 6, r.Float64() * 6}}
	h.blobInk(c, b, 1/c.pxmm, strength)
}

func (h *hand) blobInk(c *canvas, b blob, px float64, strength float32) {
	m := b.maxR() + 0.1
	d := h.dens * strength
	c.ink(b.c.x-m, b.c.y-m, b.c.x+m, b.c.y+m, h.ink, func(x, y float64) float32 {
		v := edge(b.inside(pt{x, y}), px)
		if v == 0 {
			return 0
		}
		return v * d * h.texture(x, y)
	})
}

// erase draws what an incomplete erasure of one of the candidate's fills leaves.
func (h *hand) erase(r *rand.Rand, c *canvas, s spot, kind eraseKind) {
	px := 1 / c.pxmm
	ctr := s.c.add(pt{r.NormFloat64() * h.slop, r.NormFloat64() * h.slop})
	rf := s.r * h.fill
	b := blob{c: ctr, r: rf, amp: [3]float64{uni(r, 0, 0.05), uni(r, 0, 0.04), uni(r, 0, 0.03)}, phase: [3]float64{r.Float64() * 6, r.Float64() * 6, r.Float64() * 6}}
	m := b.maxR() + 0.1
	seed := r.Uint64()
	even := func(level float32) {
		c.ink(ctr.x-m, ctr.y-m, ctr.x+m, ctr.y+m, h.ink, func(x, y float64) float32 {
			v := edge(b.inside(pt{x, y}), px)
			if v == 0 {
				return 0
			}
			// Rubbed graphite is smooth: only a gentle unevenness is left.
			return v * level * (0.9 + 0.2*vnoise(seed, x/0.5, y/0.5))
		})
	}
	switch kind {
	case eraseClean:
		even(h.dens * float32(uni(r, 0.05, 0.12)))
	case eraseGrey:
		even(h.dens * float32(uni(r, 0.2, 0.4)))
	case eraseHaze:
		even(h.dens * float32(uni(r, 0.06, 0.15)))
		for i, n := 0, 3+r.IntN(8); i < n; i++ {
			p := ctr.add(polar(rf*math.Sqrt(r.Float64())*0.95, uni(r, 0, 2*math.Pi)))
			sp := blob{c: p, r: uni(r, 0.05, 0.14), amp: [3]float64{0.2, 0.1, 0.05}, phase: [3]float64{r.Float64() * 6, r.Float64() * 6, 0}}
			h.blobInk(c, sp, px, float32(uni(r, 0.5, 0.9)))
		}
	case eraseSmear:
		// The rubber drags the graphite one way; the smear stays off the neighbours.
		ang := uni(r, 0, 2*math.Pi)
		reach := math.Min(s.room()-0.2, uni(r, 1.3, 1.6)*s.r)
		half := math.Max(s.r, reach*0.75)
		shift := reach - half
		mid := ctr.add(polar(shift, ang))
		wid := s.r * uni(r, 0.75, 1.0)
		level := h.dens * float32(uni(r, 0.15, 0.35))
		e := reach + 0.2
		c.ink(ctr.x-e, ctr.y-e, ctr.x+e, ctr.y+e, h.ink, func(x, y float64) float32 {
			p := pt{x - mid.x, y - mid.y}.rot(-ang)
			q := (p.x*p.x)/(half*half) + (p.y*p.y)/(wid*wid)
			if q >= 1 {
				return 0
			}
			streak := 0.5 + vnoise(seed, p.x/1.5, p.y/0.12)
			fade := float32(1 - q*q)
			return level * fade * streak
		})
	}
}

// digitStrokes are the ten digits as a hand writes them, in a unit box (y down).
var digitStrokes = [10][][]pt{
	{{{0.5, 0}, {0.15, 0.2}, {0.1, 0.6}, {0.35, 1}, {0.7, 0.95}, {0.9, 0.55}, {0.8, 0.15}, {0.5, 0}}},
	{{{0.25, 0.25}, {0.6, 0}, {0.6, 1}}},
	{{{0.1, 0.25}, {0.4, 0}, {0.8, 0.1}, {0.8, 0.4}, {0.1, 1}, {0.9, 1}}},
	{{{0.15, 0.05}, {0.85, 0.05}, {0.4, 0.45}, {0.85, 0.65}, {0.6, 1}, {0.1, 0.9}}},
	{{{0.7, 1}, {0.7, 0}, {0.1, 0.7}, {0.95, 0.7}}},
	{{{0.85, 0}, {0.2, 0}, {0.15, 0.45}, {0.7, 0.45}, {0.85, 0.75}, {0.55, 1}, {0.1, 0.9}}},
	{{{0.75, 0}, {0.25, 0.4}, {0.15, 0.8}, {0.45, 1}, {0.8, 0.8}, {0.6, 0.5}, {0.2, 0.65}}},
	{{{0.1, 0}, {0.9, 0}, {0.4, 1}}, {{0.3, 0.5}, {0.75, 0.5}}},
	{{{0.5, 0.45}, {0.15, 0.2}, {0.5, 0}, {0.85, 0.2}, {0.5, 0.45}, {0.1, 0.75}, {0.5, 1}, {0.9, 0.75}, {0.5, 0.45}}},
	{{{0.85, 0.35}, {0.5, 0.5}, {0.15, 0.3}, {0.5, 0}, {0.85, 0.3}, {0.7, 1}}},
}

// writeDigit writes one digit by hand in a box (x0, y0, w, h in mm).
func (h *hand) writeDigit(r *rand.Rand, c *canvas, d int, x0, y0, w, ht float64) {
	var ss []stroke
	slant := uni(r, -0.1, 0.25)
	for _, line := range digitStrokes[d] {
		var pts []pt
		for _, p := range line {
			x := x0 + (p.x+uni(r, -0.06, 0.06))*w + (1-p.y)*slant*w
			y := y0 + (p.y+uni(r, -0.04, 0.04))*ht
			pts = append(pts, pt{x, y})
		}
		ss = append(ss, stroke{pts: pts, w: math.Min(h.w, 0.45)})
	}
	h.draw(c, ss, 1/c.pxmm, 1)
}

// writeLine scribbles handwriting-like strokes along a baseline: a name.
func (h *hand) writeLine(r *rand.Rand, c *canvas, x0, x1, base, xh float64) {
	var ss []stroke
	x := x0
	for x < x1-4 {
		word := 3 + r.IntN(6)
		var pts []pt
		for i := 0; i < word && x < x1-2; i++ {
			lw := uni(r, 1.2, 2.0)
			top := base - xh
			if chance(r, 0.25) {
				top = base - xh*1.8
			}
			pts = append(pts, pt{x, base}, pt{x + lw*0.3, top + uni(r, -0.3, 0.3)}, pt{x + lw*0.7, base - xh*uni(r, 0.1, 0.5)}, pt{x + lw, base})
			x += lw
		}
		if len(pts) > 1 {
			ss = append(ss, stroke{pts: pts, w: math.Min(h.w, 0.45)})
		}
		x += uni(r, 2, 3.5)
		if len(ss) > 3 && chance(r, 0.3) {
			break
		}
	}
	if len(ss) > 0 {
		h.draw(c, ss, 1/c.pxmm, 1)
	}
}
