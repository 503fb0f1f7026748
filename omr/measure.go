package omr

import (
	"math"
	"sort"
	"sync"

	"tarazy/calibration"
)

// A bubble is measured in three zones, all relative to its own surroundings:
//
//   - the inner disc (72 % of the radius; the printed outline never counts), whose
//     darkness, ink and spread are the calibration sample;
//   - the printed ring, looked for along 24 rays, which proves the bubble is printed and
//     found where the alignment puts it (a 1-bit scan can lose it; a misaligned page
//     finds it off its place);
//   - an annulus just outside the ring, away from neighbouring bubbles, whose median is
//     the paper white the bubble is measured against (a stain's rim or a shadow's edge
//     10 mm away no longer counts) and whose ink is a mark drawn across the bubble's edge
//     (a large tick mostly outside the measured disc).

// Inner disc measured, as a share of the bubble radius: far enough inside that the
// printed outline never counts, even with the page half a millimetre off.
const innerShare = 0.72

// A pixel darker than inkShare × paper white is ink: pen and pencil strokes are, the
// light letters printed in bubbles (0.72) and eraser smudges are not.
const inkShare = 0.6

const (
	rays = 24
	// Radii of the ring search (share of the radius): the outline is looked for between
	// ringIn and ringOut, against the paper at ringInside and ringOutside. Between them
	// a page up to 0.4 mm off still finds every ring.
	ringInside  = 0.62
	ringIn      = 0.82
	ringOut     = 1.18
	ringOutside = 1.38
	// The edge: a band just inside the outline and an annulus just outside it, sampled
	// densely; its median is the paper white, its ink a mark across the bubble's edge.
	edgeRays = 40
	// Neighbours' outlines and fills are kept out of the edge by this margin (mm).
	neighbourMargin = 0.45
)

// Radii of the edge samples (share of the radius): two just inside the outline, five
// outside it. The outline itself (0.88–1.12) is left out.
var (
	edgeInside  = []float64{0.79, 0.85}
	edgeOutside = []float64{1.17, 1.25, 1.33, 1.41, 1.5}
)

// bubbleGeom is where a bubble's ring and edge are sampled, in millimetres from its
// centre, with the rays and samples that would fall on a neighbour left out. It depends
// on the layout only, so it is computed once per form.
type bubbleGeom struct {
	ringRays [][7]Pt // per usable ray: inside, five points across the outline, outside
	inside   []Pt    // edge samples inside the outline
	outside  []Pt    // edge samples outside it: the paper white is their median
}

var geoms sync.Map // *Layout → []bubbleGeom

func layoutGeoms(l *Layout) []bubbleGeom {
	if g, ok := geoms.Load(l); ok {
		return g.([]bubbleGeom)
	}
	out := make([]bubbleGeom, len(l.Bubbles))
	for i, b := range l.Bubbles {
		var near []Bubble
		for j, o := range l.Bubbles {
			if j != i && math.Hypot(o.X-b.X, o.Y-b.Y) < 2.6*b.R+neighbourMargin {
				near = append(near, o)
			}
		}
		free := func(p Pt) bool { // p relative to b's centre
			for _, o := range near {
				if math.Hypot(b.X+p.X-o.X, b.Y+p.Y-o.Y) < o.R+neighbourMargin {
					return false
				}
			}
			return true
		}
		g := &out[i]
		for k := 0; k < rays; k++ {
			a := 2 * math.Pi * (float64(k) + 0.5) / rays
			dir := Pt{math.Cos(a), math.Sin(a)}
			at := func(s float64) Pt { return Pt{dir.X * s * b.R, dir.Y * s * b.R} }
			var ray [7]Pt
			ray[0], ray[6] = at(ringInside), at(ringOutside)
			for k := 1; k <= 5; k++ {
				ray[k] = at(ringIn + (ringOut-ringIn)*float64(k-1)/4)
			}
			if free(ray[6]) {
				g.ringRays = append(g.ringRays, ray)
			}
		}
		for k := 0; k < edgeRays; k++ {
			a := 2 * math.Pi * float64(k) / edgeRays
			dir := Pt{math.Cos(a), math.Sin(a)}
			for _, s := range edgeInside {
				g.inside = append(g.inside, Pt{dir.X * s * b.R, dir.Y * s * b.R})
			}
			for _, s := range edgeOutside {
				if p := (Pt{dir.X * s * b.R, dir.Y * s * b.R}); free(p) {
					g.outside = append(g.outside, p)
				}
			}
		}
	}
	actual, _ := geoms.LoadOrStore(l, out)
	return actual.([]bubbleGeom)
}

