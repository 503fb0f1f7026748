// Package season holds the dates of the specialized-school contest's year as data: when
// documents are accepted (§16), when the candidate base goes to the Daryn centre (§20),
// when the schedule is published (§28), when the contest runs (§27) and when the
// admission orders are due (§42). The rules have changed these dates before, so they
// come from data/seasons.yaml (and override files), never from constants in code.
//
// The package is pure Go and imports no other tarazy package, so the intake desk and
// the contest can both read the same dates.
package season

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"go.yaml.in/yaml/v3"
)

// Date is a calendar day. Its fields are those of intake.Date, so the intake desk
// converts one to the other with a plain conversion.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

func (d Date) t() time.Time { return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC) }

// String is the ISO form, 2027-04-01.
func (d Date) String() string { return fmt.Sprintf("%04d-%02d-%02d", d.Year, int(d.Month), d.Day) }

// Before reports whether d is earlier than e.
func (d Date) Before(e Date) bool { return d.t().Before(e.t()) }

// After reports whether d is later than e.
func (d Date) After(e Date) bool { return d.t().After(e.t()) }

// MonthDay is a day of the year without the year, written "04-01" in the data.
type MonthDay struct {
	Month time.Month
	Day   int
}

var monthDayRE = regexp.MustCompile(`^(\d\d)-(\d\d)$`)

func parseMonthDay(s string) (MonthDay, error) {
	m := monthDayRE.FindStringSubmatch(s)
	if m == nil {
		return MonthDay{}, fmt.Errorf("%q is not a month and day such as 04-01", s)
	}
	mo, _ := strconv.Atoi(m[1])
	dd, _ := strconv.Atoi(m[2])
	// 2024 is a leap year, so 02-29 is a possible rule date.
	if t := time.Date(2024, time.Month(mo), dd, 0, 0, 0, 0, time.UTC); mo < 1 || mo > 12 || t.Day() != dd {
		return MonthDay{}, fmt.Errorf("%q is not a real month and day", s)
	}
	return MonthDay{time.Month(mo), dd}, nil
}

// In is the day in year y; 29 February in a common year is 28 February, the last day
// of the month the rule names.
func (md MonthDay) In(y int) Date {
	if md.Month == time.February && md.Day == 29 && time.Date(y, 2, 29, 0, 0, 0, 0, time.UTC).Month() != time.February {
		return Date{y, time.February, 28}
	}
	return Date{y, md.Month, md.Day}
}

// UnmarshalYAML reads "04-01" and names the line when it is not a month and day.
func (md *MonthDay) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return &yaml.TypeError{Errors: []string{fmt.Sprintf("line %d: expected a month and day such as 04-01", n.Line)}}
	}
	v, err := parseMonthDay(n.Value)
	if err != nil {
		return &yaml.TypeError{Errors: []string{fmt.Sprintf("line %d: %v", n.Line, err)}}
	}
	*md = v
	return nil
}

// Window is a span of days, both ends included, with the rule that sets it.
type Window struct {
	From Date   `json:"from"`
	To   Date   `json:"to"`
	Rule string `json:"rule"`
}

// Contains reports whether d is inside the window.
func (w Window) Contains(d Date) bool { return !d.Before(w.From) && !d.After(w.To) }

// Deadline is the last day something may be done, included, with its rule.
type Deadline struct {
	By   Date   `json:"by"`
	Rule string `json:"rule"`
}

// Season is one contest year's dates.
type Season struct {
	Year         int      `json:"year"`
	Act          string   `json:"act"`          // the act the dates come from
	Registration Window   `json:"registration"` // §16: documents accepted
	DarynBase    Deadline `json:"daryn_base"`   // §20: base to the Daryn centre, after Registration.To
	Schedule     Window   `json:"schedule"`     // §28: schedule published
	Contest      Window   `json:"contest"`      // §27: the contest
	Orders       Deadline `json:"orders"`       // §42: admission and reserve-list orders
	FromYear     int      `json:"rule_from"`    // the first year of the rule these dates come from
}

// MarshalText writes dates as ISO text in JSON.
func (d Date) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText reads the ISO form, 2027-04-01.
func (d *Date) UnmarshalText(b []byte) error {
	t, err := time.Parse("2006-01-02", string(b))
	if err != nil {
		return fmt.Errorf("%q is not a date such as 2027-04-01", b)
	}
	*d = Date{t.Year(), t.Month(), t.Day()}
	return nil
}

