package scoring

import (
	"errors"
	"fmt"
	"strings"

	"tarazy/omr/form"
	"tarazy/omr/reading"
)

// InvalidAs is how an answer with more than one mark counts. The rules (§35) know only
// right and wrong answers; a multi-mark is neither, so tarazy makes it a printed policy.
type InvalidAs string

const (
	// InvalidAsWrong (the default): a multi-mark costs 1 point like a wrong answer, so
	// marking every option never pays.
	InvalidAsWrong InvalidAs = "wrong"
	// InvalidAsBlank: a multi-mark scores 0 like a blank.
	InvalidAsBlank InvalidAs = "blank"
)

// ParseInvalidAs reads the --invalid-as flag.
func ParseInvalidAs(s string) (InvalidAs, error) {
	switch InvalidAs(s) {
	case InvalidAsWrong, InvalidAsBlank:
		return InvalidAs(s), nil
	}
	return "", fmt.Errorf("invalid-as %q: must be wrong or blank", s)
}

// Policy is every scoring choice the rules leave open; the protocol prints it.
type Policy struct {
	InvalidAs InvalidAs `json:"invalid_as"`
}

// DefaultPolicy is what tarazy does unless the commission says otherwise.
func DefaultPolicy() Policy { return Policy{InvalidAs: InvalidAsWrong} }

// Points of §35.
const (
	PointsCorrect = 4
	PointsWrong   = -1
)

// Result is the score of one candidate's sheet.
//
// Correct, Wrong, Blank and Invalid partition the questions (they add up to the form's
// question count): Wrong counts single wrong marks only, Invalid counts multi-marks.
// Score = 4·Correct − Wrong − (Invalid when the policy is InvalidAsWrong), and the
// section scores add up to Score.
type Result struct {
	IIN      string         `json:"iin"`
	Form     string         `json:"form"`
	Grade    int            `json:"grade"`
	Variant  string         `json:"variant"`
	Correct  int            `json:"correct"`
	Wrong    int            `json:"wrong"`
	Blank    int            `json:"blank"`
	Invalid  int            `json:"invalid"`
	Score    int            `json:"score"`
	Sections map[string]int `json:"sections"`
	// Answers as read, kept for item analysis and the audit trail. The slice is the
	// reading's own (a copy per sheet was most of the cost of scoring a national batch).
	Answers []string `json:"answers"`
	// Where the sheet came from.
	File  string `json:"file"`
	Page  int    `json:"page"`
	Sheet string `json:"sheet"`
}

// Section returns a section score and whether the form has that section.
func (r *Result) Section(key string) (int, bool) {
	v, ok := r.Sections[key]
	return v, ok
}

// Errors Score returns; a caller reports them as conflicts.
var (
	ErrNotFinal    = errors.New("the reading is not final")
	ErrWrongKey    = errors.New("the key does not belong to this sheet's form and variant")
	ErrBadAnswers  = errors.New("the reading's answers do not fit the form")
	ErrBadVariant  = errors.New("the sheet's variant is missing or not one of the form's")
	ErrUnknownForm = errors.New("the sheet's form is unknown")
)

// Outcome of one answer against the key.
type mark int

const (
	markBlank mark = iota
	markCorrect
	markWrong
	markInvalid
)

func classify(answer, key string) mark {
	switch {
	case answer == "":
		return markBlank
	case len(answer) > 1:
		return markInvalid
	case answer == key:
		return markCorrect
	default:
		return markWrong
	}
}

func (p Policy) points(m mark) int {
	switch m {
	case markCorrect:
		return PointsCorrect
	case markWrong:
		return PointsWrong
	case markInvalid:
		if p.InvalidAs == InvalidAsBlank {
			return 0
		}
		return PointsWrong
	}
	return 0
}

// Score scores one final reading against its key. It is deterministic and has no side
// effects.
func Score(f *form.Form, key *Key, rd *reading.Reading, p Policy) (Result, error) {
	if p.InvalidAs == "" {
		p = DefaultPolicy()
	}
	if _, err := ParseInvalidAs(string(p.InvalidAs)); err != nil {
		return Result{}, err
	}
	if !rd.Final() {
		return Result{}, fmt.Errorf("%w (status %s, open review %s)", ErrNotFinal, rd.Status, strings.Join(rd.Review, " "))
	}
	if rd.Form != f.ID {
		return Result{}, fmt.Errorf("%w: sheet is form %q, scoring with %q", ErrUnknownForm, rd.Form, f.ID)
	}
	variant, err := NormalizeVariant(f, rd.Variant)
	if err != nil {
		return Result{}, fmt.Errorf("%w: %v", ErrBadVariant, err)
	}
	if key.Grade != f.Grade || key.Variant != variant || len(key.Answers) != f.Questions() {
		return Result{}, fmt.Errorf("%w: key grade %d variant %s, sheet grade %d variant %s", ErrWrongKey, key.Grade, key.Variant, f.Grade, variant)
	}
	if err := checkAnswers(f, rd.Answers); err != nil {
		return Result{}, fmt.Errorf("%w: %v", ErrBadAnswers, err)
	}
	res := Result{
		IIN: rd.IIN, Form: f.ID, Grade: f.Grade, Variant: variant,
		Sections: make(map[string]int, len(f.Sections)),
		Answers:  rd.Answers, // shared, not copied: readings are records, never edited in place

		File: rd.File, Page: rd.Page, Sheet: rd.Sheet,
	}
	for _, s := range f.Sections {
		sum := 0
		for q := s.First; q <= s.Last; q++ {
			m := classify(rd.Answers[q-1], key.Answers[q-1])
			switch m {
			case markCorrect:
				res.Correct++
			case markWrong:
				res.Wrong++
			case markBlank:
				res.Blank++
			case markInvalid:
				res.Invalid++
			}
			sum += p.points(m)
		}
		res.Sections[s.Key] = sum
		res.Score += sum
	}
	return res, nil
}

// checkAnswers makes sure every answer is blank or distinct option letters in option
// order, as the reading contract says; anything else means the reader and the form
// disagree, and a score from it would be a guess.
func checkAnswers(f *form.Form, answers []string) error {
	if len(answers) != f.Questions() {
		return fmt.Errorf("%d answers, form %s has %d questions", len(answers), f.ID, f.Questions())
	}
	// Option letters are single ASCII capitals (omr/form checks that), so a byte
	// table replaces a search per letter.
	var pos [256]int8
	for i, o := range f.Options {
		pos[o[0]] = int8(i + 1)
	}
	for i, a := range answers {
		last := int8(0)
		for j := 0; j < len(a); j++ {
			idx := pos[a[j]]
			if idx == 0 {
				return fmt.Errorf("question %d: %q is not an option of form %s", i+1, a, f.ID)
			}
			if idx <= last {
				return fmt.Errorf("question %d: %q repeats or misorders letters", i+1, a)
			}
			last = idx
		}
	}
	return nil
}
