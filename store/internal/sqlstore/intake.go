package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"tarazy/intake"
	"tarazy/omr/form"
	"tarazy/store"
)

// The intake desk's register (issue 6), one per school, as an intake.Repository.
// Numbers come from a counter row per school and series that the inserting
// transaction updates, so they are given in order, never twice, and a failed
// submission leaves no gap (its increment rolls back with it). An accepted contest
// registration is a row of candidates — the base the ranking reads — written, changed
// and removed in the same transaction as the application.

// Intake returns the register of one school. by names the role in the audit trail
// (and the person, when an entry names no staff).
func (s *DB) Intake(by store.Actor, school string) intake.Repository {
	return &intakeRepo{s: s, by: by, school: school}
}

type intakeRepo struct {
	s      *DB
	by     store.Actor
	school string
}

var _ intake.Repository = (*intakeRepo)(nil)

// openStatuses are the statuses of an application still waiting for its result, as
// SQL; the partial index of migration 002 names the same two.
var openStatuses = fmt.Sprintf("('%s', '%s')", intake.Registered, intake.InProgress)

// copyOf deep-copies a record through JSON: what the caller holds never shares memory
// with what a transaction attempt changed.
func copyOf[T any](v *T) (*T, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var out T
	if err := json.Unmarshal(b, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// writeRecord runs change on a copy of *v in one transaction and, once it has
// committed, gives the caller the stored copy: a failed write leaves *v as it was.
func writeRecord[T any](ctx context.Context, r *intakeRepo, v *T, change func(tx *sql.Tx, b *T) error) error {
	var stored *T
	err := r.s.tx(ctx, func(tx *sql.Tx) error {
		b, err := copyOf(v)
		if err != nil {
			return err
		}
		if err := change(tx, b); err != nil {
			return err
		}
		stored = b
		return nil
	})
	if err != nil {
		return err
	}
	*v = *stored
	return nil
}

// numbered gives a new record the next number of its series, and its time (now,
// unless the record brings one).
func (r *intakeRepo) numbered(ctx context.Context, tx *sql.Tx, series string, updated time.Time) (int, string, time.Time, error) {
	seq, err := r.next(ctx, tx, series)
	if err != nil {
		return 0, "", updated, err
	}
	if updated.IsZero() {
		updated = r.s.now()
	}
	return seq, intake.FormatNumber(series, seq), updated, nil
}

func (r *intakeRepo) schoolExists(ctx context.Context, tx *sql.Tx) error {
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM schools WHERE code = $1`, r.school).Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		return store.Errorf(store.NotFound, "school %s is not in the list of schools; the Daryn centre or an administrator adds it first (`tarazy intake setup` on a school's own machine)", r.school)
	}
	return nil
}

// next takes the next number of a series in tx.
func (r *intakeRepo) next(ctx context.Context, tx *sql.Tx, series string) (int, error) {
	var seq int
	err := tx.QueryRowContext(ctx, `INSERT INTO intake_series (school, series, last) VALUES ($1, $2, 1)
		ON CONFLICT (school, series) DO UPDATE SET last = intake_series.last + 1 RETURNING last`, r.school, series).Scan(&seq)
	return seq, err
}

func (r *intakeRepo) audit(ctx context.Context, tx *sql.Tx, e intake.AuditEntry, before, after any) error {
	if e.At.IsZero() {
		e.At = r.s.now()
	}
	if e.Staff == "" {
		e.Staff = r.by.Name
	}
	b, a := "", ""
	if before != nil {
		b = jsonString(before)
	}
	if after != nil {
		a = jsonString(after)
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO intake_audit (school, subject, at, staff, role, action, from_state, to_state, detail, before, after)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
		r.school, e.Subject, e.At.UTC().Truncate(time.Microsecond), e.Staff, r.by.Role, e.Action, e.From, e.To, e.Detail, b, a)
	return err
}

// candidate is the row of candidates an application stands for: an accepted contest
// registration with its contest settled; nil for anything else.
func (r *intakeRepo) candidate(a *intake.Application) *store.Candidate {
	c := a.Candidate
	if c == nil || c.Contest == "" || !a.Status.Accepted() {
		return nil
	}
	return &store.Candidate{IIN: a.Child.IIN, School: r.school, Grade: c.Grade, Name: a.Child.Name,
		Language: c.Language, Olympiad: c.Olympiad, MynBala: c.MynBala}
}

// settleContest fills in the candidate's school and contest before an accepted
// registration joins the base: the contest given, or the one contest of the
// registration year.
func (r *intakeRepo) settleContest(ctx context.Context, tx *sql.Tx, a *intake.Application) error {
	c := a.Candidate
	if c == nil || !a.Status.Accepted() {
		return nil
	}
	if c.School != "" && c.School != r.school {
		return fmt.Errorf("this desk registers candidates of school %s, not %q: %w", r.school, c.School, intake.ErrInvalid)
	}
	c.School = r.school
	year := a.Registered.Year
	if c.Contest != "" {
		var y int
		err := tx.QueryRowContext(ctx, `SELECT year FROM contests WHERE id = $1`, c.Contest).Scan(&y)
		if errors.Is(err, sql.ErrNoRows) {
			return store.Errorf(store.NotFound, "contest %s does not exist; the Daryn centre or an administrator creates it first", c.Contest)
		}
		if err != nil {
			return err
		}
		if y != year {
			return fmt.Errorf("contest %s is the %d contest; this registration is for %d: %w", c.Contest, y, year, intake.ErrInvalid)
		}
		return nil
	}
	rows, err := tx.QueryContext(ctx, `SELECT id FROM contests WHERE year = $1 ORDER BY id`, year)
	if err != nil {
		return err
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return err
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	switch len(ids) {
	case 0:
		return store.Errorf(store.NotFound, "there is no %d contest in the store, so the candidate cannot join its base; the Daryn centre or an administrator creates it first (`tarazy intake setup --contest ID --year %d` on a school's own machine)", year, year)
	case 1:
		c.Contest = ids[0]
		return nil
	}
	return fmt.Errorf("the store has %d contests in %d (%s); say which one the candidate registers for: %w", len(ids), year, strings.Join(ids, ", "), intake.ErrInvalid)
}

// syncCandidate makes the candidate base follow an application: a registration
// accepted joins it, one refused or withdrawn leaves it, each audited in the
// contest's log.
func (r *intakeRepo) syncCandidate(ctx context.Context, tx *sql.Tx, by store.Actor, number, contest string, before, after *store.Candidate) error {
	if before == nil && after == nil || before != nil && after != nil && *before == *after {
		return nil
	}
	for _, c := range []*store.Candidate{before, after} {
		if c == nil {
			continue
		}
		if err := r.frozen(ctx, tx, contest, c.Grade); err != nil {
			return err
		}
	}
	// A published protocol is frozen too: a change there opens an amendment first.
	if err := r.s.candidateOpen(ctx, tx, contest, r.school, before, after); err != nil {
		return err
	}
	switch {
	case before == nil:
		res, err := tx.ExecContext(ctx, `INSERT INTO candidates (contest, iin, school, grade, name, language, olympiad, myn_bala)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING`,
			contest, after.IIN, after.School, after.Grade, after.Name, after.Language, after.Olympiad, after.MynBala)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			// Uploaded by a commission, or registered at another school; saying which
			// school would leak another school's data.
			return fmt.Errorf("IIN %s is already in the candidate base of contest %s (a candidate sits the contest at one school only; ask the contest commission): %w",
				after.IIN, contest, intake.ErrDuplicate)
		}
		return r.s.audit(ctx, tx, by, "candidate.register", contest, r.school, number, nil, after)
	case after == nil:
		if _, err := tx.ExecContext(ctx, `DELETE FROM candidates WHERE contest = $1 AND iin = $2 AND school = $3`, contest, before.IIN, r.school); err != nil {
			return err
		}
		return r.s.audit(ctx, tx, by, "candidate.withdraw", contest, r.school, number, before, nil)
	case *before != *after:
		if _, err := tx.ExecContext(ctx, `UPDATE candidates SET grade = $4, name = $5, language = $6, olympiad = $7, myn_bala = $8
			WHERE contest = $1 AND iin = $2 AND school = $3`,
			contest, after.IIN, r.school, after.Grade, after.Name, after.Language, after.Olympiad, after.MynBala); err != nil {
			return err
		}
		return r.s.audit(ctx, tx, by, "candidate.update", contest, r.school, number, before, after)
	}
	return nil
}

// frozen refuses a change to the candidate base once answer sheets of the grade's form
// are ingested at the school in the contest: a sheet's IIN may still be under review,
// so any sheet of the grade counts, not only one already matched to the candidate.
// The results are computed from this base (issue 12): a withdrawal must not delete a
// candidate with sheets, a late registration must not slip into it.
func (r *intakeRepo) frozen(ctx context.Context, tx *sql.Tx, contest string, grade int) error {
	f, err := form.ForGrade(grade)
	if err != nil {
		return nil // no form for the grade, so no sheet of it can exist
	}
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM (SELECT 1 FROM sheets WHERE contest = $1 AND school = $2 AND form = $3 LIMIT 1) AS s`,
		contest, r.school, f.ID).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return &intake.FrozenError{Contest: contest, Grade: grade}
	}
	return nil
}

