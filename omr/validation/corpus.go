package validation

import (
	"context"
	"encoding/json"
	"fmt"
	"image"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/disintegration/imaging"

	"tarazy/omr"
	"tarazy/omr/reading"
)

// DefaultSeed fixes the corpus: the same seed gives the same files, byte for byte.
const DefaultSeed = 20260417

// Options size a corpus.
type Options struct {
	Seed         uint64
	PerCondition int      // files per condition (a multi-page file counts once)
	Conditions   []string // nil: every condition
	Workers      int      // generators in parallel; 0 means 1
}

// File is one generated file and the truth of each of its pages.
type File struct {
	Name  string
	Pages []Truth
}

// Condition describes one condition of the corpus.
type Condition struct {
	Name  string
	Class Class // of its pages; a duplex file mixes sheets and back sides
	What  string
}

// Conditions lists every condition in corpus order.
func Conditions() []Condition {
	out := make([]Condition, len(conditions))
	for i, c := range conditions {
		out[i] = Condition{c.name, c.class, c.what}
	}
	return out
}

// Generate writes the corpus into dir, with truth.jsonl beside the files, and returns
// the files in a fixed order.
func Generate(ctx context.Context, dir string, opt Options) ([]File, error) {
	if opt.Seed == 0 {
		opt.Seed = DefaultSeed
	}
	var conds []*condition
	for i := range conditions {
		c := &conditions[i]
		if len(opt.Conditions) == 0 || slices.Contains(opt.Conditions, c.name) {
			conds = append(conds, c)
		}
	}
	for _, name := range opt.Conditions {
		if !slices.ContainsFunc(conditions, func(c condition) bool { return c.name == name }) {
			return nil, fmt.Errorf("no condition is called %q", name)
		}
	}
	type job struct {
		c *condition
		i int
	}
	var jobs []job
	for _, c := range conds {
		for i := 0; i < opt.PerCondition; i++ {
			jobs = append(jobs, job{c, i})
		}
	}
	files := make([]File, len(jobs))
	errs := make([]error, len(jobs))
	next := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < max(1, opt.Workers); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range next {
				name, data, pages, err := generate(jobs[j].c, opt.Seed, jobs[j].i)
				if err == nil {
					err = os.WriteFile(filepath.Join(dir, name), data, 0o644)
				}
				if err != nil {
					errs[j] = fmt.Errorf("%s #%d: %w", jobs[j].c.name, jobs[j].i, err)
					continue
				}
				files[j] = File{Name: name, Pages: pages}
			}
		}()
	}
	for j := range jobs {
		if ctx.Err() != nil {
			break
		}
		next <- j
	}
	close(next)
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	f, err := os.Create(filepath.Join(dir, "truth.jsonl"))
	if err != nil {
		return nil, err
	}
	enc := json.NewEncoder(f)
	for _, fl := range files {
		for _, t := range fl.Pages {
			if err := enc.Encode(t); err != nil {
				f.Close()
				return nil, err
			}
		}
	}
	return files, f.Close()
}

// generate makes file number i of a condition: its name, bytes and page truths.
func generate(c *condition, seed uint64, i int) (string, []byte, []Truth, error) {
	r := pageRand(seed, c.name, i)
	tmp, err := os.MkdirTemp("", "tarazy-validation-")
	if err != nil {
		return "", nil, nil, err
	}
	defer os.RemoveAll(tmp)
	out, err := c.make(r, tmp)
	if err != nil {
		return "", nil, nil, err
	}
	name := fmt.Sprintf("%s-%03d%s", c.name, i, out.ext)
	var pages []Truth
	for p, pg := range out.pages {
		want := pg.want
		want.File, want.Page = name, p+1
		cls := c.class
		if pg.class != "" {
			cls = pg.class
		}
		if cls == MustReject {
			want = reading.Reading{File: name, Page: p + 1, Status: reading.StatusRejected}
		}
		pages = append(pages, Truth{Condition: c.name, Class: cls, File: name, Page: p + 1, Want: want, Note: pg.note})
	}
	return name, out.data, pages, nil
}

// output is what a condition makes: one file of one or more pages.
type output struct {
	ext   string
	data  []byte
	pages []pageTruth
}

type pageTruth struct {
	want  reading.Reading
	class Class // "" means the condition's
	note  string
}

