package synth_test

import (
	"bytes"
	"testing"

	"tarazy/iin"
	"tarazy/omr/form"
	"tarazy/omr/synth"
)

// The corpus is only a proof if it is the same corpus every time.
func TestSameSeedSameScan(t *testing.T) {
	f, _ := form.Get("g6")
	c := synth.RandomCandidate(f, 42)
	a, err := synth.New(synth.Options{DPI: 150}).Generate(f, c, 42)
	if err != nil {
		t.Fatal(err)
	}
	b, err := synth.New(synth.Options{DPI: 150}).Generate(f, c, 42)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Data, b.Data) || a.Name != b.Name {
		t.Fatal("the same seed gave two different scans")
	}
	d, _ := synth.New(synth.Options{DPI: 150}).Generate(f, c, 43)
	if bytes.Equal(a.Data, d.Data) {
		t.Fatal("different seeds gave the same scan")
	}
}

func TestRandomCandidateIsPlausible(t *testing.T) {
	f, _ := form.Get("g7")
	for seed := uint64(0); seed < 50; seed++ {
		c := synth.RandomCandidate(f, seed)
		if !iin.Valid(c.IIN) || len(c.Answers) != 75 || c.Variant < 1 || c.Variant > f.Variants {
			t.Fatalf("seed %d: %+v", seed, c)
		}
	}
}
