package omr

import (
	"math"
	"sort"
	"strings"

	"tarazy/calibration"
)

const reasonBlankDigit = "this IIN digit is not filled in"

// marksModel is the candidate's own way of marking, learned from the sure fills on
// their sheet (the IIN grid alone gives twelve): how dark their pen or pencil is. A
// mark is judged against it, not only against thresholds fitted to other people's
// pencils: an eraser's residue is grey next to the candidate's own fills however dark
// the batch's average pencil is.
type marksModel struct {
	marks int     // sure marks it was learned from
	dark  float64 // their typical darkness (median), relative to the page's blank level
	// ink is the darkness of their pen or pencil itself (the median of their marks'
	// p90): a tick and a fill made with the same pencil have the same.
	ink float64
	// level is the pixel darkness (share of white) counted as the candidate's ink:
	// most of the way to their own, and above the light letters printed in the bubbles.
	level float64
	// solid is the typical share of a fill's disc at that level: under 1 when the fills
	// are patchy (a 1-bit scan's threshold cutting through a light pencil).
	solid float64
	fills int // of the marks, fills (darker than the fill threshold)
	// outside counts the fields answered only by ink outside the bubbles (a loop
	// around one, a large tick beside it): decide finds them.
	outside int
}

// The parts of the decision that are fixed by what marks are, not by a scanner's
// contrast (those are in the calibration profile).
const (
	// ownLevel: a pixel is the candidate's ink when it is at least this share of their
	// fills' darkness; an eraser's residue at 20–40 % never is.
	ownLevel = 0.62
	// minLetterDark keeps the printed letters (grey 0.72, darkness 0.28) out of the
	// candidate's ink however light their pencil.
	minLetterDark = 0.36
	// A sure mark covers at least minOwnShare of the disc with the candidate's ink in a
	// piece at least minStrokeMM long: a tick or a cross does, specks and dots do not.
	minOwnShare = 0.06
	minStrokeMM = 1.2
	// Beside another, a mark lighter than lighterShare of both the row's strongest
	// mark and the candidate's typical one is never sure.
	lighterShare = 0.5
	// Erasure beyond doubt: no more than this share of candidate's ink, in no piece
	// longer than erasedStrokeMM.
	erasedOwnShare = 0.02
	erasedStrokeMM = 0.8
	minModelMarks  = 6
	// aroundInk edge samples (of about 200) at the candidate's ink are a mark across
	// the edge: a stroke crossing it covers several, dust or a neighbour's fill at most
	// one.
	aroundInk = 3
	// outlineInk more samples of the outline's window than the page's printed outline
	// has (of 80) are a loop drawn on it.
	outlineInk = 10
	// censusInk ink points on the half-millimetre grid between and around a field's
	// bubbles are something drawn there (a 0.4 mm line 3 mm long covers six).
	censusInk       = 6
	fieldRingLost   = 0.45 // a field whose outlines are found on less than this share of rays
	pageRingMissing = 0.35 // a page whose outlines are this faint has lost its print
	pageFieldsLost  = 3    // this many fields with lost outlines make the page doubtful
	outsideStyle    = 5    // this many fields answered outside the bubbles: that is how they mark
	faintSpread     = 0.1  // share of a bubble visibly darker than paper: a faint mark, for a light writer
)

// pageCheck is what the reader could not vouch for on a whole page.
type pageCheck struct {
	code, reason string
}

// learnModel finds the candidate's sure marks: the only mark of its field, with ink.
func (r *Reader) learnModel(sc *scan, l *Layout, ms []meas) marksModel {
	p := r.profile
	var dark, ink []float64
	var fills []int
	for _, fd := range l.Fields {
		best, n := -1, 0
		for _, bi := range fd.Bubbles {
			if st, _ := p.Classify(ms[bi].Sample); st == calibration.Marked {
				n++
				best = bi
			}
		}
		if n != 1 || ms[best].Ink < p.StrokeInk {
			continue
		}
		dark = append(dark, ms[best].Darkness)
		ink = append(ink, ms[best].p90)
		if ms[best].Darkness >= p.MarkMin {
			fills = append(fills, best)
		}
	}
	m := marksModel{marks: len(dark), fills: len(fills)}
	if m.marks < minModelMarks {
		return m
	}
	m.dark = median(dark)
	m.ink = median(ink)
	m.level = math.Max(minLetterDark, ownLevel*m.ink)
	m.solid = 1
	if sc.bitonal && len(fills) > 0 {
		// Only a 1-bit scan can cut a fill into patches; elsewhere a fill is solid.
		var sol []float64
		for _, bi := range fills {
			b := l.Bubbles[bi]
			sol = append(sol, sc.inkAt(Pt{b.X, b.Y}, b.R*innerShare, ms[bi].white, m.level).share)
		}
		m.solid = median(sol)
	}
	return m
}

