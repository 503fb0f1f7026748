package review_test

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"tarazy/omr/form"
	"tarazy/omr/reading"
	"tarazy/review"
)

func d(who, v string) review.Decision { return review.Decision{Reviewer: who, Value: v} }

func TestEvaluate(t *testing.T) {
	tests := []struct {
		name  string
		field review.Field
		want  review.Outcome
	}{
		{"NoDecisionIsOpen",
			review.Field{Name: "q3", Machine: "A", HasMachine: true},
			review.Outcome{State: review.Open, Waiting: "a first reviewer", Next: review.NextFirst}},
		{"ConfirmingTheMachineIsFinal",
			review.Field{Name: "q3", Machine: "A", HasMachine: true, Decisions: []review.Decision{d("aigerim", "A")}},
			review.Outcome{State: review.Final, Value: "A"}},
		{"ConfirmingABlankIsFinal",
			review.Field{Name: "q3", Machine: "", HasMachine: true, Decisions: []review.Decision{d("aigerim", "")}},
			review.Outcome{State: review.Final, Value: ""}},
		{"OneCorrectionWaitsForASecondReviewer",
			review.Field{Name: "q3", Machine: "A", HasMachine: true, Decisions: []review.Decision{d("aigerim", "B")}},
			review.Outcome{State: review.Open, Waiting: "a second, different reviewer to agree with the correction", Next: review.NextSecond}},
		{"SameReviewerTwiceIsNotASecondKeying",
			review.Field{Name: "q3", Machine: "A", HasMachine: true, Decisions: []review.Decision{d("aigerim", "B"), d("aigerim", "B")}},
			review.Outcome{State: review.Open, Waiting: "a second, different reviewer to agree with the correction", Next: review.NextSecond}},
		{"SecondReviewerAgreeingMakesTheCorrectionFinal",
			review.Field{Name: "q3", Machine: "A", HasMachine: true, Decisions: []review.Decision{d("aigerim", "B"), d("bolat", "B")}},
			review.Outcome{State: review.Final, Value: "B"}},
		{"SecondReviewerDisagreeingGoesToTheChair",
			review.Field{Name: "q3", Machine: "A", HasMachine: true, Decisions: []review.Decision{d("aigerim", "B"), d("bolat", "C")}},
			review.Outcome{State: review.Disputed, Waiting: "the commission's chair", Next: review.NextChair}},
		{"SecondReviewerKeepingTheMachineValueAgainstACorrectionIsADispute",
			review.Field{Name: "q3", Machine: "A", HasMachine: true, Decisions: []review.Decision{d("aigerim", "B"), d("bolat", "A")}},
			review.Outcome{State: review.Disputed, Waiting: "the commission's chair", Next: review.NextChair}},
		{"ReviewerFixingTheirOwnSlipBeforeTheSecond",
			review.Field{Name: "q3", Machine: "A", HasMachine: true, Decisions: []review.Decision{d("aigerim", "C"), d("aigerim", "B"), d("bolat", "B")}},
			review.Outcome{State: review.Final, Value: "B"}},
		{"WithoutAMachineValueEvenTheFirstKeyingNeedsASecond",
			review.Field{Name: "q3", Decisions: []review.Decision{d("aigerim", "")}},
			review.Outcome{State: review.Open, Waiting: "a second, different reviewer to agree with the correction", Next: review.NextSecond}},
		{"ChairSettlesADispute",
			review.Field{Name: "q3", Machine: "A", HasMachine: true, Decisions: []review.Decision{d("aigerim", "B"), d("bolat", "C"), {Reviewer: "chair", Value: "C", Chair: true}}},
			review.Outcome{State: review.Final, Value: "C"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, review.Evaluate(tt.field)); diff != "" {
				t.Errorf("(-want +got)\n%s", diff)
			}
		})
	}
}

