package intake

import (
	"context"
	"fmt"
	"time"
)

// Status is where an application stands. Registered and in_progress are open;
// issued, refused, rejected and withdrawn are final.
type Status string

const (
	// Rejected: refused on the spot, at intake (incomplete set, expired document,
	// outside the window); the applicant got a refusal receipt (Law art. 19–20).
	Rejected   Status = "rejected"
	Registered Status = "registered"  // accepted, receipt with number and due date given
	InProgress Status = "in_progress" // being worked on
	Issued     Status = "issued"      // the result was given
	Refused    Status = "refused"     // a reasoned refusal of the service (Law art. 19-1)
	// Withdrawn: the applicant withdrew the application before its result.
	Withdrawn Status = "withdrawn"
)

// Statuses lists every status in the order an application passes them.
var Statuses = []Status{Registered, InProgress, Issued, Refused, Rejected, Withdrawn}

// Final reports whether no further change is allowed.
func (s Status) Final() bool { return s == Rejected || s == Issued || s == Refused || s == Withdrawn }

// Accepted reports whether the application was accepted and still stands: a contest
// registration in such a status is a candidate of the contest.
func (s Status) Accepted() bool { return s == Registered || s == InProgress || s == Issued }

// Valid reports whether s is one of the statuses.
func (s Status) Valid() bool {
	for _, x := range Statuses {
		if s == x {
			return true
		}
	}
	return false
}

// transitions lists the allowed status changes.
var transitions = map[Status][]Status{
	Registered: {InProgress, Issued, Refused, Withdrawn},
	InProgress: {Issued, Refused, Withdrawn},
}

// Next lists the statuses an application in s may move to.
func (s Status) Next() []Status { return append([]Status(nil), transitions[s]...) }

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
	// OlympiadNoDiploma: a diploma was claimed but its copy not presented, so the
	// child is registered without the §38 priority (§18 sub. 5); Olympiad is false.
	OlympiadNoDiploma bool `json:"olympiad_no_diploma,omitempty"`
	// IINOverride is the staff's reason for accepting an IIN whose check digit fails.
	IINOverride string `json:"iin_override,omitempty"`
	// Contest is the contest's id in the store (such as "2026"), whose candidate base
	// the registration joins; the SQL store fills it from the registration year when
	// it is empty.
	Contest string `json:"contest,omitempty"`
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
	// Window is the acceptance window the application came outside of, with its rule,
	// so a receipt printed again later names the same dates.
	Window *Span `json:"window,omitempty"`
	// Discretion: the rules say these grounds MAY refuse (§19), and a person decided
	// to (Staff, Reason); otherwise the refusal follows from the law by itself.
	Discretion bool `json:"discretion,omitempty"`
}

// Span is a window of days, both included, with the rule that sets it (§9-2, §16).
type Span struct {
	From Date   `json:"from"`
	To   Date   `json:"to"`
	Rule string `json:"rule"`
}

// Decision is a person's decision where the rules leave one (§19: a late or
// incomplete contest application MAY be refused): accept or refuse, and why.
type Decision struct {
	Accept  bool     `json:"accept"`
	Reason  string   `json:"reason"`
	Staff   string   `json:"staff,omitempty"`
	On      Date     `json:"on,omitzero"`
	Grounds []string `json:"grounds,omitempty"` // what was decided on: outside_window, incomplete, expired
}

