package synth_test

import (
	"testing"

	"tarazy/omr/form"
	"tarazy/omr/synth"
)

func BenchmarkGenerate(b *testing.B) {
	f, _ := form.Get("g7")
	g := synth.New(synth.Options{})
	for i := 0; i < b.N; i++ {
		c := synth.RandomCandidate(f, uint64(i))
		if _, err := g.Generate(f, c, uint64(i)); err != nil {
			b.Fatal(err)
		}
	}
}
