package receipt

import (
	"fmt"
	"io"
	"time"

	"github.com/go-pdf/fpdf"

	"tarazy/fonts"
	"tarazy/intake"
)

// PDF writes the receipt as an A4 PDF, one page per language (Kazakh, then Russian by
// default), with DejaVu embedded for the Kazakh letters. The document's dates are the
// receipt's registration time, so the same receipt always gives the same bytes.
func PDF(w io.Writer, cat *intake.Catalogue, school School, a *intake.Application, langs ...string) error {
	if len(langs) == 0 {
		langs = Languages
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
	pdf.SetCatalogSort(true)
	stamp := a.RegisteredAt
	if stamp.IsZero() {
		stamp = time.Unix(0, 0)
	}
	pdf.SetCreationDate(stamp)
	pdf.SetModificationDate(stamp)
	pdf.AddUTF8FontFromBytes("dejavu", "", regular)
	pdf.AddUTF8FontFromBytes("dejavu", "B", bold)
	pdf.SetTitle(a.Number, true)
	pdf.SetMargins(20, 15, 20)
	pdf.SetAutoPageBreak(true, 15)
	for _, lang := range langs {
		ls, err := build(cat, school, a, lang)
		if err != nil {
			return err
		}
		pdf.AddPage()
		for i, l := range ls {
			switch {
			case l.title:
				size := 12.0
				if i == 0 {
					size = 10
				}
				pdf.SetFont("dejavu", "B", size)
				pdf.MultiCell(0, 6, l.value, "", "C", false)
				if i == 2 {
					pdf.Ln(4)
				}
			case l.label == "":
				pdf.Ln(1.5)
				pdf.SetFont("dejavu", "", 8.5)
				pdf.MultiCell(0, 4.1, l.value, "", "J", false)
			default:
				pdf.SetFont("dejavu", "B", 9.5)
				pdf.MultiCell(0, 5, l.label+":", "", "L", false)
				pdf.SetFont("dejavu", "", 9.5)
				if len(l.list) > 0 {
					for j, it := range l.list {
						pdf.SetX(26)
						pdf.MultiCell(0, 4.7, fmt.Sprintf("%d. %s", j+1, it), "", "L", false)
					}
				} else {
					pdf.SetX(26)
					pdf.MultiCell(0, 4.7, l.value, "", "L", false)
				}
				pdf.Ln(0.8)
			}
		}
	}
	if err := pdf.Error(); err != nil {
		return fmt.Errorf("receipt %s as PDF: %w", a.Number, err)
	}
	return pdf.Output(w)
}
