package results

import (
	"bytes"
	"context"
	"io"
	"slices"
	"strings"
	"time"

	"tarazy/contest"
	"tarazy/scoring"
	"tarazy/store"
	"tarazy/store/blob"
)

// Store is what the service needs of the store: the contest's data in, each step's
// result out.
type Store interface {
	Keys(ctx context.Context, contest string) ([]store.AnswerKey, error)
	Candidates(ctx context.Context, contest, school string) ([]store.Candidate, error)
	School(ctx context.Context, code string) (store.School, error)
	Seats(ctx context.Context, contest, school string) ([]store.Seats, error)
	Commission(ctx context.Context, contest, school string) (contest.Commission, error)
	Sitting(ctx context.Context, contest, school string) (contest.Sitting, error)

	SchoolSheets(ctx context.Context, contest, school string) ([]store.Sheet, error)
	SchoolVersions(ctx context.Context, contest, school string) ([]store.SheetVersion, error)
	Pages(ctx context.Context, contest, school string) ([]store.Page, error)
	PagesElsewhere(ctx context.Context, contest, school string, iins []string) ([]store.ElsewherePage, error)
	ReviewHistory(ctx context.Context, contest, school string) ([]store.ReviewItem, error)
	Batches(ctx context.Context, contest, school string) ([]store.BatchSummary, error)

	PutScores(ctx context.Context, by store.Actor, contest, school string, grade int, rows []store.Score, policy contest.Policy) (store.ResultSet, error)
	Scores(ctx context.Context, contest, school string, grade int) (store.ResultSet, []store.Score, error)
	PutRanking(ctx context.Context, by store.Actor, contest, school string, grade int, rows []store.Placement) (store.ResultSet, error)
	Ranking(ctx context.Context, contest, school string, grade int) (store.Ranking, error)
	RecordTieDecision(ctx context.Context, by store.Actor, contest string, d store.TieDecision) (store.TieDecision, error)
	WithdrawTieDecision(ctx context.Context, by store.Actor, contest, school string, grade int, id int64, reason string) (store.TieDecision, error)
	TieDecisions(ctx context.Context, contest, school string, grade int) ([]store.TieDecision, error)
	PutProtocol(ctx context.Context, by store.Actor, contest string, p store.Protocol) (store.Protocol, error)
	Protocols(ctx context.Context, contest, school string, grade int) ([]store.Protocol, error)
	Publish(ctx context.Context, by store.Actor, contest, school string, grade int, versions map[string]int, resultsSHA256 string) ([]store.Protocol, store.Publication, error)
	OpenAmendment(ctx context.Context, by store.Actor, contest, school string, grade int, reason string) (store.Publication, error)
	Publications(ctx context.Context, contest, school string, grade int) ([]store.Publication, error)
	PublishedProtocol(ctx context.Context, contest, school string, grade int, format string, edition int) (store.Protocol, error)
}

// Blobs is the content-addressed file store of scans and protocol files.
type Blobs interface {
	Put(ctx context.Context, r io.Reader, max int64) (hash string, size int64, err error)
	Open(ctx context.Context, hash string) (io.ReadSeekCloser, error)
}

// ErrNoBlob is what Blobs.Open returns (wrapped) for a file it does not hold; any
// other error means the image store could not answer, and is not a verdict.
var ErrNoBlob = blob.ErrNotFound

// Service runs the results over the store, for the server.
type Service struct {
	Store Store
	Blobs Blobs
	// Reader re-reads scans for Verify; nil when this process cannot read scans.
	Reader Reader
}

// Person is who asks: the actor the store records, and whether they are the
// commission's chair (who alone decides ties and publishes).
type Person struct {
	store.Actor
	Chair bool
}

// Almaty is the contest's time zone (UTC+5 across Kazakhstan since 2024), for the
// date of a decision.
var Almaty = time.FixedZone("UTC+5", 5*3600)

