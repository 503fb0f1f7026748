package server

import (
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"tarazy/contest"
	"tarazy/omr/reading"
	"tarazy/review"
	"tarazy/server/wire"
	"tarazy/store"
)

const schoolPath = "/api/contests/{contest}/schools/{school}"
const gradePath = schoolPath + "/grades/{grade}"

// routes is the API. Keep it in step with openapi.json: a test checks that every
// route here is documented there.
func (s *Server) routes() []Route {
	return []Route{
		{Method: "GET", Pattern: "/healthz", Access: Public, Handler: s.healthz},
		{Method: "GET", Pattern: "/readyz", Access: Public, Handler: s.readyz},
		{Method: "GET", Pattern: "/api/openapi.json", Access: Public, Handler: s.openapi},
		{Method: "GET", Pattern: "/api/public/contests/{contest}/schools/{school}/grades/{grade}/protocol.{format}", Access: Public, Handler: s.publicProtocol},

		{Method: "POST", Pattern: "/api/session", Access: Public, Handler: s.Adapt(s.login)},
		{Method: "DELETE", Pattern: "/api/session", Access: Public, Handler: s.logout},
		{Method: "GET", Pattern: "/api/whoami", Access: Identity, Handler: s.whoami},
		{Method: "GET", Pattern: "/api/contests", Access: AnyRole, Handler: s.Adapt(s.listContests)},
		{Method: "POST", Pattern: "/api/contests", Access: NationalWrite, Handler: s.Adapt(s.createContest)},
		{Method: "GET", Pattern: "/api/contests/{contest}", Access: AnyRole, Handler: s.Adapt(s.getContest)},
		{Method: "GET", Pattern: "/api/schools", Access: AnyRole, Handler: s.Adapt(s.listSchools)},
		{Method: "PUT", Pattern: "/api/schools", Access: NationalWrite, Handler: s.Adapt(s.putSchools)},
		{Method: "GET", Pattern: "/api/audit", Access: National, Handler: s.Adapt(s.auditLog)},

		{Method: "GET", Pattern: "/api/contests/{contest}/keys", Access: ContestRead, Handler: s.Adapt(s.getKeys)},
		{Method: "PUT", Pattern: "/api/contests/{contest}/keys", Access: NationalWrite, Handler: s.Adapt(s.putKeys)},
		{Method: "GET", Pattern: "/api/contests/{contest}/seats", Access: National, Handler: s.Adapt(s.getSeats)},
		{Method: "PUT", Pattern: "/api/contests/{contest}/seats", Access: NationalWrite, Handler: s.Adapt(s.putSeats)},
		{Method: "GET", Pattern: "/api/contests/{contest}/export", Access: National, Handler: s.export, Upload: true},

		{Method: "GET", Pattern: schoolPath + "/seats", Access: SchoolRead, Handler: s.Adapt(s.getSeats)},
		{Method: "PUT", Pattern: schoolPath + "/seats", Access: SchoolWrite, Handler: s.Adapt(s.putSeats)},
		{Method: "GET", Pattern: schoolPath + "/commission", Access: SchoolRead, Handler: s.Adapt(s.getCommission)},
		{Method: "PUT", Pattern: schoolPath + "/commission", Access: SchoolWrite, Handler: s.Adapt(s.putCommission)},
		{Method: "GET", Pattern: schoolPath + "/candidates", Access: SchoolRead, Handler: s.Adapt(s.getCandidates)},
		{Method: "PUT", Pattern: schoolPath + "/candidates", Access: SchoolWrite, Handler: s.Adapt(s.putCandidates)},
		{Method: "POST", Pattern: schoolPath + "/ingest", Access: SchoolIngest, Handler: s.Adapt(s.ingest), Upload: true},
		{Method: "PUT", Pattern: schoolPath + "/blobs/{sha}", Access: SchoolIngest, Handler: s.Adapt(s.putBlob), Upload: true},
		{Method: "GET", Pattern: schoolPath + "/blobs/{sha}", Access: SchoolRead, Handler: s.Adapt(s.getBlob)},
		{Method: "GET", Pattern: schoolPath + "/sheets/{serial}", Access: SchoolRead, Handler: s.Adapt(s.getSheet)},
		{Method: "GET", Pattern: schoolPath + "/batches", Access: BatchStatus, Handler: s.Adapt(s.batches)},
		{Method: "GET", Pattern: schoolPath + "/batches/{batch}/rejected", Access: BatchStatus, Handler: s.Adapt(s.rejectedPages)},
		{Method: "PUT", Pattern: schoolPath + "/batches/{batch}/calibration", Access: SchoolIngest, Handler: s.Adapt(s.putBatchCalibration)},
		{Method: "GET", Pattern: schoolPath + "/readings", Access: SchoolRead, Handler: s.Adapt(s.finalReadings), Upload: true},
		{Method: "GET", Pattern: schoolPath + "/review", Access: SchoolWrite, Handler: s.Adapt(s.reviewQueue)},
		{Method: "POST", Pattern: schoolPath + "/review/{serial}/{field}", Access: SchoolWrite, Handler: s.Adapt(s.decide)},
		{Method: "GET", Pattern: schoolPath + "/review/counts", Access: SchoolWrite, Handler: s.reviewCounts},
		{Method: "GET", Pattern: schoolPath + "/review/{serial}/image", Access: SchoolWrite, Handler: s.reviewImage},
		{Method: "GET", Pattern: schoolPath + "/audit", Access: SchoolRead, Handler: s.Adapt(s.auditLog)},

		// Results (package results): computed from the stored scans and recorded
		// decisions, never uploaded.
		{Method: "GET", Pattern: schoolPath + "/sitting", Access: SchoolRead, Handler: s.getSitting},
		{Method: "PUT", Pattern: schoolPath + "/sitting", Access: SchoolWrite, Handler: s.putSitting},
		{Method: "GET", Pattern: gradePath + "/results", Access: SchoolRead, Handler: s.Adapt(s.getScores)},
		{Method: "POST", Pattern: gradePath + "/score", Access: SchoolWrite, Handler: s.score, Upload: true},
		{Method: "GET", Pattern: gradePath + "/conflicts", Access: SchoolRead, Handler: s.conflicts, Upload: true},
		{Method: "POST", Pattern: gradePath + "/rank", Access: SchoolWrite, Handler: s.rank, Upload: true},
		{Method: "GET", Pattern: gradePath + "/ranking", Access: SchoolRead, Handler: s.getRanking},
		{Method: "GET", Pattern: gradePath + "/ties", Access: SchoolRead, Handler: s.getTies},
		{Method: "POST", Pattern: gradePath + "/ties", Access: SchoolWrite, Handler: s.postTie},
		{Method: "DELETE", Pattern: gradePath + "/ties/{id}", Access: SchoolWrite, Handler: s.withdrawTie},
		{Method: "GET", Pattern: gradePath + "/protocols", Access: ProtocolRead, Handler: s.listProtocols},
		{Method: "POST", Pattern: gradePath + "/protocols", Access: SchoolWrite, Handler: s.generateProtocols, Upload: true},
		{Method: "GET", Pattern: gradePath + "/protocols/internal.{format}", Access: SchoolRead, Handler: s.getProtocol(store.VisibilityInternal)},
		{Method: "GET", Pattern: gradePath + "/protocols/public.{format}", Access: ProtocolRead, Handler: s.getProtocol(store.VisibilityPublic)},
		{Method: "POST", Pattern: gradePath + "/publish", Access: SchoolWrite, Handler: s.publish, Upload: true},
		{Method: "GET", Pattern: gradePath + "/amendments", Access: ProtocolRead, Handler: s.editions},
		{Method: "POST", Pattern: gradePath + "/amendments", Access: SchoolWrite, Handler: s.amend},
		{Method: "POST", Pattern: gradePath + "/verify", Access: National, Handler: s.verify, Upload: true},
		{Method: "GET", Pattern: "/api/public/contests/{contest}/schools/{school}/grades/{grade}/history", Access: Public, Handler: s.publicHistory},
	}
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// readyz is ready when the database answers with a schema this build can run on and
// the image store is the database's (national.go): a server behind a load balancer
// takes traffic only then.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) { s.readiness(w, r) }

func (s *Server) openapi(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Write(openAPI)
}

func (s *Server) whoami(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, UserFrom(r.Context()))
}

