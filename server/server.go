// Package server is tarazy's HTTP API: ingest from scanner workers, the review queue,
// uploads of candidates, seats and keys, rankings per school and grade, the national
// export for the Daryn centre, protocol downloads, health and Prometheus metrics.
// It speaks JSON (and CSV where the contest's files are CSV), answers every error as
// {"error":{"code":…,"message":…}}, and is documented in openapi.json.
package server

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"runtime/debug"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"tarazy/results"
	"tarazy/server/web"
	"tarazy/store"
)

//go:embed openapi.json
var openAPI []byte

// Config holds every setting of the server; cmd/tarazy fills it from flags and the
// environment and prints it at start-up.
type Config struct {
	Addr              string        // listen address
	MaxUpload         int64         // bytes in one ingest, image or protocol request
	MaxBody           int64         // bytes in one JSON or CSV request
	MaxBatch          int           // pages in one ingest request
	RequestTimeout    time.Duration // handler deadline for ordinary requests
	UploadTimeout     time.Duration // handler deadline for ingest, uploads and the export
	ReadHeaderTimeout time.Duration
	ReadTimeout       time.Duration
	WriteTimeout      time.Duration
	IdleTimeout       time.Duration
	ShutdownTimeout   time.Duration // time in-flight requests get to finish on shutdown
	TokenCacheTTL     time.Duration // how long a token look-up is reused (revocation delay)
	// RankingFreshness bounds how old a cached ranking may be when served: an entry
	// older than this is confirmed with the database first, so a version stored
	// through another server shows within it, idle or not.
	RankingFreshness time.Duration
	// DrainPeriod is how long a server told to stop keeps answering, with /readyz
	// saying 503, so that a load balancer moves traffic away first (national.go).
	DrainPeriod time.Duration
	// AccessLog writes one log line per request.
	AccessLog bool
}

// Defaults are the settings `tarazy serve` starts with.
func Defaults() Config {
	return Config{
		Addr:              "127.0.0.1:8080",
		MaxUpload:         256 << 20,
		MaxBody:           16 << 20,
		MaxBatch:          2000,
		RequestTimeout:    30 * time.Second,
		UploadTimeout:     5 * time.Minute,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       10 * time.Minute,
		WriteTimeout:      10 * time.Minute,
		IdleTimeout:       2 * time.Minute,
		ShutdownTimeout:   30 * time.Second,
		TokenCacheTTL:     10 * time.Second,
		RankingFreshness:  time.Second,
		DrainPeriod:       5 * time.Second,
		AccessLog:         true,
	}
}

// Route is one endpoint. Other areas (the review screen, the intake desk) add theirs
// with Server.Handle before Serve; every route must be documented in openapi.json
// (a test checks).
type Route struct {
	Method  string
	Pattern string
	Access  Access
	Handler http.HandlerFunc
	// Upload marks routes that take large bodies or stream long answers: they get
	// UploadTimeout and MaxUpload instead of RequestTimeout and MaxBody.
	Upload bool
	// Page marks a browser page under /ui/: a missing or expired session redirects to
	// the login page, and other errors render as a page instead of JSON.
	Page bool
}

// Server serves the API over a store and an image store.
type Server struct {
	store   store.Store
	blobs   ImageStore
	cfg     Config
	log     *slog.Logger
	metrics *Metrics
	router  chi.Router
	tokens  *tokenCache
	ranks   *rankingCache
	// results is the results engine the results routes call.
	results *results.Service
	web     *web.Shell
	// homeLinks are other areas' entries on the home page.
	homeLinks []HomeLink
	// layout places fields on a form's sheet for the review screen (SetSheetLayout).
	layout SheetLayout
	nat    national
}

