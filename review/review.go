// Package review holds the double-keying rule that settles a field the machine was not
// sure of (issue 5). It is pure Go so that the store, the HTTP API and the review screen
// apply one rule:
//
//   - a reviewer who confirms the machine's reading makes the field final: two keyings,
//     the machine's and a person's, agree;
//   - a correction (any value other than the machine's, or any value when the machine
//     has none, as for a rescan that disagrees with the first scan) is final only once a
//     second, different reviewer keys the same value;
//   - when two reviewers disagree, the field goes to the commission's chair, whose
//     decision is final.
//
// Only a reviewer's latest keying counts, so a reviewer may fix their own slip before a
// second reviewer has keyed the field.
package review

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"tarazy/iin"
	"tarazy/omr/form"
	"tarazy/omr/reading"
)

// State of a field under review.
type State string

const (
	// Open: waiting for a first reviewer, or for a second one to agree with a correction.
	Open State = "open"
	// Disputed: two reviewers keyed different values; only the chair decides now.
	Disputed State = "disputed"
	// Final: settled; the value goes into the sheet's next reading version.
	Final State = "final"
)

// Decision is one keying of one field by one person.
type Decision struct {
	Reviewer string    `json:"reviewer"`
	Value    string    `json:"value"`
	Chair    bool      `json:"chair"` // keyed by the chair to settle a dispute
	At       time.Time `json:"at"`
}

// Field is what is known about one field under review: what the machine read (if it
// read anything) and the decisions so far, oldest first.
type Field struct {
	Name       string
	Machine    string
	HasMachine bool
	Decisions  []Decision
	// Registered tells whether an IIN is on the contest's register. The law admits an
	// IIN whose check digit fails (the office records why); such an IIN, and only such
	// a one, may be final although it fails the check. Nil: none is.
	Registered func(iin string) bool
}

// What an unsettled field waits for.
const (
	NextFirst  = "first"  // anyone of the commission
	NextSecond = "second" // a second, different reviewer to agree with a correction
	NextChair  = "chair"  // the chair, after two reviewers disagreed
)

// Outcome is the state a field's decisions lead to.
type Outcome struct {
	State State  `json:"state"`
	Value string `json:"value,omitempty"` // the final value when State is Final
	// Waiting says in plain words what the field waits for; empty when final.
	Waiting string `json:"waiting,omitempty"`
	// Next is the same as a code a page can translate: first, second or chair.
	Next string `json:"next,omitempty"`
}

// Errors a caller must branch on (the API turns them into 409 Conflict).
var (
	ErrFinal    = errors.New("this field is already final; a further change needs a rescan of the sheet")
	ErrDisputed = errors.New("two reviewers disagree on this field; only the commission's chair can decide it now")
	ErrNotChair = errors.New("only the commission's chair can record a chair decision, and only on a disputed field")
	ErrNoValue  = errors.New("a decision needs the reviewer's name")
	ErrBadValue = errors.New("value does not fit the field")
	// ErrInvalidIIN: an IIN that fails its check digit can never be final, however many
	// people key it; the reviewers key the IIN as written on the sheet.
	ErrInvalidIIN = errors.New("an IIN that fails its check digit cannot be final")
	ErrBadFormat  = errors.New("unknown field")
)

// Evaluate applies the rule to the decisions recorded so far.
func Evaluate(f Field) Outcome {
	latest := map[string]string{}
	var order []string
	for _, d := range f.Decisions {
		if d.Chair {
			// A chair decision only exists on a disputed field (Check refuses it
			// otherwise), so it settles the field whatever came before.
			return Outcome{State: Final, Value: d.Value}
		}
		if _, seen := latest[d.Reviewer]; !seen {
			order = append(order, d.Reviewer)
		}
		latest[d.Reviewer] = d.Value
	}
	switch len(order) {
	case 0:
		return Outcome{State: Open, Waiting: "a first reviewer", Next: NextFirst}
	case 1:
		v := latest[order[0]]
		if f.HasMachine && v == f.Machine {
			return Outcome{State: Final, Value: v}
		}
		return Outcome{State: Open, Waiting: "a second, different reviewer to agree with the correction", Next: NextSecond}
	}
	a, b := latest[order[0]], latest[order[1]]
	if a == b {
		return Outcome{State: Final, Value: a}
	}
	return Outcome{State: Disputed, Waiting: "the commission's chair", Next: NextChair}
}

