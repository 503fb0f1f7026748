// Package synth makes realistic scans of filled-in answer sheets with known truth: it
// renders a sheet from the shared geometry, fills it the ways candidates do and degrades
// it the ways scanners do, all from a fixed seed. It is the corpus behind the accuracy
// test, `make accuracy`, the benchmarks and the demo.
//
// Frequencies (per sheet unless said otherwise) follow what real stacks look like —
// most marks are clean fills — and are listed in Mix; the README repeats them.
package synth

import (
	"fmt"
	"image"
	"image/color"
	"math"
	"math/rand/v2"
	"strconv"
	"sync"
	"time"

	"gocv.io/x/gocv"

	"tarazy/iin"
	"tarazy/omr"
	"tarazy/omr/form"
)

// Mark kinds, as recorded in Truth.Marks.
const (
	MarkPenFill    = "pen-fill"
	MarkPencilFill = "pencil-fill"
	MarkPartial    = "partial-fill"
	MarkTick       = "tick"
	MarkCross      = "cross"
	MarkLight      = "light"  // a faint mark alone in its row: truly ambiguous
	MarkErased     = "erased" // an erased mark beside the real answer
	MarkErasedOnly = "erased-only"
	MarkDouble     = "double"
	MarkBlank      = "blank"
)

// Degradations, as recorded in Truth.Degradations.
const (
	DegRotate    = "rotate"
	DegSkew      = "skew"
	DegPersp     = "perspective"
	DegUpside    = "upside-down"
	DegQuarter   = "quarter-turn"
	DegBlur      = "blur"
	DegLight     = "uneven-light"
	DegGrey      = "grey-paper"
	DegBleed     = "bleed-through"
	DegDust      = "dust"
	DegFold      = "folded-corner"
	DegStretch   = "feed-stretch"
	DegStray     = "stray-marks"
	DegLowJPEG   = "jpeg-q<60"
	DegPNG       = "png"
	DegIINError  = "iin-error"
	DegNoVariant = "variant-blank"
)

// Candidate is who fills a sheet and what they answer.
type Candidate struct {
	IIN     string
	Name    string
	Variant int      // 1…form variants; 0 leaves the variant blank
	Answers []string // per question: "" blank, one letter, or several for a deliberate multi-mark
	Serial  int      // printed serial, 0 for a generic sheet
	Contest string
	// Personalised prints the IIN and name in the QR code (a sheet made for this
	// candidate); otherwise the sheet is generic and only the bubbles identify them.
	Personalised bool
}

// Truth is what is really on a generated scan.
type Truth struct {
	Form         string
	Sheet        string            // serial as the reader reports it
	IIN          string            // as bubbled (may be invalid when DegIINError)
	Variant      string            // "" when left blank
	Answers      []string          // what the candidate meant
	Marks        map[string]string // field → mark kind, for fields not a plain fill or blank
	Hard         []string          // fields that are truly ambiguous and must go to review
	Degradations []string
	DPI          int
	Rotation     int // how the sheet was fed, degrees
	JPEGQuality  int // 0 for PNG
}

// Scan is one generated page.
type Scan struct {
	Name  string
	Data  []byte // encoded image (JPEG or PNG)
	Truth Truth
}

// Options tune a generator. The zero value is the realistic mix.
type Options struct {
	// DPI fixes the resolution (0 draws it from the mix).
	DPI int
	// Clean turns every degradation off (still a real raster, still JPEG at quality 90).
	Clean bool
	// Upright never turns the sheet.
	Upright bool
	// PNG encodes as PNG instead of JPEG.
	PNG bool
	// JPEGQuality fixes the quality (0 draws it).
	JPEGQuality int
}

// Generator makes scans. It is safe for concurrent use; every Scan depends only on
// the seed given for it.
type Generator struct {
	opt   Options
	mu    sync.Mutex
	cache map[cacheKey]*image.Gray
}

type cacheKey struct {
	form string
	dpi  int
}

// New returns a generator.
func New(opt Options) *Generator {
	return &Generator{opt: opt, cache: map[cacheKey]*image.Gray{}}
}

func (g *Generator) blank(l *omr.Layout, dpi int) (*image.Gray, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	k := cacheKey{l.Form.ID, dpi}
	if img, ok := g.cache[k]; ok {
		return img, nil
	}
	img, err := omr.Render(l, omr.SheetInfo{}, float64(dpi))
	if err != nil {
		return nil, err
	}
	g.cache[k] = img
	return img, nil
}

