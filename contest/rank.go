// Package contest ranks the candidates of the entrance contest school by school and grade
// by grade (Model Admission Rules §31, §40), applies the olympiad priority (§38), the
// grade-7 "Мың бала" quota (§25) and the reserve list (§43), checks the contest calendar
// and the commission, and builds the commission's protocol (§41–42). It is pure Go:
// no OpenCV, no database, no HTTP; every function is deterministic.
//
// Where the rules are silent tarazy applies a Policy with stated defaults, and a tie the
// rules and the policy cannot break is never broken by the machine: it waits for a
// recorded Decision of the commission.
package contest

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	"tarazy/omr/form"
	"tarazy/scoring"
)

// Outcome of one candidate.
type Outcome string

const (
	Admitted      Outcome = "admitted"       // a seat on score (§40)
	AdmittedQuota Outcome = "admitted_quota" // a "Мың бала" quota seat (§25)
	Reserve       Outcome = "reserve"        // on the reserve list (§43)
	NotAdmitted   Outcome = "not_admitted"
	// TiePending: the outcome depends on a tie the commission has not decided yet.
	TiePending Outcome = "tie_pending"
)

// Outcomes lists every outcome in the order the protocol explains them.
var Outcomes = []Outcome{Admitted, AdmittedQuota, Reserve, NotAdmitted, TiePending}

// QuotaOrder is how the quota meets the general list.
type QuotaOrder string

const (
	// MeritFirst (default): the general seats are filled on score first, quota holders
	// included; a quota holder who wins a seat on score uses no quota seat.
	MeritFirst QuotaOrder = "merit-first"
	// QuotaFirst: the quota seats go to the best quota holders first, then the rest of
	// the seats are filled on score.
	QuotaFirst QuotaOrder = "quota-first"
)

// Fixed by the rules and printed in every protocol.
const (
	QuotaGrade   = 7  // §25: the quota is for grade 7
	QuotaPercent = 10 // §25: ten percent of the grade-7 intake
	MaxReserve   = 10 // §43: at most ten candidates
)

// Policy is every ranking choice the rules leave open. The protocol prints all of it.
type Policy struct {
	// InvalidAs is the scoring policy the scores were made with; ranking does not use it
	// but the protocol prints it.
	InvalidAs scoring.InvalidAs `json:"invalid_as"`
	// TieBreaks are the section keys compared, in order, after the score and the
	// olympiad priority (§38). Default math, reading, history.
	TieBreaks []string `json:"tie_breaks"`
	// QuotaOrder, default merit-first.
	QuotaOrder QuotaOrder `json:"quota_order"`
	// ReserveSize is the length of the reserve list, at most 10 (§43). Default 10.
	ReserveSize int `json:"reserve_size"`
}

// DefaultPolicy is what tarazy does unless the school says otherwise.
func DefaultPolicy() Policy {
	return Policy{
		InvalidAs:   scoring.InvalidAsWrong,
		TieBreaks:   []string{form.SectionMath, form.SectionReading, form.SectionHistory},
		QuotaOrder:  MeritFirst,
		ReserveSize: MaxReserve,
	}
}

// ErrPolicy is wrapped by every policy validation error.
var ErrPolicy = errors.New("invalid policy")

// Validate checks a policy.
func (p Policy) Validate() error {
	if _, err := scoring.ParseInvalidAs(string(p.InvalidAs)); err != nil {
		return fmt.Errorf("%w: %v", ErrPolicy, err)
	}
	switch p.QuotaOrder {
	case MeritFirst, QuotaFirst:
	default:
		return fmt.Errorf("%w: quota order %q must be merit-first or quota-first", ErrPolicy, p.QuotaOrder)
	}
	if p.ReserveSize < 0 || p.ReserveSize > MaxReserve {
		return fmt.Errorf("%w: reserve size %d; §43 allows at most %d", ErrPolicy, p.ReserveSize, MaxReserve)
	}
	seen := map[string]bool{}
	for _, tb := range p.TieBreaks {
		switch tb {
		case form.SectionMath, form.SectionReading, form.SectionHistory:
		default:
			return fmt.Errorf("%w: tie-break %q must be one of math, reading, history", ErrPolicy, tb)
		}
		if seen[tb] {
			return fmt.Errorf("%w: tie-break %q is listed twice", ErrPolicy, tb)
		}
		seen[tb] = true
	}
	return nil
}

