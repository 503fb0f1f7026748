// Package web is the shell every server-rendered page of tarazy shares: one layout,
// Kazakh and Russian labels, the stylesheet, the small script that sends changes with
// the session cookie's CSRF header, and the login page's template. Pages themselves
// live with the code that owns their data (the review screen in server, the intake
// desk's pages in its own package) and render through a Shell.
package web

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"

	"tarazy/i18n"
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

// Lang picks the page language: ?lang=, then the cookie, then the browser's first
// preference among kk and ru, then Kazakh.
func Lang(r *http.Request) string {
	for _, v := range []string{r.URL.Query().Get("lang"), cookie(r, LangCookie)} {
		for _, l := range Languages {
			if v == l {
				return l
			}
		}
	}
	for _, part := range strings.Split(r.Header.Get("Accept-Language"), ",") {
		tag, _, _ := strings.Cut(part, ";")
		for _, l := range Languages {
			if i18n.Match(tag) == l {
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

// Label is one text in both languages: Kazakh, then Russian. New texts go into the
// catalog files of package i18n instead (DEVELOPERS.md, "Adding a message"); AddLabels
// keeps the labels that still live with their package working.
type Label [2]string

// Shell renders pages in the shared layout.
type Shell struct {
	mu    sync.RWMutex
	base  *template.Template // layout and shared partials; never executed, only cloned
	pages map[string]string  // page name → template source
}

// New parses the layout and the shared labels.
func New() (*Shell, error) {
	base, err := template.New("").Funcs(stubFuncs()).ParseFS(shellTemplates, "templates/layout.html")
	if err != nil {
		return nil, fmt.Errorf("web shell templates: %w", err)
	}
	s := &Shell{base: base, pages: map[string]string{}}
	if err := s.AddPages(shellTemplates, "templates/pages/*.html"); err != nil {
		return nil, err
	}
	return s, nil
}

// AddLabels adds texts to the i18n catalog (Kazakh and Russian; English readers get
// the Russian). A key added twice with different texts is a programming error caught
// at start-up.
func (s *Shell) AddLabels(l map[string]Label) {
	keys := make([]string, 0, len(l))
	for k := range l {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		for i, lang := range Languages {
			if err := i18n.Add(lang, k, l[k][i]); err != nil {
				panic("web: label " + k + " defined twice: " + err.Error())
			}
		}
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

// T returns a message of the i18n catalog in a language, or the key itself (visible,
// so a missing text is noticed rather than silently blank).
func (s *Shell) T(lang, key string, args ...any) string { return i18n.T(lang, key, args...) }

// funcs are the template functions of a language: t (a message, formatted with its
// arguments), numbers, percentages and dates as the language writes them, and times in
// Kazakhstan's zone.
func (s *Shell) funcs(lang string) template.FuncMap {
	p := i18n.For(lang)
	return template.FuncMap{
		"t": func(key string, args ...any) string { return p.T(key, args...) },
		"both": func(key string) string {
			return i18n.T("kk", key) + " / " + i18n.T("ru", key)
		},
		"pct":      p.Percent,
		"num":      p.Number,
		"dec":      p.Decimal,
		"date":     p.Date,
		"longdate": p.LongDate,
		"clock":    p.Time,
		"datetime": p.DateTime,
		"ms":       func(seconds float64) float64 { return seconds * 1000 },
		"langURL":  func(path, l string) string { return path + "?lang=" + l },
		"json":     jsonText,
		"list":     func(s ...string) []string { return s },
	}
}

// jsonText is a value as JSON, for a data- attribute a page's script reads.
func jsonText(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return "null"
	}
	return string(b)
}

// stubFuncs lets the shared templates parse before a language is known.
func stubFuncs() template.FuncMap {
	return template.FuncMap{
		"t":        func(key string, args ...any) string { return key },
		"both":     func(key string) string { return key },
		"pct":      func(x float64) string { return "" },
		"num":      func(n int) string { return "" },
		"dec":      func(x float64, digits int) string { return "" },
		"date":     func(t time.Time) string { return "" },
		"longdate": func(t time.Time) string { return "" },
		"clock":    func(t time.Time) string { return "" },
		"datetime": func(t time.Time) string { return "" },
		"ms":       func(seconds float64) float64 { return 0 },
		"langURL":  func(path, l string) string { return path },
		"json":     jsonText,
		"list":     func(s ...string) []string { return s },
	}
}
