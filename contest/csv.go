package contest

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"tarazy/iin"
	"tarazy/internal/csvtable"
	"tarazy/omr/form"
	"tarazy/scoring"
)

// The published CSV shapes (issue 3): the column names, in the order the writers put
// them. A file's header line is required and names its columns (in any order), so a
// file is never read by position.
var (
	SeatsHeader     = []string{"school", "grade", "seats", "quota"} // quota column optional
	ResultsHeader   = []string{"school", "grade", "iin", "name", "score", "math", "reading", "history", "olympiad", "myn_bala"}
	RankingHeader   = []string{"school", "grade", "place", "iin", "name", "score", "outcome"}
	DecisionsHeader = []string{"school", "grade", "order", "decided_by", "reason", "decided_on"}
)

// Limits on what a file may say, the same whether it comes to the command line or the
// API: beyond them a value is a typing error, not a school.
const (
	MaxSeats = 10000 // seats of one grade at one school
	MaxTie   = 1000  // candidates in one tie decision
)

// ErrCSV is wrapped by every error about a malformed input file.
var ErrCSV = errors.New("the file is not valid")

// The files are read in one dialect (internal/csvtable): a header naming the columns
// in any order, ',' or ';', Excel's byte-order mark, yes/no cells as 1/0, yes/no,
// иә/жоқ or да/нет. The header constants above are the column names and the order the
// writers use.

func open(r io.Reader, name string, required, optional []string) (*csvtable.Table, error) {
	t, err := csvtable.Open(r, name, required, optional)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrCSV, err)
	}
	return t, nil
}

func tableErr(t *csvtable.Table) error {
	if err := t.Err(); err != nil {
		return fmt.Errorf("%w:\n%w", ErrCSV, err)
	}
	return nil
}

func grade(t *csvtable.Table) (*form.Form, int, bool) {
	g, ok := t.Int("grade")
	if !ok {
		return nil, 0, false
	}
	f, err := form.ForGrade(g)
	if err != nil {
		t.Bad("grade %d has no contest form (grades 5, 6, 7)", g)
		return nil, 0, false
	}
	return f, g, true
}

// validIIN accepts twelve digits whose date and century are an IIN's; a failed check
// digit is admitted (Law No. 223 art. 9 knows such IINs exist).
func validIIN(t *csvtable.Table, s string) bool {
	if _, err := iin.Parse(s); err != nil && !errors.Is(err, iin.ErrChecksum) {
		t.Bad("IIN %q: %v", clip(s), err)
		return false
	}
	return true
}

func validIINShape(s string) bool {
	if len(s) != 12 {
		return false
	}
	for i := 0; i < 12; i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}

// ReadSeatsCSV reads school,grade,seats[,quota]. An empty quota means 10 % rounded half
// up (§25); a number is the school's approved quota.
func ReadSeatsCSV(r io.Reader, name string) ([]Seats, error) {
	t, err := open(r, name, SeatsHeader[:3], SeatsHeader[3:])
	if err != nil {
		return nil, err
	}
	var out []Seats
	seen := map[schoolGrade]int{}
	for t.Next() {
		school := t.Get("school")
		if school == "" {
			t.Bad("the school is empty")
			continue
		}
		_, g, ok := grade(t)
		if !ok {
			continue
		}
		n, ok := t.Int("seats")
		if !ok {
			continue
		}
		if n < 0 || n > MaxSeats {
			t.Bad("%d seats is not between 0 and %d", n, MaxSeats)
			continue
		}
		s := Seats{School: school, Grade: g, Seats: n}
		if q := t.Get("quota"); q != "" {
			v, ok := t.Int("quota")
			if !ok {
				continue
			}
			if v < 0 || v > n {
				t.Bad("the quota %d is not between 0 and the %d seats", v, n)
				continue
			}
			s.Quota = &v
		}
		sg := schoolGrade{s.School, s.Grade}
		if prev, dup := seen[sg]; dup {
			t.Bad("school %s grade %d is already given on line %d", s.School, s.Grade, prev)
			continue
		}
		seen[sg] = t.Line()
		out = append(out, s)
	}
	return out, tableErr(t)
}

