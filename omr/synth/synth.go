// Package synth makes realistic scans of filled-in answer sheets with known truth: it
// renders a sheet from the shared geometry, fills it the ways candidates do and degrades
// it the ways paper, scanners and phones do, all from a fixed seed. It is the corpus the
// reader is developed against: the accuracy test, `make accuracy`, the benchmarks and the
// demo. (The reader is validated on a second, independently written generator,
// omr/validation, never used for tuning.)
//
// Frequencies (per sheet unless said otherwise) follow what real stacks look like —
// most marks are clean fills — and the README lists them. Hard conditions (Conditions)
// are off in the realistic mix and forced one at a time by Options.Conditions.
package synth

import (
	"fmt"
	"image"
	"math/rand/v2"
	"strconv"
	"sync"
	"time"

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
	MarkBigTick    = "big-tick" // a tick drawn across the bubble's edge, mostly outside it
	MarkCircled    = "circled"  // a loop drawn around the bubble, its inside left empty
	MarkCross      = "cross"
	MarkLight      = "light"  // a faint mark alone in its row: truly ambiguous
	MarkErased     = "erased" // an erased mark beside the real answer
	MarkErasedOnly = "erased-only"
	MarkDouble     = "double"
	MarkBlank      = "blank"
)

// Degradations of the realistic mix, as recorded in Truth.Degradations.
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

// Hard conditions, forced one at a time with Options.Conditions and recorded in
// Truth.Conditions. Each is a way the reader was once silently wrong.
const (
	// Erasure residue: every correction leaves an even grey disc at 20–40 % of the
	// candidate's fill darkness (beside the new answer, and alone in blank rows).
	CondErasureDisc = "erasure-disc"
	// Erasure residue as a faint haze with a few graphite specks.
	CondErasureHaze = "erasure-haze"
	// A 1–3 px dark line down the scan from dirt on the scanner glass, through a
	// column of bubbles.
	CondStreak = "scanner-streak"
	// A phone photo: strong perspective, lens distortion, the page held by fingers; one
	// corner square hidden and the code strip unreadable.
	CondPhoto3 = "photo-3-corners"
	// A phone photo with four corners but both mid-edge squares under the fingers and
	// the code strip unreadable.
	CondPhotoNoMid = "photo-no-mid-marks"
	// A black-and-white (1-bit) TIFF, thresholded as a scanner in "text" mode does,
	// sometimes so light that pencil vanishes.
	CondBitonal = "bitonal-1bit"
	// A dithered 1-bit scan: greys become dot patterns.
	CondDithered = "dithered-1bit"
	// Coffee rings, a lid's shadow, a crease and adhesive tape over the bubbles.
	CondStain  = "stain"
	CondShadow = "shadow"
	CondCrease = "crease"
	CondTape   = "tape"
	// Ticks drawn large, across the bubble's edge, mostly outside the measured disc.
	CondBigTick = "big-tick"
	// A candidate who circles the answer instead of filling it.
	CondCircled = "circled"
	// A sheet printed with low toner: every printed mark faint and streaky.
	CondFadedToner = "faded-toner"
	// Printed "fit to page": the whole sheet 94–97 % of its size.
	CondFitToPage = "fit-to-page"
	// A candidate who writes with a very light pencil throughout.
	CondLightPencil = "light-pencil"
)

// Conditions lists the hard conditions, in report order.
var Conditions = []string{CondErasureDisc, CondErasureHaze, CondStreak, CondPhoto3, CondPhotoNoMid,
	CondBitonal, CondDithered, CondStain, CondShadow, CondCrease, CondTape, CondBigTick, CondCircled,
	CondFadedToner, CondFitToPage, CondLightPencil}

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
	Conditions   []string // the hard conditions applied
	DPI          int
	Rotation     int // how the sheet was fed, degrees
	JPEGQuality  int // 0 for PNG and TIFF
	// H maps sheet millimetres to pixels of the scan as stored (continuous pixel
	// coordinates, the image's top-left corner at 0,0); for a phone photo, before the
	// lens distortion.
	H [9]float64
}