// ParseTieBreaks reads "math,reading,history"; "none" or "" means no further tie-breaks.
func ParseTieBreaks(s string) []string {
	s = strings.TrimSpace(s)
	if s == "" || s == "none" {
		return []string{}
	}
	var out []string
	for _, f := range strings.Split(s, ",") {
		out = append(out, strings.TrimSpace(f))
	}
	return out
}

// Seats is the number of seats of one school in one grade.
type Seats struct {
	School string `json:"school"`
	Grade  int    `json:"grade"`
	Seats  int    `json:"seats"`
	// Quota is the school's approved number of quota seats (§25: the school approves
	// it); nil means 10 % of Seats rounded half up. Grade 7 only.
	Quota *int `json:"quota,omitempty"`
}

// QuotaSeats is the number of quota seats of a seats line: the approved number, or
// 10 % of the seats rounded half up (25 seats → 3, 24 → 2); 0 outside grade 7.
func (s Seats) QuotaSeats() int {
	if s.Grade != QuotaGrade {
		return 0
	}
	if s.Quota != nil {
		return *s.Quota
	}
	return (s.Seats*QuotaPercent + 50) / 100
}

// Candidate is one candidate's result, the input of ranking.
type Candidate struct {
	School  string `json:"school"`
	Grade   int    `json:"grade"`
	IIN     string `json:"iin"`
	Name    string `json:"name"`
	Score   int    `json:"score"`
	Math    int    `json:"math"`
	Reading int    `json:"reading"`
	History int    `json:"history"` // 0 on a form without history (grade 5)
	// Olympiad: winner or prize-winner of the regional stage of a republican olympiad
	// (§38).
	Olympiad bool `json:"olympiad"`
	// MynBala: winner of the "Мың бала" olympiad, eligible for the grade-7 quota (§25).
	MynBala bool `json:"myn_bala"`
}

// Section returns a section score by key.
func (c *Candidate) Section(key string) int {
	switch key {
	case form.SectionMath:
		return c.Math
	case form.SectionReading:
		return c.Reading
	case form.SectionHistory:
		return c.History
	}
	return 0
}

// Decision is the commission's recorded ordering of candidates tied on every key.
type Decision struct {
	School string `json:"school"`
	Grade  int    `json:"grade"`
	// Order lists the IINs of every candidate of the tie, best first.
	Order     []string `json:"order"`
	DecidedBy string   `json:"decided_by"` // who: e.g. "commission vote 5–2, chair Bekova A."
	Reason    string   `json:"reason"`     // why
	DecidedOn string   `json:"decided_on"` // YYYY-MM-DD
}

// Row is one candidate in the ranking.
type Row struct {
	School   string  `json:"school"`
	Grade    int     `json:"grade"`
	Place    int     `json:"place"` // 1..n in the final order
	IIN      string  `json:"iin"`
	Name     string  `json:"name"`
	Score    int     `json:"score"`
	Math     int     `json:"math"`
	Reading  int     `json:"reading"`
	History  int     `json:"history"`
	Olympiad bool    `json:"olympiad"`
	MynBala  bool    `json:"myn_bala"`
	Outcome  Outcome `json:"outcome"`
	// Tie is the number (1, 2, …) of the tie this candidate is in within the school and
	// grade: candidates equal on every key. 0 when no one is equal to them.
	Tie int `json:"tie,omitempty"`
	// Decided: the order within the tie comes from a commission Decision.
	Decided bool `json:"decided,omitempty"`
}

// Tie is a group of candidates equal on every key whose order changes an outcome: a
// tie across the last seat, the last quota seat or the last reserve place.
type Tie struct {
	Number int      `json:"number"`
	IINs   []string `json:"iins"` // in IIN order, or in the decided order
	// AtStake: the outcomes the order decides between.
	AtStake  []Outcome `json:"at_stake"`
	Decision *Decision `json:"decision,omitempty"` // nil while pending
}

// Result is the ranking of one school and grade.
type Result struct {
	School        string `json:"school"`
	Grade         int    `json:"grade"`
	Seats         int    `json:"seats"`
	Quota         int    `json:"quota"`
	QuotaApproved bool   `json:"quota_approved"` // the school's approved number, not 10 %
	Rows          []Row  `json:"rows"`
	Ties          []Tie  `json:"ties"`
	// Dependent lists the IINs of candidates outside a pending tie whose outcome still
	// depends on how it is decided (for example the next quota holder in line).
	Dependent []string `json:"dependent"`
}

