package intakeapi

import (
	"embed"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/go-chi/chi/v5"

	"tarazy/intake"
	"tarazy/intake/receipt"
	"tarazy/server"
	"tarazy/server/web"
	"tarazy/store"
)

// The office's pages, server-rendered in the shared shell: the register with its
// filters, the new-application form (the chosen service's checklist comes from the
// catalogue), and the application page with its receipt, status changes and the
// receipt PDF. Every change a page makes is a call to the JSON API from
// static/intake.js (with the shell's CSRF header), so each decision has one
// implementation.

//go:embed templates/*.html
var templates embed.FS

//go:embed static/intake.js
var script []byte

//go:embed static/intake.css
var style []byte

func (a *API) addPages() error {
	sh := a.srv.Shell()
	sh.AddLabels(labels)
	if err := sh.AddPages(templates, "templates/*.html"); err != nil {
		return fmt.Errorf("intake pages: %w", err)
	}
	return nil
}

func (a *API) pageRoutes() []server.Route {
	p := PagePrefix
	office := server.OfficeSchool
	return []server.Route{
		{Method: "GET", Pattern: "/ui/intake", Access: server.AnyRole, Page: true, Handler: a.srv.Adapt(a.homePage)},
		{Method: "GET", Pattern: "/ui/intake/intake.js", Access: server.Public, Handler: static("text/javascript; charset=utf-8", script)},
		{Method: "GET", Pattern: "/ui/intake/intake.css", Access: server.Public, Handler: static("text/css; charset=utf-8", style)},
		{Method: "GET", Pattern: p, Access: office, Page: true, Handler: a.srv.Adapt(a.listPage)},
		{Method: "GET", Pattern: p + "/new", Access: office, Page: true, Handler: a.srv.Adapt(a.newPage)},
		{Method: "GET", Pattern: p + "/applications/{number}", Access: office, Page: true, Handler: a.srv.Adapt(a.applicationPage)},
		{Method: "GET", Pattern: p + "/first-grade", Access: office, Page: true, Handler: a.srv.Adapt(a.firstGradePage)},
	}
}

func static(ctype string, body []byte) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", ctype)
		w.Header().Set("Cache-Control", "no-cache")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Write(body)
	}
}

func pageBase(school string) string { return "/ui/schools/" + url.PathEscape(school) + "/intake" }
func apiBase(school string) string  { return "/api/schools/" + url.PathEscape(school) + "/intake" }

func (a *API) page(r *http.Request, name, title string, data any) web.Page {
	u := server.UserFrom(r.Context())
	p := web.Page{Name: name, Title: title, User: u.Name, Role: u.Role, Data: data,
		Nav: []web.NavLink{{Label: "nav.home", URL: "/ui/"}}}
	if school := chi.URLParam(r, "school"); school != "" {
		base := pageBase(school)
		p.Nav = append(p.Nav, web.NavLink{Label: "intake.nav.list", URL: base}, web.NavLink{Label: "intake.nav.new", URL: base + "/new"},
			web.NavLink{Label: "intake.nav.firstgrade", URL: base + "/first-grade"})
	}
	return p
}

// homePage sends an office user to their school's register; an administrator
// chooses the school.
func (a *API) homePage(w http.ResponseWriter, r *http.Request) error {
	u := server.UserFrom(r.Context())
	switch u.Role {
	case store.RoleOffice:
		http.Redirect(w, r, pageBase(u.School), http.StatusSeeOther)
		return nil
	case store.RoleAdmin:
	default:
		return store.Errorf(store.Forbidden, "the intake desk is the school office's (role office)")
	}
	schools, err := a.schools(r)
	if err != nil {
		return err
	}
	a.srv.Shell().Render(w, r, http.StatusOK, a.page(r, "intake-home", "intake.title", schools))
	return nil
}

type schoolLink struct {
	Code, Name, URL string
}