// Scan is one generated page.
type Scan struct {
	Name  string
	Data  []byte // encoded image (JPEG, PNG or TIFF)
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
	// Conditions forces hard conditions (see Conditions) on every sheet.
	Conditions []string
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

// sheet is one scan being made: the phases of Generate work on it in turn.
type sheet struct {
	g     *Generator
	f     *form.Form
	l     *omr.Layout
	c     Candidate
	t     Truth
	seed  uint64
	rng   *rand.Rand // the realistic mix's draws, in their historical order
	crng  *rand.Rand // the hard conditions' draws, apart so the mix stays as it was
	img   *image.Gray
	p     *painter
	st    style
	clean bool
	conds map[string]bool
	print printTransform // where the printer put the sheet on the paper
}

func (sh *sheet) has(cond string) bool { return sh.conds[cond] }

// Generate renders a candidate's sheet, filled and degraded, from seed. Its phases:
// print the sheet, draw the candidate's way of marking, fill the identity, fill the
// answers, age the paper, then scan (or photograph) and encode it.
func (g *Generator) Generate(f *form.Form, c Candidate, seed uint64) (Scan, error) {
	sh, err := g.printSheet(f, c, seed)
	if err != nil {
		return Scan{}, err
	}
	sh.drawStyle()
	sh.fillIdentity()
	sh.fillAnswers()
	if err := sh.agePaper(); err != nil {
		return Scan{}, err
	}
	return sh.capture()
}

// printSheet renders the form, personalises it and applies what the printer did.
func (g *Generator) printSheet(f *form.Form, c Candidate, seed uint64) (*sheet, error) {
	l, err := omr.NewLayout(f)
	if err != nil {
		return nil, err
	}
	sh := &sheet{g: g, f: f, l: l, c: c, seed: seed, clean: g.opt.Clean,
		rng:   rand.New(rand.NewPCG(seed, 0xC0FFEE)),
		crng:  rand.New(rand.NewPCG(seed, 0xC0DD5)),
		conds: map[string]bool{}, print: identityPrint}
	for _, cd := range g.opt.Conditions {
		sh.conds[cd] = true
		sh.t.Conditions = append(sh.t.Conditions, cd)
	}
	t := &sh.t
	t.Form, t.Sheet, t.IIN = f.ID, omr.SerialString(c.Serial), c.IIN
	t.Answers, t.Marks = append([]string(nil), c.Answers...), map[string]string{}
	if c.Variant > 0 {
		t.Variant = strconv.Itoa(c.Variant)
	}
	t.DPI = g.opt.DPI
	if t.DPI == 0 {
		t.DPI = pick(sh.rng, []int{150, 200, 240, 300, 400, 600}, []float64{0.12, 0.2, 0.08, 0.48, 0.1, 0.02})
	}
	if sh.has(CondPhoto3) || sh.has(CondPhotoNoMid) {
		t.DPI = 300 // the paper a phone photographs, sharper than its picture
	}
	dpi := float64(t.DPI)
	base, err := g.blank(l, t.DPI)
	if err != nil {
		return nil, err
	}
	img := image.NewGray(base.Rect)
	copy(img.Pix, base.Pix)
	info := omr.SheetInfo{Contest: c.Contest, Serial: c.Serial}
	if c.Personalised {
		info.IIN, info.Name = c.IIN, c.Name
	}
	if err := omr.Personalise(img, l, info, dpi); err != nil {
		return nil, err
	}
	if sh.has(CondFitToPage) {
		sh.print = printTransform{k: 0.94 + 0.03*sh.crng.Float64()}
		sh.print.off = omr.Pt{X: omr.PageW * (1 - sh.print.k) / 2, Y: omr.PageH * (1 - sh.print.k) / 2}
		img = sh.print.apply(img, dpi/25.4)
	}
	if sh.has(CondFadedToner) {
		fadeToner(img, sh.crng)
	}
	sh.img = img
	sh.p = &painter{img: img, s: dpi / 25.4, rng: sh.rng, pt: sh.print}
	return sh, nil
}

// capture scans (or photographs) the aged sheet and encodes the file.
func (sh *sheet) capture() (Scan, error) {
	if sh.has(CondPhoto3) || sh.has(CondPhotoNoMid) {
		return sh.photograph()
	}
	sc := sh.scanner()
	q, ext := sh.fileFormat()
	data, h, err := sc.capture(sh, q)
	if err != nil {
		return Scan{}, err
	}
	sh.t.H = mul3(h, sh.print.mm())
	if sh.has(CondBitonal) || sh.has(CondDithered) {
		ext = ".tif"
	}
	return Scan{Name: fmt.Sprintf("sheet-%08x%s", sh.seed&0xffffffff, ext), Data: data, Truth: sh.t}, nil
}

// fileFormat draws the encoding: JPEG at a quality from the mix, sometimes PNG.
func (sh *sheet) fileFormat() (quality int, ext string) {
	png := sh.g.opt.PNG || (!sh.clean && sh.rng.Float64() < 0.08)
	q := sh.g.opt.JPEGQuality
	if q == 0 {
		q = 40 + sh.rng.IntN(56)
		if sh.clean {
			q = 90
		}
	}
	ext = ".jpg"
	if png {
		q, ext = 0, ".png"
		sh.t.Degradations = append(sh.t.Degradations, DegPNG)
	} else if q < 60 {
		sh.t.Degradations = append(sh.t.Degradations, DegLowJPEG)
	}
	sh.t.JPEGQuality = q
	return q, ext
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