// Check says whether decision d may be recorded on field f now. isChair tells whether
// the reviewer is the commission's chair (a fact about the person, from their token);
// d.Chair whether they act as chair on this decision.
func Check(f Field, d Decision, isChair bool) error {
	if strings.TrimSpace(d.Reviewer) == "" {
		return ErrNoValue
	}
	if err := ValidValue(f.Name, d.Value, nil); err != nil && !registeredIIN(err, d.Value, f.Registered) {
		return err
	}
	out := Evaluate(f)
	switch out.State {
	case Final:
		return ErrFinal
	case Disputed:
		if !d.Chair || !isChair {
			return ErrDisputed
		}
		return nil
	}
	if d.Chair {
		return ErrNotChair
	}
	return nil
}

// ValidValue checks that value can stand in field: a question takes "" (blank) or one
// or more option letters in order; the IIN twelve digits that pass the check digit;
// an IIN digit one digit; the variant a variant number of the form. With a nil form
// the option letters A–H and variants 1–9 are allowed. "qr" (the QR code disagreed
// with the bubbles) takes "ok" once a person has checked the bubbled data against the
// sheet; "page" takes "ok" or the corrections of a page-level review (PageValue).
func ValidValue(field, value string, f *form.Form) error {
	kind, n, err := ParseField(field)
	if err != nil {
		return err
	}
	if kind == "iin" && n == 0 {
		return validIIN(value)
	}
	switch kind {
	case "page":
		if value == "ok" {
			return nil
		}
		c, err := PageCorrections(value)
		if err != nil {
			return err
		}
		for fd, v := range c {
			if err := ValidValue(fd, v, f); err != nil {
				return err
			}
		}
	case "q":
		if f != nil && n > f.Questions() {
			return fmt.Errorf("%w: question %d is beyond the form's %d", ErrBadFormat, n, f.Questions())
		}
		opts := "ABCDEFGH"
		if f != nil {
			opts = strings.Join(f.Options, "")
		}
		last := -1
		for _, r := range value {
			i := strings.IndexRune(opts, r)
			if i < 0 || i <= last {
				return fmt.Errorf("%w: %s takes blank or option letters %s in order, not %q", ErrBadValue, field, opts, value)
			}
			last = i
		}
	case "iin":
		if len(value) != 1 || value[0] < '0' || value[0] > '9' {
			return fmt.Errorf("%w: %s takes one digit, not %q", ErrBadValue, field, value)
		}
	case "variant":
		max := 9
		if f != nil {
			max = f.Variants
		}
		v, err := strconv.Atoi(value)
		if err != nil || v < 1 || v > max {
			return fmt.Errorf("%w: variant takes 1–%d, not %q", ErrBadValue, max, value)
		}
	case "qr":
		if value != "ok" {
			return fmt.Errorf(`%w: qr takes "ok" once the bubbled data is checked against the sheet`, ErrBadValue)
		}
	}
	return nil
}

// registeredIIN: err only says the IIN fails its check digit, and the register holds it.
func registeredIIN(err error, value string, registered func(string) bool) bool {
	if !errors.Is(err, ErrInvalidIIN) || registered == nil {
		return false
	}
	if c, perr := PageCorrections(value); perr == nil {
		value = c["iin"]
	}
	return registered(value)
}

func validIIN(value string) error {
	if len(value) != 12 || strings.Trim(value, "0123456789") != "" {
		return fmt.Errorf("%w: the IIN takes 12 digits, not %q", ErrBadValue, value)
	}
	if !iin.Valid(value) {
		return fmt.Errorf("%w: %s; key the IIN as written on the sheet", ErrInvalidIIN, value)
	}
	return nil
}

