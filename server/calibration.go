package server

import (
	"fmt"
	"html/template"
	"math"
	"net/http"
	"net/url"
	"strings"

	"github.com/go-chi/chi/v5"

	"tarazy/calibration"
	"tarazy/server/wire"
	"tarazy/store"
)

// batchParam is the {batch} path segment decoded: a batch name is free text ("hall 1,
// morning"), and the router hands over the escaped form when the client escaped more
// than the minimum.
func batchParam(r *http.Request) (string, error) {
	name, err := url.PathUnescape(chi.URLParam(r, "batch"))
	if err != nil {
		return "", invalidf("the batch name in the path is not valid URL encoding: %v", err)
	}
	return name, nil
}

// BatchCalibrationRequest is what a worker sends before a batch's pages (package wire).
type BatchCalibrationRequest = wire.BatchCalibrationRequest

func (s *Server) putBatchCalibration(w http.ResponseWriter, r *http.Request) error {
	contest, school := chi.URLParam(r, "contest"), chi.URLParam(r, "school")
	name, err := batchParam(r)
	if err != nil {
		return err
	}
	var req BatchCalibrationRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	batch := store.Batch{Name: name, Operator: req.Operator, Scanner: req.Scanner}
	if err := s.store.PutBatchCalibration(r.Context(), Actor(r.Context()), contest, school, batch, req.Calibration); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// histogramSVG draws a batch's fill histogram (log counts) with its thresholds, like
// `tarazy calibrate`'s PNG: blank left of the green line, marked right of the red one,
// a person decides between them. Only numbers go into the markup.
func histogramSVG(sum calibration.Summary) template.HTML {
	const w, h, left, bottom, top = 720.0, 220.0, 36.0, 26.0, 10.0
	plotW, plotH := w-left-10, h-bottom-top
	span := sum.High - sum.Low
	if span <= 0 || len(sum.Counts) == 0 {
		return ""
	}
	xOf := func(d float64) float64 { return left + (d-sum.Low)/span*plotW }
	maxLog := 1.0
	for _, c := range sum.Counts {
		maxLog = math.Max(maxLog, math.Log10(float64(c)+1))
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="histogram" data-testid="histogram" width="%.0f" height="%.0f" viewBox="0 0 %.0f %.0f" role="img">`, w, h, w, h)
	bw := plotW / float64(len(sum.Counts))
	for i, c := range sum.Counts {
		if c == 0 {
			continue
		}
		bh := math.Log10(float64(c)+1) / maxLog * plotH
		fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="#46598c"><title>%d</title></rect>`,
			left+float64(i)*bw, h-bottom-bh, math.Max(bw-0.5, 0.5), bh, c)
	}
	fmt.Fprintf(&b, `<line x1="%.0f" y1="%.0f" x2="%.0f" y2="%.0f" stroke="#000"/>`, left, h-bottom, left+plotW, h-bottom)
	for _, t := range []float64{-0.2, 0, 0.2, 0.4, 0.6, 0.8, 1.0} {
		fmt.Fprintf(&b, `<text x="%.1f" y="%.0f" font-size="11" text-anchor="middle">%.1f</text>`, xOf(t), h-8, t)
	}
	line := func(d float64, color, label string) {
		x := xOf(d)
		fmt.Fprintf(&b, `<line x1="%.1f" y1="%.0f" x2="%.1f" y2="%.0f" stroke="%s" stroke-width="2"/>`, x, top, x, h-bottom, color)
		fmt.Fprintf(&b, `<text x="%.1f" y="%.0f" font-size="11" fill="%s">%s %.3f</text>`, x+4, top+12, color, label, d)
	}
	line(sum.Profile.BlankMax, "#008a00", "≤")
	line(sum.Profile.MarkMin, "#c80000", "≥")
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}