// grade reads the {grade} path parameter.
func grade(r *http.Request) (int, error) {
	g, err := strconv.Atoi(chi.URLParam(r, "grade"))
	if err != nil || g < 1 || g > 11 {
		return 0, invalidf("grade %q in the path is not a school grade 1–11", chi.URLParam(r, "grade"))
	}
	return g, nil
}

// mediaType is the request's content type without parameters.
func mediaType(r *http.Request) string {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return mt
}

// DecodeJSON reads a JSON body strictly for any area's routes: another content type
// and unknown fields are errors, so a typo in a field name is a 400 and not a silently
// ignored value.
func DecodeJSON(r *http.Request, v any) error { return decodeJSON(r, v) }

func decodeJSON(r *http.Request, v any) error {
	if mt := r.Header.Get("Content-Type"); mt != "" && !strings.HasPrefix(mt, "application/json") {
		return invalidf("send the body as application/json (Content-Type was %q)", mt)
	}
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return err
		}
		if errors.Is(err, io.EOF) {
			return invalidf("the request body is empty; it must be JSON")
		}
		return invalidf("the request body is not valid JSON for this endpoint: %v", err)
	}
	if dec.More() {
		return invalidf("the request body has more than one JSON value")
	}
	return nil
}

// decodeTable reads a CSV or JSON upload by its Content-Type.
func decodeTable[T any](r *http.Request, parseCSV func(io.Reader) ([]T, error)) ([]T, error) {
	switch mediaType(r) {
	case "text/csv":
		return parseCSV(r.Body)
	case "application/json":
		var v []T
		if err := decodeJSON(r, &v); err != nil {
			return nil, err
		}
		return v, nil
	}
	return nil, invalidf("send the file as text/csv or application/json (Content-Type was %q)", r.Header.Get("Content-Type"))
}

