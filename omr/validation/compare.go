package validation

import (
	"fmt"
	"slices"
	"strconv"

	"tarazy/omr/reading"
)

// Class is what a page of the corpus may come back as.
type Class string

const (
	// Read: a sheet a person reads without doubt. It must come back read right, or with
	// every wrong field flagged for review; a rejection with a reason is not silent
	// (it is counted) but costs a rescan.
	Read Class = "read"
	// MayReject: a sheet that is legible but poor (light pencil, a 1-bit scan, a phone
	// photo without its alignment marks, a thumbnail). Read right, flagged, or rejected
	// with a reason — never read wrong.
	MayReject Class = "may_reject"
	// MustReject: not a readable sheet (a back side, another form, a truncated or
	// hostile file). It must come back rejected with a reason; never a crash.
	MustReject Class = "must_reject"
)

// Truth is one page of the corpus: what the reader must find on it.
type Truth struct {
	Condition string `json:"condition"`
	Class     Class  `json:"class"`
	File      string `json:"file"` // base name in the corpus folder
	Page      int    `json:"page"` // 1-based page of the file
	// Want is the reading a person makes of the page. Status is ok for a sheet (form,
	// sheet serial, IIN, variant and answers are the candidate's final intent: an
	// incompletely erased first choice is not an answer) and rejected for a page
	// that is not a readable sheet.
	Want reading.Reading `json:"want"`
	Note string          `json:"note,omitempty"` // what was done to the page
}

// Verdict is how one reading stands against its truth.
type Verdict int

const (
	// Right: status ok and every field right.
	Right Verdict = iota
	// SilentOK: status ok with a wrong field — a silent error.
	SilentOK
	// Flagged: status review and every wrong field (if any) is flagged.
	Flagged
	// SilentReview: status review with a wrong field that is not flagged — a silent
	// error too: the review screen shows only flagged fields, so the wrong one becomes
	// final.
	SilentReview
	// Rejected: rejected, and the reading says why.
	Rejected
	// RejectedMute: rejected without a reason for the operator.
	RejectedMute
	// Accepted: a page that is not a readable sheet came back as ok or review.
	Accepted
	// Invalid: a status the contract does not know.
	Invalid
)

var verdictNames = [...]string{"right", "silent-ok", "flagged", "silent-review", "rejected", "rejected-mute", "accepted", "invalid"}

func (v Verdict) String() string { return verdictNames[v] }

// Outcome is the comparison of one page's reading with its truth.
type Outcome struct {
	Verdict Verdict
	// Wrong names the fields read wrong: q<N>, iin<N>, variant, sheet, form.
	Wrong []string
	// Unflagged are the wrong fields the reading does not send to review.
	Unflagged []string
	// Diffs says, for each wrong field, what was meant and what was read.
	Diffs []Diff
}

// Diff is one wrong field.
type Diff struct{ Field, Want, Got string }

func (d Diff) String() string { return fmt.Sprintf("%s %q→%q", d.Field, d.Want, d.Got) }

// Silent reports a reading that is wrong without saying so.
func (o Outcome) Silent() bool {
	return o.Verdict == SilentOK || o.Verdict == SilentReview || o.Verdict == Accepted
}

// Failure reports an outcome the reader must never produce: a silent error, a rejection
// that does not say why, or a status outside the contract.
func (o Outcome) Failure() bool {
	return o.Silent() || o.Verdict == RejectedMute || o.Verdict == Invalid
}

// Compare judges a reading against the truth of its page. A field counts as flagged
// when its name is in got.Review; every field counts as flagged when Review holds
// "page" (the whole page goes to a person); the sheet serial, which comes from the QR
// code, also counts as flagged by "qr". The form has no field of its own: a wrong form
// is flagged only by "page".
func Compare(truth, got reading.Reading) Outcome {
	switch got.Status {
	case reading.StatusOK, reading.StatusReview, reading.StatusRejected:
	default:
		return Outcome{Verdict: Invalid}
	}
	if truth.Status == reading.StatusRejected {
		if got.Status == reading.StatusRejected {
			return rejected(got)
		}
		d := Diff{"status", reading.StatusRejected, got.Status}
		return Outcome{Verdict: Accepted, Wrong: []string{d.Field}, Unflagged: []string{d.Field}, Diffs: []Diff{d}}
	}
	if got.Status == reading.StatusRejected {
		return rejected(got)
	}
	var o Outcome
	check := func(field, want, got string) {
		if want != got {
			o.Wrong = append(o.Wrong, field)
			o.Diffs = append(o.Diffs, Diff{field, want, got})
		}
	}
	check("form", truth.Form, got.Form)
	check("sheet", truth.Sheet, got.Sheet)
	for i := 0; i < max(len(truth.IIN), len(got.IIN)); i++ {
		check("iin"+strconv.Itoa(i+1), at(truth.IIN, i), at(got.IIN, i))
	}
	check("variant", truth.Variant, got.Variant)
	for i := 0; i < max(len(truth.Answers), len(got.Answers)); i++ {
		check("q"+strconv.Itoa(i+1), answer(truth.Answers, i), answer(got.Answers, i))
	}
	wrong := o.Wrong
	if got.Status == reading.StatusOK {
		o.Verdict = Right
		if len(wrong) > 0 {
			o.Verdict = SilentOK
			o.Unflagged = wrong
		}
		return o
	}
	page := slices.Contains(got.Review, "page")
	for _, f := range wrong {
		flagged := page || slices.Contains(got.Review, f) || (f == "sheet" && slices.Contains(got.Review, "qr"))
		if !flagged {
			o.Unflagged = append(o.Unflagged, f)
		}
	}
	o.Verdict = Flagged
	if len(o.Unflagged) > 0 {
		o.Verdict = SilentReview
	}
	return o
}

func rejected(got reading.Reading) Outcome {
	if got.Error == "" {
		return Outcome{Verdict: RejectedMute}
	}
	return Outcome{Verdict: Rejected}
}

func at(s string, i int) string {
	if i < len(s) {
		return s[i : i+1]
	}
	return ""
}

func answer(a []string, i int) string {
	if i < len(a) {
		return a[i]
	}
	return ""
}