// Pending reports whether a tie still waits for the commission.
func (r *Result) Pending() bool {
	for _, t := range r.Ties {
		if t.Decision == nil {
			return true
		}
	}
	return false
}

// Count returns how many rows have an outcome.
func (r *Result) Count(o Outcome) int {
	n := 0
	for _, row := range r.Rows {
		if row.Outcome == o {
			n++
		}
	}
	return n
}

// Ranking is the ranking of every school and grade, ordered by school, then grade.
type Ranking struct {
	Policy   Policy   `json:"policy"`
	Results  []Result `json:"results"`
	Warnings []string `json:"warnings"`
}

// Rows returns every row in ranking.csv order: school, grade, place.
func (rk *Ranking) Rows() []Row {
	var out []Row
	for _, r := range rk.Results {
		out = append(out, r.Rows...)
	}
	return out
}

// Find returns the result of one school and grade.
func (rk *Ranking) Find(school string, grade int) (*Result, bool) {
	for i := range rk.Results {
		if rk.Results[i].School == school && rk.Results[i].Grade == grade {
			return &rk.Results[i], true
		}
	}
	return nil, false
}

// ErrInput is wrapped by every error about the seats, candidates or decisions given to
// Rank.
var ErrInput = errors.New("the ranking input is not consistent")

type schoolGrade struct {
	school string
	grade  int
}

// Rank ranks every school and grade. It is deterministic: the result does not depend
// on the order of seats, candidates or decisions. It returns an error (wrapping
// ErrInput) for input that cannot be ranked without a guess: a candidate whose school
// and grade have no seats, a candidate listed twice, sections that do not add up to the
// score, a quota outside grade 7 or above the seats, or a decision that does not match
// a tie of the current results (it was made on other data).
func Rank(seats []Seats, candidates []Candidate, p Policy, decisions []Decision) (*Ranking, error) {
	if p.TieBreaks == nil {
		p.TieBreaks = DefaultPolicy().TieBreaks
	}
	if err := p.Validate(); err != nil {
		return nil, err
	}
	var errs []error
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf(format, args...))
	}
	seatOf := map[schoolGrade]Seats{}
	for _, s := range seats {
		sg := schoolGrade{s.School, s.Grade}
		if _, dup := seatOf[sg]; dup {
			bad("school %s grade %d has two seat lines", s.School, s.Grade)
			continue
		}
		if s.Seats < 0 {
			bad("school %s grade %d: %d seats", s.School, s.Grade, s.Seats)
		}
		if s.Quota != nil {
			if s.Grade != QuotaGrade {
				bad("school %s grade %d: a quota is given, but the \"Мың бала\" quota (§25) is for grade 7 only", s.School, s.Grade)
			} else if *s.Quota < 0 || *s.Quota > s.Seats {
				bad("school %s grade 7: approved quota %d is not between 0 and the %d seats", s.School, *s.Quota, s.Seats)
			}
		}
		seatOf[sg] = s
	}
	bySG := make(map[schoolGrade][]Candidate, len(seatOf))
	// Presized: on a national contest these two maps are most of Rank's time.
	seenIIN := make(map[string]schoolGrade, len(candidates))
	counts := make(map[schoolGrade]int, len(seatOf))
	for i := range candidates {
		counts[schoolGrade{candidates[i].School, candidates[i].Grade}]++
	}
	for sg, n := range counts {
		if _, ok := seatOf[sg]; ok {
			bySG[sg] = make([]Candidate, 0, n)
		}
	}
	mynBalaOutside := 0
	var warnings []string
	for _, c := range candidates {
		sg := schoolGrade{c.School, c.Grade}
		list, ok := bySG[sg]
		if !ok {
			bad("candidate %s applied to school %s grade %d, which has no seats line; add it to the seats file", c.IIN, c.School, c.Grade)
			continue
		}
		if c.IIN == "" {
			bad("a candidate of school %s grade %d has no IIN", c.School, c.Grade)
			continue
		}
		if prev, dup := seenIIN[c.IIN]; dup {
			if prev == sg {
				bad("candidate %s is listed twice for school %s grade %d", c.IIN, c.School, c.Grade)
				continue
			}
			warnings = append(warnings, fmt.Sprintf("candidate %s is ranked both at %s grade %d and at %s grade %d; if admitted at both, the family chooses one", c.IIN, prev.school, prev.grade, c.School, c.Grade))
		}
		seenIIN[c.IIN] = sg
		if c.Math+c.Reading+c.History != c.Score {
			bad("candidate %s: sections %d + %d + %d do not add up to the score %d", c.IIN, c.Math, c.Reading, c.History, c.Score)
			continue
		}
		if c.MynBala && c.Grade != QuotaGrade {
			mynBalaOutside++
		}
		bySG[sg] = append(list, c)
	}
	if mynBalaOutside > 0 {
		warnings = append(warnings, fmt.Sprintf("%d \"Мың бала\" winners applied outside grade 7; the quota (§25) is for grade 7 only, so they compete on score", mynBalaOutside))
	}
	decBySG := map[schoolGrade][]Decision{}
	for _, d := range decisions {
		sg := schoolGrade{d.School, d.Grade}
		if _, ok := seatOf[sg]; !ok {
			bad("a decision is recorded for school %s grade %d, which has no seats line", d.School, d.Grade)
			continue
		}
		if strings.TrimSpace(d.DecidedBy) == "" || strings.TrimSpace(d.Reason) == "" {
			bad("the decision on the tie of %s at school %s grade %d does not say who decided and why", strings.Join(d.Order, " "), d.School, d.Grade)
			continue
		}
		decBySG[sg] = append(decBySG[sg], d)
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("%w:\n%w", ErrInput, errors.Join(errs...))
	}

	sgs := make([]schoolGrade, 0, len(seatOf))
	for sg := range seatOf {
		sgs = append(sgs, sg)
	}
	sort.Slice(sgs, func(i, j int) bool {
		if sgs[i].school != sgs[j].school {
			return sgs[i].school < sgs[j].school
		}
		return sgs[i].grade < sgs[j].grade
	})
	rk := &Ranking{Policy: p, Warnings: warnings, Results: []Result{}}
	if rk.Warnings == nil {
		rk.Warnings = []string{}
	}
	for _, sg := range sgs {
		res, err := rankOne(seatOf[sg], bySG[sg], p, decBySG[sg])
		if err != nil {
			errs = append(errs, err)
			continue
		}
		rk.Results = append(rk.Results, res)
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("%w:\n%w", ErrInput, errors.Join(errs...))
	}
	return rk, nil
}