// wantsCSV reports whether the client asked for CSV (?format=csv or Accept).
func wantsCSV(r *http.Request) bool {
	if f := r.URL.Query().Get("format"); f != "" {
		return f == "csv"
	}
	return strings.Contains(r.Header.Get("Accept"), "text/csv")
}

func (s *Server) listContests(w http.ResponseWriter, r *http.Request) error {
	cs, err := s.store.ListContests(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, nonNil(cs))
	return nil
}

func (s *Server) createContest(w http.ResponseWriter, r *http.Request) error {
	var c store.Contest
	if err := decodeJSON(r, &c); err != nil {
		return err
	}
	c, err := s.store.CreateContest(r.Context(), Actor(r.Context()), c)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, c)
	return nil
}

func (s *Server) getContest(w http.ResponseWriter, r *http.Request) error {
	c, err := s.store.Contest(r.Context(), chi.URLParam(r, "contest"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, c)
	return nil
}

func (s *Server) listSchools(w http.ResponseWriter, r *http.Request) error {
	list, err := s.store.ListSchools(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, nonNil(list))
	return nil
}

func (s *Server) putSchools(w http.ResponseWriter, r *http.Request) error {
	list, err := decodeTable(r, parseSchools)
	if err == nil {
		err = s.store.PutSchools(r.Context(), Actor(r.Context()), list)
	}
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]int{"schools": len(list)})
	return nil
}

func (s *Server) getKeys(w http.ResponseWriter, r *http.Request) error {
	keys, err := s.store.Keys(r.Context(), chi.URLParam(r, "contest"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, nonNil(keys))
	return nil
}

func (s *Server) putKeys(w http.ResponseWriter, r *http.Request) error {
	keys, err := decodeTable(r, parseKeys)
	if err == nil {
		keys, err = s.store.PutKeys(r.Context(), Actor(r.Context()), chi.URLParam(r, "contest"), keys)
	}
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, keys)
	return nil
}

// getSeats answers the national list, or one school's when the path names a school.
func (s *Server) getSeats(w http.ResponseWriter, r *http.Request) error {
	seats, err := s.store.Seats(r.Context(), chi.URLParam(r, "contest"), chi.URLParam(r, "school"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, nonNil(seats))
	return nil
}

func (s *Server) putSeats(w http.ResponseWriter, r *http.Request) error {
	seats, err := decodeTable(r, parseSeats)
	if err != nil {
		return err
	}
	if school := chi.URLParam(r, "school"); school != "" {
		for i, row := range seats {
			if row.School != school {
				return invalidf("seats row %d is for school %s; this upload is for school %s only", i+1, row.School, school)
			}
		}
	}
	if err := s.store.PutSeats(r.Context(), Actor(r.Context()), chi.URLParam(r, "contest"), seats); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]int{"rows": len(seats)})
	return nil
}

