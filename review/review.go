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
	ErrFinal     = errors.New("this field is already final; a further change needs a rescan of the sheet")
	ErrDisputed  = errors.New("two reviewers disagree on this field; only the commission's chair can decide it now")
	ErrNotChair  = errors.New("only the commission's chair can record a chair decision, and only on a disputed field")
	ErrNoValue   = errors.New("a decision needs the reviewer's name")
	ErrBadValue  = errors.New("value does not fit the field")
	ErrBadFormat = errors.New("unknown field")
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
	if err := ValidValue(f.Name, d.Value, nil); err != nil {
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
// or more option letters in order; an IIN digit one digit; the variant a variant
// number of the form. With a nil form the option letters A–H and variants 1–9 are
// allowed. "qr" (the QR code disagreed with the bubbles) takes "ok" once a person has
// checked the bubbled data against the sheet.
func ValidValue(field, value string, f *form.Form) error {
	kind, n, err := ParseField(field)
	if err != nil {
		return err
	}
	switch kind {
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

// ParseField splits a field name of the reading contract: q<N>, iin<N> (1–12), variant
// or qr.
func ParseField(field string) (kind string, n int, err error) {
	switch {
	case field == "variant" || field == "qr":
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
	}
	return "", false
}

// Differences lists the fields in which two readings of the same sheet disagree, in the
// order of the contract (variant, IIN digits, questions).
func Differences(a, b reading.Reading) []string {
	var out []string
	if a.Variant != b.Variant {
		out = append(out, "variant")
	}
	for i := 1; i <= 12; i++ {
		f := "iin" + strconv.Itoa(i)
		va, oka := Value(a, f)
		vb, okb := Value(b, f)
		if va != vb || oka != okb {
			out = append(out, f)
		}
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
// reading.
func Apply(r reading.Reading, finals map[string]string) (reading.Reading, error) {
	out := r
	out.Answers = append([]string(nil), r.Answers...)
	iin := []byte(r.IIN)
	for field, v := range finals {
		kind, n, err := ParseField(field)
		if err != nil {
			return r, err
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
	out.IIN = string(iin)
	out.Status = reading.StatusOK
	out.Review = []string{}
	out.Error = ""
	return out, nil
}
