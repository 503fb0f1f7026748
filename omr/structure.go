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
// height, so a sample of rows (one every millimetre or so) finds it as surely as all of
// them, at a fraction of the cost.
const (
	streakStep = 8
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

// streaks finds the streaks of the working image: columns (a sheet-fed scanner's) and
// rows (a scan turned by its software).
func (s *scan) streaks() []streak {
	w, h := s.w, s.h
	if w < 8 || h < 8 {
		return nil
	}
	colCount, colContrast := make([]int32, w), make([]int32, w)
	rows := 0
	for y := 0; y < h; y += streakStep {
		rows++
		row := s.pix[y*w : (y+1)*w]
		for x := 2; x < w-2; x++ {
			v, l, r := int32(row[x]), int32(row[x-2]), int32(row[x+2])
			if l-v > streakDelta && r-v > streakDelta {
				colCount[x]++
				colContrast[x] += min(l, r) - v
			}
		}
	}
	rowCount, rowContrast := make([]int32, h), make([]int32, h)
	cols := (w + streakStep - 1) / streakStep
	for y := 2; y < h-2; y++ {
		up, row, down := s.pix[(y-2)*w:(y-1)*w], s.pix[y*w:(y+1)*w], s.pix[(y+2)*w:(y+3)*w]
		for x := 0; x < w; x += streakStep {
			v, a, b := int32(row[x]), int32(up[x]), int32(down[x])
			if a-v > streakDelta && b-v > streakDelta {
				rowCount[y]++
				rowContrast[y] += min(a, b) - v
			}
		}
	}
	out := runs(colCount, colContrast, rows, true)
	return append(out, runs(rowCount, rowContrast, cols, false)...)
}

// runs turns per-line counts into streaks, one per run of neighbouring lines.
func runs(count, contrast []int32, sampled int, vertical bool) []streak {
	var out []streak
	for j := range count {
		if count[j] == 0 || float64(count[j]) < streakShare*float64(sampled) {
			continue
		}
		c := float64(contrast[j]) / float64(count[j]) / 255
		if k := len(out) - 1; k >= 0 && j-out[k].at <= 2 {
			if c > out[k].contrast {
				out[k].at, out[k].contrast = j, c
			}
			continue
		}
		out = append(out, streak{vertical: vertical, at: j, contrast: c})
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
