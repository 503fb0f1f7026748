package validation

import (
	"math"
	"math/rand/v2"
)

// Everything random in the corpus comes from one PCG stream per page, seeded from the
// corpus seed, the condition's name and the page's index, so a page is the same
// whatever order or parallelism generated it.

func pageRand(seed uint64, condition string, index int) *rand.Rand {
	h := seed
	for _, b := range []byte(condition) {
		h = mix64(h ^ uint64(b))
	}
	return rand.New(rand.NewPCG(h, mix64(h^uint64(index)+0x9E3779B97F4A7C15)))
}

// mix64 is the splitmix64 finaliser: a cheap bijection that scatters bits.
func mix64(h uint64) uint64 {
	h ^= h >> 30
	h *= 0xBF58476D1CE4E5B9
	h ^= h >> 27
	h *= 0x94D049BB133111EB
	h ^= h >> 31
	return h
}

// uni draws uniformly from [lo, hi).
func uni(r *rand.Rand, lo, hi float64) float64 { return lo + (hi-lo)*r.Float64() }

// chance is true with probability p.
func chance(r *rand.Rand, p float64) bool { return r.Float64() < p }

// pick returns one of the choices.
func pick[T any](r *rand.Rand, choices ...T) T { return choices[r.IntN(len(choices))] }

// lattice is the value at an integer point of a noise field, in [0, 1).
func lattice(seed uint64, ix, iy int64) float32 {
	h := mix64(seed ^ uint64(ix)*0x9E3779B97F4A7C15 ^ uint64(iy)*0xC2B2AE3D27D4EB4F)
	return float32(h>>40) / (1 << 24)
}

// vnoise is smooth value noise in [0, 1) with a feature size of one unit.
func vnoise(seed uint64, x, y float64) float32 {
	fx, fy := math.Floor(x), math.Floor(y)
	ix, iy := int64(fx), int64(fy)
	tx, ty := float32(x-fx), float32(y-fy)
	tx = tx * tx * (3 - 2*tx)
	ty = ty * ty * (3 - 2*ty)
	a := lattice(seed, ix, iy)
	b := lattice(seed, ix+1, iy)
	c := lattice(seed, ix, iy+1)
	d := lattice(seed, ix+1, iy+1)
	top := a + (b-a)*tx
	bot := c + (d-c)*tx
	return top + (bot-top)*ty
}

// fbm sums octaves of value noise, each half the size and half the weight of the one
// before; the result stays in [0, 1).
func fbm(seed uint64, x, y float64, octaves int) float32 {
	var sum, norm, amp float32 = 0, 0, 1
	for o := 0; o < octaves; o++ {
		sum += amp * vnoise(seed+uint64(o)*0x632BE59BD9B4E019, x, y)
		norm += amp
		amp /= 2
		x, y = x*2.03, y*2.03
	}
	return sum / norm
}

// gauss is a fast source of normal deviates for sensor noise: a table drawn once per
// page and walked by a xorshift index, because a call to NormFloat64 per pixel of a
// 600-dpi page costs more than the rest of the scanner model.
type gauss struct {
	table [4096]float32
	s     uint64
}

func newGauss(r *rand.Rand) *gauss {
	g := &gauss{s: r.Uint64() | 1}
	for i := range g.table {
		g.table[i] = float32(r.NormFloat64())
	}
	return g
}

func (g *gauss) next() float32 {
	g.s ^= g.s << 13
	g.s ^= g.s >> 7
	g.s ^= g.s << 17
	return g.table[g.s&4095]
}

func clamp01(v float32) float32 {
	if v < 0 {
		return 0
	}
	if v > 1 {
		return 1
	}
	return v
}

func smoothstep(e0, e1, x float32) float32 {
	t := clamp01((x - e0) / (e1 - e0))
	return t * t * (3 - 2*t)
}
