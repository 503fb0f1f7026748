package server

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/go-chi/chi/v5"
	"golang.org/x/sync/singleflight"

	"tarazy/store"
)

type rankKey struct {
	contest, school string
	grade           int
}

// cachedRanking is a ranking version encoded once. A ranking version never changes,
// so the cache only has to learn of a newer one. This server's own uploads replace the
// entry at once; a version stored through another server on the same database is
// noticed when the entry, older than Config.RankingFreshness, is checked again in the
// background (one indexed query). Every answer names its version and carries its ETag.
type cachedRanking struct {
	version   int
	etag      string
	json, csv []byte
	checked   time.Time // when the database last confirmed version is current
}

type rankingCache struct {
	mu       sync.RWMutex
	m        map[rankKey]*cachedRanking
	checking sync.Map // rankKey -> struct{}: a re-check is under way

	// Coherence across servers (issue 16): get never returns an entry older than
	// bound without asking version whether it is still current, so a ranking stored
	// through another server shows within bound however long this one was idle.
	bound   time.Duration
	version func(context.Context, rankKey) (int, error)
	confirm singleflight.Group
}

func (c *rankingCache) revalidate(k rankKey, check func()) {
	if _, busy := c.checking.LoadOrStore(k, struct{}{}); busy {
		return
	}
	go func() {
		defer c.checking.Delete(k)
		check()
	}()
}

// get returns the cached ranking of k if the database confirmed it within the bound,
// nil when there is none or a newer version exists (the caller loads it). An entry
// older than the bound is confirmed first: one version query per ranking, however
// many requests wait for it. If the database does not answer, the entry is served.
func (c *rankingCache) get(k rankKey) *cachedRanking {
	c.mu.RLock()
	e := c.m[k]
	c.mu.RUnlock()
	if e == nil || c.version == nil || time.Since(e.checked) < c.bound {
		return e
	}
	v, err, _ := c.confirm.Do(fmt.Sprint(k), func() (any, error) {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		return c.version(ctx, k)
	})
	switch {
	case err != nil:
		return e
	case v.(int) != e.version:
		c.drop(k)
		return nil
	}
	fresh := *e
	fresh.checked = time.Now()
	c.mu.Lock()
	if c.m[k] == e {
		c.m[k] = &fresh
	}
	c.mu.Unlock()
	return &fresh
}

func (c *rankingCache) put(k rankKey, v *cachedRanking) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.m) > 5000 {
		clear(c.m)
	}
	c.m[k] = v
}

func (c *rankingCache) drop(k rankKey) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.m, k)
}

func encodeRanking(contest string, rk store.Ranking) (*cachedRanking, error) {
	j, err := json.Marshal(map[string]any{"contest": contest, "school": rk.School, "grade": rk.Grade, "version": rk.Version,
		"sha256": rk.SHA256, "created_by": rk.CreatedBy, "created_at": rk.CreatedAt, "placements": rk.Placements})
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	cw := csv.NewWriter(&b)
	cw.Write(rankingHeader)
	for _, p := range rk.Placements {
		cw.Write(placementRecord(p))
	}
	cw.Flush()
	return &cachedRanking{version: rk.Version, json: j, csv: b.Bytes(),
		etag: fmt.Sprintf(`"rk-%d-%s"`, rk.Version, rk.SHA256[:16])}, nil
}

