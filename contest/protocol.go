package contest

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"unicode"

	"go.yaml.in/yaml/v3"

	"tarazy/omr/form"
	"tarazy/scoring"
)

// Sitting is what the protocol needs beyond the ranking: the school's names, the
// commission and the contest's dates. It is a YAML file the school keeps
// (tarazy protocol --sitting).
type Sitting struct {
	School       string     `json:"school" yaml:"school"` // the school code used in the CSV files
	SchoolNameKK string     `json:"school_name_kk" yaml:"school_name_kk"`
	SchoolNameRU string     `json:"school_name_ru" yaml:"school_name_ru"`
	Number       string     `json:"number" yaml:"number"` // the protocol's number, if the school numbers them
	City         string     `json:"city" yaml:"city"`
	Calendar     Calendar   `json:"calendar" yaml:"calendar"`
	Commission   Commission `json:"commission" yaml:"commission"`
	// Amendments are the changes made to this protocol after it was first published,
	// oldest first; the protocol prints them all (§37: there are no appeals, so a
	// published result changes only by a recorded, published amendment).
	Amendments []Amendment `json:"amendments,omitempty" yaml:"amendments,omitempty"`
}

// Amendment is one change of a published protocol: the edition it makes, why, who
// opened it and when.
type Amendment struct {
	Edition  int    `json:"edition" yaml:"edition"` // 2, 3, …; edition 1 is the first publication
	Reason   string `json:"reason" yaml:"reason"`
	OpenedBy string `json:"opened_by" yaml:"opened_by"`
	OpenedOn string `json:"opened_on" yaml:"opened_on"` // YYYY-MM-DD, Kazakhstan time
	// Previous is the results SHA-256 the edition before this one printed.
	Previous string `json:"previous_results_sha256" yaml:"previous_results_sha256"`
}

// ParseSitting reads a sitting file. Unknown keys are errors, so a misspelt field is
// not silently dropped from a legal document.
func ParseSitting(r io.Reader, name string) (*Sitting, error) { return ParseSittingOf(r, name, "") }

