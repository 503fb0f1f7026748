package server

import (
	"embed"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"tarazy/calibration"
	"tarazy/omr/form"
	"tarazy/review"
	"tarazy/server/web"
	"tarazy/store"
)

// The browser pages of the commission (issue 5): the review screen and the batch
// dashboard, under /ui/. They read the store directly but go through the same access
// rules as the API, and every change they make is a call to the API from the page's
// script, so there is one implementation of each decision.

//go:embed templates/*.html
var pageTemplates embed.FS

const pageKey ctxKey = 1

func isPage(r *http.Request) bool {
	v, _ := r.Context().Value(pageKey).(bool)
	return v
}

func newShell() (*web.Shell, error) {
	sh, err := web.New()
	if err != nil {
		return nil, err
	}
	sh.AddLabels(pageLabels)
	if err := sh.AddPages(pageTemplates, "templates/*.html"); err != nil {
		return nil, fmt.Errorf("server pages: %w", err)
	}
	return sh, nil
}

// pageError renders an error on a page: a missing or dead session goes to the login
// page, anything else is a page saying what is wrong.
func (s *Server) pageError(w http.ResponseWriter, r *http.Request, code store.Code, status int, err error) {
	if code == store.Unauthorized {
		http.Redirect(w, r, "/ui/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
		return
	}
	title := "error.title"
	switch code {
	case store.Forbidden:
		title = "error.forbidden"
	case store.NotFound:
		title = "error.notfound"
	case store.Unavailable:
		title = "error.unavailable"
	}
	msg := store.ErrorMessage(err)
	if se, ok := err.(*store.Error); ok && (code == TooLarge || code == MethodNotAllowed) {
		msg = se.Message
	}
	s.web.Message(w, r, status, title, msg)
}

func (s *Server) pages() []Route {
	ui := "/ui/contests/{contest}/schools/{school}"
	return []Route{
		{Method: "GET", Pattern: "/ui/login", Access: Public, Page: true, Handler: s.loginPage},
		{Method: "POST", Pattern: "/ui/login", Access: Public, Page: true, Handler: s.loginSubmit},
		{Method: "GET", Pattern: "/ui/", Access: AnyRole, Page: true, Handler: s.homePage},
		{Method: "GET", Pattern: ui + "/review", Access: SchoolWrite, Page: true, Handler: s.reviewPage},
		{Method: "GET", Pattern: ui + "/batches", Access: SchoolRead, Page: true, Handler: s.batchesPage},
	}
}

func (s *Server) page(r *http.Request, name, title string, data any) web.Page {
	u := UserFrom(r.Context())
	p := web.Page{Name: name, Title: title, User: u.Name, Role: u.Role, Data: data}
	if u.Name != "" {
		p.Nav = []web.NavLink{{Label: "nav.home", URL: "/ui/"}}
	}
	return p
}

type loginData struct {
	Next   string
	Failed string
}

// safeNext keeps a post-login redirect on this site's pages.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/ui/") || strings.HasPrefix(next, "/ui//") {
		return "/ui/"
	}
	return next
}

func (s *Server) loginPage(w http.ResponseWriter, r *http.Request) {
	s.web.Render(w, r, http.StatusOK, web.Page{Name: "login", Title: "login.title", Data: loginData{Next: safeNext(r.URL.Query().Get("next"))}})
}

