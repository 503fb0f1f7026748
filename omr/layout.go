// Package omr prints the contest's answer sheets and reads them back from scans.
//
// One geometry, in millimetres from the page's top-left corner, is derived from an
// omr/form.Form by NewLayout. The PDF renderer, the PNG renderer, the reader, the
// synthetic generator (omr/synth) and `tarazy sheet layout` all use it, so a bubble
// is where the reader looks for it by construction, not by keeping two tables in step.
package omr

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
	"sync"

	"tarazy/omr/form"
)

// Page size (A4) and the frame every form shares. The frame is the same on every form
// so that the reader can find the page and read the form code before it knows the form.
const (
	PageW = 210.0
	PageH = 297.0

	fidSize  = 7.0  // corner fiducial side
	fidHole  = 3.5  // side of the white hole in the hollow (bottom-left) fiducial
	midSize  = 5.0  // side of the two mid-edge marks
	fidInset = 15.0 // fiducial centre distance from the page edges

	BubbleR = 2.1 // bubble radius

	iinCols      = 12
	iinPitchX    = 5.6
	iinPitchY    = 4.8
	iinFirstX    = 27.5
	iinLabelY    = 38.5
	iinBoxTop    = 40.5
	iinBoxH      = 5.5
	iinFirstRowY = 51.0

	varFirstX = 104.0
	varPitchX = 7.0
	varY      = 51.0

	qTop       = 104.0 // centre of the first question row
	qBottom    = 271.0 // lowest row centre allowed
	qPitchY    = 5.4   // tightest row spacing
	qMaxPitchY = 6.4
	qPitchX    = 6.0
	qLeft      = 24.0
	qRight     = 188.0
	qNumWidth  = 9.5 // from the column's left edge to the first bubble's centre

	qrSize = 28.0
	qrX    = 158.0
	qrY    = 22.0

	stripY     = 282.0 // centre line of the code strip
	stripCellW = 2.4
	stripCellH = 3.2
	stripBits  = 28 // 8 bits form grade, 20 bits serial
)

// MaxSerial is the largest sheet serial the code strip can carry.
const MaxSerial = 1<<20 - 1

// Pt is a point in millimetres.
type Pt struct{ X, Y float64 }

// Rect is a rectangle in millimetres.
type Rect struct{ X, Y, W, H float64 }

// Center of the rectangle.
func (r Rect) Center() Pt { return Pt{r.X + r.W/2, r.Y + r.H/2} }

// Bubble is one printed circle.
type Bubble struct {
	Field string  // q1…, iin1…iin12, variant
	Value string  // option letter, digit, or variant number
	X, Y  float64 // centre
	R     float64
}

// FieldKind tells how a field is decided.
type FieldKind int

const (
	KindQuestion FieldKind = iota // zero, one or several options
	KindIINDigit                  // exactly one digit
	KindVariant                   // exactly one variant
)

// FieldSpec is a group of bubbles decided together (one question, one IIN digit column,
// the variant row).
type FieldSpec struct {
	Name    string
	Kind    FieldKind
	Bubbles []int // indices into Layout.Bubbles, in option order
	Box     Rect  // what a reviewer sees: the field's row or column with its label
}

// Marker is a printed alignment square.
type Marker struct {
	C      Pt
	Size   float64
	Hollow bool
}

// Layout is the geometry of one form's sheet.
type Layout struct {
	Form      *form.Form
	Bubbles   []Bubble
	Fields    []FieldSpec
	Corners   [4]Marker // clockwise from top-left; the bottom-left one is hollow
	Mids      [2]Marker // left and right edge, half way down
	QR        Rect
	Strip     []Rect // 2*stripBits cells, Manchester-coded bits
	NameBox   Rect
	IINBoxes  []Rect
	Headings  []Heading
	QuestionX []float64 // left edge of each question column
	byName    map[string]int
}

// Heading is a section title printed above its first question.
type Heading struct {
	Section form.Section
	X, Y    float64 // baseline start
	W       float64 // width available
}

var layouts sync.Map // *form.Form → *Layout

