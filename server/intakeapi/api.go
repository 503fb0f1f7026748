// Package intakeapi is the intake desk over HTTP (issue 6): the school office's
// applications, receipts, first-grade order, complaints, deadlines and the contest
// candidate export as JSON routes for the role `office`, and the office's pages under
// /ui/. Every route is bound to the {school} of its path: an office token reaches its
// own school only (403 and an audit entry elsewhere), an admin any school. The rules
// themselves are the intake package's; this package only translates.
package intakeapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"

	"tarazy/intake"
	"tarazy/season"
	"tarazy/server"
	"tarazy/store"
)

// API serves the intake desk.
type API struct {
	st  Registers
	cat *intake.Catalogue
	cal *intake.Calendar
	// seasons are the contest years' dates (§16, §20); nil: the built-in data.
	seasons *season.Book
	srv     *server.Server
	// Now is the clock; tests fix it.
	Now func() time.Time
}

// Registers is what the desk needs of the store: a school's register, the contests
// the export names, and the schools an administrator chooses from.
type Registers interface {
	Intake(by store.Actor, school string) intake.Repository
	store.Contests
	// School names the school on its receipts; ListSchools lets an administrator choose.
	School(ctx context.Context, code string) (store.School, error)
	ListSchools(ctx context.Context) ([]store.School, error)
}

// Option changes how Register sets the desk up.
type Option func(*API)

// WithSeasons gives the contest years' dates (the season data with its override
// files); without it the desk uses the built-in data.
func WithSeasons(b *season.Book) Option { return func(a *API) { a.seasons = b } }

// Prefix is where the desk's API lives; {school} is the school's code.
const Prefix = "/api/schools/{school}/intake"

// PagePrefix is where the office's pages live.
const PagePrefix = "/ui/schools/{school}/intake"

// Register adds the desk's routes and pages to srv. The catalogue and the calendar
// are loaded (and checked) by the caller, so a malformed file stops the server at
// start.
func Register(srv *server.Server, st Registers, cat *intake.Catalogue, cal *intake.Calendar, opts ...Option) (*API, error) {
	a := &API{st: st, cat: cat, cal: cal, srv: srv, Now: time.Now}
	for _, o := range opts {
		o(a)
	}
	if err := a.addPages(); err != nil {
		return nil, err
	}
	for _, rt := range a.routes() {
		srv.Handle(rt)
	}
	srv.AddHomeLink(server.HomeLink{Label: "intake.home", URL: "/ui/intake", Roles: []string{store.RoleOffice, store.RoleAdmin}})
	return a, nil
}

func (a *API) routes() []server.Route {
	p := Prefix
	office := server.OfficeSchool
	rts := []server.Route{
		{Method: "GET", Pattern: p + "/services", Access: office, Handler: a.services},
		{Method: "GET", Pattern: p + "/services/{service}", Access: office, Handler: a.srv.Adapt(a.service)},
		{Method: "GET", Pattern: p + "/deadline", Access: office, Handler: a.srv.Adapt(a.deadline)},
		{Method: "GET", Pattern: p + "/applications", Access: office, Handler: a.srv.Adapt(a.listApplications)},
		{Method: "POST", Pattern: p + "/applications", Access: office, Handler: a.srv.Adapt(a.submit)},
		{Method: "GET", Pattern: p + "/applications/{number}", Access: office, Handler: a.srv.Adapt(a.getApplication)},
		{Method: "POST", Pattern: p + "/applications/{number}/status", Access: office, Handler: a.srv.Adapt(a.setStatus)},
		{Method: "GET", Pattern: p + "/applications/{number}/receipt.{format}", Access: office, Handler: a.srv.Adapt(a.receipt)},
		{Method: "GET", Pattern: p + "/first-grade", Access: office, Handler: a.srv.Adapt(a.firstGrade)},
		{Method: "GET", Pattern: p + "/complaints", Access: office, Handler: a.srv.Adapt(a.listComplaints)},
		{Method: "POST", Pattern: p + "/complaints", Access: office, Handler: a.srv.Adapt(a.fileComplaint)},
		{Method: "GET", Pattern: p + "/complaints/{number}", Access: office, Handler: a.srv.Adapt(a.getComplaint)},
		{Method: "POST", Pattern: p + "/complaints/{number}/extension", Access: office, Handler: a.srv.Adapt(a.extendComplaint)},
		{Method: "POST", Pattern: p + "/complaints/{number}/notice", Access: office, Handler: a.srv.Adapt(a.complaintNotice)},
		{Method: "POST", Pattern: p + "/complaints/{number}/answer", Access: office, Handler: a.srv.Adapt(a.answerComplaint)},
		{Method: "GET", Pattern: p + "/overdue", Access: office, Handler: a.srv.Adapt(a.overdue)},
		{Method: "GET", Pattern: p + "/contests/{contest}/export/{file}", Access: office, Handler: a.srv.Adapt(a.export)},
		{Method: "GET", Pattern: p + "/contests/{contest}/daryn-sendings", Access: office, Handler: a.srv.Adapt(a.listDarynSendings)},
		{Method: "POST", Pattern: p + "/contests/{contest}/daryn-sendings", Access: office, Handler: a.srv.Adapt(a.recordDarynSending)},
		{Method: "GET", Pattern: p + "/season", Access: office, Handler: a.srv.Adapt(a.season)},
		{Method: "GET", Pattern: p + "/calendar", Access: office, Handler: a.srv.Adapt(a.calendar)},
	}
	return append(rts, a.pageRoutes()...)
}