type span struct {
	From MonthDay `yaml:"from"`
	To   MonthDay `yaml:"to"`
	Rule string   `yaml:"rule"`
}

type due struct {
	By   MonthDay `yaml:"by"`
	Rule string   `yaml:"rule"`
}

type rule struct {
	From         int    `yaml:"from"`
	Act          string `yaml:"act"`
	Registration *span  `yaml:"registration"`
	DarynBase    *due   `yaml:"daryn_base"`
	Schedule     *span  `yaml:"schedule"`
	Contest      *span  `yaml:"contest"`
	Orders       *due   `yaml:"orders"`
}

type file struct {
	Rules []rule `yaml:"rules"`
}

// File is a named season file's content, for error messages that name the file.
type File struct {
	Name string
	Data []byte
}

// FileError is one problem in a season file, with its line (0: the file as a whole).
type FileError struct {
	File   string
	Line   int
	Reason string
}

func (e *FileError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Reason)
	}
	return fmt.Sprintf("%s: %s", e.File, e.Reason)
}

// FileErrors is every problem found in one file; a malformed file is rejected whole.
type FileErrors []*FileError

func (es FileErrors) Error() string {
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = e.Error()
	}
	return strings.Join(out, "\n")
}

// ErrInvalidFile is matched by errors.Is for every FileErrors.
var ErrInvalidFile = errors.New("invalid season file")

func (es FileErrors) Is(target error) bool { return target == ErrInvalidFile }

// ErrNoSeason means the data has no rule for the year asked (a year before the first
// rule): the dates of that year are not known.
var ErrNoSeason = errors.New("no contest dates for this year")

//go:embed data/seasons.yaml
var builtin []byte

// Builtin is the season file compiled into tarazy, the starting point of an override.
func Builtin() []byte { return append([]byte(nil), builtin...) }

// Book is the loaded rules, each year answered by the rule with the latest `from` not
// after it. It is immutable and safe for concurrent use.
type Book struct {
	rules []rule // by From, ascending
}

var (
	defaultBook    *Book
	defaultBookErr error
	defaultOnce    sync.Once
)

// Default is the built-in book, loaded once.
func Default() (*Book, error) {
	defaultOnce.Do(func() { defaultBook, defaultBookErr = Load() })
	return defaultBook, defaultBookErr
}

// Load reads the built-in file and then each override in order; a rule with the same
// `from` as an earlier one replaces it whole. A malformed file is refused whole, each
// problem with its line (FileErrors).
func Load(overrides ...File) (*Book, error) {
	byFrom := map[int]rule{}
	for _, f := range append([]File{{Name: "built-in seasons.yaml", Data: builtin}}, overrides...) {
		rules, err := parse(f)
		if err != nil {
			return nil, err
		}
		for _, r := range rules {
			byFrom[r.From] = r
		}
	}
	b := &Book{}
	for _, r := range byFrom {
		b.rules = append(b.rules, r)
	}
	sort.Slice(b.rules, func(i, j int) bool { return b.rules[i].From < b.rules[j].From })
	if len(b.rules) == 0 {
		return nil, FileErrors{{File: "seasons", Reason: "no rules: the contest's dates are unknown"}}
	}
	return b, nil
}

var lineRE = regexp.MustCompile(`line (\d+): (.*)`)
var unknownFieldRE = regexp.MustCompile(`field (\S+) not found in type \S+`)

func yamlError(name, msg string) *FileError {
	msg = strings.TrimPrefix(msg, "yaml: ")
	fe := &FileError{File: name, Reason: msg}
	if m := lineRE.FindStringSubmatch(msg); m != nil {
		fe.Line, _ = strconv.Atoi(m[1])
		fe.Reason = m[2]
	}
	if m := unknownFieldRE.FindStringSubmatch(fe.Reason); m != nil {
		fe.Reason = fmt.Sprintf("unknown key %q (a typo? the keys are listed at the top of the built-in file)", m[1])
	}
	return fe
}