// keyHolder names who holds a unique key, for the refusal message.
func (r *intakeRepo) keyHolder(ctx context.Context, tx *sql.Tx, key, except string) (string, error) {
	var school, number string
	err := tx.QueryRowContext(ctx, `SELECT school, number FROM intake_applications WHERE unique_key = $1 AND NOT (school = $2 AND number = $3)`,
		key, r.school, except).Scan(&school, &number)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	if school != r.school {
		return "a registration at another school", nil
	}
	return "registration " + number, nil
}

func (r *intakeRepo) actor(e intake.AuditEntry) store.Actor {
	by := r.by
	if e.Staff != "" {
		by.Name = e.Staff
	}
	by.School = r.school
	return by
}

func (r *intakeRepo) CreateApplication(ctx context.Context, a *intake.Application, e intake.AuditEntry) (err error) {
	defer store.Wrap(&err, "register of %s", r.school)
	if a.Series == "" {
		return fmt.Errorf("application without a series: %w", intake.ErrInvalid)
	}
	return writeRecord(ctx, r, a, func(tx *sql.Tx, b *intake.Application) error {
		if err := r.schoolExists(ctx, tx); err != nil {
			return err
		}
		if err := r.settleContest(ctx, tx, b); err != nil {
			return err
		}
		var err error
		if b.Seq, b.Number, b.Updated, err = r.numbered(ctx, tx, b.Series, b.Updated); err != nil {
			return err
		}
		b.Version = 1
		res, err := tx.ExecContext(ctx, `INSERT INTO intake_applications
			(school, number, series, seq, service, status, year, due, unique_key, contest, record, version, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) ON CONFLICT DO NOTHING`,
			r.school, b.Number, b.Series, b.Seq, b.Service, string(b.Status), b.Registered.Year, dueText(b.Due), b.UniqueKey,
			contestOf(b), jsonString(b), b.Version, b.Updated.UTC().Truncate(time.Microsecond))
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			holder, err := r.keyHolder(ctx, tx, b.UniqueKey, "")
			if err != nil {
				return err
			}
			if holder == "" {
				return fmt.Errorf("application %s of school %s is already stored", b.Number, r.school)
			}
			return fmt.Errorf("the first is %s: %w", holder, intake.ErrDuplicate)
		}
		if err := r.syncCandidate(ctx, tx, r.actor(e), b.Number, contestOf(b), nil, r.candidate(b)); err != nil {
			return err
		}
		e.Subject = b.Number
		if err := r.audit(ctx, tx, e, nil, b); err != nil {
			return err
		}
		return nil
	})
}