// desk is the intake desk on the register of the path's school, acting for the
// request's user.
func (a *API) desk(r *http.Request) *intake.Desk {
	u := server.UserFrom(r.Context())
	school := chi.URLParam(r, "school")
	by := store.Actor{Name: u.Name, Role: u.Role, School: school}
	return &intake.Desk{Catalogue: a.cat, Calendar: a.cal, Seasons: a.seasons, Repo: a.st.Intake(by, school), Now: a.Now}
}

func (a *API) staff(r *http.Request) string { return server.UserFrom(r.Context()).Name }

// today is the office's date now.
func (a *API) today() intake.Date { return intake.DateOf(a.Now().In(a.cat.Location())) }

// CodeIINChecksum is the error code of a contest registration whose IIN fails its
// check digit: the client asks the staff for the reason to accept it and sends it as
// candidate.iin_override.
const CodeIINChecksum = string(server.IINChecksum)

// CodeDecisionNeeded is the error code of a contest application the rules let the
// school refuse but do not make it (§19: late or incomplete): the client asks the
// staff to decide and sends {"decision": {"accept": true|false, "reason": "…"}}.
const CodeDecisionNeeded = string(server.DecisionNeeded)

// StatusIINChecksum answers CodeIINChecksum: the request is well formed but needs a
// decision by a person.
const StatusIINChecksum = http.StatusUnprocessableEntity

// fieldError is an error about something the request body names (a service, an
// application a complaint is about): not found there is a bad request, not a missing
// page. The store's own not-found (the path's school, the year's contest) stays 404.
func fieldError(err error) error {
	var se *store.Error
	if errors.Is(err, intake.ErrNotFound) && !errors.As(err, &se) {
		return &store.Error{Code: store.Invalid, Message: err.Error(), Err: err}
	}
	return err
}

// writeJSON is the server's JSON answer.
func writeJSON(w http.ResponseWriter, status int, v any) { server.WriteJSON(w, status, v) }

func invalidf(format string, args ...any) error {
	return store.Errorf(store.Invalid, format, args...)
}

// decodeJSON is the server's strict JSON reading, so every area answers a bad body alike.
func decodeJSON(r *http.Request, v any) error { return server.DecodeJSON(r, v) }

// parseTime reads a time as the office's wall clock ("2026-04-14T11:00") or with a
// zone (RFC 3339); empty means now.
func (a *API) parseTime(s string) (time.Time, error) {
	loc := a.cat.Location()
	if s == "" {
		return a.Now().In(loc), nil
	}
	for _, layout := range []string{"2006-01-02T15:04", "2006-01-02T15:04:05", "2006-01-02 15:04"} {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t, nil
		}
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.In(loc), nil
	}
	return time.Time{}, invalidf("time %q: write it as 2026-04-14T11:00 (office time) or with a zone, 2026-04-14T11:00:00+05:00", s)
}

// parseDay reads an ISO date; empty means today at the office.
func (a *API) parseDay(name, s string) (intake.Date, error) {
	if s == "" {
		return a.today(), nil
	}
	d, err := intake.ParseDate(s)
	if err != nil {
		return intake.Date{}, invalidf("%s: %v", name, err)
	}
	return d, nil
}

func nonNil[T any](v []T) []T {
	if v == nil {
		return []T{}
	}
	return v
}

func attachment(w http.ResponseWriter, name string) {
	w.Header().Set("Content-Disposition", fmt.Sprintf("attachment; filename=%q", name))
}
