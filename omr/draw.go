package omr

import (
	"fmt"
	"strconv"
	"strings"
	"sync"

	qrcode "github.com/skip2/go-qrcode"
	"golang.org/x/image/font"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"

	"tarazy/fonts"
	"tarazy/iin"
)

// SheetInfo personalises one printed sheet. The zero value is a generic sheet: no
// serial, no candidate.
type SheetInfo struct {
	Contest string // contest id, printed in the QR code
	Serial  int    // 1…MaxSerial; 0 prints no serial
	IIN     string // candidate's IIN on a personalised sheet
	Name    string // candidate's name on a personalised sheet
}

// Validate checks what will be printed, so that a sheet that could not be read back is
// never printed.
func (s SheetInfo) Validate() error {
	if s.Serial < 0 || s.Serial > MaxSerial {
		return fmt.Errorf("serial %d is outside 0–%d", s.Serial, MaxSerial)
	}
	if s.IIN != "" {
		if _, err := iin.Parse(s.IIN); err != nil {
			return err
		}
	}
	for _, v := range []string{s.Contest, s.Name} {
		if strings.ContainsAny(v, "\n\r") {
			return fmt.Errorf("%q: line breaks cannot be printed on a sheet", v)
		}
	}
	if len(s.Contest)+len(s.Name) > 200 {
		return fmt.Errorf("contest id and name are too long for the QR code (%d bytes, at most 200)", len(s.Contest)+len(s.Name))
	}
	return nil
}

// SerialString formats a serial as it appears on the sheet and in readings ("" for none).
func SerialString(n int) string {
	if n <= 0 {
		return ""
	}
	return fmt.Sprintf("%06d", n)
}

// qrPrefix starts every tarazy QR payload; the version lets a later layout change the
// payload without misreading old sheets.
const qrPrefix = "TZ1"

// QRData is what a sheet's QR code carries.
type QRData struct {
	Form    string
	Contest string
	Serial  string
	IIN     string
	Name    string
}

func qrPayload(formID string, s SheetInfo) string {
	return strings.Join([]string{qrPrefix, formID, s.Contest, SerialString(s.Serial), s.IIN, s.Name}, "\n")
}

// parseQR decodes a payload; ok is false for a QR code that is not a tarazy sheet's.
func parseQR(s string) (QRData, bool) {
	p := strings.Split(s, "\n")
	if len(p) != 6 || p[0] != qrPrefix {
		return QRData{}, false
	}
	return QRData{Form: p[1], Contest: p[2], Serial: p[3], IIN: p[4], Name: p[5]}, true
}

// canvas is what both renderers implement: millimetres, grey levels 0 (black) to 1
// (white), text sizes in points with the baseline at y.
type canvas interface {
	fillRect(r Rect, grey float64)
	strokeRect(r Rect, width, grey float64)
	fillCircle(c Pt, r, grey float64)
	strokeCircle(c Pt, r, width, grey float64)
	line(a, b Pt, width, grey float64)
	text(x, y, size float64, bold bool, grey float64, s string)
}

var (
	measureOnce sync.Once
	measureErr  error
	measureFace [2]*opentype.Font
)

func loadFonts() error {
	measureOnce.Do(func() {
		for i, f := range []fonts.Face{fonts.Sans, fonts.SansBold} {
			b, err := fonts.Load(f)
			if err != nil {
				measureErr = err
				return
			}
			ft, err := opentype.Parse(b)
			if err != nil {
				measureErr = fmt.Errorf("parse %s: %w", f, err)
				return
			}
			measureFace[i] = ft
		}
	})
	return measureErr
}

func fontIndex(bold bool) int {
	if bold {
		return 1
	}
	return 0
}

// textWidth is the advance of s in millimetres. Both renderers use it so that text
// fits the same way in the PDF and in the PNG.
func textWidth(size float64, bold bool, s string) float64 {
	face, err := opentype.NewFace(measureFace[fontIndex(bold)], &opentype.FaceOptions{Size: size, DPI: 72, Hinting: font.HintingNone})
	if err != nil {
		return float64(len([]rune(s))) * size * 0.6 * 25.4 / 72
	}
	defer face.Close()
	return fixedToFloat(font.MeasureString(face, s)) * 25.4 / 72
}

func fixedToFloat(v fixed.Int26_6) float64 { return float64(v) / 64 }

// fitSize shrinks a font size until s fits in width millimetres.
func fitSize(size float64, bold bool, s string, width float64) float64 {
	for size > 4 && textWidth(size, bold, s) > width {
		size -= 0.25
	}
	return size
}

