// Package memstore keeps the intake desk's records in memory: the Repository the
// intake package's own tests run on. Records that must last live in the store
// (store/sqlite, store/postgres).
package memstore

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"sync"

	"tarazy/intake"
)

// Store is an in-memory intake.Repository, safe for concurrent use. It hands out
// copies, so no caller shares memory with it.
type Store struct {
	mu           sync.Mutex
	applications []*intake.Application
	complaints   []*intake.Complaint
	audit        []intake.AuditEntry
	sendings     []intake.DarynSending
	// frozenGrades holds the grades whose answer sheets count as ingested, by contest
	// ("" for a registration whose contest the store has not settled): the SQL store
	// learns it from its sheets, tests set it with Freeze.
	frozenGrades map[string][]int
}

// New returns an empty store.
func New() *Store { return &Store{} }

var _ intake.Repository = (*Store)(nil)

// lock takes the store's lock unless ctx is done; the caller unlocks.
func (s *Store) lock(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	return nil
}

// clone deep-copies through JSON, as the database does.
func clone[T any](v *T) *T {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("memstore: %v", err))
	}
	var out T
	if err := json.Unmarshal(b, &out); err != nil {
		panic(fmt.Sprintf("memstore: %v", err))
	}
	return &out
}

// find is the index of the record with this number, or ErrNotFound.
func find[T any](list []*T, number func(*T) string, kind, want string) (int, error) {
	for i, x := range list {
		if number(x) == want {
			return i, nil
		}
	}
	return -1, fmt.Errorf("%s %s: %w", kind, want, intake.ErrNotFound)
}

// nextSeq is the next number in a series.
func nextSeq[T any](list []*T, seriesSeq func(*T) (string, int), series string) int {
	seq := 0
	for _, x := range list {
		if s, n := seriesSeq(x); s == series && n > seq {
			seq = n
		}
	}
	return seq + 1
}

func appNumber(a *intake.Application) string            { return a.Number }
func appSeries(a *intake.Application) (string, int)     { return a.Series, a.Seq }
func complaintNumber(c *intake.Complaint) string        { return c.Number }
func complaintSeries(c *intake.Complaint) (string, int) { return c.Series, c.Seq }
func checkVersion(kind, number string, have, stored int) error {
	if have != stored {
		return fmt.Errorf("%s %s: version %d, stored %d: %w", kind, number, have, stored, intake.ErrConflict)
	}
	return nil
}

// frozen is the FrozenError for a change that moves a candidate in or out of the
// base, or changes one, in a frozen grade.
func (s *Store) frozen(before, after *intake.Application) error {
	// row is what the candidate base holds of a registration.
	type row struct {
		contest, iin, name, language string
		grade                        int
		olympiad, mynBala            bool
	}
	cand := func(a *intake.Application) *row {
		if a == nil || a.Candidate == nil || !a.Status.Accepted() {
			return nil
		}
		c := a.Candidate
		return &row{c.Contest, a.Child.IIN, a.Child.Name, c.Language, c.Grade, c.Olympiad, c.MynBala}
	}
	b, a := cand(before), cand(after)
	if b == nil && a == nil || b != nil && a != nil && *b == *a {
		return nil
	}
	for _, r := range []*row{b, a} {
		if r == nil {
			continue
		}
		for _, g := range s.frozenGrades[r.contest] {
			if g == r.grade {
				return &intake.FrozenError{Contest: r.contest, Grade: g}
			}
		}
	}
	return nil
}

func (s *Store) keyHeld(key, except string) *intake.Application {
	if key == "" {
		return nil
	}
	for _, a := range s.applications {
		if a.UniqueKey == key && a.Number != except {
			return a
		}
	}
	return nil
}

func (s *Store) CreateApplication(ctx context.Context, a *intake.Application, e intake.AuditEntry) error {
	if err := s.lock(ctx); err != nil {
		return err
	}
	defer s.mu.Unlock()
	if a.Series == "" {
		return fmt.Errorf("application without a series: %w", intake.ErrInvalid)
	}
	if held := s.keyHeld(a.UniqueKey, ""); held != nil {
		return fmt.Errorf("%s is held by %s: %w", a.UniqueKey, held.Number, intake.ErrDuplicate)
	}
	if err := s.frozen(nil, a); err != nil {
		return err
	}
	a.Seq = nextSeq(s.applications, appSeries, a.Series)
	a.Number = intake.FormatNumber(a.Series, a.Seq)
	a.Version = 1
	s.applications = append(s.applications, clone(a))
	e.Subject = a.Number
	s.audit = append(s.audit, e)
	return nil
}

func (s *Store) Application(ctx context.Context, number string) (*intake.Application, error) {
	if err := s.lock(ctx); err != nil {
		return nil, err
	}
	defer s.mu.Unlock()
	i, err := find(s.applications, appNumber, "application", number)
	if err != nil {
		return nil, err
	}
	return clone(s.applications[i]), nil
}

