package omr

import (
	"testing"

	"tarazy/calibration"
)

// A field under review carries a confidence below one half that tells the reviewer
// how mark-like its faintest unsure bubble is, not a flat zero.
func TestUnsureMarkLikeness(t *testing.T) {
	p := calibration.Default()
	fd := FieldSpec{Name: "q1", Kind: KindQuestion, Bubbles: []int{0, 1, 2}}
	mid := (p.BlankMax + p.MarkMin) / 2
	near := p.BlankMax + 0.1*(p.MarkMin-p.BlankMax)
	m := []meas{{Sample: calibration.Sample{Darkness: 0.9}}, {Sample: calibration.Sample{Darkness: mid}}, {Sample: calibration.Sample{Darkness: near}}}
	states := []calibration.State{calibration.Marked, calibration.Unsure, calibration.Blank}
	if got := unsureMarkLikeness(p, fd, states, m); got < 0.49 || got > 0.51 {
		t.Errorf("one unsure bubble half-way: %.3f, want 0.5", got)
	}
	states[2] = calibration.Unsure
	if got := unsureMarkLikeness(p, fd, states, m); got < 0.09 || got > 0.11 {
		t.Errorf("the faintest unsure bubble decides: %.3f, want 0.1", got)
	}
}