// NewLayout derives the sheet geometry of a form. It is deterministic and cached.
func NewLayout(f *form.Form) (*Layout, error) {
	if l, ok := layouts.Load(f); ok {
		return l.(*Layout), nil
	}
	l, err := buildLayout(f)
	if err != nil {
		return nil, err
	}
	actual, _ := layouts.LoadOrStore(f, l)
	return actual.(*Layout), nil
}

func buildLayout(f *form.Form) (*Layout, error) {
	if f.Grade > 255 {
		return nil, fmt.Errorf("form %s: grade %d does not fit the code strip", f.ID, f.Grade)
	}
	l := &Layout{Form: f, byName: map[string]int{}}
	// The frame is the same on every form: the reader finds it before it knows the form.
	l.Corners = defaultFrame.Corners
	l.Mids = defaultFrame.Mids
	l.QR = Rect{qrX, qrY, qrSize, qrSize}
	l.NameBox = Rect{24, 24, 128, 9}

	// Questions flow down columns; a section heading takes one row above its first
	// question and is never left alone at the bottom of a column.
	type item struct {
		heading *form.Section
		q       int
	}
	var items []item
	for i := range f.Sections {
		s := f.Sections[i]
		items = append(items, item{heading: &s})
		for q := s.First; q <= s.Last; q++ {
			items = append(items, item{q: q})
		}
	}
	maxRows := int(math.Floor((qBottom-qTop)/qPitchY)) + 1
	ncols := (len(items) + maxRows - 1) / maxRows
	colW := (qRight - qLeft) / float64(ncols)
	if colW > 54 {
		colW = 54
	}
	need := qNumWidth + float64(len(f.Options)-1)*qPitchX + BubbleR + 1
	if need > colW {
		return nil, fmt.Errorf("form %s: %d options and %d questions do not fit on one A4 sheet", f.ID, len(f.Options), f.Questions())
	}
	perCol := (len(items) + ncols - 1) / ncols
	// Spread the rows over the space there is: wider spacing keeps a stray mark or an
	// overflowing fill away from the neighbouring row.
	pitch := qPitchY
	if perCol > 1 {
		pitch = math.Min(qMaxPitchY, (qBottom-qTop)/float64(perCol-1))
	}
	col, row := 0, 0
	place := func() (float64, float64) {
		x := qLeft + float64(col)*colW
		y := qTop + float64(row)*pitch
		return x, y
	}
	for _, it := range items {
		if row >= perCol || (it.heading != nil && row == perCol-1) || row >= maxRows {
			col++
			row = 0
		}
		if col >= ncols+1 {
			return nil, fmt.Errorf("form %s: questions do not fit on one sheet", f.ID)
		}
		x, y := place()
		if it.heading != nil {
			l.Headings = append(l.Headings, Heading{Section: *it.heading, X: x + 1, Y: y + 1.2, W: colW - 3})
			row++
			continue
		}
		name := "q" + strconv.Itoa(it.q)
		fd := FieldSpec{Name: name, Kind: KindQuestion}
		for k, o := range f.Options {
			fd.Bubbles = append(fd.Bubbles, len(l.Bubbles))
			l.Bubbles = append(l.Bubbles, Bubble{Field: name, Value: o, X: x + qNumWidth + float64(k)*qPitchX, Y: y, R: BubbleR})
		}
		fd.Box = Rect{x, y - pitch/2, qNumWidth + float64(len(f.Options)-1)*qPitchX + BubbleR + 1.5, pitch}
		l.addField(fd)
		row++
	}
	if col+1 > ncols {
		ncols = col + 1
	}
	for c := 0; c < ncols; c++ {
		l.QuestionX = append(l.QuestionX, qLeft+float64(c)*colW)
	}
	if last := l.Bubbles[len(l.Bubbles)-1]; last.X+BubbleR > qRight+1 {
		return nil, fmt.Errorf("form %s: questions do not fit on one sheet", f.ID)
	}

	// IIN: twelve digit columns, 0 at the top.
	for c := 0; c < iinCols; c++ {
		x := iinFirstX + float64(c)*iinPitchX
		l.IINBoxes = append(l.IINBoxes, Rect{x - iinPitchX/2 + 0.3, iinBoxTop, iinPitchX - 0.6, iinBoxH})
		name := "iin" + strconv.Itoa(c+1)
		fd := FieldSpec{Name: name, Kind: KindIINDigit}
		for d := 0; d <= 9; d++ {
			fd.Bubbles = append(fd.Bubbles, len(l.Bubbles))
			l.Bubbles = append(l.Bubbles, Bubble{Field: name, Value: strconv.Itoa(d), X: x, Y: iinFirstRowY + float64(d)*iinPitchY, R: BubbleR})
		}
		fd.Box = Rect{x - iinPitchX/2, iinBoxTop, iinPitchX, iinFirstRowY + 9*iinPitchY + BubbleR + 1 - iinBoxTop}
		l.addField(fd)
	}
	// Variant row.
	fd := FieldSpec{Name: "variant", Kind: KindVariant}
	for v := 1; v <= f.Variants; v++ {
		fd.Bubbles = append(fd.Bubbles, len(l.Bubbles))
		l.Bubbles = append(l.Bubbles, Bubble{Field: "variant", Value: strconv.Itoa(v), X: varFirstX + float64(v-1)*varPitchX, Y: varY, R: BubbleR})
	}
	fd.Box = Rect{varFirstX - 5, varY - 7, float64(f.Variants-1)*varPitchX + 10, 10}
	l.addField(fd)

	// Code strip: bit i is the pair of cells (2i, 2i+1); a one is dark-light, a zero
	// light-dark, so every bit proves itself and a smudge cannot flip one silently.
	w := 2 * stripBits * stripCellW
	x0 := PageW/2 - w/2
	for i := 0; i < 2*stripBits; i++ {
		l.Strip = append(l.Strip, Rect{x0 + float64(i)*stripCellW, stripY - stripCellH/2, stripCellW, stripCellH})
	}
	return l, nil
}