func contestOf(a *intake.Application) string {
	if a.Candidate == nil || !a.Status.Accepted() {
		return ""
	}
	return a.Candidate.Contest
}

func dueText(d intake.Date) string {
	if d.IsZero() {
		return ""
	}
	return d.String()
}

func (r *intakeRepo) Application(ctx context.Context, number string) (a *intake.Application, err error) {
	defer store.Wrap(&err, "register of %s", r.school)
	a, err = readApplication(ctx, r.s.db, r.school, number, "")
	return a, r.s.classify(err)
}

type rowQueryer interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func readApplication(ctx context.Context, q rowQueryer, school, number, lock string) (*intake.Application, error) {
	a, v, err := readRecord[intake.Application](ctx, q, "intake_applications", "application", school, number, lock)
	if err != nil {
		return nil, err
	}
	a.Version = v
	return a, nil
}

// readRecord reads one of the register's JSON records (an application, a complaint)
// and its version; kind names it in errors. lock is "" or the dialect's FOR UPDATE.
func readRecord[T any](ctx context.Context, q rowQueryer, table, kind, school, number, lock string) (*T, int, error) {
	var rec string
	var version int
	err := q.QueryRowContext(ctx, `SELECT record, version FROM `+table+` WHERE school = $1 AND number = $2`+lock, school, number).Scan(&rec, &version)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, 0, fmt.Errorf("%s %s: %w", kind, number, intake.ErrNotFound)
	}
	if err != nil {
		return nil, 0, err
	}
	var v T
	if err := json.Unmarshal([]byte(rec), &v); err != nil {
		return nil, 0, fmt.Errorf("%s %s: stored record: %w", kind, number, err)
	}
	return &v, version, nil
}

