package server

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"tarazy/contest"
	"tarazy/omr/form"
	"tarazy/omr/reading"
	"tarazy/scoring"
	"tarazy/store"
)

// The contest's files (seats.csv, results.csv, ranking.csv, key.csv) are read by the
// contest and scoring packages that define them (issue 3), so an upload is checked
// exactly as `tarazy rank` and `tarazy score` check it: every bad line is named.

// noBOM drops the byte-order mark a spreadsheet puts before the header.
func noBOM(r io.Reader) io.Reader {
	br := bufio.NewReader(r)
	if b, err := br.Peek(3); err == nil && bytes.Equal(b, []byte{0xEF, 0xBB, 0xBF}) {
		br.Discard(3)
	}
	return br
}

// fileErr turns a contest or scoring file error into a 400 that lists the bad lines.
func fileErr(err error) error {
	if err == nil {
		return nil
	}
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return err
	}
	return store.Errorf(store.Invalid, "%v", err)
}

func parseSeats(r io.Reader) ([]store.Seats, error) {
	rows, err := contest.ReadSeatsCSV(noBOM(r), "seats.csv")
	if err != nil {
		return nil, fileErr(err)
	}
	out := make([]store.Seats, len(rows))
	for i, s := range rows {
		out[i] = store.Seats{School: s.School, Grade: s.Grade, Seats: s.Seats, Quota: s.Quota}
	}
	return out, nil
}

func parseScores(r io.Reader) ([]store.Score, error) {
	rows, err := contest.ReadResultsCSV(noBOM(r), "results.csv")
	if err != nil {
		return nil, fileErr(err)
	}
	out := make([]store.Score, len(rows))
	for i, c := range rows {
		out[i] = store.Score{School: c.School, Grade: c.Grade, IIN: c.IIN, Name: c.Name, Score: c.Score, Math: c.Math,
			Reading: c.Reading, History: c.History, Olympiad: c.Olympiad, MynBala: c.MynBala}
	}
	return out, nil
}

func parseRanking(r io.Reader) ([]store.Placement, error) {
	rows, err := contest.ReadRankingCSV(noBOM(r), "ranking.csv")
	if err != nil {
		return nil, fileErr(err)
	}
	return placements(rows), nil
}

func placements(rows []contest.Row) []store.Placement {
	out := make([]store.Placement, len(rows))
	for i, p := range rows {
		out[i] = store.Placement{School: p.School, Grade: p.Grade, Place: p.Place, IIN: p.IIN, Name: p.Name, Score: p.Score, Outcome: string(p.Outcome)}
	}
	return out
}

// parseKeys checks keys against the forms (length, letters, variants) as scoring does.
func parseKeys(r io.Reader) ([]store.AnswerKey, error) {
	keys, err := scoring.ParseKeys(noBOM(r), "key.csv", form.ForGrade)
	if err != nil {
		return nil, fileErr(err)
	}
	var out []store.AnswerKey
	for _, k := range keys.All() {
		out = append(out, store.AnswerKey{Grade: k.Grade, Variant: k.Variant, Answers: strings.Join(k.Answers, "")})
	}
	return out, nil
}

// scoringKeys rebuilds the stored keys for scoring.
func scoringKeys(stored []store.AnswerKey) (*scoring.Keys, error) {
	list := make([]*scoring.Key, len(stored))
	for i, k := range stored {
		list[i] = &scoring.Key{Grade: k.Grade, Variant: k.Variant, Answers: strings.Split(k.Answers, "")}
	}
	return scoring.NewKeys(list...)
}

// ScoreResponse is what scoring a school grade led to.
type ScoreResponse struct {
	Set       *store.ResultSet   `json:"set,omitempty"` // nil when nothing was stored
	Scored    int                `json:"scored"`
	Conflicts []scoring.Conflict `json:"conflicts"`
	Rescans   int                `json:"rescans"`
	Policy    scoring.Policy     `json:"policy"`
	// FlaggedItems are questions whose answers suggest a key error (scoring's item
	// analysis over this school's sheets): check them against the test booklet before
	// the results are published.
	FlaggedItems []scoring.Item `json:"flagged_items"`
}

