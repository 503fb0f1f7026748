package main

import (
	"math"

	"tarazy/omr"
	"tarazy/omr/form"
	"tarazy/review"
)

// sheetLayout gives the review screen omr's one sheet geometry of a form, as plain
// data (the server links no OpenCV). "iin" is the whole IIN grid with the boxes the
// candidate writes the digits in.
func sheetLayout(formID string) (review.Layout, error) {
	f, err := form.Get(formID)
	if err != nil {
		return nil, err
	}
	l, err := omr.NewLayout(f)
	if err != nil {
		return nil, err
	}
	out := review.Layout{}
	minX, minY, maxX, maxY := math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
	grow := func(x, y, w, h float64) {
		minX, minY, maxX, maxY = math.Min(minX, x), math.Min(minY, y), math.Max(maxX, x+w), math.Max(maxY, y+h)
	}
	for _, fd := range l.Fields {
		p := review.Place{X: fd.Box.X, Y: fd.Box.Y, W: fd.Box.W, H: fd.Box.H}
		for _, i := range fd.Bubbles {
			b := l.Bubbles[i]
			p.Bubbles = append(p.Bubbles, review.Bubble{Value: b.Value, X: b.X, Y: b.Y, R: b.R})
		}
		out[fd.Name] = p
		if fd.Kind == omr.KindIINDigit {
			grow(fd.Box.X, fd.Box.Y, fd.Box.W, fd.Box.H)
		}
	}
	for _, b := range l.IINBoxes {
		grow(b.X, b.Y, b.W, b.H)
	}
	if !math.IsInf(minX, 0) {
		out["iin"] = review.Place{X: minX, Y: minY, W: maxX - minX, H: maxY - minY}
	}
	return out, nil
}
