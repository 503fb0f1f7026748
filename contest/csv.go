package contest

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"tarazy/omr/form"
	"tarazy/scoring"
)

// The published CSV shapes (issue 3). Headers are required, so that a file with its
// columns in another order fails instead of being read wrongly.
var (
	SeatsHeader      = []string{"school", "grade", "seats", "quota"} // quota column optional
	ResultsHeader    = []string{"school", "grade", "iin", "name", "score", "math", "reading", "history", "olympiad", "myn_bala"}
	RankingHeader    = []string{"school", "grade", "place", "iin", "name", "score", "outcome"}
	DecisionsHeader  = []string{"school", "grade", "order", "decided_by", "reason", "decided_on"}
	CandidatesHeader = []string{"school", "grade", "iin", "name", "olympiad", "myn_bala"}
)

// ErrCSV is wrapped by every error about a malformed input file.
var ErrCSV = errors.New("the file is not valid")

// table reads a CSV file with a required header and reports problems by line.
type table struct {
	name string
	cr   *csv.Reader
	errs []error
	line int
}

func newTable(r io.Reader, name string, header []string, optional int) (*table, error) {
	t := &table{name: name, cr: csv.NewReader(r)}
	t.cr.FieldsPerRecord = -1
	t.cr.TrimLeadingSpace = true
	rec, err := t.cr.Read()
	if err == io.EOF {
		return nil, fmt.Errorf("%w: %s is empty; its first line must be %s", ErrCSV, name, strings.Join(header, ","))
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrCSV, name, err)
	}
	n := len(rec)
	if n < len(header)-optional || n > len(header) || !equalFold(rec, header[:n]) {
		return nil, fmt.Errorf("%w: %s line 1: the header must be %s; it is %s", ErrCSV, name, strings.Join(header, ","), strings.Join(rec, ","))
	}
	return t, nil
}

// next returns the next record padded to n fields, or nil at the end.
func (t *table) next(n int) []string {
	for {
		rec, err := t.cr.Read()
		if err == io.EOF {
			return nil
		}
		t.line, _ = t.cr.FieldPos(0)
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				t.line = pe.Line
			}
			t.bad("%v", err)
			if pe == nil {
				return nil
			}
			continue
		}
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue
		}
		for i := range rec {
			rec[i] = strings.TrimSpace(rec[i])
		}
		if len(rec) > n {
			t.bad("%d fields, expected at most %d", len(rec), n)
			continue
		}
		for len(rec) < n {
			rec = append(rec, "")
		}
		return rec
	}
}

func (t *table) bad(format string, args ...any) {
	t.errs = append(t.errs, &scoring.LineError{File: t.name, Line: t.line, Msg: fmt.Sprintf(format, args...)})
}

func (t *table) err() error {
	if len(t.errs) == 0 {
		return nil
	}
	return fmt.Errorf("%w:\n%w", ErrCSV, errors.Join(t.errs...))
}

func (t *table) int(field, s string) (int, bool) {
	v, err := strconv.Atoi(s)
	if err != nil {
		t.bad("%s %q is not a whole number", field, s)
		return 0, false
	}
	return v, true
}

func (t *table) flag(field, s string) (bool, bool) {
	switch s {
	case "1":
		return true, true
	case "0", "":
		return false, true
	}
	t.bad("%s %q must be 1 or 0", field, s)
	return false, false
}

func (t *table) grade(s string) (*form.Form, int, bool) {
	g, ok := t.int("grade", s)
	if !ok {
		return nil, 0, false
	}
	f, err := form.ForGrade(g)
	if err != nil {
		t.bad("grade %d has no contest form (grades 5, 6, 7)", g)
		return nil, 0, false
	}
	return f, g, true
}