func TestCheck(t *testing.T) {
	disputed := review.Field{Name: "q3", Machine: "A", HasMachine: true, Decisions: []review.Decision{d("aigerim", "B"), d("bolat", "C")}}
	final := review.Field{Name: "q3", Machine: "A", HasMachine: true, Decisions: []review.Decision{d("aigerim", "A")}}
	open := review.Field{Name: "q3", Machine: "A", HasMachine: true}
	tests := []struct {
		name    string
		f       review.Field
		d       review.Decision
		isChair bool
		want    error
	}{
		{"FirstDecision", open, d("aigerim", "B"), false, nil},
		{"AfterFinal", final, d("bolat", "B"), false, review.ErrFinal},
		{"ThirdReviewerOnADispute", disputed, d("dana", "B"), false, review.ErrDisputed},
		{"ChairOnADispute", disputed, review.Decision{Reviewer: "chair", Value: "B", Chair: true}, true, nil},
		{"ChairFlagWithoutBeingChair", disputed, review.Decision{Reviewer: "dana", Value: "B", Chair: true}, false, review.ErrDisputed},
		{"ChairDecisionOnAnOpenField", open, review.Decision{Reviewer: "chair", Value: "B", Chair: true}, true, review.ErrNotChair},
		{"NoReviewer", open, d("", "B"), false, review.ErrNoValue},
		{"LetterOutOfOrder", open, d("aigerim", "CA"), false, review.ErrBadValue},
		{"NotALetter", open, d("aigerim", "Z"), false, review.ErrBadValue},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := review.Check(tt.f, tt.d, tt.isChair)
			if !errors.Is(err, tt.want) {
				t.Fatalf("Check = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestValidValueUsesTheForm(t *testing.T) {
	g5, err := form.Get("g5")
	if err != nil {
		t.Fatal(err)
	}
	ok := map[string]string{"q1": "", "q2": "E", "q40": "ACE", "iin12": "7", "variant": "4", "qr": "ok"}
	for f, v := range ok {
		if err := review.ValidValue(f, v, g5); err != nil {
			t.Errorf("%s=%q: %v", f, v, err)
		}
	}
	bad := map[string]string{"q41": "A", "q1": "F", "iin1": "12", "iin13": "1", "variant": "5", "qr": "yes", "name": "x"}
	for f, v := range bad {
		if err := review.ValidValue(f, v, g5); err == nil {
			t.Errorf("%s=%q accepted", f, v)
		}
	}
}

func TestDifferencesAndApply(t *testing.T) {
	a := reading.Reading{Status: reading.StatusOK, IIN: "000229500127", Variant: "1", Answers: []string{"A", "B", ""}}
	b := reading.Reading{Status: reading.StatusOK, IIN: "000229500128", Variant: "1", Answers: []string{"A", "C", "", "D"}}
	if diff := cmp.Diff([]string{"iin", "q2", "q4"}, review.Differences(a, b)); diff != "" {
		t.Errorf("Differences (-want +got)\n%s", diff)
	}
	r := reading.Reading{Status: reading.StatusReview, IIN: "00022950012", Variant: "", Answers: []string{"A", "B?", ""}, Review: []string{"iin12", "q2", "variant"}}
	got, err := review.Apply(r, map[string]string{"iin12": "7", "q2": "B", "variant": "2"})
	if err != nil {
		t.Fatal(err)
	}
	want := reading.Reading{Status: reading.StatusOK, IIN: "000229500127", Variant: "2", Answers: []string{"A", "B", ""}, Review: []string{}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Apply (-want +got)\n%s", diff)
	}
	if !got.Final() {
		t.Error("an applied reading must be final")
	}
	if r.Answers[1] != "B?" {
		t.Error("Apply changed its input")
	}
}

// An IIN that fails its check digit is never final: not by one person confirming the
// machine's twelve digits (the case of issue 14), not by two agreeing, not digit by
// digit, not through a page review.
func TestAnInvalidIINCanNeverBeFinal(t *testing.T) {
	const bad = "000229500128" // 000229500127 is valid
	machine := review.Field{Name: "iin", Machine: bad, HasMachine: true}
	if err := review.Check(machine, d("aigerim", bad), false); !errors.Is(err, review.ErrInvalidIIN) {
		t.Errorf("confirming an invalid machine IIN: %v", err)
	}
	if err := review.Check(machine, d("aigerim", "000229500127"), false); err != nil {
		t.Errorf("a valid correction was refused: %v", err)
	}
	for _, v := range []string{"00022950012", "0002295001270", "00022950012A", ""} {
		if err := review.Check(machine, d("aigerim", v), false); !errors.Is(err, review.ErrBadValue) {
			t.Errorf("IIN %q: %v", v, err)
		}
	}
	r := reading.Reading{Status: reading.StatusReview, IIN: "00022950012?", Answers: []string{"A"}, Review: []string{"iin12"}}
	if _, err := review.Apply(r, map[string]string{"iin12": "8"}); !errors.Is(err, review.ErrInvalidIIN) {
		t.Errorf("digit by digit: %v", err)
	}
	if _, err := review.Apply(r, map[string]string{"iin": bad}); !errors.Is(err, review.ErrInvalidIIN) {
		t.Errorf("whole: %v", err)
	}
	page := reading.Reading{Status: reading.StatusReview, IIN: "000229500127", Answers: []string{"A"}, Review: []string{"page"}}
	if _, err := review.Apply(page, map[string]string{"page": "iin=" + bad}); !errors.Is(err, review.ErrInvalidIIN) {
		t.Errorf("page review: %v", err)
	}
	if err := review.ValidValue("page", "iin="+bad, nil); !errors.Is(err, review.ErrInvalidIIN) {
		t.Errorf("page correction: %v", err)
	}
	got, err := review.Apply(r, map[string]string{"iin": "000229500127"})
	if err != nil || got.IIN != "000229500127" {
		t.Errorf("valid IIN: %+v, %v", got, err)
	}
}

func TestTheIINIsOneField(t *testing.T) {
	got := review.Fields([]string{"variant", "iin3", "q2", "iin7", "qr"})
	if diff := cmp.Diff([]string{"variant", "iin", "q2", "qr"}, got); diff != "" {
		t.Errorf("Fields (-want +got)\n%s", diff)
	}
	v, ok := review.Value(reading.Reading{IIN: "0002295?0127"}, "iin")
	if v != "0002295?0127" || ok {
		t.Errorf("a partly read IIN is shown but is no machine value: %q %v", v, ok)
	}
	if v, ok := review.Value(reading.Reading{IIN: "000229500127"}, "iin"); v != "000229500127" || !ok {
		t.Errorf("Value = %q %v", v, ok)
	}
}

func TestPageReview(t *testing.T) {
	c := map[string]string{"q7": "", "q3": "C", "variant": "2", "iin": "000229500127"}
	v := review.PageValue(c)
	if v != "variant=2;iin=000229500127;q3=C;q7=" {
		t.Fatalf("PageValue = %q", v)
	}
	back, err := review.PageCorrections(v)
	if err != nil || !cmp.Equal(back, c) {
		t.Fatalf("PageCorrections = %v, %v", back, err)
	}
	for _, bad := range []string{"", "q7=;q3=C", "q3=C;q3=D", "qr=ok", "page=ok", "q3"} {
		if _, err := review.PageCorrections(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	g5, _ := form.Get("g5")
	if err := review.ValidValue("page", "q3=Z", g5); err == nil {
		t.Error("a correction to a letter the form has not was accepted")
	}
	// Confirming the page as read is one keying that agrees with the machine: final.
	f := review.Field{Name: "page", Machine: "ok", HasMachine: true}
	f.Decisions = []review.Decision{d("aigerim", "ok")}
	if out := review.Evaluate(f); out.State != review.Final {
		t.Errorf("confirmation: %+v", out)
	}
	// A correction needs a second reviewer keying the same corrections.
	f.Decisions = []review.Decision{d("aigerim", "q3=C")}
	if out := review.Evaluate(f); out.Next != review.NextSecond {
		t.Errorf("one correction: %+v", out)
	}
	f.Decisions = append(f.Decisions, d("bolat", "q3=C"))
	if out := review.Evaluate(f); out.State != review.Final || out.Value != "q3=C" {
		t.Errorf("two agreeing corrections: %+v", out)
	}
	r := reading.Reading{Status: reading.StatusReview, IIN: "000229500127", Variant: "1", Answers: []string{"A", "B", "E"}, Review: []string{"page"}}
	got, err := review.Apply(r, map[string]string{"page": "variant=2;q3=C"})
	if err != nil || got.Variant != "2" || got.Answers[2] != "C" || !got.Final() {
		t.Errorf("Apply page: %+v, %v", got, err)
	}
	if got, _ := review.Apply(r, map[string]string{"page": "ok"}); !cmp.Equal(got.Answers, r.Answers) || !got.Final() {
		t.Errorf("a confirmed page changed: %+v", got)
	}
}

func TestSuggest(t *testing.T) {
	reg := []string{"000229500127", "850412300455", "000229500128"}
	if got := review.Suggest("000229500117", reg); !cmp.Equal(got, []string{"000229500127"}) {
		t.Errorf("one digit away: %v", got)
	}
	if got := review.Suggest("000229501027", reg); !cmp.Equal(got, []string{"000229500127"}) {
		t.Errorf("swapped neighbours: %v", got)
	}
	if got := review.Suggest("0002295?0127", reg); !cmp.Equal(got, []string{"000229500127"}) {
		t.Errorf("an unread digit: %v", got)
	}
	if got := review.Suggest("111111111111", reg); len(got) != 0 {
		t.Errorf("far away: %v", got)
	}
}
