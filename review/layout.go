package review

import (
	"math"

	"tarazy/omr/reading"
)

// Layout is where each field is printed on a form's sheet, in millimetres from the
// page's top-left corner, as the review screen needs it to outline a field on the
// page and to draw a reading over it. omr derives it from its one sheet geometry;
// the server receives it as a function so that it never links OpenCV.
type Layout map[string]Place // field name (q3, iin, iin4, variant) → place

// Place is one field's box and its bubbles.
type Place struct {
	X, Y, W, H float64
	Bubbles    []Bubble
}

// Bubble is one printed circle of a field.
type Bubble struct {
	Value   string
	X, Y, R float64
}

// Project maps a point of the sheet (mm) to pixels of the stored page image.
func Project(a *reading.Alignment, x, y float64) (px, py float64, ok bool) {
	if a == nil {
		return 0, 0, false
	}
	h := a.H
	w := h[6]*x + h[7]*y + h[8]
	if w == 0 || math.IsNaN(w) {
		return 0, 0, false
	}
	return (h[0]*x + h[1]*y + h[2]) / w, (h[3]*x + h[4]*y + h[5]) / w, true
}

// PixelBox is the axis-aligned pixel rectangle that holds a sheet rectangle (mm) with
// a margin (mm) around it, clipped to the image.
func PixelBox(a *reading.Alignment, x, y, w, h, margin float64) (x0, y0, x1, y1 int, ok bool) {
	if a == nil {
		return 0, 0, 0, 0, false
	}
	minX, minY, maxX, maxY := math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
	for _, c := range [][2]float64{{x - margin, y - margin}, {x + w + margin, y - margin}, {x - margin, y + h + margin}, {x + w + margin, y + h + margin}} {
		px, py, ok := Project(a, c[0], c[1])
		if !ok {
			return 0, 0, 0, 0, false
		}
		minX, minY, maxX, maxY = math.Min(minX, px), math.Min(minY, py), math.Max(maxX, px), math.Max(maxY, py)
	}
	x0, y0 = max(0, int(minX)), max(0, int(minY))
	x1, y1 = min(a.Width, int(math.Ceil(maxX))), min(a.Height, int(math.Ceil(maxY)))
	return x0, y0, x1, y1, x1 > x0 && y1 > y0
}