func (a *API) schools(r *http.Request) ([]schoolLink, error) {
	list, err := a.st.ListSchools(r.Context())
	if err != nil {
		return nil, err
	}
	lang := web.Lang(r)
	out := make([]schoolLink, len(list))
	for i, sc := range list {
		out[i] = schoolLink{Code: sc.Code, Name: intake.Text{KK: sc.NameKK, RU: sc.NameRU}.In(lang), URL: pageBase(sc.Code)}
	}
	return out, nil
}

type option struct {
	Value, Label string
	Selected     bool
}

func (a *API) serviceOptions(lang, selected string) []option {
	var out []option
	for _, s := range a.cat.Services {
		out = append(out, option{Value: s.ID, Label: fmt.Sprintf("%s — %s", s.Code, s.Name(lang)), Selected: s.ID == selected})
	}
	return out
}

func (a *API) statusLabel(sh *web.Shell, lang string, s intake.Status) string {
	return sh.T(lang, "intake.status."+string(s))
}

type listRow struct {
	Number, URL, Service, Status, StatusLabel, Who string
	Registered, Due                                string
	Overdue, Backdated, Provisional                bool
}

type listData struct {
	Services, Statuses []option
	Open, Overdue      bool
	Year               string
	Rows               []listRow
	Next               string
	NewURL             string
	Count              int
}

func (a *API) listPage(w http.ResponseWriter, r *http.Request) error {
	sh, lang, school := a.srv.Shell(), web.Lang(r), chi.URLParam(r, "school")
	q := r.URL.Query()
	f, err := a.filter(q)
	if err != nil {
		return err
	}
	apps, err := a.desk(r).Repo.Applications(r.Context(), f)
	if err != nil {
		return err
	}
	d := listData{Services: a.serviceOptions(lang, f.Service), Open: f.Open, Overdue: !f.OverdueOn.IsZero(), Year: q.Get("year"),
		NewURL: pageBase(school) + "/new", Count: len(apps)}
	d.Statuses = append(d.Statuses, option{Value: "", Label: sh.T(lang, "intake.any")})
	for _, s := range intake.Statuses {
		d.Statuses = append(d.Statuses, option{Value: string(s), Label: a.statusLabel(sh, lang, s), Selected: s == f.Status})
	}
	today := a.today()
	for _, app := range apps {
		svc, _ := a.cat.Service(app.Service)
		name := app.Service
		if svc != nil {
			name = svc.Name(lang)
		}
		who := app.Applicant.Name
		if app.Child.Name != "" {
			who = app.Child.Name + " (" + app.Applicant.Name + ")"
		}
		d.Rows = append(d.Rows, listRow{Number: app.Number, URL: pageBase(school) + "/applications/" + url.PathEscape(app.Number),
			Service: name, Status: string(app.Status), StatusLabel: a.statusLabel(sh, lang, app.Status), Who: who,
			Registered: app.Registered.String(), Due: dueText(app), Overdue: app.OverdueOn(today),
			Backdated: app.Backdated, Provisional: len(app.DueProvisional) > 0})
	}
	if len(apps) == f.Limit {
		next := url.Values{}
		for k, v := range q {
			next[k] = v
		}
		next.Set("after", apps[len(apps)-1].Number)
		d.Next = pageBase(school) + "?" + next.Encode()
	}
	sh.Render(w, r, http.StatusOK, a.page(r, "intake-list", "intake.list.title", d))
	return nil
}

func dueText(app *intake.Application) string {
	switch {
	case !app.DueAt.IsZero():
		return app.DueAt.Format("2006-01-02 15:04")
	case !app.Due.IsZero():
		return app.Due.String()
	}
	return ""
}

type docRow struct {
	ID, Name, When, Group string
	Channels              string // channels the document belongs to, space-separated; empty: all
	Validity              bool   // the catalogue gives it a validity period
}

type serviceForm struct {
	ID, Name, Term, Window, Standard string
	Channels, Conditions             []option
	Documents                        []docRow
	Contest, FirstGrade, Emergency   bool
	NoChecklist                      bool
	Grades                           []int
}