func parse(f File) ([]rule, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(f.Data, &root); err != nil {
		return nil, FileErrors{yamlError(f.Name, err.Error())}
	}
	if len(root.Content) == 0 {
		return nil, FileErrors{{File: f.Name, Reason: "the file is empty"}}
	}
	var v file
	dec := yaml.NewDecoder(bytes.NewReader(f.Data))
	dec.KnownFields(true)
	if err := dec.Decode(&v); err != nil {
		var te *yaml.TypeError
		if errors.As(err, &te) {
			var es FileErrors
			for _, m := range te.Errors {
				es = append(es, yamlError(f.Name, m))
			}
			return nil, es
		}
		return nil, FileErrors{yamlError(f.Name, err.Error())}
	}
	// The line each rule starts on, for the checks decoding cannot make.
	var ruleLines []int
	if top := root.Content[0]; top.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(top.Content); i += 2 {
			if top.Content[i].Value == "rules" && top.Content[i+1].Kind == yaml.SequenceNode {
				for _, n := range top.Content[i+1].Content {
					ruleLines = append(ruleLines, n.Line)
				}
			}
		}
	}
	var es FileErrors
	errf := func(i int, format string, args ...any) {
		line := 0
		if i < len(ruleLines) {
			line = ruleLines[i]
		}
		es = append(es, &FileError{File: f.Name, Line: line, Reason: fmt.Sprintf(format, args...)})
	}
	seen := map[int]bool{}
	for i, r := range v.Rules {
		if r.From < 2000 || r.From > 2100 {
			errf(i, "from: %d is not a contest year (2000–2100)", r.From)
		}
		if seen[r.From] {
			errf(i, "two rules from %d in one file", r.From)
		}
		seen[r.From] = true
		if strings.TrimSpace(r.Act) == "" {
			errf(i, "rule from %d: act: name the act the dates come from", r.From)
		}
		for _, w := range []struct {
			name string
			s    *span
		}{{"registration", r.Registration}, {"schedule", r.Schedule}, {"contest", r.Contest}} {
			switch {
			case w.s == nil:
				errf(i, "rule from %d: %s {from, to, rule} is missing", r.From, w.name)
			case w.s.From == (MonthDay{}) || w.s.To == (MonthDay{}):
				errf(i, "rule from %d: %s needs from and to", r.From, w.name)
			case w.s.To.In(2024).Before(w.s.From.In(2024)):
				errf(i, "rule from %d: %s ends (%02d-%02d) before it starts (%02d-%02d)", r.From, w.name, w.s.To.Month, w.s.To.Day, w.s.From.Month, w.s.From.Day)
			}
		}
		for _, d := range []struct {
			name string
			d    *due
		}{{"daryn_base", r.DarynBase}, {"orders", r.Orders}} {
			if d.d == nil || d.d.By == (MonthDay{}) {
				errf(i, "rule from %d: %s {by, rule} is missing", r.From, d.name)
			}
		}
		if r.Registration != nil && r.DarynBase != nil && r.DarynBase.By.In(2024).Before(r.Registration.To.In(2024)) {
			errf(i, "rule from %d: the base goes to the Daryn centre after acceptance closes (§20), so daryn_base.by cannot be before registration.to", r.From)
		}
	}
	if len(v.Rules) == 0 {
		es = append(es, &FileError{File: f.Name, Reason: "rules: the file has no rule"})
	}
	if len(es) > 0 {
		return nil, es
	}
	return v.Rules, nil
}

// For is the season of a contest year.
func (b *Book) For(year int) (Season, error) {
	var r *rule
	for i := range b.rules {
		if b.rules[i].From <= year {
			r = &b.rules[i]
		}
	}
	if r == nil || year > 2100 {
		return Season{}, fmt.Errorf("%d: %w (the rules in the season data start in %d)", year, ErrNoSeason, b.rules[0].From)
	}
	win := func(s *span) Window { return Window{From: s.From.In(year), To: s.To.In(year), Rule: s.Rule} }
	return Season{
		Year: year, Act: r.Act, FromYear: r.From,
		Registration: win(r.Registration),
		DarynBase:    Deadline{By: r.DarynBase.By.In(year), Rule: r.DarynBase.Rule},
		Schedule:     win(r.Schedule),
		Contest:      win(r.Contest),
		Orders:       Deadline{By: r.Orders.By.In(year), Rule: r.Orders.Rule},
	}, nil
}