// ParseSittingOf reads a sitting file of a school known beforehand (the API's path
// names it): a file without a school key is that school's.
func ParseSittingOf(r io.Reader, name, school string) (*Sitting, error) {
	dec := yaml.NewDecoder(r)
	dec.KnownFields(true)
	var s Sitting
	if err := dec.Decode(&s); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if strings.TrimSpace(s.School) == "" {
		s.School = school
	}
	if strings.TrimSpace(s.School) == "" {
		return nil, fmt.Errorf("%s: school is missing (the school code used in seats.csv and results.csv)", name)
	}
	if err := s.checkAmendments(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return &s, nil
}

func (s *Sitting) checkAmendments() error {
	for i, a := range s.Amendments {
		if a.Edition != i+2 {
			return fmt.Errorf("amendment %d is edition %d; editions run 2, 3, … in order", i+1, a.Edition)
		}
		if strings.TrimSpace(a.Reason) == "" || strings.TrimSpace(a.OpenedBy) == "" {
			return fmt.Errorf("amendment %d (edition %d) must say why and who opened it", i+1, a.Edition)
		}
	}
	return nil
}

// PolicyLine is one policy printed in the protocol.
type PolicyLine struct {
	Key    string `json:"key"`
	NameKK string `json:"name_kk"`
	NameRU string `json:"name_ru"`
	Value  string `json:"value"`   // machine value, e.g. "merit-first"
	TextKK string `json:"text_kk"` // the value explained
	TextRU string `json:"text_ru"`
	Source string `json:"source"` // the rule ("§35"), and where the rules are silent whether the policy is the default or the school's choice
}

// ProtocolRow is one candidate in the protocol.
type ProtocolRow struct {
	Place        int     `json:"place"`
	ReservePlace int     `json:"reserve_place,omitempty"` // 1.. in the reserve list; tied candidates share it
	Name         string  `json:"name"`
	IIN          string  `json:"iin"`
	Score        int     `json:"score"`
	Math         int     `json:"math"`
	Reading      int     `json:"reading"`
	History      *int    `json:"history"` // nil on a form without history (grade 5)
	Olympiad     bool    `json:"olympiad"`
	MynBala      bool    `json:"myn_bala"`
	Outcome      Outcome `json:"outcome"`
	Tie          int     `json:"tie,omitempty"`
	Decided      bool    `json:"decided,omitempty"`
}

// ProtocolTie is a tie across a boundary, decided or pending.
type ProtocolTie struct {
	Number    int       `json:"number"`
	Members   []string  `json:"members"` // names (reduced in the public version), in decided or IIN order
	IINs      []string  `json:"iins"`    // masked in the public version
	AtStake   []Outcome `json:"at_stake"`
	Decided   bool      `json:"decided"`
	DecidedBy string    `json:"decided_by,omitempty"`
	Reason    string    `json:"reason,omitempty"`
	DecidedOn string    `json:"decided_on,omitempty"`
}

// Protocol is the commission's protocol of one school and grade (§41), in the form
// every renderer prints.
type Protocol struct {
	Version      string `json:"version"` // "internal" or "public"
	School       string `json:"school"`
	SchoolNameKK string `json:"school_name_kk"`
	SchoolNameRU string `json:"school_name_ru"`
	Grade        int    `json:"grade"`
	Number       string `json:"number"`
	City         string `json:"city"`
	ContestDate  string `json:"contest_date"`
	ProtocolDate string `json:"protocol_date"`

	Seats         int             `json:"seats"`
	Quota         int             `json:"quota"`
	QuotaApproved bool            `json:"quota_approved"`
	Counts        map[Outcome]int `json:"counts"`
	Policies      []PolicyLine    `json:"policies"`

	Rows      []ProtocolRow `json:"rows"`
	Ties      []ProtocolTie `json:"ties"`
	Dependent []string      `json:"dependent"` // names whose outcome waits on a pending tie

	CalendarIssues []CalendarIssue `json:"calendar_issues"`
	Commission     Commission      `json:"commission"`

	// Edition is 1 for the first publication and one more for each amendment, listed
	// in Amendments (omitted while there is none).
	Edition    int         `json:"edition,omitempty"`
	Amendments []Amendment `json:"amendments,omitempty"`

	// ResultsSHA256 is the SHA-256 of the canonical results of this school and grade;
	// HashDefinition says which bytes, so anyone holding results.csv can recompute it.
	ResultsSHA256  string `json:"results_sha256"`
	HashDefinition string `json:"hash_definition"`

	// DraftReasons are why the protocol cannot be signed yet; empty when it can.
	DraftReasons []string `json:"draft_reasons"`
}

// Final reports whether the protocol can be signed and published.
func (p *Protocol) Final() bool { return len(p.DraftReasons) == 0 }

// N is the number of candidates with an outcome.
func (p *Protocol) N(o Outcome) int { return p.Counts[o] }

// Public reports whether this is the version for publishing.
func (p *Protocol) Public() bool { return p.Version == "public" }

// List returns the rows with an outcome, in place order.
func (p *Protocol) List(o Outcome) []ProtocolRow {
	var out []ProtocolRow
	for _, r := range p.Rows {
		if r.Outcome == o {
			out = append(out, r)
		}
	}
	return out
}

// ErrProtocol is wrapped by BuildProtocol errors.
var ErrProtocol = errors.New("cannot build the protocol")

// HashDefinition is printed in every protocol.
const HashDefinition = "SHA-256 of the UTF-8 bytes of this school and grade's lines of results.csv " +
	"(school,grade,iin,name,score,math,reading,history,olympiad,myn_bala; history empty on a form without it; olympiad and myn_bala 1 or 0) " +
	"preceded by that header line, lines sorted by IIN, each ending in LF, a field quoted with \" only when it holds a comma, a quote or a line break " +
	"(an inner quote doubled). For a results.csv written by tarazy: " +
	"(head -n1 results.csv; grep '^SCHOOL,GRADE,' results.csv | LC_ALL=C sort -t, -k3,3) | sha256sum"

// WriteCanonicalResults writes candidates in the canonical form the protocol's hash is
// taken over: the results header, then the candidates sorted by IIN.
func WriteCanonicalResults(w io.Writer, cands []Candidate) error {
	sorted := append([]Candidate(nil), cands...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].IIN < sorted[j].IIN })
	var b bytes.Buffer
	writeCanonicalLine(&b, ResultsHeader)
	for i := range sorted {
		writeCanonicalLine(&b, resultRecord(&sorted[i]))
	}
	_, err := w.Write(b.Bytes())
	return err
}