// meas is everything measured about one bubble.
type meas struct {
	calibration.Sample         // inner disc, relative to the page's blank level
	white              float64 // paper white around it (grey level)
	ring               float64 // share of rays on which the printed outline was found
	around             float64 // share of the edge's samples that are ink (the outline left out)
	rawDark            float64 // inner darkness before the page's blank level is taken off
	// p90 is the darkness (share of white) that a tenth of the inner disc reaches: the
	// darkness of whatever instrument made the mark, pen, pencil or eraser's smear,
	// however much of the disc it covers.
	p90 float64
}

// local maps millimetre offsets around a sheet point to working pixels, linearly: over
// a bubble the homography is flat.
type local struct {
	c Pt
	j [4]float64
}

func (s *scan) local(c Pt) local { return local{s.hmm.apply(c), s.hmm.jacobian(c)} }

func (lc local) px(d Pt) (int, int) {
	x := lc.c.X + lc.j[0]*d.X + lc.j[1]*d.Y
	y := lc.c.Y + lc.j[2]*d.X + lc.j[3]*d.Y
	return int(math.Floor(x)), int(math.Floor(y))
}

func (s *scan) sample(lc local, d Pt) (float64, bool) {
	x, y := lc.px(d)
	v, ok := s.at(x, y)
	return float64(v), ok
}

// measure samples every bubble of the layout through the homography (the page is never
// warped as a whole) and normalises by the page's own blank level.
func (s *scan) measure(l *Layout) []meas {
	gs := layoutGeoms(l)
	out := make([]meas, len(l.Bubbles))
	var buf []float64
	for i, b := range l.Bubbles {
		c := Pt{b.X, b.Y}
		lc := s.local(c)
		// Paper white: the median of the edge outside the outline.
		buf = buf[:0]
		for _, d := range gs[i].outside {
			if v, ok := s.sample(lc, d); ok {
				buf = append(buf, v)
			}
		}
		white := s.white(lc.c)
		if len(buf) >= 8 {
			sort.Float64s(buf)
			white = math.Max(40, buf[len(buf)/2])
		}
		m := meas{white: white}
		ink, n := 0, len(buf)
		for _, v := range buf {
			if v < inkShare*white {
				ink++
			}
		}
		for _, d := range gs[i].inside {
			if v, ok := s.sample(lc, d); ok {
				n++
				if v < inkShare*white {
					ink++
				}
			}
		}
		if n > 0 {
			m.around = float64(ink) / float64(n)
		}
		m.ring = s.ringFound(lc, gs[i].ringRays, white)
		m.Sample, m.p90 = s.bubble(c, b.R*innerShare, white)
		m.rawDark = m.Darkness
		out[i] = m
	}
	// Most bubbles on any sheet are blank, so the page median is the blank level of
	// this page's paper, print and scanner.
	d := make([]float64, len(out))
	k := make([]float64, len(out))
	g := make([]float64, len(out))
	for i, o := range out {
		d[i], k[i], g[i] = o.Darkness, o.Ink, o.Spread
	}
	sort.Float64s(d)
	sort.Float64s(k)
	sort.Float64s(g)
	md, mk, mg := d[len(d)/2], k[len(k)/2], g[len(g)/2]
	for i := range out {
		out[i].Darkness -= md
		out[i].Ink -= mk
		out[i].Spread -= mg
	}
	return out
}

// ringFound is the share of rays along which the printed outline shows: a sample
// between ringIn and ringOut clearly darker than the paper inside and outside it.
func (s *scan) ringFound(lc local, rays [][7]Pt, white float64) float64 {
	if len(rays) == 0 {
		return 1
	}
	found := 0
	for _, r := range rays {
		var v [7]float64
		ok := true
		for k := range r {
			if v[k], ok = s.sample(lc, r[k]); !ok {
				break
			}
		}
		if !ok {
			continue
		}
		line := v[1]
		for _, x := range v[2:6] {
			line = math.Min(line, x)
		}
		if math.Min(v[0], v[6])-line > 0.12*white {
			found++
		}
	}
	return float64(found) / float64(len(rays))
}

