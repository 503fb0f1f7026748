//go:build matprofile

package omr_test

import (
	"context"
	"testing"

	"gocv.io/x/gocv"

	"tarazy/omr"
	"tarazy/omr/form"
	"tarazy/omr/synth"
)

// TestNoMatLeaks reads a batch of good and bad pages and then asks gocv how many Mats
// are still alive: any number but zero is a leak that would grow with every sheet of a
// 100,000-sheet contest. Run with -tags matprofile (make test does).
func TestNoMatLeaks(t *testing.T) {
	before := gocv.MatProfile.Count()
	r, err := omr.NewReader(omr.Options{})
	if err != nil {
		t.Fatal(err)
	}
	f, _ := form.Get("g7")
	g := synth.New(synth.Options{DPI: 150})
	inputs := [][]byte{nil, []byte("%PDF-1.4\n"), []byte("junk")}
	for i := uint64(0); i < 12; i++ {
		s, err := g.Generate(f, synth.RandomCandidate(f, i), i)
		if err != nil {
			t.Fatal(err)
		}
		inputs = append(inputs, s.Data, s.Data[:len(s.Data)/3])
	}
	for i, data := range inputs {
		if _, err := r.ReadBytes(context.Background(), "page", data); err != nil {
			t.Fatalf("input %d: %v", i, err)
		}
	}
	if n := gocv.MatProfile.Count() - before; n != 0 {
		var b []byte
		w := &sliceWriter{&b}
		gocv.MatProfile.WriteTo(w, 1)
		t.Fatalf("%d gocv Mats leaked after %d pages:\n%s", n, len(inputs), b)
	}
}

type sliceWriter struct{ b *[]byte }

func (w *sliceWriter) Write(p []byte) (int, error) { *w.b = append(*w.b, p...); return len(p), nil }