// RandomCandidate draws a candidate who answers the way candidates do: most questions
// answered, a few blank, a rare deliberate double mark.
func RandomCandidate(f *form.Form, seed uint64) Candidate {
	rng := rand.New(rand.NewPCG(seed, 0x5EED))
	birth := time.Date(2013+rng.IntN(3), time.Month(1+rng.IntN(12)), 1+rng.IntN(28), 0, 0, 0, 0, time.UTC)
	sex := iin.Male
	if rng.IntN(2) == 0 {
		sex = iin.Female
	}
	id, _ := iin.Make(birth, sex, rng.IntN(9000))
	c := Candidate{IIN: id, Name: names[rng.IntN(len(names))], Variant: 1 + rng.IntN(f.Variants), Contest: "NIS-2026"}
	c.Answers = make([]string, f.Questions())
	for q := range c.Answers {
		switch x := rng.Float64(); {
		case x < 0.07:
		case x < 0.077:
			a, b := rng.IntN(len(f.Options)), rng.IntN(len(f.Options)-1)
			if b >= a {
				b++
			}
			if a > b {
				a, b = b, a
			}
			c.Answers[q] = f.Options[a] + f.Options[b]
		default:
			c.Answers[q] = f.Options[rng.IntN(len(f.Options))]
		}
	}
	if rng.Float64() < 0.5 {
		c.Personalised = true
		c.Serial = 1 + rng.IntN(omr.MaxSerial)
	}
	return c
}

var names = []string{"Әлихан Серікұлы", "Айгерім Нұрланқызы", "Дамир Ержанұлы", "Інжу Қайратқызы", "Мирас Өтегенов", "Жансая Ғабитқызы", "Иван Петров", "Ұлпан Досжанова"}

// style is how one candidate marks, held for the whole sheet.
type style struct {
	pencil   bool
	ink      float64 // grey level of a full mark, 0–255
	coverage float64 // share of the bubble radius a fill covers
	ticker   bool    // marks with ticks and crosses instead of fills
	stroke   float64 // pen stroke width, mm
}

