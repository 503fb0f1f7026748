package calibration

import (
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"math"

	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"
)

// Histogram draws the batch's darkness distribution (log counts) with the profile's
// thresholds: blank below the green line, marked above the red one, review between.
func Histogram(samples []Sample, p *Profile) *image.RGBA {
	const w, h, left, bottom, top = 900, 420, 50, 40, 30
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.Draw(img, img.Bounds(), image.White, image.Point{}, draw.Src)
	const bins = 120
	var counts [bins]int
	for _, s := range samples {
		counts[bin(s.Darkness, bins)]++
	}
	max := 1.0
	for _, c := range counts {
		max = math.Max(max, math.Log10(float64(c)+1))
	}
	plotW, plotH := w-left-20, h-bottom-top
	xOf := func(d float64) int { return left + int((d+0.2)/1.2*float64(plotW)) }
	for i, c := range counts {
		bh := int(math.Log10(float64(c)+1) / max * float64(plotH))
		x0 := left + i*plotW/bins
		x1 := left + (i+1)*plotW/bins - 1
		draw.Draw(img, image.Rect(x0, h-bottom-bh, x1, h-bottom), image.NewUniform(color.RGBA{70, 90, 140, 255}), image.Point{}, draw.Src)
	}
	vline := func(d float64, c color.RGBA) {
		x := xOf(d)
		draw.Draw(img, image.Rect(x-1, top, x+1, h-bottom), image.NewUniform(c), image.Point{}, draw.Src)
	}
	vline(p.BlankMax, color.RGBA{0, 150, 0, 255})
	vline(p.MarkMin, color.RGBA{200, 0, 0, 255})
	draw.Draw(img, image.Rect(left, h-bottom, left+plotW, h-bottom+1), image.Black, image.Point{}, draw.Src)
	label := func(x, y int, s string) {
		d := font.Drawer{Dst: img, Src: image.Black, Face: basicfont.Face7x13, Dot: fixed.P(x, y)}
		d.DrawString(s)
	}
	for _, t := range []float64{-0.2, 0, 0.2, 0.4, 0.6, 0.8, 1.0} {
		label(xOf(t)-12, h-bottom+16, fmt.Sprintf("%.1f", t))
	}
	label(left, 18, fmt.Sprintf("%s: %d bubbles from %d pages; darkness (1 - grey/paper white, page blank level = 0), log count", p.Scanner, len(samples), p.Pages))
	label(xOf(p.BlankMax)+4, top+14, fmt.Sprintf("blank <= %.3f", p.BlankMax))
	label(xOf(p.MarkMin)+4, top+30, fmt.Sprintf("marked >= %.3f", p.MarkMin))
	label(left, h-8, "between the lines: a person decides (unless the row has a sure mark and this is a much lighter smudge)")
	return img
}

// Summary is a batch's fill distribution in numbers, small enough to send with the
// batch and draw on the dashboard: the profile it was read with and the counts of
// bubble darkness in SummaryBins equal bins over [SummaryLow, SummaryHigh].
type Summary struct {
	Profile Profile `json:"profile"`
	Low     float64 `json:"low"`
	High    float64 `json:"high"`
	Counts  []int   `json:"counts"`
}

// The range and bins of a Summary: the same as the histogram PNG's.
const (
	SummaryLow  = -0.2
	SummaryHigh = 1.0
	SummaryBins = 120
)

// Summarize counts the samples' darkness for a Summary.
func Summarize(samples []Sample, p *Profile) Summary {
	s := Summary{Profile: *p, Low: SummaryLow, High: SummaryHigh, Counts: make([]int, SummaryBins)}
	for _, x := range samples {
		s.Counts[bin(x.Darkness, SummaryBins)]++
	}
	return s
}
