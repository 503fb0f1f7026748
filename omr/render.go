package omr

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"io"
	"math"

	"github.com/go-pdf/fpdf"
	"golang.org/x/image/font"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"
	"golang.org/x/image/vector"

	"tarazy/fonts"
)

// WritePDF writes one A4 page per sheet as a vector PDF with DejaVu embedded (Kazakh
// letters need it). An empty list writes one generic sheet.
func WritePDF(w io.Writer, l *Layout, sheets []SheetInfo) error {
	if len(sheets) == 0 {
		sheets = []SheetInfo{{}}
	}
	if err := loadFonts(); err != nil {
		return err
	}
	regular, err := fonts.Load(fonts.Sans)
	if err != nil {
		return err
	}
	bold, err := fonts.Load(fonts.SansBold)
	if err != nil {
		return err
	}
	pdf := fpdf.New("P", "mm", "A4", "")
	pdf.SetAutoPageBreak(false, 0)
	pdf.SetMargins(0, 0, 0)
	pdf.AddUTF8FontFromBytes("dejavu", "", regular)
	pdf.AddUTF8FontFromBytes("dejavu", "B", bold)
	pdf.SetTitle(l.Form.TitleRU, true)
	pdf.SetCreator("tarazy", true)
	c := &pdfCanvas{pdf: pdf}
	for i, s := range sheets {
		if err := s.Validate(); err != nil {
			return fmt.Errorf("sheet %d: %w", i+1, err)
		}
		pdf.AddPage()
		if err := l.draw(c, s); err != nil {
			return fmt.Errorf("sheet %d: %w", i+1, err)
		}
		if err := pdf.Error(); err != nil {
			return fmt.Errorf("sheet %d: %w", i+1, err)
		}
	}
	return pdf.Output(w)
}

type pdfCanvas struct{ pdf *fpdf.Fpdf }

func g255(g float64) int { return int(math.Round(g * 255)) }

func (c *pdfCanvas) fillRect(r Rect, grey float64) {
	c.pdf.SetFillColor(g255(grey), g255(grey), g255(grey))
	c.pdf.Rect(r.X, r.Y, r.W, r.H, "F")
}

func (c *pdfCanvas) strokeRect(r Rect, width, grey float64) {
	c.pdf.SetDrawColor(g255(grey), g255(grey), g255(grey))
	c.pdf.SetLineWidth(width)
	c.pdf.Rect(r.X, r.Y, r.W, r.H, "D")
}

func (c *pdfCanvas) fillCircle(p Pt, r, grey float64) {
	c.pdf.SetFillColor(g255(grey), g255(grey), g255(grey))
	c.pdf.Circle(p.X, p.Y, r, "F")
}

func (c *pdfCanvas) strokeCircle(p Pt, r, width, grey float64) {
	c.pdf.SetDrawColor(g255(grey), g255(grey), g255(grey))
	c.pdf.SetLineWidth(width)
	c.pdf.Circle(p.X, p.Y, r, "D")
}

func (c *pdfCanvas) line(a, b Pt, width, grey float64) {
	c.pdf.SetDrawColor(g255(grey), g255(grey), g255(grey))
	c.pdf.SetLineWidth(width)
	c.pdf.SetLineCapStyle("round")
	c.pdf.Line(a.X, a.Y, b.X, b.Y)
}

func (c *pdfCanvas) text(x, y, size float64, bold bool, grey float64, s string) {
	style := ""
	if bold {
		style = "B"
	}
	c.pdf.SetFont("dejavu", style, size)
	c.pdf.SetTextColor(g255(grey), g255(grey), g255(grey))
	c.pdf.Text(x, y, s)
}

