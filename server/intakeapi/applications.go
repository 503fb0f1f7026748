package intakeapi

import (
	"bytes"
	"encoding/csv"
	"net/http"
	"net/url"
	"strconv"

	"github.com/go-chi/chi/v5"

	"tarazy/intake"
	"tarazy/intake/receipt"
)

// ApplicationView is an application as the API answers it: the record, whether it
// is overdue today, the statuses it may move to, its receipt links and (for one
// application) its audit trail.
type ApplicationView struct {
	*intake.Application
	Overdue  bool                `json:"overdue"`
	Next     []intake.Status     `json:"next"`
	Receipts map[string]string   `json:"receipts"`
	Audit    []intake.AuditEntry `json:"audit,omitempty"`
}

func (a *API) view(r *http.Request, app *intake.Application) ApplicationView {
	base := "/api/schools/" + url.PathEscape(chi.URLParam(r, "school")) + "/intake/applications/" + url.PathEscape(app.Number)
	return ApplicationView{Application: app, Overdue: app.OverdueOn(a.today()), Next: nonNil(app.Status.Next()),
		Receipts: map[string]string{"pdf": base + "/receipt.pdf", "txt": base + "/receipt.txt"}}
}

// services answers the whole catalogue: the provider, office hours, channels, the
// grounds, the complaint bodies and every service with its checklist.
func (a *API) services(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, a.cat)
}

