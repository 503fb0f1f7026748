package validation

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
)

// Row counts the pages of one condition by outcome.
type Row struct {
	Condition string
	Class     Class
	Pages     int
	Right     int // ok and right
	SilentOK  int // ok but wrong: silent
	Flagged   int // review, every wrong field flagged
	SilentRev int // review with an unflagged wrong field: silent
	Rejected  int // rejected with a reason
	Mute      int // rejected without a reason
	Accepted  int // not a readable sheet, yet read as one (or a page the file does not have)
	Lost      int // a page of the file that no reading covers
	Crashed   int // the reader crashed, aborted, hung or returned an error on the file
	// WrongFields and UnflaggedFields count fields over the condition's pages.
	WrongFields     int
	UnflaggedFields int
}

// Silent is the number of pages wrong without saying so.
func (r Row) Silent() int { return r.SilentOK + r.SilentRev + r.Accepted }

// Failures is every page the reader must never produce.
func (r Row) Failures() int { return r.Silent() + r.Mute + r.Lost + r.Crashed }

// Report tallies readings per condition in the order conditions were first seen.
type Report struct {
	rows  map[string]*Row
	order []string
	// Examples holds a few failures per condition for the person reading the table.
	Examples map[string][]string
}

// NewReport starts an empty report.
func NewReport() *Report { return &Report{rows: map[string]*Row{}, Examples: map[string][]string{}} }

func (rp *Report) row(t Truth) *Row {
	r, ok := rp.rows[t.Condition]
	if !ok {
		r = &Row{Condition: t.Condition, Class: t.Class}
		rp.rows[t.Condition] = r
		rp.order = append(rp.order, t.Condition)
	}
	if r.Class != t.Class {
		r.Class = "mixed"
	}
	return r
}

func (rp *Report) example(t Truth, what string) {
	if ex := rp.Examples[t.Condition]; len(ex) < 3 {
		rp.Examples[t.Condition] = append(ex, fmt.Sprintf("%s p%d: %s", t.File, t.Page, what))
	}
}

// Add counts one page's outcome.
func (rp *Report) Add(t Truth, o Outcome) {
	r := rp.row(t)
	r.Pages++
	r.WrongFields += len(o.Wrong)
	r.UnflaggedFields += len(o.Unflagged)
	switch o.Verdict {
	case Right:
		r.Right++
	case SilentOK:
		r.SilentOK++
	case Flagged:
		r.Flagged++
	case SilentReview:
		r.SilentRev++
	case Rejected:
		r.Rejected++
	case RejectedMute:
		r.Mute++
	case Accepted:
		r.Accepted++
	default:
		r.Mute++
	}
	if o.Failure() {
		what := o.Verdict.String()
		var shown []string
		for _, d := range o.Diffs {
			if slices.Contains(o.Unflagged, d.Field) {
				shown = append(shown, d.String())
			}
		}
		if len(shown) > 5 {
			shown = append(shown[:5], fmt.Sprintf("…+%d", len(shown)-5))
		}
		if len(shown) > 0 {
			what += ": " + strings.Join(shown, ", ")
		}
		rp.example(t, what)
	}
}

// Crash counts a page of a file on which the reader crashed; why says how.
func (rp *Report) Crash(t Truth, why string) {
	r := rp.row(t)
	r.Pages++
	r.Crashed++
	rp.example(t, "crash: "+why)
}

// Lose counts a page of a file that came back without it.
func (rp *Report) Lose(t Truth) {
	r := rp.row(t)
	r.Pages++
	r.Lost++
	rp.example(t, "no reading for this page")
}

// Extra counts a reading for a page the file does not have, read as a sheet.
func (rp *Report) Extra(t Truth) {
	r := rp.row(t)
	r.Accepted++
	rp.example(t, "a reading for a page the file does not have")
}

// Rows returns the rows in order, then a total.
func (rp *Report) Rows() []Row {
	var out []Row
	var total Row
	total.Condition = "TOTAL"
	for _, name := range rp.order {
		r := *rp.rows[name]
		out = append(out, r)
		total.Pages += r.Pages
		total.Right += r.Right
		total.SilentOK += r.SilentOK
		total.Flagged += r.Flagged
		total.SilentRev += r.SilentRev
		total.Rejected += r.Rejected
		total.Mute += r.Mute
		total.Accepted += r.Accepted
		total.Lost += r.Lost
		total.Crashed += r.Crashed
		total.WrongFields += r.WrongFields
		total.UnflaggedFields += r.UnflaggedFields
	}
	return append(out, total)
}

// Failures is the number of pages, over every condition, that must never happen.
func (rp *Report) Failures() int {
	n := 0
	for _, r := range rp.rows {
		n += r.Failures()
	}
	return n
}

// WriteTable prints the per-condition table: pages, ok right, ok-but-wrong (silent),
// review with every wrong field flagged, review with an unflagged wrong field
// (silent), rejected with a reason, crashes, and the review rate.
func (rp *Report) WriteTable(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 1, ' ', 0)
	fmt.Fprintln(tw, "condition\tclass\tpages\tok right\tok WRONG\treview flagged\treview UNFLAGGED\trejected\tno reason\tnot-sheet read\tlost\tcrash\treview rate\tsilent\tunflagged fields\t")
	for _, r := range rp.Rows() {
		rate := "-"
		if r.Pages > 0 {
			rate = fmt.Sprintf("%.0f%%", 100*float64(r.Flagged+r.SilentRev)/float64(r.Pages))
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%s\t%d\t%d\t\n",
			r.Condition, r.Class, r.Pages, r.Right, r.SilentOK, r.Flagged, r.SilentRev, r.Rejected, r.Mute, r.Accepted, r.Lost, r.Crashed, rate, r.Silent(), r.UnflaggedFields)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, name := range rp.order {
		for _, ex := range rp.Examples[name] {
			if _, err := fmt.Fprintf(w, "  %s: %s\n", name, ex); err != nil {
				return err
			}
		}
	}
	return nil
}