func (s *Server) getCommission(w http.ResponseWriter, r *http.Request) error {
	ms, err := s.store.Commission(r.Context(), chi.URLParam(r, "contest"), chi.URLParam(r, "school"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, ms)
	return nil
}

// putCommission takes the commission as the protocol prints it (contest.Commission):
// {"chair": name, "members": [{"name", "position"}]}.
func (s *Server) putCommission(w http.ResponseWriter, r *http.Request) error {
	var c contest.Commission
	if err := decodeJSON(r, &c); err != nil {
		return err
	}
	if err := s.store.PutCommission(r.Context(), Actor(r.Context()), chi.URLParam(r, "contest"), chi.URLParam(r, "school"), c); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, c)
	return nil
}

func (s *Server) getCandidates(w http.ResponseWriter, r *http.Request) error {
	cs, err := s.store.Candidates(r.Context(), chi.URLParam(r, "contest"), chi.URLParam(r, "school"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, nonNil(cs))
	return nil
}

func (s *Server) putCandidates(w http.ResponseWriter, r *http.Request) error {
	school := chi.URLParam(r, "school")
	cs, err := decodeTable(r, func(rd io.Reader) ([]store.Candidate, error) { return parseCandidates(rd, school) })
	if err != nil {
		return err
	}
	for i := range cs {
		if cs[i].School == "" {
			cs[i].School = school
		}
		if cs[i].School != school {
			return invalidf("candidate %d is for school %s; this upload is for school %s only", i+1, cs[i].School, school)
		}
	}
	if err := s.store.PutCandidates(r.Context(), Actor(r.Context()), chi.URLParam(r, "contest"), cs); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]int{"candidates": len(cs)})
	return nil
}

func (s *Server) getSheet(w http.ResponseWriter, r *http.Request) error {
	contest, school, serial := chi.URLParam(r, "contest"), chi.URLParam(r, "school"), chi.URLParam(r, "serial")
	sh, err := s.store.Sheet(r.Context(), contest, school, serial)
	var vs []store.SheetVersion
	if err == nil {
		vs, err = s.store.SheetVersions(r.Context(), contest, school, serial)
	}
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"sheet": sh, "versions": vs})
	return nil
}

// finalReadings streams the final reading of every sheet of the school as JSON lines,
// the input of `tarazy score --readings`.
func (s *Server) finalReadings(w http.ResponseWriter, r *http.Request) error {
	vs, err := s.store.FinalSheets(r.Context(), chi.URLParam(r, "contest"), chi.URLParam(r, "school"))
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/x-ndjson")
	for _, v := range vs {
		if err := reading.WriteJSONL(w, v.Reading); err != nil {
			return nil
		}
	}
	return nil
}

// reviewItemView and reviewSheetView are the review queue's wire shapes.
type (
	reviewItemView  = wire.ReviewItem
	reviewSheetView = wire.ReviewSheet
)

func (s *Server) itemView(base string, u store.User, it store.ReviewItem) reviewItemView {
	v := reviewItemView{Field: it.Field, Machine: it.Machine, HasMachine: it.HasMachine, Candidates: it.Candidates,
		Confidence: it.Confidence, Reason: it.Reason, Outcome: it.Outcome, Keyings: len(it.Decisions)}
	if it.Crop != "" {
		v.CropURL = base + "/blobs/" + it.Crop
	}
	for _, d := range it.Decisions {
		if d.Reviewer == u.Name {
			val := d.Value
			v.YourValue = &val
		}
	}
	if u.Chair || it.Outcome.State == review.Final {
		v.Decisions = it.Decisions
	}
	return v
}

func (s *Server) reviewQueue(w http.ResponseWriter, r *http.Request) error {
	contest, school := chi.URLParam(r, "contest"), chi.URLParam(r, "school")
	limit, _ := strconv.Atoi(r.URL.Query().Get("limit"))
	q, err := s.store.ReviewQueue(r.Context(), contest, school, r.URL.Query().Get("after"), limit)
	if err != nil {
		return err
	}
	base := "/api/contests/" + contest + "/schools/" + school
	u := UserFrom(r.Context())
	out := make([]reviewSheetView, len(q))
	for i, rs := range q {
		out[i] = reviewSheetView{Serial: rs.Serial, Form: rs.Form, Version: rs.Version, Items: []reviewItemView{}}
		if rs.Image != "" {
			out[i].ImageURL = base + "/blobs/" + rs.Image
		}
		for _, it := range rs.Items {
			out[i].Items = append(out[i].Items, s.itemView(base, u, it))
		}
	}
	writeJSON(w, http.StatusOK, wire.ReviewQueue{Sheets: out})
	return nil
}