func writeCanonicalLine(b *bytes.Buffer, rec []string) {
	for i, f := range rec {
		if i > 0 {
			b.WriteByte(',')
		}
		if strings.ContainsAny(f, ",\"\r\n") {
			b.WriteByte('"')
			b.WriteString(strings.ReplaceAll(f, `"`, `""`))
			b.WriteByte('"')
		} else {
			b.WriteString(f)
		}
	}
	b.WriteByte('\n')
}

// ResultsDigest is the hex SHA-256 of WriteCanonicalResults(cands).
func ResultsDigest(cands []Candidate) string {
	h := sha256.New()
	_ = WriteCanonicalResults(h, cands)
	return hex.EncodeToString(h.Sum(nil))
}

// CandidatesOf returns the ranking input of one result, as its rows hold it.
func (r *Result) CandidatesOf() []Candidate {
	out := make([]Candidate, len(r.Rows))
	for i, row := range r.Rows {
		out[i] = Candidate{School: row.School, Grade: row.Grade, IIN: row.IIN, Name: row.Name, Score: row.Score,
			Math: row.Math, Reading: row.Reading, History: row.History, Olympiad: row.Olympiad, MynBala: row.MynBala}
	}
	return out
}

// PublicName reduces a full name to the surname and initials: "Әлиев Нұрлан Серікұлы"
// becomes "Әлиев Н. С.". Names are written surname first in the candidates' base (§17).
func PublicName(full string) string {
	parts := strings.Fields(full)
	if len(parts) == 0 {
		return ""
	}
	out := parts[0]
	for _, p := range parts[1:] {
		r := []rune(p)
		out += " " + string(unicode.ToUpper(r[0])) + "."
	}
	return out
}

// MaskIIN hides all but the last four digits.
func MaskIIN(iin string) string {
	if len(iin) <= 4 {
		return iin
	}
	return strings.Repeat("*", len(iin)-4) + iin[len(iin)-4:]
}

