package server

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"tarazy/omr/reading"
	"tarazy/server/wire"
	"tarazy/store"
	"tarazy/store/blob"
)

// IngestRequest and IngestResponse are the ingest's wire shapes (package wire).
type (
	IngestRequest  = wire.IngestRequest
	IngestResponse = wire.IngestResponse
)

// ingest takes a batch of read pages. As multipart/form-data: one part named "batch"
// (IngestRequest as JSON) and one part named "file" per image or crop, whose file
// name is its SHA-256 (checked) — files the server already has may be left out. The
// files are stored first (content-addressed, so a retry costs nothing), then the
// readings in one transaction: either the whole batch is stored or none of it.
func (s *Server) ingest(w http.ResponseWriter, r *http.Request) error {
	contest, school := chi.URLParam(r, "contest"), chi.URLParam(r, "school")
	req, err := s.readIngest(r)
	if err != nil {
		s.metrics.ingestBatches.WithLabelValues(string(store.ErrorCode(err))).Inc()
		return err
	}
	res, err := s.store.Ingest(r.Context(), Actor(r.Context()), contest, school, req.Batch, req.Sheets)
	if err == nil {
		s.ingested(res)
	}
	if err != nil {
		s.metrics.ingestBatches.WithLabelValues(string(store.ErrorCode(err))).Inc()
		return err
	}
	s.metrics.ingestBatches.WithLabelValues("ok").Inc()
	sum := map[string]int{}
	for i, x := range res {
		if x.Existing {
			sum["existing"]++
			s.metrics.ingestSheets.WithLabelValues("existing").Inc()
			continue
		}
		sum[x.Outcome]++
		s.metrics.ingestSheets.WithLabelValues(x.Outcome).Inc()
		// The label comes from a fixed set, never from what a client sent.
		status := req.Sheets[i].Reading.Status
		if x.Outcome == store.OutcomeRejected || (status != reading.StatusOK && status != reading.StatusReview) {
			status = reading.StatusRejected
		}
		s.metrics.sheetsRead.WithLabelValues(status).Inc()
		if sec := req.Sheets[i].ReadSeconds; sec > 0 {
			s.metrics.readSeconds.Observe(sec)
		}
	}
	writeJSON(w, http.StatusOK, IngestResponse{Results: res, Summary: sum})
	return nil
}

func (s *Server) readIngest(r *http.Request) (_ *IngestRequest, err error) {
	var req *IngestRequest
	var staged []*blob.Staged
	defer func() {
		if err != nil {
			s.blobs.Discard(staged...)
		}
	}()
	mt, params, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch mt {
	case "application/json":
		req = &IngestRequest{}
		if err := decodeJSON(r, req); err != nil {
			return nil, err
		}
	case "multipart/form-data":
		mr := multipart.NewReader(r.Body, params["boundary"])
		for {
			part, err := mr.NextPart()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				var mbe *http.MaxBytesError
				if errors.As(err, &mbe) {
					return nil, err
				}
				return nil, invalidf("the upload is not well-formed multipart data: %v", err)
			}
			switch part.FormName() {
			case "batch":
				if req != nil {
					return nil, invalidf(`the upload has two "batch" parts; send one per request`)
				}
				req = &IngestRequest{}
				dec := json.NewDecoder(part)
				dec.DisallowUnknownFields()
				if err := dec.Decode(req); err != nil {
					var mbe *http.MaxBytesError
					if errors.As(err, &mbe) {
						return nil, err
					}
					return nil, invalidf(`the "batch" part is not valid JSON: %v`, err)
				}
			case "file":
				st, err := s.stageBlob(part, part.FileName())
				if err != nil {
					return nil, err
				}
				staged = append(staged, st)
			default:
				return nil, invalidf(`unknown part %q: an ingest has one "batch" part and "file" parts`, part.FormName())
			}
			part.Close()
		}
		if req == nil {
			return nil, invalidf(`the upload has no "batch" part with the readings`)
		}
	default:
		return nil, invalidf("send the batch as multipart/form-data (readings and images) or application/json (readings only), not %q", r.Header.Get("Content-Type"))
	}
	if len(req.Sheets) == 0 {
		return nil, invalidf("the batch has no sheets")
	}
	if len(req.Sheets) > s.cfg.MaxBatch {
		return nil, invalidf("the batch has %d sheets; send at most %d per request", len(req.Sheets), s.cfg.MaxBatch)
	}
	// A batch may name only files it sends or its school already owns: a hash learnt
	// from elsewhere (another school's crop) is not a capability (issue 12).
	var named []string
	seen := map[string]bool{}
	for _, st := range staged {
		seen[st.Hash] = true
	}
	need := func(h string) {
		if !seen[h] && blob.ValidHash(h) {
			named = append(named, h)
		}
		seen[h] = true
	}
	for _, it := range req.Sheets {
		need(it.Image)
		for _, c := range it.Crops {
			need(c)
		}
	}
	missing, err := s.store.UnownedBlobs(r.Context(), chi.URLParam(r, "contest"), chi.URLParam(r, "school"), named)
	if err != nil {
		return nil, err
	}
	if len(missing) > 0 {
		sort.Strings(missing)
		shown := missing[:min(3, len(missing))]
		return nil, invalidf("%d images or crops named in the batch were not sent and are not this school's (%s…); send them in the same request as \"file\" parts, or PUT them to …/blobs/{sha256} first; nothing was stored",
			len(missing), strings.Join(shown, ", "))
	}
	// The files are durable before the readings that name them are stored.
	if err := s.blobs.Commit(r.Context(), staged...); err != nil {
		return nil, err
	}
	return req, nil
}