// checkVersion refuses an update made to a copy older than the stored record.
func checkVersion(kind, number string, have, stored int) error {
	if have != stored {
		return fmt.Errorf("%s %s: version %d, stored %d: %w", kind, number, have, stored, intake.ErrConflict)
	}
	return nil
}

func (r *intakeRepo) UpdateApplication(ctx context.Context, a *intake.Application, e intake.AuditEntry) (err error) {
	defer store.Wrap(&err, "register of %s", r.school)
	return writeRecord(ctx, r, a, func(tx *sql.Tx, b *intake.Application) error {
		old, err := readApplication(ctx, tx, r.school, a.Number, r.s.d.ForUpdate)
		if err != nil {
			return err
		}
		if err := checkVersion("application", a.Number, a.Version, old.Version); err != nil {
			return err
		}
		if err := r.settleContest(ctx, tx, b); err != nil {
			return err
		}
		b.Version = old.Version + 1
		if b.UniqueKey != "" {
			holder, err := r.keyHolder(ctx, tx, b.UniqueKey, b.Number)
			if err != nil {
				return err
			}
			if holder != "" {
				return fmt.Errorf("the first is %s: %w", holder, intake.ErrDuplicate)
			}
		}
		_, err = tx.ExecContext(ctx, `UPDATE intake_applications SET service = $3, status = $4, year = $5, due = $6, unique_key = $7,
			contest = $8, record = $9, version = $10, updated_at = $11 WHERE school = $1 AND number = $2`,
			r.school, b.Number, b.Service, string(b.Status), b.Registered.Year, dueText(b.Due), b.UniqueKey,
			contestOf(b), jsonString(b), b.Version, r.s.now())
		if err != nil {
			if store.ErrorCode(r.s.classify(err)) == store.Conflict {
				// Another desk took the key between the check and the update.
				return fmt.Errorf("%s is held by another application: %w", b.UniqueKey, intake.ErrDuplicate)
			}
			return err
		}
		before, after := r.candidate(old), r.candidate(b)
		contest := contestOf(b)
		if before != nil {
			contest = contestOf(old)
			if after != nil && contestOf(b) != contest {
				return fmt.Errorf("application %s: a registration cannot move to another contest; refuse it and register again: %w", b.Number, intake.ErrInvalid)
			}
		}
		if err := r.syncCandidate(ctx, tx, r.actor(e), b.Number, contest, before, after); err != nil {
			return err
		}
		e.Subject = b.Number
		if err := r.audit(ctx, tx, e, old, b); err != nil {
			return err
		}
		return nil
	})
}

