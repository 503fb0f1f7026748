// Package scoring turns final sheet readings into scores by the Model Admission Rules
// §35 (4 × correct − 1 × wrong, blank 0), section by section, and analyses the test items
// so that a wrong answer key is caught before results are published. It is pure Go: no
// OpenCV, no database, no HTTP.
//
// A reading names its form ("g7"); the form fixes the grade (omr/form), and the key is
// looked up by (grade, variant). Keys are national per grade and variant (the Daryn
// centre's test materials, §26), not per school.
package scoring

import (
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"

	"tarazy/internal/csvtable"
	"tarazy/omr/form"
)

// Key is the answer key of one test variant of one grade.
type Key struct {
	Grade   int      `json:"grade"`
	Variant string   `json:"variant"`
	Answers []string `json:"answers"` // Answers[i] is the correct letter of question i+1
	// Form is the form the key was checked against.
	Form *form.Form `json:"-"`
	// Line is the CSV line the key came from (0 when built in code).
	Line int `json:"-"`
}

// Keys is every answer key of a contest, by grade and variant.
type Keys struct {
	byGV map[gradeVariant]*Key
}

type gradeVariant struct {
	grade   int
	variant string
}

// Lookup returns the key for a grade and a variant ("1".."n").
func (k *Keys) Lookup(grade int, variant string) (*Key, bool) {
	if k == nil {
		return nil, false
	}
	key, ok := k.byGV[gradeVariant{grade, variant}]
	return key, ok
}

// All returns the keys ordered by grade, then variant.
func (k *Keys) All() []*Key {
	out := make([]*Key, 0, len(k.byGV))
	for _, key := range k.byGV {
		out = append(out, key)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Grade != out[j].Grade {
			return out[i].Grade < out[j].Grade
		}
		return variantLess(out[i].Variant, out[j].Variant)
	})
	return out
}

func variantLess(a, b string) bool {
	ai, _ := strconv.Atoi(a)
	bi, _ := strconv.Atoi(b)
	return ai < bi
}

// LineError is one problem in an input file, with the line it is on.
type LineError = csvtable.LineError

// ErrInvalidKeys is wrapped by every error ParseKeys returns for a bad file.
var ErrInvalidKeys = errors.New("the answer key file is not valid")

// FormForGrade finds the form of a grade; form.ForGrade is the default.
type FormForGrade func(grade int) (*form.Form, error)

// NormalizeVariant turns "2", " 02 " into "2", checking it against the form's variants.
func NormalizeVariant(f *form.Form, v string) (string, error) {
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil || n < 1 || n > f.Variants {
		return "", fmt.Errorf("variant %q is not one of 1–%d of form %s", v, f.Variants, f.ID)
	}
	return strconv.Itoa(n), nil
}

// ParseKeys reads answer keys from CSV with the header grade,variant,answers (the
// dialect of internal/csvtable). Answers is one letter per question (spaces are
// ignored, so "ABCDE ABCDE" is fine; lower case is read as upper case). Every problem
// is reported with its line, all at once, so the person fixing the file does it in one
// pass: a wrong length, a letter the form does not have, a grade with no form, a
// variant given twice, and a grade whose variants are not all given (a candidate who
// wrote a missing variant could not be scored). It never panics, whatever the input.
func ParseKeys(r io.Reader, name string, formFor FormForGrade) (*Keys, error) {
	if formFor == nil {
		formFor = form.ForGrade
	}
	t, err := csvtable.Open(r, name, []string{"grade", "variant", "answers"}, nil)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidKeys, err)
	}
	keys := &Keys{byGV: map[gradeVariant]*Key{}}
	for t.Next() {
		line := t.Line()
		grade, ok := t.Int("grade")
		if !ok {
			continue
		}
		f, err := formFor(grade)
		if err != nil {
			t.Bad("grade %d has no answer-sheet form (%v)", grade, err)
			continue
		}
		variant, err := NormalizeVariant(f, t.Get("variant"))
		if err != nil {
			t.Bad("%v", err)
			continue
		}
		answers, msg := parseKeyAnswers(f, t.Get("answers"))
		if msg != "" {
			t.Bad("grade %d variant %s: %s", grade, variant, msg)
			continue
		}
		gv := gradeVariant{grade, variant}
		if prev, dup := keys.byGV[gv]; dup {
			t.Bad("grade %d variant %s is already given on line %d; keep one of them", grade, variant, prev.Line)
			continue
		}
		keys.byGV[gv] = &Key{Grade: grade, Variant: variant, Answers: answers, Form: f, Line: line}
	}
	// A grade with some variants must have them all.
	grades := map[int]*form.Form{}
	for _, k := range keys.byGV {
		grades[k.Grade] = k.Form
	}
	gradeList := make([]int, 0, len(grades))
	for g := range grades {
		gradeList = append(gradeList, g)
	}
	sort.Ints(gradeList)
	for _, g := range gradeList {
		f := grades[g]
		var missing []string
		for v := 1; v <= f.Variants; v++ {
			if _, ok := keys.byGV[gradeVariant{g, strconv.Itoa(v)}]; !ok {
				missing = append(missing, strconv.Itoa(v))
			}
		}
		if len(missing) > 0 {
			t.BadFile("grade %d has no key for variant %s (form %s has variants 1–%d); add the missing lines",
				g, strings.Join(missing, ", "), f.ID, f.Variants)
		}
	}
	if err := t.Err(); err != nil {
		return nil, fmt.Errorf("%w:\n%w", ErrInvalidKeys, err)
	}
	if len(keys.byGV) == 0 {
		return nil, fmt.Errorf("%w: %s has a header but no keys", ErrInvalidKeys, name)
	}
	return keys, nil
}

func parseKeyAnswers(f *form.Form, s string) ([]string, string) {
	var answers []string
	for _, r := range s {
		if r == ' ' || r == '\t' {
			continue
		}
		letter := strings.ToUpper(string(r))
		if f.OptionIndex(letter) < 0 {
			return nil, fmt.Sprintf("answer %d is %q; form %s has only the options %s",
				len(answers)+1, string(r), f.ID, strings.Join(f.Options, ""))
		}
		answers = append(answers, letter)
	}
	if len(answers) != f.Questions() {
		return nil, fmt.Sprintf("%d answers; form %s has %d questions", len(answers), f.ID, f.Questions())
	}
	return answers, ""
}

// NewKeys builds Keys from keys made in code (tests, the demo); it validates them like
// ParseKeys does.
func NewKeys(list ...*Key) (*Keys, error) {
	keys := &Keys{byGV: map[gradeVariant]*Key{}}
	for _, k := range list {
		f := k.Form
		if f == nil {
			var err error
			if f, err = form.ForGrade(k.Grade); err != nil {
				return nil, err
			}
		}
		v, err := NormalizeVariant(f, k.Variant)
		if err != nil {
			return nil, err
		}
		if _, msg := parseKeyAnswers(f, strings.Join(k.Answers, "")); msg != "" {
			return nil, fmt.Errorf("grade %d variant %s: %s", k.Grade, v, msg)
		}
		kk := *k
		kk.Form, kk.Variant = f, v
		gv := gradeVariant{k.Grade, v}
		if _, dup := keys.byGV[gv]; dup {
			return nil, fmt.Errorf("grade %d variant %s given twice", k.Grade, v)
		}
		keys.byGV[gv] = &kk
	}
	return keys, nil
}
