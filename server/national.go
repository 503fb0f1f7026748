package server

// The national deployment's operations (issue 16): several servers on one database and
// one image store, upgraded one at a time. Readiness says whether this server may take
// traffic; a gate answers "not ready" instead of failing requests on a schema it cannot
// run on; SIGTERM drains before it closes; access logs; pool metrics; statistics kept
// fresh after large ingests.

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/prometheus/client_golang/prometheus"

	"tarazy/server/web"
	"tarazy/store"
	"tarazy/store/blob"
)

// ImageStore keeps scan images, crops and protocol files by their SHA-256: the
// directory store (blob.Store, the embedded default) or an S3 bucket (blob.S3, the
// national deployment). Errors wrap blob.ErrNotFound, blob.ErrMismatch,
// blob.ErrTooLarge, blob.ErrNoSpace and blob.ErrUnavailable.
type ImageStore interface {
	// ID is the store's identity (made on first use); the database records the one
	// its images live in. It fails when the store cannot be reached.
	ID(ctx context.Context) (string, error)
	Has(ctx context.Context, sha string) (bool, error)
	Put(ctx context.Context, r io.Reader, max int64) (sha string, size int64, err error)
	// Stage receives a file (checked against want unless empty); Commit makes staged
	// files durable and visible; Discard drops them.
	Stage(r io.Reader, max int64, want string) (*blob.Staged, error)
	Commit(ctx context.Context, staged ...*blob.Staged) error
	Discard(staged ...*blob.Staged)
	Open(ctx context.Context, sha string) (io.ReadSeekCloser, error)
	// String names the store for logs, without secrets.
	String() string
}

// national is the state of this server's operations.
type national struct {
	draining atomic.Bool
	probed   atomic.Bool // a load balancer has asked /readyz

	mu      sync.Mutex
	checked time.Time
	why     error // nil: this server may serve

	ready prometheus.Gauge

	analyzeMu    sync.Mutex
	sinceAnalyze int
	lastAnalyze  time.Time
}

// nationalLabels are the texts a person reads when a server is not ready.
var nationalLabels = map[string]web.Label{
	"national.notready.title": {"Сервер әлі дайын емес", "Сервер ещё не готов"},
	"national.notready.body": {"Бұл сервер қазір сұрауларды қабылдамайды: дерекқор немесе сурет қоймасы оның нұсқасына сай емес не қолжетімсіз. Ештеңе өзгертілген жоқ. Бір минуттан кейін қайталаңыз; қате қайталанса, әкімшіге хабарлаңыз.",
		"Этот сервер сейчас не принимает запросы: база данных или хранилище изображений не соответствует его версии или недоступно. Ничего не изменено. Повторите через минуту; если ошибка повторится, сообщите администратору."},
	"national.draining.body": {"Сервер жаңартуға тоқтатылып жатыр. Бетті жаңартыңыз: сұрау басқа серверге жіберіледі.",
		"Сервер останавливается для обновления. Обновите страницу: запрос будет направлен на другой сервер."},
}

// setupNational wires the operations into a new server (called once from New).
func (s *Server) setupNational(reg prometheus.Registerer) error {
	s.web.AddLabels(nationalLabels)
	s.ranks.bound = s.cfg.RankingFreshness
	s.ranks.version = func(ctx context.Context, k rankKey) (int, error) {
		return s.store.RankingVersion(ctx, k.contest, k.school, k.grade)
	}
	s.nat.ready = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "tarazy_server_ready",
		Help: "1 when the last readiness check passed (database schema this build can run on, the database's image store reachable), else 0.",
	})
	if err := reg.Register(s.nat.ready); err != nil {
		return err
	}
	if ps, ok := s.store.(interface{ PoolStats() store.PoolStats }); ok {
		if err := registerPoolMetrics(reg, ps.PoolStats); err != nil {
			return err
		}
	}
	return nil
}