// ParseField splits a field name of the reading contract: q<N>, iin<N> (1–12), variant,
// qr, page (the reader vouches for no field of the page) and iin (the whole IIN, n = 0):
// the review screen settles an IIN as one number, never digit by digit.
func ParseField(field string) (kind string, n int, err error) {
	switch {
	case field == "variant" || field == "qr" || field == "page" || field == "iin":
		return field, 0, nil
	case strings.HasPrefix(field, "iin"):
		n, err = strconv.Atoi(field[3:])
		if err != nil || n < 1 || n > 12 {
			return "", 0, fmt.Errorf("%w %q", ErrBadFormat, field)
		}
		return "iin", n, nil
	case strings.HasPrefix(field, "q"):
		n, err = strconv.Atoi(field[1:])
		if err != nil || n < 1 || n > 500 {
			return "", 0, fmt.Errorf("%w %q", ErrBadFormat, field)
		}
		return "q", n, nil
	}
	return "", 0, fmt.Errorf("%w %q", ErrBadFormat, field)
}

// Value returns what a reading holds in a field, as a reviewer would key it.
func Value(r reading.Reading, field string) (string, bool) {
	kind, n, err := ParseField(field)
	if err != nil {
		return "", false
	}
	switch kind {
	case "q":
		if n > len(r.Answers) {
			return "", false
		}
		return r.Answers[n-1], true
	case "iin":
		if n == 0 {
			// The whole IIN as far as it was read ("0002295?0127"); a machine value only
			// when every digit was read.
			return r.IIN, len(r.IIN) == 12 && strings.Trim(r.IIN, "0123456789") == ""
		}
		if n > len(r.IIN) {
			return "", false
		}
		c := r.IIN[n-1]
		if c < '0' || c > '9' {
			return "", false
		}
		return string(c), true
	case "variant":
		return r.Variant, r.Variant != ""
	case "page":
		return "ok", true // the machine's reading of the page as it stands
	}
	return "", false
}

// Fields is the list of fields people review for a reader's review list: the IIN's
// digits become one field "iin", in the place of the first, so that an IIN is keyed
// and checked as one number.
func Fields(list []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, f := range list {
		if kind, n, err := ParseField(f); err == nil && kind == "iin" && n > 0 {
			f = "iin"
		}
		if !seen[f] {
			seen[f] = true
			out = append(out, f)
		}
	}
	return out
}

// Differences lists the fields in which two readings of the same sheet disagree, in the
// order of the contract (variant, the IIN as one field, questions).
func Differences(a, b reading.Reading) []string {
	var out []string
	if a.Variant != b.Variant {
		out = append(out, "variant")
	}
	if a.IIN != b.IIN {
		out = append(out, "iin")
	}
	n := max(len(a.Answers), len(b.Answers))
	for i := 1; i <= n; i++ {
		f := "q" + strconv.Itoa(i)
		va, _ := Value(a, f)
		vb, _ := Value(b, f)
		if va != vb {
			out = append(out, f)
		}
	}
	return out
}

// Apply returns r with the final values written into their fields, and marked final:
// status ok, nothing left under review. Fields such as qr carry no value into the
// reading; a page-level review's corrections are applied field by field. When any
// part of the IIN was under review, the IIN that results must pass its check digit
// (ErrInvalidIIN): keying digits one by one cannot make an invalid IIN final either.
func Apply(r reading.Reading, finals map[string]string) (reading.Reading, error) {
	return Settle(r, finals, nil)
}

// Settle is Apply that lets an IIN failing its check digit stand when registered says
// the contest's register holds it (see Field.Registered).
func Settle(r reading.Reading, finals map[string]string, registered func(iin string) bool) (reading.Reading, error) {
	all := map[string]string{}
	touchesIIN := false
	for field, v := range finals {
		kind, _, err := ParseField(field)
		if err != nil {
			return r, err
		}
		if kind != "page" {
			all[field] = v
		} else if v != "ok" {
			c, err := PageCorrections(v)
			if err != nil {
				return r, err
			}
			for f, cv := range c {
				all[f] = cv
			}
		}
	}
	for _, f := range r.Review {
		if kind, _, err := ParseField(f); err == nil && kind == "iin" {
			touchesIIN = true
		}
	}
	out, err := apply(r, all)
	if err != nil {
		return r, err
	}
	for f := range all {
		if kind, _, _ := ParseField(f); kind == "iin" {
			touchesIIN = true
		}
	}
	if touchesIIN {
		if err := validIIN(out.IIN); err != nil && !registeredIIN(err, out.IIN, registered) {
			return r, err
		}
	}
	return out, nil
}

