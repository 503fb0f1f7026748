package server

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"

	"tarazy/server/wire"
	"tarazy/store"
)

// Codes the server adds to the store's.
const (
	TooLarge         store.Code = "too_large"
	MethodNotAllowed store.Code = "method_not_allowed"
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
}

// ErrorBody is the JSON every error answers with (package wire).
type ErrorBody = wire.ErrorBody

func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		err = store.Errorf(TooLarge, "the upload is larger than the %d bytes this server accepts in one request; send it in smaller batches", mbe.Limit)
	}
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
	if code == TooLarge || code == MethodNotAllowed {
		body.Error.Message = err.(*store.Error).Message
	}
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

func invalidf(format string, args ...any) error {
	return store.Errorf(store.Invalid, format, args...)
}
