package scoring

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	"tarazy/iin"
	"tarazy/omr/form"
	"tarazy/omr/reading"
)

// ConflictKind says why a sheet was not scored. A conflict is for the commission to
// resolve; tarazy never guesses which sheet or which candidate is meant.
type ConflictKind string

const (
	// ConflictNotFinal: the reading still has fields under review (or was rejected).
	ConflictNotFinal ConflictKind = "not_final"
	// ConflictTwoSheets: more than one different sheet names the same IIN.
	ConflictTwoSheets ConflictKind = "two_sheets"
	// ConflictUnregistered: the sheet's IIN is not in the candidates' base (§17).
	ConflictUnregistered ConflictKind = "unregistered"
	// ConflictBadIIN: the IIN on the sheet is not a valid IIN and is not registered.
	ConflictBadIIN ConflictKind = "bad_iin"
	// ConflictWrongGrade: the candidate is registered for another grade than the form.
	ConflictWrongGrade ConflictKind = "wrong_grade"
	// ConflictNoKey: there is no answer key for the sheet's grade and variant.
	ConflictNoKey ConflictKind = "no_key"
	// ConflictBadReading: the reading does not fit its form (unknown form, bad variant,
	// wrong number of answers).
	ConflictBadReading ConflictKind = "bad_reading"
	// ConflictAbsent: a registered candidate has no page at all, in any state, at any
	// school. Not an error in itself (a child may not come), but the commission
	// confirms it rather than learning it from a missing line.
	ConflictAbsent ConflictKind = "absent"
	// ConflictRefused: a page of this grade was stored but refused as a sheet (its
	// serial belongs to another sheet of another form, or its reading does not fit its
	// form). It may be a candidate's only sheet, so it blocks until it is rescanned.
	ConflictRefused ConflictKind = "refused"
	// ConflictElsewhere: a registered candidate has no page here, but a page carrying
	// their IIN was scanned at another school. It blocks: the candidate is not absent.
	ConflictElsewhere ConflictKind = "elsewhere"
	// ConflictUnread: a page the reader could not read as a sheet at all (no form
	// code, no QR code). Listed, not blocking: nothing says whose it is; the
	// commission checks it is not a candidate's sheet.
	ConflictUnread ConflictKind = "unread"
	// ConflictLate: a page that arrived after the grade's results were published and
	// was not stored. Listed, not blocking: it changes nothing unless it is scanned
	// again while an amendment is open.
	ConflictLate ConflictKind = "late"
)

// MaxSheetsPerIIN is how many sheets of one school may carry one IIN before ingest
// flags it: one candidate writes one sheet, and a misread IIN or a torn sheet written
// again makes two or three, never more.
const MaxSheetsPerIIN = 3

// MaxSheetsNamed is how many sheets a two_sheets conflict names before "… +N".
const MaxSheetsNamed = 5

// Blocking reports whether a conflict of this kind must be resolved before the
// results are complete.
func (k ConflictKind) Blocking() bool {
	return k != ConflictAbsent && k != ConflictUnread && k != ConflictLate && k != "rescan"
}

// Conflict is one sheet (or candidate) that was not scored, with what to do about it.
type Conflict struct {
	Kind   ConflictKind `json:"kind"`
	IIN    string       `json:"iin"`
	File   string       `json:"file"`
	Page   int          `json:"page"`
	Sheet  string       `json:"sheet"`
	Detail string       `json:"detail"` // in English, as conflicts.csv prints it
	// DetailKK and DetailRU say the same for the commission in Kazakh and Russian.
	DetailKK string `json:"detail_kk"`
	DetailRU string `json:"detail_ru"`
}

// Says fills a conflict's details from the same arguments in Kazakh, Russian and
// English.
func (c Conflict) Says(kk, ru, en string, args ...any) Conflict {
	c.DetailKK, c.DetailRU, c.Detail = fmt.Sprintf(kk, args...), fmt.Sprintf(ru, args...), fmt.Sprintf(en, args...)
	return c
}