func (s *Service) chairOnly(p Person, what Text) error {
	if p.Chair || p.Role == store.RoleAdmin {
		return nil
	}
	return store.Errorf(store.Forbidden, "%s", textl("%s — тек комиссия төрағасы (§24)", "%s — только председатель комиссии (§24)", "%s: only the commission's chair may (§24)",
		what.KK, what.RU, what.EN).String())
}

// Source is the store as a Source for one contest.
func (s *Service) Source(contestID string) Source {
	return &storeSource{st: s.Store, contest: contestID}
}

type storeSource struct {
	st      Store
	contest string
	// edition, when > 0, limits the amendments a sitting lists to those up to it
	// (Verify renders an edition as it was published).
	edition int
}

func (ss *storeSource) Keys(ctx context.Context) (*scoring.Keys, error) {
	stored, err := ss.st.Keys(ctx, ss.contest)
	if err != nil {
		return nil, err
	}
	list := make([]*scoring.Key, len(stored))
	for i, k := range stored {
		list[i] = &scoring.Key{Grade: k.Grade, Variant: k.Variant, Answers: strings.Split(k.Answers, "")}
	}
	keys, err := scoring.NewKeys(list...)
	if err != nil {
		return nil, store.Errorf(store.Conflict, "the stored answer keys are not usable: %v", err)
	}
	return keys, nil
}

func (ss *storeSource) Registrations(ctx context.Context, s Scope) ([]contest.Registration, error) {
	return ss.st.Candidates(ctx, ss.contest, s.School)
}

func (ss *storeSource) Pages(ctx context.Context, s Scope) (Pages, error) {
	sheets, err := ss.st.SchoolSheets(ctx, ss.contest, s.School)
	if err != nil {
		return Pages{}, err
	}
	pages, err := ss.st.Pages(ctx, ss.contest, s.School)
	if err != nil {
		return Pages{}, err
	}
	var p Pages
	for _, sh := range sheets {
		p.Sheets = append(p.Sheets, sh.Reading)
	}
	for _, pg := range pages {
		if pg.Outcome != store.OutcomeRejected {
			continue
		}
		p.Refused = append(p.Refused, Refused{Batch: pg.Batch, File: pg.File, Page: pg.Page, Serial: pg.Reading.Sheet, IIN: strings.TrimSpace(pg.Reading.IIN),
			Form: pg.Reading.Form, Refusal: pg.Refusal, Reason: pg.Reason})
	}
	return p, nil
}

func (ss *storeSource) Elsewhere(ctx context.Context, s Scope, iins []string) (map[string]string, error) {
	pages, err := ss.st.PagesElsewhere(ctx, ss.contest, s.School, iins)
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for _, p := range pages {
		if _, ok := out[p.IIN]; !ok {
			out[p.IIN] = p.State
		}
	}
	return out, nil
}

func (ss *storeSource) Seats(ctx context.Context, s Scope) ([]contest.Seats, error) {
	all, err := ss.st.Seats(ctx, ss.contest, s.School)
	if err != nil {
		return nil, err
	}
	var out []contest.Seats
	for _, x := range all {
		if s.has(x.School, x.Grade) {
			out = append(out, x)
		}
	}
	return out, nil
}

func (ss *storeSource) Scores(ctx context.Context, s Scope) ([]contest.Candidate, contest.Policy, error) {
	rs, rows, err := ss.st.Scores(ctx, ss.contest, s.School, s.Grade)
	if err != nil {
		return nil, contest.Policy{}, err
	}
	if rs.Policy == nil {
		return nil, contest.Policy{}, store.Errorf(store.Conflict, "%s", textf("%s мектебінің %d-сынып нәтижелері саясатсыз сақталған; қайта есептеңіз (POST …/score)",
			"результаты школы %s, %d класс, сохранены без политики; пересчитайте (POST …/score)",
			"the scores of school %s grade %d were stored without their policy; score the grade again (POST …/score)", s.School, s.Grade).String())
	}
	return rows, *rs.Policy, nil
}

