package calibration_test

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"tarazy/calibration"
)

// batch makes bubbles the way a scanner sees them: most blank near 0, a fifth marked
// around markMean.
func batch(n int, blankSD, markMean, markSD float64) []calibration.Sample {
	rng := rand.New(rand.NewPCG(1, 1))
	out := make([]calibration.Sample, n)
	for i := range out {
		if i%5 == 0 {
			out[i] = calibration.Sample{Darkness: markMean + rng.NormFloat64()*markSD, Ink: 0.9, Spread: 0.9}
		} else {
			out[i] = calibration.Sample{Darkness: rng.NormFloat64() * blankSD}
		}
	}
	return out
}

func TestFitFollowsTheScanner(t *testing.T) {
	crisp, err := calibration.Fit("crisp", 10, batch(5000, 0.004, 0.65, 0.08))
	if err != nil {
		t.Fatal(err)
	}
	noisy, err := calibration.Fit("noisy", 10, batch(5000, 0.012, 0.65, 0.08))
	if err != nil {
		t.Fatal(err)
	}
	if !(noisy.BlankMax > crisp.BlankMax) {
		t.Errorf("a noisier scanner must get a higher blank threshold: crisp %.3f, noisy %.3f", crisp.BlankMax, noisy.BlankMax)
	}
	light, err := calibration.Fit("light pencils", 10, batch(5000, 0.004, 0.26, 0.01))
	if err != nil {
		t.Fatal(err)
	}
	if !(light.MarkMin < crisp.MarkMin) || light.MarkMin < 0.22 {
		t.Errorf("light pencils must lower the mark threshold within its limit: %.3f vs %.3f", light.MarkMin, crisp.MarkMin)
	}
	for _, p := range []*calibration.Profile{crisp, noisy, light} {
		if err := p.Validate(); err != nil {
			t.Errorf("%s: %v", p.Scanner, err)
		}
	}
}

func TestFitRefusesABatchWithoutMarks(t *testing.T) {
	_, err := calibration.Fit("blank pages", 3, batch(2000, 0.004, 0.004, 0.001)[:0])
	if !errors.Is(err, calibration.ErrTooFewMarks) {
		t.Fatalf("err %v, want ErrTooFewMarks", err)
	}
	s := make([]calibration.Sample, 3000)
	if _, err := calibration.Fit("blank pages", 3, s); !errors.Is(err, calibration.ErrTooFewMarks) {
		t.Fatalf("err %v, want ErrTooFewMarks", err)
	}
}

func TestClassify(t *testing.T) {
	p := calibration.Default()
	for _, tc := range []struct {
		name string
		s    calibration.Sample
		want calibration.State
	}{
		{"blank", calibration.Sample{Darkness: 0.005}, calibration.Blank},
		{"dust speck", calibration.Sample{Darkness: 0.02, Ink: 0.03, Spread: 0.03}, calibration.Blank},
		{"full fill", calibration.Sample{Darkness: 0.6, Ink: 0.95, Spread: 0.95}, calibration.Marked},
		{"tick", calibration.Sample{Darkness: 0.1, Ink: 0.03, Spread: 0.38}, calibration.Marked},
		{"eraser smudge", calibration.Sample{Darkness: 0.15, Ink: 0, Spread: 0.8}, calibration.Unsure},
		{"light mark", calibration.Sample{Darkness: 0.18, Ink: 0.002, Spread: 0.7}, calibration.Unsure},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got, _ := p.Classify(tc.s); got != tc.want {
				t.Errorf("%+v is %v, want %v", tc.s, got, tc.want)
			}
		})
	}
	fill := calibration.Sample{Darkness: 0.6, Ink: 0.95, Spread: 0.95}
	if !p.IsErasure(calibration.Sample{Darkness: 0.15, Spread: 0.8}, fill) {
		t.Error("a smudge beside a full fill must be an erasure")
	}
	if p.IsErasure(calibration.Sample{Darkness: 0.15, Ink: 0.03, Spread: 0.35}, fill) {
		t.Error("a faint tick beside a fill is not an erasure")
	}
}

func TestProfileRoundTrip(t *testing.T) {
	p, err := calibration.Fit("Canon DR-C240", 10, batch(5000, 0.004, 0.65, 0.08))
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := p.Write(&b); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "p.json")
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := calibration.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(p, got); diff != "" {
		t.Errorf("profile (-want +got):\n%s", diff)
	}
	os.WriteFile(path, []byte(`{"blank_max":0.5,"mark_min":0.2}`), 0o644)
	if _, err := calibration.Load(path); err == nil {
		t.Error("a profile with blank_max above mark_min must not load")
	}
}

func TestHistogramDraws(t *testing.T) {
	img := calibration.Histogram(batch(2000, 0.004, 0.65, 0.08), calibration.Default())
	if img.Bounds().Dx() < 400 {
		t.Fatalf("histogram %v", img.Bounds())
	}
}
