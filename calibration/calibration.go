// Package calibration learns, from a batch of scans, where a blank bubble ends and a
// marked one begins. Scanners differ (contrast, gamma, dithering) and so do pens and
// pencils, so fixed thresholds are wrong somewhere; a profile is learned per scanner from
// the batch's own fill distribution, saved as JSON, and given to the reader.
//
// It is pure Go: the reader measures, this package decides what the measures mean.
package calibration

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"sort"
)

// Sample is one bubble as the reader measured it.
//
// Darkness is 1 − mean grey / local paper white over the bubble's inside, minus the
// median of the page (so printed letters and grey paper cancel out). Ink is the share
// of the inside darker than 0.6 × the paper white, minus the page median: a pen stroke
// is few but very dark pixels, a smudge is many medium-grey ones.
//
// Spread is the share of the inside visibly darker than paper (below 0.9 × white),
// minus the page median: an eraser's smudge covers the bubble, a faint tick does not.
type Sample struct {
	Darkness float64 `json:"darkness"`
	Ink      float64 `json:"ink"`
	Spread   float64 `json:"spread"`
}

// State of one bubble.
type State int

const (
	Blank State = iota
	Marked
	Unsure
)

func (s State) String() string {
	switch s {
	case Blank:
		return "blank"
	case Marked:
		return "marked"
	}
	return "unsure"
}

// Profile is the set of thresholds the reader decides with.
type Profile struct {
	Scanner string `json:"scanner"` // who the profile is for, e.g. "Canon DR-C240, room 12"
	Pages   int    `json:"pages"`   // pages learned from (0 for the built-in default)
	Bubbles int    `json:"bubbles"`

	// A bubble with Darkness ≤ BlankMax and Ink ≤ InkBlank is blank, and so is one
	// with Darkness ≤ SpeckMax whatever its ink (a speck of dust or a hair).
	BlankMax float64 `json:"blank_max"`
	InkBlank float64 `json:"ink_blank"`
	SpeckMax float64 `json:"speck_max"`
	// A bubble with Darkness ≥ MarkMin is marked (a fill). So is a stroke (a tick or
	// a cross): Darkness ≥ StrokeDark and Ink ≥ StrokeInk, with the ink a real part
	// of what darkens it (Ink ≥ StrokeShare × Spread), unlike an eraser's smudge.
	MarkMin     float64 `json:"mark_min"`
	StrokeDark  float64 `json:"stroke_dark"`
	StrokeInk   float64 `json:"stroke_ink"`
	StrokeShare float64 `json:"stroke_share"`
	// InkMark is the ink share of a pen-dark mark, beside which a smudge with no ink
	// at all is an erasure.
	InkMark float64 `json:"ink_mark"`
	// In a row with a sure mark, an unsure bubble is an erasure when it is a smudge
	// (Spread ≥ SmudgeSpread, Ink below InkMark/2) and either its darkness is at most
	// EraseRatio × the mark's or it has no ink at all beside a pen-stroke mark.
	EraseRatio   float64 `json:"erase_ratio"`
	SmudgeSpread float64 `json:"smudge_spread"`
	// Beside a sure fill, a trace no darker than TraceMax with an ink share at most
	// TraceInk is what an eraser leaves too, however little of the bubble it covers.
	TraceMax float64 `json:"trace_max"`
	TraceInk float64 `json:"trace_ink"`

	// What was learned, for the report and the histogram.
	BlankMean float64  `json:"blank_mean"`
	BlankSD   float64  `json:"blank_sd"`
	MarkMean  float64  `json:"mark_mean"`
	MarkSD    float64  `json:"mark_sd"`
	Notes     []string `json:"notes,omitempty"`
}

// Default is the profile used before a batch has taught anything. Its thresholds were
// chosen on the synthetic corpus of omr/synth (see the README) and are deliberately
// wide: what falls between them goes to a person.
func Default() *Profile {
	return &Profile{
		Scanner:      "default",
		BlankMax:     0.05,
		InkBlank:     0.02,
		SpeckMax:     0.03,
		MarkMin:      0.25,
		StrokeDark:   0.06,
		StrokeInk:    0.015,
		StrokeShare:  0.03,
		InkMark:      0.06,
		EraseRatio:   0.5,
		SmudgeSpread: 0.5,
		TraceMax:     0.10,
		TraceInk:     0.005,
	}
}

// Limits keep a learned profile sane whatever the batch looks like: a batch of blank
// pages or a scanner set to a strange gamma must not teach a threshold that reads
// paper as ink.
var (
	// The blank threshold stays under the stroke threshold (a faint tick must never
	// become blank) and the fill threshold above the darkest eraser smudges.
	blankMaxRange = [2]float64{0.04, 0.055}
	markMinRange  = [2]float64{0.22, 0.40}
)