func apply(r reading.Reading, finals map[string]string) (reading.Reading, error) {
	out := r
	out.Answers = append([]string(nil), r.Answers...)
	iin := []byte(r.IIN)
	// The whole IIN first, so that a digit decided on its own (an older queue's item)
	// still lands on top of it.
	if v, ok := finals["iin"]; ok {
		iin = []byte(v)
	}
	for field, v := range finals {
		kind, n, err := ParseField(field)
		if err != nil {
			return r, err
		}
		if kind == "iin" && n == 0 {
			continue
		}
		switch kind {
		case "q":
			for len(out.Answers) < n {
				out.Answers = append(out.Answers, "")
			}
			out.Answers[n-1] = v
		case "iin":
			for len(iin) < 12 {
				iin = append(iin, '?')
			}
			if len(v) != 1 {
				return r, fmt.Errorf("%w: %s = %q", ErrBadValue, field, v)
			}
			iin[n-1] = v[0]
		case "variant":
			out.Variant = v
		}
	}
	if len(iin) > 0 {
		out.IIN = string(iin)
	}
	out.Status = reading.StatusOK
	out.Review = []string{}
	out.Error = ""
	return out, nil
}

// PageCorrections parses the value of a page-level review: the fields a person changed,
// as "q3=C;q7=;variant=2" (a blank answer is an empty value). "ok" — nothing to change —
// is not a correction list.
func PageCorrections(v string) (map[string]string, error) {
	out := map[string]string{}
	if v == "" {
		return nil, fmt.Errorf("%w: a page review takes ok or the corrected fields", ErrBadValue)
	}
	for _, part := range strings.Split(v, ";") {
		f, val, ok := strings.Cut(part, "=")
		if !ok {
			return nil, fmt.Errorf("%w: %q is not field=value", ErrBadValue, part)
		}
		kind, _, err := ParseField(f)
		if err != nil || kind == "page" || kind == "qr" {
			return nil, fmt.Errorf("%w: a page review cannot correct %q", ErrBadValue, f)
		}
		if _, dup := out[f]; dup {
			return nil, fmt.Errorf("%w: %s corrected twice", ErrBadValue, f)
		}
		out[f] = val
	}
	if PageValue(out) != v {
		return nil, fmt.Errorf("%w: write the corrections in the contract's order (%s)", ErrBadValue, PageValue(out))
	}
	return out, nil
}

// PageValue writes page corrections in one canonical form (the contract's field order),
// so that two reviewers who made the same corrections keyed the same value.
func PageValue(c map[string]string) string {
	if len(c) == 0 {
		return "ok"
	}
	fields := make([]string, 0, len(c))
	for f := range c {
		fields = append(fields, f)
	}
	rank := func(f string) (int, int) {
		kind, n, _ := ParseField(f)
		switch kind {
		case "variant":
			return 0, 0
		case "iin":
			return 1, n
		}
		return 2, n
	}
	sortFields(fields, rank)
	parts := make([]string, len(fields))
	for i, f := range fields {
		parts[i] = f + "=" + c[f]
	}
	return strings.Join(parts, ";")
}

func sortFields(fields []string, rank func(string) (int, int)) {
	for i := 1; i < len(fields); i++ {
		for j := i; j > 0; j-- {
			a1, a2 := rank(fields[j-1])
			b1, b2 := rank(fields[j])
			if a1 < b1 || (a1 == b1 && a2 <= b2) {
				break
			}
			fields[j-1], fields[j] = fields[j], fields[j-1]
		}
	}
}

// Suggest lists the registered IINs a reviewer may mean when the sheet reads read
// ("?" for an unread digit): those that differ from it in one read digit at most, or
// by two neighbouring digits swapped, and pass the check digit. At most five, in the
// register's order.
func Suggest(read string, registered []string) []string {
	var out []string
	for _, r := range registered {
		if len(r) != 12 || len(read) != 12 || !iin.Valid(r) {
			continue
		}
		diff := []int{}
		for i := 0; i < 12; i++ {
			if read[i] != '?' && read[i] != r[i] {
				diff = append(diff, i)
			}
		}
		swapped := len(diff) == 2 && diff[1] == diff[0]+1 && read[diff[0]] == r[diff[1]] && read[diff[1]] == r[diff[0]]
		if len(diff) <= 1 || swapped {
			out = append(out, r)
			if len(out) == 5 {
				break
			}
		}
	}
	return out
}