// compareKeys orders two candidates by score, olympiad priority and the tie-breaks:
// negative when a ranks above b, 0 when they are equal on every key.
func compareKeys(a, b *Candidate, tieBreaks []string) int {
	if a.Score != b.Score {
		return b.Score - a.Score
	}
	if a.Olympiad != b.Olympiad {
		if a.Olympiad {
			return -1
		}
		return 1
	}
	for _, tb := range tieBreaks {
		if x, y := a.Section(tb), b.Section(tb); x != y {
			return y - x
		}
	}
	return 0
}

// class is a run cs[lo:hi] of candidates equal on every key.
type class struct{ lo, hi int }

func (c class) size() int { return c.hi - c.lo }

// grading is one school grade being ranked: its candidates in order and what each
// phase of rankOne has learned about them.
type grading struct {
	s       Seats
	p       Policy
	cs      []Candidate // in rank order
	classes []class
	tieNo   []int  // per candidate: its tie's number, 0 when alone
	decided []bool // per candidate: its place within the tie is the commission's
	// decisionOf maps a class index to the decision that orders it.
	decisionOf map[int]*Decision
	quota      []bool // per candidate: may take a quota seat
}

// rankOne ranks one school grade in phases: order the candidates by the keys, group
// those equal on every key, apply the commission's decisions to their groups, give
// each an outcome from its place, find the outcomes an undecided group's order would
// change (tie_pending), and list the ties worth printing.
func rankOne(s Seats, cands []Candidate, p Policy, decisions []Decision) (Result, error) {
	res := Result{School: s.School, Grade: s.Grade, Seats: s.Seats, Quota: s.QuotaSeats(), QuotaApproved: s.Quota != nil && s.Grade == QuotaGrade,
		Ties: []Tie{}, Dependent: []string{}} // empty, not null, in JSON
	g := &grading{s: s, p: p}
	g.order(cands)
	g.group()
	if err := g.applyDecisions(decisions); err != nil {
		return res, err
	}
	g.quota = make([]bool, len(g.cs))
	for i := range g.cs {
		g.quota[i] = s.Grade == QuotaGrade && g.cs[i].MynBala
	}
	final := g.allocate(g.identity())
	stakes := g.pending(final, &res)
	res.Ties = g.ties(final, stakes)
	res.Rows = g.rows(final)
	return res, nil
}

