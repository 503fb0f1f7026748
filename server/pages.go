package server

import (
	"embed"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"

	"github.com/go-chi/chi/v5"

	"tarazy/calibration"
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
