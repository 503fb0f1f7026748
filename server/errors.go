package server

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"

	"tarazy/intake"
	"tarazy/season"
	"tarazy/server/web"
	"tarazy/server/wire"
	"tarazy/store"
	"tarazy/store/blob"
)

// Codes the server adds to the store's.
const (
	TooLarge         store.Code = "too_large"
	MethodNotAllowed store.Code = "method_not_allowed"
	// IINChecksum: a registration whose IIN fails its check digit; the client asks the
	// staff for the reason to accept it and sends it as candidate.iin_override.
	IINChecksum store.Code = "iin_checksum"
	// DecisionNeeded: a late or incomplete contest registration waits for a person's
	// decision (§19 "may"); the client asks for it and sends it.
	DecisionNeeded store.Code = "decision_needed"
)

// statusOf is the one table from error code to HTTP status.
var statusOf = map[store.Code]int{
	store.Invalid:      http.StatusBadRequest,
	store.NotFound:     http.StatusNotFound,
	store.Conflict:     http.StatusConflict,
	store.Unavailable:  http.StatusServiceUnavailable,
	store.Forbidden:    http.StatusForbidden,
	store.Unauthorized: http.StatusUnauthorized,
	store.Internal:     http.StatusInternalServerError,
	TooLarge:           http.StatusRequestEntityTooLarge,
	MethodNotAllowed:   http.StatusMethodNotAllowed,
	IINChecksum:        http.StatusUnprocessableEntity,
	DecisionNeeded:     http.StatusUnprocessableEntity,
}

// domainCodes is the one table from the domain packages' errors to codes; the
// message is the error's own, which says what is wrong in the office's words. The
// store's errors keep their codes.
var domainCodes = []struct {
	err  error
	code store.Code
	hint string // added to the message: what to do
}{
	{intake.ErrNotFound, store.NotFound, ""},
	{intake.ErrDuplicate, store.Conflict, ""},
	{intake.ErrConflict, store.Conflict, ""},
	{intake.ErrTransition, store.Conflict, ""},
	{intake.ErrInvalid, store.Invalid, ""},
	{intake.ErrNotCovered, store.Invalid, ""},
	{intake.ErrInvalidFile, store.Invalid, ""},
	{intake.ErrIINChecksum, IINChecksum, "; to accept it, send the reason as candidate.iin_override"},
	{intake.ErrFrozen, store.Conflict, ""},
	{intake.ErrDecisionNeeded, DecisionNeeded, ""},
	{season.ErrNoSeason, store.Invalid, ""},
}

// asCoded gives err the code the tables say, so that every area answers alike.
func asCoded(err error, lang string) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return store.Errorf(TooLarge, "the upload is larger than the %d bytes this server accepts in one request; send it in smaller batches", mbe.Limit)
	}
	switch {
	case errors.Is(err, blob.ErrNoSpace):
		return &store.Error{Code: store.Unavailable, Message: "the image store's disk is full; nothing was stored; tell the operator, then send it again", Err: err}
	case errors.Is(err, blob.ErrUnavailable):
		return &store.Error{Code: store.Unavailable, Message: "the image store cannot be reached; nothing was stored; try again in a minute", Err: err}
	}
	var se *store.Error
	if errors.As(err, &se) {
		return err
	}
	for _, d := range domainCodes {
		if errors.Is(err, d.err) {
			msg := err.Error() + d.hint
			// The desk says some things in Kazakh and Russian: answer in the request's.
			var me *intake.MessageError
			if errors.As(err, &me) {
				msg = me.In(lang)
			}
			return &store.Error{Code: d.code, Message: msg, Err: err}
		}
	}
	return err
}

// ErrorBody is the JSON every error answers with (package wire).
type ErrorBody = wire.ErrorBody

// HandlerFunc is a handler that returns its failure instead of answering it: the
// route answers it once, in the one shape (Server.Adapt).
type HandlerFunc func(w http.ResponseWriter, r *http.Request) error

// Adapt turns a HandlerFunc into a route's handler: an error it returns is answered
// as writeError does, a page or JSON.
func (s *Server) Adapt(h HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r); err != nil {
			s.writeError(w, r, err)
		}
	}
}

func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	err = asCoded(err, web.Lang(r))
	code := store.ErrorCode(err)
	status, ok := statusOf[code]
	if !ok {
		status = http.StatusInternalServerError
	}
	switch code {
	case store.Internal:
		s.metrics.dbErrors.WithLabelValues(string(code)).Inc()
		s.log.Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	case store.Unavailable:
		s.metrics.dbErrors.WithLabelValues(string(code)).Inc()
		s.log.Warn("database unavailable", "method", r.Method, "path", r.URL.Path, "err", err)
		w.Header().Set("Retry-After", "30")
	}
	if isPage(r) {
		s.pageError(w, r, code, status, err)
		return
	}
	var body ErrorBody
	body.Error.Code = string(code)
	body.Error.Message = store.ErrorMessage(err)
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(body)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		slog.Debug("write response", "err", err)
	}
}

// WriteJSON answers v as JSON with the status, for other areas' routes.
func WriteJSON(w http.ResponseWriter, status int, v any) { writeJSON(w, status, v) }

func invalidf(format string, args ...any) error {
	return store.Errorf(store.Invalid, format, args...)
}
