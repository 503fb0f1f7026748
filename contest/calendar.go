package contest

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"
)

const dateLayout = "2006-01-02"

func parseDate(s string) (time.Time, error) {
	return time.Parse(dateLayout, strings.TrimSpace(s))
}

// Calendar holds the dates of one school's contest, as YYYY-MM-DD. Only ContestDate and
// ProtocolDate are required; a date left empty is not checked.
type Calendar struct {
	RegistrationFrom  string `json:"registration_from,omitempty" yaml:"registration_from"`   // §16: from 1 March
	RegistrationTo    string `json:"registration_to,omitempty" yaml:"registration_to"`       // §16: until 1 April
	BaseSent          string `json:"base_sent,omitempty" yaml:"base_sent"`                   // §20: to the Daryn centre by 3 April
	SchedulePublished string `json:"schedule_published,omitempty" yaml:"schedule_published"` // §28: 5–15 April
	ContestDate       string `json:"contest_date" yaml:"contest_date"`                       // §27: 15–30 April
	ProtocolDate      string `json:"protocol_date" yaml:"protocol_date"`                     // §41: no later than the next day
	OrderDate         string `json:"order_date,omitempty" yaml:"order_date"`                 // §42: by 5 May
	// Reasons records why a date outside its window went ahead, by the field's name
	// (e.g. protocol_date: "power cut on 21 April, scanning finished on the 22nd").
	Reasons map[string]string `json:"reasons,omitempty" yaml:"reasons"`
}

// CalendarIssue is a date outside the window the rules set.
type CalendarIssue struct {
	Field  string `json:"field"`  // e.g. "protocol_date"
	Rule   string `json:"rule"`   // e.g. "§41"
	Date   string `json:"date"`   // the date given
	Window string `json:"window"` // the window, "01.03.2026–01.04.2026"
	Reason string `json:"reason"` // why it went ahead; empty when not recorded
}

func (i CalendarIssue) String() string {
	s := fmt.Sprintf("%s %s is outside %s (%s)", i.Field, i.Date, i.Window, i.Rule)
	if i.Reason != "" {
		s += "; went ahead because: " + i.Reason
	}
	return s
}

// ErrCalendar is wrapped when the calendar cannot be checked at all.
var ErrCalendar = errors.New("the contest calendar is incomplete")

// Check compares every given date with its window in the contest's year and returns the
// dates outside it, each with the recorded reason if there is one. The windows:
// registration 1 March – 1 April (§16), base to the Daryn centre by 3 April (§20),
// schedule published 5–15 April (§28), contest 15–30 April (§27), protocol on the
// contest day or the next (§41), admission orders by 5 May (§42). "By" and "until"
// include the day named.
func (c Calendar) Check() ([]CalendarIssue, error) {
	if c.ContestDate == "" || c.ProtocolDate == "" {
		return nil, fmt.Errorf("%w: contest_date and protocol_date are required", ErrCalendar)
	}
	contest, err := parseDate(c.ContestDate)
	if err != nil {
		return nil, fmt.Errorf("%w: contest_date %q is not YYYY-MM-DD", ErrCalendar, c.ContestDate)
	}
	y := contest.Year()
	day := func(m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }
	type window struct {
		field, value, rule string
		from, to           time.Time
	}
	windows := []window{
		{"registration_from", c.RegistrationFrom, "§16", day(time.March, 1), day(time.April, 1)},
		{"registration_to", c.RegistrationTo, "§16", day(time.March, 1), day(time.April, 1)},
		{"base_sent", c.BaseSent, "§20", day(time.March, 1), day(time.April, 3)},
		{"schedule_published", c.SchedulePublished, "§28", day(time.April, 5), day(time.April, 15)},
		{"contest_date", c.ContestDate, "§27", day(time.April, 15), day(time.April, 30)},
		{"protocol_date", c.ProtocolDate, "§41", contest, contest.AddDate(0, 0, 1)},
		{"order_date", c.OrderDate, "§42", contest, day(time.May, 5)},
	}
	known := map[string]bool{}
	var issues []CalendarIssue
	var errs []error
	for _, w := range windows {
		known[w.field] = true
		if w.value == "" {
			continue
		}
		d, err := parseDate(w.value)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s %q is not YYYY-MM-DD", w.field, w.value))
			continue
		}
		if d.Before(w.from) || d.After(w.to) {
			// Dates in numbers, so the window reads the same in Kazakh, Russian and English.
			issues = append(issues, CalendarIssue{Field: w.field, Rule: w.rule, Date: w.value,
				Window: w.from.Format("02.01.2006") + "–" + w.to.Format("02.01.2006"), Reason: strings.TrimSpace(c.Reasons[w.field])})
		}
	}
	for f := range c.Reasons {
		if !known[f] {
			errs = append(errs, fmt.Errorf("a reason is given for %q, which is not a calendar date", f))
		}
	}
	if len(errs) > 0 {
		sort.Slice(errs, func(i, j int) bool { return errs[i].Error() < errs[j].Error() })
		return nil, fmt.Errorf("%w: %w", ErrCalendar, errors.Join(errs...))
	}
	return issues, nil
}

// Unexplained returns the issues with no recorded reason.
func Unexplained(issues []CalendarIssue) []CalendarIssue {
	var out []CalendarIssue
	for _, i := range issues {
		if i.Reason == "" {
			out = append(out, i)
		}
	}
	return out
}

// Member is a member of the contest commission (§23).
type Member struct {
	Name     string `json:"name" yaml:"name"`
	Position string `json:"position" yaml:"position"` // organisation and post, as §23 lists them
}

// Commission is the contest commission (§22–24).
type Commission struct {
	Chair   string   `json:"chair" yaml:"chair"` // the name of the member elected chair
	Members []Member `json:"members" yaml:"members"`
}

// ErrCommission is wrapped when the commission cannot sign a protocol.
var ErrCommission = errors.New("the commission cannot sign the protocol")

// Validate checks §24: an odd number of members, at least seven, the chair elected
// from among them. Names must be given and distinct, or a signature line would be
// ambiguous.
func (c Commission) Validate() error {
	var problems []string
	n := len(c.Members)
	if n < 7 {
		problems = append(problems, fmt.Sprintf("it has %d members; §24 requires at least seven", n))
	}
	if n%2 == 0 {
		problems = append(problems, fmt.Sprintf("it has %d members; §24 requires an odd number", n))
	}
	names := map[string]bool{}
	for i, m := range c.Members {
		name := strings.TrimSpace(m.Name)
		if name == "" {
			problems = append(problems, fmt.Sprintf("member %d has no name", i+1))
			continue
		}
		if names[name] {
			problems = append(problems, fmt.Sprintf("%s is listed twice", name))
		}
		names[name] = true
	}
	switch chair := strings.TrimSpace(c.Chair); {
	case chair == "":
		problems = append(problems, "no chair is named")
	case !names[chair]:
		problems = append(problems, fmt.Sprintf("the chair %s is not one of the members (§24: the chair is elected from the members)", chair))
	}
	if len(problems) > 0 {
		return fmt.Errorf("%w: %s", ErrCommission, strings.Join(problems, "; "))
	}
	return nil
}