// order sorts the candidates by score, olympiad priority and the tie-breaks; equal
// ones by IIN, an order without meaning that the later phases never let decide.
func (g *grading) order(cands []Candidate) {
	g.cs = slices.Clone(cands)
	sort.Slice(g.cs, func(i, j int) bool {
		if c := compareKeys(&g.cs[i], &g.cs[j], g.p.TieBreaks); c != 0 {
			return c < 0
		}
		return g.cs[i].IIN < g.cs[j].IIN
	})
}

// group finds the classes and numbers those of two or more.
func (g *grading) group() {
	g.classes = equalClasses(g.cs, g.p.TieBreaks)
	g.tieNo = make([]int, len(g.cs))
	n := 0
	for _, cl := range g.classes {
		if cl.size() < 2 {
			continue
		}
		n++
		for i := cl.lo; i < cl.hi; i++ {
			g.tieNo[i] = n
		}
	}
}

// equalClasses splits candidates in rank order into runs equal on every key.
func equalClasses(cs []Candidate, tieBreaks []string) []class {
	var out []class
	for i := 0; i < len(cs); {
		j := i + 1
		for j < len(cs) && compareKeys(&cs[i], &cs[j], tieBreaks) == 0 {
			j++
		}
		out = append(out, class{i, j})
		i = j
	}
	return out
}

func (g *grading) members(cl class) []string {
	out := make([]string, 0, cl.size())
	for i := cl.lo; i < cl.hi; i++ {
		out = append(out, g.cs[i].IIN)
	}
	return out
}

// applyDecisions orders each tie the commission decided. A decision that matches no
// tie, or a second one on a tie, is an error: it was made on other results.
func (g *grading) applyDecisions(decisions []Decision) error {
	g.decided = make([]bool, len(g.cs))
	g.decisionOf = map[int]*Decision{}
	used := make([]bool, len(decisions))
	for ci, cl := range g.classes {
		if cl.size() < 2 {
			continue
		}
		members := g.members(cl)
		for di := range decisions {
			d := &decisions[di]
			if used[di] || !sameSet(d.Order, members) {
				continue
			}
			used[di] = true
			g.decisionOf[ci] = d
			pos := map[string]int{}
			for k, id := range d.Order {
				pos[id] = k
			}
			sub := g.cs[cl.lo:cl.hi]
			sort.Slice(sub, func(a, b int) bool { return pos[sub[a].IIN] < pos[sub[b].IIN] })
			for i := cl.lo; i < cl.hi; i++ {
				g.decided[i] = true
			}
			break // a second decision on the same tie is reported below
		}
	}
	var errs []error
	for di, d := range decisions {
		if used[di] {
			continue
		}
		second := false
		for ci, cl := range g.classes {
			if g.decisionOf[ci] != nil {
				second = second || sameSet(d.Order, g.members(cl))
			}
		}
		if second {
			errs = append(errs, fmt.Errorf("school %s grade %d: the tie of %s has two decisions (one by %s); keep one",
				g.s.School, g.s.Grade, strings.Join(d.Order, " "), d.DecidedBy))
		} else {
			errs = append(errs, fmt.Errorf("school %s grade %d: the decision on %s (by %s) matches no tie in these results; were the results changed after it was made?",
				g.s.School, g.s.Grade, strings.Join(d.Order, " "), d.DecidedBy))
		}
	}
	return errors.Join(errs...)
}

func (g *grading) identity() []int {
	out := make([]int, len(g.cs))
	for i := range out {
		out[i] = i
	}
	return out
}

// allocate gives each candidate an outcome from a given order of them.
func (g *grading) allocate(order []int) []Outcome {
	return allocate(order, g.quota, g.s.Seats, g.s.QuotaSeats(), g.p.QuotaOrder, g.p.ReserveSize)
}

// open lists the undecided classes of two or more and maps each candidate to its
// open class (-1 when none).
func (g *grading) open() ([]class, []int) {
	var open []class
	classOf := make([]int, len(g.cs))
	for ci, cl := range g.classes {
		isOpen := cl.size() >= 2 && g.decisionOf[ci] == nil
		for i := cl.lo; i < cl.hi; i++ {
			classOf[i] = -1
			if isOpen {
				classOf[i] = ci
			}
		}
		if isOpen {
			open = append(open, cl)
		}
	}
	return open, classOf
}