// score scores the school's final readings of one grade with the stored keys and
// candidates (scoring.ScoreAll) and stores the scores as a new version. A conflict that
// blocks (a sheet still under review, two sheets for one IIN, an unregistered IIN…)
// stores nothing: a ranking without that candidate would be silently wrong. The
// answer lists the conflicts for the commission.
func (s *Server) score(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	contestID, school := chi.URLParam(r, "contest"), chi.URLParam(r, "school")
	g, err := grade(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	p := scoring.DefaultPolicy()
	if v := r.URL.Query().Get("invalid_as"); v != "" {
		if p.InvalidAs, err = scoring.ParseInvalidAs(v); err != nil {
			s.writeError(w, r, invalidf("%v", err))
			return
		}
	}
	stored, err := s.store.Keys(ctx, contestID)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	keys, err := scoringKeys(stored)
	if err != nil {
		s.writeError(w, r, store.Errorf(store.Conflict, "the stored answer keys are not usable: %v", err))
		return
	}
	regs, err := s.store.Candidates(ctx, contestID, school)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var cands []scoring.Candidate
	var base []contest.Registration
	for _, c := range regs {
		if c.Grade != g {
			continue
		}
		cands = append(cands, scoring.Candidate{IIN: c.IIN, Grade: c.Grade, School: c.School, Name: c.Name})
		base = append(base, contest.Registration{School: c.School, Grade: c.Grade, IIN: c.IIN, Name: c.Name, Olympiad: c.Olympiad, MynBala: c.MynBala})
	}
	if len(cands) == 0 {
		s.writeError(w, r, store.Errorf(store.NotFound, "no candidates are registered at school %s for grade %d; upload them first", school, g))
		return
	}
	// Every sheet of the school counts, final or not: a sheet still under review must
	// block scoring, not vanish from it.
	readings, err := s.schoolReadings(r, contestID, school, g)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	b := scoring.ScoreAll(readings, keys, cands, p)
	resp := ScoreResponse{Conflicts: nonNil(b.Conflicts), Rescans: len(b.Rescans), Policy: p, FlaggedItems: []scoring.Item{}}
	if b.HasBlocking() {
		writeJSON(w, http.StatusConflict, resp)
		return
	}
	rows := contest.JoinResults(base, b.Results)
	scores := make([]store.Score, len(rows))
	for i, c := range rows {
		scores[i] = store.Score{School: c.School, Grade: c.Grade, IIN: c.IIN, Name: c.Name, Score: c.Score, Math: c.Math,
			Reading: c.Reading, History: c.History, Olympiad: c.Olympiad, MynBala: c.MynBala}
	}
	rs, err := s.store.PutScores(ctx, Actor(ctx), contestID, school, g, scores)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	resp.Set, resp.Scored = &rs, len(scores)
	resp.FlaggedItems = nonNil(scoring.Flagged(scoring.AnalyzeItems(b.Results, keys, p, scoring.DefaultItemOptions())))
	writeJSON(w, http.StatusOK, resp)
}

// schoolReadings returns the current reading of every sheet of the school whose form
// is the grade's: final ones as they are, the others as they stand (scoring reports
// them as not final).
func (s *Server) schoolReadings(r *http.Request, contestID, school string, g int) ([]reading.Reading, error) {
	f, err := form.ForGrade(g)
	if err != nil {
		return nil, invalidf("%v", err)
	}
	final, err := s.store.FinalSheets(r.Context(), contestID, school)
	if err != nil {
		return nil, err
	}
	var out []reading.Reading
	for _, v := range final {
		if v.Reading.Form == f.ID {
			out = append(out, v.Reading)
		}
	}
	after := ""
	for {
		q, err := s.store.ReviewQueue(r.Context(), contestID, school, after, 500)
		if err != nil {
			return nil, err
		}
		if len(q) == 0 {
			return out, nil
		}
		for _, rs := range q {
			if rs.Form != f.ID {
				continue
			}
			sh, err := s.store.Sheet(r.Context(), contestID, rs.Serial)
			if err != nil {
				return nil, err
			}
			out = append(out, sh.Reading)
		}
		after = q[len(q)-1].Serial
	}
}

// RankResponse is a computed and stored ranking.
type RankResponse struct {
	Set     store.ResultSet `json:"set"`
	Result  contest.Result  `json:"result"`
	Policy  contest.Policy  `json:"policy"`
	Pending bool            `json:"pending"` // a tie waits for the commission's decision
}

// rankPolicy reads the ranking policy from the query (defaults otherwise).
func rankPolicy(r *http.Request) (contest.Policy, error) {
	p := contest.DefaultPolicy()
	q := r.URL.Query()
	if v := q.Get("quota_order"); v != "" {
		p.QuotaOrder = contest.QuotaOrder(v)
	}
	if q.Has("tie_breaks") {
		p.TieBreaks = contest.ParseTieBreaks(q.Get("tie_breaks"))
	}
	if v := q.Get("invalid_as"); v != "" {
		p.InvalidAs = scoring.InvalidAs(v)
	}
	if err := p.Validate(); err != nil {
		return p, invalidf("%v", err)
	}
	return p, nil
}

// computeRanking ranks one school grade from its stored seats, current scores and
// recorded tie decisions with contest.Rank. It returns the candidates it ranked, for
// the protocol's results hash.
func (s *Server) computeRanking(ctx context.Context, contestID, school string, g int, p contest.Policy) (*contest.Ranking, *contest.Result, []contest.Candidate, error) {
	seats, err := s.store.Seats(ctx, contestID, school)
	if err != nil {
		return nil, nil, nil, err
	}
	var cs []contest.Seats
	for _, st := range seats {
		if st.Grade == g {
			cs = append(cs, contest.Seats{School: st.School, Grade: st.Grade, Seats: st.Seats, Quota: st.Quota})
		}
	}
	if len(cs) == 0 {
		return nil, nil, nil, store.Errorf(store.NotFound, "no seats are set for school %s grade %d; upload seats first", school, g)
	}
	_, scores, err := s.store.Scores(ctx, contestID, school, g)
	if err != nil {
		return nil, nil, nil, err
	}
	cands := make([]contest.Candidate, len(scores))
	for i, c := range scores {
		cands[i] = contest.Candidate{School: c.School, Grade: c.Grade, IIN: c.IIN, Name: c.Name, Score: c.Score, Math: c.Math,
			Reading: c.Reading, History: c.History, Olympiad: c.Olympiad, MynBala: c.MynBala}
	}
	ties, err := s.store.TieDecisions(ctx, contestID, school, g)
	if err != nil {
		return nil, nil, nil, err
	}
	// The latest decision on a group of candidates stands; earlier ones stay in the
	// store and the audit log.
	latest := map[string]store.TieDecision{}
	for _, d := range ties {
		latest[strings.Join(sortedCopy(d.IINs), " ")] = d
	}
	var decisions []contest.Decision
	for _, d := range ties {
		if latest[strings.Join(sortedCopy(d.IINs), " ")].ID != d.ID {
			continue
		}
		decisions = append(decisions, contest.Decision{School: d.School, Grade: d.Grade, Order: d.Order, DecidedBy: d.DecidedBy,
			Reason: d.Reason, DecidedOn: d.DecidedAt.In(almaty).Format(time.DateOnly)})
	}
	rk, err := contest.Rank(cs, cands, p, decisions)
	if err != nil {
		if errors.Is(err, contest.ErrInput) {
			return nil, nil, nil, store.Errorf(store.Conflict, "%v", err)
		}
		return nil, nil, nil, err
	}
	res, ok := rk.Find(school, g)
	if !ok {
		return nil, nil, nil, fmt.Errorf("contest.Rank returned no result for %s grade %d", school, g)
	}
	return rk, res, cands, nil
}

// rank ranks the school grade (computeRanking) and stores the ranking as a new version.
func (s *Server) rank(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	contestID, school := chi.URLParam(r, "contest"), chi.URLParam(r, "school")
	g, err := grade(r)
	var p contest.Policy
	if err == nil {
		p, err = rankPolicy(r)
	}
	var rk *contest.Ranking
	var res *contest.Result
	if err == nil {
		rk, res, _, err = s.computeRanking(ctx, contestID, school, g, p)
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	set, err := s.store.PutRanking(ctx, Actor(ctx), contestID, school, g, placements(res.Rows))
	s.ranks.drop(rankKey{contestID, school, g})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, RankResponse{Set: set, Result: *res, Policy: rk.Policy, Pending: res.Pending()})
}

// GenerateResponse lists the protocol files made from the current ranking.
type GenerateResponse struct {
	Protocols    []store.Protocol `json:"protocols"`
	Final        bool             `json:"final"`         // can be signed and published
	DraftReasons []string         `json:"draft_reasons"` // why not, when not
	ResultsSHA   string           `json:"results_sha256"`
}

// generateProtocols builds the internal and the public protocol (contest.BuildProtocol)
// of the school grade in every format and stores them as new versions. The body is the
// school's sitting file (YAML, as `tarazy protocol --sitting` reads it); the ranking
// is computed again with the same policy and must be the one stored, so a protocol
// never disagrees with the ranking the API serves.
func (s *Server) generateProtocols(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	contestID, school := chi.URLParam(r, "contest"), chi.URLParam(r, "school")
	g, err := grade(r)
	var p contest.Policy
	if err == nil {
		p, err = rankPolicy(r)
	}
	var sit *contest.Sitting
	if err == nil {
		sit, err = contest.ParseSitting(r.Body, "sitting.yaml")
		if err != nil {
			err = fileErr(err)
		}
	}
	var rk *contest.Ranking
	var res *contest.Result
	var cands []contest.Candidate
	if err == nil {
		rk, res, cands, err = s.computeRanking(ctx, contestID, school, g, p)
	}
	var stored store.Ranking
	if err == nil {
		stored, err = s.store.Ranking(ctx, contestID, school, g)
	}
	if err == nil && !slices.Equal(stored.Placements, placements(res.Rows)) {
		err = store.Errorf(store.Conflict, "the stored ranking (version %d) is not what the current seats, scores, tie decisions and this policy give; rank again (POST …/rank) with the same policy, then make the protocol", stored.Version)
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	// Build and render everything before storing anything.
	type file struct {
		vis, format string
		data        []byte
	}
	var files []file
	var internal *contest.Protocol
	for _, public := range []bool{false, true} {
		pr, err := contest.BuildProtocol(res, rk.Policy, sit, public)
		if err != nil {
			s.writeError(w, r, store.Errorf(store.Invalid, "%v", err))
			return
		}
		if !public {
			internal = pr
		}
		vis := store.VisibilityInternal
		if public {
			vis = store.VisibilityPublic
		}
		for _, f := range store.ProtocolFormats {
			var buf bytes.Buffer
			var err error
			switch f {
			case "pdf":
				err = contest.WritePDF(&buf, pr)
			case "html":
				err = contest.WriteHTML(&buf, pr)
			case "csv":
				err = contest.WriteCSV(&buf, pr)
			case "json":
				err = contest.WriteJSON(&buf, pr)
			}
			if err != nil {
				s.writeError(w, r, fmt.Errorf("render the %s protocol as %s: %w", vis, f, err))
				return
			}
			files = append(files, file{vis, f, buf.Bytes()})
		}
	}
	resp := GenerateResponse{Final: internal.Final(), DraftReasons: nonNil(internal.DraftReasons), ResultsSHA: contest.ResultsDigest(cands)}
	for _, f := range files {
		sha, size, err := s.blobs.Put(ctx, bytes.NewReader(f.data), 0)
		var pr store.Protocol
		if err == nil {
			pr, err = s.store.PutProtocol(ctx, Actor(ctx), contestID, store.Protocol{School: school, Grade: g, Visibility: f.vis, Format: f.format, SHA256: sha, Size: size})
		}
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		resp.Protocols = append(resp.Protocols, pr)
	}
	writeJSON(w, http.StatusCreated, resp)
}

// almaty is the contest's time zone (UTC+5 across Kazakhstan since 2024), for the date
// of a decision.
var almaty = time.FixedZone("UTC+5", 5*3600)

func sortedCopy(s []string) []string { return slices.Sorted(slices.Values(s)) }