// stageBlob receives one uploaded file; a file name that is a SHA-256 is checked.
func (s *Server) stageBlob(r io.Reader, name string) (*blob.Staged, error) {
	name = strings.ToLower(strings.TrimSuffix(name, ".png"))
	want := ""
	if blob.ValidHash(name) {
		want = name
	}
	st, err := s.blobs.Stage(r, s.cfg.MaxUpload, want)
	var mbe *http.MaxBytesError
	switch {
	case err == nil:
		return st, nil
	case errors.As(err, &mbe):
		return nil, err
	case errors.Is(err, blob.ErrMismatch):
		return nil, store.Errorf(store.Invalid, "file %s: %v", name, blob.ErrMismatch)
	case errors.Is(err, blob.ErrTooLarge):
		return nil, store.Errorf(TooLarge, "file %s is larger than %d bytes", name, s.cfg.MaxUpload)
	}
	return nil, fmt.Errorf("store file %s: %w", name, err)
}

func (s *Server) putBlob(w http.ResponseWriter, r *http.Request) error {
	sha := chi.URLParam(r, "sha")
	if !blob.ValidHash(sha) {
		return invalidf("the path must end in the file's SHA-256 (64 lower-case hex digits)")
	}
	had, err := s.blobs.Has(r.Context(), sha)
	var st *blob.Staged
	if err == nil {
		st, err = s.stageBlob(r.Body, sha)
	}
	if err == nil {
		err = s.blobs.Commit(r.Context(), st)
	}
	if err == nil {
		// The school has shown it holds these bytes: its ingests may name them.
		err = s.store.ClaimBlob(r.Context(), Actor(r.Context()), chi.URLParam(r, "contest"), chi.URLParam(r, "school"), sha)
	}
	if err != nil {
		return err
	}
	status := http.StatusCreated
	if had {
		status = http.StatusOK
	}
	writeJSON(w, status, map[string]string{"sha256": sha})
	return nil
}

// getBlob serves a scan image or crop the school owns, decided for this school
// alone: another school naming the same hash neither gains nor takes away access.
func (s *Server) getBlob(w http.ResponseWriter, r *http.Request) error {
	contest, school, sha := chi.URLParam(r, "contest"), chi.URLParam(r, "school"), chi.URLParam(r, "sha")
	unowned, err := s.store.UnownedBlobs(r.Context(), contest, school, []string{sha})
	if err == nil && len(unowned) > 0 {
		err = store.Errorf(store.NotFound, "no image with this hash")
	}
	if err != nil {
		return err
	}
	s.serveBlob(w, r, sha, "", "private, max-age=86400, immutable")
	return nil
}

func (s *Server) serveBlob(w http.ResponseWriter, r *http.Request, sha, contentType, cache string) {
	f, err := s.blobs.Open(r.Context(), sha)
	if errors.Is(err, blob.ErrNotFound) {
		// Recorded in the database yet not in this server's image store: a store that
		// is not the database's, or a lost file. Say so where the operator looks.
		s.log.Error("a recorded file is missing from the image store", "sha256", sha, "images", s.blobs.String(), "path", r.URL.Path)
		err = store.Errorf(store.NotFound, "the file is recorded but missing from the image store; tell the operator")
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	defer f.Close()
	if contentType != "" {
		w.Header().Set("Content-Type", contentType)
	}
	w.Header().Set("ETag", `"`+sha+`"`)
	w.Header().Set("Cache-Control", cache)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	// An uploaded HTML protocol is shown, never run: no script, no requests.
	w.Header().Set("Content-Security-Policy", "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:")
	http.ServeContent(w, r, "", time.Time{}, f)
}
