package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	tc "tarazy/contest"
	"tarazy/iin"
	"tarazy/store"
)

func (s *DB) CreateContest(ctx context.Context, by store.Actor, c store.Contest) (_ store.Contest, err error) {
	defer store.Wrap(&err, "CreateContest(%q)", c.ID)
	if strings.TrimSpace(c.ID) == "" || strings.ContainsAny(c.ID, "/ ") {
		return c, store.Errorf(store.Invalid, "a contest needs an id without spaces or slashes, such as 2026")
	}
	if c.Year < 2000 || c.Year > 2200 {
		return c, store.Errorf(store.Invalid, "contest %s: year %d is not a contest year", c.ID, c.Year)
	}
	c.CreatedAt = s.now()
	err = s.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO contests (id, name, year, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`,
			c.ID, c.Name, c.Year, c.CreatedAt)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return store.Errorf(store.Conflict, "contest %s already exists", c.ID)
		}
		return s.audit(ctx, tx, by, "contest.create", c.ID, "", c.ID, nil, c)
	})
	return c, err
}

func (s *DB) Contest(ctx context.Context, id string) (c store.Contest, err error) {
	defer store.Wrap(&err, "Contest(%q)", id)
	err = s.db.QueryRowContext(ctx, `SELECT id, name, year, created_at FROM contests WHERE id = $1`, id).
		Scan(&c.ID, &c.Name, &c.Year, &c.CreatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return c, store.Errorf(store.NotFound, "contest %s does not exist", id)
	}
	c.CreatedAt = c.CreatedAt.UTC()
	return c, s.classify(err)
}

func (s *DB) ListContests(ctx context.Context) (out []store.Contest, err error) {
	defer store.Wrap(&err, "ListContests")
	rows, err := s.db.QueryContext(ctx, `SELECT id, name, year, created_at FROM contests ORDER BY year DESC, id`)
	if err != nil {
		return nil, s.classify(err)
	}
	defer rows.Close()
	for rows.Next() {
		var c store.Contest
		if err := rows.Scan(&c.ID, &c.Name, &c.Year, &c.CreatedAt); err != nil {
			return nil, s.classify(err)
		}
		c.CreatedAt = c.CreatedAt.UTC()
		out = append(out, c)
	}
	return out, s.classify(rows.Err())
}

// need checks inside a transaction that a contest (and a school, when given) exist, so
// that a foreign-key failure never reaches the caller as an internal error.
func (s *DB) need(ctx context.Context, tx *sql.Tx, contest, school string) error {
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM contests WHERE id = $1`, contest).Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		return store.Errorf(store.NotFound, "contest %s does not exist; an administrator creates it first", contest)
	}
	if school == "" {
		return nil
	}
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM schools WHERE code = $1`, school).Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		return store.Errorf(store.NotFound, "school %s is not in the list of schools; the Daryn centre or an administrator adds it first", school)
	}
	return nil
}

func (s *DB) PutSchools(ctx context.Context, by store.Actor, schools []store.School) (err error) {
	defer store.Wrap(&err, "PutSchools")
	for i, sc := range schools {
		if strings.TrimSpace(sc.Code) == "" || strings.ContainsAny(sc.Code, "/ ") {
			return store.Errorf(store.Invalid, "school %d: a code without spaces or slashes is required", i+1)
		}
		if sc.NameKK == "" && sc.NameRU == "" {
			return store.Errorf(store.Invalid, "school %s: a name in Kazakh or Russian is required", sc.Code)
		}
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		for _, sc := range schools {
			var before store.School
			err := tx.QueryRowContext(ctx, `SELECT code, name_kk, name_ru, region FROM schools WHERE code = $1`+s.d.ForUpdate, sc.Code).
				Scan(&before.Code, &before.NameKK, &before.NameRU, &before.Region)
			switch {
			case errors.Is(err, sql.ErrNoRows):
				if _, err := tx.ExecContext(ctx, `INSERT INTO schools (code, name_kk, name_ru, region) VALUES ($1, $2, $3, $4)`,
					sc.Code, sc.NameKK, sc.NameRU, sc.Region); err != nil {
					return err
				}
				if err := s.audit(ctx, tx, by, "school.create", "", sc.Code, sc.Code, nil, sc); err != nil {
					return err
				}
			case err != nil:
				return err
			case before != sc:
				if _, err := tx.ExecContext(ctx, `UPDATE schools SET name_kk = $2, name_ru = $3, region = $4 WHERE code = $1`,
					sc.Code, sc.NameKK, sc.NameRU, sc.Region); err != nil {
					return err
				}
				if err := s.audit(ctx, tx, by, "school.update", "", sc.Code, sc.Code, before, sc); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

func (s *DB) School(ctx context.Context, code string) (sc store.School, err error) {
	defer store.Wrap(&err, "School(%q)", code)
	err = s.db.QueryRowContext(ctx, `SELECT code, name_kk, name_ru, region FROM schools WHERE code = $1`, code).
		Scan(&sc.Code, &sc.NameKK, &sc.NameRU, &sc.Region)
	if errors.Is(err, sql.ErrNoRows) {
		return sc, store.Errorf(store.NotFound, "school %s is not in the list of schools", code)
	}
	return sc, s.classify(err)
}

func (s *DB) ListSchools(ctx context.Context) (out []store.School, err error) {
	defer store.Wrap(&err, "ListSchools")
	rows, err := s.db.QueryContext(ctx, `SELECT code, name_kk, name_ru, region FROM schools ORDER BY code`)
	if err != nil {
		return nil, s.classify(err)
	}
	defer rows.Close()
	for rows.Next() {
		var sc store.School
		if err := rows.Scan(&sc.Code, &sc.NameKK, &sc.NameRU, &sc.Region); err != nil {
			return nil, s.classify(err)
		}
		out = append(out, sc)
	}
	return out, s.classify(rows.Err())
}

func (s *DB) PutSeats(ctx context.Context, by store.Actor, contest string, seats []store.Seats) (err error) {
	defer store.Wrap(&err, "PutSeats(%s)", contest)
	seen := map[[2]any]bool{}
	for i, r := range seats {
		switch {
		case r.Grade < 1 || r.Grade > 11:
			return store.Errorf(store.Invalid, "seats row %d: grade %d is not a school grade", i+1, r.Grade)
		case r.Seats < 0:
			return store.Errorf(store.Invalid, "seats row %d: seats cannot be negative", i+1)
		case r.Quota != nil && (*r.Quota < 0 || *r.Quota > r.Seats):
			return store.Errorf(store.Invalid, "seats row %d: the quota must be between 0 and the seats (%d)", i+1, r.Seats)
		case seen[[2]any{r.School, r.Grade}]:
			return store.Errorf(store.Invalid, "seats row %d: school %s grade %d is given twice", i+1, r.School, r.Grade)
		}
		seen[[2]any{r.School, r.Grade}] = true
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		for _, r := range seats {
			if err := s.need(ctx, tx, contest, r.School); err != nil {
				return err
			}
			if err := s.mustBeOpen(ctx, tx, contest, r.School, r.Grade); err != nil {
				return err
			}
			var before store.Seats
			var quota sql.NullInt64
			err := tx.QueryRowContext(ctx, `SELECT school, grade, seats, quota FROM seats WHERE contest = $1 AND school = $2 AND grade = $3`+s.d.ForUpdate,
				contest, r.School, r.Grade).Scan(&before.School, &before.Grade, &before.Seats, &quota)
			if quota.Valid {
				q := int(quota.Int64)
				before.Quota = &q
			}
			var q any
			if r.Quota != nil {
				q = int64(*r.Quota)
			}
			switch {
			case errors.Is(err, sql.ErrNoRows):
				if _, err := tx.ExecContext(ctx, `INSERT INTO seats (contest, school, grade, seats, quota) VALUES ($1, $2, $3, $4, $5)`,
					contest, r.School, r.Grade, r.Seats, q); err != nil {
					return err
				}
				if err := s.audit(ctx, tx, by, "seats.set", contest, r.School, fmt.Sprintf("grade %d", r.Grade), nil, r); err != nil {
					return err
				}
			case err != nil:
				return err
			case before.Seats != r.Seats || !sameQuota(before.Quota, r.Quota):
				if _, err := tx.ExecContext(ctx, `UPDATE seats SET seats = $4, quota = $5 WHERE contest = $1 AND school = $2 AND grade = $3`,
					contest, r.School, r.Grade, r.Seats, q); err != nil {
					return err
				}
				if err := s.audit(ctx, tx, by, "seats.set", contest, r.School, fmt.Sprintf("grade %d", r.Grade), before, r); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

func sameQuota(a, b *int) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}

func (s *DB) Seats(ctx context.Context, contest, school string) (out []store.Seats, err error) {
	defer store.Wrap(&err, "Seats(%s, %s)", contest, school)
	rows, err := s.db.QueryContext(ctx, `SELECT school, grade, seats, quota FROM seats
		WHERE contest = $1 AND ($2 = '' OR school = $2) ORDER BY school, grade`, contest, school)
	if err != nil {
		return nil, s.classify(err)
	}
	defer rows.Close()
	for rows.Next() {
		var r store.Seats
		var q sql.NullInt64
		if err := rows.Scan(&r.School, &r.Grade, &r.Seats, &q); err != nil {
			return nil, s.classify(err)
		}
		if q.Valid {
			v := int(q.Int64)
			r.Quota = &v
		}
		out = append(out, r)
	}
	return out, s.classify(rows.Err())
}

// MaxMembers bounds a commission: §22 asks for an odd number, at least seven; a list
// of thousands is a mistake, and would hold the database's write lock for seconds.
const MaxMembers = 99

func (s *DB) PutCommission(ctx context.Context, by store.Actor, contest, school string, c tc.Commission) (err error) {
	defer store.Wrap(&err, "PutCommission(%s, %s)", contest, school)
	if len(c.Members) > MaxMembers {
		return store.Errorf(store.Invalid, "a commission of %d members; at most %d are accepted", len(c.Members), MaxMembers)
	}
	names := map[string]bool{}
	for i, m := range c.Members {
		if strings.TrimSpace(m.Name) == "" {
			return store.Errorf(store.Invalid, "member %d: a name is required", i+1)
		}
		if len(m.Name) > 300 || len(m.Position) > 300 {
			return store.Errorf(store.Invalid, "member %d: the name and the position are at most 300 bytes each", i+1)
		}
		if names[m.Name] {
			return store.Errorf(store.Invalid, "member %s is listed twice", m.Name)
		}
		names[m.Name] = true
	}
	if c.Chair != "" && !names[c.Chair] {
		return store.Errorf(store.Invalid, "the chair %s is not one of the members (§24: the chair is elected from the members)", c.Chair)
	}
	// The rules' composition checks (odd, at least seven, §22–24) belong to signing
	// the protocol: a commission may be entered before it is complete.
	return s.tx(ctx, func(tx *sql.Tx) error {
		if err := s.need(ctx, tx, contest, school); err != nil {
			return err
		}
		if err := s.mustBeOpen(ctx, tx, contest, school); err != nil {
			return err
		}
		before, err := queryCommission(ctx, tx, contest, school)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM members WHERE contest = $1 AND school = $2`, contest, school); err != nil {
			return err
		}
		rows := make([][]any, len(c.Members))
		for i, m := range c.Members {
			rows[i] = []any{contest, school, i + 1, m.Name, m.Position, m.Name == c.Chair}
		}
		if _, err := s.insertRows(ctx, tx, "members", []string{"contest", "school", "ord", "name", "position", "chair"}, rows, ""); err != nil {
			return err
		}
		return s.audit(ctx, tx, by, "commission.set", contest, school, "commission", before, c)
	})
}