type newData struct {
	API, PageBase, Now string
	Services           []option
	Service            *serviceForm
}

// newPage is the new-application form. Choosing a service reloads the page with its
// checklist (so it works without the script too); submitting is the script's.
func (a *API) newPage(w http.ResponseWriter, r *http.Request) error {
	sh, lang, school := a.srv.Shell(), web.Lang(r), chi.URLParam(r, "school")
	id := r.URL.Query().Get("service")
	d := newData{API: apiBase(school), PageBase: pageBase(school), Services: a.serviceOptions(lang, id),
		Now: a.Now().In(a.cat.Location()).Format("2006-01-02T15:04")}
	if id != "" {
		svc, err := a.cat.Service(id)
		if err != nil {
			return err
		}
		d.Service = a.serviceForm(sh, lang, svc)
	}
	sh.Render(w, r, http.StatusOK, a.page(r, "intake-new", "intake.new.title", d))
	return nil
}

func (a *API) serviceForm(sh *web.Shell, lang string, svc *intake.Service) *serviceForm {
	f := &serviceForm{ID: svc.ID, Name: svc.Name(lang), Standard: svc.Standard, Contest: svc.Contest,
		FirstGrade: svc.Order != nil, NoChecklist: !svc.HasChecklist()}
	switch {
	case svc.Term.Minutes > 0:
		f.Term = fmt.Sprintf("%d %s", svc.Term.Minutes, sh.T(lang, "intake.minutes"))
	case svc.Term.WorkingDays > 0:
		f.Term = fmt.Sprintf("%d %s", svc.Term.WorkingDays, sh.T(lang, "intake.workingdays"))
	default:
		f.Term = sh.T(lang, "intake.noterm")
	}
	if svc.Contest {
		if se, err := a.seasonOf(a.today().Year); err == nil {
			f.Window = fmt.Sprintf("%s – %s (%s, %s)", se.Registration.From, se.Registration.To, se.Registration.Rule, sh.T(lang, "intake.new.season"))
		}
	}
	if w := svc.Window; w != nil {
		f.Window = fmt.Sprintf("%s – %s", w.From, w.To)
		if len(w.Grades) > 0 {
			f.Window += fmt.Sprintf(" (%s %v)", sh.T(lang, "intake.grade"), w.Grades)
		}
		f.Emergency = w.EmergencyTo != (intake.MonthDay{})
	}
	for i, ch := range svc.Channels {
		name := ch
		if n, ok := a.cat.Channel(ch); ok {
			name = n.Name(lang)
		}
		f.Channels = append(f.Channels, option{Value: ch, Label: name, Selected: i == 0})
	}
	conds := map[string]string{}
	for _, c := range svc.Conditions {
		conds[c.ID] = c.Name(lang)
		f.Conditions = append(f.Conditions, option{Value: c.ID, Label: c.Name(lang)})
	}
	for _, doc := range svc.Documents {
		row := docRow{ID: doc.ID, Name: doc.Name(lang), Group: doc.OneOf, Channels: strings.Join(doc.Channels, " "), Validity: doc.ValidityDays > 0}
		var when []string
		for _, c := range doc.When {
			when = append(when, conds[c])
		}
		row.When = strings.Join(when, "; ")
		f.Documents = append(f.Documents, row)
	}
	if svc.Contest {
		f.Grades = []int{5, 6, 7}
	}
	return f
}

type auditRow struct {
	At, Staff, Action, From, To, Detail string
}

type appData struct {
	App                  *intake.Application
	Warnings             []string // in the page's language
	EnteredAt            string   // when the desk recorded it, for a backdated one
	API, PageBase        string
	Service              string
	StatusLabel          string
	Overdue, Just        bool
	Receipt              string
	PDF                  []option // language → URL
	Next                 []option
	Grounds              []option
	Audit                []auditRow
	Missing, Expired     []string
	Grounds0             []string // the refusal's grounds, named
	Due                  string
	CandidateContest     string
	WithdrawnOn, Refusal string
}

