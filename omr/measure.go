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
//   - the printed ring, looked for along 16 rays, which proves the bubble is printed and
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
	rays = 16
	// Radii of the ring search (share of the radius): the outline is looked for between
	// ringIn and ringOut, against the paper at ringInside and ringOutside. Between them
	// a page up to 0.4 mm off still finds every ring.
	ringInside  = 0.62
	ringIn      = 0.82
	ringOut     = 1.18
	ringOutside = 1.38
	// The edge: a band just inside the outline and an annulus just outside it, sampled
	// densely; its median is the paper white, its ink a mark across the bubble's edge.
	edgeRays = 32
	// Neighbours' outlines are kept out of the rays by this margin (mm), and their fills,
	// which overflow the outline by up to a millimetre, out of the edge samples.
	neighbourMargin = 0.45
	overflowMargin  = 1.0
)

// edgeLevels are the darknesses (share of white) edge ink is counted at: the decision
// takes the one that suits the candidate's pen or pencil.
var edgeLevels = [...]float64{0.3, 0.35, 0.4, 0.45, 0.5}

// aroundAt is the count of edge ink samples at the edge level nearest to level.
func (m *meas) aroundAt(level float64) int {
	k := 0
	for i, lv := range edgeLevels {
		if math.Abs(lv-level) < math.Abs(edgeLevels[k]-level) {
			k = i
		}
	}
	return m.around[k]
}

// outlineAt is the count of the outline window's ink samples at the level nearest to
// level.
func (m *meas) outlineAt(level float64) int {
	k := 0
	for i, lv := range edgeLevels {
		if math.Abs(lv-level) < math.Abs(edgeLevels[k]-level) {
			k = i
		}
	}
	return m.outline[k]
}