// Decisions in force: not withdrawn; of two on one group (recorded before decisions
// could be replaced) the later stands.
func (ss *storeSource) Decisions(ctx context.Context, s Scope) ([]Decision, error) {
	all, err := ss.st.TieDecisions(ctx, ss.contest, s.School, s.Grade)
	if err != nil {
		return nil, err
	}
	return inForce(all), nil
}

func inForce(all []store.TieDecision) []Decision {
	latest := map[string]int64{}
	for _, d := range all {
		if d.WithdrawnAt == nil {
			latest[groupKey(d.IINs)] = d.ID
		}
	}
	var out []Decision
	for _, d := range all {
		if d.WithdrawnAt != nil || latest[groupKey(d.IINs)] != d.ID {
			continue
		}
		out = append(out, Decision{ID: d.ID, Decision: contest.Decision{School: d.School, Grade: d.Grade, Order: d.Order, DecidedBy: d.DecidedBy,
			Reason: d.Reason, DecidedOn: d.DecidedAt.In(Almaty).Format(time.DateOnly)}})
	}
	return out
}

func groupKey(iins []string) string { return strings.Join(slices.Sorted(slices.Values(iins)), " ") }

func (ss *storeSource) Sitting(ctx context.Context, school string, grade int) (*contest.Sitting, error) {
	sc, err := ss.st.School(ctx, school)
	if err != nil {
		return nil, err
	}
	sit, err := ss.st.Sitting(ctx, ss.contest, school)
	if err != nil {
		return nil, err
	}
	sit.School, sit.SchoolNameKK, sit.SchoolNameRU = school, sc.NameKK, sc.NameRU
	if sit.Commission, err = ss.st.Commission(ctx, ss.contest, school); err != nil {
		return nil, err
	}
	pubs, err := ss.st.Publications(ctx, ss.contest, school, grade)
	if err != nil {
		return nil, err
	}
	sit.Amendments = amendments(pubs, ss.edition)
	return &sit, nil
}

// amendments are a grade's editions after the first, up to edition (all when 0).
func amendments(pubs []store.Publication, edition int) []contest.Amendment {
	var out []contest.Amendment
	for i, p := range pubs {
		if p.Edition < 2 || (edition > 0 && p.Edition > edition) {
			continue
		}
		out = append(out, contest.Amendment{Edition: p.Edition, Reason: p.Reason, OpenedBy: p.OpenedBy,
			OpenedOn: p.OpenedAt.In(Almaty).Format(time.DateOnly), Previous: pubs[i-1].ResultsSHA256})
	}
	return out
}

// ScoreOutcome is what scoring a grade led to; Set is nil when nothing was stored.
type ScoreOutcome struct {
	Set    *store.ResultSet
	Scored *Scored
}

// ScoreGrade scores a school's grade and stores the scores with their policy, unless
// a conflict blocks (then nothing is stored and the outcome lists the conflicts). The
// policy is the one given, or else the one the grade was scored with before, or else
// the default: once recorded it is read by everything downstream.
func (s *Service) ScoreGrade(ctx context.Context, by store.Actor, contestID, school string, grade int, policy *contest.Policy) (*ScoreOutcome, error) {
	p := contest.DefaultPolicy()
	if policy != nil {
		p = *policy
	} else if rs, _, err := s.Store.Scores(ctx, contestID, school, grade); err == nil && rs.Policy != nil {
		p = *rs.Policy
	} else if err != nil && store.ErrorCode(err) != store.NotFound {
		return nil, err
	}
	sc, err := Score(ctx, s.Source(contestID), Scope{School: school, Grade: grade}, p)
	if err != nil {
		return nil, err
	}
	out := &ScoreOutcome{Scored: sc}
	if sc.Blocking() {
		return out, nil
	}
	rs, err := s.Store.PutScores(ctx, by, contestID, school, grade, sc.Results, p)
	if err != nil {
		return nil, err
	}
	out.Set = &rs
	return out, nil
}