// recipe is how one page comes to be: the candidate, the paper, the printer and the
// scanner.
type recipe struct {
	habits  sheetHabits
	paper   paperPlan
	print   printPlan
	scan    scanPlan
	photo   photoKind
	thumb   bool // the scanner's preview: under 300 px
	foreign bool // someone else's answer sheet or a letter, not a tarazy sheet
	notes   []string
}

type photoKind int

const (
	noPhoto photoKind = iota
	photoWhole
	photoCornerOut // one corner square out of the frame, the code strip unreadable
	photoMidsHidden
)

func defaultRecipe(r *rand.Rand) *recipe {
	return &recipe{habits: ordinaryHabits(), paper: whitePaper(r), print: actualSize(), scan: flatbed(r, pick(r, 200.0, 300, 300, 300))}
}

func (rc *recipe) note(format string, args ...any) {
	rc.notes = append(rc.notes, fmt.Sprintf(format, args...))
}

// page makes the page's image and says what a person reads on it.
func (rc *recipe) page(r *rand.Rand) (image.Image, reading.Reading, string, error) {
	var frame photoFrame
	pxmm := rc.scan.dpi / 25.4
	ch := 1
	if rc.scan.colour {
		ch = 3
	}
	if rc.photo != noPhoto {
		frame = newPhotoFrame(r)
		pxmm = clampf(frame.pxmm*1.3, 6, 12)
		ch = 3
	}
	c := newCanvas(omr.PageW, omr.PageH, pxmm, ch, grey(1))
	sh, err := newSheet(r, rc.habits)
	if err != nil {
		return nil, reading.Reading{}, "", err
	}
	geo := printGeo{l: sh.l, scale: 1}
	switch {
	case rc.foreign:
		foreignPage(r, c)
	case rc.paper.backSide:
	default:
		if geo, err = printSheet(r, c, sh, rc.print); err != nil {
			return nil, reading.Reading{}, "", err
		}
		sh.markSheet(r, c, geo)
	}
	specks(r, c, rc.paper.specks)
	f := newField(omr.PageW, omr.PageH, 0.5, ch)
	paperField(r, f, rc.paper)
	for _, d := range rc.paper.defects {
		d(r, c, f, geo)
	}
	if rc.photo != noPhoto {
		if rc.scan.photo, err = frame.place(r, geo, rc.photo); err != nil {
			return nil, reading.Reading{}, "", err
		}
	}
	img := rc.scan.develop(r, rc.scan.capture(r, c, f))
	if rc.thumb {
		side := 180 + r.IntN(120)
		t := imaging.Resize(img, 0, side, imaging.Box)
		if img.Bounds().Dx() > img.Bounds().Dy() {
			t = imaging.Resize(img, side, 0, imaging.Box)
		}
		img = toGray(t)
		rc.note("thumbnail %dx%d", img.Bounds().Dx(), img.Bounds().Dy())
	}
	rc.note("%s, %.0f dpi, %s", sh.hand.tool, rc.scan.dpi, sh.f.ID)
	return img, sh.want, strings.Join(rc.notes, "; "), nil
}

func toGray(img image.Image) *image.Gray {
	b := img.Bounds()
	g := image.NewGray(image.Rect(0, 0, b.Dx(), b.Dy()))
	for y := 0; y < b.Dy(); y++ {
		for x := 0; x < b.Dx(); x++ {
			r, gg, bb, _ := img.At(b.Min.X+x, b.Min.Y+y).RGBA()
			g.Pix[y*g.Stride+x] = uint8((299*r + 587*gg + 114*bb) / 1000 >> 8)
		}
	}
	return g
}

// photoFrame is a phone's picture size and how large the sheet appears in it.
type photoFrame struct {
	w, h int
	pxmm float64 // image pixels per paper millimetre, roughly
	fill float64 // share of the picture's height the sheet takes
}

func newPhotoFrame(r *rand.Rand) photoFrame {
	w, h := pick(r, [2]int{1200, 1600}, [2]int{1536, 2048}, [2]int{2250, 3000})[0], 0
	h = w * 4 / 3
	fill := uni(r, 0.8, 0.93)
	return photoFrame{w: w, h: h, fill: fill, pxmm: fill * float64(h) / omr.PageH}
}