// Candidate is a registered candidate as far as scoring needs to know (§17).
type Candidate struct {
	IIN    string `json:"iin"`
	Grade  int    `json:"grade"`
	School string `json:"school"`
	Name   string `json:"name"`
}

// Batch is the outcome of scoring a set of readings.
type Batch struct {
	Results   []Result   `json:"results"`   // ordered by grade, then IIN
	Conflicts []Conflict `json:"conflicts"` // ordered by kind, IIN, file, page
	// Rescans are readings identical to one already scored (the same sheet fed twice);
	// they are ignored, and listed so that the count of pages adds up.
	Rescans []Conflict `json:"rescans"`
}

// ScoreAll scores every final reading that belongs to exactly one candidate and reports
// everything else as a conflict. candidates may be nil when no base is at hand; then
// unregistered sheets cannot be detected, and an IIN failing its checksum is a conflict
// (with a base, a registered IIN is accepted as it is: Law No. 223 art. 9 admits such
// IINs). The result does not depend on the order of readings.
func ScoreAll(readings []reading.Reading, keys *Keys, candidates []Candidate, p Policy) Batch {
	b := Batch{Results: make([]Result, 0, len(readings))}
	reg := make(map[string]Candidate, len(candidates))
	for _, c := range candidates {
		reg[c.IIN] = c
	}
	conflict := func(kind ConflictKind, rd *reading.Reading, kk, ru, en string, args ...any) {
		b.Conflicts = append(b.Conflicts, Conflict{Kind: kind, IIN: rd.IIN, File: rd.File, Page: rd.Page, Sheet: rd.Sheet}.Says(kk, ru, en, args...))
	}

	// Group by IIN every reading whose IIN is trustworthy (not itself under review), so
	// that a second sheet still in review also blocks the first.
	byIIN := make(map[string][]*reading.Reading, len(readings))
	for i := range readings {
		rd := &readings[i]
		if rd.Status == reading.StatusRejected {
			conflict(ConflictNotFinal, rd, "парақты оқу құралы қабылдамады (%s); қайта сканерлеңіз немесе қолмен енгізіңіз",
				"лист отклонён при чтении (%s); отсканируйте его заново или введите вручную",
				"the sheet was rejected by the reader (%s); rescan it or enter it by hand", strings.TrimSpace(rd.Error))
			continue
		}
		if !rd.Final() {
			conflict(ConflictNotFinal, rd, "%s өрістері әлі тексерілуде; тексеру экранында шешіп, қайта есептеңіз",
				"поля %s ещё на проверке; решите их на экране проверки и пересчитайте",
				"fields %s are still under review; resolve them on the review screen, then score again", strings.Join(rd.Review, " "))
			if iinUnderReview(rd) {
				continue
			}
		} else if !twelveDigits(rd.IIN) {
			// Grouping these by IIN would make every incomplete IIN one "candidate".
			conflict(ConflictBadIIN, rd, "парақтағы ЖСН %q — 12 цифр емес; тексеру экранында енгізіңіз",
				"ИИН на листе %q — не 12 цифр; введите его на экране проверки",
				"the IIN on the sheet is %q, not 12 digits; enter it on the review screen", rd.IIN)
			continue
		}
		byIIN[rd.IIN] = append(byIIN[rd.IIN], rd)
	}

	seen := make(map[string]bool, len(byIIN))
	iins := make([]string, 0, len(byIIN))
	for id := range byIIN {
		iins = append(iins, id)
	}
	sort.Strings(iins)
	for _, id := range iins {
		group := byIIN[id]
		seen[id] = true
		sort.Slice(group, func(i, j int) bool { return readingLess(group[i], group[j]) })
		// Identical readings of the same sheet are one sheet fed twice. Only readings
		// with the same serial can be the same sheet, so they are compared within
		// their serial: linear in the group, however many sheets carry one IIN.
		distinct := group[:0:0]
		bySerial := map[string][]*reading.Reading{}
		for _, rd := range group {
			dup := false
			for _, d := range bySerial[rd.Sheet] {
				if sameSheet(d, rd) {
					b.Rescans = append(b.Rescans, Conflict{Kind: "rescan", IIN: rd.IIN, File: rd.File, Page: rd.Page, Sheet: rd.Sheet}.Says(
						"%s файлының %d-бетімен бір парақ, бірдей оқылды; бір рет есептеледі", "тот же лист, что %s, страница %d, прочитан так же; учтён один раз",
						"same sheet as %s page %d, read identically; counted once", d.File, d.Page))
					dup = true
					break
				}
			}
			if !dup {
				distinct = append(distinct, rd)
				if rd.Sheet != "" {
					bySerial[rd.Sheet] = append(bySerial[rd.Sheet], rd)
				}
			}
		}
		if len(distinct) > 1 {
			// The detail names a few of the sheets, not all: a conflict per sheet
			// listing every other sheet grows with the square of their number (4,000
			// sheets of one IIN made a 161 MB answer).
			var where []string
			for _, rd := range distinct[:min(len(distinct), MaxSheetsNamed)] {
				where = append(where, fmt.Sprintf("%s p%d", rd.File, rd.Page))
			}
			if more := len(distinct) - MaxSheetsNamed; more > 0 {
				where = append(where, fmt.Sprintf("… +%d", more))
			}
			list := strings.Join(where, ", ")
			for _, rd := range distinct {
				if rd.Final() {
					conflict(ConflictTwoSheets, rd, "бұл ЖСН %d түрлі парақта бар (%s); комиссия үміткердікін анықтайды, қалғандарына дұрыс ЖСН беріледі немесе олар жарамсыз деп танылады",
						"этот ИИН стоит на %d разных листах (%s); комиссия решает, какой лист принадлежит кандидату, остальным исправляют ИИН или признают их недействительными",
						"%d different sheets carry this IIN (%s); the commission decides which is the candidate's, the others get their correct IIN or are voided",
						len(distinct), list)
				}
			}
			continue
		}
		rd := distinct[0]
		if !rd.Final() {
			continue // already reported
		}
		f, err := form.Get(rd.Form)
		if err != nil {
			conflict(ConflictBadReading, rd, "парақтағы бланк %q белгісіз; оқу құралының бланктерін тексеріңіз",
				"на листе указан неизвестный бланк %q; проверьте бланки средства чтения",
				"the sheet names form %q, which tarazy does not know; check the reader's forms", rd.Form)
			continue
		}
		cand, registered := reg[id]
		if len(candidates) > 0 {
			if !registered {
				conflict(ConflictUnregistered, rd, "ЖСН %s үміткер тіркелмеген; парақта белгіленген ЖСН-ді өтінішпен салыстырыңыз",
					"кандидат с ИИН %s не зарегистрирован; сверьте отмеченный на листе ИИН с заявлением",
					"no candidate with IIN %s is registered; check the IIN bubbled on the sheet against the application", id)
				continue
			}
			if cand.Grade != f.Grade {
				conflict(ConflictWrongGrade, rd, "үміткер %d-сыныпқа тіркелген, бірақ %d-сыныптың %s бланкін толтырған",
					"кандидат зарегистрирован в %d класс, но заполнил бланк %d класса %s",
					"the candidate is registered for grade %d but wrote the grade %d form %s", cand.Grade, f.Grade, f.ID)
				continue
			}
		} else if _, err := iin.Parse(id); err != nil {
			conflict(ConflictBadIIN, rd, "%v; үміткерлер базасынсыз қате оқылған ЖСН-ді нағыз ЖСН-нен ажырату мүмкін емес (--candidates беріңіз)",
				"%v; без базы кандидатов нельзя отличить неверно прочитанный ИИН от настоящего (укажите --candidates)",
				"%v; without the candidates' base tarazy cannot tell a misread IIN from a real one (pass --candidates)", err)
			continue
		}
		variant, err := NormalizeVariant(f, rd.Variant)
		if err != nil {
			conflict(ConflictBadReading, rd, "%v; нұсқаны тексеру экранында белгілеңіз", "%v; отметьте вариант на экране проверки",
				"%v; mark the variant on the review screen", err)
			continue
		}
		key, ok := keys.Lookup(f.Grade, variant)
		if !ok {
			conflict(ConflictNoKey, rd, "%d-сыныптың %s нұсқасына жауап кілті жоқ; оны кілттер файлына қосыңыз",
				"нет ключа ответов для %d класса, вариант %s; добавьте его в файл ключей",
				"no answer key for grade %d variant %s; add it to the key file", f.Grade, variant)
			continue
		}
		res, err := Score(f, key, rd, p)
		if err != nil {
			conflict(ConflictBadReading, rd, "оқылым бланкке сәйкес емес: %v", "чтение не соответствует бланку: %v", "%v", err)
			continue
		}
		b.Results = append(b.Results, res)
	}
	for _, c := range candidates {
		if !seen[c.IIN] {
			b.Conflicts = append(b.Conflicts, Conflict{Kind: ConflictAbsent, IIN: c.IIN}.Says(
				"%d-сыныпқа %s мектебінде тіркелген, бірақ парағы оқылмады; үміткердің келмегенін растаңыз",
				"зарегистрирован в %d класс в школе %s, но лист не прочитан; подтвердите, что кандидат не пришёл",
				"registered for grade %d at %s but no sheet was read; confirm the candidate was absent", c.Grade, c.School))
		}
	}
	sort.Slice(b.Results, func(i, j int) bool {
		if b.Results[i].Grade != b.Results[j].Grade {
			return b.Results[i].Grade < b.Results[j].Grade
		}
		return b.Results[i].IIN < b.Results[j].IIN
	})
	sortConflicts(b.Conflicts)
	sortConflicts(b.Rescans)
	return b
}