func (a *API) applicationPage(w http.ResponseWriter, r *http.Request) error {
	sh, lang, school := a.srv.Shell(), web.Lang(r), chi.URLParam(r, "school")
	d := a.desk(r)
	number := chi.URLParam(r, "number")
	app, err := d.Repo.Application(r.Context(), number)
	if err != nil {
		return err
	}
	svc, err := a.cat.Service(app.Service)
	if err != nil {
		return err
	}
	audit, err := d.Repo.Audit(r.Context(), number)
	if err != nil {
		return err
	}
	issuer, err := a.school(r)
	if err != nil {
		return err
	}
	txt, err := receipt.Text(a.cat, issuer, app, lang)
	if err != nil {
		return err
	}
	api := apiBase(school) + "/applications/" + url.PathEscape(app.Number)
	v := appData{App: app, API: api, PageBase: pageBase(school), Service: svc.Name(lang), StatusLabel: a.statusLabel(sh, lang, app.Status),
		Overdue: app.OverdueOn(a.today()), Just: r.URL.Query().Get("new") == "1", Receipt: txt, Due: dueText(app)}
	for _, m := range app.Warnings {
		v.Warnings = append(v.Warnings, m.In(lang))
	}
	if app.Backdated {
		v.EnteredAt = app.EnteredAt.In(a.cat.Location()).Format("2006-01-02 15:04")
	}
	for _, l := range []string{"kk", "ru", "both"} {
		v.PDF = append(v.PDF, option{Value: api + "/receipt.pdf?lang=" + l, Label: sh.T(lang, "intake.pdf."+l)})
	}
	for _, s := range app.Status.Next() {
		v.Next = append(v.Next, option{Value: string(s), Label: a.statusLabel(sh, lang, s)})
	}
	for _, g := range svc.RefusalGrounds {
		v.Grounds = append(v.Grounds, option{Value: g.ID, Label: g.Name(lang)})
	}
	for _, g := range a.cat.LawGrounds {
		v.Grounds = append(v.Grounds, option{Value: g.ID, Label: g.Name(lang)})
	}
	if ref := app.Refusal; ref != nil {
		v.Missing = svc.DocumentNames(ref.Missing, lang)
		v.Expired = svc.DocumentNames(ref.Expired, lang)
		for _, g := range ref.Grounds {
			n, ok := a.cat.Ground(svc, g)
			if !ok {
				n = a.cat.IntakeGround(g)
			}
			v.Grounds0 = append(v.Grounds0, n.Name(lang))
		}
	}
	if app.Candidate != nil {
		v.CandidateContest = app.Candidate.Contest
	}
	loc := a.cat.Location()
	for _, e := range audit {
		v.Audit = append(v.Audit, auditRow{At: e.At.In(loc).Format("2006-01-02 15:04"), Staff: e.Staff, Action: e.Action,
			From: e.From, To: e.To, Detail: e.Detail})
	}
	sh.Render(w, r, http.StatusOK, a.page(r, "intake-application", "intake.app.title", v))
	return nil
}

type orderData struct {
	Year        int
	Territory   int
	Outside     int
	Source      string
	Rows        []intake.OrderRow
	CSV, School string
}

func (a *API) firstGradePage(w http.ResponseWriter, r *http.Request) error {
	v, err := a.firstGradeOrder(r)
	if err != nil {
		return err
	}
	school := chi.URLParam(r, "school")
	d := orderData{Year: v.Year, Rows: v.Rows, School: school,
		CSV: fmt.Sprintf("%s/first-grade?year=%d&format=csv", apiBase(school), v.Year)}
	if v.Order != nil {
		d.Territory, d.Outside, d.Source = v.Order.Territory, v.Order.Outside, v.Order.Source
	}
	a.srv.Shell().Render(w, r, http.StatusOK, a.page(r, "intake-firstgrade", "intake.firstgrade.title", d))
	return nil
}