// ReadResultsCSV reads school,grade,iin,name,score,math,reading,history,olympiad,myn_bala.
// history is empty (or 0) for grade 5, whose form has no history section. Scores are
// checked against the form's range and the sections against the score.
func ReadResultsCSV(r io.Reader, name string) ([]Candidate, error) {
	t, err := open(r, name, ResultsHeader, nil)
	if err != nil {
		return nil, err
	}
	var out []Candidate
	for t.Next() {
		f, g, ok := grade(t)
		if !ok {
			continue
		}
		c := Candidate{School: t.Get("school"), Grade: g, IIN: t.Get("iin"), Name: t.Get("name")}
		if c.School == "" {
			t.Bad("the school is empty")
			continue
		}
		if !validIINShape(c.IIN) {
			t.Bad("IIN %q is not 12 digits", clip(c.IIN))
			continue
		}
		okAll := true
		nums := []*int{&c.Score, &c.Math, &c.Reading, &c.History}
		for i, field := range []string{"score", "math", "reading", "history"} {
			if field == "history" && t.Get("history") == "" {
				continue
			}
			v, ok := t.Int(field)
			okAll = okAll && ok
			*nums[i] = v
		}
		if !okAll {
			continue
		}
		if _, has := sectionOf(f, form.SectionHistory); !has && c.History != 0 {
			t.Bad("grade %d has no history section, but history is %d", g, c.History)
			continue
		}
		if c.Score < -f.Questions() || c.Score > f.MaxScore() {
			t.Bad("score %d is outside %d…%d for grade %d", c.Score, -f.Questions(), f.MaxScore(), g)
			continue
		}
		if c.Math+c.Reading+c.History != c.Score {
			t.Bad("math %d + reading %d + history %d is not the score %d", c.Math, c.Reading, c.History, c.Score)
			continue
		}
		var ok1, ok2 bool
		c.Olympiad, ok1 = t.Flag("olympiad")
		c.MynBala, ok2 = t.Flag("myn_bala")
		if !ok1 || !ok2 {
			continue
		}
		out = append(out, c)
	}
	return out, tableErr(t)
}

func sectionOf(f *form.Form, key string) (form.Section, bool) {
	for _, s := range f.Sections {
		if s.Key == key {
			return s, true
		}
	}
	return form.Section{}, false
}

func b01(b bool) string {
	if b {
		return "1"
	}
	return "0"
}

// WriteResultsCSV writes candidates in the form ReadResultsCSV reads; history is empty
// for a grade whose form has no history section.
// It writes the canonical quoting of the protocol's hash (HashDefinition), so that a
// school's lines of this file, sorted by IIN, hash to the value its protocol prints.
func WriteResultsCSV(w io.Writer, cands []Candidate) error {
	var b bytes.Buffer
	writeCanonicalLine(&b, ResultsHeader)
	for i := range cands {
		writeCanonicalLine(&b, resultRecord(&cands[i]))
	}
	_, err := w.Write(b.Bytes())
	return err
}

func resultRecord(c *Candidate) []string {
	hist := strconv.Itoa(c.History)
	if f, err := form.ForGrade(c.Grade); err == nil {
		if _, has := sectionOf(f, form.SectionHistory); !has {
			hist = ""
		}
	}
	return []string{c.School, strconv.Itoa(c.Grade), c.IIN, c.Name, strconv.Itoa(c.Score),
		strconv.Itoa(c.Math), strconv.Itoa(c.Reading), hist, b01(c.Olympiad), b01(c.MynBala)}
}

// WriteRankingCSV writes school,grade,place,iin,name,score,outcome in the rows' order.
func WriteRankingCSV(w io.Writer, rows []Row) error {
	cw := csv.NewWriter(w)
	_ = cw.Write(RankingHeader)
	for _, r := range rows {
		_ = cw.Write([]string{r.School, strconv.Itoa(r.Grade), strconv.Itoa(r.Place), r.IIN, r.Name, strconv.Itoa(r.Score), string(r.Outcome)})
	}
	cw.Flush()
	return cw.Error()
}

