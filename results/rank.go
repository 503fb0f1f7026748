package results

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"tarazy/contest"
	"tarazy/store"
)

// Ranked is a computed ranking with what it was made from.
type Ranked struct {
	Ranking    *contest.Ranking
	Policy     contest.Policy
	Candidates []contest.Candidate
	Decisions  []Decision
}

// StaleError is returned while a recorded tie decision no longer matches a tie of the
// results: the machine never applies a decision halfway nor drops it silently; the
// chair withdraws it or records a new one on the candidates as they now stand.
type StaleError struct {
	Stale []Stale
}

// Stale is a recorded decision that no longer matches, and why, in words.
type Stale struct {
	Decision Decision `json:"decision"`
	Why      Text     `json:"why"`
	contest.StaleDecision
}

func (e *StaleError) Error() string {
	var parts []string
	for _, s := range e.Stale {
		parts = append(parts, s.Why.String())
	}
	return "stale tie decisions: " + strings.Join(parts, "; ")
}

// Rank ranks the scope with its seats, its scores and the policy recorded with them,
// and the tie decisions in force. It refuses (StaleError) while a decision is stale.
func Rank(ctx context.Context, src Source, scope Scope) (*Ranked, error) {
	seats, err := src.Seats(ctx, scope)
	if err != nil {
		return nil, err
	}
	if scope.School != "" && len(seats) == 0 {
		return nil, store.Errorf(store.NotFound, "%s", textf("%s мектебінің %d-сыныбына орын саны берілмеген; алдымен орындарды жүктеңіз",
			"для школы %s, %d класс, не задано число мест; сначала загрузите места",
			"no seats are set for school %s grade %d; upload seats first", scope.School, scope.Grade).String())
	}
	cands, policy, err := src.Scores(ctx, scope)
	if err != nil {
		return nil, err
	}
	decs, err := src.Decisions(ctx, scope)
	if err != nil {
		return nil, err
	}
	plain := make([]contest.Decision, len(decs))
	for i, d := range decs {
		plain[i] = d.Decision
	}
	if stale := contest.StaleDecisions(cands, policy, plain); len(stale) > 0 {
		e := &StaleError{}
		for _, s := range stale {
			e.Stale = append(e.Stale, Stale{Decision: decs[s.Index], Why: staleWhy(s), StaleDecision: s})
		}
		return nil, e
	}
	rk, err := contest.Rank(seats, cands, policy, plain)
	if err != nil {
		if errors.Is(err, contest.ErrInput) {
			return nil, store.Errorf(store.Conflict, "%v", err)
		}
		return nil, err
	}
	return &Ranked{Ranking: rk, Policy: policy, Candidates: cands, Decisions: decs}, nil
}

// Result returns the ranking of one school grade.
func (r *Ranked) Result(school string, grade int) (*contest.Result, error) {
	res, ok := r.Ranking.Find(school, grade)
	if !ok {
		return nil, store.Errorf(store.NotFound, "no seats line for school %s grade %d", school, grade)
	}
	return res, nil
}

// staleWhy says in words why a decision no longer matches.
func staleWhy(s contest.StaleDecision) Text {
	var kk, ru, en []string
	if len(s.Missing) > 0 {
		l := strings.Join(s.Missing, ", ")
		kk = append(kk, "нәтижелер арасында жоқ: "+l)
		ru = append(ru, "нет среди результатов: "+l)
		en = append(en, "no longer among the results: "+l)
	}
	if len(s.Apart) > 0 {
		l := strings.Join(s.Apart, ", ")
		kk = append(kk, "енді басқалармен тең емес: "+l)
		ru = append(ru, "больше не равны остальным: "+l)
		en = append(en, "no longer equal to the others: "+l)
	}
	if len(s.Joined) > 0 {
		l := strings.Join(s.Joined, ", ")
		kk = append(kk, "енді оларға тең, бірақ шешімде жоқ: "+l)
		ru = append(ru, "теперь равны им, но не входят в решение: "+l)
		en = append(en, "now equal to them but not in the decision: "+l)
	}
	who := strings.Join(s.Decision.Order, " ")
	return Text{
		KK: fmt.Sprintf("%s туралы шешім (%s) ескірді — %s; төраға оны қайтарып алады немесе жаңа шешім жазады", who, s.Decision.DecidedBy, strings.Join(kk, "; ")),
		RU: fmt.Sprintf("решение о %s (%s) устарело — %s; председатель отзывает его или записывает новое", who, s.Decision.DecidedBy, strings.Join(ru, "; ")),
		EN: fmt.Sprintf("the decision on %s (by %s) no longer matches a tie — %s; the chair withdraws it or records a new one", who, s.Decision.DecidedBy, strings.Join(en, "; ")),
	}
}