func (r *intakeRepo) Applications(ctx context.Context, f intake.Filter) (out []*intake.Application, err error) {
	defer store.Wrap(&err, "register of %s", r.school)
	var q strings.Builder
	args := []any{r.school}
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	q.WriteString(`SELECT record, version FROM intake_applications WHERE school = $1`)
	if f.Service != "" {
		q.WriteString(" AND service = " + arg(f.Service))
	}
	if f.Status != "" {
		q.WriteString(" AND status = " + arg(string(f.Status)))
	}
	if f.Year != 0 {
		q.WriteString(" AND year = " + arg(f.Year))
	}
	if f.Open || !f.OverdueOn.IsZero() {
		q.WriteString(" AND status IN " + openStatuses)
	}
	if !f.OverdueOn.IsZero() {
		// ISO dates compare as text.
		q.WriteString(" AND due <> '' AND due < " + arg(f.OverdueOn.String()))
	}
	if f.After != "" {
		q.WriteString(" AND number > " + arg(f.After))
	}
	q.WriteString(" ORDER BY number")
	if f.Limit > 0 {
		q.WriteString(" LIMIT " + arg(f.Limit))
	}
	rows, err := r.s.db.QueryContext(ctx, q.String(), args...)
	if err != nil {
		return nil, r.s.classify(err)
	}
	return scanRecords(r.s, rows, "application", func(a *intake.Application, v int) { a.Version = v })
}