func (s *Server) getRanking(w http.ResponseWriter, r *http.Request) {
	g, err := grade(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	k := rankKey{chi.URLParam(r, "contest"), chi.URLParam(r, "school"), g}
	if c := s.ranks.get(k); c != nil {
		if time.Since(c.checked) >= s.cfg.RankingFreshness {
			// Serve what is cached and ask the database in the background, once per
			// ranking however many requests come meanwhile: a burst of re-checks
			// every RankingFreshness would otherwise be the slowest requests.
			s.ranks.revalidate(k, func() { s.refreshRanking(k, c) })
		}
		s.metrics.rankingCache.WithLabelValues("hit").Inc()
		s.writeRanking(w, r, c)
		return
	}
	s.metrics.rankingCache.WithLabelValues("miss").Inc()
	c, err := s.loadRanking(r.Context(), k)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeRanking(w, r, c)
}

// loadRanking reads and encodes the current ranking and caches it.
func (s *Server) loadRanking(ctx context.Context, k rankKey) (*cachedRanking, error) {
	rk, err := s.store.Ranking(ctx, k.contest, k.school, k.grade)
	if err != nil {
		return nil, err
	}
	c, err := encodeRanking(k.contest, rk)
	if err != nil {
		return nil, err
	}
	c.checked = time.Now()
	s.ranks.put(k, c)
	return c, nil
}

// refreshRanking asks the database whether c is still the current version.
func (s *Server) refreshRanking(k rankKey, c *cachedRanking) {
	ctx, cancel := context.WithTimeout(context.Background(), s.cfg.RequestTimeout)
	defer cancel()
	v, err := s.store.RankingVersion(ctx, k.contest, k.school, k.grade)
	switch {
	case err != nil:
		// Keep serving the cached version; the next request tries again.
		s.log.Warn("re-check a cached ranking", "err", err)
	case v == c.version:
		s.ranks.put(k, &cachedRanking{version: c.version, etag: c.etag, json: c.json, csv: c.csv, checked: time.Now()})
	case v == 0:
		s.ranks.drop(k)
	default:
		if _, err := s.loadRanking(ctx, k); err != nil {
			s.ranks.drop(k) // the next request loads it itself
		}
	}
}

func (s *Server) writeRanking(w http.ResponseWriter, r *http.Request, c *cachedRanking) {
	w.Header().Set("ETag", c.etag)
	w.Header().Set("Cache-Control", "private, no-cache")
	w.Header().Set("Vary", "Accept, Authorization")
	if etagMatch(r, c.etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	if wantsCSV(r) {
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		w.Write(c.csv)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Write(c.json)
}

func etagMatch(r *http.Request, etag string) bool {
	for _, t := range strings.Split(r.Header.Get("If-None-Match"), ",") {
		t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
		if t == etag || t == "*" {
			return true
		}
	}
	return false
}

// exportCursor is "school:grade:place", URL-escaped in the query.
func parseCursor(s string) (store.ExportCursor, error) {
	if s == "" {
		return store.ExportCursor{}, nil
	}
	i := strings.LastIndex(s, ":")
	j := strings.LastIndex(s[:max(i, 0)], ":")
	if i < 0 || j < 0 {
		return store.ExportCursor{}, invalidf("after=%q is not a cursor this server gave (school:grade:place)", s)
	}
	g, err1 := strconv.Atoi(s[j+1 : i])
	p, err2 := strconv.Atoi(s[i+1:])
	if err1 != nil || err2 != nil {
		return store.ExportCursor{}, invalidf("after=%q is not a cursor this server gave (school:grade:place)", s)
	}
	return store.ExportCursor{School: s[:j], Grade: g, Place: p}, nil
}

// MaxExportPage bounds one export page: the whole country fits in one.
const MaxExportPage = 200000

// export is the Daryn centre's national results: every school's current ranking, in
// school, grade, place order, in pages (JSON or CSV). The ETag changes whenever any
// school's ranking changes, so a poller re-downloads only then.
func (s *Server) export(w http.ResponseWriter, r *http.Request) {
	contest := chi.URLParam(r, "contest")
	q := r.URL.Query()
	format := q.Get("format")
	if format == "" {
		format = "json"
		if wantsCSV(r) {
			format = "csv"
		}
	}
	if format != "json" && format != "csv" {
		s.writeError(w, r, invalidf("format must be json or csv"))
		return
	}
	limit := 10000
	if l := q.Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > MaxExportPage {
			s.writeError(w, r, invalidf("limit must be 1–%d", MaxExportPage))
			return
		}
		limit = n
	}
	after, err := parseCursor(q.Get("after"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if _, err := s.store.Contest(r.Context(), contest); err != nil {
		s.writeError(w, r, err)
		return
	}
	tag, err := s.store.ExportTag(r.Context(), contest)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	h := sha256.Sum256([]byte(strings.Join([]string{tag, format, q.Get("after"), strconv.Itoa(limit)}, "\x00")))
	etag := `"ex-` + hex.EncodeToString(h[:12]) + `"`
	w.Header().Set("ETag", etag)
	w.Header().Set("Cache-Control", "private, no-cache")
	if etagMatch(r, etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	start := time.Now()
	// One row more than asked tells whether another page follows.
	page, err := s.store.ExportPage(r.Context(), contest, after, limit+1)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	next := ""
	if len(page) > limit {
		page = page[:limit]
		last := page[len(page)-1]
		next = fmt.Sprintf("%s:%d:%d", last.School, last.Grade, last.Place)
		nq := url.Values{"format": {format}, "limit": {strconv.Itoa(limit)}, "after": {next}}
		w.Header().Set("Link", fmt.Sprintf(`<%s?%s>; rel="next"`, r.URL.Path, nq.Encode()))
		w.Header().Set("X-Next-Cursor", next)
	}
	w.Header().Set("X-Rows", strconv.Itoa(len(page)))
	if format == "csv" {
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		cw := csv.NewWriter(w)
		cw.Write(rankingHeader)
		for _, p := range page {
			cw.Write(placementRecord(p))
		}
		cw.Flush()
	} else {
		writeJSON(w, http.StatusOK, map[string]any{"contest": contest, "placements": page, "next": next})
	}
	s.log.Debug("export page", "contest", contest, "rows", len(page), "took", time.Since(start))
}

var protocolTypes = map[string]string{
	"pdf":  "application/pdf",
	"html": "text/html; charset=utf-8",
	"csv":  "text/csv; charset=utf-8",
	"json": "application/json",
}

func protocolFormat(r *http.Request) (string, error) {
	f := chi.URLParam(r, "format")
	if _, ok := protocolTypes[f]; !ok {
		return "", store.Errorf(store.NotFound, "a protocol comes as pdf, html, csv or json, not %q", f)
	}
	return f, nil
}

// listProtocols lists the school grade's protocol files; a publisher sees the public
// ones only.
func (s *Server) listProtocols(w http.ResponseWriter, r *http.Request) {
	g, err := grade(r)
	var ps []store.Protocol
	if err == nil {
		ps, err = s.store.Protocols(r.Context(), chi.URLParam(r, "contest"), chi.URLParam(r, "school"), g)
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := []store.Protocol{}
	for _, p := range ps {
		if p.Visibility == store.VisibilityInternal && !SchoolRead.allows(UserFrom(r.Context()), chi.URLParam(r, "school")) {
			continue
		}
		out = append(out, p)
	}
	writeJSON(w, http.StatusOK, out)
}

// getProtocol downloads the latest (or ?version=N) protocol file.
func (s *Server) getProtocol(vis string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		contest, school := chi.URLParam(r, "contest"), chi.URLParam(r, "school")
		g, err := grade(r)
		var format string
		if err == nil {
			format, err = protocolFormat(r)
		}
		var ps []store.Protocol
		if err == nil {
			ps, err = s.store.Protocols(r.Context(), contest, school, g)
		}
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		want, _ := strconv.Atoi(r.URL.Query().Get("version"))
		for _, p := range ps { // newest first
			if p.Visibility == vis && p.Format == format && (want == 0 || p.Version == want) {
				w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="protocol-%s-%s-grade%d-%s-v%d.%s"`, contest, school, g, vis, p.Version, format))
				s.serveBlob(w, r, p.SHA256, protocolTypes[format], "private, no-cache")
				return
			}
		}
		s.writeError(w, r, store.Errorf(store.NotFound, "no %s %s protocol for school %s grade %d", vis, format, school, g))
	}
}

// publicProtocol serves a published public protocol to anyone: the link a school
// puts on its website (§41).
func (s *Server) publicProtocol(w http.ResponseWriter, r *http.Request) {
	g, err := grade(r)
	var format string
	if err == nil {
		format, err = protocolFormat(r)
	}
	edition := 0
	if v := r.URL.Query().Get("edition"); v != "" && err == nil {
		if edition, err = strconv.Atoi(v); err != nil || edition < 1 {
			err = invalidf("edition=%q is not an edition number (1, 2, …)", v)
		}
	}
	var p store.Protocol
	if err == nil {
		p, err = s.store.PublishedProtocol(r.Context(), chi.URLParam(r, "contest"), chi.URLParam(r, "school"), g, format, edition)
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if format != "html" {
		w.Header().Set("Content-Disposition", fmt.Sprintf(`inline; filename="protocol-%s-grade%d.%s"`, chi.URLParam(r, "school"), g, format))
	}
	s.serveBlob(w, r, p.SHA256, protocolTypes[format], "public, max-age=300")
}