type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

func queryCommission(ctx context.Context, q queryer, contest, school string) (tc.Commission, error) {
	c := tc.Commission{Members: []tc.Member{}}
	rows, err := q.QueryContext(ctx, `SELECT name, position, chair FROM members WHERE contest = $1 AND school = $2 ORDER BY ord`, contest, school)
	if err != nil {
		return c, err
	}
	defer rows.Close()
	for rows.Next() {
		var m tc.Member
		var chair bool
		if err := rows.Scan(&m.Name, &m.Position, &chair); err != nil {
			return c, err
		}
		if chair {
			c.Chair = m.Name
		}
		c.Members = append(c.Members, m)
	}
	return c, rows.Err()
}

func (s *DB) Commission(ctx context.Context, contest, school string) (c tc.Commission, err error) {
	defer store.Wrap(&err, "Commission(%s, %s)", contest, school)
	c, err = queryCommission(ctx, s.db, contest, school)
	return c, s.classify(err)
}

func (s *DB) PutSitting(ctx context.Context, by store.Actor, contest, school string, st tc.Sitting) (err error) {
	defer store.Wrap(&err, "PutSitting(%s, %s)", contest, school)
	if len(st.Number) > 100 || len(st.City) > 200 {
		return store.Errorf(store.Invalid, "the protocol number is at most 100 bytes and the city 200")
	}
	if _, err := st.Calendar.Check(); err != nil {
		return store.Errorf(store.Invalid, "%v", err)
	}
	cal := jsonString(st.Calendar)
	if len(cal) > 64<<10 {
		return store.Errorf(store.Invalid, "the calendar's reasons are too long")
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		if err := s.need(ctx, tx, contest, school); err != nil {
			return err
		}
		if err := s.mustBeOpen(ctx, tx, contest, school); err != nil {
			return err
		}
		var before any
		if old, err := querySitting(ctx, tx, contest, school); err == nil {
			before = old
		} else if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO sittings (contest, school, number, city, calendar, updated_by, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7)
			ON CONFLICT (contest, school) DO UPDATE SET number = excluded.number, city = excluded.city, calendar = excluded.calendar,
			updated_by = excluded.updated_by, updated_at = excluded.updated_at`, contest, school, st.Number, st.City, cal, by.Name, s.now()); err != nil {
			return err
		}
		return s.audit(ctx, tx, by, "sitting.set", contest, school, "sitting", before, map[string]any{"number": st.Number, "city": st.City, "calendar": st.Calendar})
	})
}

func querySitting(ctx context.Context, q rowQueryer, contest, school string) (tc.Sitting, error) {
	st := tc.Sitting{School: school}
	var cal string
	if err := q.QueryRowContext(ctx, `SELECT number, city, calendar FROM sittings WHERE contest = $1 AND school = $2`, contest, school).Scan(&st.Number, &st.City, &cal); err != nil {
		return st, err
	}
	if err := json.Unmarshal([]byte(cal), &st.Calendar); err != nil {
		return st, fmt.Errorf("the stored calendar of school %s is damaged: %w", school, err)
	}
	return st, nil
}

func (s *DB) Sitting(ctx context.Context, contest, school string) (st tc.Sitting, err error) {
	defer store.Wrap(&err, "Sitting(%s, %s)", contest, school)
	st, err = querySitting(ctx, s.db, contest, school)
	if errors.Is(err, sql.ErrNoRows) {
		return st, store.Errorf(store.NotFound, "school %s has no calendar for contest %s yet; the commission records it first (PUT …/sitting)", school, contest)
	}
	return st, s.classify(err)
}

func (s *DB) PutCandidates(ctx context.Context, by store.Actor, contest string, cs []store.Candidate) (err error) {
	defer store.Wrap(&err, "PutCandidates(%s)", contest)
	seen := map[string]int{}
	cs = slices.Clone(cs)
	for i := range cs {
		cs[i].Line, cs[i].Serial = 0, 0 // where a file had it: not part of the record
	}
	for i, c := range cs {
		if _, err := iin.Parse(c.IIN); err != nil && !errors.Is(err, iin.ErrChecksum) {
			// A failed check digit is admitted (Law No. 223 art. 9 knows such IINs
			// exist); anything else cannot be an IIN.
			return store.Errorf(store.Invalid, "candidate %d (%s): IIN %q: %v", i+1, c.Name, c.IIN, err)
		}
		if j, dup := seen[c.IIN]; dup {
			return store.Errorf(store.Invalid, "candidates %d and %d have the same IIN %s", j, i+1, c.IIN)
		}
		seen[c.IIN] = i + 1
		if strings.TrimSpace(c.Name) == "" {
			return store.Errorf(store.Invalid, "candidate %d (IIN %s): the name is empty", i+1, c.IIN)
		}
		if c.Grade < 1 || c.Grade > 11 {
			return store.Errorf(store.Invalid, "candidate %d (IIN %s): grade %d is not a school grade", i+1, c.IIN, c.Grade)
		}
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		if err := s.need(ctx, tx, contest, ""); err != nil {
			return err
		}
		schools := map[string]bool{}
		var before, after []store.Candidate
		for _, c := range cs {
			if !schools[c.School] {
				if err := s.need(ctx, tx, contest, c.School); err != nil {
					return err
				}
				schools[c.School] = true
			}
			var old store.Candidate
			err := tx.QueryRowContext(ctx, `SELECT iin, school, grade, name, language, olympiad, myn_bala FROM candidates WHERE contest = $1 AND iin = $2`+s.d.ForUpdate,
				contest, c.IIN).Scan(&old.IIN, &old.School, &old.Grade, &old.Name, &old.Language, &old.Olympiad, &old.MynBala)
			if (err == nil && old != c) || errors.Is(err, sql.ErrNoRows) {
				if err := s.mustBeOpen(ctx, tx, contest, c.School, c.Grade, old.Grade); err != nil {
					return err
				}
			}
			switch {
			case errors.Is(err, sql.ErrNoRows):
				if _, err := tx.ExecContext(ctx, `INSERT INTO candidates (contest, iin, school, grade, name, language, olympiad, myn_bala)
					VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, contest, c.IIN, c.School, c.Grade, c.Name, c.Language, c.Olympiad, c.MynBala); err != nil {
					return err
				}
				after = append(after, c)
			case err != nil:
				return err
			case old.School != c.School:
				// Saying which school would leak another school's data.
				return store.Errorf(store.Conflict, "IIN %s is already registered at another school; a candidate sits the contest at one school only (ask the Daryn centre)", c.IIN)
			case old != c:
				if _, err := tx.ExecContext(ctx, `UPDATE candidates SET grade = $3, name = $4, language = $5, olympiad = $6, myn_bala = $7
					WHERE contest = $1 AND iin = $2`, contest, c.IIN, c.Grade, c.Name, c.Language, c.Olympiad, c.MynBala); err != nil {
					return err
				}
				before = append(before, old)
				after = append(after, c)
			}
		}
		if len(after) == 0 {
			return nil
		}
		school := ""
		if len(schools) == 1 {
			school = cs[0].School
		}
		return s.audit(ctx, tx, by, "candidates.put", contest, school, fmt.Sprintf("%d candidates", len(after)), before, after)
	})
}

