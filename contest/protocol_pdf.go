package contest

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/go-pdf/fpdf"

	"tarazy/fonts"
)

// pdfColumns of the candidates table, 190 mm on A4 with 10 mm margins.
var pdfColumns = []struct {
	title string
	width float64
	align string
}{
	{"№", 9, "R"},
	{"Аты-жөні / ФИО", 52, "L"},
	{"ЖСН / ИИН", 25, "L"},
	{"Балл", 11, "R"},
	{"Мат.", 10, "R"},
	{"Оқу / Чт.", 12, "R"},
	{"Тарих / Ист.", 14, "R"},
	{"Олимп.", 11, "C"},
	{"Мың бала", 12, "C"},
	{"Нәтиже / Итог", 34, "L"},
}

const (
	pdfFamily   = "DejaVu"
	pdfRowH     = 5.5
	pdfFontSize = 8
)

// WritePDF writes the protocol as an A4 PDF with DejaVu embedded (Kazakh letters), the
// candidates table repeating its header on every page, the lists, policies, ties,
// hash and signature lines. The PDF's dates are the protocol date, so the same
// protocol gives the same bytes.
func WritePDF(w io.Writer, p *Protocol) error {
	regular, err := fonts.Load(fonts.Sans)
	if err != nil {
		return fmt.Errorf("protocol PDF: %w", err)
	}
	bold, err := fonts.Load(fonts.SansBold)
	if err != nil {
		return fmt.Errorf("protocol PDF: %w", err)
	}
	pdf := fpdf.New("P", "mm", "A4", "")
	pdf.SetMargins(10, 14, 10)
	pdf.SetAutoPageBreak(true, 14)
	pdf.AddUTF8FontFromBytes(pdfFamily, "", regular)
	pdf.AddUTF8FontFromBytes(pdfFamily, "B", bold)
	if d, err := parseDate(p.ProtocolDate); err == nil {
		stamp := d.Add(12 * time.Hour)
		pdf.SetCreationDate(stamp)
		pdf.SetModificationDate(stamp)
	}
	pdf.SetCatalogSort(true)
	pdf.SetTitle(fmt.Sprintf("Хаттама / Протокол %s, %d", p.School, p.Grade), true)
	pdf.SetProducer("tarazy", false)
	pdf.SetLang("kk")
	pdf.AliasNbPages("{nb}")

	pdf.SetHeaderFunc(func() {
		pdf.SetFont(pdfFamily, "", 7)
		pdf.SetTextColor(90, 90, 90)
		pdf.SetXY(10, 6)
		pdf.CellFormat(120, 4, fmt.Sprintf("%s · %d-сынып / класс · %s · %s", p.School, p.Grade, p.ProtocolDate, versionText(p)), "", 0, "L", false, 0, "")
		if !p.Final() {
			pdf.SetTextColor(190, 0, 0)
			pdf.SetFont(pdfFamily, "B", 8)
			pdf.CellFormat(70, 4, "ЖОБА / ПРОЕКТ — не для подписи", "", 0, "R", false, 0, "")
		}
		pdf.SetTextColor(0, 0, 0)
		pdf.SetXY(10, 14)
	})
	pdf.SetFooterFunc(func() {
		pdf.SetY(-10)
		pdf.SetFont(pdfFamily, "", 7)
		pdf.SetTextColor(90, 90, 90)
		pdf.CellFormat(150, 4, "SHA-256: "+p.ResultsSHA256, "", 0, "L", false, 0, "")
		pdf.CellFormat(40, 4, fmt.Sprintf("%d / {nb}", pdf.PageNo()), "", 0, "R", false, 0, "")
		pdf.SetTextColor(0, 0, 0)
	})
	pdf.AddPage()

	para := func(size float64, style, s string) {
		pdf.SetFont(pdfFamily, style, size)
		pdf.MultiCell(0, size*0.5, s, "", "L", false)
	}
	heading := func(s string) {
		if pdf.GetY() > 260 {
			pdf.AddPage()
		}
		pdf.Ln(2.5)
		para(10, "B", s)
		pdf.Ln(0.5)
	}

	// Title block.
	if p.SchoolNameKK != "" {
		para(9, "", p.SchoolNameKK)
	}
	if p.SchoolNameRU != "" {
		para(9, "", p.SchoolNameRU)
	}
	pdf.Ln(1.5)
	num := ""
	if p.Number != "" {
		num = " № " + p.Number
	}
	para(13, "B", "Конкурстық комиссияның хаттамасы"+num)
	para(13, "B", "Протокол конкурсной комиссии"+num)
	pdf.Ln(1)
	place := ""
	if p.City != "" {
		place = p.City + " · "
	}
	para(9, "", fmt.Sprintf("%d-сыныпқа қабылдау конкурсының қорытындылары / итоги конкурса приёма в %d класс", p.Grade, p.Grade))
	para(9, "", fmt.Sprintf("%sМектеп / школа: %s · конкурс %s · хаттама / протокол %s", place, p.School, p.ContestDate, p.ProtocolDate))
	para(9, "", fmt.Sprintf("Орын / мест: %d · «Мың бала» квотасы / квота: %d · қабылданды / зачислено: %d + %d квота · резерв: %d · шешім күтуде / ожидают решения: %d · барлығы / всего: %d",
		p.Seats, p.Quota, p.Counts[Admitted], p.Counts[AdmittedQuota], p.Counts[Reserve], p.Counts[TiePending], len(p.Rows)))
	para(8, "", versionLong(p))
	if !p.Final() {
		pdf.SetTextColor(190, 0, 0)
		para(9, "B", "ЖОБА — ҚОЛ ҚОЮҒА БОЛМАЙДЫ / ПРОЕКТ — НЕ ПОДПИСЫВАТЬ:")
		for _, r := range p.DraftReasons {
			para(8, "", "• "+r)
		}
		pdf.SetTextColor(0, 0, 0)
	}
	pdf.Ln(2)

	// The candidates table, its header repeated after every page break.
	tableHeader := func() {
		pdf.SetFont(pdfFamily, "B", 7)
		pdf.SetFillColor(230, 230, 230)
		for _, c := range pdfColumns {
			fitCell(pdf, c.width, pdfRowH, c.title, "1", "C", true, 7)
		}
		pdf.Ln(-1)
	}
	tableHeader()
	pdf.SetFont(pdfFamily, "", pdfFontSize)
	for _, r := range p.Rows {
		if pdf.GetY()+pdfRowH > 283 {
			pdf.AddPage()
			tableHeader()
			pdf.SetFont(pdfFamily, "", pdfFontSize)
		}
		outcome := shortOutcome(r.Outcome)
		if r.ReservePlace > 0 {
			outcome += " №" + strconv.Itoa(r.ReservePlace)
		}
		if r.Tie > 0 {
			outcome += fmt.Sprintf(" (=%d)", r.Tie)
		}
		cells := []string{strconv.Itoa(r.Place), r.Name, r.IIN, strconv.Itoa(r.Score), strconv.Itoa(r.Math), strconv.Itoa(r.Reading),
			histText(r.History), mark(r.Olympiad), mark(r.MynBala), outcome}
		fill := outcomeFill(pdf, r.Outcome)
		for i, c := range pdfColumns {
			fitCell(pdf, c.width, pdfRowH, cells[i], "1", c.align, fill, pdfFontSize)
		}
		pdf.Ln(-1)
	}
	para(7, "", "«+» — иә / да; (=N) — N-тең топ / группа равенства N; «—» — бұл бөлім бланкте жоқ / раздела нет в бланке.")

	list := func(title string, o Outcome) {
		heading(title)
		rows := p.List(o)
		if len(rows) == 0 {
			para(9, "", "—")
			return
		}
		for i, r := range rows {
			n := i + 1
			if r.ReservePlace > 0 {
				n = r.ReservePlace
			}
			para(9, "", fmt.Sprintf("%d. %s — %d", n, r.Name, r.Score))
		}
	}
	list("Қабылданғандар / Зачисленные (§40)", Admitted)
	list("«Мың бала» квотасы бойынша / По квоте «Мың бала» (§25)", AdmittedQuota)
	list("Резервтік тізім / Резервный список (§43)", Reserve)
	if p.Counts[TiePending] > 0 {
		list("Комиссия шешімін күтетіндер / Ожидают решения комиссии", TiePending)
	}

	heading("Қолданылған ережелер / Применённые правила и политики")
	for _, pl := range p.Policies {
		para(8, "B", fmt.Sprintf("%s / %s [%s]", pl.NameKK, pl.NameRU, pl.Source))
		para(8, "", pl.TextKK)
		para(8, "", pl.TextRU)
	}

	heading("Тең нәтижелер және комиссия шешімдері / Равенства и решения комиссии")
	if len(p.Ties) == 0 {
		para(9, "", "Шекарада тең нәтиже жоқ. / Равенств на границах нет.")
	}
	for _, t := range p.Ties {
		var stake []string
		for _, o := range t.AtStake {
			_, ru := OutcomeText(o)
			stake = append(stake, ru)
		}
		para(8, "B", fmt.Sprintf("№ %d: %s", t.Number, strings.Join(t.Members, "; ")))
		para(8, "", "Шешіледі / решается: "+strings.Join(stake, " / "))
		if t.Decided {
			when := ""
			if t.DecidedOn != "" {
				when = ", " + t.DecidedOn
			}
			para(8, "", fmt.Sprintf("Шешім / решение (%s%s): %s", t.DecidedBy, when, t.Reason))
		} else {
			para(8, "B", "Шешім жоқ / решения нет")
		}
	}
	if len(p.Dependent) > 0 {
		para(8, "", "Нәтижесі тең жағдай шешіміне байланысты / итог зависит от решения по равенству: "+strings.Join(p.Dependent, "; "))
	}
	if len(p.CalendarIssues) > 0 {
		heading("Мерзімдер / Сроки")
		for _, is := range p.CalendarIssues {
			reason := "себебі жазылмаған / причина не записана"
			if is.Reason != "" {
				reason = "себебі / причина: " + is.Reason
			}
			para(8, "", fmt.Sprintf("%s %s — мерзімнен тыс / вне срока %s (%s); %s", is.Field, is.Date, is.Window, is.Rule, reason))
		}
	}

	if len(p.Amendments) > 0 {
		heading(fmt.Sprintf("Өзгерістер тарихы / История изменений (№ %d басылым / редакция)", p.Edition))
		for _, a := range p.Amendments {
			para(8, "B", fmt.Sprintf("№ %d: %s", a.Edition, a.Reason))
			para(7, "", fmt.Sprintf("%s, %s · алдыңғы / прежняя SHA-256: %s", a.OpenedBy, a.OpenedOn, a.Previous))
		}
	}

	heading("Нәтижелердің бақылау қосындысы / Контрольная сумма результатов")
	para(8, "", "SHA-256: "+p.ResultsSHA256)
	para(7, "", p.HashDefinition)

	heading("Конкурстық комиссия / Конкурсная комиссия (§22–24)")
	for _, m := range p.Commission.Members {
		if pdf.GetY() > 270 {
			pdf.AddPage()
		}
		role := "Мүше / Член"
		if m.Name == p.Commission.Chair {
			role = "Төраға / Председатель"
		}
		pdf.SetFont(pdfFamily, "", 9)
		pdf.Ln(4)
		fitCell(pdf, 38, 5, role, "", "L", false, 9)
		fitCell(pdf, 92, 5, m.Name, "", "L", false, 9)
		fitCell(pdf, 60, 5, "", "B", "L", false, 9)
		pdf.Ln(-1)
		if m.Position != "" {
			pdf.SetX(48)
			pdf.SetTextColor(90, 90, 90)
			fitCell(pdf, 92, 3.5, m.Position, "", "L", false, 7)
			pdf.SetTextColor(0, 0, 0)
			pdf.Ln(-1)
		}
	}
	if err := pdf.Error(); err != nil {
		return fmt.Errorf("protocol PDF: %w", err)
	}
	return pdf.Output(w)
}

