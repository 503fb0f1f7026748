package intake

import (
	"errors"
	"fmt"
)

// Errors a caller (the CLI, the HTTP server) branches on. Messages wrapping them say
// what is wrong in words the office understands.
var (
	// ErrNotFound: no such application, complaint or service.
	ErrNotFound = errors.New("not found")
	// ErrDuplicate: the same candidate (IIN) is already registered in this contest.
	ErrDuplicate = errors.New("already registered")
	// ErrConflict: someone changed the record since it was read; read it again.
	ErrConflict = errors.New("changed by someone else since it was read")
	// ErrInvalid: the request itself is wrong (a missing field, an unknown document).
	ErrInvalid = errors.New("invalid")
	// ErrTransition: the status change is not allowed from the current status.
	ErrTransition = errors.New("status change not allowed")
	// ErrIINChecksum: the IIN's check digit fails; staff may override with a reason.
	ErrIINChecksum = errors.New("IIN check digit fails")
	// ErrDecisionNeeded: the rules let the school refuse this application but do not
	// make it (§19: late or incomplete); a person must decide, with the reason.
	ErrDecisionNeeded = errors.New("a person must decide whether to accept")
	// ErrFrozen: the change would alter a contest's candidate base after answer
	// sheets of that grade are ingested (FrozenError says which).
	ErrFrozen = errors.New("the candidate base is frozen")
)

// FrozenError is the store's refusal to add, remove or change a candidate of a contest
// whose answer sheets for the candidate's grade at the school are already ingested:
// the results are computed from that base.
type FrozenError struct {
	Contest string
	Grade   int
}

func (e *FrozenError) Error() string {
	return fmt.Sprintf("contest %s, grade %d: answer sheets are ingested: %v", e.Contest, e.Grade, ErrFrozen)
}

// Is makes errors.Is(err, ErrFrozen) true.
func (e *FrozenError) Is(target error) bool { return target == ErrFrozen }