// SortConflicts puts conflicts in their published order: kind, IIN, file, page.
func SortConflicts(cs []Conflict) { sortConflicts(cs) }

func sortConflicts(cs []Conflict) {
	sort.SliceStable(cs, func(i, j int) bool {
		a, b := cs[i], cs[j]
		if a.Kind != b.Kind {
			return a.Kind < b.Kind
		}
		if a.IIN != b.IIN {
			return a.IIN < b.IIN
		}
		if a.File != b.File {
			return a.File < b.File
		}
		return a.Page < b.Page
	})
}

func iinUnderReview(rd *reading.Reading) bool {
	for _, f := range rd.Review {
		if strings.HasPrefix(f, "iin") || f == "qr" {
			return true
		}
	}
	return !twelveDigits(rd.IIN)
}

func twelveDigits(s string) bool {
	if len(s) != 12 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// sameSheet: the same physical sheet read the same way. Without a sheet number two
// readings cannot be proven to be one sheet, so they are not merged.
func sameSheet(a, b *reading.Reading) bool {
	return a.Sheet != "" && a.Sheet == b.Sheet && a.Form == b.Form && a.Variant == b.Variant &&
		a.Status == b.Status && slices.Equal(a.Answers, b.Answers)
}

func readingLess(a, b *reading.Reading) bool {
	if a.File != b.File {
		return a.File < b.File
	}
	if a.Page != b.Page {
		return a.Page < b.Page
	}
	return a.Sheet < b.Sheet
}

// HasBlocking reports whether any conflict must be resolved before the results are
// complete. Absent candidates are listed but do not block.
func (b *Batch) HasBlocking() bool {
	for _, c := range b.Conflicts {
		if c.Kind.Blocking() {
			return true
		}
	}
	return false
}

// ErrConflicts is returned by callers that refuse to go on with blocking conflicts.
var ErrConflicts = errors.New("some sheets were not scored")
