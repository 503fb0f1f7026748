package intake

import (
	"context"
	"fmt"
	"time"
)

// Status is where an application stands. Registered and in_progress are open;
// issued, refused and rejected are final.
type Status string

const (
	// Rejected: refused on the spot, at intake (incomplete set, expired document,
	// outside the window); the applicant got a refusal receipt (Law art. 19–20).
	Rejected   Status = "rejected"
	Registered Status = "registered"  // accepted, receipt with number and due date given
	InProgress Status = "in_progress" // being worked on
	Issued     Status = "issued"      // the result was given
	Refused    Status = "refused"     // a reasoned refusal of the service (Law art. 19-1)
)

// Final reports whether no further change is allowed.
func (s Status) Final() bool { return s == Rejected || s == Issued || s == Refused }

// transitions lists the allowed status changes.
var transitions = map[Status][]Status{
	Registered: {InProgress, Issued, Refused},
	InProgress: {Issued, Refused},
}

// Person is an applicant, a child, a candidate or a complainant.
type Person struct {
	Name    string `json:"name"`
	IIN     string `json:"iin,omitempty"`
	Phone   string `json:"phone,omitempty"`
	Email   string `json:"email,omitempty"`
	Address string `json:"address,omitempty"`
}

// Presented is a document the applicant handed in, with its dates when it has them.
type Presented struct {
	ID         string `json:"id"`
	Issued     Date   `json:"issued,omitzero"`
	ValidUntil Date   `json:"valid_until,omitzero"`
}

// Candidate holds the contest registration fields of §17 beyond the candidate's name
// and IIN (Application.Child).
type Candidate struct {
	School   string `json:"school"`
	Grade    int    `json:"grade"`    // 5, 6 or 7
	Language string `json:"language"` // kk or ru, the language of instruction
	Email    string `json:"email"`
	// Olympiad: a winner or prize-winner of the regional stage of the republican
	// olympiads, the tie-break priority of §38; the diploma copy is then required.
	Olympiad bool     `json:"olympiad"`
	Diplomas []string `json:"diplomas,omitempty"`
	MynBala  bool     `json:"myn_bala"` // winner of "Мың бала" (§25), grade 7 only
	// IINOverride is the staff's reason for accepting an IIN whose check digit fails.
	IINOverride string `json:"iin_override,omitempty"`
}

// Refusal says why an application was refused, at intake or after review.
type Refusal struct {
	AtIntake bool     `json:"at_intake"`
	Grounds  []string `json:"grounds"`           // ground ids from the catalogue
	Missing  []string `json:"missing,omitempty"` // document ids; "one_of:group" for a choice
	Expired  []string `json:"expired,omitempty"` // document ids
	Reason   string   `json:"reason,omitempty"`  // the staff's words
	On       Date     `json:"on"`
	Staff    string   `json:"staff,omitempty"` // who decided a refusal after review
}

// Application is one application for a service, from submission to result. Its
// fields are plain so any store can keep it as columns or as a JSON document.
type Application struct {
	Number  string `json:"number"` // Series-%05d, e.g. ADM-2026-00017
	Series  string `json:"series"` // service code and year, e.g. ADM-2026
	Seq     int    `json:"seq"`
	Service string `json:"service"`
	Channel string `json:"channel"`
	Status  Status `json:"status"`

	SubmittedAt  time.Time `json:"submitted_at"`
	Registered   Date      `json:"registered"`
	RegisteredAt time.Time `json:"registered_at"`
	Due          Date      `json:"due,omitzero"`    // zero when the catalogue gives no term
	DueAt        time.Time `json:"due_at,omitzero"` // for terms in minutes

	Applicant  Person      `json:"applicant"`
	Child      Person      `json:"child,omitzero"` // whom the service is for
	Grade      int         `json:"grade,omitempty"`
	Territory  bool        `json:"territory,omitempty"` // lives in the school's service territory
	Conditions []string    `json:"conditions,omitempty"`
	Documents  []Presented `json:"documents"`
	Emergency  string      `json:"emergency,omitempty"` // why the §9-2 emergency window applies
	Candidate  *Candidate  `json:"candidate,omitempty"`
	Refusal    *Refusal    `json:"refusal,omitempty"`
	Result     string      `json:"result,omitempty"`
	Warnings   []string    `json:"warnings,omitempty"`
	Note       string      `json:"note,omitempty"`

	// UniqueKey, when set, must be held by no other application: the same IIN
	// twice in one contest. Cleared when the application is refused.
	UniqueKey string    `json:"unique_key,omitempty"`
	Staff     string    `json:"staff"`
	Version   int       `json:"version"`
	Updated   time.Time `json:"updated"`
}

// Open reports whether the application still waits for its result.
func (a *Application) Open() bool { return !a.Status.Final() }

// AuditEntry records one change: who, when, what, from what to what, and why.
type AuditEntry struct {
	At      time.Time `json:"at"`
	Staff   string    `json:"staff"`
	Subject string    `json:"subject"` // the application or complaint number
	Action  string    `json:"action"`  // submit, reject, status, iin_override, complaint, extend, notice, answer
	From    string    `json:"from,omitempty"`
	To      string    `json:"to,omitempty"`
	Detail  string    `json:"detail,omitempty"`
}

// Filter selects applications; zero fields match everything.
type Filter struct {
	Service string
	Status  Status
	Year    int // of the registration date
}

// Match reports whether a passes the filter (for stores that filter in Go).
func (f Filter) Match(a *Application) bool {
	return (f.Service == "" || a.Service == f.Service) &&
		(f.Status == "" || a.Status == f.Status) &&
		(f.Year == 0 || a.Registered.Year == f.Year)
}

// Repository keeps applications, complaints and the audit log. It is all the desk
// needs from storage: intake/memstore and intake/filestore implement it, and the SQL
// store implements it in phase 2. intake/intaketest has the contract tests every
// implementation must pass.
type Repository interface {
	// CreateApplication stores a new application with Version 1, giving it the next
	// number of its Series (sets Seq and Number = FormatNumber(Series, Seq)) and
	// recording the audit entry with Subject set to that number, all at once. It
	// returns ErrDuplicate when UniqueKey is set and another application holds it.
	CreateApplication(ctx context.Context, a *Application, e AuditEntry) error
	// Application returns a copy of the stored application, or ErrNotFound.
	Application(ctx context.Context, number string) (*Application, error)
	// UpdateApplication stores a if the stored Version equals a.Version, then sets
	// a.Version one higher, and records e, all at once. ErrConflict when the
	// versions differ, ErrDuplicate as for Create, ErrNotFound.
	UpdateApplication(ctx context.Context, a *Application, e AuditEntry) error
	// Applications lists those matching f, in number order.
	Applications(ctx context.Context, f Filter) ([]*Application, error)

	// CreateComplaint, Complaint, UpdateComplaint and Complaints do the same for
	// complaints.
	CreateComplaint(ctx context.Context, c *Complaint, e AuditEntry) error
	Complaint(ctx context.Context, number string) (*Complaint, error)
	UpdateComplaint(ctx context.Context, c *Complaint, e AuditEntry) error
	Complaints(ctx context.Context) ([]*Complaint, error)

	// Audit lists the entries of one subject in the order they were recorded.
	Audit(ctx context.Context, subject string) ([]AuditEntry, error)
}

// FormatNumber is how a store turns a series and a sequence into a receipt number.
func FormatNumber(series string, seq int) string { return fmt.Sprintf("%s-%05d", series, seq) }
