// Package web is the shell every server-rendered page of tarazy shares: one layout,
// Kazakh and Russian labels, the stylesheet, the small script that sends changes with
// the session cookie's CSRF header, and the login page's template. Pages themselves
// live with the code that owns their data (the review screen in server, the intake
// desk's pages in its own package) and render through a Shell.
package web

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"strings"
	"sync"
)

//go:embed templates
var shellTemplates embed.FS

//go:embed static
var staticFiles embed.FS

// Static serves the stylesheet and scripts under /ui/static/.
func Static() http.Handler {
	sub, _ := fs.Sub(staticFiles, "static")
	return http.StripPrefix("/ui/static/", http.FileServer(http.FS(sub)))
}

// Languages the pages speak; the first is the default.
var Languages = []string{"kk", "ru"}

// LangCookie remembers the reader's choice of language.
const LangCookie = "tarazy_lang"

// Lang picks the page language: ?lang=, then the cookie, then Kazakh.
func Lang(r *http.Request) string {
	for _, v := range []string{r.URL.Query().Get("lang"), cookie(r, LangCookie)} {
		for _, l := range Languages {
			if v == l {
				return l
			}
		}
	}
	return Languages[0]
}

func cookie(r *http.Request, name string) string {
	if c, err := r.Cookie(name); err == nil {
		return c.Value
	}
	return ""
}

// Label is one text in both languages: Kazakh, then Russian.
type Label [2]string

// Shell renders pages in the shared layout.
type Shell struct {
	mu     sync.RWMutex
	base   *template.Template // layout and shared partials; never executed, only cloned
	pages  map[string]string  // page name → template source
	labels map[string]Label
}

// New parses the layout and the shared labels.
func New() (*Shell, error) {
	base, err := template.New("").Funcs(stubFuncs()).ParseFS(shellTemplates, "templates/layout.html")
	if err != nil {
		return nil, fmt.Errorf("web shell templates: %w", err)
	}
	s := &Shell{base: base, pages: map[string]string{}, labels: map[string]Label{}}
	s.AddLabels(shellLabels)
	if err := s.AddPages(shellTemplates, "templates/pages/*.html"); err != nil {
		return nil, err
	}
	return s, nil
}

// AddLabels adds texts; a key added twice with different texts is a programming
// error caught at start-up.
func (s *Shell) AddLabels(l map[string]Label) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for k, v := range l {
		if old, ok := s.labels[k]; ok && old != v {
			panic("web: label " + k + " defined twice")
		}
		s.labels[k] = v
	}
}

// AddPages adds page templates from fsys (each file one page, named by its file name
// without .html, defining {{define "content"}} and optionally {{define "title"}}).
// Templates are checked here, so a broken page fails at start-up, not at a click.
func (s *Shell) AddPages(fsys fs.FS, pattern string) error {
	names, err := fs.Glob(fsys, pattern)
	if err != nil {
		return err
	}
	for _, n := range names {
		src, err := fs.ReadFile(fsys, n)
		if err != nil {
			return err
		}
		name := strings.TrimSuffix(n[strings.LastIndex(n, "/")+1:], ".html")
		if _, err := s.clone(string(src), "kk"); err != nil {
			return fmt.Errorf("page %s: %w", n, err)
		}
		s.mu.Lock()
		s.pages[name] = string(src)
		s.mu.Unlock()
	}
	return nil
}

// Page is what the layout needs besides the page's own data.
type Page struct {
	Name  string // template name given to AddPages
	Title string // label key of the title
	User  string // who is signed in, shown in the header; empty on the login page
	Role  string
	Data  any
	// Nav links in the header: label key → URL.
	Nav []NavLink
}

// NavLink is one header link.
type NavLink struct {
	Label string
	URL   string
}

type view struct {
	Page
	Lang  string
	Langs []string
	Path  string
}

// Render writes a page. The language comes from the request; a ?lang= choice is
// remembered in a cookie.
func (s *Shell) Render(w http.ResponseWriter, r *http.Request, status int, p Page) {
	lang := Lang(r)
	if q := r.URL.Query().Get("lang"); q == lang {
		http.SetCookie(w, &http.Cookie{Name: LangCookie, Value: lang, Path: "/", MaxAge: 365 * 24 * 3600, SameSite: http.SameSiteLaxMode})
	}
	s.mu.RLock()
	src, ok := s.pages[p.Name]
	s.mu.RUnlock()
	if !ok {
		http.Error(w, "page "+p.Name+" is not registered", http.StatusInternalServerError)
		return
	}
	t, err := s.clone(src, lang)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", view{Page: p, Lang: lang, Langs: Languages, Path: r.URL.Path}); err != nil {
		http.Error(w, "render "+p.Name+": "+err.Error(), http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// Message renders a plain page with a title and a message, for errors on pages.
func (s *Shell) Message(w http.ResponseWriter, r *http.Request, status int, title, message string) {
	s.Render(w, r, status, Page{Name: "message", Title: title, Data: message})
}

func (s *Shell) clone(pageSrc, lang string) (*template.Template, error) {
	t, err := s.base.Clone()
	if err != nil {
		return nil, err
	}
	t.Funcs(s.funcs(lang))
	return t.Parse(pageSrc)
}

// T returns a label in a language, or the key itself (visible, so a missing text is
// noticed rather than silently blank).
func (s *Shell) T(lang, key string) string {
	s.mu.RLock()
	l, ok := s.labels[key]
	s.mu.RUnlock()
	if !ok {
		return key
	}
	if lang == "ru" {
		return l[1]
	}
	return l[0]
}

func (s *Shell) funcs(lang string) template.FuncMap {
	return template.FuncMap{
		"t": func(key string, args ...any) string {
			if len(args) == 0 {
				return s.T(lang, key)
			}
			return fmt.Sprintf(s.T(lang, key), args...)
		},
		"both": func(key string) string {
			return s.T("kk", key) + " / " + s.T("ru", key)
		},
		"pct":     func(x float64) string { return fmt.Sprintf("%.0f%%", 100*x) },
		"ms":      func(seconds float64) float64 { return seconds * 1000 },
		"langURL": func(path, l string) string { return path + "?lang=" + l },
	}
}

// stubFuncs lets the shared templates parse before a language is known.
func stubFuncs() template.FuncMap {
	return template.FuncMap{
		"t":       func(key string, args ...any) string { return key },
		"both":    func(key string) string { return key },
		"pct":     func(x float64) string { return "" },
		"ms":      func(seconds float64) float64 { return 0 },
		"langURL": func(path, l string) string { return path },
	}
}
