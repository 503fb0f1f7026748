package store

import (
	"errors"
	"fmt"
)

// Code classifies an error so that a caller can branch on it without reading its text;
// the HTTP server maps each code to a status in one table.
type Code string

const (
	Invalid      Code = "invalid"      // the input is wrong; the message says what to fix
	NotFound     Code = "not_found"    // no such thing (or not visible to the caller)
	Conflict     Code = "conflict"     // the change clashes with what is stored
	Unavailable  Code = "unavailable"  // the database cannot be reached now; retry later
	Forbidden    Code = "forbidden"    // outside the caller's role or school
	Unauthorized Code = "unauthorized" // no valid token
	Internal     Code = "internal"     // a bug or an unexpected failure
)

// Error is the one application error type. Message is safe to show to a commission
// member; Err keeps the underlying cause for logs.
type Error struct {
	Code    Code
	Message string
	Err     error
}

func (e *Error) Error() string {
	switch {
	case e.Message != "" && e.Err != nil:
		return e.Message + ": " + e.Err.Error()
	case e.Message != "":
		return e.Message
	case e.Err != nil:
		return string(e.Code) + ": " + e.Err.Error()
	}
	return string(e.Code)
}

func (e *Error) Unwrap() error { return e.Err }

// Is lets errors.Is(err, store.ErrNotFound) match any Error of that code.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Message == "" && t.Err == nil && t.Code == e.Code
}

// Sentinels for errors.Is.
var (
	ErrInvalid      = &Error{Code: Invalid}
	ErrNotFound     = &Error{Code: NotFound}
	ErrConflict     = &Error{Code: Conflict}
	ErrUnavailable  = &Error{Code: Unavailable}
	ErrForbidden    = &Error{Code: Forbidden}
	ErrUnauthorized = &Error{Code: Unauthorized}
)

// Errorf returns an Error with a user-facing message.
func Errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the first Error in err's chain, Internal for any other
// non-nil error and "" for nil.
func ErrorCode(err error) Code {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return Internal
}

// ErrorMessage returns the user-facing message of err. Internal errors get a generic
// text so that nothing of the database or the file system leaks to a client.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) && e.Code != Internal {
		if e.Message != "" {
			return e.Message
		}
		switch e.Code {
		case Unavailable:
			return "the database is not reachable right now; nothing was changed, try again in a minute"
		case NotFound:
			return "not found"
		}
		return string(e.Code)
	}
	return "internal error; nothing was changed; tell the operator the time of this request"
}

// Wrap annotates *errp with where it happened, keeping its code. Use as
// `defer store.Wrap(&err, "Ingest(%s)", contest)` at the top of exported methods.
func Wrap(errp *error, format string, args ...any) {
	if *errp == nil {
		return
	}
	*errp = fmt.Errorf("%s: %w", fmt.Sprintf(format, args...), *errp)
}
