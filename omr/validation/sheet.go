package validation

import (
	"fmt"
	"image"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"sync"
	"time"

	"tarazy/iin"
	"tarazy/omr"
	"tarazy/omr/form"
	"tarazy/omr/reading"
)

// contestID is printed in the QR code of every personalised sheet of the corpus.
const contestID = "validation-2026"

var names = []string{
	"Әлихан Сейітқали", "Айгерім Нұрланқызы", "Данияр Жұмабеков", "Меруерт Сапарова",
	"Нұрсұлтан Әбдірахманов", "Томирис Қайратқызы", "Арман Оспанов", "Жансая Төлеуова",
	"Ильяс Ким", "Дарина Петренко", "Бекзат Мұхтарұлы", "Аружан Серікбаева",
}

// sheetPlan is one candidate's sheet: what they mean (the truth) and how they mark it.
type sheetPlan struct {
	f    *form.Form
	l    *omr.Layout
	info omr.SheetInfo
	want reading.Reading
	hand *hand
	acts []act
}

// act is one thing the candidate did to one printed bubble.
type act struct {
	bubble int
	erased bool
	mark   markKind
	erase  eraseKind
}

// sheetHabits says how a condition's candidates fill their sheets.
type sheetHabits struct {
	forms      []string // drawn from; empty means every built-in form
	tool       []tool
	light      bool
	styles     map[markKind]float64 // weights beside an ordinary fill's 1
	blank      float64              // share of questions left blank
	multi      float64              // share answered with two letters on purpose
	eraseRate  float64              // share of answered questions that were changed
	loneErase  float64              // share of blank questions with an erased first try
	eraseKinds []eraseKind
	idErase    float64 // share of IIN columns that were corrected
}

func ordinaryHabits() sheetHabits {
	return sheetHabits{
		tool:       []tool{pencil, pencil, pencil, pen, ballpoint},
		blank:      0.06,
		multi:      0.015,
		eraseRate:  0.02,
		loneErase:  0.01,
		eraseKinds: []eraseKind{eraseClean, eraseClean, eraseClean, eraseHaze},
		idErase:    0.02,
	}
}

// newSheet draws a candidate and their answers.
func newSheet(r *rand.Rand, hab sheetHabits) (*sheetPlan, error) {
	ids := hab.forms
	if len(ids) == 0 {
		ids = []string{"g7", "g7", "g6", "g5"}
	}
	f, err := form.Get(pick(r, ids...))
	if err != nil {
		return nil, err
	}
	l, err := omr.NewLayout(f)
	if err != nil {
		return nil, err
	}
	birth := time.Date(2011+r.IntN(4), time.Month(1+r.IntN(12)), 1+r.IntN(28), 0, 0, 0, 0, time.UTC)
	id, err := iin.Make(birth, pick(r, iin.Male, iin.Female), 1+r.IntN(9000))
	if err != nil {
		return nil, err
	}
	p := &sheetPlan{f: f, l: l}
	switch v := r.Float64(); {
	case v < 0.65:
		p.info = omr.SheetInfo{Contest: contestID, Serial: 1 + r.IntN(omr.MaxSerial), IIN: id, Name: pick(r, names...)}
	case v < 0.9:
		p.info = omr.SheetInfo{Contest: contestID, Serial: 1 + r.IntN(omr.MaxSerial)}
	default:
		p.info = omr.SheetInfo{}
	}
	p.hand = newHand(r, pick(r, hab.tool...), hab.light)
	for k, w := range hab.styles {
		p.hand.styles[k] = w
	}
	variant := 1 + r.IntN(f.Variants)
	p.want = reading.Reading{
		Status:  reading.StatusOK,
		Form:    f.ID,
		Sheet:   omr.SerialString(p.info.Serial),
		IIN:     id,
		Variant: strconv.Itoa(variant),
		Answers: make([]string, f.Questions()),
	}
	kinds := hab.eraseKinds
	if len(kinds) == 0 {
		kinds = []eraseKind{eraseClean}
	}
	for _, fd := range l.Fields {
		var chosen []int // option positions
		switch fd.Kind {
		case omr.KindQuestion:
			q, _ := strconv.Atoi(fd.Name[1:])
			n := len(fd.Bubbles)
			switch v := r.Float64(); {
			case v < hab.blank:
			case v < hab.blank+hab.multi:
				a := r.IntN(n)
				b := (a + 1 + r.IntN(n-1)) % n
				chosen = []int{min(a, b), max(a, b)}
			default:
				chosen = []int{r.IntN(n)}
			}
			for _, o := range chosen {
				p.want.Answers[q-1] += f.Options[o]
			}
		case omr.KindIINDigit:
			c, _ := strconv.Atoi(fd.Name[3:])
			chosen = []int{int(id[c-1] - '0')}
		case omr.KindVariant:
			chosen = []int{variant - 1}
		}
		rate := hab.eraseRate
		if fd.Kind != omr.KindQuestion {
			rate = hab.idErase
		}
		if len(chosen) == 0 {
			rate = hab.loneErase
		}
		// Only pencil rubs out; pen corrections are other conditions' business.
		if p.hand.tool == pencil && chance(r, rate) {
			// A first choice erased: never one of the final choices.
			o := r.IntN(len(fd.Bubbles))
			if !slices.Contains(chosen, o) {
				p.acts = append(p.acts, act{bubble: fd.Bubbles[o], erased: true, erase: pick(r, kinds...)})
			}
		}
		for _, o := range chosen {
			k := p.hand.style(r)
			if fd.Kind != omr.KindQuestion && (k == markCircle || k == markBigTick) && chance(r, 0.5) {
				k = markFill // the IIN grid is tight; most candidates fill there
			}
			p.acts = append(p.acts, act{bubble: fd.Bubbles[o], mark: k})
		}
	}
	return p, nil
}

