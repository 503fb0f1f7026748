package validation

import (
	"image"
	"math"
	"math/rand/v2"

	"tarazy/omr"
)

// Paper and printing: what the sheet looks like before the scanner sees it.

// printPlan is how the sheet was printed.
type printPlan struct {
	scale     float64 // 1 at actual size; 0.94–0.97 printed "fit to page"
	off       pt      // where the scaled page's top-left corner lands, mm
	margin    float64 // the printer prints nothing this close to the paper's edge, mm
	density   float32 // toner strength, 1 for a good cartridge
	banding   float32 // strength of streaks along the paper path (faded toner)
	photocopy bool    // the blank form was photocopied before the contest
}

func actualSize() printPlan { return printPlan{scale: 1, density: 1, margin: 4} }

// paperPlan is the sheet of paper itself.
type paperPlan struct {
	tone     rgb
	texture  float32 // amplitude of the paper's cloudiness
	specks   int     // inclusions and fibres of recycled paper
	defects  []defect
	backSide bool // nothing is printed: the back of a sheet
}

// defect changes the paper after it was printed and filled: coffee, tape, a fold…
type defect func(r *rand.Rand, c *canvas, f *field, g printGeo)

func whitePaper(r *rand.Rand) paperPlan {
	v := float32(uni(r, 0.9, 0.97))
	return paperPlan{tone: rgb{v, v * float32(uni(r, 0.99, 1.01)), v * float32(uni(r, 0.97, 1.01))}, texture: 0.02, specks: 30}
}

func recycledPaper(r *rand.Rand) paperPlan {
	v := float32(uni(r, 0.76, 0.87))
	return paperPlan{tone: rgb{v, v * float32(uni(r, 0.97, 1.0)), v * float32(uni(r, 0.88, 0.96))}, texture: float32(uni(r, 0.04, 0.08)), specks: 600 + r.IntN(1200)}
}

// printSheet prints the sheet onto a new paper canvas and returns where the layout
// landed on it.
func printSheet(r *rand.Rand, c *canvas, sh *sheetPlan, pr printPlan) (printGeo, error) {
	dpi := c.pxmm * 25.4 * pr.scale
	g, err := sh.printed(dpi)
	if err != nil {
		return printGeo{}, err
	}
	if pr.photocopy {
		photocopy(r, g, c.pxmm*pr.scale)
	}
	ox, oy := int(math.Round(pr.off.x*c.pxmm)), int(math.Round(pr.off.y*c.pxmm))
	geo := printGeo{l: sh.l, scale: pr.scale, off: pt{float64(ox) / c.pxmm, float64(oy) / c.pxmm}}
	m := int(pr.margin * c.pxmm)
	clip := image.Rect(m, m, c.w-m, c.h-m) // the printer cannot reach the paper's edge
	bandSeed := r.Uint64()
	period, phase := uni(r, 8, 30)*c.pxmm, uni(r, 0, 2*math.Pi)
	cols := make([]float32, c.w)
	for x := range cols {
		b := 1 + pr.banding*(0.6*float32(math.Sin(2*math.Pi*float64(x)/period+phase))+0.8*(vnoise(bandSeed, float64(x)/c.pxmm/4, 0)-0.5))
		cols[x] = clamp01(pr.density * b)
	}
	c.printRaster(g, ox, oy, clip, rgb{0.04, 0.04, 0.05}, func(px int) float32 { return cols[px] })
	return geo, nil
}