func registerPoolMetrics(reg prometheus.Registerer, stats func() store.PoolStats) error {
	gauge := func(name, help string, v func(store.PoolStats) float64) prometheus.Collector {
		return prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: name, Help: help}, func() float64 { return v(stats()) })
	}
	counter := func(name, help string, v func(store.PoolStats) float64) prometheus.Collector {
		return prometheus.NewCounterFunc(prometheus.CounterOpts{Name: name, Help: help}, func() float64 { return v(stats()) })
	}
	for _, c := range []prometheus.Collector{
		gauge("tarazy_db_pool_max_connections", "The database connection pool's bound (pool_max_conns in the PostgreSQL URL).",
			func(p store.PoolStats) float64 { return float64(p.MaxConns) }),
		gauge("tarazy_db_pool_open_connections", "Database connections open now, busy or idle.",
			func(p store.PoolStats) float64 { return float64(p.OpenConns) }),
		gauge("tarazy_db_pool_in_use_connections", "Database connections handed out to requests now.",
			func(p store.PoolStats) float64 { return float64(p.InUse) }),
		gauge("tarazy_db_pool_idle_connections", "Database connections open and idle now.",
			func(p store.PoolStats) float64 { return float64(p.Idle) }),
		counter("tarazy_db_pool_waits_total", "Requests that had to wait for a free database connection.",
			func(p store.PoolStats) float64 { return float64(p.WaitCount) }),
		counter("tarazy_db_pool_wait_seconds_total", "Time requests spent waiting for a free database connection.",
			func(p store.PoolStats) float64 { return p.WaitSeconds }),
	} {
		if err := reg.Register(c); err != nil {
			return err
		}
	}
	return nil
}

// CheckReady reports whether this server may take traffic: it is not draining, the
// database answers with a schema this build can run on, and the image store answers
// with the identity the database records for its images (recorded by the first server
// to ask). The error is Unavailable and says what to do.
func (s *Server) CheckReady(ctx context.Context) error {
	if s.nat.draining.Load() {
		return store.Errorf(store.Unavailable, "this server is shutting down")
	}
	err := s.checkServable(ctx)
	s.nat.mu.Lock()
	s.nat.checked, s.nat.why = time.Now(), err
	s.nat.mu.Unlock()
	if err != nil {
		s.nat.ready.Set(0)
	} else {
		s.nat.ready.Set(1)
	}
	return err
}

func (s *Server) checkServable(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := s.store.Ping(ctx); err != nil {
		return err
	}
	sc, err := s.store.Schema(ctx)
	if err != nil {
		return err
	}
	if err := sc.Servable(); err != nil {
		return err
	}
	id, err := s.blobs.ID(ctx)
	if err != nil {
		return &store.Error{Code: store.Unavailable, Message: "the image store (" + s.blobs.String() + ") cannot be reached", Err: err}
	}
	bound, err := s.store.BindImageStore(ctx, id)
	if err != nil {
		return err
	}
	if bound != id {
		return store.Errorf(store.Unavailable, "this server's image store (%s, identity %s) is not the one this database's images live in (identity %s); start it with the same --images as the other servers",
			s.blobs.String(), id, bound)
	}
	return nil
}

// readiness answers /readyz.
func (s *Server) readiness(w http.ResponseWriter, r *http.Request) {
	s.nat.probed.Store(true)
	if err := s.CheckReady(r.Context()); err != nil {
		s.writeError(w, r, err)
		return
	}
	sc, _ := s.store.Schema(r.Context())
	body := map[string]any{"status": "ready", "database": s.store.Backend(), "migrations": sc.Applied, "images": s.blobs.String()}
	if len(sc.Newer) > 0 {
		var newer []string
		for _, m := range sc.Newer {
			newer = append(newer, m.Name)
		}
		body["newer_compatible_migrations"] = newer
	}
	writeJSON(w, http.StatusOK, body)
}

// servable is the last readiness verdict, checked again when older than a few
// seconds (one second while it is bad, so a fixed database is noticed at once).
func (s *Server) servable(ctx context.Context) error {
	s.nat.mu.Lock()
	age, why := time.Since(s.nat.checked), s.nat.why
	s.nat.mu.Unlock()
	ttl := 10 * time.Second
	if why != nil {
		ttl = time.Second
	}
	if age < ttl {
		return why
	}
	return s.CheckReady(ctx)
}

// gateExempt are the paths that answer whatever the state: probes, metrics, the API
// description and the pages' static files.
func gateExempt(path string) bool {
	return path == "/healthz" || path == "/readyz" || path == "/metrics" || path == "/api/openapi.json" ||
		strings.HasPrefix(path, "/ui/static/")
}