// printGeo places the printed form on the paper: a point of the layout (mm) lands at
// layout·scale + off on the sheet of paper.
type printGeo struct {
	l     *omr.Layout
	scale float64
	off   pt
}

func (g printGeo) at(x, y float64) pt { return pt{x*g.scale + g.off.x, y*g.scale + g.off.y} }

// bubble is a printed bubble on the paper.
func (g printGeo) bubble(i int) pt { b := g.l.Bubbles[i]; return g.at(b.X, b.Y) }

// spotOf is where the candidate marks bubble i, and what lies around it.
func (g printGeo) spotOf(i int) spot {
	c := g.bubble(i)
	s := spot{c: c, r: g.l.Bubbles[i].R * g.scale}
	for j := range g.l.Bubbles {
		if j == i {
			continue
		}
		o := g.bubble(j)
		if math.Abs(o.x-c.x) < 12 && math.Abs(o.y-c.y) < 12 {
			s.others = append(s.others, o)
		}
	}
	return s
}

// markSheet draws everything the candidate did: name, IIN digits in their boxes, the
// erased first tries and then the choices.
func (p *sheetPlan) markSheet(r *rand.Rand, c *canvas, g printGeo) {
	nb := p.l.NameBox
	a := g.at(nb.X, nb.Y+nb.H*0.82)
	b := g.at(nb.X+nb.W*uni(r, 0.45, 0.85), 0)
	p.hand.writeLine(r, c, a.x+uni(r, 2, 8), b.x, a.y, 2.2*g.scale)
	if chance(r, 0.9) {
		for i, box := range p.l.IINBoxes {
			o := g.at(box.X+box.W*0.22, box.Y+box.H*0.15)
			p.hand.writeDigit(r, c, int(p.want.IIN[i]-'0'), o.x, o.y, box.W*0.56*g.scale, box.H*0.7*g.scale)
		}
	}
	for _, a := range p.acts {
		if a.erased {
			p.hand.erase(r, c, g.spotOf(a.bubble), a.erase)
		}
	}
	for _, a := range p.acts {
		if !a.erased {
			p.hand.mark(r, c, g.spotOf(a.bubble), a.mark)
		}
	}
}

// The blank sheet at a resolution is the same for every page of a form, so it is
// rendered once and copied.
var blanks sync.Map // blankKey → *image.Gray

type blankKey struct {
	form string
	dpi  float64
}

// printed renders the sheet as the printer receives it, at dpi.
func (p *sheetPlan) printed(dpi float64) (*image.Gray, error) {
	k := blankKey{p.f.ID, dpi}
	v, ok := blanks.Load(k)
	if !ok {
		g, err := omr.Render(p.l, omr.SheetInfo{}, dpi)
		if err != nil {
			return nil, fmt.Errorf("render %s at %g dpi: %w", p.f.ID, dpi, err)
		}
		v = g
		// Only the common resolutions are kept: fit-to-page prints render at odd ones.
		if dpi == math.Round(dpi) && dpi <= 300 {
			v, _ = blanks.LoadOrStore(k, g)
		}
	}
	src := v.(*image.Gray)
	g := &image.Gray{Pix: append([]uint8(nil), src.Pix...), Stride: src.Stride, Rect: src.Rect}
	if p.info != (omr.SheetInfo{}) {
		if err := omr.Personalise(g, p.l, p.info, dpi); err != nil {
			return nil, err
		}
	}
	return g, nil
}