// photocopy turns the rendered blank into a photocopy of it: blurred, with a harsher
// tone curve, a grey haze, toner dust and the shadow of the original's edge.
func photocopy(r *rand.Rand, g *image.Gray, pxmm float64) {
	blurGray(g, 1+r.IntN(2))
	b, w, gam := uni(r, 0.04, 0.18), uni(r, 0.82, 0.95), uni(r, 0.8, 1.3)
	haze := uni(r, 0.02, 0.07)
	var lut [256]uint8
	for v := range lut {
		x := clampf((float64(v)/255-b)/(w-b), 0, 1)
		x = math.Pow(x, gam) * (1 - haze)
		lut[v] = uint8(math.Round(x * 255))
	}
	for i, v := range g.Pix {
		g.Pix[i] = lut[v]
	}
	wd, ht := g.Rect.Dx(), g.Rect.Dy()
	// Toner dust: a few hundred specks of 0.1–0.25 mm.
	for i, n := 0, 200+r.IntN(500); i < n; i++ {
		cx, cy := r.Float64()*float64(wd), r.Float64()*float64(ht)
		rad := uni(r, 0.05, 0.12) * pxmm
		dark := uint8(uni(r, 40, 160))
		for y := int(cy - rad - 1); y <= int(cy+rad+1); y++ {
			for x := int(cx - rad - 1); x <= int(cx+rad+1); x++ {
				if x < 0 || y < 0 || x >= wd || y >= ht || math.Hypot(float64(x)-cx, float64(y)-cy) > rad {
					continue
				}
				if p := &g.Pix[y*g.Stride+x]; *p > dark {
					*p = dark
				}
			}
		}
	}
	// The original's edge on the copier glass: a grey band along one or two edges.
	for e := 0; e < 1+r.IntN(2); e++ {
		side := r.IntN(4)
		band := int(uni(r, 1, 3.5) * pxmm)
		dark := uni(r, 60, 160)
		for y := 0; y < ht; y++ {
			for x := 0; x < wd; x++ {
				var d int
				switch side {
				case 0:
					d = y
				case 1:
					d = wd - 1 - x
				case 2:
					d = ht - 1 - y
				default:
					d = x
				}
				if d >= band {
					continue
				}
				v := uint8(dark + (255-dark)*float64(d)/float64(band)*0.6)
				if p := &g.Pix[y*g.Stride+x]; *p > v {
					*p = v
				}
			}
		}
	}
}

// blurGray is a [1 2 1]/4 blur in both directions, passes times.
func blurGray(g *image.Gray, passes int) {
	w, h := g.Rect.Dx(), g.Rect.Dy()
	tmp := make([]uint8, w)
	for p := 0; p < passes; p++ {
		for y := 0; y < h; y++ {
			row := g.Pix[y*g.Stride : y*g.Stride+w]
			copy(tmp, row)
			for x := 1; x < w-1; x++ {
				row[x] = uint8((int(tmp[x-1]) + 2*int(tmp[x]) + int(tmp[x+1]) + 2) / 4)
			}
		}
		col := make([]uint8, h)
		for x := 0; x < w; x++ {
			for y := 0; y < h; y++ {
				col[y] = g.Pix[y*g.Stride+x]
			}
			for y := 1; y < h-1; y++ {
				g.Pix[y*g.Stride+x] = uint8((int(col[y-1]) + 2*int(col[y]) + int(col[y+1]) + 2) / 4)
			}
		}
	}
}

// paperField is the paper's own tone and cloudiness as a multiplier.
func paperField(r *rand.Rand, f *field, pp paperPlan) {
	seed := r.Uint64()
	f.mul(func(x, y float64) rgb {
		n := (fbm(seed, x/4, y/4, 3) - 0.5) * 2 * pp.texture
		return rgb{pp.tone[0] * (1 + n), pp.tone[1] * (1 + n), pp.tone[2] * (1 + n)}
	})
}

// specks are the inclusions and short fibres of the paper.
func specks(r *rand.Rand, c *canvas, n int) {
	for i := 0; i < n; i++ {
		p := pt{r.Float64() * omr.PageW, r.Float64() * omr.PageH}
		dark := float32(uni(r, 0.15, 0.55))
		if chance(r, 0.7) {
			b := blob{c: p, r: uni(r, 0.03, 0.1), amp: [3]float64{0.2, 0.1, 0}}
			m := b.maxR() + 0.1
			c.ink(p.x-m, p.y-m, p.x+m, p.y+m, rgb{0.35, 0.32, 0.3}, func(x, y float64) float32 {
				return edge(b.inside(pt{x, y}), 1/c.pxmm) * dark
			})
			continue
		}
		a := uni(r, 0, math.Pi)
		l := uni(r, 0.4, 1.8)
		s := stroke{pts: []pt{p, p.add(polar(l/2, a)).add(polar(0.15, a+1.2)), p.add(polar(l, a))}, w: uni(r, 0.025, 0.06)}
		b := s.bounds()
		cov := strokesCover([]stroke{s}, 1/c.pxmm)
		c.ink(b[0], b[1], b[2], b[3], rgb{0.4, 0.38, 0.35}, func(x, y float64) float32 { return cov(x, y) * dark * 0.6 })
	}
}

