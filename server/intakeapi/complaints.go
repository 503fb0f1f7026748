package intakeapi

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"tarazy/intake"
)

// ComplaintView is a complaint with whether it is overdue today and, for one
// complaint, its audit trail.
type ComplaintView struct {
	*intake.Complaint
	Overdue bool                `json:"overdue"`
	Audit   []intake.AuditEntry `json:"audit,omitempty"`
}

func (a *API) complaintView(c *intake.Complaint) ComplaintView {
	return ComplaintView{Complaint: c, Overdue: c.Status == intake.ComplaintOpen && c.Due.Before(a.today())}
}

func (a *API) listComplaints(w http.ResponseWriter, r *http.Request) error {
	cs, err := a.desk(r).Repo.Complaints(r.Context())
	if err != nil {
		return err
	}
	open := r.URL.Query().Get("open") == "true"
	out := []ComplaintView{}
	for _, c := range cs {
		if open && c.Status != intake.ComplaintOpen {
			continue
		}
		out = append(out, a.complaintView(c))
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// ComplaintRequest is a complaint as it comes in (Law art. 25): the body that reviews
// it, the application it is about (if any), who complains and about what.
type ComplaintRequest struct {
	Body        string        `json:"body"`
	Application string        `json:"application,omitempty"`
	Complainant intake.Person `json:"complainant"`
	Subject     string        `json:"subject"`
	Electronic  bool          `json:"electronic,omitempty"`
	At          string        `json:"at,omitempty"`
}

func (a *API) fileComplaint(w http.ResponseWriter, r *http.Request) error {
	var req ComplaintRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	at, err := a.parseTime(req.At)
	if err != nil {
		return err
	}
	c, err := a.desk(r).FileComplaint(r.Context(), intake.ComplaintInput{Body: req.Body, Application: req.Application,
		Complainant: req.Complainant, Subject: req.Subject, Electronic: req.Electronic, At: at, Staff: a.staff(r)})
	if err != nil {
		return fieldError(err)
	}
	w.Header().Set("Location", r.URL.Path+"/"+c.Number)
	writeJSON(w, http.StatusCreated, a.complaintView(c))
	return nil
}

func (a *API) getComplaint(w http.ResponseWriter, r *http.Request) error {
	d := a.desk(r)
	number := chi.URLParam(r, "number")
	c, err := d.Repo.Complaint(r.Context(), number)
	if err != nil {
		return err
	}
	v := a.complaintView(c)
	if v.Audit, err = d.Repo.Audit(r.Context(), number); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, v)
	return nil
}

// ExtensionRequest extends a complaint's term once (art. 25 p. 4); On is the day it
// was decided (default today).
type ExtensionRequest struct {
	Days   int    `json:"days"`
	Reason string `json:"reason"`
	On     string `json:"on,omitempty"`
}

// complaintStep is one step on a complaint that happens on a day: the body names the
// day ("on", default today) and the step's own fields.
func (a *API) complaintStep(w http.ResponseWriter, r *http.Request, req any, on *string,
	step func(d *intake.Desk, number string, day intake.Date) (*intake.Complaint, error)) error {
	if err := decodeJSON(r, req); err != nil {
		return err
	}
	day, err := a.parseDay("on", *on)
	if err != nil {
		return err
	}
	c, err := step(a.desk(r), chi.URLParam(r, "number"), day)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, a.complaintView(c))
	return nil
}

func (a *API) extendComplaint(w http.ResponseWriter, r *http.Request) error {
	var req ExtensionRequest
	return a.complaintStep(w, r, &req, &req.On, func(d *intake.Desk, number string, day intake.Date) (*intake.Complaint, error) {
		return d.ExtendComplaint(r.Context(), number, req.Days, req.Reason, day, a.staff(r))
	})
}

// NoticeRequest records the day the complainant was told of the extension.
type NoticeRequest struct {
	On string `json:"on,omitempty"`
}

func (a *API) complaintNotice(w http.ResponseWriter, r *http.Request) error {
	var req NoticeRequest
	return a.complaintStep(w, r, &req, &req.On, func(d *intake.Desk, number string, day intake.Date) (*intake.Complaint, error) {
		return d.ComplaintNoticeSent(r.Context(), number, day, a.staff(r))
	})
}

// AnswerRequest closes a complaint with its outcome.
type AnswerRequest struct {
	Outcome string `json:"outcome"`
	On      string `json:"on,omitempty"`
}

func (a *API) answerComplaint(w http.ResponseWriter, r *http.Request) error {
	var req AnswerRequest
	return a.complaintStep(w, r, &req, &req.On, func(d *intake.Desk, number string, day intake.Date) (*intake.Complaint, error) {
		return d.AnswerComplaint(r.Context(), number, day, req.Outcome, a.staff(r))
	})
}

// overdue lists open applications and complaints past their term on a day, and
// extension notices not sent in time, most late first.
func (a *API) overdue(w http.ResponseWriter, r *http.Request) error {
	on, err := a.parseDay("on", r.URL.Query().Get("on"))
	if err != nil {
		return err
	}
	list, err := a.desk(r).Overdue(r.Context(), on)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"on": on, "overdue": nonNil(list)})
	return nil
}