func (s *DB) Candidates(ctx context.Context, contest, school string) (out []store.Candidate, err error) {
	defer store.Wrap(&err, "Candidates(%s, %s)", contest, school)
	rows, err := s.db.QueryContext(ctx, `SELECT iin, school, grade, name, language, olympiad, myn_bala FROM candidates
		WHERE contest = $1 AND ($2 = '' OR school = $2) ORDER BY school, grade, iin`, contest, school)
	if err != nil {
		return nil, s.classify(err)
	}
	defer rows.Close()
	for rows.Next() {
		var c store.Candidate
		if err := rows.Scan(&c.IIN, &c.School, &c.Grade, &c.Name, &c.Language, &c.Olympiad, &c.MynBala); err != nil {
			return nil, s.classify(err)
		}
		out = append(out, c)
	}
	return out, s.classify(rows.Err())
}

func (s *DB) PutKeys(ctx context.Context, by store.Actor, contest string, keys []store.AnswerKey) (out []store.AnswerKey, err error) {
	defer store.Wrap(&err, "PutKeys(%s)", contest)
	seen := map[[2]any]bool{}
	for i, k := range keys {
		switch {
		case k.Grade < 1 || k.Grade > 11:
			return nil, store.Errorf(store.Invalid, "key %d: grade %d is not a school grade", i+1, k.Grade)
		case k.Variant == "":
			return nil, store.Errorf(store.Invalid, "key %d: the variant is empty", i+1)
		case k.Answers == "" || strings.Trim(k.Answers, "ABCDEFGH") != "":
			return nil, store.Errorf(store.Invalid, "key %d (grade %d variant %s): answers must be option letters, one per question", i+1, k.Grade, k.Variant)
		case seen[[2]any{k.Grade, k.Variant}]:
			return nil, store.Errorf(store.Invalid, "key %d: grade %d variant %s is given twice", i+1, k.Grade, k.Variant)
		}
		seen[[2]any{k.Grade, k.Variant}] = true
	}
	// Full validation against the form (length, a missing variant) is scoring's
	// (issue 3); the store keeps what the caller checked, versioned.
	err = s.tx(ctx, func(tx *sql.Tx) error {
		out = out[:0]
		if err := s.need(ctx, tx, contest, ""); err != nil {
			return err
		}
		for _, k := range keys {
			var prev store.AnswerKey
			err := tx.QueryRowContext(ctx, `SELECT version, answers FROM answer_keys WHERE contest = $1 AND grade = $2 AND variant = $3
				ORDER BY version DESC LIMIT 1`+s.d.ForUpdate, contest, k.Grade, k.Variant).Scan(&prev.Version, &prev.Answers)
			if err != nil && !errors.Is(err, sql.ErrNoRows) {
				return err
			}
			if err == nil && prev.Answers == k.Answers {
				k.Version = prev.Version
				out = append(out, k) // unchanged: no new version
				continue
			}
			if err := s.keyOpen(ctx, tx, contest, k.Grade); err != nil {
				return err
			}
			k.Version = prev.Version + 1
			k.CreatedBy = by.Name
			k.CreatedAt = s.now()
			if _, err := tx.ExecContext(ctx, `INSERT INTO answer_keys (contest, grade, variant, version, answers, created_by, created_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7)`, contest, k.Grade, k.Variant, k.Version, k.Answers, k.CreatedBy, k.CreatedAt); err != nil {
				return err
			}
			var before any
			if prev.Version > 0 {
				before = prev.Answers
			}
			if err := s.audit(ctx, tx, by, "key.put", contest, "", fmt.Sprintf("grade %d variant %s v%d", k.Grade, k.Variant, k.Version), before, k.Answers); err != nil {
				return err
			}
			out = append(out, k)
		}
		return nil
	})
	return out, err
}