// wrap breaks s into lines no wider than width.
func wrap(s string, size float64, width float64) []string {
	var lines []string
	cur := ""
	for _, w := range strings.Fields(s) {
		try := w
		if cur != "" {
			try = cur + " " + w
		}
		if cur != "" && textWidth(size, false, try) > width {
			lines = append(lines, cur)
			cur = w
			continue
		}
		cur = try
	}
	if cur != "" {
		lines = append(lines, cur)
	}
	return lines
}

// Grey levels used on the sheet. Letters inside bubbles are light so that an unmarked
// bubble stays close to paper white for the reader.
const (
	inkBlack     = 0.0
	inkOutline   = 0.25
	inkText      = 0.1
	inkBubbleTxt = 0.72
	inkBox       = 0.45
)

var (
	instrKK = "Дөңгелекті жұмсақ қарындашпен немесе қара не көк қаламмен толық бояңыз. Әр сұраққа бір жауап. Түзету үшін белгіні өшіргішпен толық өшіріңіз. ЖСН-ді жоғарғы ұяшықтарға жазып, әр бағанда бір цифрды бояңыз. Парақты бүктемеңіз."
	instrRU = "Закрашивайте кружок полностью мягким карандашом или чёрной либо синей ручкой. Один ответ на вопрос. Чтобы исправить, полностью сотрите метку ластиком. Впишите ИИН в клетки и закрасьте по одной цифре в каждом столбце. Не сгибайте лист."
)

// draw paints the whole sheet onto a canvas. It is the only place that decides what is
// printed where; the reader looks at the same Layout.
func (l *Layout) draw(c canvas, info SheetInfo) error {
	if err := loadFonts(); err != nil {
		return err
	}
	f := l.Form
	// Frame: three solid fiducials, one hollow so orientation is known without the QR.
	for _, m := range l.Corners {
		r := Rect{m.C.X - m.Size/2, m.C.Y - m.Size/2, m.Size, m.Size}
		c.fillRect(r, inkBlack)
		if m.Hollow {
			c.fillRect(Rect{m.C.X - fidHole/2, m.C.Y - fidHole/2, fidHole, fidHole}, 1)
		}
	}
	for _, m := range l.Mids {
		c.fillRect(Rect{m.C.X - m.Size/2, m.C.Y - m.Size/2, m.Size, m.Size}, inkBlack)
	}

	l.drawFooter(c)
	// Titles.
	c.text(24, 11, fitSize(8.5, true, f.TitleKK, 128), true, inkText, f.TitleKK)
	c.text(24, 15.5, fitSize(7.5, false, f.TitleRU, 128), false, inkText, f.TitleRU)

	// Name box, written by hand.
	c.strokeRect(l.NameBox, 0.25, inkBox)
	c.text(l.NameBox.X+1, l.NameBox.Y+2.6, 5.5, false, 0.4, "Аты-жөні (қолмен жазыңыз) / Фамилия, имя (от руки)")

	// IIN grid.
	c.text(24.5, iinLabelY, 7, true, inkText, "ЖСН / ИИН")
	for _, r := range l.IINBoxes {
		c.strokeRect(r, 0.25, inkBox)
	}
	// Variant row.
	c.text(varFirstX-2.5, varY-4.5, 7, true, inkText, "Нұсқа / Вариант")

	for _, b := range l.Bubbles {
		c.strokeCircle(Pt{b.X, b.Y}, b.R, 0.22, inkOutline)
		c.text(b.X-textWidth(5.5, false, b.Value)/2, b.Y+0.95, 5.5, false, inkBubbleTxt, b.Value)
	}

	// Question numbers and section headings.
	for _, fd := range l.Fields {
		if fd.Kind != KindQuestion {
			continue
		}
		b := l.Bubbles[fd.Bubbles[0]]
		num := strings.TrimPrefix(fd.Name, "q")
		c.text(b.X-b.R-1.2-textWidth(7, true, num), b.Y+1.2, 7, true, inkText, num)
	}
	for _, h := range l.Headings {
		s := h.Section.NameKK + " / " + h.Section.NameRU
		c.text(h.X, h.Y, fitSize(6.5, true, s, h.W), true, inkText, s)
	}

	// Instructions with an example of correct and incorrect marks.
	x0, y := 100.0, 62.0
	c.text(x0, y, 6.5, true, inkText, "Нұсқаулық / Инструкция")
	y += 3.2
	for _, s := range []string{instrKK, instrRU} {
		for _, ln := range wrap(s, 5.6, 86) {
			c.text(x0, y, 5.6, false, inkText, ln)
			y += 2.5
		}
		y += 0.8
	}
	y += 2
	good, bad := "Дұрыс / Верно:", "Қате / Неверно:"
	c.text(x0, y+1, 6, true, inkText, good)
	ex := x0 + textWidth(6, true, good) + 4
	c.strokeCircle(Pt{ex, y}, BubbleR, 0.22, inkOutline)
	c.fillCircle(Pt{ex, y}, BubbleR-0.1, 0.05)
	bx := ex + 7
	c.text(bx, y+1, 6, true, inkText, bad)
	ex = bx + textWidth(6, true, bad) + 4
	for i := 0; i < 4; i++ {
		p := Pt{ex + float64(i)*6, y}
		c.strokeCircle(p, BubbleR, 0.22, inkOutline)
		switch i {
		case 0: // tick
			c.line(Pt{p.X - 1.3, p.Y}, Pt{p.X - 0.3, p.Y + 1.1}, 0.4, 0.05)
			c.line(Pt{p.X - 0.3, p.Y + 1.1}, Pt{p.X + 1.5, p.Y - 1.4}, 0.4, 0.05)
		case 1: // cross
			c.line(Pt{p.X - 1.3, p.Y - 1.3}, Pt{p.X + 1.3, p.Y + 1.3}, 0.4, 0.05)
			c.line(Pt{p.X - 1.3, p.Y + 1.3}, Pt{p.X + 1.3, p.Y - 1.3}, 0.4, 0.05)
		case 2: // dot
			c.fillCircle(p, 0.6, 0.05)
		case 3: // half
			c.fillRect(Rect{p.X - 1.4, p.Y - 0.2, 2.8, 1.4}, 0.05)
		}
	}

	return l.drawPersonal(c, info, false)
}

