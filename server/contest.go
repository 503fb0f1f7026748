package server

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"tarazy/contest"
	"tarazy/omr/form"
	"tarazy/results"
	"tarazy/scoring"
	"tarazy/store"
)

// The results routes only translate requests into calls of the results engine
// (package results), the one path from stored scans and recorded decisions to every
// published number; the command line runs the same engine over files. Nothing here
// accepts a score, a ranking or a protocol made elsewhere.

// fileErr turns a contest or scoring file error into a 400 that lists the bad lines.
func fileErr(err error) error {
	if err == nil {
		return nil
	}
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return mbe
	}
	return store.Errorf(store.Invalid, "%v", err)
}

func parseSeats(r io.Reader) ([]store.Seats, error) {
	rows, err := contest.ReadSeatsCSV(r, "seats.csv")
	return rows, fileErr(err)
}

// parseCandidates reads candidates.csv with the one reader (contest.ReadCandidatesCSV)
// for one school: a line without a school is of that school, one of another school is
// refused, and every line needs its grade.
func parseCandidates(r io.Reader, school string) ([]store.Candidate, error) {
	regs, err := contest.ReadCandidatesCSV(r, "candidates.csv")
	if err != nil {
		return nil, fileErr(err)
	}
	for i := range regs {
		c := &regs[i]
		switch {
		case c.School == "":
			c.School = school
		case c.School != school:
			return nil, invalidf("candidates.csv line %d: school %s, but this upload is for school %s", c.Line, c.School, school)
		}
		if c.Grade == 0 {
			return nil, invalidf("candidates.csv line %d: the grade is required (column grade)", c.Line)
		}
	}
	return regs, nil
}

// parseKeys checks keys against the forms (length, letters, variants) as scoring does.
func parseKeys(r io.Reader) ([]store.AnswerKey, error) {
	keys, err := scoring.ParseKeys(r, "key.csv", form.ForGrade)
	if err != nil {
		return nil, fileErr(err)
	}
	var out []store.AnswerKey
	for _, k := range keys.All() {
		out = append(out, store.AnswerKey{Grade: k.Grade, Variant: k.Variant, Answers: strings.Join(k.Answers, "")})
	}
	return out, nil
}

// person is the request's user as the results engine sees them.
func person(r *http.Request) results.Person {
	u := UserFrom(r.Context())
	return results.Person{Actor: Actor(r.Context()), Chair: u.Chair}
}

// gradeScope reads {contest}, {school} and {grade}.
func gradeScope(r *http.Request) (contestID, school string, g int, err error) {
	g, err = grade(r)
	return chi.URLParam(r, "contest"), chi.URLParam(r, "school"), g, err
}

// ScoreResponse is what scoring a school grade led to. Conflicts come a page at a
// time (?limit=, ?after=): thousands of them are never one answer.
type ScoreResponse struct {
	Set       *store.ResultSet   `json:"set,omitempty"` // nil when nothing was stored
	Scored    int                `json:"scored"`
	Conflicts []scoring.Conflict `json:"conflicts"`
	// ConflictsTotal and ByKind count every conflict; Next continues the list
	// (GET …/conflicts?after=Next).
	ConflictsTotal int            `json:"conflicts_total"`
	ByKind         map[string]int `json:"conflicts_by_kind"`
	Next           string         `json:"next,omitempty"`
	Rescans        int            `json:"rescans"`
	Policy         contest.Policy `json:"policy"`
	// FlaggedItems are questions whose answers suggest a key error (scoring's item
	// analysis over this school's sheets): check them against the test booklet before
	// the results are published.
	FlaggedItems []scoring.Item `json:"flagged_items"`
}

type scoreRequest struct {
	Policy json.RawMessage `json:"policy"`
}

// policyOf reads a policy sent with scoring: what it does not say is the default (an
// empty tie_breaks list is "none", a missing one the default order); an unknown key is
// an error.
func policyOf(raw json.RawMessage) (*contest.Policy, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	p := contest.DefaultPolicy()
	p.TieBreaks = nil
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		return nil, invalidf("the policy is not valid: %v", err)
	}
	if p.TieBreaks == nil {
		p.TieBreaks = contest.DefaultPolicy().TieBreaks
	}
	if err := p.Validate(); err != nil {
		return nil, invalidf("%v", err)
	}
	return &p, nil
}

