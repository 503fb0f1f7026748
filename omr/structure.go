package omr

import "math"

// streak is a line straight down or across the whole scan: dirt or a scratch on a
// sheet-fed scanner's glass draws one through every sheet at the same place, and
// through a column of bubbles it looks like a mark in each.
type streak struct {
	vertical bool
	at       int     // working-image column (vertical) or row
	contrast float64 // how much darker than the paper beside it, share of white
}

// Streaks are looked for on every streakStep-th row (column): a streak runs the whole
// height, so a sample of rows finds it as surely as all of them, at a third the cost.
const (
	streakStep = 3
	// A column is a streak where it is darker than the columns two pixels either side
	// on at least this share of the sampled rows; printed lines, bubble outlines and
	// handwriting are far shorter.
	streakShare = 0.55
	// Darker by at least this many grey levels to count on a row.
	streakDelta = 10
	// A streak fainter than this (share of white) cannot turn a blank bubble into a
	// mark and is let be.
	streakHarmful = 0.12
)

// streaks finds the streaks of the working image.
func (s *scan) streaks() []streak {
	var out []streak
	out = append(out, lines(s.pix, s.w, s.h, s.w, 1, true)...)
	out = append(out, lines(s.pix, s.h, s.w, 1, s.w, false)...)
	return out
}

// lines scans n positions along an axis; each line is `length` pixels long, pixel i of
// line j at pix[j*step + i*stride].
func lines(pix []uint8, n, length, stride, step int, vertical bool) []streak {
	if n < 8 || length < 8 {
		return nil
	}
	count := make([]int32, n)
	contrast := make([]int32, n)
	sampled := 0
	for i := 0; i < length; i += streakStep {
		sampled++
		base := i * stride
		for j := 2; j < n-2; j++ {
			v := int32(pix[base+j*step])
			l := int32(pix[base+(j-2)*step])
			r := int32(pix[base+(j+2)*step])
			if l-v > streakDelta && r-v > streakDelta {
				count[j]++
				contrast[j] += min(l, r) - v
			}
		}
	}
	var out []streak
	for j := 2; j < n-2; j++ {
		if float64(count[j]) < streakShare*float64(sampled) {
			continue
		}
		// One streak per run of neighbouring columns: the darkest of them.
		if len(out) > 0 && out[len(out)-1].vertical == vertical && j-out[len(out)-1].at <= 2 {
			if c := float64(contrast[j]) / float64(count[j]); c > out[len(out)-1].contrast*255 {
				out[len(out)-1].at, out[len(out)-1].contrast = j, c/255
			}
			continue
		}
		out = append(out, streak{vertical: vertical, at: j, contrast: float64(contrast[j]) / float64(count[j]) / 255})
	}
	return out
}

// streakThroughBubbles returns a harmful streak that crosses a bubble's measured disc,
// if there is one.
func (s *scan) streakThroughBubbles(l *Layout) (streak, bool) {
	for _, st := range s.streaks() {
		if st.contrast < streakHarmful {
			continue
		}
		for _, b := range l.Bubbles {
			c := s.hmm.apply(Pt{b.X, b.Y})
			r := b.R*innerShare*s.hmm.scale(Pt{b.X, b.Y}) + 1
			pos := c.Y
			if st.vertical {
				pos = c.X
			}
			if math.Abs(float64(st.at)+0.5-pos) <= r {
				return st, true
			}
		}
	}
	return streak{}, false
}