// RankGrade ranks a school's grade from its stored scores, their policy and the tie
// decisions in force, and stores the ranking.
func (s *Service) RankGrade(ctx context.Context, by store.Actor, contestID, school string, grade int) (*Ranked, *contest.Result, store.ResultSet, error) {
	ranked, err := Rank(ctx, s.Source(contestID), Scope{School: school, Grade: grade})
	if err != nil {
		return nil, nil, store.ResultSet{}, err
	}
	res, err := ranked.Result(school, grade)
	if err != nil {
		return nil, nil, store.ResultSet{}, err
	}
	rs, err := s.Store.PutRanking(ctx, by, contestID, school, grade, res.Rows)
	return ranked, res, rs, err
}

// Decision states.
const (
	InForce   = "in_force"
	StaleNow  = "stale"
	Withdrawn = "withdrawn"
)

// TieView is a recorded decision as the chair sees it: in force, stale (and why), or
// withdrawn.
type TieView struct {
	store.TieDecision
	Status string `json:"status"`
	Why    *Text  `json:"why,omitempty"`
}

// TieBoard is a grade's ties: every recorded decision with its state, and the ties
// that wait for a decision now.
type TieBoard struct {
	Decisions []TieView     `json:"decisions"`
	Pending   []contest.Tie `json:"pending"`
}

// Ties returns the grade's tie board.
func (s *Service) Ties(ctx context.Context, contestID, school string, grade int) (*TieBoard, error) {
	all, err := s.Store.TieDecisions(ctx, contestID, school, grade)
	if err != nil {
		return nil, err
	}
	board := &TieBoard{Decisions: []TieView{}, Pending: []contest.Tie{}}
	stale := map[int64]Text{}
	ranked, err := Rank(ctx, s.Source(contestID), Scope{School: school, Grade: grade})
	var se *StaleError
	switch {
	case errAs(err, &se):
		for _, st := range se.Stale {
			stale[st.Decision.ID] = st.Why
		}
	case err == nil:
		if res, ok := ranked.Ranking.Find(school, grade); ok {
			for _, t := range res.Ties {
				if t.Decision == nil {
					board.Pending = append(board.Pending, t)
				}
			}
		}
	case store.ErrorCode(err) == store.NotFound:
		// Not scored yet: no tie can exist.
	default:
		return nil, err
	}
	active := map[int64]bool{}
	for _, d := range inForce(all) {
		active[d.ID] = true
	}
	for _, d := range all {
		v := TieView{TieDecision: d, Status: InForce}
		switch why, isStale := stale[d.ID]; {
		case d.WithdrawnAt != nil:
			v.Status = Withdrawn
		case !active[d.ID]:
			v.Status = Withdrawn // replaced by a later decision on the same group
		case isStale:
			v.Status, v.Why = StaleNow, &why
		}
		board.Decisions = append(board.Decisions, v)
	}
	return board, nil
}