func scoreResponse(r *http.Request, out *results.ScoreOutcome) ScoreResponse {
	q := r.URL.Query()
	limit, _ := strconv.Atoi(q.Get("limit"))
	page := results.PageConflicts(out.Scored.Batch.Conflicts, q.Get("after"), limit)
	resp := ScoreResponse{Set: out.Set, Conflicts: page.Conflicts, ConflictsTotal: page.Total, ByKind: page.ByKind, Next: page.Next,
		Rescans: len(out.Scored.Batch.Rescans), Policy: out.Scored.Policy, FlaggedItems: nonNil(out.Scored.Flagged)}
	if out.Set != nil {
		resp.Scored = len(out.Scored.Results)
	}
	return resp
}

// score scores the school's grade with the results engine and stores the scores with
// their policy (given in the body, or the one recorded before, or the default). A
// conflict that blocks stores nothing (409 with the conflicts).
func (s *Server) score(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	contestID, school, g, err := gradeScope(r)
	if err == nil && r.URL.Query().Has("invalid_as") {
		err = invalidf("the policy is recorded when the grade is scored: send it in the body as {\"policy\":{\"invalid_as\":…}}")
	}
	var req scoreRequest
	if err == nil && r.ContentLength != 0 {
		err = decodeJSON(r, &req)
	}
	var policy *contest.Policy
	if err == nil {
		policy, err = policyOf(req.Policy)
	}
	var out *results.ScoreOutcome
	if err == nil {
		out, err = s.results.ScoreGrade(ctx, Actor(ctx), contestID, school, g, policy)
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	status := http.StatusOK
	if out.Set == nil {
		status = http.StatusConflict
	}
	writeJSON(w, status, scoreResponse(r, out))
}

// conflicts pages through what scoring the grade now would report, storing nothing.
func (s *Server) conflicts(w http.ResponseWriter, r *http.Request) {
	contestID, school, g, err := gradeScope(r)
	var p contest.Policy
	if err == nil {
		p, err = s.recordedPolicy(r, contestID, school, g)
	}
	var sc *results.Scored
	if err == nil {
		sc, err = results.Score(r.Context(), s.results.Source(contestID), results.Scope{School: school, Grade: g}, p)
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	limit, _ := strconv.Atoi(r.URL.Query().Get("limit"))
	writeJSON(w, http.StatusOK, results.PageConflicts(sc.Batch.Conflicts, r.URL.Query().Get("after"), limit))
}

func (s *Server) recordedPolicy(r *http.Request, contestID, school string, g int) (contest.Policy, error) {
	rs, _, err := s.store.Scores(r.Context(), contestID, school, g)
	switch {
	case store.ErrorCode(err) == store.NotFound:
		return contest.DefaultPolicy(), nil
	case err != nil:
		return contest.Policy{}, err
	case rs.Policy == nil:
		return contest.DefaultPolicy(), nil
	}
	return *rs.Policy, nil
}

// RankResponse is a computed and stored ranking.
type RankResponse struct {
	Set     store.ResultSet `json:"set"`
	Result  contest.Result  `json:"result"`
	Policy  contest.Policy  `json:"policy"`
	Pending bool            `json:"pending"` // a tie waits for the chair's decision
}

// staleBody is the 409 of a grade with a stale tie decision: the error, and each stale
// decision with why, for the chair to withdraw or replace.
type staleBody struct {
	ErrorBody
	Stale []results.Stale `json:"stale"`
}

func (s *Server) writeResultsError(w http.ResponseWriter, r *http.Request, err error) {
	var se *results.StaleError
	if errors.As(err, &se) && !isPage(r) {
		var b staleBody
		b.Error.Code = string(store.Conflict)
		b.Error.Message = "a recorded tie decision no longer matches a tie of the results; the chair withdraws it (DELETE …/ties/{id}) or replaces it (POST …/ties with replaces) / " +
			"тең нәтиже туралы шешім ескірді; төраға оны қайтарып алады немесе ауыстырады / решение о равенстве устарело; председатель отзывает или заменяет его"
		b.Stale = se.Stale
		writeJSON(w, http.StatusConflict, b)
		return
	}
	s.writeError(w, r, err)
}

// rank ranks the school grade from its stored scores, the policy recorded with them
// and the tie decisions in force, and stores the ranking as a new version.
func (s *Server) rank(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	contestID, school, g, err := gradeScope(r)
	for _, old := range []string{"quota_order", "tie_breaks", "invalid_as", "reserve"} {
		if err == nil && r.URL.Query().Has(old) {
			err = invalidf("%s: the policy is recorded once, when the grade is scored (POST …/score with {\"policy\":…}); ranking reads it", old)
		}
	}
	var ranked *results.Ranked
	var res *contest.Result
	var set store.ResultSet
	if err == nil {
		ranked, res, set, err = s.results.RankGrade(ctx, Actor(ctx), contestID, school, g)
	}
	s.ranks.drop(rankKey{contestID, school, g})
	if err != nil {
		s.writeResultsError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, RankResponse{Set: set, Result: *res, Policy: ranked.Policy, Pending: res.Pending()})
}

// getTies answers the grade's tie board: every recorded decision (in force, stale with
// why, withdrawn) and the ties that wait for the chair; ?format=csv gives the
// decisions in force as decisions.csv, the file `tarazy rank --decisions` reads.
func (s *Server) getTies(w http.ResponseWriter, r *http.Request) {
	contestID, school, g, err := gradeScope(r)
	var board *results.TieBoard
	if err == nil {
		board, err = s.results.Ties(r.Context(), contestID, school, g)
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if !wantsCSV(r) {
		writeJSON(w, http.StatusOK, board)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	cw := csv.NewWriter(w)
	cw.Write(contest.DecisionsHeader)
	for _, d := range board.Decisions {
		if d.Status == results.Withdrawn {
			continue
		}
		cw.Write([]string{d.School, strconv.Itoa(d.Grade), strings.Join(d.Order, " "), d.DecidedBy, d.Reason, d.DecidedAt.In(results.Almaty).Format("2006-01-02")})
	}
	cw.Flush()
}

type tieRequest struct {
	IINs     []string `json:"iins"` // optional: the group, which must be the order's
	Order    []string `json:"order"`
	Reason   string   `json:"reason"`
	Replaces int64    `json:"replaces"`
}

// postTie records the chair's decision on a tie that exists in the current results.
func (s *Server) postTie(w http.ResponseWriter, r *http.Request) {
	contestID, school, g, err := gradeScope(r)
	var req tieRequest
	if err == nil {
		err = decodeJSON(r, &req)
	}
	if err == nil && len(req.IINs) > 0 && strings.Join(sortedCopy(req.IINs), " ") != strings.Join(sortedCopy(req.Order), " ") {
		err = invalidf("the decided order must list exactly the tied candidates (iins), each once")
	}
	var d store.TieDecision
	if err == nil {
		d, err = s.results.DecideTie(r.Context(), person(r), contestID, school, g, req.Order, req.Reason, req.Replaces)
	}
	s.ranks.drop(rankKey{contestID, school, g})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, d)
}

type withdrawRequest struct {
	Reason string `json:"reason"`
}

// withdrawTie withdraws a decision in force (chair only); it stays in the record.
func (s *Server) withdrawTie(w http.ResponseWriter, r *http.Request) {
	contestID, school, g, err := gradeScope(r)
	id, perr := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
	if err == nil && perr != nil {
		err = invalidf("%q is not a decision id", chi.URLParam(r, "id"))
	}
	var req withdrawRequest
	if err == nil {
		err = decodeJSON(r, &req)
	}
	var d store.TieDecision
	if err == nil {
		d, err = s.results.WithdrawTie(r.Context(), person(r), contestID, school, g, id, req.Reason)
	}
	s.ranks.drop(rankKey{contestID, school, g})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, d)
}

// getSitting and putSitting keep what the protocol needs of a school beyond its names
// and commission: the protocol's number, the city and the contest calendar, as
// `tarazy protocol --sitting` reads them (YAML or JSON; unknown keys are errors).
func (s *Server) getSitting(w http.ResponseWriter, r *http.Request) {
	st, err := s.store.Sitting(r.Context(), chi.URLParam(r, "contest"), chi.URLParam(r, "school"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, st)
}

func (s *Server) putSitting(w http.ResponseWriter, r *http.Request) {
	school := chi.URLParam(r, "school")
	sit, err := contest.ParseSittingOf(r.Body, "sitting", school)
	switch {
	case err != nil:
		err = fileErr(err)
	case sit.School != school:
		err = invalidf("the sitting is for school %s; this upload is for school %s", sit.School, school)
	case len(sit.Commission.Members) > 0 || sit.Commission.Chair != "":
		err = invalidf("the commission is kept apart: PUT …/commission; the sitting holds the number, the city and the calendar")
	case sit.SchoolNameKK != "" || sit.SchoolNameRU != "":
		err = invalidf("the school's names come from the list of schools (PUT /api/schools); leave them out of the sitting")
	case len(sit.Amendments) > 0:
		err = invalidf("amendments are opened by the chair (POST …/grades/{grade}/amendments), not uploaded")
	}
	if err == nil {
		err = s.store.PutSitting(r.Context(), Actor(r.Context()), chi.URLParam(r, "contest"), school, *sit)
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, sit)
}

// generateProtocols makes the internal and the public protocol of the school grade in
// every format from the stored computation and stores them as new versions: a preview
// the commission reads before the chair publishes.
func (s *Server) generateProtocols(w http.ResponseWriter, r *http.Request) {
	contestID, school, g, err := gradeScope(r)
	if err == nil && r.ContentLength > 0 {
		err = invalidf("the protocol reads the stored commission and calendar (PUT …/commission, PUT …/sitting); send no body")
	}
	var gen *results.Generated
	if err == nil {
		gen, err = s.results.Generate(r.Context(), Actor(r.Context()), contestID, school, g)
	}
	if err != nil {
		s.writeResultsError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, gen)
}

// publish renders the protocol from the stored computation and publishes it (chair
// only; never a draft; a published grade only through an amendment).
func (s *Server) publish(w http.ResponseWriter, r *http.Request) {
	contestID, school, g, err := gradeScope(r)
	var pub *results.Published
	if err == nil {
		pub, err = s.results.Publish(r.Context(), person(r), contestID, school, g)
	}
	if err != nil {
		s.writeResultsError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, pub)
}

type amendRequest struct {
	Reason string `json:"reason"`
}

// amend opens an amendment of a published grade with its reason (chair only).
func (s *Server) amend(w http.ResponseWriter, r *http.Request) {
	contestID, school, g, err := gradeScope(r)
	var req amendRequest
	if err == nil {
		err = decodeJSON(r, &req)
	}
	var pub store.Publication
	if err == nil {
		pub, err = s.results.Amend(r.Context(), person(r), contestID, school, g, req.Reason)
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, pub)
}

// editions lists a grade's editions: the first publication and every amendment,
// with who opened each and why.
func (s *Server) editions(w http.ResponseWriter, r *http.Request) {
	contestID, school, g, err := gradeScope(r)
	var pubs []store.Publication
	if err == nil {
		pubs, err = s.store.Publications(r.Context(), contestID, school, g)
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, nonNil(pubs))
}

// publicHistory is the amendment history anyone may read next to the published
// protocol: each edition published, when and why, and the results hash it printed.
func (s *Server) publicHistory(w http.ResponseWriter, r *http.Request) {
	contestID, school, g, err := gradeScope(r)
	var pubs []store.Publication
	if err == nil {
		pubs, err = s.store.Publications(r.Context(), contestID, school, g)
	}
	type edition struct {
		Edition       int    `json:"edition"`
		Reason        string `json:"reason,omitempty"`
		PublishedAt   string `json:"published_at"`
		ResultsSHA256 string `json:"results_sha256"`
		PDF           string `json:"pdf"`
	}
	var out []edition
	for _, p := range pubs {
		if p.PublishedAt == nil {
			continue
		}
		out = append(out, edition{Edition: p.Edition, Reason: p.Reason, PublishedAt: p.PublishedAt.In(results.Almaty).Format("2006-01-02 15:04"),
			ResultsSHA256: p.ResultsSHA256, PDF: fmt.Sprintf("protocol.pdf?edition=%d", p.Edition)})
	}
	if err == nil && len(out) == 0 {
		err = store.Errorf(store.NotFound, "no published protocol / жарияланған хаттама жоқ / опубликованного протокола нет")
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "public, max-age=60")
	writeJSON(w, http.StatusOK, out)
}

// verify checks a published protocol against its evidence: every scan read again,
// every review decision replayed, scored, ranked and rendered again (results.Verify).
// It answers the verdict whether or not it passed.
func (s *Server) verify(w http.ResponseWriter, r *http.Request) {
	contestID, school, g, err := gradeScope(r)
	var v *results.Verdict
	if err == nil {
		v, err = s.results.Verify(r.Context(), contestID, school, g)
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, v)
}

func sortedCopy(s []string) []string { return slices.Sorted(slices.Values(s)) }