// outlineBaseline is how many samples of a printed outline's window are ink at level
// on this page (the median over its bubbles, nearly all blank): what this printer's
// line, this scanner's blur and this resolution make of it.
func outlineBaseline(ms []meas, level float64) int {
	v := make([]float64, len(ms))
	for i := range ms {
		v[i] = float64(ms[i].outlineAt(level))
	}
	return int(median(v))
}

// edgeLevel is the darkness at which ink across a bubble's edge is the candidate's:
// 60 % of their pen or pencil (an eraser's residue is at most 40 %).
func (m marksModel) edgeLevel() float64 {
	if m.marks < minModelMarks {
		return 1 - inkShare
	}
	return math.Max(edgeLevels[0], math.Min(edgeLevels[len(edgeLevels)-1], 0.6*m.ink))
}

func median(v []float64) float64 {
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	return s[len(s)/2]
}

// decide turns bubble measures into field values. It returns one Field per layout
// field, in layout order, followed by the "qr" pseudo-field (never under review here;
// checkIdentity flags it).
//
// Per bubble the profile says blank, marked or unsure. Then, against the candidate's own
// marks:
//   - a marked bubble is sure only when its ink is the candidate's (dark enough, in
//     strokes): a grey film, graphite specks or dither dots are unsure;
//   - beside another mark, a mark much lighter than both the row's strongest and the
//     candidate's typical mark is unsure;
//   - an unsure bubble beside a sure mark is an erasure only beyond doubt: much lighter
//     than the mark and the candidate's own marks, with none of their ink in it;
//   - any other unsure bubble, or ink across a bubble's edge (a big tick mostly outside
//     the measured disc), sends its field to review: nothing is guessed;
//   - a question may have no mark (blank) or several (a multi-mark, every letter);
//   - an IIN digit and the variant need exactly one mark.
func (r *Reader) decide(sc *scan, l *Layout, ms []meas, model *marksModel) []Field {
	p := r.profile
	out := make([]Field, 0, len(l.Fields)+1)
	edge := model.edgeLevel()
	outlineBase := outlineBaseline(ms, edge)
	// Bubbles with anything in them excuse the ink just around them (a fill overflows).
	holds := make([]bool, len(ms))
	for i := range ms {
		st, _ := p.Classify(ms[i].Sample)
		holds[i] = st != calibration.Blank
	}
	holding := func(bi int) bool { return holds[bi] }
	// A fill is judged at the candidate's own ink level. A stroke (a tick, a cross) is
	// thin, and a thin line loses darkness to blur at low resolution, so it is judged at
	// the level of any pen-dark pixel: its darkness already proves it is no eraser's
	// film, and what is left to tell is a stroke from specks.
	inkOf := func(bi int) strokes {
		if model.marks < minModelMarks {
			return strokes{share: 1, longMM: 10}
		}
		b := l.Bubbles[bi]
		level := model.level
		if ms[bi].Darkness < p.MarkMin {
			level = math.Min(level, 1-inkShare)
		}
		return sc.inkAt(Pt{b.X, b.Y}, b.R*innerShare, ms[bi].white, level)
	}
	for fi, fd := range l.Fields {
		states := make([]calibration.State, len(fd.Bubbles))
		conf := 1.0
		strongest := -1
		for i, bi := range fd.Bubbles {
			st, c := p.Classify(ms[bi].Sample)
			if st == calibration.Blank && model.marks < minModelMarks && ms[bi].Darkness > p.SpeckMax && ms[bi].Spread > faintSpread {
				// No sure mark on the page has pen-dark ink: this candidate writes so lightly
				// that their marks sit at the blank threshold, and a faint spread of grey may
				// be one of them.
				st = calibration.Unsure
			}
			states[i] = st
			if st != calibration.Unsure {
				conf = math.Min(conf, c)
			}
			if strongest < 0 || ms[bi].Darkness > ms[fd.Bubbles[strongest]].Darkness {
				strongest = i
			}
		}
		var why []string
		// Sureness of the marks, against the candidate's own.
		for i, bi := range fd.Bubbles {
			if states[i] != calibration.Marked {
				continue
			}
			ink := inkOf(bi)
			switch {
			case ink.share < minOwnShare || ink.longMM < minStrokeMM:
				states[i] = calibration.Unsure
				why = append(why, "not the candidate's pen or pencil (a grey film, specks or dots)")
			case i != strongest && model.marks >= minModelMarks &&
				ms[bi].p90 < lighterShare*ms[fd.Bubbles[strongest]].p90 && ms[bi].p90 < lighterShare*model.ink:
				states[i] = calibration.Unsure
				why = append(why, "much lighter than the other mark")
			}
		}
		// The row's sure mark, if any, and erasures beside it.
		sure := -1
		for i := range fd.Bubbles {
			if states[i] == calibration.Marked && (sure < 0 || ms[fd.Bubbles[i]].Darkness > ms[fd.Bubbles[sure]].Darkness) {
				sure = i
			}
		}
		around := false
		var unsure, marked []string
		for i, bi := range fd.Bubbles {
			v := l.Bubbles[bi].Value
			if states[i] != calibration.Marked && ms[bi].aroundAt(edge) >= aroundInk ||
				states[i] == calibration.Blank && ms[bi].outlineAt(edge) >= outlineBase+outlineInk {
				around = true
			}
			switch states[i] {
			case calibration.Marked:
				marked = append(marked, v)
			case calibration.Unsure:
				if sure >= 0 && r.erasedBeyondDoubt(ms[bi], ms[fd.Bubbles[sure]], *model, inkOf(bi)) {
					continue
				}
				unsure = append(unsure, v)
			}
		}
		if !around && sc.census(l, fi, ms, holding, edge) >= censusInk {
			around = true
		}
		if around && len(marked) == 0 && len(unsure) == 0 {
			// Ink outside the bubbles and none in them: this candidate answers by
			// circling, or ticking beside, the bubbles.
			model.outside++
		}
		f := Field{Name: fd.Name, Confidence: 0.5 + 0.5*conf}
		switch fd.Kind {
		case KindQuestion:
			f.Value = strings.Join(marked, "")
			switch {
			case len(unsure) > 0:
				// Best guess for the reviewer: every mark, sure or not, with a confidence
				// below one half that says how far the faintest of them is from blank.
				f.Value = joinInOrder(l, fd, marked, unsure)
				f.Review, f.Confidence = true, 0.5*unsureMarkLikeness(p, fd, states, ms)
				f.Reason = "unclear mark on " + strings.Join(unsure, ", ") + ": a light mark, a partial erasure or a smudge"
				if len(why) > 0 {
					f.Reason += " (" + why[0] + ")"
				}
				f.ReasonCode = CodeUnclearMark
			case around:
				f.Review, f.Confidence = true, 0.25
				f.Reason = "a mark across the edge of a bubble or between the bubbles (a large tick, a loop around an answer): check which answer is meant"
				f.ReasonCode = CodeMarkAround
			}
		default:
			switch {
			case len(unsure) > 0:
				f.Review, f.Confidence = true, 0
				if len(marked) == 1 {
					f.Value = marked[0]
				}
				f.Reason = "unclear mark on " + strings.Join(unsure, ", ")
				f.ReasonCode = CodeUnclearMark
			case len(marked) > 1:
				f.Review, f.Confidence = true, 0
				f.Reason = "more than one bubble filled: " + strings.Join(marked, ", ")
				f.ReasonCode = CodeSeveralMarks
			case around:
				f.Review, f.Confidence = true, 0.25
				if len(marked) == 1 {
					f.Value = marked[0]
				}
				f.Reason = "a mark across the edge of a bubble: check which one is meant"
				f.ReasonCode = CodeMarkAround
			case len(marked) == 1:
				f.Value = marked[0]
			case fd.Kind == KindIINDigit:
				// Whether a blank digit needs review depends on the rest of the IIN and
				// the QR code; checkIdentity decides.
				f.Reason = reasonBlankDigit
				f.ReasonCode = CodeIINDigitBlank
			default:
				f.Review, f.Confidence = true, 0
				f.Reason = "no variant is filled in: read it from the question booklet's cover"
				f.ReasonCode = CodeNoVariant
			}
		}
		out = append(out, f)
	}
	out = append(out, Field{Name: "qr", Confidence: 1})
	return out
}

