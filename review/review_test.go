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
	if diff := cmp.Diff([]string{"iin12", "q2", "q4"}, review.Differences(a, b)); diff != "" {
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
