package form_test

import (
	"errors"
	"strings"
	"testing"

	"tarazy/omr/form"
)

// The rules fix the tests (§33–35); the forms must say exactly that.
func TestBuiltinFormsFollowTheRules(t *testing.T) {
	want := []struct {
		id                             string
		grade, questions, minutes, max int
		math, reading, history         int
	}{
		{"g5", 5, 40, 60, 160, 30, 10, 0},
		{"g6", 6, 60, 90, 240, 35, 15, 10},
		{"g7", 7, 75, 120, 300, 55, 10, 10},
	}
	for _, w := range want {
		f, err := form.Get(w.id)
		if err != nil {
			t.Fatal(err)
		}
		if f.Grade != w.grade || f.Questions() != w.questions || f.Minutes != w.minutes || f.MaxScore() != w.max {
			t.Errorf("%s: grade %d, %d questions, %d min, max %d", w.id, f.Grade, f.Questions(), f.Minutes, f.MaxScore())
		}
		got := map[string]int{}
		for _, s := range f.Sections {
			got[s.Key] = s.Questions
		}
		if got[form.SectionMath] != w.math || got[form.SectionReading] != w.reading || got[form.SectionHistory] != w.history {
			t.Errorf("%s sections = %v", w.id, got)
		}
		if len(f.Options) != 5 {
			t.Errorf("%s has %d options, want A–E", w.id, len(f.Options))
		}
		byGrade, err := form.ForGrade(w.grade)
		if err != nil || byGrade.ID != w.id {
			t.Errorf("ForGrade(%d) = %v, %v", w.grade, byGrade, err)
		}
	}
}

func TestSectionRanges(t *testing.T) {
	f, _ := form.Get("g7")
	for q, key := range map[int]string{1: "math", 55: "math", 56: "reading", 65: "reading", 66: "history", 75: "history"} {
		s, ok := f.SectionOf(q)
		if !ok || s.Key != key {
			t.Errorf("question %d in %q, want %q", q, s.Key, key)
		}
	}
	if _, ok := f.SectionOf(76); ok {
		t.Error("question 76 should not exist on g7")
	}
}

func TestUnknownForm(t *testing.T) {
	if _, err := form.Get("g9"); !errors.Is(err, form.ErrUnknownForm) {
		t.Fatalf("Get(g9) error = %v", err)
	}
}

func TestFourOptionFormIsOnlyData(t *testing.T) {
	f, err := form.Parse([]byte("id: x4\ngrade: 7\noptions: [A, B, C, D]\nvariants: 2\nsections:\n  - {key: math, questions: 20}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Options) != 4 || f.OptionIndex("D") != 3 || f.OptionIndex("E") != -1 {
		t.Fatalf("options = %v", f.Options)
	}
}

func TestParseRejects(t *testing.T) {
	cases := map[string]string{
		"typo in key":     "id: x\ngrade: 7\noptons: [A, B]\nvariants: 1\nsections: [{key: m, questions: 1}]\n",
		"repeated option": "id: x\ngrade: 7\noptions: [A, A]\nvariants: 1\nsections: [{key: m, questions: 1}]\n",
		"no sections":     "id: x\ngrade: 7\noptions: [A, B]\nvariants: 1\n",
		"zero questions":  "id: x\ngrade: 7\noptions: [A, B]\nvariants: 1\nsections: [{key: m, questions: 0}]\n",
		"no variants":     "id: x\ngrade: 7\noptions: [A, B]\nsections: [{key: m, questions: 3}]\n",
		"lower option":    "id: x\ngrade: 7\noptions: [a, b]\nvariants: 1\nsections: [{key: m, questions: 3}]\n",
	}
	for name, src := range cases {
		t.Run(strings.ReplaceAll(name, " ", "_"), func(t *testing.T) {
			if _, err := form.Parse([]byte(src)); err == nil {
				t.Fatal("accepted a broken form")
			}
		})
	}
}