// ReadRankingCSV reads what WriteRankingCSV writes (only the columns it has).
func ReadRankingCSV(r io.Reader, name string) ([]Row, error) {
	t, err := open(r, name, RankingHeader, nil)
	if err != nil {
		return nil, err
	}
	var out []Row
	for t.Next() {
		_, g, ok := grade(t)
		if !ok {
			continue
		}
		place, ok1 := t.Int("place")
		score, ok2 := t.Int("score")
		if !ok1 || !ok2 {
			continue
		}
		o := Outcome(t.Get("outcome"))
		if outcomeRank(o) < 0 {
			t.Bad("outcome %q is not one of admitted, admitted_quota, reserve, not_admitted, tie_pending", clip(string(o)))
			continue
		}
		out = append(out, Row{School: t.Get("school"), Grade: g, Place: place, IIN: t.Get("iin"), Name: t.Get("name"), Score: score, Outcome: o})
	}
	return out, tableErr(t)
}

// ReadDecisionsCSV reads school,grade,order,decided_by,reason,decided_on, where order is
// the IINs of the tied candidates separated by spaces, best first.
func ReadDecisionsCSV(r io.Reader, name string) ([]Decision, error) {
	t, err := open(r, name, DecisionsHeader, nil)
	if err != nil {
		return nil, err
	}
	var out []Decision
	for t.Next() {
		_, g, ok := grade(t)
		if !ok {
			continue
		}
		d := Decision{School: t.Get("school"), Grade: g, Order: strings.Fields(t.Get("order")), DecidedBy: t.Get("decided_by"),
			Reason: t.Get("reason"), DecidedOn: t.Get("decided_on")}
		if len(d.Order) < 2 {
			t.Bad("order must list at least two IINs separated by spaces, best first")
			continue
		}
		if len(d.Order) > MaxTie {
			t.Bad("order lists %d IINs; a tie of more than %d candidates is not a tie this file can record", len(d.Order), MaxTie)
			continue
		}
		if d.DecidedBy == "" || d.Reason == "" {
			t.Bad("say who decided (decided_by) and why (reason)")
			continue
		}
		if d.DecidedOn != "" {
			if _, err := parseDate(d.DecidedOn); err != nil {
				t.Bad("decided_on %q is not a date YYYY-MM-DD", clip(d.DecidedOn))
				continue
			}
		}
		out = append(out, d)
	}
	return out, tableErr(t)
}

// WriteTiesCSV writes the pending ties of a ranking in the decisions format, with who
// and why left empty: the commission fills them in, puts the IINs in the order it
// decided, and passes the file back with --decisions.
func WriteTiesCSV(w io.Writer, rk *Ranking) error {
	cw := csv.NewWriter(w)
	_ = cw.Write(DecisionsHeader)
	for _, res := range rk.Results {
		for _, t := range res.Ties {
			if t.Decision != nil {
				continue
			}
			_ = cw.Write([]string{res.School, strconv.Itoa(res.Grade), strings.Join(t.IINs, " "), "", "", ""})
		}
	}
	cw.Flush()
	return cw.Error()
}

// Registration is one candidate of the electronic base (§17) as far as the contest
// needs it: the store keeps these, the intake desk makes them, candidates.csv lists
// them.
type Registration struct {
	School   string `json:"school"`
	Grade    int    `json:"grade"`
	IIN      string `json:"iin"`
	Name     string `json:"name"`
	Language string `json:"language,omitempty"` // of instruction: kk or ru
	Olympiad bool   `json:"olympiad"`
	MynBala  bool   `json:"myn_bala"`
	// Line is where the registration was read from in candidates.csv (0 otherwise),
	// for messages; Serial is the sheet serial the file gives the candidate (0: none),
	// which only `tarazy sheet pdf` uses. Neither is stored.
	Line   int `json:"-"`
	Serial int `json:"-"`
}

// MaxSerial is the largest sheet serial: the code strip carries 20 bits of it.
const MaxSerial = 1<<20 - 1

// CandidatesHeader lists the columns of candidates.csv in the order the writer uses;
// iin and name are required, the others optional (a missing flag is "no").
var CandidatesHeader = []string{"school", "grade", "iin", "name", "olympiad", "myn_bala", "language"}