// bubble measures the inner disc of radius r (mm) around c against the paper white.
func (s *scan) bubble(c Pt, r, white float64) (calibration.Sample, float64) {
	p := s.hmm.apply(c)
	j := s.hmm.jacobian(c)
	det := j[0]*j[3] - j[1]*j[2]
	inv := [4]float64{j[3] / det, -j[1] / det, -j[2] / det, j[0] / det}
	ext := r * math.Max(math.Hypot(j[0], j[2]), math.Hypot(j[1], j[3]))
	inkLevel := int(inkShare * white)
	greyLevel := int(0.9 * white)
	r2 := r * r
	var hist [256]int32
	var sum, n, ink, grey int
	for y := int(p.Y - ext); y <= int(p.Y+ext)+1; y++ {
		dy := float64(y) + 0.5 - p.Y
		for x := int(p.X - ext); x <= int(p.X+ext)+1; x++ {
			dx := float64(x) + 0.5 - p.X
			mx := inv[0]*dx + inv[1]*dy
			my := inv[2]*dx + inv[3]*dy
			if mx*mx+my*my > r2 {
				continue
			}
			v8, ok := s.at(x, y)
			if !ok {
				continue
			}
			v := int(v8)
			hist[v]++
			sum += v
			n++
			if v < inkLevel {
				ink++
			}
			if v < greyLevel {
				grey++
			}
		}
	}
	if n == 0 {
		return calibration.Sample{}, 0
	}
	// The grey level a tenth of the disc is at least as dark as.
	tenth, acc, v10 := int32((n+9)/10), int32(0), 0
	for v := 0; v < 256; v++ {
		if acc += hist[v]; acc >= tenth {
			v10 = v
			break
		}
	}
	fn := float64(n)
	return calibration.Sample{Darkness: 1 - float64(sum)/fn/white, Ink: float64(ink) / fn, Spread: float64(grey) / fn}, 1 - float64(v10)/white
}

// strokes describes the ink of one inner disc at the candidate's own ink level: how
// much of the disc it covers and how long its longest connected piece is. A tick, a
// cross or a fill is one long piece; graphite specks in an eraser's haze, dither dots
// and a residue lighter than the candidate's pen are not.
type strokes struct {
	share  float64 // of the disc's pixels at least level dark
	longMM float64 // extent of the largest connected piece, mm
}

// inkAt measures the disc of radius r (mm) around c at a darkness level (0–1, relative
// to white).
func (s *scan) inkAt(c Pt, r, white, level float64) strokes {
	p := s.hmm.apply(c)
	j := s.hmm.jacobian(c)
	det := j[0]*j[3] - j[1]*j[2]
	inv := [4]float64{j[3] / det, -j[1] / det, -j[2] / det, j[0] / det}
	ext := r * math.Max(math.Hypot(j[0], j[2]), math.Hypot(j[1], j[3]))
	x0, y0 := int(p.X-ext), int(p.Y-ext)
	w := int(2*ext) + 3
	grid := make([]int8, w*w) // 0 outside, 1 paper, 2 ink
	cut := (1 - level) * white
	n, ink := 0, 0
	r2 := r * r
	for gy := 0; gy < w; gy++ {
		y := y0 + gy
		dy := float64(y) + 0.5 - p.Y
		for gx := 0; gx < w; gx++ {
			x := x0 + gx
			dx := float64(x) + 0.5 - p.X
			mx := inv[0]*dx + inv[1]*dy
			my := inv[2]*dx + inv[3]*dy
			if mx*mx+my*my > r2 {
				continue
			}
			v, ok := s.at(x, y)
			if !ok {
				continue
			}
			n++
			grid[gy*w+gx] = 1
			if float64(v) <= cut {
				grid[gy*w+gx] = 2
				ink++
			}
		}
	}
	if n == 0 {
		return strokes{}
	}
	out := strokes{share: float64(ink) / float64(n)}
	// The largest 8-connected piece of ink, by the diagonal of its bounding box.
	mmPerPx := 1 / s.hmm.scale(c)
	stack := make([]int, 0, 64)
	for i, g := range grid {
		if g != 2 {
			continue
		}
		minX, minY, maxX, maxY := w, w, -1, -1
		stack = append(stack[:0], i)
		grid[i] = 3
		for len(stack) > 0 {
			k := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			kx, ky := k%w, k/w
			minX, maxX = min(minX, kx), max(maxX, kx)
			minY, maxY = min(minY, ky), max(maxY, ky)
			for dy := -1; dy <= 1; dy++ {
				for dx := -1; dx <= 1; dx++ {
					nx, ny := kx+dx, ky+dy
					if nx < 0 || ny < 0 || nx >= w || ny >= w {
						continue
					}
					if q := ny*w + nx; grid[q] == 2 {
						grid[q] = 3
						stack = append(stack, q)
					}
				}
			}
		}
		ext := math.Hypot(float64(maxX-minX+1), float64(maxY-minY+1)) * mmPerPx
		out.longMM = math.Max(out.longMM, ext)
	}
	return out
}
