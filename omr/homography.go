package omr

import (
	"errors"
	"math"
)

// homography maps millimetres on the sheet to pixels of the scan (row-major 3×3 with
// h[8] = 1). It is a tiny least-squares solve over at most six points, done in Go so
// that the reader can map every bubble without a round trip through OpenCV.
type homography [9]float64

func (h *homography) apply(p Pt) Pt {
	w := h[6]*p.X + h[7]*p.Y + h[8]
	return Pt{(h[0]*p.X + h[1]*p.Y + h[2]) / w, (h[3]*p.X + h[4]*p.Y + h[5]) / w}
}

// jacobian returns the local linear map (pixels per millimetre) at p.
func (h *homography) jacobian(p Pt) [4]float64 {
	c := h.apply(p)
	ex := h.apply(Pt{p.X + 1, p.Y})
	ey := h.apply(Pt{p.X, p.Y + 1})
	return [4]float64{ex.X - c.X, ey.X - c.X, ex.Y - c.Y, ey.Y - c.Y}
}

// scale is the mean pixels per millimetre at p.
func (h *homography) scale(p Pt) float64 {
	j := h.jacobian(p)
	return math.Sqrt(math.Abs(j[0]*j[3] - j[1]*j[2]))
}

// mul returns h·g.
func (h *homography) mul(g homography) homography {
	var r homography
	for i := 0; i < 3; i++ {
		for j := 0; j < 3; j++ {
			for k := 0; k < 3; k++ {
				r[3*i+j] += h[3*i+k] * g[3*k+j]
			}
		}
	}
	return r
}

var errSingular = errors.New("the alignment marks are in a degenerate position")

// fitHomography solves the DLT equations in the least-squares sense. Three points give
// an affine map, four or more a full homography. Source points are normalised first
// so the normal equations stay well conditioned.
func fitHomography(src, dst []Pt) (homography, error) {
	n := len(src)
	if n < 3 || n != len(dst) {
		return homography{}, errSingular
	}
	ts, _ := normaliser(src)
	td, tdInv := normaliser(dst)
	s := make([]Pt, n)
	d := make([]Pt, n)
	for i := range src {
		s[i] = ts.apply(src[i])
		d[i] = td.apply(dst[i])
	}
	unknowns := 8
	if n == 3 {
		unknowns = 6
	}
	var ata [8][8]float64
	var atb [8]float64
	add := func(row [8]float64, b float64) {
		for i := 0; i < unknowns; i++ {
			for j := 0; j < unknowns; j++ {
				ata[i][j] += row[i] * row[j]
			}
			atb[i] += row[i] * b
		}
	}
	for i := range s {
		x, y, u, v := s[i].X, s[i].Y, d[i].X, d[i].Y
		add([8]float64{x, y, 1, 0, 0, 0, -u * x, -u * y}, u)
		add([8]float64{0, 0, 0, x, y, 1, -v * x, -v * y}, v)
	}
	sol, err := solve(ata, atb, unknowns)
	if err != nil {
		return homography{}, err
	}
	hn := homography{sol[0], sol[1], sol[2], sol[3], sol[4], sol[5], sol[6], sol[7], 1}
	h := tdInv.mul(hn)
	h = h.mul(ts)
	if h[8] == 0 {
		return homography{}, errSingular
	}
	for i := range h {
		h[i] /= h[8]
	}
	return h, nil
}

// normaliser centres points and scales them to unit mean distance.
func normaliser(p []Pt) (homography, homography) {
	var cx, cy float64
	for _, q := range p {
		cx += q.X
		cy += q.Y
	}
	cx /= float64(len(p))
	cy /= float64(len(p))
	var d float64
	for _, q := range p {
		d += math.Hypot(q.X-cx, q.Y-cy)
	}
	d /= float64(len(p))
	if d == 0 {
		d = 1
	}
	k := math.Sqrt2 / d
	t := homography{k, 0, -k * cx, 0, k, -k * cy, 0, 0, 1}
	inv := homography{1 / k, 0, cx, 0, 1 / k, cy, 0, 0, 1}
	return t, inv
}

func solve(a [8][8]float64, b [8]float64, n int) ([8]float64, error) {
	var x [8]float64
	for col := 0; col < n; col++ {
		piv := col
		for r := col + 1; r < n; r++ {
			if math.Abs(a[r][col]) > math.Abs(a[piv][col]) {
				piv = r
			}
		}
		if math.Abs(a[piv][col]) < 1e-12 {
			return x, errSingular
		}
		a[col], a[piv] = a[piv], a[col]
		b[col], b[piv] = b[piv], b[col]
		for r := col + 1; r < n; r++ {
			f := a[r][col] / a[col][col]
			for c := col; c < n; c++ {
				a[r][c] -= f * a[col][c]
			}
			b[r] -= f * b[col]
		}
	}
	for r := n - 1; r >= 0; r-- {
		s := b[r]
		for c := r + 1; c < n; c++ {
			s -= a[r][c] * x[c]
		}
		x[r] = s / a[r][r]
	}
	return x, nil
}