func (r *intakeRepo) CreateComplaint(ctx context.Context, c *intake.Complaint, e intake.AuditEntry) (err error) {
	defer store.Wrap(&err, "register of %s", r.school)
	if c.Series == "" {
		return fmt.Errorf("complaint without a series: %w", intake.ErrInvalid)
	}
	return writeRecord(ctx, r, c, func(tx *sql.Tx, b *intake.Complaint) error {
		if err := r.schoolExists(ctx, tx); err != nil {
			return err
		}
		var err error
		if b.Seq, b.Number, b.Updated, err = r.numbered(ctx, tx, b.Series, b.Updated); err != nil {
			return err
		}
		b.Version = 1
		if _, err := tx.ExecContext(ctx, `INSERT INTO intake_complaints (school, number, series, seq, status, due, record, version, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
			r.school, b.Number, b.Series, b.Seq, string(b.Status), dueText(b.Due), jsonString(b), b.Version, b.Updated.UTC().Truncate(time.Microsecond)); err != nil {
			return err
		}
		e.Subject = b.Number
		if err := r.audit(ctx, tx, e, nil, b); err != nil {
			return err
		}
		return nil
	})
}

func readComplaint(ctx context.Context, q rowQueryer, school, number, lock string) (*intake.Complaint, error) {
	c, v, err := readRecord[intake.Complaint](ctx, q, "intake_complaints", "complaint", school, number, lock)
	if err != nil {
		return nil, err
	}
	c.Version = v
	return c, nil
}

func (r *intakeRepo) Complaint(ctx context.Context, number string) (c *intake.Complaint, err error) {
	defer store.Wrap(&err, "register of %s", r.school)
	c, err = readComplaint(ctx, r.s.db, r.school, number, "")
	return c, r.s.classify(err)
}

func (r *intakeRepo) UpdateComplaint(ctx context.Context, c *intake.Complaint, e intake.AuditEntry) (err error) {
	defer store.Wrap(&err, "register of %s", r.school)
	return writeRecord(ctx, r, c, func(tx *sql.Tx, b *intake.Complaint) error {
		old, err := readComplaint(ctx, tx, r.school, c.Number, r.s.d.ForUpdate)
		if err != nil {
			return err
		}
		if err := checkVersion("complaint", c.Number, c.Version, old.Version); err != nil {
			return err
		}
		b.Version = old.Version + 1
		if _, err := tx.ExecContext(ctx, `UPDATE intake_complaints SET status = $3, due = $4, record = $5, version = $6, updated_at = $7
			WHERE school = $1 AND number = $2`, r.school, b.Number, string(b.Status), dueText(b.Due), jsonString(b), b.Version, r.s.now()); err != nil {
			return err
		}
		e.Subject = b.Number
		if err := r.audit(ctx, tx, e, old, b); err != nil {
			return err
		}
		return nil
	})
}

func (r *intakeRepo) Complaints(ctx context.Context) (out []*intake.Complaint, err error) {
	defer store.Wrap(&err, "register of %s", r.school)
	rows, err := r.s.db.QueryContext(ctx, `SELECT record, version FROM intake_complaints WHERE school = $1 ORDER BY number`, r.school)
	if err != nil {
		return nil, r.s.classify(err)
	}
	return scanRecords(r.s, rows, "complaint", func(c *intake.Complaint, v int) { c.Version = v })
}

func (r *intakeRepo) Audit(ctx context.Context, subject string) (out []intake.AuditEntry, err error) {
	defer store.Wrap(&err, "register of %s", r.school)
	rows, err := r.s.db.QueryContext(ctx, `SELECT at, staff, subject, action, from_state, to_state, detail FROM intake_audit
		WHERE school = $1 AND subject = $2 ORDER BY id`, r.school, subject)
	if err != nil {
		return nil, r.s.classify(err)
	}
	defer rows.Close()
	for rows.Next() {
		var e intake.AuditEntry
		if err := rows.Scan(&e.At, &e.Staff, &e.Subject, &e.Action, &e.From, &e.To, &e.Detail); err != nil {
			return nil, r.s.classify(err)
		}
		e.At = e.At.UTC()
		out = append(out, e)
	}
	return out, r.s.classify(rows.Err())
}

// scanRecords reads rows of (record JSON, version) into values of T, each given its
// version: the register keeps applications and complaints whole, as JSON.
func scanRecords[T any](s *DB, rows *sql.Rows, what string, setVersion func(*T, int)) ([]*T, error) {
	defer rows.Close()
	var out []*T
	for rows.Next() {
		var rec string
		var version int
		if err := rows.Scan(&rec, &version); err != nil {
			return nil, s.classify(err)
		}
		v := new(T)
		if err := json.Unmarshal([]byte(rec), v); err != nil {
			return nil, fmt.Errorf("stored %s: %w", what, err)
		}
		setVersion(v, version)
		out = append(out, v)
	}
	return out, s.classify(rows.Err())
}

func (r *intakeRepo) RecordDarynSending(ctx context.Context, d *intake.DarynSending, e intake.AuditEntry) (err error) {
	defer store.Wrap(&err, "register of %s", r.school)
	var stored *intake.DarynSending
	err = r.s.tx(ctx, func(tx *sql.Tx) error {
		b, err := copyOf(d)
		if err != nil {
			return err
		}
		if err := r.schoolExists(ctx, tx); err != nil {
			return err
		}
		var year int
		err = tx.QueryRowContext(ctx, `SELECT year FROM contests WHERE id = $1`, b.Contest).Scan(&year)
		if errors.Is(err, sql.ErrNoRows) {
			return store.Errorf(store.NotFound, "contest %s does not exist", b.Contest)
		}
		if err != nil {
			return err
		}
		if year != b.Year {
			return fmt.Errorf("contest %s is the %d contest, not %d: %w", b.Contest, year, b.Year, intake.ErrInvalid)
		}
		if b.Seq, err = r.next(ctx, tx, "DRN-"+b.Contest); err != nil {
			return err
		}
		if b.RecordedAt.IsZero() {
			b.RecordedAt = r.s.now()
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO intake_daryn_sendings (school, contest, seq, sent_at, record, recorded_at)
			VALUES ($1, $2, $3, $4, $5, $6)`, r.school, b.Contest, b.Seq, b.SentAt.UTC().Truncate(time.Microsecond), jsonString(b),
			b.RecordedAt.UTC().Truncate(time.Microsecond)); err != nil {
			return err
		}
		e.Subject = b.Subject()
		if err := r.audit(ctx, tx, e, nil, b); err != nil {
			return err
		}
		// The contest's own log too: the Daryn centre sees when each school's base came.
		if err := r.s.audit(ctx, tx, r.actor(e), "candidates.sent_to_daryn", b.Contest, r.school, e.Subject, nil, b); err != nil {
			return err
		}
		stored = b
		return nil
	})
	if err != nil {
		return err
	}
	*d = *stored
	return nil
}

func (r *intakeRepo) DarynSendings(ctx context.Context) (out []intake.DarynSending, err error) {
	defer store.Wrap(&err, "register of %s", r.school)
	rows, err := r.s.db.QueryContext(ctx, `SELECT record, seq FROM intake_daryn_sendings WHERE school = $1 ORDER BY recorded_at, contest, seq`, r.school)
	if err != nil {
		return nil, r.s.classify(err)
	}
	list, err := scanRecords(r.s, rows, "sending to the Daryn centre", func(d *intake.DarynSending, seq int) { d.Seq = seq })
	for _, d := range list {
		out = append(out, *d)
	}
	return out, err
}