// gate answers 503 "not ready" while this server cannot run on the database's schema
// or image store (started with --no-migrate on an empty database, a newer release's
// incompatible migration, another image store): an honest "not now" instead of 500s
// from missing tables or 404s from missing images. A database that does not answer
// at all is left to each request, which says so itself.
func (s *Server) gate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if gateExempt(r.URL.Path) {
			next.ServeHTTP(w, r)
			return
		}
		err := s.servable(r.Context())
		if err == nil || s.nat.draining.Load() || isConnectionFailure(err) {
			next.ServeHTTP(w, r)
			return
		}
		s.log.Warn("not ready: refusing a request", "method", r.Method, "path", r.URL.Path, "why", err)
		if strings.HasPrefix(r.URL.Path, "/ui/") {
			w.Header().Set("Retry-After", "30")
			s.web.Message(w, r, http.StatusServiceUnavailable, "national.notready.title", s.web.T(web.Lang(r), "national.notready.body"))
			return
		}
		s.writeError(w, r, err)
	})
}

// isConnectionFailure tells a database or image store that does not answer (each
// request reports it itself) from one that answers with something this build cannot
// serve.
func isConnectionFailure(err error) bool {
	var se *store.Error
	return errors.Is(err, blob.ErrUnavailable) || errors.As(err, &se) && se.Message == "" && se.Code == store.Unavailable
}

// drain runs when the server is told to stop: readiness turns false at once, and the
// server goes on answering for DrainPeriod so that a load balancer polling /readyz
// moves traffic away before connections are refused. Without a probe so far there is
// nobody to tell, and it returns at once.
func (s *Server) drain(ctx context.Context) {
	s.nat.draining.Store(true)
	s.nat.ready.Set(0)
	if !s.nat.probed.Load() || s.cfg.DrainPeriod <= 0 {
		return
	}
	s.log.Info("draining: /readyz answers 503, requests are still served", "for", s.cfg.DrainPeriod)
	select {
	case <-time.After(s.cfg.DrainPeriod):
	case <-ctx.Done():
	}
}

// accessLog writes one line per request: what was asked, how it ended, how long it
// took and how much was sent. Route patterns name the handler; the path itself is
// kept, its query is not (it may carry a cursor or a token in a careless client).
func (s *Server) accessLog(next http.Handler) http.Handler {
	if !s.cfg.AccessLog {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		cw := &countingWriter{ResponseWriter: w}
		next.ServeHTTP(cw, r)
		route := ""
		if rc := chi.RouteContext(r.Context()); rc != nil {
			route = rc.RoutePattern()
		}
		if cw.status == 0 {
			cw.status = http.StatusOK
		}
		s.log.LogAttrs(r.Context(), slog.LevelInfo, "http",
			slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.String("route", route),
			slog.Int("status", cw.status), slog.Int64("bytes", cw.n),
			slog.Float64("ms", float64(time.Since(start).Microseconds())/1000), slog.String("remote", r.RemoteAddr))
	})
}

type countingWriter struct {
	http.ResponseWriter
	status int
	n      int64
}

func (w *countingWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *countingWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.n += int64(n)
	return n, err
}

func (w *countingWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// analyzeAfter is how many newly stored pages make this server refresh the planner's
// statistics of the ingest tables, at most every analyzeEvery: without it a database
// whose autovacuum lags (or is off) plans ingest against a table it thinks is empty,
// and ingest slows threefold (issue 16).
const (
	analyzeAfter = 20000
	analyzeEvery = 5 * time.Minute
)

// ingested counts a batch's new pages and refreshes statistics when enough arrived.
func (s *Server) ingested(res []store.IngestResult) {
	an, ok := s.store.(interface{ Analyze(context.Context) error })
	if !ok {
		return
	}
	n := 0
	for _, r := range res {
		if !r.Existing {
			n++
		}
	}
	s.nat.analyzeMu.Lock()
	s.nat.sinceAnalyze += n
	due := s.nat.sinceAnalyze >= analyzeAfter && time.Since(s.nat.lastAnalyze) >= analyzeEvery
	if due {
		s.nat.sinceAnalyze, s.nat.lastAnalyze = 0, time.Now()
	}
	s.nat.analyzeMu.Unlock()
	if !due {
		return
	}
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
		defer cancel()
		start := time.Now()
		if err := an.Analyze(ctx); err != nil {
			s.log.Warn("refresh the planner's statistics after a large ingest", "err", err)
			return
		}
		s.log.Info("refreshed the planner's statistics after a large ingest", "took", time.Since(start))
	}()
}
