package results

import (
	"context"

	"tarazy/contest"
	"tarazy/omr/reading"
	"tarazy/scoring"
)

// Scope is what a computation covers: one school's grade, or everything the source
// holds (the command line's files: every school and grade at once).
type Scope struct {
	School string
	Grade  int
}

// All is the scope of everything a source holds.
var All = Scope{}

func (s Scope) has(school string, grade int) bool {
	return (s.School == "" || s.School == school) && (s.Grade == 0 || s.Grade == grade)
}

// Pages is what a scope's scanners delivered: the current reading of every sheet (of
// every form: a candidate's page on the wrong form must still be found), and the pages
// that were stored but not as sheets.
type Pages struct {
	Sheets  []reading.Reading
	Refused []Refused
}

// Refused is a page stored but not as a sheet, and why.
type Refused struct {
	Batch   string `json:"batch,omitempty"`
	File    string `json:"file"`
	Page    int    `json:"page"`
	Serial  string `json:"serial,omitempty"`
	IIN     string `json:"iin,omitempty"`
	Form    string `json:"form,omitempty"`
	Refusal string `json:"refusal"` // store.Refusal…
	Reason  string `json:"reason"`
}

// Decision is a recorded tie decision in force.
type Decision struct {
	ID int64 `json:"id,omitempty"` // 0 for a decision read from a file
	contest.Decision
}

// Source is what the results are computed from. The server's is the store
// (Service.Source), the command line's is files (FileSource). Methods return
// errors a person can act on.
type Source interface {
	// Keys are the contest's answer keys.
	Keys(ctx context.Context) (*scoring.Keys, error)
	// Registrations are the candidates' base of the scope's school (every grade).
	Registrations(ctx context.Context, s Scope) ([]contest.Registration, error)
	// Pages are the scope's school's pages (every grade).
	Pages(ctx context.Context, s Scope) (Pages, error)
	// Elsewhere maps each of these IINs that a page at another school carries to
	// that page's state; nil when the source knows no other school.
	Elsewhere(ctx context.Context, s Scope, iins []string) (map[string]string, error)
	// Seats of the scope.
	Seats(ctx context.Context, s Scope) ([]contest.Seats, error)
	// Scores are the scope's results and the policy recorded when they were made.
	Scores(ctx context.Context, s Scope) ([]contest.Candidate, contest.Policy, error)
	// Decisions are the tie decisions in force in the scope.
	Decisions(ctx context.Context, s Scope) ([]Decision, error)
	// Sitting is what the protocol of a school's grade needs beyond the ranking: the
	// school's names, the commission, the calendar and the amendments so far.
	Sitting(ctx context.Context, school string, grade int) (*contest.Sitting, error)
}
