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

// State is every record of the desk. Its methods implement the Repository's rules
// on plain data and are not safe for concurrent use; Store adds the lock.
type State struct {
	Applications []*intake.Application `json:"applications"`
	Complaints   []*intake.Complaint   `json:"complaints"`
	Audit        []intake.AuditEntry   `json:"audit"`
	Sendings     []intake.DarynSending `json:"sendings"`
	// Frozen holds the grades whose answer sheets count as ingested, by contest ("" for
	// a registration whose contest the store has not settled): the SQL store learns
	// it from its sheets, tests set it with Store.Freeze.
	Frozen map[string][]int `json:"frozen,omitempty"`
}

// frozen is the FrozenError for a change that moves a candidate in or out of the
// base, or changes one, in a frozen grade.
func (s *State) frozen(before, after *intake.Application) error {
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
		for _, g := range s.Frozen[r.contest] {
			if g == r.grade {
				return &intake.FrozenError{Contest: r.contest, Grade: g}
			}
		}
	}
	return nil
}

// clone deep-copies through JSON, so no caller shares memory with the store.
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

func (s *State) app(number string) (int, error) {
	for i, a := range s.Applications {
		if a.Number == number {
			return i, nil
		}
	}
	return -1, fmt.Errorf("application %s: %w", number, intake.ErrNotFound)
}

func (s *State) keyHeld(key, except string) *intake.Application {
	if key == "" {
		return nil
	}
	for _, a := range s.Applications {
		if a.UniqueKey == key && a.Number != except {
			return a
		}
	}
	return nil
}

// CreateApplication implements intake.Repository.
func (s *State) CreateApplication(a *intake.Application, e intake.AuditEntry) error {
	if a.Series == "" {
		return fmt.Errorf("application without a series: %w", intake.ErrInvalid)
	}
	if held := s.keyHeld(a.UniqueKey, ""); held != nil {
		return fmt.Errorf("%s is held by %s: %w", a.UniqueKey, held.Number, intake.ErrDuplicate)
	}
	if err := s.frozen(nil, a); err != nil {
		return err
	}
	seq := 0
	for _, x := range s.Applications {
		if x.Series == a.Series && x.Seq > seq {
			seq = x.Seq
		}
	}
	a.Seq = seq + 1
	a.Number = intake.FormatNumber(a.Series, a.Seq)
	a.Version = 1
	s.Applications = append(s.Applications, clone(a))
	e.Subject = a.Number
	s.Audit = append(s.Audit, e)
	return nil
}

// Application implements intake.Repository.
func (s *State) Application(number string) (*intake.Application, error) {
	i, err := s.app(number)
	if err != nil {
		return nil, err
	}
	return clone(s.Applications[i]), nil
}

// UpdateApplication implements intake.Repository.
func (s *State) UpdateApplication(a *intake.Application, e intake.AuditEntry) error {
	i, err := s.app(a.Number)
	if err != nil {
		return err
	}
	if s.Applications[i].Version != a.Version {
		return fmt.Errorf("application %s: version %d, stored %d: %w", a.Number, a.Version, s.Applications[i].Version, intake.ErrConflict)
	}
	if held := s.keyHeld(a.UniqueKey, a.Number); held != nil {
		return fmt.Errorf("%s is held by %s: %w", a.UniqueKey, held.Number, intake.ErrDuplicate)
	}
	if err := s.frozen(s.Applications[i], a); err != nil {
		return err
	}
	a.Version++
	s.Applications[i] = clone(a)
	e.Subject = a.Number
	s.Audit = append(s.Audit, e)
	return nil
}

// ApplicationsMatching implements intake.Repository.Applications.
func (s *State) ApplicationsMatching(f intake.Filter) []*intake.Application {
	var out []*intake.Application
	for _, a := range s.Applications {
		if f.Match(a) {
			out = append(out, clone(a))
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Number < out[j].Number })
	if f.Limit > 0 && len(out) > f.Limit {
		out = out[:f.Limit]
	}
	return out
}

func (s *State) complaint(number string) (int, error) {
	for i, c := range s.Complaints {
		if c.Number == number {
			return i, nil
		}
	}
	return -1, fmt.Errorf("complaint %s: %w", number, intake.ErrNotFound)
}

// CreateComplaint implements intake.Repository.
func (s *State) CreateComplaint(c *intake.Complaint, e intake.AuditEntry) error {
	if c.Series == "" {
		return fmt.Errorf("complaint without a series: %w", intake.ErrInvalid)
	}
	seq := 0
	for _, x := range s.Complaints {
		if x.Series == c.Series && x.Seq > seq {
			seq = x.Seq
		}
	}
	c.Seq = seq + 1
	c.Number = intake.FormatNumber(c.Series, c.Seq)
	c.Version = 1
	s.Complaints = append(s.Complaints, clone(c))
	e.Subject = c.Number
	s.Audit = append(s.Audit, e)
	return nil
}