// Defects. Each stays off the truth: none of them covers a bubble the way a mark does.

// crease is a fold across the sheet: a thin dark line and a band of shade on one side.
func crease(r *rand.Rand, c *canvas, f *field, g printGeo) {
	var a, b pt
	switch r.IntN(3) {
	case 0: // letter fold into thirds
		y := pick(r, 99.0, 198.0) + uni(r, -12, 12)
		a, b = pt{0, y + uni(r, -4, 4)}, pt{omr.PageW, y + uni(r, -4, 4)}
	case 1: // folded in half
		y := 148.5 + uni(r, -15, 15)
		a, b = pt{0, y + uni(r, -4, 4)}, pt{omr.PageW, y + uni(r, -4, 4)}
	default: // a corner dog-ear flattened, or a diagonal crumple
		a, b = pt{uni(r, 20, 120), 0}, pt{uni(r, 80, 200), omr.PageH}
	}
	n := pt{-(b.y - a.y), b.x - a.x}.scale(1 / dist(a, b))
	side := func(p pt) float64 { return (p.x-a.x)*n.x + (p.y-a.y)*n.y }
	shade, width := float32(uni(r, 0.06, 0.16)), uni(r, 2, 7)
	lift := float32(uni(r, 0, 0.03))
	f.mul(func(x, y float64) rgb {
		d := side(pt{x, y})
		if d > 0 {
			return grey(1 - shade*float32(math.Exp(-d/width)))
		}
		return grey(1 + lift*float32(math.Exp(d/width)))
	})
	// The crease itself: a broken dark line where the fibres cracked.
	seed := r.Uint64()
	lw, dark := uni(r, 0.12, 0.3), float32(uni(r, 0.12, 0.35))
	minX, maxX := math.Min(a.x, b.x)-1, math.Max(a.x, b.x)+1
	minY, maxY := math.Min(a.y, b.y)-1, math.Max(a.y, b.y)+1
	c.ink(minX, minY, maxX, maxY, rgb{0.5, 0.5, 0.5}, func(x, y float64) float32 {
		d := math.Abs(side(pt{x, y}))
		if d > lw {
			return 0
		}
		along := x*(-n.y) + y*n.x
		return dark * edge(lw/2-d, 1/c.pxmm) * smoothstep(0.3, 0.6, vnoise(seed, along/3, 0))
	})
}

// coffee is a cup's ring: a dark rim where the liquid dried, a faint tint inside, often
// over the answers.
func coffee(r *rand.Rand, c *canvas, f *field, g printGeo) {
	anchor := g.bubble(r.IntN(len(g.l.Bubbles)))
	ctr := anchor.add(polar(uni(r, 0, 30), uni(r, 0, 2*math.Pi)))
	rad := uni(r, 25, 42)
	rim := uni(r, 0.6, 1.8)
	dark, tint := float32(uni(r, 0.15, 0.4)), float32(uni(r, 0.02, 0.08))
	gapA, gapW := uni(r, 0, 2*math.Pi), uni(r, 0, 2.5)
	seed := r.Uint64()
	brown := rgb{0.55, 0.38, 0.22}
	e := rad + 2
	c.ink(ctr.x-e, ctr.y-e, ctr.x+e, ctr.y+e, brown, func(x, y float64) float32 {
		dx, dy := x-ctr.x, y-ctr.y
		d := math.Hypot(dx, dy)
		if d > e {
			return 0
		}
		a := math.Atan2(dy, dx)
		wob := rad * (1 + 0.02*math.Sin(3*a+gapA))
		// The rim fades out over part of the circle, as rings do.
		da := math.Abs(math.Remainder(a-gapA, 2*math.Pi))
		strength := float32(clampf(da/math.Max(gapW, 0.01), 0, 1))
		var v float32
		if d < wob {
			v = tint * (0.7 + 0.6*vnoise(seed, x/6, y/6))
		}
		in := d - (wob - rim)
		if in > -rim && in < rim*1.5 {
			// Sharp outer edge, soft inner one.
			prof := float32(math.Exp(-in * in / (rim * rim)))
			if in > 0 {
				prof = float32(clampf(1-in/(rim*0.5), 0, 1))
			}
			v += dark * prof * strength
		}
		return v
	})
}

