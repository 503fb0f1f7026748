package intake

import "errors"

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
)