// place points the phone at the sheet: a perspective that keeps every bubble in the
// picture and, for photoCornerOut, leaves one corner square outside it. A framing that
// cannot be found is an error, never a photo whose truth shows bubbles out of view.
func (fr photoFrame) place(r *rand.Rand, g printGeo, kind photoKind) (*photoPlan, error) {
	corners := [4]pt{{0, 0}, {omr.PageW, 0}, {omr.PageW, omr.PageH}, {0, omr.PageH}}
	fids := [4]pt{}
	for i, m := range g.l.Corners {
		fids[i] = g.at(m.C.X, m.C.Y)
	}
	out := r.IntN(4)
	for try := 0; ; try++ {
		s := fr.pxmm
		rot := uni(r, -0.1, 0.1)
		ctr := pt{float64(fr.w)/2 + uni(r, -0.04, 0.04)*float64(fr.w), float64(fr.h)/2 + uni(r, -0.03, 0.03)*float64(fr.h)}
		var quad [4]pt
		for i, p := range corners {
			q := pt{(p.x - omr.PageW/2) * s, (p.y - omr.PageH/2) * s}.rot(rot).add(ctr)
			q = q.add(pt{uni(r, -0.05, 0.05) * float64(fr.w), uni(r, -0.04, 0.04) * float64(fr.h)})
			quad[i] = q
		}
		hom := homography(corners, quad)
		if kind == photoCornerOut {
			// Slide the picture so that corner square "out" lies 9–20 mm outside it.
			f := applyHom(hom, fids[out])
			shift := pt{}
			margin := uni(r, 9, 20) * s
			if f.x < float64(fr.w)/2 {
				shift.x = -f.x - margin
			} else {
				shift.x = float64(fr.w) - f.x + margin
			}
			if f.y < float64(fr.h)/2 {
				shift.y = -f.y - margin
			} else {
				shift.y = float64(fr.h) - f.y + margin
			}
			// Move along the axis that costs the least of the sheet.
			if math.Abs(shift.x) < math.Abs(shift.y) {
				shift.y = 0
			} else {
				shift.x = 0
			}
			for i := range quad {
				quad[i] = quad[i].add(shift)
			}
			hom = homography(corners, quad)
		}
		ph := &photoPlan{w: fr.w, h: fr.h, hom: hom, inv: invert3(hom), k1: uni(r, 0, 0.04), curlA: uni(r, 0.2, 1.0), curlPhase: uni(r, -0.5, 0.5), seed: r.Uint64(),
			table: pick(r, rgb{0.55, 0.4, 0.28}, rgb{0.3, 0.3, 0.32}, rgb{0.75, 0.72, 0.66}, rgb{0.2, 0.15, 0.1})}
		if fr.fits(ph, g, fids, kind, out) {
			ph.light = roomLight(r, fr)
			return ph, nil
		}
		if try == 500 {
			return nil, fmt.Errorf("no framing of a %dx%d photo keeps every bubble in view", fr.w, fr.h)
		}
	}
}

// fits checks that every bubble is well inside the picture, and the corner squares are
// in (or, for photoCornerOut, the one wholly out).
func (fr photoFrame) fits(ph *photoPlan, g printGeo, fids [4]pt, kind photoKind, out int) bool {
	in := func(p pt, margin float64) bool {
		q := ph.forward(p)
		return q.x > margin && q.y > margin && q.x < float64(fr.w)-margin && q.y < float64(fr.h)-margin
	}
	for i := range g.l.Bubbles {
		if !in(g.bubble(i), 4*fr.pxmm) {
			return false
		}
	}
	for i, f := range fids {
		if kind == photoCornerOut && i == out {
			for _, d := range []pt{{-4, -4}, {4, -4}, {4, 4}, {-4, 4}} {
				q := ph.forward(f.add(d))
				if q.x > 0 && q.y > 0 && q.x < float64(fr.w) && q.y < float64(fr.h) {
					return false
				}
			}
			continue
		}
		if !in(f, 6*fr.pxmm) {
			return false
		}
	}
	for _, m := range g.l.Mids {
		if !in(g.at(m.C.X, m.C.Y), 5*fr.pxmm) {
			return false
		}
	}
	return true
}