func (l *Layout) addField(fd FieldSpec) {
	l.byName[fd.Name] = len(l.Fields)
	l.Fields = append(l.Fields, fd)
}

// FieldByName returns a field of the layout.
func (l *Layout) FieldByName(name string) (FieldSpec, bool) {
	i, ok := l.byName[name]
	if !ok {
		return FieldSpec{}, false
	}
	return l.Fields[i], true
}

// stripCode packs the form grade and the serial into the strip's bits, most
// significant first.
func stripCode(grade, serial int) []bool {
	v := uint32(grade)<<20 | uint32(serial)
	bits := make([]bool, stripBits)
	for i := range bits {
		bits[i] = v&(1<<(stripBits-1-i)) != 0
	}
	return bits
}

func unpackStrip(bits []bool) (grade, serial int) {
	var v uint32
	for _, b := range bits {
		v <<= 1
		if b {
			v |= 1
		}
	}
	return int(v >> 20), int(v & MaxSerial)
}

// layoutJSON is the published shape of `tarazy sheet layout`.
type layoutJSON struct {
	Form    string       `json:"form"`
	PageMM  [2]float64   `json:"page_mm"`
	Bubbles []bubbleJSON `json:"bubbles"`
}

type bubbleJSON struct {
	Field string  `json:"field"`
	Value string  `json:"value"`
	X     float64 `json:"x_mm"`
	Y     float64 `json:"y_mm"`
	R     float64 `json:"r_mm"`
}

// WriteJSON writes the layout as `tarazy sheet layout` publishes it: bubble centres in
// millimetres from the top-left corner, questions first, then the IIN, then the variant.
func (l *Layout) WriteJSON(w io.Writer) error {
	out := layoutJSON{Form: l.Form.ID, PageMM: [2]float64{PageW, PageH}, Bubbles: make([]bubbleJSON, 0, len(l.Bubbles))}
	round := func(v float64) float64 { return math.Round(v*100) / 100 }
	for _, b := range l.Bubbles {
		out.Bubbles = append(out.Bubbles, bubbleJSON{b.Field, b.Value, round(b.X), round(b.Y), round(b.R)})
	}
	return json.NewEncoder(w).Encode(out)
}
