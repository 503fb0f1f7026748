package intake

import "time"

// ComplaintStatus is open until the complaint is answered.
type ComplaintStatus string

const (
	ComplaintOpen     ComplaintStatus = "open"
	ComplaintAnswered ComplaintStatus = "answered"
)

// Extension is the one extension of a complaint's term (Law art. 25 p. 4).
type Extension struct {
	Days      int    `json:"days"` // working days, at most the body's MaxExtension
	Reason    string `json:"reason"`
	On        Date   `json:"on"`         // when it was decided
	NoticeDue Date   `json:"notice_due"` // the complainant must be told by then
	NoticeOn  Date   `json:"notice_on,omitzero"`
	OldDue    Date   `json:"old_due"`
}

// Complaint is a complaint about a service (Law art. 25; Model Admission Rules §47).
type Complaint struct {
	Number      string    `json:"number"` // CPL-2026-00003
	Series      string    `json:"series"`
	Seq         int       `json:"seq"`
	Body        string    `json:"body"` // the reviewing body, from the catalogue
	Application string    `json:"application,omitempty"`
	Complainant Person    `json:"complainant"`
	Subject     string    `json:"subject"`
	Electronic  bool      `json:"electronic"` // filed electronically: the notice goes the same way
	ReceivedAt  time.Time `json:"received_at"`
	Registered  Date      `json:"registered"`
	Due         Date      `json:"due"`
	// DueProvisional lists the years the due date was counted in whose calendar is
	// still provisional; Note says so in both languages.
	DueProvisional []int           `json:"due_provisional,omitempty"`
	Note           *Message        `json:"note,omitempty"`
	Extension      *Extension      `json:"extension,omitempty"`
	Status         ComplaintStatus `json:"status"`
	AnsweredOn     Date            `json:"answered_on,omitzero"`
	Outcome        string          `json:"outcome,omitempty"`
	Staff          string          `json:"staff"`
	Version        int             `json:"version"`
	Updated        time.Time       `json:"updated"`
}