func (s *Store) UpdateApplication(ctx context.Context, a *intake.Application, e intake.AuditEntry) error {
	if err := s.lock(ctx); err != nil {
		return err
	}
	defer s.mu.Unlock()
	i, err := find(s.applications, appNumber, "application", a.Number)
	if err != nil {
		return err
	}
	if err := checkVersion("application", a.Number, a.Version, s.applications[i].Version); err != nil {
		return err
	}
	if held := s.keyHeld(a.UniqueKey, a.Number); held != nil {
		return fmt.Errorf("%s is held by %s: %w", a.UniqueKey, held.Number, intake.ErrDuplicate)
	}
	if err := s.frozen(s.applications[i], a); err != nil {
		return err
	}
	a.Version++
	s.applications[i] = clone(a)
	e.Subject = a.Number
	s.audit = append(s.audit, e)
	return nil
}

func (s *Store) Applications(ctx context.Context, f intake.Filter) ([]*intake.Application, error) {
	if err := s.lock(ctx); err != nil {
		return nil, err
	}
	defer s.mu.Unlock()
	var out []*intake.Application
	for _, a := range s.applications {
		if f.Match(a) {
			out = append(out, clone(a))
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Number < out[j].Number })
	if f.Limit > 0 && len(out) > f.Limit {
		out = out[:f.Limit]
	}
	return out, nil
}

func (s *Store) CreateComplaint(ctx context.Context, c *intake.Complaint, e intake.AuditEntry) error {
	if err := s.lock(ctx); err != nil {
		return err
	}
	defer s.mu.Unlock()
	if c.Series == "" {
		return fmt.Errorf("complaint without a series: %w", intake.ErrInvalid)
	}
	c.Seq = nextSeq(s.complaints, complaintSeries, c.Series)
	c.Number = intake.FormatNumber(c.Series, c.Seq)
	c.Version = 1
	s.complaints = append(s.complaints, clone(c))
	e.Subject = c.Number
	s.audit = append(s.audit, e)
	return nil
}

func (s *Store) Complaint(ctx context.Context, number string) (*intake.Complaint, error) {
	if err := s.lock(ctx); err != nil {
		return nil, err
	}
	defer s.mu.Unlock()
	i, err := find(s.complaints, complaintNumber, "complaint", number)
	if err != nil {
		return nil, err
	}
	return clone(s.complaints[i]), nil
}

func (s *Store) UpdateComplaint(ctx context.Context, c *intake.Complaint, e intake.AuditEntry) error {
	if err := s.lock(ctx); err != nil {
		return err
	}
	defer s.mu.Unlock()
	i, err := find(s.complaints, complaintNumber, "complaint", c.Number)
	if err != nil {
		return err
	}
	if err := checkVersion("complaint", c.Number, c.Version, s.complaints[i].Version); err != nil {
		return err
	}
	c.Version++
	s.complaints[i] = clone(c)
	e.Subject = c.Number
	s.audit = append(s.audit, e)
	return nil
}

func (s *Store) Complaints(ctx context.Context) ([]*intake.Complaint, error) {
	if err := s.lock(ctx); err != nil {
		return nil, err
	}
	defer s.mu.Unlock()
	out := make([]*intake.Complaint, 0, len(s.complaints))
	for _, c := range s.complaints {
		out = append(out, clone(c))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Number < out[j].Number })
	return out, nil
}

func (s *Store) Audit(ctx context.Context, subject string) ([]intake.AuditEntry, error) {
	if err := s.lock(ctx); err != nil {
		return nil, err
	}
	defer s.mu.Unlock()
	var out []intake.AuditEntry
	for _, e := range s.audit {
		if e.Subject == subject {
			out = append(out, e)
		}
	}
	return out, nil
}

// RecordDarynSending implements intake.Repository: sendings are numbered per contest.
func (s *Store) RecordDarynSending(ctx context.Context, d *intake.DarynSending, e intake.AuditEntry) error {
	if err := s.lock(ctx); err != nil {
		return err
	}
	defer s.mu.Unlock()
	seq := 0
	for _, x := range s.sendings {
		if x.Contest == d.Contest && x.Seq > seq {
			seq = x.Seq
		}
	}
	d.Seq = seq + 1
	s.sendings = append(s.sendings, *clone(d))
	e.Subject = d.Subject()
	s.audit = append(s.audit, e)
	return nil
}

func (s *Store) DarynSendings(ctx context.Context) ([]intake.DarynSending, error) {
	if err := s.lock(ctx); err != nil {
		return nil, err
	}
	defer s.mu.Unlock()
	var out []intake.DarynSending
	for _, d := range s.sendings {
		out = append(out, *clone(&d))
	}
	return out, nil
}

// Freeze makes the store refuse changes to candidates of grade in contest, as the SQL
// store does once that grade's answer sheets are ingested.
func (s *Store) Freeze(contest string, grade int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.frozenGrades == nil {
		s.frozenGrades = map[string][]int{}
	}
	s.frozenGrades[contest] = append(s.frozenGrades[contest], grade)
}