func (a *API) service(w http.ResponseWriter, r *http.Request) error {
	svc, err := a.cat.Service(chi.URLParam(r, "service"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, svc)
	return nil
}

// DeadlineView is a term counted on the calendar.
type DeadlineView struct {
	Registered   intake.Date `json:"registered"`
	RegisteredAt string      `json:"registered_at"`
	Due          intake.Date `json:"due"`
	// Moved says why registration moved from the moment the application came in.
	Moved string `json:"moved,omitempty"`
	// Provisional lists the years the term was counted in whose calendar is not
	// confirmed yet (the movable holidays missing), and Note says so in both
	// languages: the due date may move when they are.
	Provisional []intake.Provisional `json:"provisional,omitempty"`
	Note        *intake.Message      `json:"note,omitempty"`
}

func (a *API) deadline(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	from, err := a.parseTime(q.Get("from"))
	if err != nil {
		return err
	}
	n, err := strconv.Atoi(q.Get("working_days"))
	if err != nil || n < 0 {
		return invalidf("working_days=%q: the term in working days, 0 or more", q.Get("working_days"))
	}
	hours := a.cat.Hours
	if id := q.Get("service"); id != "" {
		svc, err := a.cat.Service(id)
		if err != nil {
			return fieldError(err)
		}
		hours = a.cat.HoursFor(svc)
	}
	reg, due, err := a.cal.Deadline(from, hours, n)
	if err != nil {
		return err
	}
	v := DeadlineView{Registered: reg.Date, RegisteredAt: reg.At.Format("2006-01-02T15:04:05Z07:00"), Due: due, Moved: reg.Moved}
	for _, y := range a.cal.ProvisionalYears(intake.DateOf(from), due) {
		p, _ := a.cal.ProvisionalYear(y)
		v.Provisional = append(v.Provisional, p)
	}
	if len(v.Provisional) > 0 {
		m := intake.ProvisionalMessage(v.Provisional)
		v.Note = &m
	}
	writeJSON(w, http.StatusOK, v)
	return nil
}

// ListView is one page of the register.
type ListView struct {
	Applications []ApplicationView `json:"applications"`
	// NextAfter, when set, is the after= of the next page.
	NextAfter string `json:"next_after,omitempty"`
}

const (
	defaultPage = 100
	maxPage     = 1000
)

// filter reads the register's filters from a query (the API's and the list page's).
func (a *API) filter(q url.Values) (intake.Filter, error) {
	f := intake.Filter{Service: q.Get("service"), Status: intake.Status(q.Get("status")), After: q.Get("after")}
	if f.Service != "" {
		if _, err := a.cat.Service(f.Service); err != nil {
			return f, invalidf("service=%q: %v", f.Service, err)
		}
	}
	if f.Status != "" && !f.Status.Valid() {
		return f, invalidf("status=%q: one of registered, in_progress, issued, refused, rejected, withdrawn", f.Status)
	}
	if y := q.Get("year"); y != "" {
		v, err := strconv.Atoi(y)
		if err != nil || v < 2000 || v > 2200 {
			return f, invalidf("year=%q is not a year", y)
		}
		f.Year = v
	}
	switch q.Get("open") {
	case "", "0", "false":
	case "1", "true":
		f.Open = true
	default:
		return f, invalidf("open=%q: true or false", q.Get("open"))
	}
	switch o := q.Get("overdue"); o {
	case "", "0", "false":
	case "1", "true", "today":
		f.OverdueOn = a.today()
	default:
		d, err := intake.ParseDate(o)
		if err != nil {
			return f, invalidf("overdue=%q: true (today) or a date such as 2026-04-24", o)
		}
		f.OverdueOn = d
	}
	f.Limit = defaultPage
	if l := q.Get("limit"); l != "" {
		v, err := strconv.Atoi(l)
		if err != nil || v < 1 || v > maxPage {
			return f, invalidf("limit=%q: 1 to %d", l, maxPage)
		}
		f.Limit = v
	}
	return f, nil
}

func (a *API) listApplications(w http.ResponseWriter, r *http.Request) error {
	f, err := a.filter(r.URL.Query())
	if err != nil {
		return err
	}
	apps, err := a.desk(r).Repo.Applications(r.Context(), f)
	if err != nil {
		return err
	}
	out := ListView{Applications: make([]ApplicationView, len(apps))}
	for i, app := range apps {
		out.Applications[i] = a.view(r, app)
	}
	if len(apps) == f.Limit {
		out.NextAfter = apps[len(apps)-1].Number
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// SubmitRequest is an application as the desk takes it in. At is when it came in
// (office time or RFC 3339; empty: now); the staff is the token's user.
type SubmitRequest struct {
	Service    string             `json:"service"`
	Channel    string             `json:"channel,omitempty"`
	At         string             `json:"at,omitempty"`
	Applicant  intake.Person      `json:"applicant"`
	Child      intake.Person      `json:"child,omitzero"`
	Grade      int                `json:"grade,omitempty"`
	Territory  bool               `json:"territory,omitempty"`
	Conditions []string           `json:"conditions,omitempty"`
	Documents  []intake.Presented `json:"documents,omitempty"`
	Emergency  string             `json:"emergency,omitempty"`
	Note       string             `json:"note,omitempty"`
	Candidate  *intake.Candidate  `json:"candidate,omitempty"`
	// Decision is the staff's decision on a late or incomplete contest application
	// (§19), asked for by a 422 decision_needed answer.
	Decision *intake.Decision `json:"decision,omitempty"`
}

// Submit registers an application; the answer is the application, accepted with its
// number and due date or rejected on the spot with what is missing: a refusal at
// intake is a result (201), not an error.
func (a *API) Submit(r *http.Request, req SubmitRequest) (*intake.Application, error) {
	if _, err := a.cat.Service(req.Service); err != nil {
		return nil, invalidf("service %q: %v", req.Service, err)
	}
	at, err := a.parseTime(req.At)
	if err != nil {
		return nil, err
	}
	school := chi.URLParam(r, "school")
	if c := req.Candidate; c != nil {
		if c.School != "" && c.School != school {
			return nil, invalidf("candidate.school %q: this desk registers candidates of school %s only", c.School, school)
		}
		c.School = school
	}
	return a.desk(r).Submit(r.Context(), intake.Submission{
		Service: req.Service, Channel: req.Channel, At: at, Staff: a.staff(r),
		Applicant: req.Applicant, Child: req.Child, Grade: req.Grade, Territory: req.Territory,
		Conditions: req.Conditions, Documents: req.Documents, Emergency: req.Emergency, Note: req.Note,
		Candidate: req.Candidate, Decision: req.Decision,
	})
}

func (a *API) submit(w http.ResponseWriter, r *http.Request) error {
	var req SubmitRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	app, err := a.Submit(r, req)
	if err != nil {
		return fieldError(err)
	}
	v := a.view(r, app)
	w.Header().Set("Location", "/api/schools/"+url.PathEscape(chi.URLParam(r, "school"))+"/intake/applications/"+url.PathEscape(app.Number))
	writeJSON(w, http.StatusCreated, v)
	return nil
}

func (a *API) getApplication(w http.ResponseWriter, r *http.Request) error {
	d := a.desk(r)
	number := chi.URLParam(r, "number")
	app, err := d.Repo.Application(r.Context(), number)
	if err != nil {
		return err
	}
	v := a.view(r, app)
	if v.Audit, err = d.Repo.Audit(r.Context(), number); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, v)
	return nil
}

// StatusRequest moves an application on: to in_progress, issued (with the result),
// refused (with a ground from the catalogue and the reasons in words) or withdrawn
// (with the applicant's request in reason).
type StatusRequest struct {
	To     intake.Status `json:"to"`
	Ground string        `json:"ground,omitempty"`
	Reason string        `json:"reason,omitempty"`
	Result string        `json:"result,omitempty"`
}

func (a *API) setStatus(w http.ResponseWriter, r *http.Request) error {
	var req StatusRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	d := a.desk(r)
	app, err := d.SetStatus(r.Context(), chi.URLParam(r, "number"), intake.Change{To: req.To, Staff: a.staff(r),
		Ground: req.Ground, Reason: req.Reason, Result: req.Result, At: a.Now()})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, a.view(r, app))
	return nil
}

// school is the path's school as the store knows it, for its receipts.
func (a *API) school(r *http.Request) (receipt.School, error) {
	sc, err := a.st.School(r.Context(), chi.URLParam(r, "school"))
	if err != nil {
		return receipt.School{}, err
	}
	return receipt.School{Code: sc.Code, NameKK: sc.NameKK, NameRU: sc.NameRU}, nil
}

// langs reads ?lang=kk|ru|both (default both: Kazakh, then Russian).
func langs(r *http.Request) ([]string, error) {
	switch l := r.URL.Query().Get("lang"); l {
	case "", "both":
		return receipt.Languages, nil
	case "kk", "ru":
		return []string{l}, nil
	default:
		return nil, invalidf("lang=%q: kk, ru or both", l)
	}
}

// receipt answers the application's receipt (acceptance, refusal at intake, or
// reasoned refusal) as PDF or text.
func (a *API) receipt(w http.ResponseWriter, r *http.Request) error {
	format := chi.URLParam(r, "format")
	if format != "pdf" && format != "txt" {
		return invalidf("receipt.%s: the receipt comes as receipt.pdf or receipt.txt", format)
	}
	ls, err := langs(r)
	if err != nil {
		return err
	}
	app, err := a.desk(r).Repo.Application(r.Context(), chi.URLParam(r, "number"))
	if err != nil {
		return err
	}
	school, err := a.school(r)
	if err != nil {
		return err
	}
	if format == "txt" {
		txt, err := receipt.Text(a.cat, school, app, ls...)
		if err != nil {
			return err
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Write([]byte(txt))
		return nil
	}
	var buf bytes.Buffer
	if err := receipt.PDF(&buf, a.cat, school, app, ls...); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/pdf")
	attachment(w, app.Number+".pdf")
	w.Write(buf.Bytes())
	return nil
}

// FirstGradeView is the notification order of §9-5, §9-6.
type FirstGradeView struct {
	Year  int                       `json:"year"`
	Order *intake.NotificationOrder `json:"order"`
	Rows  []intake.OrderRow         `json:"rows"`
}

func (a *API) firstGradeOrder(r *http.Request) (FirstGradeView, error) {
	year := a.today().Year
	if y := r.URL.Query().Get("year"); y != "" {
		v, err := strconv.Atoi(y)
		if err != nil || v < 2000 || v > 2200 {
			return FirstGradeView{}, invalidf("year=%q is not a year", y)
		}
		year = v
	}
	rows, order, err := a.desk(r).FirstGradeOrder(r.Context(), year)
	return FirstGradeView{Year: year, Order: order, Rows: nonNil(rows)}, err
}

func (a *API) firstGrade(w http.ResponseWriter, r *http.Request) error {
	v, err := a.firstGradeOrder(r)
	if err != nil {
		return err
	}
	switch r.URL.Query().Get("format") {
	case "", "json":
		writeJSON(w, http.StatusOK, v)
	case "csv":
		var buf bytes.Buffer
		cw := csv.NewWriter(&buf)
		cw.Write([]string{"place", "cycle", "group", "number", "child", "applicant", "registered", "status"})
		for _, row := range v.Rows {
			group := "outside"
			if row.Territory {
				group = "territory"
			}
			cw.Write([]string{strconv.Itoa(row.Place), strconv.Itoa(row.Cycle), group, row.Number, row.Child, row.Applicant,
				row.Registered.In(a.cat.Location()).Format("2006-01-02 15:04"), string(row.Status)})
		}
		cw.Flush()
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		attachment(w, "first-grade-"+strconv.Itoa(v.Year)+".csv")
		w.Write(buf.Bytes())
	default:
		return invalidf("format=%q: json or csv", r.URL.Query().Get("format"))
	}
	return nil
}