// DecideTie records the chair's order of a tie that exists in the current results: a
// pending one, or (with replaces) one already decided. Anything else is refused.
func (s *Service) DecideTie(ctx context.Context, by Person, contestID, school string, grade int, order []string, reason string, replaces int64) (store.TieDecision, error) {
	if err := s.chairOnly(by, textf("тең нәтиже туралы шешім", "решение о равенстве", "deciding a tie")); err != nil {
		return store.TieDecision{}, err
	}
	d := store.TieDecision{School: school, Grade: grade, IINs: slices.Sorted(slices.Values(order)), Order: order, Reason: strings.TrimSpace(reason), Replaces: replaces}
	if len(order) < 2 || len(order) > contest.MaxTie {
		return d, store.Errorf(store.Invalid, "a tie decision orders between 2 and %d candidates", contest.MaxTie)
	}
	all, err := s.Store.TieDecisions(ctx, contestID, school, grade)
	if err != nil {
		return d, err
	}
	current := inForce(all)
	var others []Decision
	for _, x := range current {
		switch {
		case x.ID == replaces:
		case groupKey(x.Order) == groupKey(order):
			return d, store.Errorf(store.Conflict, "%s", textf("бұл тең нәтиже туралы №%d шешім күшінде; оны ауыстырыңыз (replaces)", "по этому равенству действует решение №%d; замените его (replaces)",
				"decision %d on this tie is in force; replace it (replaces) instead", x.ID).String())
		default:
			others = append(others, x)
		}
	}
	if replaces != 0 && !slices.ContainsFunc(current, func(x Decision) bool { return x.ID == replaces }) {
		return d, store.Errorf(store.NotFound, "no decision %d in force on a tie of school %s grade %d", replaces, school, grade)
	}
	src := s.Source(contestID)
	cands, policy, err := src.Scores(ctx, Scope{School: school, Grade: grade})
	if err != nil {
		return d, err
	}
	proposed := contest.Decision{School: school, Grade: grade, Order: order, DecidedBy: by.Name, Reason: d.Reason}
	if st := contest.StaleDecisions(cands, policy, []contest.Decision{proposed}); len(st) > 0 {
		return d, store.Errorf(store.Conflict, "%s", textl("бұл үміткерлер қазіргі нәтижелерде тең емес: %s", "эти кандидаты не равны в текущих результатах: %s",
			"these candidates are not a tie of the current results: %s", staleWhy(st[0]).KK, staleWhy(st[0]).RU, staleWhy(st[0]).EN).String())
	}
	// The tie must be one the ranking waits on (or the one being replaced): a group
	// whose order changes nobody's outcome needs no decision.
	plain := make([]contest.Decision, len(others))
	for i, x := range others {
		plain[i] = x.Decision
	}
	if len(contest.StaleDecisions(cands, policy, plain)) == 0 {
		seats, err := src.Seats(ctx, Scope{School: school, Grade: grade})
		if err != nil {
			return d, err
		}
		rk, err := contest.Rank(seats, cands, policy, plain)
		if err == nil {
			res, ok := rk.Find(school, grade)
			if ok && !slices.ContainsFunc(res.Ties, func(t contest.Tie) bool { return groupKey(t.IINs) == groupKey(order) }) {
				return d, store.Errorf(store.Conflict, "%s", textf("бұл үміткерлердің реті ешкімнің нәтижесін өзгертпейді; шешім қажет емес",
					"порядок этих кандидатов ничьего итога не меняет; решение не нужно",
					"the order of these candidates changes nobody's outcome; no decision is needed").String())
			}
		}
	}
	return s.Store.RecordTieDecision(ctx, by.Actor, contestID, d)
}

// WithdrawTie withdraws a decision in force, with the chair's reason; it is kept in the
// record.
func (s *Service) WithdrawTie(ctx context.Context, by Person, contestID, school string, grade int, id int64, reason string) (store.TieDecision, error) {
	if err := s.chairOnly(by, textf("тең нәтиже туралы шешімді қайтарып алу", "отзыв решения о равенстве", "withdrawing a tie decision")); err != nil {
		return store.TieDecision{}, err
	}
	return s.Store.WithdrawTieDecision(ctx, by.Actor, contestID, school, grade, id, reason)
}

// Generated is a protocol made and stored.
type Generated struct {
	Protocols    []store.Protocol `json:"protocols"`
	Final        bool             `json:"final"`         // can be signed and published
	DraftReasons []string         `json:"draft_reasons"` // why not, when not
	ResultsSHA   string           `json:"results_sha256"`
	built        *Protocols
}

