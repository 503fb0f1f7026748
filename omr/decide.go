package omr

import (
	"math"
	"strings"

	"tarazy/calibration"
)

const reasonBlankDigit = "this IIN digit is not filled in"

// decide turns bubble measures into field values. It returns one Field per layout
// field, in layout order, followed by the "qr" pseudo-field (never under review here;
// checkIdentity flags it).
//
// Per bubble the profile says blank, marked or unsure. Per field:
//   - unsure bubbles beside a sure mark that are much lighter than it, with no pen-dark
//     pixels, are erasures (the usual "changed my mind" smudge) and count as blank;
//   - any other unsure bubble sends the field to review: nothing is guessed;
//   - a question may have no mark (blank) or several (a multi-mark, every letter);
//   - an IIN digit and the variant need exactly one mark.
func (r *Reader) decide(l *Layout, m []calibration.Sample) []Field {
	p := r.profile
	out := make([]Field, 0, len(l.Fields)+1)
	for _, fd := range l.Fields {
		states := make([]calibration.State, len(fd.Bubbles))
		conf := 1.0
		var strongest calibration.Sample
		hasMark := false
		for i, bi := range fd.Bubbles {
			st, c := p.Classify(m[bi])
			states[i] = st
			if st == calibration.Marked {
				hasMark = true
				strongest.Darkness = math.Max(strongest.Darkness, m[bi].Darkness)
				strongest.Ink = math.Max(strongest.Ink, m[bi].Ink)
			}
			if st != calibration.Unsure {
				conf = math.Min(conf, c)
			}
		}
		var unsure, marked []string
		for i, bi := range fd.Bubbles {
			v := l.Bubbles[bi].Value
			switch states[i] {
			case calibration.Marked:
				marked = append(marked, v)
			case calibration.Unsure:
				if hasMark && p.IsErasure(m[bi], strongest) {
					continue
				}
				unsure = append(unsure, v)
			}
		}
		f := Field{Name: fd.Name, Confidence: 0.5 + 0.5*conf}
		switch fd.Kind {
		case KindQuestion:
			f.Value = strings.Join(marked, "")
			if len(unsure) > 0 {
				// Best guess for the reviewer: every mark, sure or not, with a confidence
				// below one half that says how far the faintest of them is from blank.
				f.Value = joinInOrder(l, fd, marked, unsure)
				f.Review, f.Confidence = true, 0.5*unsureMarkLikeness(p, fd, states, m)
				f.Reason = "unclear mark on " + strings.Join(unsure, ", ") + ": a light mark, a partial erasure or a smudge"
			}
		default:
			switch {
			case len(unsure) > 0:
				f.Review, f.Confidence = true, 0
				if len(marked) == 1 {
					f.Value = marked[0]
				}
				f.Reason = "unclear mark on " + strings.Join(unsure, ", ")
			case len(marked) == 1:
				f.Value = marked[0]
			case len(marked) > 1:
				f.Review, f.Confidence = true, 0
				f.Reason = "more than one bubble filled: " + strings.Join(marked, ", ")
			case fd.Kind == KindIINDigit:
				// Whether a blank digit needs review depends on the rest of the IIN and
				// the QR code; checkIdentity decides.
				f.Reason = reasonBlankDigit
			default:
				f.Review, f.Confidence = true, 0
				f.Reason = "no variant is filled in: read it from the question booklet's cover"
			}
		}
		out = append(out, f)
	}
	out = append(out, Field{Name: "qr", Confidence: 1})
	return out
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
func unsureMarkLikeness(p *calibration.Profile, fd FieldSpec, states []calibration.State, m []calibration.Sample) float64 {
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