// BuildProtocol assembles the protocol of one ranked school and grade. public reduces
// personal data (surname and initials, IIN masked but for its last four digits), the
// version for publishing (§41). The protocol is a draft (DraftReasons) while a tie is
// pending, the commission breaks §24, or a date outside its window has no recorded
// reason. pol must be the policy Rank used for res. It is deterministic.
func BuildProtocol(res *Result, pol Policy, sit *Sitting, public bool) (*Protocol, error) {
	if sit.School != res.School {
		return nil, fmt.Errorf("%w: the sitting file is for school %q, the ranking for %q", ErrProtocol, sit.School, res.School)
	}
	issues, err := sit.Calendar.Check()
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrProtocol, err)
	}
	f, err := form.ForGrade(res.Grade)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrProtocol, err)
	}
	_, hasHistory := sectionOf(f, form.SectionHistory)
	p := &Protocol{
		Version: "internal", School: res.School, SchoolNameKK: sit.SchoolNameKK, SchoolNameRU: sit.SchoolNameRU,
		Grade: res.Grade, Number: sit.Number, City: sit.City,
		ContestDate: sit.Calendar.ContestDate, ProtocolDate: sit.Calendar.ProtocolDate,
		Seats: res.Seats, Quota: res.Quota, QuotaApproved: res.QuotaApproved,
		Counts: map[Outcome]int{}, Policies: policyLines(pol, res),
		CalendarIssues: issues, Commission: sit.Commission,
		Amendments:    sit.Amendments,
		ResultsSHA256: ResultsDigest(res.CandidatesOf()), HashDefinition: HashDefinition,
		// Empty lists, not null, in JSON: consumers should not need a nil check.
		Rows: []ProtocolRow{}, Ties: []ProtocolTie{}, Dependent: []string{}, DraftReasons: []string{},
	}
	if p.CalendarIssues == nil {
		p.CalendarIssues = []CalendarIssue{}
	}
	if err := sit.checkAmendments(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrProtocol, err)
	}
	if len(sit.Amendments) > 0 {
		p.Edition = len(sit.Amendments) + 1
	}
	if public {
		p.Version = "public"
	}
	name := func(s string) string {
		if public {
			return PublicName(s)
		}
		return s
	}
	id := func(s string) string {
		if public {
			return MaskIIN(s)
		}
		return s
	}
	nameOf := map[string]string{}
	reserveNo, prevTie := 0, -1
	for _, r := range res.Rows {
		pr := ProtocolRow{Place: r.Place, Name: name(r.Name), IIN: id(r.IIN), Score: r.Score, Math: r.Math, Reading: r.Reading,
			Olympiad: r.Olympiad, MynBala: r.MynBala, Outcome: r.Outcome, Tie: r.Tie, Decided: r.Decided}
		if hasHistory {
			h := r.History
			pr.History = &h
		}
		if r.Outcome == Reserve {
			// Candidates equal on every key share a reserve place, so that the order in
			// which a freed seat is offered (§44) is never silently decided by IIN.
			if !(r.Tie != 0 && !r.Decided && r.Tie == prevTie) {
				reserveNo = countBefore(p.Rows, Reserve) + 1
			}
			pr.ReservePlace = reserveNo
			prevTie = r.Tie
		}
		p.Counts[r.Outcome]++
		p.Rows = append(p.Rows, pr)
		nameOf[r.IIN] = name(r.Name)
	}
	for _, t := range res.Ties {
		pt := ProtocolTie{Number: t.Number, AtStake: t.AtStake, Decided: t.Decision != nil}
		ids := t.IINs
		if t.Decision != nil {
			ids = t.Decision.Order
			pt.DecidedBy, pt.Reason, pt.DecidedOn = t.Decision.DecidedBy, t.Decision.Reason, t.Decision.DecidedOn
		}
		for _, x := range ids {
			pt.Members = append(pt.Members, nameOf[x])
			pt.IINs = append(pt.IINs, id(x))
		}
		p.Ties = append(p.Ties, pt)
		if t.Decision == nil {
			p.DraftReasons = append(p.DraftReasons, fmt.Sprintf("№ %d тең нәтиже комиссия шешімін күтеді / равенство № %d ожидает решения комиссии: %s",
				t.Number, t.Number, strings.Join(pt.Members, ", ")))
		}
	}
	for _, x := range res.Dependent {
		p.Dependent = append(p.Dependent, nameOf[x])
	}
	if err := sit.Commission.Validate(); err != nil {
		p.DraftReasons = append(p.DraftReasons, "комиссия §24 талабына сай емес / комиссия не соответствует §24: "+strings.TrimPrefix(err.Error(), ErrCommission.Error()+": "))
	}
	for _, is := range Unexplained(issues) {
		p.DraftReasons = append(p.DraftReasons, fmt.Sprintf("мерзімнен тыс, себебі жазылмаған / вне срока, причина не записана: %s %s (%s, %s)",
			is.Field, is.Date, is.Window, is.Rule))
	}
	return p, nil
}

func countBefore(rows []ProtocolRow, o Outcome) int {
	n := 0
	for _, r := range rows {
		if r.Outcome == o {
			n++
		}
	}
	return n
}