// Radii of the edge samples (share of the radius): two just inside the outline, five
// outside it. The outline itself (0.85–1.15) is left out.
var (
	edgeInside  = []float64{0.75, 0.8}
	edgeOutside = []float64{1.17, 1.28, 1.39, 1.5}
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
			if j != i && math.Hypot(o.X-b.X, o.Y-b.Y) < 2.6*b.R+overflowMargin {
				near = append(near, o)
			}
		}
		free := func(p Pt, margin float64) bool { // p relative to b's centre
			for _, o := range near {
				if math.Hypot(b.X+p.X-o.X, b.Y+p.Y-o.Y) < o.R+margin {
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
			if free(ray[6], neighbourMargin) {
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
				if p := (Pt{dir.X * s * b.R, dir.Y * s * b.R}); free(p, overflowMargin) {
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
	// around counts the edge's samples (the outline left out) at least as dark as each
	// of edgeLevels: ink across the bubble's edge, at the candidate's ink.
	around [len(edgeLevels)]int
	// outline counts the samples in the outline's window at each level: the printed
	// outline, and whatever is drawn on it.
	outline [len(edgeLevels)]int
	rawDark float64 // inner darkness before the page's blank level is taken off
	// p90 is the darkness (share of white) that a tenth of the inner disc reaches: the
	// darkness of whatever instrument made the mark, pen, pencil or eraser's smear,
	// however much of the disc it covers.
	p90 float64
}

// local maps millimetre offsets around a sheet point to working pixels, linearly: over
// a bubble the homography is flat.
type local struct {
	s              *scan
	cx, cy         float64
	j0, j1, j2, j3 float64
}

func (s *scan) local(c Pt) local {
	p := s.hmm.apply(c)
	j := s.hmm.jacobian(c)
	return local{s, p.X, p.Y, j[0], j[1], j[2], j[3]}
}

// at is the grey level at an offset d (mm) from the centre.
func (lc *local) at(d Pt) (int, bool) {
	x := lc.cx + lc.j0*d.X + lc.j1*d.Y
	y := lc.cy + lc.j2*d.X + lc.j3*d.Y
	if x < 0 || y < 0 {
		return 0, false
	}
	ix, iy := int(x), int(y)
	if ix >= lc.s.w || iy >= lc.s.h {
		return 0, false
	}
	return int(lc.s.pix[iy*lc.s.w+ix]), true
}

// measure samples every bubble of the layout through the homography (the page is never
// warped as a whole) and normalises by the page's own blank level.
func (s *scan) measure(l *Layout) []meas {
	gs := layoutGeoms(l)
	out := make([]meas, len(l.Bubbles))
	var hist [256]uint16
	for i, b := range l.Bubbles {
		c := Pt{b.X, b.Y}
		lc := s.local(c)
		// Paper white: the median of the edge outside the outline.
		hist = [256]uint16{}
		n := 0
		for _, d := range gs[i].outside {
			if v, ok := lc.at(d); ok {
				hist[v]++
				n++
			}
		}
		white := s.white(Pt{lc.cx, lc.cy})
		if n >= 8 {
			acc := 0
			for v := range hist {
				if acc += int(hist[v]); 2*acc >= n {
					white = math.Max(40, float64(v))
					break
				}
			}
		}
		m := meas{white: white}
		// Edge ink at each level: the outside samples from their histogram, then the
		// samples just inside the outline and the rays' excess over the outline.
		var cut [len(edgeLevels)]int
		for k, lv := range edgeLevels {
			cut[k] = int((1 - lv) * white)
		}
		var ink [len(edgeLevels)]int
		acc := 0
		for v, k := 0, len(edgeLevels)-1; k >= 0 && v < 256; v++ {
			for k >= 0 && v > cut[k] {
				ink[k] = acc
				k--
			}
			acc += int(hist[v])
		}
		for _, d := range gs[i].inside {
			if v, ok := lc.at(d); ok {
				n++
				for k := range cut {
					if v <= cut[k] {
						ink[k]++
					}
				}
			}
		}
		var rayInk [len(edgeLevels)]int
		var raySamples int
		m.ring, rayInk, m.outline, raySamples = s.ringFound(&lc, gs[i].ringRays, white, cut)
		_ = raySamples
		for k := range edgeLevels {
			m.around[k] = ink[k] + rayInk[k]
		}
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

// ringFound looks along the rays for the printed outline: a sample between ringIn and
// ringOut clearly darker than the paper inside and outside it. It returns the share of
// rays on which the outline shows, and the ink in the outline's window beyond what a
// printed outline holds, blurred (three samples): a stroke running along the edge; and
// all the ink in the outline's window, which a loop drawn on the outline thickens.
func (s *scan) ringFound(lc *local, rays [][7]Pt, white float64, cut [len(edgeLevels)]int) (found float64, ink, outline [len(edgeLevels)]int, samples int) {
	if len(rays) == 0 {
		return 1, ink, outline, 0
	}
	n := 0
	contrast := int(0.12 * white)
	for _, r := range rays {
		var v [7]int
		ok := true
		for k := range r {
			if v[k], ok = lc.at(r[k]); !ok {
				break
			}
		}
		if !ok {
			continue
		}
		line := v[1]
		var window [len(edgeLevels)]int
		for _, x := range v[1:6] {
			line = min(line, x)
			for k := range cut {
				if x <= cut[k] {
					window[k]++
				}
			}
		}
		for k := range window {
			ink[k] += max(0, window[k]-3)
			outline[k] += window[k]
		}
		samples += 5
		if min(v[0], v[6])-line > contrast {
			n++
		}
	}
	return float64(n) / float64(len(rays)), ink, outline, samples
}

// bubble measures the inner disc of radius r (mm) around c against the paper white.
func (s *scan) bubble(c Pt, r, white float64) (calibration.Sample, float64) {
	inkLevel := int(inkShare * white)
	greyLevel := int(0.9 * white)
	var hist [256]int32
	var sum, n, ink, grey int
	s.disc(c, r, func(x0, x1, y int) {
		row := s.pix[y*s.w+x0 : y*s.w+x1]
		for _, v8 := range row {
			v := int(v8)
			hist[v]++
			sum += v
			if v < inkLevel {
				ink++
			}
			if v < greyLevel {
				grey++
			}
		}
		n += x1 - x0
	})
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

// disc calls span for each row of working pixels whose centres lie inside the disc of
// radius r (mm) around c, as the half-open run [x0, x1) on row y. Over a bubble the
// homography is affine, so the disc is an ellipse and each row's run is solved for,
// not searched pixel by pixel.
func (s *scan) disc(c Pt, r float64, span func(x0, x1, y int)) {
	p := s.hmm.apply(c)
	j := s.hmm.jacobian(c)
	det := j[0]*j[3] - j[1]*j[2]
	if det == 0 {
		return
	}
	// Pixel offset d maps to mm by J⁻¹; |J⁻¹ d|² ≤ r² is the quadratic form dᵀ Q d ≤ 1.
	i0, i1, i2, i3 := j[3]/det, -j[1]/det, -j[2]/det, j[0]/det
	qa := (i0*i0 + i2*i2) / (r * r) // dx²
	qb := (i0*i1 + i2*i3) / (r * r) // dx·dy (half the cross term)
	qc := (i1*i1 + i3*i3) / (r * r) // dy²
	ext := r * math.Max(math.Hypot(j[0], j[2]), math.Hypot(j[1], j[3]))
	for y := max(0, int(p.Y-ext)); y <= min(s.h-1, int(p.Y+ext)+1); y++ {
		dy := float64(y) + 0.5 - p.Y
		// qa·dx² + 2·qb·dy·dx + qc·dy² − 1 ≤ 0
		b, cc := 2*qb*dy, qc*dy*dy-1
		disc := b*b - 4*qa*cc
		if disc < 0 {
			continue
		}
		sq := math.Sqrt(disc)
		lo, hi := (-b-sq)/(2*qa), (-b+sq)/(2*qa)
		// Pixel centres x+0.5 with p.X+lo ≤ x+0.5 ≤ p.X+hi.
		x0 := max(0, int(math.Ceil(p.X+lo-0.5)))
		x1 := min(s.w, int(math.Floor(p.X+hi-0.5))+1)
		if x1 > x0 {
			span(x0, x1, y)
		}
	}
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
	// A grid over the disc's bounding box: 0 outside, 1 paper, 2 ink.
	p := s.hmm.apply(c)
	j := s.hmm.jacobian(c)
	ext := r * math.Max(math.Hypot(j[0], j[2]), math.Hypot(j[1], j[3]))
	x0, y0 := int(p.X-ext)-1, int(p.Y-ext)-1
	w := int(2*ext) + 4
	grid := make([]int8, w*w)
	cut := uint8(math.Max(0, math.Min(255, (1-level)*white)))
	n, ink := 0, 0
	s.disc(c, r, func(a, b, y int) {
		gy := y - y0
		if gy < 0 || gy >= w {
			return
		}
		for x := a; x < b; x++ {
			gx := x - x0
			if gx < 0 || gx >= w {
				continue
			}
			n++
			g := int8(1)
			if s.pix[y*s.w+x] <= cut {
				g = 2
				ink++
			}
			grid[gy*w+gx] = g
		}
	})
	if n == 0 {
		return strokes{}
	}
	out := strokes{share: float64(ink) / float64(n)}
	if ink == 0 {
		return out
	}
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

// A field's census: points on a half-millimetre grid over the field's row (or column),
// between and around its bubbles, where nothing is printed. Ink there that no mark
// explains is something drawn on the field that the bubbles do not show: a loop
// around an answer, a large tick between two bubbles, a note.
const (
	censusStep = 0.5
	// Points within censusMarkR radii of a marked bubble are its fill's overflow.
	censusMarkR = 1.7
)

type censusPoint struct {
	p    Pt
	near []int // bubbles within censusMarkR radii
}

var censuses sync.Map // *Layout → [][]censusPoint, per field

func layoutCensus(l *Layout) [][]censusPoint {
	if c, ok := censuses.Load(l); ok {
		return c.([][]censusPoint)
	}
	out := make([][]censusPoint, len(l.Fields))
	for fi, fd := range l.Fields {
		first := l.Bubbles[fd.Bubbles[0]]
		r := fd.Box
		switch fd.Kind {
		case KindQuestion:
			// The question's number is printed left of its first bubble.
			left := first.X - 1.6*first.R
			r = Rect{left, r.Y, r.X + r.W - left, r.H}
		default:
			// The IIN's handwriting boxes and the variant's label are above the bubbles.
			top := first.Y - 1.6*first.R
			r = Rect{r.X, top, r.W, r.Y + r.H - top}
		}
		for y := r.Y + censusStep/2; y < r.Y+r.H; y += censusStep {
			for x := r.X + censusStep/2; x < r.X+r.W; x += censusStep {
				p := Pt{x, y}
				keep := true
				var near []int
				for bi, b := range l.Bubbles {
					d := math.Hypot(x-b.X, y-b.Y) / b.R
					switch {
					case d < 0.8 || (d > 0.8 && d < 1.2):
						// Inside the measured disc, or on the printed outline.
						keep = false
					case d < censusMarkR:
						near = append(near, bi)
					}
					if !keep {
						break
					}
				}
				if keep {
					out[fi] = append(out[fi], censusPoint{p, near})
				}
			}
		}
	}
	actual, _ := censuses.LoadOrStore(l, out)
	return actual.([][]censusPoint)
}

// census counts the field's points that are ink at level (darkness, share of the paper
// white around the nearest bubble), leaving out the overflow of marked bubbles.
func (s *scan) census(l *Layout, field int, ms []meas, marked func(bi int) bool, level float64) int {
	fd := l.Fields[field]
	white := ms[fd.Bubbles[0]].white
	cut := int((1 - level) * white)
	n := 0
	for _, cp := range layoutCensus(l)[field] {
		skip := false
		for _, bi := range cp.near {
			if marked(bi) {
				skip = true
				break
			}
		}
		if skip {
			continue
		}
		q := s.hmm.apply(cp.p)
		if v, ok := s.at(int(q.X), int(q.Y)); ok && int(v) <= cut {
			n++
		}
	}
	return n
}
