package validation

import (
	"slices"
	"testing"

	"tarazy/omr/reading"
)

func TestCompare(t *testing.T) {
	truth := reading.Reading{Status: reading.StatusOK, Form: "g5", Sheet: "000042", IIN: "130914614153", Variant: "3",
		Answers: []string{"A", "", "BD", "E"}}
	with := func(fn func(r *reading.Reading)) reading.Reading {
		r := truth
		r.Answers = slices.Clone(truth.Answers)
		fn(&r)
		return r
	}
	rejectTruth := reading.Reading{Status: reading.StatusRejected}
	for _, tc := range []struct {
		name      string
		truth     reading.Reading
		got       reading.Reading
		verdict   Verdict
		unflagged []string
	}{
		{"right", truth, truth, Right, nil},
		{"ok with a wrong answer is silent", truth, with(func(r *reading.Reading) { r.Answers[1] = "C" }), SilentOK, []string{"q2"}},
		{"ok missing a multi-mark letter is silent", truth, with(func(r *reading.Reading) { r.Answers[2] = "B" }), SilentOK, []string{"q3"}},
		{"ok with a wrong IIN digit is silent", truth, with(func(r *reading.Reading) { r.IIN = "130914614?53" }), SilentOK, []string{"iin10"}},
		{"review with nothing wrong", truth, with(func(r *reading.Reading) { r.Status, r.Review = reading.StatusReview, []string{"q4"} }), Flagged, nil},
		{"review flags the wrong field", truth, with(func(r *reading.Reading) {
			r.Status, r.Review, r.Answers[3] = reading.StatusReview, []string{"q4"}, "DE"
		}), Flagged, nil},
		{"review flags another field", truth, with(func(r *reading.Reading) {
			r.Status, r.Review, r.Answers[3] = reading.StatusReview, []string{"q1"}, "DE"
		}), SilentReview, []string{"q4"}},
		{"page review flags every field", truth, with(func(r *reading.Reading) {
			r.Status, r.Review, r.Answers[3], r.Variant, r.Form = reading.StatusReview, []string{"page"}, "", "1", "g6"
		}), Flagged, nil},
		{"qr flags the sheet serial", truth, with(func(r *reading.Reading) {
			r.Status, r.Review, r.Sheet = reading.StatusReview, []string{"qr"}, ""
		}), Flagged, nil},
		{"qr does not flag the IIN", truth, with(func(r *reading.Reading) {
			r.Status, r.Review, r.IIN = reading.StatusReview, []string{"qr"}, "130914614154"
		}), SilentReview, []string{"iin12"}},
		{"wrong form is flagged only by page", truth, with(func(r *reading.Reading) {
			r.Status, r.Review, r.Form = reading.StatusReview, []string{"q1", "q2", "q3", "q4"}, "g6"
		}), SilentReview, []string{"form"}},
		{"answers cut short", truth, with(func(r *reading.Reading) { r.Answers = r.Answers[:3] }), SilentOK, []string{"q4"}},
		{"a sheet rejected with a reason", truth, reading.Reading{Status: reading.StatusRejected, Error: "rescan in grey"}, Rejected, nil},
		{"a sheet rejected without a reason", truth, reading.Reading{Status: reading.StatusRejected}, RejectedMute, nil},
		{"a non-sheet rejected", rejectTruth, reading.Reading{Status: reading.StatusRejected, Error: "not a sheet"}, Rejected, nil},
		{"a non-sheet read ok", rejectTruth, truth, Accepted, []string{"status"}},
		{"a non-sheet sent to page review", rejectTruth, with(func(r *reading.Reading) { r.Status, r.Review = reading.StatusReview, []string{"page"} }), Accepted, []string{"status"}},
		{"an unknown status", truth, with(func(r *reading.Reading) { r.Status = "maybe" }), Invalid, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := Compare(tc.truth, tc.got)
			if o.Verdict != tc.verdict || !slices.Equal(o.Unflagged, tc.unflagged) {
				t.Errorf("got %s unflagged %v, want %s unflagged %v", o.Verdict, o.Unflagged, tc.verdict, tc.unflagged)
			}
			wantFail := tc.verdict == SilentOK || tc.verdict == SilentReview || tc.verdict == Accepted || tc.verdict == RejectedMute || tc.verdict == Invalid
			if o.Failure() != wantFail {
				t.Errorf("Failure() = %v, want %v", o.Failure(), wantFail)
			}
		})
	}
}

func TestReportCountsSilentPages(t *testing.T) {
	rp := NewReport()
	tr := Truth{Condition: "c", Class: Read, File: "f.jpg", Page: 1}
	rp.Add(tr, Outcome{Verdict: Right})
	rp.Add(tr, Outcome{Verdict: SilentReview, Wrong: []string{"q1", "q2"}, Unflagged: []string{"q2"}})
	rp.Add(tr, Outcome{Verdict: Flagged, Wrong: []string{"q1"}})
	rp.Crash(tr, "SIGSEGV")
	rp.Lose(tr)
	rows := rp.Rows()
	r := rows[0]
	if r.Pages != 5 || r.Right != 1 || r.SilentRev != 1 || r.Flagged != 1 || r.Crashed != 1 || r.Lost != 1 || r.WrongFields != 3 || r.UnflaggedFields != 1 {
		t.Errorf("row %+v", r)
	}
	if rp.Failures() != 3 || r.Silent() != 1 {
		t.Errorf("failures %d silent %d, want 3 and 1", rp.Failures(), r.Silent())
	}
	if total := rows[len(rows)-1]; total.Condition != "TOTAL" || total.Pages != 5 {
		t.Errorf("total %+v", total)
	}
}