// stain is a dried spill: an irregular blot with a darker edge.
func stain(r *rand.Rand, c *canvas, f *field, g printGeo) {
	anchor := g.bubble(r.IntN(len(g.l.Bubbles)))
	ctr := anchor.add(polar(uni(r, 0, 10), uni(r, 0, 2*math.Pi)))
	rad := uni(r, 6, 16)
	seed := r.Uint64()
	col := pick(r, rgb{0.55, 0.38, 0.22}, rgb{0.6, 0.55, 0.3}, rgb{0.5, 0.5, 0.6})
	tint, rimDark := float32(uni(r, 0.05, 0.15)), float32(uni(r, 0.1, 0.25))
	e := rad * 1.6
	c.ink(ctr.x-e, ctr.y-e, ctr.x+e, ctr.y+e, col, func(x, y float64) float32 {
		d := math.Hypot(x-ctr.x, y-ctr.y) / rad
		shape := float32(d) - 0.7*fbm(seed, x/5, y/5, 3)
		if shape > 0.75 {
			return 0
		}
		v := tint
		if shape > 0.6 {
			v += rimDark * (shape - 0.6) / 0.15
		}
		return v
	})
}

// tape is a strip of clear adhesive tape: slightly darker and yellower, with edges that
// catch the scanner's light as thin dark lines.
func tape(r *rand.Rand, c *canvas, f *field, g printGeo) {
	anchor := g.bubble(r.IntN(len(g.l.Bubbles)))
	ang := uni(r, -0.5, 0.5)
	if chance(r, 0.5) {
		ang += math.Pi / 2
	}
	width := pick(r, 12.0, 19.0)
	length := uni(r, 40, 120)
	dir := polar(1, ang)
	n := pt{-dir.y, dir.x}
	dark, edgeDark := float32(uni(r, 0.03, 0.07)), float32(uni(r, 0.3, 0.6))
	lw := uni(r, 0.15, 0.35)
	e := length/2 + width
	c.ink(anchor.x-e, anchor.y-e, anchor.x+e, anchor.y+e, rgb{0.8, 0.75, 0.45}, func(x, y float64) float32 {
		p := pt{x - anchor.x, y - anchor.y}
		u := p.x*dir.x + p.y*dir.y
		v := p.x*n.x + p.y*n.y
		if math.Abs(u) > length/2 || math.Abs(v) > width/2+lw {
			return 0
		}
		a := float32(0)
		if math.Abs(v) <= width/2 {
			a = dark
		}
		if d := math.Abs(math.Abs(v) - width/2); d < lw {
			a += edgeDark * edge(lw/2-d, 1/c.pxmm)
		}
		if d := length/2 - math.Abs(u); d < lw {
			a += edgeDark * 0.7 * edge(lw/2-d, 1/c.pxmm)
		}
		return a
	})
}

// staple is the crown of a staple in the top-left corner, kept clear of the corner
// square.
func staple(r *rand.Rand, c *canvas, f *field, g printGeo) {
	mid := pt{uni(r, 5, 8), uni(r, 5, 8)}
	ang := uni(r, -math.Pi/4-0.3, -math.Pi/4+0.3)
	half := uni(r, 4, 6)
	d := polar(half, ang)
	a, b := mid.add(d.scale(-1)), mid.add(d)
	s := stroke{pts: []pt{a, b}, w: uni(r, 0.6, 0.9)}
	bb := s.bounds()
	cov := strokesCover([]stroke{s}, 1/c.pxmm)
	c.cover(bb[0], bb[1], bb[2], bb[3], grey(float32(uni(r, 0.3, 0.5))), cov)
	hl := stroke{pts: []pt{a.add(pt{0.1, -0.1}), b.add(pt{0.1, -0.1})}, w: 0.15}
	hcov := strokesCover([]stroke{hl}, 1/c.pxmm)
	c.cover(bb[0], bb[1], bb[2], bb[3], grey(0.85), func(x, y float64) float32 { return hcov(x, y) * 0.6 })
}