func (s *Server) decide(w http.ResponseWriter, r *http.Request) error {
	contest, school := chi.URLParam(r, "contest"), chi.URLParam(r, "school")
	var req wire.DecisionRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	if req.Value == nil {
		return invalidf(`the decision needs "value": the answer letters, one digit, or "" for blank`)
	}
	u := UserFrom(r.Context())
	d := review.Decision{Reviewer: u.Name, Value: strings.ToUpper(strings.TrimSpace(*req.Value)), Chair: req.AsChair}
	switch chi.URLParam(r, "field") {
	case "qr":
		d.Value = strings.ToLower(d.Value)
	case "page":
		d.Value = strings.TrimSpace(*req.Value) // "ok" or "q3=C;…", as written
	}
	res, err := s.store.RecordDecision(r.Context(), Actor(r.Context()), contest, school, chi.URLParam(r, "serial"), chi.URLParam(r, "field"), d, u.Chair)
	if err != nil {
		return err
	}
	base := "/api/contests/" + contest + "/schools/" + school
	writeJSON(w, http.StatusOK, wire.DecisionResponse{Item: s.itemView(base, u, res.Item), SheetVersion: res.SheetVersion})
	return nil
}

func (s *Server) auditLog(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	f := store.AuditFilter{Contest: q.Get("contest"), School: q.Get("school"), Action: q.Get("action")}
	if c := chi.URLParam(r, "contest"); c != "" {
		f.Contest = c
	}
	if sc := chi.URLParam(r, "school"); sc != "" {
		f.School = sc // a school's own log: never another school's
	}
	f.BeforeID, _ = strconv.ParseInt(q.Get("before"), 10, 64)
	f.Limit, _ = strconv.Atoi(q.Get("limit"))
	log, err := s.store.AuditLog(r.Context(), f)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, nonNil(log))
	return nil
}

func (s *Server) getScores(w http.ResponseWriter, r *http.Request) error {
	g, err := grade(r)
	if err != nil {
		return err
	}
	rs, rows, err := s.store.Scores(r.Context(), chi.URLParam(r, "contest"), chi.URLParam(r, "school"), g)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"set": rs, "results": nonNil(rows)})
	return nil
}

func nonNil[T any](v []T) []T {
	if v == nil {
		return []T{}
	}
	return v
}

// batchView adds the dashboard's rate to a batch summary.
type batchView struct {
	store.BatchSummary
	// PagesPerSecond is pages over the time from the first to the last page received.
	PagesPerSecond float64 `json:"pages_per_second"`
}

func (s *Server) batches(w http.ResponseWriter, r *http.Request) error {
	list, err := s.ownBatches(r)
	if err != nil {
		return err
	}
	out := make([]batchView, len(list))
	for i, b := range list {
		out[i].BatchSummary = b
		if d := b.LastAt.Sub(b.FirstAt).Seconds(); d > 0 {
			out[i].PagesPerSecond = float64(b.Pages) / d
		}
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) rejectedPages(w http.ResponseWriter, r *http.Request) error {
	name, err := batchParam(r)
	if err != nil {
		return err
	}
	if UserFrom(r.Context()).Role == store.RoleScanner {
		list, err := s.ownBatches(r)
		if err != nil {
			return err
		}
		if !slices.ContainsFunc(list, func(b store.BatchSummary) bool { return b.Name == name }) {
			return store.Errorf(store.NotFound, "no batch %q of yours", name)
		}
	}
	pages, err := s.store.RejectedPages(r.Context(), chi.URLParam(r, "contest"), chi.URLParam(r, "school"), name)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, nonNil(pages))
	return nil
}

// ownBatches lists the school's batches; a scanner's token sees only the batches it
// started, the commission every batch of its school.
func (s *Server) ownBatches(r *http.Request) ([]store.BatchSummary, error) {
	list, err := s.store.Batches(r.Context(), chi.URLParam(r, "contest"), chi.URLParam(r, "school"))
	if err != nil {
		return nil, err
	}
	if u := UserFrom(r.Context()); u.Role == store.RoleScanner {
		list = slices.DeleteFunc(list, func(b store.BatchSummary) bool { return b.CreatedBy != u.Name })
	}
	return list, nil
}