// New builds a server. reg receives the metrics; gather is what /metrics serves (the
// same registry, owned by main).
func New(st store.Store, blobs ImageStore, cfg Config, log *slog.Logger, reg prometheus.Registerer, gather prometheus.Gatherer) (*Server, error) {
	if log == nil {
		log = slog.Default()
	}
	m, err := NewMetrics(reg, st.OpenReviewFields)
	if err != nil {
		return nil, fmt.Errorf("metrics: %w", err)
	}
	shell, err := newShell()
	if err != nil {
		return nil, err
	}
	s := &Server{store: st, blobs: blobs, cfg: cfg, log: log, metrics: m, web: shell,
		tokens: &tokenCache{ttl: cfg.TokenCacheTTL, m: map[string]cachedToken{}},
		ranks:  &rankingCache{m: map[rankKey]*cachedRanking{}}}
	if err := s.setupNational(reg); err != nil {
		return nil, err
	}
	s.results = &results.Service{Store: st, Blobs: blobs}
	r := chi.NewRouter()
	r.Use(s.recoverer, s.accessLog, s.instrument, s.gate)
	r.NotFound(func(w http.ResponseWriter, r *http.Request) {
		s.writeError(w, r, store.Errorf(store.NotFound, "no such endpoint: %s %s (see /api/openapi.json)", r.Method, r.URL.Path))
	})
	r.MethodNotAllowed(func(w http.ResponseWriter, r *http.Request) {
		s.writeError(w, r, store.Errorf(MethodNotAllowed, "%s is not allowed on %s (see /api/openapi.json)", r.Method, r.URL.Path))
	})
	r.Method(http.MethodGet, "/metrics", promhttp.HandlerFor(gather, promhttp.HandlerOpts{Registry: reg}))
	s.router = r
	for _, rt := range s.routes() {
		s.Handle(rt)
	}
	for _, rt := range s.pages() {
		s.Handle(rt)
	}
	r.Method(http.MethodGet, "/ui/static/*", web.Static())
	r.Method(http.MethodGet, "/", http.RedirectHandler("/ui/", http.StatusSeeOther))
	return s, nil
}

// UseReader lets the server verify published protocols by reading their scans again
// (POST …/verify). cmd/tarazy wires the omr reader in, so the server's own packages
// never import OpenCV; without it verification answers that this server cannot.
func (s *Server) UseReader(r results.Reader) { s.results.Reader = r }

// Shell is the page shell, for other areas' pages (the intake desk) to add their
// templates and labels and render through.
func (s *Server) Shell() *web.Shell { return s.web }

// Handle adds a route.
func (s *Server) Handle(rt Route) {
	timeout, limit := s.cfg.RequestTimeout, s.cfg.MaxBody
	if rt.Upload {
		timeout, limit = s.cfg.UploadTimeout, s.cfg.MaxUpload
	}
	h := s.authorize(rt.Access, rt.Handler)
	page := rt.Page
	s.router.Method(rt.Method, rt.Pattern, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), timeout)
		defer cancel()
		if page {
			ctx = context.WithValue(ctx, pageKey, true)
		}
		if r.Body != nil {
			r.Body = http.MaxBytesReader(w, r.Body, limit)
		}
		h(w, r.WithContext(ctx))
	}))
}

// Router exposes the router (to walk its routes in tests).
func (s *Server) Router() chi.Router { return s.router }

// Serve answers on ln until ctx is cancelled, then stops taking new requests and
// gives those in flight ShutdownTimeout to finish.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	hs := &http.Server{
		Handler:           s.router,
		ReadHeaderTimeout: s.cfg.ReadHeaderTimeout,
		ReadTimeout:       s.cfg.ReadTimeout,
		WriteTimeout:      s.cfg.WriteTimeout,
		IdleTimeout:       s.cfg.IdleTimeout,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	s.drain(context.Background())
	s.log.Info("shutting down: finishing requests in flight", "grace", s.cfg.ShutdownTimeout)
	sctx, cancel := context.WithTimeout(context.Background(), s.cfg.ShutdownTimeout)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil {
		hs.Close()
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// instrument counts requests by route pattern (never by raw path: the label set
// stays bounded) and times them.
func (s *Server) instrument(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		route := "unmatched"
		if rc := chi.RouteContext(r.Context()); rc != nil && rc.RoutePattern() != "" {
			route = rc.RoutePattern()
		}
		if sw.status == 0 {
			sw.status = http.StatusOK
		}
		s.metrics.httpRequests.WithLabelValues(route, r.Method, strconv.Itoa(sw.status)).Inc()
		s.metrics.httpDuration.WithLabelValues(route, r.Method).Observe(time.Since(start).Seconds())
	})
}

func (s *Server) recoverer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.log.Error("panic", "method", r.Method, "path", r.URL.Path, "panic", v, "stack", string(debug.Stack()))
				s.writeError(w, r, fmt.Errorf("panic: %v", v))
			}
		}()
		next.ServeHTTP(w, r)
	})
}