// fitCell prints a one-line cell, shrinking the font until the text fits, so that a
// long Kazakh name is never cut off.
func fitCell(pdf *fpdf.Fpdf, w, h float64, s, border, align string, fill bool, size float64) {
	for sz := size; sz >= 4.5; sz -= 0.5 {
		pdf.SetFontSize(sz)
		if pdf.GetStringWidth(s) <= w-1.2 {
			break
		}
	}
	pdf.CellFormat(w, h, s, border, 0, align, fill, 0, "")
	pdf.SetFontSize(size)
}

func outcomeFill(pdf *fpdf.Fpdf, o Outcome) bool {
	switch o {
	case Admitted:
		pdf.SetFillColor(232, 246, 232)
	case AdmittedQuota:
		pdf.SetFillColor(230, 238, 250)
	case Reserve:
		pdf.SetFillColor(252, 246, 226)
	case TiePending:
		pdf.SetFillColor(252, 226, 226)
	default:
		return false
	}
	return true
}

func shortOutcome(o Outcome) string {
	switch o {
	case Admitted:
		return "қабылданды / зачислен"
	case AdmittedQuota:
		return "квота / по квоте"
	case Reserve:
		return "резерв"
	case NotAdmitted:
		return "қабылданбады / нет"
	case TiePending:
		return "шешім күтуде / ждёт решения"
	}
	return string(o)
}

func mark(b bool) string {
	if b {
		return "+"
	}
	return ""
}

func versionText(p *Protocol) string {
	if p.Public() {
		return "жариялауға / для публикации"
	}
	return "ішкі / внутренняя"
}

func versionLong(p *Protocol) string {
	if p.Public() {
		return "Жариялауға арналған нұсқа: тегі мен аты-жөнінің бас әріптері, ЖСН-нің соңғы төрт цифры. / Версия для публикации: фамилия и инициалы, последние четыре цифры ИИН."
	}
	return "Ішкі нұсқа, толық деректермен; жариялауға арналмаған. / Внутренняя версия с полными данными; не для публикации."
}