// Generate makes the internal and the public protocol of a school grade in every
// format from the stored computation (scores, their policy, tie decisions, the stored
// commission and calendar) and stores each file as a new version. The stored ranking
// must be the one these give, so a protocol never disagrees with what the API serves.
func (s *Service) Generate(ctx context.Context, by store.Actor, contestID, school string, grade int) (*Generated, error) {
	pr, err := Protocol(ctx, s.Source(contestID), school, grade)
	if err != nil {
		return nil, err
	}
	stored, err := s.Store.Ranking(ctx, contestID, school, grade)
	if err != nil {
		return nil, err
	}
	if !slices.Equal(stored.Placements, pr.Result.Rows) {
		return nil, store.Errorf(store.Conflict, "%s", textf("сақталған рейтинг (%d-нұсқа) қазіргі нәтижелер мен шешімдерге сәйкес емес; алдымен қайта рейтинг жасаңыз (POST …/rank)",
			"сохранённый рейтинг (версия %d) не соответствует текущим результатам и решениям; сначала пересчитайте рейтинг (POST …/rank)",
			"the stored ranking (version %d) is not what the current scores, policy and tie decisions give; rank again (POST …/rank) first", stored.Version).String())
	}
	g := &Generated{Final: pr.Final(), DraftReasons: append([]string{}, pr.Internal.DraftReasons...), ResultsSHA: pr.Internal.ResultsSHA256, built: pr}
	for _, f := range pr.Files {
		sha, size, err := s.Blobs.Put(ctx, bytes.NewReader(f.Data), 0)
		if err != nil {
			return nil, err
		}
		p, err := s.Store.PutProtocol(ctx, by, contestID, store.Protocol{School: school, Grade: grade, Visibility: f.Visibility, Format: f.Format, SHA256: sha, Size: size})
		if err != nil {
			return nil, err
		}
		g.Protocols = append(g.Protocols, p)
	}
	return g, nil
}

// Published is a publication made.
type Published struct {
	Publication store.Publication `json:"publication"`
	Files       []store.Protocol  `json:"files"`
	ResultsSHA  string            `json:"results_sha256"`
}

// Publish renders the protocol from the stored computation (Generate) and publishes
// its public files as the grade's next edition. Only the chair publishes; a draft is
// refused; a published grade is published again only through an amendment.
func (s *Service) Publish(ctx context.Context, by Person, contestID, school string, grade int) (*Published, error) {
	if err := s.chairOnly(by, textf("хаттаманы жариялау", "публикация протокола", "publishing the protocol")); err != nil {
		return nil, err
	}
	pubs, err := s.Store.Publications(ctx, contestID, school, grade)
	if err != nil {
		return nil, err
	}
	if n := len(pubs); n > 0 && pubs[n-1].State == store.PublicationPublished {
		return nil, store.Errorf(store.Conflict, "%s", textf("%d-сынып хаттамасы жарияланған (№%d басылым); өзгерту үшін төраға себебін жазып өзгеріс ашады (POST …/amendments)",
			"протокол %d класса опубликован (редакция %d); чтобы изменить его, председатель открывает изменение с причиной (POST …/amendments)",
			"the protocol of grade %d is published (edition %d); to change it the chair opens an amendment with its reason (POST …/amendments)", grade, pubs[n-1].Edition).String())
	}
	g, err := s.Generate(ctx, by.Actor, contestID, school, grade)
	if err != nil {
		return nil, err
	}
	if !g.Final {
		return nil, store.Errorf(store.Conflict, "%s", textl("хаттама — жоба, жариялауға болмайды: %s", "протокол — проект, его нельзя публиковать: %s",
			"the protocol is a draft and cannot be published: %s", strings.Join(g.DraftReasons, "; "), strings.Join(g.DraftReasons, "; "), strings.Join(g.DraftReasons, "; ")).String())
	}
	versions := map[string]int{}
	for _, p := range g.Protocols {
		if p.Visibility == store.VisibilityPublic {
			versions[p.Format] = p.Version
		}
	}
	files, pub, err := s.Store.Publish(ctx, by.Actor, contestID, school, grade, versions, g.ResultsSHA)
	if err != nil {
		return nil, err
	}
	return &Published{Publication: pub, Files: files, ResultsSHA: g.ResultsSHA}, nil
}

// Amend opens the next edition of a published grade with its reason (chair only).
func (s *Service) Amend(ctx context.Context, by Person, contestID, school string, grade int, reason string) (store.Publication, error) {
	if err := s.chairOnly(by, textf("жарияланған нәтижеге өзгеріс ашу", "открытие изменения опубликованных результатов", "opening an amendment")); err != nil {
		return store.Publication{}, err
	}
	return s.Store.OpenAmendment(ctx, by.Actor, contestID, school, grade, reason)
}