// forward is where a paper point appears in the picture (inverting the lens and the
// curl numerically; only used to check framing).
func (ph *photoPlan) forward(p pt) pt {
	q := p
	for i := 0; i < 4; i++ {
		q.y = p.y - ph.curlA*math.Sin(math.Pi*q.x/omr.PageW+ph.curlPhase)
		q.x = p.x - 0.5*ph.curlA*math.Sin(math.Pi*q.y/omr.PageH+ph.curlPhase)
	}
	ideal := applyHom(ph.hom, q)
	cx, cy := float64(ph.w)/2, float64(ph.h)/2
	fn := math.Max(cx, cy)
	ix, iy := (ideal.x-cx)/fn, (ideal.y-cy)/fn
	nx, ny := ix, iy
	for i := 0; i < 6; i++ {
		k := 1 + ph.k1*(nx*nx+ny*ny)
		nx, ny = ix/k, iy/k
	}
	return pt{cx + nx*fn, cy + ny*fn}
}

// roomLight is a room's light on a phone picture: a colour cast, a gradient, the lens's
// vignetting and the shadow of the phone or the hand holding it.
func roomLight(r *rand.Rand, fr photoFrame) func(u, v float64) rgb {
	cast := pick(r, rgb{1, 0.95, 0.84}, rgb{0.92, 0.96, 1}, rgb{1, 1, 1}, rgb{1, 0.97, 0.9})
	exposure := float32(uni(r, 0.85, 1.08))
	gx, gy := uni(r, -0.25, 0.25), uni(r, -0.25, 0.25)
	vig := uni(r, 0.1, 0.35)
	shadow := chance(r, 0.75)
	sa := uni(r, 0, 2*math.Pi)
	sn := polar(1, sa)
	sp := pt{uni(r, 0.2, 0.8) * float64(fr.w), uni(r, 0.2, 0.8) * float64(fr.h)}
	soft := uni(r, 15, 70)
	depth := float32(uni(r, 0.2, 0.45))
	w, h := float64(fr.w), float64(fr.h)
	return func(u, v float64) rgb {
		nx, ny := u/w-0.5, v/h-0.5
		l := exposure * float32(1+gx*nx+gy*ny) * float32(1-vig*(nx*nx+ny*ny)*2)
		if shadow {
			d := (u-sp.x)*sn.x + (v-sp.y)*sn.y
			l *= 1 - depth*smoothstep(-1, 1, float32(d/soft))
		}
		return rgb{cast[0] * l, cast[1] * l, cast[2] * l}
	}
}

// foreignPage is not a tarazy sheet: another exam's answer sheet with timing marks and
// its own corner squares, filled in, or a handwritten letter.
func foreignPage(r *rand.Rand, c *canvas) {
	black := grey(0.05)
	solid := func(x0, y0, x1, y1 float64) {
		c.ink(x0, y0, x1, y1, black, func(x, y float64) float32 {
			if x < x0 || x > x1 || y < y0 || y > y1 {
				return 0
			}
			return 1
		})
	}
	h := newHand(r, pick(r, pencil, pen), false)
	if chance(r, 0.35) {
		// A letter: lines of handwriting.
		for y := 30.0; y < 260; y += uni(r, 8, 10) {
			h.writeLine(r, c, uni(r, 20, 30), uni(r, 150, 190), y, 2.4)
		}
		return
	}
	inset, size := uni(r, 8, 12), uni(r, 5, 8)
	for _, p := range []pt{{inset, inset}, {omr.PageW - inset - size, inset}, {inset, omr.PageH - inset - size}, {omr.PageW - inset - size, omr.PageH - inset - size}} {
		solid(p.x, p.y, p.x+size, p.y+size)
	}
	for y := 40.0; y < 270; y += 5.08 {
		solid(omr.PageW-9, y, omr.PageW-4, y+1.5)
	}
	cols, rows := 4, 25
	rad := uni(r, 1.6, 2.2)
	for cI := 0; cI < cols; cI++ {
		for row := 0; row < rows; row++ {
			y := 60 + float64(row)*8
			choice := r.IntN(5)
			for o := 0; o < 5; o++ {
				ctr := pt{25 + float64(cI)*45 + float64(o)*6.5, y}
				ring := stroke{pts: nil, w: 0.2}
				for k := 0; k <= 24; k++ {
					ring.pts = append(ring.pts, ctr.add(polar(rad, float64(k)/24*2*math.Pi)))
				}
				cov := strokesCover([]stroke{ring}, 1/c.pxmm)
				c.ink(ctr.x-rad-1, ctr.y-rad-1, ctr.x+rad+1, ctr.y+rad+1, grey(0.3), cov)
				if o == choice {
					h.mark(r, c, spot{c: ctr, r: rad}, markFill)
				}
			}
		}
	}
}