// Render rasterises a sheet at dpi as an 8-bit grey image, from the same drawing code
// as the PDF.
func Render(l *Layout, info SheetInfo, dpi float64) (*image.Gray, error) {
	if dpi < 50 || dpi > 1200 {
		return nil, fmt.Errorf("%g dpi is outside 50–1200", dpi)
	}
	if err := info.Validate(); err != nil {
		return nil, err
	}
	if err := loadFonts(); err != nil {
		return nil, err
	}
	s := dpi / 25.4
	img := image.NewGray(image.Rect(0, 0, int(math.Round(PageW*s)), int(math.Round(PageH*s))))
	draw.Draw(img, img.Bounds(), image.White, image.Point{}, draw.Src)
	c := &rasterCanvas{img: img, s: s, faces: map[faceKey]font.Face{}}
	defer c.close()
	if err := l.draw(c, info); err != nil {
		return nil, err
	}
	return img, nil
}

// Personalise paints a candidate's QR code, serial and code strip onto a generic sheet
// rendered by Render at the same dpi, so that a stack of personalised rasters costs one
// full render.
func Personalise(img *image.Gray, l *Layout, info SheetInfo, dpi float64) error {
	if err := info.Validate(); err != nil {
		return err
	}
	if err := loadFonts(); err != nil {
		return err
	}
	c := &rasterCanvas{img: img, s: dpi / 25.4, faces: map[faceKey]font.Face{}}
	defer c.close()
	return l.drawPersonal(c, info, true)
}

// WritePNG renders a sheet and encodes it as PNG.
func WritePNG(w io.Writer, l *Layout, info SheetInfo, dpi float64) error {
	img, err := Render(l, info, dpi)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestSpeed}
	if err := enc.Encode(&buf, img); err != nil {
		return err
	}
	_, err = w.Write(buf.Bytes())
	return err
}

type faceKey struct {
	size float64
	bold bool
}

type rasterCanvas struct {
	img   *image.Gray
	s     float64 // pixels per millimetre
	faces map[faceKey]font.Face
}

func (c *rasterCanvas) close() {
	for _, f := range c.faces {
		f.Close()
	}
}

// paint rasterises a path given in millimetres and composites it in grey.
func (c *rasterCanvas) paint(minX, minY, maxX, maxY float64, grey float64, path func(z *vector.Rasterizer, px func(Pt) (float32, float32))) {
	x0 := int(math.Floor(minX*c.s)) - 1
	y0 := int(math.Floor(minY*c.s)) - 1
	x1 := int(math.Ceil(maxX*c.s)) + 1
	y1 := int(math.Ceil(maxY*c.s)) + 1
	r := image.Rect(x0, y0, x1, y1).Intersect(c.img.Bounds())
	if r.Empty() {
		return
	}
	z := vector.NewRasterizer(x1-x0, y1-y0)
	px := func(p Pt) (float32, float32) { return float32(p.X*c.s - float64(x0)), float32(p.Y*c.s - float64(y0)) }
	path(z, px)
	src := image.NewUniform(color.Gray{uint8(g255(grey))})
	if r.Min == image.Pt(x0, y0) {
		z.Draw(c.img, r, src, image.Point{})
		return
	}
	// Clipped at the page edge: the rasterizer's origin is (x0, y0), not r.Min.
	mask := image.NewAlpha(image.Rect(0, 0, x1-x0, y1-y0))
	z.Draw(mask, mask.Bounds(), image.Opaque, image.Point{})
	draw.DrawMask(c.img, r, src, image.Point{}, mask, r.Min.Sub(image.Pt(x0, y0)), draw.Over)
}

func (c *rasterCanvas) fillRect(r Rect, grey float64) {
	c.paint(r.X, r.Y, r.X+r.W, r.Y+r.H, grey, func(z *vector.Rasterizer, px func(Pt) (float32, float32)) {
		rectPath(z, px, r, false)
	})
}