func equalFold(got, want []string) bool {
	if len(got) != len(want) {
		return false
	}
	for i := range got {
		if !strings.EqualFold(strings.TrimSpace(strings.TrimPrefix(got[i], "\ufeff")), want[i]) {
			return false
		}
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

// ReadSeatsCSV reads school,grade,seats[,quota]. An empty quota means 10 % rounded half
// up (§25); a number is the school's approved quota.
func ReadSeatsCSV(r io.Reader, name string) ([]Seats, error) {
	t, err := newTable(r, name, SeatsHeader, 1)
	if err != nil {
		return nil, err
	}
	var out []Seats
	for rec := t.next(4); rec != nil; rec = t.next(4) {
		if rec[0] == "" {
			t.bad("the school is empty")
			continue
		}
		_, g, ok := t.grade(rec[1])
		if !ok {
			continue
		}
		n, ok := t.int("seats", rec[2])
		if !ok {
			continue
		}
		if n < 0 {
			t.bad("%d seats", n)
			continue
		}
		s := Seats{School: rec[0], Grade: g, Seats: n}
		if rec[3] != "" {
			q, ok := t.int("quota", rec[3])
			if !ok {
				continue
			}
			s.Quota = &q
		}
		out = append(out, s)
	}
	return out, t.err()
}

// ReadResultsCSV reads school,grade,iin,name,score,math,reading,history,olympiad,myn_bala.
// history is empty (or 0) for grade 5, whose form has no history section. Scores are
// checked against the form's range and the sections against the score.
func ReadResultsCSV(r io.Reader, name string) ([]Candidate, error) {
	t, err := newTable(r, name, ResultsHeader, 0)
	if err != nil {
		return nil, err
	}
	var out []Candidate
	for rec := t.next(10); rec != nil; rec = t.next(10) {
		f, g, ok := t.grade(rec[1])
		if !ok {
			continue
		}
		c := Candidate{School: rec[0], Grade: g, IIN: rec[2], Name: rec[3]}
		if c.School == "" {
			t.bad("the school is empty")
			continue
		}
		if !validIINShape(c.IIN) {
			t.bad("IIN %q is not 12 digits", c.IIN)
			continue
		}
		var okAll = true
		nums := []*int{&c.Score, &c.Math, &c.Reading, &c.History}
		for i, field := range []string{"score", "math", "reading", "history"} {
			if field == "history" && rec[7] == "" {
				continue
			}
			v, ok := t.int(field, rec[4+i])
			okAll = okAll && ok
			*nums[i] = v
		}
		if !okAll {
			continue
		}
		if _, has := sectionOf(f, form.SectionHistory); !has && c.History != 0 {
			t.bad("grade %d has no history section, but history is %d", g, c.History)
			continue
		}
		if c.Score < -f.Questions() || c.Score > f.MaxScore() {
			t.bad("score %d is outside %d…%d for grade %d", c.Score, -f.Questions(), f.MaxScore(), g)
			continue
		}
		if c.Math+c.Reading+c.History != c.Score {
			t.bad("math %d + reading %d + history %d is not the score %d", c.Math, c.Reading, c.History, c.Score)
			continue
		}
		var ok1, ok2 bool
		c.Olympiad, ok1 = t.flag("olympiad", rec[8])
		c.MynBala, ok2 = t.flag("myn_bala", rec[9])
		if !ok1 || !ok2 {
			continue
		}
		out = append(out, c)
	}
	return out, t.err()
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
	t, err := newTable(r, name, RankingHeader, 0)
	if err != nil {
		return nil, err
	}
	var out []Row
	for rec := t.next(7); rec != nil; rec = t.next(7) {
		_, g, ok := t.grade(rec[1])
		if !ok {
			continue
		}
		place, ok1 := t.int("place", rec[2])
		score, ok2 := t.int("score", rec[5])
		if !ok1 || !ok2 {
			continue
		}
		o := Outcome(rec[6])
		if outcomeRank(o) < 0 {
			t.bad("outcome %q is not one of admitted, admitted_quota, reserve, not_admitted, tie_pending", rec[6])
			continue
		}
		out = append(out, Row{School: rec[0], Grade: g, Place: place, IIN: rec[3], Name: rec[4], Score: score, Outcome: o})
	}
	return out, t.err()
}

// ReadDecisionsCSV reads school,grade,order,decided_by,reason,decided_on, where order is
// the IINs of the tied candidates separated by spaces, best first.
func ReadDecisionsCSV(r io.Reader, name string) ([]Decision, error) {
	t, err := newTable(r, name, DecisionsHeader, 0)
	if err != nil {
		return nil, err
	}
	var out []Decision
	for rec := t.next(6); rec != nil; rec = t.next(6) {
		_, g, ok := t.grade(rec[1])
		if !ok {
			continue
		}
		d := Decision{School: rec[0], Grade: g, Order: strings.Fields(rec[2]), DecidedBy: rec[3], Reason: rec[4], DecidedOn: rec[5]}
		if len(d.Order) < 2 {
			t.bad("order must list at least two IINs separated by spaces, best first")
			continue
		}
		if d.DecidedBy == "" || d.Reason == "" {
			t.bad("say who decided (decided_by) and why (reason)")
			continue
		}
		if d.DecidedOn != "" {
			if _, err := parseDate(d.DecidedOn); err != nil {
				t.bad("decided_on %q is not a date YYYY-MM-DD", d.DecidedOn)
				continue
			}
		}
		out = append(out, d)
	}
	return out, t.err()
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

// Registration is one line of the candidates' electronic base (§17) as far as the
// contest needs it.
type Registration struct {
	School   string `json:"school"`
	Grade    int    `json:"grade"`
	IIN      string `json:"iin"`
	Name     string `json:"name"`
	Olympiad bool   `json:"olympiad"`
	MynBala  bool   `json:"myn_bala"`
}

// ReadCandidatesCSV reads school,grade,iin,name,olympiad,myn_bala.
func ReadCandidatesCSV(r io.Reader, name string) ([]Registration, error) {
	t, err := newTable(r, name, CandidatesHeader, 0)
	if err != nil {
		return nil, err
	}
	var out []Registration
	seen := map[string]int{}
	for rec := t.next(6); rec != nil; rec = t.next(6) {
		_, g, ok := t.grade(rec[1])
		if !ok {
			continue
		}
		reg := Registration{School: rec[0], Grade: g, IIN: rec[2], Name: rec[3]}
		if reg.School == "" || reg.Name == "" {
			t.bad("school and name must not be empty")
			continue
		}
		if !validIINShape(reg.IIN) {
			t.bad("IIN %q is not 12 digits", reg.IIN)
			continue
		}
		if prev, dup := seen[reg.IIN]; dup {
			t.bad("IIN %s is already registered on line %d", reg.IIN, prev)
			continue
		}
		seen[reg.IIN] = t.line
		var ok1, ok2 bool
		reg.Olympiad, ok1 = t.flag("olympiad", rec[4])
		reg.MynBala, ok2 = t.flag("myn_bala", rec[5])
		if !ok1 || !ok2 {
			continue
		}
		out = append(out, reg)
	}
	return out, t.err()
}

// WriteCandidatesCSV writes the base in the form ReadCandidatesCSV reads.
func WriteCandidatesCSV(w io.Writer, regs []Registration) error {
	cw := csv.NewWriter(w)
	_ = cw.Write(CandidatesHeader)
	for _, r := range regs {
		_ = cw.Write([]string{r.School, strconv.Itoa(r.Grade), r.IIN, r.Name, b01(r.Olympiad), b01(r.MynBala)})
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