// loginSubmit is the login form's plain POST, so that signing in needs no script.
func (s *Server) loginSubmit(w http.ResponseWriter, r *http.Request) {
	next := safeNext(r.PostFormValue("next"))
	if _, err := s.startSession(w, r, r.PostFormValue("token")); err != nil {
		if store.ErrorCode(err) != store.Unauthorized {
			s.writeError(w, r, err)
			return
		}
		s.web.Render(w, r, http.StatusUnauthorized, web.Page{Name: "login", Title: "login.title",
			Data: loginData{Next: next, Failed: store.ErrorMessage(err)}})
		return
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
}

// HomeLink is a link another area puts on the home page (the intake desk's), shown to
// the roles listed.
type HomeLink struct {
	Label string // label key
	URL   string
	Roles []string
}

// AddHomeLink puts a link on the home page; an area calls it when it registers its
// pages, so the page never links to something this server does not serve.
func (s *Server) AddHomeLink(l HomeLink) { s.homeLinks = append(s.homeLinks, l) }

type homeData struct {
	Links []HomeLink
	Rows  []homeLink
}

type homeLink struct {
	Contest store.Contest
	School  store.School
	Review  bool // the user may review there
}

func (s *Server) homePage(w http.ResponseWriter, r *http.Request) {
	u := UserFrom(r.Context())
	contests, err := s.store.ListContests(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	schools, err := s.store.ListSchools(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var links []homeLink
	for _, c := range contests {
		for _, sc := range schools {
			if store.ScopedRole(u.Role) && sc.Code != u.School {
				continue
			}
			if !SchoolRead.allows(u, sc.Code) {
				continue
			}
			links = append(links, homeLink{Contest: c, School: sc, Review: SchoolWrite.allows(u, sc.Code)})
		}
	}
	var extra []HomeLink
	for _, l := range s.homeLinks {
		if slices.Contains(l.Roles, u.Role) {
			extra = append(extra, l)
		}
	}
	s.web.Render(w, r, http.StatusOK, s.page(r, "home", "home.title", homeData{Links: extra, Rows: links}))
}

// reviewField is one field under review as the page shows it.
type reviewField struct {
	reviewItemView
	Kind    string   // q, iin, variant, qr
	Keys    []string // the values a reviewer can key, in order
	Current string   // the value the page starts from: yours, else the machine's
	Label   string   // human name of the field, e.g. "question 3"
	Settled bool
}

type reviewSheetPage struct {
	Serial   string
	Form     string
	Version  int
	ImageURL string
	Fields   []reviewField
}

type reviewPageData struct {
	Contest, School string
	API             string
	Chair           bool
	Sheets          []reviewSheetPage
	Open            int
	More            string // serial to continue after, when the page is full
}

// reviewPageSize bounds one page of the queue: a reviewer works through it, then
// loads the next.
const reviewPageSize = 25

func (s *Server) reviewPage(w http.ResponseWriter, r *http.Request) {
	contest, school := chi.URLParam(r, "contest"), chi.URLParam(r, "school")
	q, err := s.store.ReviewQueue(r.Context(), contest, school, r.URL.Query().Get("after"), reviewPageSize+1)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	u := UserFrom(r.Context())
	base := "/api/contests/" + contest + "/schools/" + school
	d := reviewPageData{Contest: contest, School: school, API: base, Chair: u.Chair}
	if len(q) > reviewPageSize {
		d.More = q[reviewPageSize-1].Serial
		q = q[:reviewPageSize]
	}
	for _, rs := range q {
		sp := reviewSheetPage{Serial: rs.Serial, Form: rs.Form, Version: rs.Version}
		if rs.Image != "" {
			sp.ImageURL = base + "/blobs/" + rs.Image
		}
		f, _ := form.Get(rs.Form)
		for _, it := range rs.Items {
			v := s.itemView(base, u, it)
			rf := reviewField{reviewItemView: v, Current: v.Machine, Settled: v.Outcome.State == review.Final}
			if v.YourValue != nil {
				rf.Current = *v.YourValue
			}
			rf.Kind, rf.Keys, rf.Label = fieldKeys(it.Field, f)
			if !rf.Settled {
				d.Open++
			}
			sp.Fields = append(sp.Fields, rf)
		}
		d.Sheets = append(d.Sheets, sp)
	}
	s.web.Render(w, r, http.StatusOK, s.page(r, "review", "review.title", d))
}

// fieldKeys tells the page which keys a field takes: option letters for a question
// (several for a multi-mark), digits for an IIN digit, variant numbers for the variant.
func fieldKeys(field string, f *form.Form) (kind string, keys []string, label string) {
	kind, n, err := review.ParseField(field)
	if err != nil {
		return "other", nil, field
	}
	switch kind {
	case "q":
		keys = []string{"A", "B", "C", "D", "E"}
		if f != nil {
			keys = f.Options
		}
		return kind, keys, "q" + strconv.Itoa(n)
	case "iin":
		return kind, strings.Split("0123456789", ""), "iin" + strconv.Itoa(n)
	case "variant":
		variants := 4
		if f != nil {
			variants = f.Variants
		}
		for i := 1; i <= variants; i++ {
			keys = append(keys, strconv.Itoa(i))
		}
		return kind, keys, "variant"
	}
	return kind, nil, field
}

type batchRow struct {
	store.BatchSummary
	PagesPerSecond float64
	Rejected       []store.RejectedPage
	Profile        *calibration.Profile
	Histogram      template.HTML
}

type batchesPageData struct {
	Contest, School string
	Batches         []batchRow
	OpenReview      int
	ReviewURL       string
}

func (s *Server) batchesPage(w http.ResponseWriter, r *http.Request) {
	contest, school := chi.URLParam(r, "contest"), chi.URLParam(r, "school")
	list, err := s.store.Batches(r.Context(), contest, school)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	d := batchesPageData{Contest: contest, School: school, ReviewURL: "/ui/contests/" + contest + "/schools/" + school + "/review"}
	for _, b := range list {
		row := batchRow{BatchSummary: b}
		if b.Calibration != nil {
			row.Profile = &b.Calibration.Profile
			row.Histogram = histogramSVG(*b.Calibration)
		}
		if secs := b.LastAt.Sub(b.FirstAt).Seconds(); secs > 0 {
			row.PagesPerSecond = float64(b.Pages) / secs
		}
		if b.Outcomes[store.OutcomeRejected] > 0 {
			row.Rejected, err = s.store.RejectedPages(r.Context(), contest, school, b.Name)
			if err != nil {
				s.writeError(w, r, err)
				return
			}
		}
		d.Batches = append(d.Batches, row)
	}
	for after := ""; ; {
		q, err := s.store.ReviewQueue(r.Context(), contest, school, after, 500)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		for _, rs := range q {
			for _, it := range rs.Items {
				if it.Outcome.State != review.Final {
					d.OpenReview++
				}
			}
		}
		if len(q) < 500 {
			break
		}
		after = q[len(q)-1].Serial
	}
	sort.SliceStable(d.Batches, func(i, j int) bool { return d.Batches[i].CreatedAt.After(d.Batches[j].CreatedAt) })
	s.web.Render(w, r, http.StatusOK, s.page(r, "batches", "batches.title", d))
}