// punchHoles are two ring-binder holes in the left margin, showing the scanner's lid.
func punchHoles(r *rand.Rand, c *canvas, f *field, g printGeo) {
	lid := pick(r, grey(0.06), grey(0.95), grey(0.55))
	x := uni(r, 9, 12)
	sp := pick(r, 80.0, 70.0)
	rad := uni(r, 2.6, 3.0)
	for _, y := range []float64{148.5 - sp/2, 148.5 + sp/2} {
		ctr := pt{x, y + uni(r, -2, 2)}
		c.cover(ctr.x-rad-1, ctr.y-rad-1, ctr.x+rad+1, ctr.y+rad+1, lid, func(x, y float64) float32 {
			return edge(rad-dist(pt{x, y}, ctr), 1/c.pxmm)
		})
	}
}

// tornCorner tears a corner away; the tear stays clear of the corner square.
func tornCorner(bg rgb) defect {
	return func(r *rand.Rand, c *canvas, f *field, g printGeo) {
		corner := r.IntN(4)
		la, lb := uni(r, 6, 11), uni(r, 6, 11)
		seed := r.Uint64()
		ox, oy := 0.0, 0.0
		sx, sy := 1.0, 1.0
		if corner == 1 || corner == 2 {
			ox, sx = omr.PageW, -1
		}
		if corner >= 2 {
			oy, sy = omr.PageH, -1
		}
		e := math.Max(la, lb) + 2
		x0, x1 := math.Min(ox, ox+sx*e), math.Max(ox, ox+sx*e)
		y0, y1 := math.Min(oy, oy+sy*e), math.Max(oy, oy+sy*e)
		c.cover(x0, y0, x1, y1, bg, func(x, y float64) float32 {
			u, v := (x-ox)*sx, (y-oy)*sy
			jag := 0.6 * (vnoise(seed, (u-v)/0.8, 0) - 0.5)
			return edge(1-u/la-v/lb+float64(jag)/la, 1/c.pxmm*0.3)
		})
	}
}

// thumbs are the fingers holding a sheet up to a phone, over the mid-edge squares.
func thumbs(r *rand.Rand, c *canvas, f *field, g printGeo) {
	skin := rgb{float32(uni(r, 0.75, 0.9)), float32(uni(r, 0.55, 0.68)), float32(uni(r, 0.45, 0.58))}
	for _, m := range g.l.Mids {
		ctr := g.at(m.C.X, m.C.Y)
		if ctr.x < omr.PageW/2 {
			ctr.x = uni(r, 2, 6)
		} else {
			ctr.x = omr.PageW - uni(r, 2, 6)
		}
		ctr.y += uni(r, -3, 3)
		ax, ay := uni(r, 16, 19), uni(r, 9, 12)
		seed := r.Uint64()
		c.cover(ctr.x-ax-1, ctr.y-ay-1, ctr.x+ax+1, ctr.y+ay+1, skin, func(x, y float64) float32 {
			dx, dy := (x-ctr.x)/ax, (y-ctr.y)/ay
			q := 1 - math.Sqrt(dx*dx+dy*dy)
			return edge(q*ay, 0.8) * (0.92 + 0.08*vnoise(seed, x/3, y/3))
		})
		// The finger's shadow on the paper beside it.
		c.ink(ctr.x-ax-4, ctr.y-ay-4, ctr.x+ax+4, ctr.y+ay+4, grey(0.3), func(x, y float64) float32 {
			dx, dy := (x-ctr.x)/(ax+2.5), (y-ctr.y-1.5)/(ay+2.5)
			q := 1 - math.Sqrt(dx*dx+dy*dy)
			return 0.35 * smoothstep(0, 0.15, float32(q))
		})
	}
}