// Classify decides one bubble and returns how sure it is: 1 is far from every
// threshold, 0 on one.
func (p *Profile) Classify(s Sample) (State, float64) {
	switch {
	case s.Darkness >= p.MarkMin:
		return Marked, clamp01((s.Darkness - p.MarkMin) / p.MarkMin * 2)
	case s.Darkness >= p.StrokeDark && s.Ink >= p.StrokeInk && s.Ink >= p.StrokeShare*s.Spread:
		return Marked, clamp01(math.Min((s.Ink-p.StrokeInk)/p.StrokeInk, (s.Darkness-p.StrokeDark)/p.StrokeDark))
	case s.Darkness <= p.SpeckMax:
		return Blank, clamp01((p.SpeckMax - s.Darkness) / p.SpeckMax * 2)
	case s.Darkness <= p.BlankMax && s.Ink <= p.InkBlank:
		return Blank, clamp01(math.Min((p.BlankMax-s.Darkness)/p.BlankMax, (p.InkBlank-s.Ink)/p.InkBlank) * 2)
	}
	return Unsure, 0
}

// IsErasure reports whether an unsure bubble beside a sure mark is the remains of an
// erased answer rather than a second answer: it has no pen-dark pixels, and it is
// either much lighter than the mark or the mark is a pen stroke (a tick or cross)
// while it is only a grey smudge.
func (p *Profile) IsErasure(s Sample, mark Sample) bool {
	if mark.Darkness >= p.MarkMin && s.Darkness <= p.TraceMax && s.Ink <= p.TraceInk {
		return true
	}
	if s.Ink >= p.StrokeInk || s.Spread < p.SmudgeSpread {
		return false
	}
	return s.Darkness <= p.EraseRatio*mark.Darkness || (s.Ink <= p.InkBlank && mark.Ink >= p.InkMark)
}

// Validate checks that a profile (perhaps edited by hand) can be used.
func (p *Profile) Validate() error {
	switch {
	case !(p.BlankMax > 0 && p.BlankMax < p.MarkMin && p.MarkMin < 1):
		return fmt.Errorf("profile %q: thresholds must satisfy 0 < blank_max (%g) < mark_min (%g) < 1", p.Scanner, p.BlankMax, p.MarkMin)
	case !(p.InkBlank > 0 && p.InkBlank < p.InkMark && p.InkMark < 1):
		return fmt.Errorf("profile %q: ink thresholds must satisfy 0 < ink_blank (%g) < ink_mark (%g) < 1", p.Scanner, p.InkBlank, p.InkMark)
	case !(p.SpeckMax >= 0 && p.SpeckMax <= p.BlankMax):
		return fmt.Errorf("profile %q: speck_max %g must be between 0 and blank_max (%g)", p.Scanner, p.SpeckMax, p.BlankMax)
	case !(p.StrokeDark > p.BlankMax && p.StrokeDark < p.MarkMin && p.StrokeInk > 0 && p.StrokeShare >= 0):
		return fmt.Errorf("profile %q: stroke thresholds must satisfy blank_max < stroke_dark (%g) < mark_min and stroke_ink > 0", p.Scanner, p.StrokeDark)
	case !(p.EraseRatio > 0 && p.EraseRatio < 1):
		return fmt.Errorf("profile %q: erase_ratio %g must be between 0 and 1", p.Scanner, p.EraseRatio)
	case !(p.SmudgeSpread > 0 && p.SmudgeSpread <= 1):
		return fmt.Errorf("profile %q: smudge_spread %g must be between 0 and 1", p.Scanner, p.SmudgeSpread)
	}
	return nil
}

// ErrTooFewMarks means the batch has too few marked bubbles to learn from.
var ErrTooFewMarks = errors.New("too few marked bubbles to learn from (scan at least a few filled-in sheets)")