// Generate renders a candidate's sheet, filled and degraded, from seed.
func (g *Generator) Generate(f *form.Form, c Candidate, seed uint64) (Scan, error) {
	rng := rand.New(rand.NewPCG(seed, 0xC0FFEE))
	l, err := omr.NewLayout(f)
	if err != nil {
		return Scan{}, err
	}
	t := Truth{Form: f.ID, Sheet: omr.SerialString(c.Serial), IIN: c.IIN, Answers: append([]string(nil), c.Answers...), Marks: map[string]string{}}
	if c.Variant > 0 {
		t.Variant = strconv.Itoa(c.Variant)
	}
	t.DPI = g.opt.DPI
	if t.DPI == 0 {
		t.DPI = pick(rng, []int{150, 200, 240, 300, 400, 600}, []float64{0.12, 0.2, 0.08, 0.48, 0.1, 0.02})
	}
	dpi := float64(t.DPI)
	base, err := g.blank(l, t.DPI)
	if err != nil {
		return Scan{}, err
	}
	img := image.NewGray(base.Rect)
	copy(img.Pix, base.Pix)
	info := omr.SheetInfo{Contest: c.Contest, Serial: c.Serial}
	if c.Personalised {
		info.IIN, info.Name = c.IIN, c.Name
	}
	if err := omr.Personalise(img, l, info, dpi); err != nil {
		return Scan{}, err
	}
	p := &painter{img: img, s: dpi / 25.4, rng: rng}

	st := style{coverage: 0.85 + 0.3*rng.Float64(), stroke: 0.35 + 0.3*rng.Float64()}
	switch x := rng.Float64(); {
	case x < 0.65:
		st.pencil, st.ink = true, 60+70*rng.Float64()
	case x < 0.95:
		st.ink = 20 + 70*rng.Float64() // black or blue ballpoint in grey
	default:
		st.ticker, st.ink = true, 20+60*rng.Float64()
	}
	clean := g.opt.Clean

	// The candidate's mistakes, all rare: a wrong IIN digit, a forgotten variant.
	bubbledIIN := c.IIN
	if !clean && rng.Float64() < 0.003 {
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
	if !clean && rng.Float64() < 0.003 {
		t.Variant = ""
		t.Degradations = append(t.Degradations, DegNoVariant)
	}
	// IIN and variant: filled like answers (never ticks: the grid invites fills).
	for i := 0; i < 12; i++ {
		fd, _ := l.FieldByName("iin" + strconv.Itoa(i+1))
		b := l.Bubbles[fd.Bubbles[bubbledIIN[i]-'0']]
		p.fill(b, st.ink, st.coverage, st.pencil)
	}
	if t.Variant != "" {
		fd, _ := l.FieldByName("variant")
		p.fill(l.Bubbles[fd.Bubbles[c.Variant-1]], st.ink, st.coverage, st.pencil)
	}

	// Corrections: an erased answer beside the new one.
	corrections := 0
	if !clean {
		for rng.Float64() < 0.45 && corrections < 4 {
			corrections++
		}
	}
	lightDone := false
	for q, ans := range c.Answers {
		name := "q" + strconv.Itoa(q+1)
		fd, _ := l.FieldByName(name)
		if ans == "" {
			if !clean && rng.Float64() < 0.001 {
				// An answer erased and left blank.
				b := l.Bubbles[fd.Bubbles[rng.IntN(len(fd.Bubbles))]]
				p.erased(b, st)
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
		if corrections > 0 && len(ans) == 1 && rng.Float64() < 0.1 {
			corrections--
			k := f.OptionIndex(ans)
			j := (k + 1 + rng.IntN(len(fd.Bubbles)-1)) % len(fd.Bubbles)
			p.erased(l.Bubbles[fd.Bubbles[j]], st)
			if t.Marks[name] == "" {
				t.Marks[name] = MarkErased
			}
		}
	}

	deg := func(name string, prob float64) bool {
		if clean || rng.Float64() >= prob {
			return false
		}
		t.Degradations = append(t.Degradations, name)
		return true
	}
	if deg(DegStray, 0.25) {
		for n := 1 + rng.IntN(3); n > 0; n-- {
			p.stray(l, st)
		}
	}
	if deg(DegBleed, 0.1) {
		// Show-through of what is printed on the back: answer sheets are printed on
		// one side, so it is the back page's print (a text page), never the marks.
		back, err := g.blank(l, t.DPI)
		if err != nil {
			return Scan{}, err
		}
		p.bleed(back, 0.03+0.05*rng.Float64(), rng.IntN(200)-100)
	}
	if deg(DegDust, 0.25) {
		p.dust(5 + rng.IntN(30))
	}
	if deg(DegFold, 0.02) {
		p.fold(rng.IntN(4), 16+8*rng.Float64())
	}
	// A feeder's rollers slip: from some point down the page the paper moves a little
	// faster or slower than the sensor expects. Drawn from its own stream so that
	// adding it left every other draw of the corpus as it was.
	if srng := rand.New(rand.NewPCG(seed, 0x57E7C4)); !clean && srng.Float64() < stretchProb {
		t.Degradations = append(t.Degradations, DegStretch)
		p.stretch(40+200*srng.Float64(), (srng.Float64()*2-1)*0.006)
	}

	// Scanner: place on the bed with rotation, skew and perspective, then optics.
	sc := scanner{rng: rng, dpi: dpi}
	if deg(DegRotate, 0.97) {
		sc.angle = clampf(rng.NormFloat64()*1.5, -5, 5)
		if rng.Float64() < 0.05 {
			sc.angle = -5 + 10*rng.Float64()
		}
	}
	if deg(DegSkew, 0.1) {
		sc.shear = (rng.Float64()*2 - 1) * 0.012
	}
	if deg(DegPersp, 0.1) {
		sc.persp = [2]float64{(rng.Float64()*2 - 1) * 0.00012, (rng.Float64()*2 - 1) * 0.00012}
	}
	if deg(DegBlur, 0.35) {
		sc.blur = (0.4 + 0.8*rng.Float64()) * dpi / 150
	}
	sc.noise = 1 + 5*rng.Float64()
	if clean {
		sc.noise = 0
	}
	if deg(DegLight, 0.3) {
		sc.light = [2]float64{(rng.Float64()*2 - 1) * 0.18, (rng.Float64()*2 - 1) * 0.18}
	}
	sc.paper = 1
	if deg(DegGrey, 0.2) {
		sc.paper = 0.8 + 0.12*rng.Float64()
	}
	if !g.opt.Upright && !clean {
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
	png := g.opt.PNG || (!clean && rng.Float64() < 0.08)
	q := g.opt.JPEGQuality
	if q == 0 {
		q = 40 + rng.IntN(56)
		if clean {
			q = 90
		}
	}
	if png {
		q = 0
		t.Degradations = append(t.Degradations, DegPNG)
	} else if q < 60 {
		t.Degradations = append(t.Degradations, DegLowJPEG)
	}
	t.JPEGQuality = q
	data, err := sc.capture(img, q)
	if err != nil {
		return Scan{}, err
	}
	ext := ".jpg"
	if png {
		ext = ".png"
	}
	return Scan{Name: fmt.Sprintf("sheet-%08x%s", seed&0xffffffff, ext), Data: data, Truth: t}, nil
}

func pick(rng *rand.Rand, vals []int, w []float64) int {
	x := rng.Float64()
	for i, p := range w {
		if x < p {
			return vals[i]
		}
		x -= p
	}
	return vals[len(vals)-1]
}

func clampf(v, lo, hi float64) float64 { return math.Max(lo, math.Min(hi, v)) }

// painter draws marks on the clean raster, in millimetres.
type painter struct {
	img *image.Gray
	s   float64
	rng *rand.Rand
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
	cx := b.X + (p.rng.Float64()*2-1)*0.35
	cy := b.Y + (p.rng.Float64()*2-1)*0.3
	rx := b.R * coverage * (0.92 + 0.16*p.rng.Float64())
	ry := b.R * coverage * (0.92 + 0.16*p.rng.Float64())
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

// stroke draws a line of width w mm at grey v.
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
	r := b.R
	a := omr.Pt{X: b.X - 0.7*r, Y: b.Y + p.jitter(0)*0.5}
	m := omr.Pt{X: b.X - 0.15*r + p.jitter(0), Y: b.Y + 0.6*r}
	e := omr.Pt{X: b.X + 0.9*r + p.jitter(0), Y: b.Y - 0.9*r + p.jitter(0)}
	p.stroke(a, m, st.stroke, st.ink)
	p.stroke(m, e, st.stroke, st.ink)
}

func (p *painter) cross(b omr.Bubble, st style) {
	r := b.R * (0.75 + 0.2*p.rng.Float64())
	p.stroke(omr.Pt{X: b.X - r, Y: b.Y - r}, omr.Pt{X: b.X + r, Y: b.Y + r}, st.stroke, st.ink)
	p.stroke(omr.Pt{X: b.X - r, Y: b.Y + r}, omr.Pt{X: b.X + r, Y: b.Y - r}, st.stroke, st.ink)
}

// erased leaves what an eraser leaves: a light grey smudge with rare dark flecks.
func (p *painter) erased(b omr.Bubble, st style) {
	p.fill(b, 200+22*p.rng.Float64(), 0.8+0.3*p.rng.Float64(), false)
	for i := 0; i < 3; i++ {
		if p.rng.Float64() < 0.3 {
			c := omr.Pt{X: b.X + (p.rng.Float64()*2-1)*b.R*0.7, Y: b.Y + (p.rng.Float64()*2-1)*b.R*0.7}
			p.stroke(c, omr.Pt{X: c.X + 0.2, Y: c.Y + 0.1}, 0.15, 140)
		}
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
		p.stroke(a, b, st.stroke, st.ink)
		return
	}
}

func segDist(a, b, c omr.Pt) float64 {
	dx, dy := b.X-a.X, b.Y-a.Y
	l2 := dx*dx + dy*dy
	t := clampf(((c.X-a.X)*dx+(c.Y-a.Y)*dy)/l2, 0, 1)
	return math.Hypot(c.X-(a.X+t*dx), c.Y-(a.Y+t*dy))
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

func (sc *scanner) capture(page *image.Gray, quality int) ([]byte, error) {
	src, err := gocv.NewMatFromBytes(page.Rect.Dy(), page.Rect.Dx(), gocv.MatTypeCV8U, page.Pix)
	if err != nil {
		return nil, err
	}
	defer src.Close()
	s := sc.dpi / 25.4
	bedW, bedH := int(216*s), int(300*s)
	// page mm → bed px: rotate about the page centre, shear, tilt, centre on the bed.
	a := sc.angle * math.Pi / 180
	cosA, sinA := math.Cos(a), math.Sin(a)
	m := [9]float64{}
	// Build as: bed = T_bed · P · R · Sh · T_-centre · (page px / s)
	// Compose numerically on three rows.
	cx, cy := omr.PageW/2, omr.PageH/2
	toMM := [9]float64{1 / s, 0, -cx, 0, 1 / s, -cy, 0, 0, 1}
	sh := [9]float64{1, sc.shear, 0, 0, 1, 0, 0, 0, 1}
	rot := [9]float64{cosA, -sinA, 0, sinA, cosA, 0, 0, 0, 1}
	pp := [9]float64{1, 0, 0, 0, 1, 0, sc.persp[0], sc.persp[1], 1}
	bed := [9]float64{s, 0, float64(bedW) / 2, 0, s, float64(bedH) / 2, 0, 0, 1}
	m = mul3(bed, mul3(pp, mul3(rot, mul3(sh, toMM))))
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
	// Light, paper tone and sensor noise in one pass.
	pix, err := warped.DataPtrUint8()
	if err != nil {
		return nil, err
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
	out := warped
	turned := gocv.NewMat()
	defer turned.Close()
	switch sc.turn {
	case 90:
		gocv.Rotate(warped, &turned, gocv.Rotate90Clockwise)
		out = turned
	case 180:
		gocv.Rotate(warped, &turned, gocv.Rotate180Clockwise)
		out = turned
	case 270:
		gocv.Rotate(warped, &turned, gocv.Rotate90CounterClockwise)
		out = turned
	}
	var buf *gocv.NativeByteBuffer
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