func policyLines(pol Policy, res *Result) []PolicyLine {
	def := DefaultPolicy()
	src := func(isDefault bool) string {
		if isDefault {
			return "саясат, әдепкі / политика по умолчанию"
		}
		return "саясат, мектеп таңдауы / политика, выбор школы"
	}
	ia := PolicyLine{Key: "invalid_as", NameKK: "Бірнеше белгі қойылған жауап", NameRU: "Ответ с несколькими отметками",
		Value: string(pol.InvalidAs), Source: src(pol.InvalidAs == def.InvalidAs)}
	if pol.InvalidAs == scoring.InvalidAsBlank {
		ia.TextKK, ia.TextRU = "бос жауап ретінде (0 балл)", "как пустой ответ (0 баллов)"
	} else {
		ia.TextKK, ia.TextRU = "қате жауап ретінде (−1 балл)", "как неверный ответ (−1 балл)"
	}
	secKK := map[string]string{"math": "математика және логика", "reading": "оқу сауаттылығы", "history": "Қазақстан тарихы"}
	secRU := map[string]string{"math": "математика и логика", "reading": "грамотность чтения", "history": "история Казахстана"}
	orderKK := []string{"жалпы балл", "олимпиада жеңімпазы/жүлдегері (§38)"}
	orderRU := []string{"общий балл", "победитель/призёр олимпиады (§38)"}
	for _, tb := range pol.TieBreaks {
		orderKK = append(orderKK, secKK[tb]+" балы")
		orderRU = append(orderRU, "балл: "+secRU[tb])
	}
	tbs := PolicyLine{Key: "tie_breaks", NameKK: "Тең балл кезіндегі рет", NameRU: "Порядок при равенстве баллов",
		Value:  strings.Join(pol.TieBreaks, ","),
		TextKK: strings.Join(orderKK, " → ") + "; бұдан кейін де тең болса — комиссия шешімі",
		TextRU: strings.Join(orderRU, " → ") + "; при полном равенстве — решение комиссии",
		Source: "§38; " + src(slicesEqual(pol.TieBreaks, def.TieBreaks))}
	quota := PolicyLine{Key: "quota", NameKK: "«Мың бала» квотасы", NameRU: "Квота «Мың бала»", Value: strconv.Itoa(res.Quota), Source: "§25"}
	switch {
	case res.Grade != QuotaGrade:
		quota.TextKK, quota.TextRU = "квота тек 7-сыныпқа (§25)", "квота только для 7 класса (§25)"
	case res.QuotaApproved:
		quota.TextKK = fmt.Sprintf("мектеп бекіткен саны: %d орын (%d орынның)", res.Quota, res.Seats)
		quota.TextRU = fmt.Sprintf("утверждено школой: мест по квоте — %d (всего мест — %d)", res.Quota, res.Seats)
	default:
		quota.TextKK = fmt.Sprintf("%d орынның 10%%-ы, жартысынан бастап жоғары дөңгелектенген: %d орын", res.Seats, res.Quota)
		quota.TextRU = fmt.Sprintf("10%% от числа мест (%d) с округлением половины вверх: мест по квоте — %d", res.Seats, res.Quota)
		quota.Source = "§25; дөңгелектеу — әдепкі саясат / округление — политика по умолчанию"
	}
	order := PolicyLine{Key: "quota_order", NameKK: "Квотаны толтыру реті", NameRU: "Порядок заполнения квоты",
		Value: string(pol.QuotaOrder), Source: src(pol.QuotaOrder == def.QuotaOrder)}
	if pol.QuotaOrder == QuotaFirst {
		order.TextKK = "алдымен квота орындары үздік квота иелеріне, содан кейін қалған орындар балл бойынша; толмаған квота орындары жалпы тізімге қайтады"
		order.TextRU = "сначала места по квоте лучшим обладателям квоты, затем остальные места по баллам; незаполненные места квоты возвращаются в общий список"
	} else {
		order.TextKK = "алдымен жалпы орындар балл бойынша (квота иелері де), балл бойынша өткен квота иесі квота орнын алмайды; толмаған квота орындары жалпы тізімге қайтады"
		order.TextRU = "сначала общие места по баллам (включая обладателей квоты), прошедший по баллам не занимает место квоты; незаполненные места квоты возвращаются в общий список"
	}
	reserve := PolicyLine{Key: "reserve_size", NameKK: "Резервтік тізім", NameRU: "Резервный список", Value: strconv.Itoa(pol.ReserveSize),
		TextKK: fmt.Sprintf("орын алмағандардан балл бойынша ең көбі %d үміткер", pol.ReserveSize),
		TextRU: fmt.Sprintf("не более %d кандидатов без места, по убыванию баллов", pol.ReserveSize),
		Source: "§43; " + src(pol.ReserveSize == def.ReserveSize)}
	formula := PolicyLine{Key: "score", NameKK: "Балл", NameRU: "Балл", Value: "4*correct-1*wrong",
		TextKK: "4 × дұрыс жауап − 1 × қате жауап; бос жауап 0", TextRU: "4 × верный ответ − 1 × неверный; пустой ответ 0", Source: "§35"}
	return []PolicyLine{formula, ia, tbs, quota, order, reserve}
}

func slicesEqual(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// OutcomeText is how the protocol prints an outcome, in Kazakh and Russian.
func OutcomeText(o Outcome) (kk, ru string) {
	switch o {
	case Admitted:
		return "қабылданды", "зачислен(а)"
	case AdmittedQuota:
		return "«Мың бала» квотасы бойынша қабылданды", "зачислен(а) по квоте «Мың бала»"
	case Reserve:
		return "резервтік тізім", "резервный список"
	case NotAdmitted:
		return "қабылданбады", "не зачислен(а)"
	case TiePending:
		return "комиссия шешімін күтуде", "ожидает решения комиссии"
	}
	return string(o), string(o)
}