// Fit learns a profile from the samples of a batch. Blank bubbles are the large lower
// cluster; marked ones the upper cluster, split by Otsu's method. The blank threshold
// sits 8 robust standard deviations above blank, the fill threshold 3 below the marks
// (never above the default), both within fixed limits; anything between them is left
// to a person, never guessed.
func Fit(scanner string, pages int, samples []Sample) (*Profile, error) {
	p := Default()
	p.Scanner = scanner
	p.Pages = pages
	p.Bubbles = len(samples)
	if len(samples) < 100 {
		return nil, fmt.Errorf("%d bubbles: %w", len(samples), ErrTooFewMarks)
	}
	d := make([]float64, len(samples))
	for i, s := range samples {
		d[i] = s.Darkness
	}
	sort.Float64s(d)
	split := otsu(d)
	var lo, hi []float64
	for _, v := range d {
		if v < split {
			lo = append(lo, v)
		} else {
			hi = append(hi, v)
		}
	}
	if len(hi) < 20 || len(hi) > len(d)/2 {
		return nil, fmt.Errorf("%d of %d bubbles look marked: %w", len(hi), len(d), ErrTooFewMarks)
	}
	p.BlankMean, p.BlankSD = robust(lo)
	p.MarkMean, p.MarkSD = robust(hi)

	// Only the robust spread of the blank cluster counts: its tail holds smudges,
	// dust and faint ticks, which are exactly what the threshold must not swallow.
	p.BlankMax = clamp(p.BlankMean+8*p.BlankSD, blankMaxRange)
	// A fill is sure when it is well inside the mark cluster and well above blank;
	// light pencils move it down, within limits.
	markMin := math.Min(p.MarkMean-3*p.MarkSD, Default().MarkMin)
	markMin = math.Max(markMin, p.BlankMax+0.12)
	p.MarkMin = clamp(markMin, markMinRange)
	if p.MarkMin <= p.BlankMax+0.08 {
		p.Notes = append(p.Notes, "blank and marked bubbles overlap on this scanner: check its contrast settings; more sheets will go to review")
		p.MarkMin = math.Min(markMinRange[1], p.BlankMax+0.12)
	}
	// The other blank-side thresholds move with BlankMax so the profile stays ordered.
	p.SpeckMax = math.Min(p.SpeckMax, p.BlankMax)
	p.StrokeDark = math.Max(p.StrokeDark, p.BlankMax+0.01)
	p.TraceMax = math.Max(p.TraceMax, p.BlankMax+0.02)
	if p.BlankMax == blankMaxRange[1] {
		p.Notes = append(p.Notes, "blank bubbles are unusually noisy (dust, dithering or dirty glass): the blank threshold is at its upper limit")
	}
	return p, p.Validate()
}

// otsu returns the threshold that best separates two clusters in sorted values.
func otsu(sorted []float64) float64 {
	const bins = 200
	var h [bins]float64
	for _, v := range sorted {
		h[bin(v, bins)]++
	}
	total := float64(len(sorted))
	var sum float64
	for i, c := range h {
		sum += float64(i) * c
	}
	var wB, sumB, best float64
	at := 0
	for i, c := range h {
		wB += c
		if wB == 0 {
			continue
		}
		wF := total - wB
		if wF == 0 {
			break
		}
		sumB += float64(i) * c
		mB, mF := sumB/wB, (sum-sumB)/wF
		if v := wB * wF * (mB - mF) * (mB - mF); v > best {
			best, at = v, i
		}
	}
	return (float64(at)+1)/bins*1.2 - 0.2
}

// bin maps a darkness in [-0.2, 1.0] to a histogram bin.
func bin(v float64, bins int) int {
	i := int((v + 0.2) / 1.2 * float64(bins))
	if i < 0 {
		return 0
	}
	if i >= bins {
		return bins - 1
	}
	return i
}

// robust returns the median and the MAD-based standard deviation.
func robust(v []float64) (float64, float64) {
	if len(v) == 0 {
		return 0, 0
	}
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	med := quantile(s, 0.5)
	dev := make([]float64, len(s))
	for i, x := range s {
		dev[i] = math.Abs(x - med)
	}
	sort.Float64s(dev)
	return med, 1.4826 * quantile(dev, 0.5)
}

func quantile(sorted []float64, q float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	i := int(q * float64(len(sorted)-1))
	return sorted[i]
}

func clamp(v float64, r [2]float64) float64 { return math.Max(r[0], math.Min(r[1], v)) }

func clamp01(v float64) float64 { return math.Max(0, math.Min(1, v)) }

// Load reads a profile from a JSON file and validates it.
func Load(path string) (*Profile, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read profile: %w", err)
	}
	var p Profile
	if err := json.Unmarshal(b, &p); err != nil {
		return nil, fmt.Errorf("profile %s is not valid JSON: %w", path, err)
	}
	if err := p.Validate(); err != nil {
		return nil, fmt.Errorf("profile %s: %w", path, err)
	}
	return &p, nil
}

// SHA256 identifies the profile: the hex SHA-256 of its compact JSON. A reading
// records it, so the scan can be read again with the same thresholds.
func (p *Profile) SHA256() string {
	b, _ := json.Marshal(p) // plain numbers and strings: never fails
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// Write saves a profile as indented JSON.
func (p *Profile) Write(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(p)
}