// erasedBeyondDoubt reports whether an unsure bubble beside a sure mark is what an
// eraser left: much lighter than that mark and than the candidate's own marks, with
// none of their ink in it, and nothing drawn across its edge.
func (r *Reader) erasedBeyondDoubt(b, mark meas, model marksModel, ink strokes) bool {
	k := r.profile.EraseRatio
	if model.marks < minModelMarks || b.aroundAt(model.edgeLevel()) >= aroundInk {
		return false
	}
	return b.p90 <= k*mark.p90 && b.p90 <= k*model.ink &&
		ink.share <= erasedOwnShare && ink.longMM < erasedStrokeMM
}

// checkPage decides whether the reader can vouch for the page as a whole: its
// alignment must be over-determined and the printed bubbles must be where it puts them.
// fields is updated in place: a field whose outlines are not found is flagged.
func checkPage(q *Quality, l *Layout, ms []meas, fields []Field, model marksModel, bitonal bool) *pageCheck {
	rings := make([]float64, len(ms))
	for i, m := range ms {
		rings[i] = m.ring
	}
	q.RingSeen = median(rings)
	lost := 0
	for i, fd := range l.Fields {
		var rs []float64
		for _, bi := range fd.Bubbles {
			if ms[bi].Darkness < 0.15 { // a filled bubble hides its outline
				rs = append(rs, ms[bi].ring)
			}
		}
		if len(rs) == 0 || median(rs) >= fieldRingLost {
			continue
		}
		lost++
		f := &fields[i]
		if !f.Review {
			f.Review, f.Confidence = true, 0
			f.Reason = "the printed bubbles are not found where the sheet's alignment puts them (covered, torn, or the page is curved): check the whole row"
			f.ReasonCode = CodePageStructure
		}
	}
	switch {
	case !q.Verified:
		return &pageCheck{CodePageAlignment, "the sheet's alignment cannot be checked (a corner square or the mid-edge squares are hidden and the code strip is unreadable): confirm every answer against the scan"}
	case lost >= pageFieldsLost:
		return &pageCheck{CodePageStructure, "the printed bubbles are not where the sheet's alignment puts them in several places (a curved or covered page): confirm every answer against the scan"}
	case model.outside >= outsideStyle:
		return &pageCheck{CodePageMarksModel, "the candidate marked answers outside the bubbles (circles around them, or large ticks beside them), so a mark may belong to a neighbouring bubble or question: confirm every answer against the scan"}
	case bitonal && (model.fills < 12 || model.solid < 0.85):
		return &pageCheck{CodePageMarksModel, "a black-and-white scan of light marks: marks lighter than the scanner's threshold may have vanished; confirm every answer against the scan, or rescan in grey"}
	}
	return nil
}

func joinInOrder(l *Layout, fd FieldSpec, a, b []string) string {
	var s strings.Builder
	for _, bi := range fd.Bubbles {
		v := l.Bubbles[bi].Value
		if containsStr(a, v) || containsStr(b, v) {
			s.WriteString(v)
		}
	}
	return s.String()
}

func containsStr(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// unsureMarkLikeness is where the least mark-like unsure bubble of a field sits between
// the blank and the marked threshold: 0 at blank, 1 at marked. The best guess counts
// every unsure bubble as marked, so this is how much that guess can be trusted.
func unsureMarkLikeness(p *calibration.Profile, fd FieldSpec, states []calibration.State, m []meas) float64 {
	like := 1.0
	for i, bi := range fd.Bubbles {
		if states[i] != calibration.Unsure {
			continue
		}
		t := (m[bi].Darkness - p.BlankMax) / (p.MarkMin - p.BlankMax)
		like = math.Min(like, math.Max(0, math.Min(1, t)))
	}
	return like
}