func rectPath(z *vector.Rasterizer, px func(Pt) (float32, float32), r Rect, reverse bool) {
	pts := []Pt{{r.X, r.Y}, {r.X + r.W, r.Y}, {r.X + r.W, r.Y + r.H}, {r.X, r.Y + r.H}}
	if reverse {
		pts[1], pts[3] = pts[3], pts[1]
	}
	z.MoveTo(px(pts[0]))
	for _, p := range pts[1:] {
		z.LineTo(px(p))
	}
	z.ClosePath()
}

func (c *rasterCanvas) strokeRect(r Rect, width, grey float64) {
	h := width / 2
	c.paint(r.X-h, r.Y-h, r.X+r.W+h, r.Y+r.H+h, grey, func(z *vector.Rasterizer, px func(Pt) (float32, float32)) {
		rectPath(z, px, Rect{r.X - h, r.Y - h, r.W + width, r.H + width}, false)
		rectPath(z, px, Rect{r.X + h, r.Y + h, r.W - width, r.H - width}, true)
	})
}

func circlePath(z *vector.Rasterizer, px func(Pt) (float32, float32), c Pt, r float64, reverse bool) {
	const n = 48
	for i := 0; i <= n; i++ {
		a := 2 * math.Pi * float64(i) / n
		if reverse {
			a = -a
		}
		p := Pt{c.X + r*math.Cos(a), c.Y + r*math.Sin(a)}
		if i == 0 {
			z.MoveTo(px(p))
		} else {
			z.LineTo(px(p))
		}
	}
	z.ClosePath()
}

func (c *rasterCanvas) fillCircle(p Pt, r, grey float64) {
	c.paint(p.X-r, p.Y-r, p.X+r, p.Y+r, grey, func(z *vector.Rasterizer, px func(Pt) (float32, float32)) {
		circlePath(z, px, p, r, false)
	})
}

func (c *rasterCanvas) strokeCircle(p Pt, r, width, grey float64) {
	ro, ri := r+width/2, r-width/2
	c.paint(p.X-ro, p.Y-ro, p.X+ro, p.Y+ro, grey, func(z *vector.Rasterizer, px func(Pt) (float32, float32)) {
		circlePath(z, px, p, ro, false)
		circlePath(z, px, p, ri, true)
	})
}

func (c *rasterCanvas) line(a, b Pt, width, grey float64) {
	dx, dy := b.X-a.X, b.Y-a.Y
	n := math.Hypot(dx, dy)
	if n == 0 {
		return
	}
	h := width / 2
	nx, ny := -dy/n*h, dx/n*h
	minX, maxX := math.Min(a.X, b.X)-h, math.Max(a.X, b.X)+h
	minY, maxY := math.Min(a.Y, b.Y)-h, math.Max(a.Y, b.Y)+h
	c.paint(minX, minY, maxX, maxY, grey, func(z *vector.Rasterizer, px func(Pt) (float32, float32)) {
		z.MoveTo(px(Pt{a.X + nx, a.Y + ny}))
		z.LineTo(px(Pt{b.X + nx, b.Y + ny}))
		z.LineTo(px(Pt{b.X - nx, b.Y - ny}))
		z.LineTo(px(Pt{a.X - nx, a.Y - ny}))
		z.ClosePath()
	})
	c.fillCircle(a, h, grey)
	c.fillCircle(b, h, grey)
}

func (c *rasterCanvas) text(x, y, size float64, bold bool, grey float64, s string) {
	k := faceKey{size, bold}
	face, ok := c.faces[k]
	if !ok {
		var err error
		face, err = opentype.NewFace(measureFace[fontIndex(bold)], &opentype.FaceOptions{Size: size, DPI: c.s * 25.4, Hinting: font.HintingNone})
		if err != nil {
			return
		}
		c.faces[k] = face
	}
	d := font.Drawer{
		Dst:  c.img,
		Src:  image.NewUniform(color.Gray{uint8(g255(grey))}),
		Face: face,
		Dot:  fixed.Point26_6{X: fixed.Int26_6(x * c.s * 64), Y: fixed.Int26_6(y * c.s * 64)},
	}
	d.DrawString(s)
}