// Complaint implements intake.Repository.
func (s *State) Complaint(number string) (*intake.Complaint, error) {
	i, err := s.complaint(number)
	if err != nil {
		return nil, err
	}
	return clone(s.Complaints[i]), nil
}

// UpdateComplaint implements intake.Repository.
func (s *State) UpdateComplaint(c *intake.Complaint, e intake.AuditEntry) error {
	i, err := s.complaint(c.Number)
	if err != nil {
		return err
	}
	if s.Complaints[i].Version != c.Version {
		return fmt.Errorf("complaint %s: version %d, stored %d: %w", c.Number, c.Version, s.Complaints[i].Version, intake.ErrConflict)
	}
	c.Version++
	s.Complaints[i] = clone(c)
	e.Subject = c.Number
	s.Audit = append(s.Audit, e)
	return nil
}

// AllComplaints implements intake.Repository.Complaints.
func (s *State) AllComplaints() []*intake.Complaint {
	out := make([]*intake.Complaint, 0, len(s.Complaints))
	for _, c := range s.Complaints {
		out = append(out, clone(c))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Number < out[j].Number })
	return out
}

// AuditOf implements intake.Repository.Audit.
func (s *State) AuditOf(subject string) []intake.AuditEntry {
	var out []intake.AuditEntry
	for _, e := range s.Audit {
		if e.Subject == subject {
			out = append(out, e)
		}
	}
	return out
}

// RecordDarynSending implements intake.Repository.
func (s *State) RecordDarynSending(d *intake.DarynSending, e intake.AuditEntry) error {
	seq := 0
	for _, x := range s.Sendings {
		if x.Contest == d.Contest && x.Seq > seq {
			seq = x.Seq
		}
	}
	d.Seq = seq + 1
	s.Sendings = append(s.Sendings, *clone(d))
	e.Subject = d.Subject()
	s.Audit = append(s.Audit, e)
	return nil
}

// Store is an in-memory intake.Repository, safe for concurrent use.
type Store struct {
	mu sync.Mutex
	st State
}

// New returns an empty store.
func New() *Store { return &Store{} }

var _ intake.Repository = (*Store)(nil)

func (m *Store) do(ctx context.Context, f func(*State) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	return f(&m.st)
}

func (m *Store) CreateApplication(ctx context.Context, a *intake.Application, e intake.AuditEntry) error {
	return m.do(ctx, func(s *State) error { return s.CreateApplication(a, e) })
}

func (m *Store) Application(ctx context.Context, number string) (a *intake.Application, err error) {
	err = m.do(ctx, func(s *State) error { a, err = s.Application(number); return err })
	return a, err
}

func (m *Store) UpdateApplication(ctx context.Context, a *intake.Application, e intake.AuditEntry) error {
	return m.do(ctx, func(s *State) error { return s.UpdateApplication(a, e) })
}

func (m *Store) Applications(ctx context.Context, f intake.Filter) (out []*intake.Application, err error) {
	err = m.do(ctx, func(s *State) error { out = s.ApplicationsMatching(f); return nil })
	return out, err
}

func (m *Store) CreateComplaint(ctx context.Context, c *intake.Complaint, e intake.AuditEntry) error {
	return m.do(ctx, func(s *State) error { return s.CreateComplaint(c, e) })
}

func (m *Store) Complaint(ctx context.Context, number string) (c *intake.Complaint, err error) {
	err = m.do(ctx, func(s *State) error { c, err = s.Complaint(number); return err })
	return c, err
}

func (m *Store) UpdateComplaint(ctx context.Context, c *intake.Complaint, e intake.AuditEntry) error {
	return m.do(ctx, func(s *State) error { return s.UpdateComplaint(c, e) })
}

func (m *Store) Complaints(ctx context.Context) (out []*intake.Complaint, err error) {
	err = m.do(ctx, func(s *State) error { out = s.AllComplaints(); return nil })
	return out, err
}

func (m *Store) Audit(ctx context.Context, subject string) (out []intake.AuditEntry, err error) {
	err = m.do(ctx, func(s *State) error { out = s.AuditOf(subject); return nil })
	return out, err
}

func (m *Store) RecordDarynSending(ctx context.Context, d *intake.DarynSending, e intake.AuditEntry) error {
	return m.do(ctx, func(s *State) error { return s.RecordDarynSending(d, e) })
}

func (m *Store) DarynSendings(ctx context.Context) (out []intake.DarynSending, err error) {
	err = m.do(ctx, func(s *State) error {
		for _, d := range s.Sendings {
			out = append(out, *clone(&d))
		}
		return nil
	})
	return out, err
}

// Freeze makes the store refuse changes to candidates of grade in contest, as the SQL
// store does once that grade's answer sheets are ingested.
func (m *Store) Freeze(contest string, grade int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.st.Frozen == nil {
		m.st.Frozen = map[string][]int{}
	}
	m.st.Frozen[contest] = append(m.st.Frozen[contest], grade)
}