// hideStrip makes the code strip unreadable: glare on glossy paper, or a shadow and a
// smudge across it. The corner squares beside it stay visible.
func hideStrip(r *rand.Rand, c *canvas, f *field, g printGeo) {
	var x0, x1, y float64 = 1e9, -1e9, 0
	for _, s := range g.l.Strip {
		a, b := g.at(s.X, s.Y), g.at(s.X+s.W, s.Y+s.H)
		x0, x1, y = math.Min(x0, a.x), math.Max(x1, b.x), (a.y+b.y)/2
	}
	ctr := pt{(x0 + x1) / 2, y}
	ax, ay := (x1-x0)/2+uni(r, 3, 8), uni(r, 4, 5.5)
	seed := r.Uint64()
	if chance(r, 0.5) {
		c.cover(ctr.x-ax, ctr.y-ay, ctr.x+ax, ctr.y+ay, grey(0.97), func(x, y float64) float32 {
			dx, dy := (x-ctr.x)/ax, (y-ctr.y)/ay
			return smoothstep(0, 0.35, float32(1-dx*dx-dy*dy)) * 0.97
		})
		return
	}
	c.ink(ctr.x-ax, ctr.y-ay, ctr.x+ax, ctr.y+ay, rgb{0.25, 0.22, 0.2}, func(x, y float64) float32 {
		dx, dy := (x-ctr.x)/ax, (y-ctr.y)/ay
		return smoothstep(0, 0.3, float32(1-dx*dx-dy*dy)) * (0.75 + 0.25*vnoise(seed, x/2, y/2))
	})
}

// showThrough is the back side of a duplex sheet seen through the paper: another
// candidate's marks and the back's printing, mirrored, blurred and faint.
func showThrough(strength float64) defect {
	return func(r *rand.Rand, c *canvas, f *field, g printGeo) {
		back := backSide(r, g)
		k := float32(strength * uni(r, 0.7, 1.3))
		f.mul(func(x, y float64) rgb {
			return grey(1 - k*(1-back(omr.PageW-x, y)))
		})
	}
}

// backSide is a coarse picture of what is on the other side of the sheet (reflectance
// at a point, mm): another filled sheet (a stack printed on both sides) or the
// candidate's rough work in pencil.
func backSide(r *rand.Rand, g printGeo) func(x, y float64) float32 {
	const pxmm = 2.0
	c := newCanvas(omr.PageW, omr.PageH, pxmm, 1, grey(1))
	if chance(r, 0.5) {
		if gimg, err := omr.Render(g.l, omr.SheetInfo{}, pxmm*25.4); err == nil {
			c.printRaster(gimg, 0, 0, image.Rect(0, 0, c.w, c.h), grey(0.05), func(int) float32 { return 1 })
		}
		h := newHand(r, pencil, false)
		for _, fd := range g.l.Fields {
			if chance(r, 0.1) {
				continue
			}
			b := g.l.Bubbles[fd.Bubbles[r.IntN(len(fd.Bubbles))]]
			h.shadedDisc(r, c, pt{b.X, b.Y}, b.R, 1)
		}
	} else {
		h := newHand(r, pick(r, pencil, ballpoint), false)
		h.w = 0.6 // at 2 px/mm a thinner stroke would vanish
		for y := uni(r, 20, 60); y < uni(r, 150, 280); y += uni(r, 7, 11) {
			x0 := uni(r, 10, 60)
			h.writeLine(r, c, x0, x0+uni(r, 40, 150), y, 3)
		}
	}
	// Light spreads in the paper: a blur of about half a millimetre.
	w, h := c.w, c.h
	pix := c.pl[0]
	blurred := make([]float32, len(pix))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			var s, n float32
			for dy := -1; dy <= 1; dy++ {
				for dx := -1; dx <= 1; dx++ {
					xx, yy := x+dx, y+dy
					if xx >= 0 && yy >= 0 && xx < w && yy < h {
						s += pix[yy*w+xx]
						n++
					}
				}
			}
			blurred[y*w+x] = s / n
		}
	}
	return func(x, y float64) float32 {
		ix, iy := int(x*pxmm), int(y*pxmm)
		if ix < 0 || iy < 0 || ix >= w || iy >= h {
			return 1
		}
		return blurred[iy*w+ix]
	}
}