// scenarios are the orders of the open classes that push quota holders and IINs to
// either end of each class: between them they reach every outcome an order of an
// undecided class can change (the property tests compare with brute force).
func (g *grading) scenarios(open []class) [][]int {
	var out [][]int
	for _, quotaFront := range []int{0, 1, 2} { // 0: IIN only, 1: quota holders first, 2: last
		for _, desc := range []bool{false, true} {
			if quotaFront == 0 && !desc {
				continue // identity, already computed as the base
			}
			order := g.identity()
			for _, cl := range open {
				sub := order[cl.lo:cl.hi]
				sort.SliceStable(sub, func(a, b int) bool {
					fa, fb := g.quota[sub[a]], g.quota[sub[b]]
					if quotaFront != 0 && fa != fb {
						return fa == (quotaFront == 1)
					}
					if desc {
						return sub[a] > sub[b]
					}
					return sub[a] < sub[b]
				})
			}
			out = append(out, order)
		}
	}
	return out
}

// pending marks tie_pending in final every candidate whose outcome an undecided
// class's order changes, records outside candidates that depend on it in
// res.Dependent, and returns per class the outcomes its order decides between.
// Members of a class with the same quota flag are interchangeable, so if one of
// them can change, all of them can: they are pending together.
func (g *grading) pending(final []Outcome, res *Result) map[int][]Outcome {
	stakes := map[int][]Outcome{}
	open, classOf := g.open()
	if len(open) == 0 {
		return stakes
	}
	base := slices.Clone(final)
	seen := make([][]Outcome, len(g.cs))
	for i := range g.cs {
		seen[i] = []Outcome{base[i]}
	}
	for _, order := range g.scenarios(open) {
		out := g.allocate(order)
		for i := range g.cs {
			if !slices.Contains(seen[i], out[i]) {
				seen[i] = append(seen[i], out[i])
			}
		}
	}
	type classFlag struct {
		class int
		flag  bool
	}
	varyingGroup := map[classFlag]bool{}
	for i := range g.cs {
		if len(seen[i]) > 1 && classOf[i] >= 0 {
			varyingGroup[classFlag{classOf[i], g.quota[i]}] = true
		}
	}
	for i := range g.cs {
		inGroup := classOf[i] >= 0 && varyingGroup[classFlag{classOf[i], g.quota[i]}]
		if len(seen[i]) == 1 && !inGroup {
			continue
		}
		final[i] = TiePending
		if classOf[i] < 0 || !inGroup {
			res.Dependent = append(res.Dependent, g.cs[i].IIN)
			continue
		}
		for _, o := range seen[i] {
			if !slices.Contains(stakes[classOf[i]], o) {
				stakes[classOf[i]] = append(stakes[classOf[i]], o)
			}
		}
	}
	sort.Strings(res.Dependent)
	return stakes
}

// ties lists the ties worth printing: the pending ones and the decided ones.
func (g *grading) ties(final []Outcome, stakes map[int][]Outcome) []Tie {
	out := []Tie{}
	for ci, cl := range g.classes {
		d := g.decisionOf[ci]
		stake, pending := stakes[ci]
		if d == nil && !pending {
			continue
		}
		t := Tie{Number: g.tieNo[cl.lo], Decision: d, IINs: g.members(cl)}
		if d != nil {
			// What the decision settled: the outcomes its members ended with.
			for i := cl.lo; i < cl.hi; i++ {
				if !slices.Contains(stake, final[i]) {
					stake = append(stake, final[i])
				}
			}
		}
		sort.Slice(stake, func(a, b int) bool { return outcomeRank(stake[a]) < outcomeRank(stake[b]) })
		t.AtStake = stake
		out = append(out, t)
	}
	sort.Slice(out, func(a, b int) bool { return out[a].Number < out[b].Number })
	return out
}

func (g *grading) rows(final []Outcome) []Row {
	rows := make([]Row, len(g.cs))
	for i := range g.cs {
		c := &g.cs[i]
		rows[i] = Row{School: c.School, Grade: c.Grade, Place: i + 1, IIN: c.IIN, Name: c.Name, Score: c.Score,
			Math: c.Math, Reading: c.Reading, History: c.History, Olympiad: c.Olympiad, MynBala: c.MynBala,
			Outcome: final[i], Tie: g.tieNo[i], Decided: g.decided[i]}
	}
	return rows
}