// ReadCandidatesCSV reads candidates.csv, the one reader of the base for the command
// line (score, sheet), the API and the intake desk's export: iin and name, and
// optionally school, grade, olympiad, myn_bala, language and the sheet serial. The other columns of the Daryn centre's
// base (§17: email, diplomas, number, registered; intake/daryn writes them) are known
// and skipped, so that file is read as it is. An IIN must be an IIN (a failed check
// digit is admitted, Law No. 223 art. 9) and appear once; a grade, when given, must
// have a contest form. Callers that need a school or a grade on every line check them;
// each registration carries its Line for that.
func ReadCandidatesCSV(r io.Reader, name string) ([]Registration, error) {
	t, err := open(r, name, []string{"iin", "name"}, append(slices.Clone(CandidatesHeader[:2]), "olympiad", "myn_bala", "language", "serial", "email", "diplomas", "number", "registered"))
	if err != nil {
		return nil, err
	}
	var out []Registration
	seen := map[string]int{}
	serials := map[int]int{}
	for t.Next() {
		reg := Registration{School: t.Get("school"), IIN: t.Get("iin"), Name: t.Get("name"), Language: t.Get("language"), Line: t.Line()}
		if t.Get("serial") != "" {
			n, ok := t.Int("serial")
			if !ok {
				continue
			}
			if n < 1 || n > MaxSerial {
				t.Bad("serial %d must be 1–%d", n, MaxSerial)
				continue
			}
			if prev, dup := serials[n]; dup {
				t.Bad("serial %d is already on line %d", n, prev)
				continue
			}
			serials[n], reg.Serial = t.Line(), n
		}
		if reg.Name == "" {
			t.Bad("the name is empty")
			continue
		}
		if !validIIN(t, reg.IIN) {
			continue
		}
		if prev, dup := seen[reg.IIN]; dup {
			t.Bad("IIN %s is already registered on line %d", reg.IIN, prev)
			continue
		}
		seen[reg.IIN] = t.Line()
		if t.Get("grade") != "" {
			_, g, ok := grade(t)
			if !ok {
				continue
			}
			reg.Grade = g
		}
		var ok1, ok2 bool
		reg.Olympiad, ok1 = t.Flag("olympiad")
		reg.MynBala, ok2 = t.Flag("myn_bala")
		if !ok1 || !ok2 {
			continue
		}
		switch reg.Language {
		case "", "kk", "ru":
		default:
			t.Bad("language %q must be kk or ru", clip(reg.Language))
			continue
		}
		out = append(out, reg)
	}
	return out, tableErr(t)
}

// WriteCandidatesCSV writes the base in the form ReadCandidatesCSV reads.
func WriteCandidatesCSV(w io.Writer, regs []Registration) error {
	cw := csv.NewWriter(w)
	_ = cw.Write(CandidatesHeader)
	for _, r := range regs {
		_ = cw.Write([]string{r.School, strconv.Itoa(r.Grade), r.IIN, r.Name, b01(r.Olympiad), b01(r.MynBala), r.Language})
	}
	cw.Flush()
	return cw.Error()
}

// ScoringCandidates is the base as scoring needs it.
func ScoringCandidates(regs []Registration) []scoring.Candidate {
	out := make([]scoring.Candidate, len(regs))
	for i, r := range regs {
		out[i] = scoring.Candidate{IIN: r.IIN, Grade: r.Grade, School: r.School, Name: r.Name}
	}
	return out
}

// JoinResults makes the ranking input from scores and the base: one Candidate per
// scored sheet of a registered candidate, in the order of results. Scores of IINs not in
// the base are left out (ScoreAll already reported them as conflicts).
func JoinResults(regs []Registration, results []scoring.Result) []Candidate {
	byIIN := make(map[string]*Registration, len(regs))
	for i := range regs {
		byIIN[regs[i].IIN] = &regs[i]
	}
	var out []Candidate
	for _, r := range results {
		reg, ok := byIIN[r.IIN]
		if !ok {
			continue
		}
		out = append(out, Candidate{School: reg.School, Grade: r.Grade, IIN: r.IIN, Name: reg.Name, Score: r.Score,
			Math: r.Sections[form.SectionMath], Reading: r.Sections[form.SectionReading], History: r.Sections[form.SectionHistory],
			Olympiad: reg.Olympiad, MynBala: reg.MynBala})
	}
	return out
}