// keyOpen refuses a new key for a grade that some school has published: its results
// would change under a published protocol.
func (s *DB) keyOpen(ctx context.Context, tx *sql.Tx, contest string, grade int) error {
	frozen, err := s.frozenGrades(ctx, tx, contest, "")
	if err != nil {
		return err
	}
	var schools []string
	for sc, gs := range frozen {
		if gs[grade] {
			schools = append(schools, sc)
		}
	}
	if len(schools) == 0 {
		return nil
	}
	sort.Strings(schools)
	return frozenError(strings.Join(schools, ", "), []int{grade})
}

func (s *DB) Keys(ctx context.Context, contest string) (out []store.AnswerKey, err error) {
	defer store.Wrap(&err, "Keys(%s)", contest)
	rows, err := s.db.QueryContext(ctx, `SELECT k.grade, k.variant, k.answers, k.version, k.created_by, k.created_at FROM answer_keys k
		WHERE k.contest = $1 AND k.version = (SELECT max(version) FROM answer_keys m WHERE m.contest = k.contest AND m.grade = k.grade AND m.variant = k.variant)
		ORDER BY k.grade, k.variant`, contest)
	if err != nil {
		return nil, s.classify(err)
	}
	defer rows.Close()
	for rows.Next() {
		var k store.AnswerKey
		if err := rows.Scan(&k.Grade, &k.Variant, &k.Answers, &k.Version, &k.CreatedBy, &k.CreatedAt); err != nil {
			return nil, s.classify(err)
		}
		k.CreatedAt = k.CreatedAt.UTC()
		out = append(out, k)
	}
	return out, s.classify(rows.Err())
}