func outcomeRank(o Outcome) int { return slices.Index(Outcomes, o) }

func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	x, y := slices.Clone(a), slices.Clone(b)
	sort.Strings(x)
	sort.Strings(y)
	return slices.Equal(x, y)
}

// allocate gives each candidate an outcome from their position alone. order lists
// candidate indices best first; quota[i] says whether candidate i may take a quota seat.
// The outcome slice is indexed by candidate.
func allocate(order []int, quota []bool, seats, quotaSeats int, qo QuotaOrder, reserve int) []Outcome {
	out := make([]Outcome, len(order))
	for i := range out {
		out[i] = NotAdmitted
	}
	taken := make([]bool, len(order))
	// take gives up to k seats to the next candidates in order that match.
	take := func(k int, o Outcome, match func(i int) bool) int {
		n := 0
		for _, i := range order {
			if n == k {
				break
			}
			if taken[i] || !match(i) {
				continue
			}
			taken[i] = true
			out[i] = o
			n++
		}
		return n
	}
	anyone := func(int) bool { return true }
	holder := func(i int) bool { return quota[i] }
	switch qo {
	case QuotaFirst:
		filled := take(quotaSeats, AdmittedQuota, holder)
		take(seats-filled, Admitted, anyone)
	default: // MeritFirst
		general := take(seats-quotaSeats, Admitted, anyone)
		filled := take(quotaSeats, AdmittedQuota, holder)
		// Unfilled quota seats go back to the general list.
		take(seats-general-filled, Admitted, anyone)
	}
	take(reserve, Reserve, anyone)
	return out
}

// StaleDecision is a recorded decision that no longer matches a tie of the results it
// is checked against, with what changed: the commission decides again on the
// candidates as they now stand, or withdraws it. The machine never applies it halfway.
type StaleDecision struct {
	Decision Decision `json:"decision"`
	Index    int      `json:"-"` // its position among the decisions checked
	// Missing: no longer among the ranked candidates of that school and grade.
	Missing []string `json:"missing,omitempty"`
	// Apart: no longer equal on every key to the others (their scores or flags changed).
	Apart []string `json:"apart,omitempty"`
	// Joined: now equal to them on every key, but not in the decision.
	Joined []string `json:"joined,omitempty"`
}

// StaleDecisions checks each decision against the candidates of its school and grade:
// it stands only when its candidates are exactly one group equal on every key
// (score, olympiad priority, the policy's tie-breaks). It returns those that do not.
func StaleDecisions(cands []Candidate, p Policy, decisions []Decision) []StaleDecision {
	if len(decisions) == 0 {
		return nil
	}
	bySG := map[schoolGrade][]Candidate{}
	for _, c := range cands {
		sg := schoolGrade{c.School, c.Grade}
		bySG[sg] = append(bySG[sg], c)
	}
	type place struct {
		class int
		sg    schoolGrade
	}
	where := map[string]place{}
	members := map[place][]string{}
	for sg, list := range bySG {
		g := &grading{p: p}
		g.order(list)
		for ci, cl := range equalClasses(g.cs, p.TieBreaks) {
			pl := place{ci, sg}
			for i := cl.lo; i < cl.hi; i++ {
				where[g.cs[i].IIN] = pl
			}
			members[pl] = g.members(cl)
		}
	}
	var out []StaleDecision
	for di, d := range decisions {
		sg := schoolGrade{d.School, d.Grade}
		st := StaleDecision{Decision: d, Index: di}
		count := map[place]int{}
		var best place
		for _, id := range d.Order {
			pl, ok := where[id]
			if !ok || pl.sg != sg {
				st.Missing = append(st.Missing, id)
				continue
			}
			count[pl]++
			if count[pl] > count[best] || (count[pl] == count[best] && pl.class < best.class) {
				best = pl
			}
		}
		if len(count) > 0 {
			for _, id := range d.Order {
				if pl, ok := where[id]; ok && pl.sg == sg && pl != best {
					st.Apart = append(st.Apart, id)
				}
			}
			for _, id := range members[best] {
				if !slices.Contains(d.Order, id) {
					st.Joined = append(st.Joined, id)
				}
			}
		}
		if len(st.Missing)+len(st.Apart)+len(st.Joined) > 0 || len(count) == 0 {
			out = append(out, st)
		}
	}
	return out
}