// drawPersonal paints what differs from sheet to sheet: the candidate line, the QR
// code, the serial and the code strip. With clear set it first paints those areas
// white, so a generic sheet rendered once can be personalised many times.
func (l *Layout) drawPersonal(c canvas, info SheetInfo, clear bool) error {
	f := l.Form
	if clear {
		c.fillRect(Rect{24, 17.5, 128, 4}, 1)
		c.fillRect(Rect{l.QR.X - 0.5, l.QR.Y - 0.5, l.QR.W + 1, l.QR.H + 9}, 1)
		s0, s1 := l.Strip[0], l.Strip[len(l.Strip)-1]
		c.fillRect(Rect{s0.X - 0.5, s0.Y - 0.5, s1.X + s1.W - s0.X + 1, s0.H + 1}, 1)
	}
	if info.Name != "" || info.IIN != "" {
		who := strings.TrimSpace(info.Name)
		if info.IIN != "" {
			who += "   ЖСН/ИИН " + info.IIN
		}
		c.text(24, 20.5, fitSize(7.5, true, who, 128), true, inkText, who)
	}
	// QR code with its quiet zone, serial and contest under it.
	q, err := qrcode.New(qrPayload(f.ID, info), qrcode.Medium)
	if err != nil {
		return fmt.Errorf("QR code: %w", err)
	}
	bm := q.Bitmap() // includes a four-module quiet zone
	mod := l.QR.W / float64(len(bm))
	for yy, rowBits := range bm {
		for xx := 0; xx < len(rowBits); {
			if !rowBits[xx] {
				xx++
				continue
			}
			run := xx
			for run < len(rowBits) && rowBits[run] {
				run++
			}
			c.fillRect(Rect{l.QR.X + float64(xx)*mod, l.QR.Y + float64(yy)*mod, float64(run-xx) * mod, mod + 0.01}, inkBlack)
			xx = run
		}
	}
	ty := l.QR.Y + l.QR.H + 3.2
	if s := SerialString(info.Serial); s != "" {
		c.text(l.QR.X+1.5, ty, 7.5, true, inkText, "№ "+s)
		ty += 3
	}
	if info.Contest != "" {
		c.text(l.QR.X+1.5, ty, fitSize(6, false, info.Contest, l.QR.W), false, inkText, info.Contest)
	}

	// Code strip: form grade and serial, machine-readable without the QR code.
	bits := stripCode(f.Grade, info.Serial)
	for i, b := range bits {
		dark := 2 * i
		if !b {
			dark++
		}
		c.fillRect(l.Strip[dark], inkBlack)
	}
	return nil
}

func (l *Layout) drawFooter(c canvas) {
	f := l.Form
	foot := f.ID + " · " + strconv.Itoa(f.Questions()) + " сұрақ/вопросов · tarazy · бүктемеңіз / не сгибайте"
	c.text(PageW/2-textWidth(5.5, false, foot)/2, stripY+5.5, 5.5, false, 0.35, foot)
}