// Withdrawal records that the applicant withdrew the application, and why.
type Withdrawal struct {
	Reason string `json:"reason"` // the applicant's request, in the staff's words
	On     Date   `json:"on"`
	Staff  string `json:"staff"`
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
	// DueProvisional lists the years the due date was counted in whose working-day
	// calendar is still provisional (Calendar.ProvisionalYear): the date may move.
	DueProvisional []int `json:"due_provisional,omitempty"`
	// EnteredAt is when the desk recorded the application; Backdated marks one entered
	// on a later day than it says it came in (SubmittedAt), which the audit keeps.
	EnteredAt time.Time `json:"entered_at,omitzero"`
	Backdated bool      `json:"backdated,omitempty"`

	Applicant  Person      `json:"applicant"`
	Child      Person      `json:"child,omitzero"` // whom the service is for
	Grade      int         `json:"grade,omitempty"`
	Territory  bool        `json:"territory,omitempty"` // lives in the school's service territory
	Conditions []string    `json:"conditions,omitempty"`
	Documents  []Presented `json:"documents"`
	Emergency  string      `json:"emergency,omitempty"` // why the §9-2 emergency window applies
	Candidate  *Candidate  `json:"candidate,omitempty"`
	Refusal    *Refusal    `json:"refusal,omitempty"`
	Withdrawal *Withdrawal `json:"withdrawal,omitempty"`
	// Discretion is the person's decision to accept an application the rules let the
	// school refuse (§19); a decision to refuse is in Refusal.
	Discretion *Decision `json:"discretion,omitempty"`
	Result     string    `json:"result,omitempty"`
	Warnings   []Message `json:"warnings,omitempty"`
	Note       string    `json:"note,omitempty"`

	// UniqueKey, when set, must be held by no other application: the same IIN
	// twice in one contest. Cleared when the application is refused or withdrawn.
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
	Year    int  // of the registration date
	Open    bool // only those still waiting for their result
	// OverdueOn keeps only open applications whose due date is before this day.
	OverdueOn Date
	// After and Limit page through the list: numbers after After, at most Limit
	// of them (0: all).
	After string
	Limit int
}

// Match reports whether a passes the filter (for stores that filter in Go); Limit
// is the store's to apply.
func (f Filter) Match(a *Application) bool {
	return (f.Service == "" || a.Service == f.Service) &&
		(f.Status == "" || a.Status == f.Status) &&
		(f.Year == 0 || a.Registered.Year == f.Year) &&
		(!f.Open || a.Open()) &&
		(f.OverdueOn.IsZero() || a.OverdueOn(f.OverdueOn)) &&
		(f.After == "" || a.Number > f.After)
}

// OverdueOn reports whether the application is open and past its due date on day.
func (a *Application) OverdueOn(day Date) bool {
	return a.Open() && !a.Due.IsZero() && a.Due.Before(day)
}

// Repository keeps applications, complaints and the audit log. It is all the desk
// needs from storage: intake/memstore implements it in memory (for tests) and the
// store in SQL, one register per school (store/sqlite, store/postgres).
// intake/intaketest has the contract tests every implementation must pass.
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
	// Applications lists those matching f, in number order, at most f.Limit.
	Applications(ctx context.Context, f Filter) ([]*Application, error)

	// CreateComplaint, Complaint, UpdateComplaint and Complaints do the same for
	// complaints.
	CreateComplaint(ctx context.Context, c *Complaint, e AuditEntry) error
	Complaint(ctx context.Context, number string) (*Complaint, error)
	UpdateComplaint(ctx context.Context, c *Complaint, e AuditEntry) error
	Complaints(ctx context.Context) ([]*Complaint, error)

	// Audit lists the entries of one subject in the order they were recorded.
	Audit(ctx context.Context, subject string) ([]AuditEntry, error)

	// RecordDarynSending stores a sending of the candidate base (§20), giving it the
	// next Seq of its contest at the school, with the audit entry (Subject set to
	// s.Subject()), at once. ErrNotFound when the contest does not exist (stores that
	// know contests).
	RecordDarynSending(ctx context.Context, s *DarynSending, e AuditEntry) error
	// DarynSendings lists the school's recorded sendings, oldest record first.
	DarynSendings(ctx context.Context) ([]DarynSending, error)
}

// The candidate base freezes once the contest is under way: a store that knows the
// contest's answer sheets answers CreateApplication and UpdateApplication with a
// *FrozenError when the change would add, remove or change a candidate of a grade
// whose sheets at the school are already ingested (issue 12: a withdrawal or a
// backdated registration must not change results computed from the base).

// FormatNumber is how a store turns a series and a sequence into a receipt number.
func FormatNumber(series string, seq int) string { return fmt.Sprintf("%s-%05d", series, seq) }
