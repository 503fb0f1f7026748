package sqlstore

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"

	tc "tarazy/contest"
	"tarazy/iin"
	"tarazy/store"
)

func validIIN(s string) bool {
	_, err := iin.Parse(s)
	return err == nil || errors.Is(err, iin.ErrChecksum)
}

// rowsHash is the SHA-256 of the rows as CSV, the fingerprint a protocol prints.
func rowsHash(records [][]string) string {
	h := sha256.New()
	w := csv.NewWriter(h)
	w.WriteAll(records)
	return hex.EncodeToString(h.Sum(nil))
}

// newSet creates the next version of a result set and makes it current.
func (s *DB) newSet(ctx context.Context, tx *sql.Tx, by store.Actor, kind, contest, school string, grade int, hash string, n int) (store.ResultSet, int64, error) {
	rs := store.ResultSet{School: school, Grade: grade, SHA256: hash, Rows: n, CreatedBy: by.Name, CreatedAt: s.now()}
	if err := s.need(ctx, tx, contest, school); err != nil {
		return rs, 0, err
	}
	var prevID sql.NullInt64
	var prevVersion int
	err := tx.QueryRowContext(ctx, `SELECT set_id, version FROM current_results WHERE kind = $1 AND contest = $2 AND school = $3 AND grade = $4`+s.d.ForUpdate,
		kind, contest, school, grade).Scan(&prevID, &prevVersion)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return rs, 0, err
	}
	rs.Version = prevVersion + 1
	var id int64
	if err := tx.QueryRowContext(ctx, `INSERT INTO result_sets (kind, contest, school, grade, version, sha256, nrows, created_by, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`, kind, contest, school, grade, rs.Version, hash, n, by.Name, rs.CreatedAt).Scan(&id); err != nil {
		return rs, 0, err
	}
	if prevID.Valid {
		if _, err := tx.ExecContext(ctx, `UPDATE current_results SET set_id = $5, version = $6 WHERE kind = $1 AND contest = $2 AND school = $3 AND grade = $4`,
			kind, contest, school, grade, id, rs.Version); err != nil {
			return rs, 0, err
		}
	} else {
		res, err := tx.ExecContext(ctx, `INSERT INTO current_results (kind, contest, school, grade, set_id, version) VALUES ($1, $2, $3, $4, $5, $6)
			ON CONFLICT DO NOTHING`, kind, contest, school, grade, id, rs.Version)
		if err != nil {
			return rs, 0, err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return rs, 0, errRetry // a concurrent first version
		}
	}
	var before any
	if prevID.Valid {
		before = map[string]any{"version": prevVersion}
	}
	err = s.audit(ctx, tx, by, kind+".put", contest, school, fmt.Sprintf("grade %d", grade), before,
		map[string]any{"version": rs.Version, "rows": n, "sha256": hash})
	return rs, id, err
}

func (s *DB) PutScores(ctx context.Context, by store.Actor, contest, school string, grade int, rows []store.Score, policy tc.Policy) (rs store.ResultSet, err error) {
	defer store.Wrap(&err, "PutScores(%s, %s, %d)", contest, school, grade)
	if err := policy.Validate(); err != nil {
		return rs, store.Errorf(store.Invalid, "%v", err)
	}
	seen := map[string]bool{}
	records := make([][]string, 0, len(rows))
	for i, r := range rows {
		switch {
		case r.School != school || r.Grade != grade:
			return rs, store.Errorf(store.Invalid, "results row %d: school %s grade %d does not belong to school %s grade %d", i+1, r.School, r.Grade, school, grade)
		case !validIIN(r.IIN):
			return rs, store.Errorf(store.Invalid, "results row %d: %q is not an IIN", i+1, r.IIN)
		case seen[r.IIN]:
			return rs, store.Errorf(store.Invalid, "results row %d: IIN %s appears twice", i+1, r.IIN)
		}
		seen[r.IIN] = true
		records = append(records, []string{r.School, strconv.Itoa(r.Grade), r.IIN, r.Name, strconv.Itoa(r.Score), strconv.Itoa(r.Math),
			strconv.Itoa(r.Reading), strconv.Itoa(r.History), flag(r.Olympiad), flag(r.MynBala)})
	}
	err = s.tx(ctx, func(tx *sql.Tx) error {
		if err := s.mustBeOpen(ctx, tx, contest, school, grade); err != nil {
			return err
		}
		var id int64
		var err error
		rs, id, err = s.newSet(ctx, tx, by, "scores", contest, school, grade, rowsHash(records), len(rows))
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE result_sets SET policy = $2 WHERE id = $1`, id, jsonString(policy)); err != nil {
			return err
		}
		rs.Policy = &policy
		vals := make([][]any, len(rows))
		for i, r := range rows {
			vals[i] = []any{id, r.IIN, r.Name, r.Score, r.Math, r.Reading, r.History, r.Olympiad, r.MynBala}
		}
		_, err = s.insertRows(ctx, tx, "score_rows", []string{"set_id", "iin", "name", "score", "math", "reading", "history", "olympiad", "myn_bala"}, vals, "")
		return err
	})
	return rs, err
}

func flag(b bool) string {
	if b {
		return "1"
	}
	return "0"
}

func (s *DB) currentSet(ctx context.Context, kind, contest, school string, grade int) (store.ResultSet, int64, error) {
	rs := store.ResultSet{School: school, Grade: grade}
	var id int64
	var policy string
	err := s.db.QueryRowContext(ctx, `SELECT r.id, r.version, r.sha256, r.nrows, r.created_by, r.created_at, r.policy FROM current_results c
		JOIN result_sets r ON r.id = c.set_id WHERE c.kind = $1 AND c.contest = $2 AND c.school = $3 AND c.grade = $4`,
		kind, contest, school, grade).Scan(&id, &rs.Version, &rs.SHA256, &rs.Rows, &rs.CreatedBy, &rs.CreatedAt, &policy)
	if errors.Is(err, sql.ErrNoRows) {
		return rs, 0, store.Errorf(store.NotFound, "no %s stored for school %s grade %d", kind, school, grade)
	}
	if err != nil {
		return rs, 0, s.classify(err)
	}
	rs.CreatedAt = rs.CreatedAt.UTC()
	if policy != "" {
		var p tc.Policy
		if err := json.Unmarshal([]byte(policy), &p); err != nil {
			return rs, 0, fmt.Errorf("the policy stored with the %s of school %s grade %d is damaged: %w", kind, school, grade, err)
		}
		rs.Policy = &p
	}
	return rs, id, nil
}

func (s *DB) Scores(ctx context.Context, contest, school string, grade int) (rs store.ResultSet, out []store.Score, err error) {
	defer store.Wrap(&err, "Scores(%s, %s, %d)", contest, school, grade)
	rs, id, err := s.currentSet(ctx, "scores", contest, school, grade)
	if err != nil {
		return rs, nil, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT iin, name, score, math, reading, history, olympiad, myn_bala FROM score_rows WHERE set_id = $1 ORDER BY iin`, id)
	if err != nil {
		return rs, nil, s.classify(err)
	}
	defer rows.Close()
	for rows.Next() {
		r := store.Score{School: school, Grade: grade}
		if err := rows.Scan(&r.IIN, &r.Name, &r.Score, &r.Math, &r.Reading, &r.History, &r.Olympiad, &r.MynBala); err != nil {
			return rs, nil, s.classify(err)
		}
		out = append(out, r)
	}
	return rs, out, s.classify(rows.Err())
}

func (s *DB) PutRanking(ctx context.Context, by store.Actor, contest, school string, grade int, rows []store.Placement) (rs store.ResultSet, err error) {
	defer store.Wrap(&err, "PutRanking(%s, %s, %d)", contest, school, grade)
	seen := map[string]bool{}
	records := make([][]string, 0, len(rows))
	for i, r := range rows {
		switch {
		case r.School != school || r.Grade != grade:
			return rs, store.Errorf(store.Invalid, "ranking row %d: school %s grade %d does not belong to school %s grade %d", i+1, r.School, r.Grade, school, grade)
		case r.Place != i+1:
			return rs, store.Errorf(store.Invalid, "ranking row %d: place %d; places must run 1, 2, 3… in order", i+1, r.Place)
		case !validIIN(r.IIN):
			return rs, store.Errorf(store.Invalid, "ranking row %d: %q is not an IIN", i+1, r.IIN)
		case seen[r.IIN]:
			return rs, store.Errorf(store.Invalid, "ranking row %d: IIN %s appears twice", i+1, r.IIN)
		case !slices.Contains(tc.Outcomes, r.Outcome):
			return rs, store.Errorf(store.Invalid, "ranking row %d: outcome %q is not one of admitted, admitted_quota, reserve, not_admitted, tie_pending", i+1, r.Outcome)
		}
		seen[r.IIN] = true
		records = append(records, []string{r.School, strconv.Itoa(r.Grade), strconv.Itoa(r.Place), r.IIN, r.Name, strconv.Itoa(r.Score), string(r.Outcome)})
	}
	err = s.tx(ctx, func(tx *sql.Tx) error {
		if err := s.mustBeOpen(ctx, tx, contest, school, grade); err != nil {
			return err
		}
		var id int64
		var err error
		rs, id, err = s.newSet(ctx, tx, by, "ranking", contest, school, grade, rowsHash(records), len(rows))
		if err != nil {
			return err
		}
		vals := make([][]any, len(rows))
		for i, r := range rows {
			vals[i] = []any{id, r.Place, r.IIN, r.Name, r.Score, string(r.Outcome), r.Math, r.Reading, r.History, r.Olympiad, r.MynBala, r.Tie, r.Decided}
		}
		_, err = s.insertRows(ctx, tx, "ranking_rows", []string{"set_id", "place", "iin", "name", "score", "outcome", "math", "reading", "history", "olympiad", "myn_bala", "tie", "decided"}, vals, "")
		return err
	})
	return rs, err
}

const rankingCols = `r.place, r.iin, r.name, r.score, r.outcome, r.math, r.reading, r.history, r.olympiad, r.myn_bala, r.tie, r.decided`

func scanRow(sc interface{ Scan(...any) error }, p *store.Placement, extra ...any) error {
	return sc.Scan(append(extra, &p.Place, &p.IIN, &p.Name, &p.Score, &p.Outcome, &p.Math, &p.Reading, &p.History, &p.Olympiad, &p.MynBala, &p.Tie, &p.Decided)...)
}

func (s *DB) Ranking(ctx context.Context, contest, school string, grade int) (rk store.Ranking, err error) {
	defer store.Wrap(&err, "Ranking(%s, %s, %d)", contest, school, grade)
	rs, id, err := s.currentSet(ctx, "ranking", contest, school, grade)
	if err != nil {
		return rk, err
	}
	rk.ResultSet = rs
	rows, err := s.db.QueryContext(ctx, `SELECT `+rankingCols+` FROM ranking_rows r WHERE r.set_id = $1 ORDER BY r.place`, id)
	if err != nil {
		return rk, s.classify(err)
	}
	defer rows.Close()
	rk.Placements = make([]store.Placement, 0, rs.Rows)
	for rows.Next() {
		p := store.Placement{School: school, Grade: grade}
		if err := scanRow(rows, &p); err != nil {
			return rk, s.classify(err)
		}
		rk.Placements = append(rk.Placements, p)
	}
	return rk, s.classify(rows.Err())
}

func (s *DB) RankingVersion(ctx context.Context, contest, school string, grade int) (v int, err error) {
	defer store.Wrap(&err, "RankingVersion(%s, %s, %d)", contest, school, grade)
	err = s.db.QueryRowContext(ctx, `SELECT version FROM current_results WHERE kind = 'ranking' AND contest = $1 AND school = $2 AND grade = $3`,
		contest, school, grade).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return v, s.classify(err)
}

func (s *DB) ExportPage(ctx context.Context, contest string, after store.ExportCursor, limit int) (out []store.Placement, err error) {
	defer store.Wrap(&err, "ExportPage(%s)", contest)
	if limit <= 0 {
		limit = 1000
	}
	rows, err := s.db.QueryContext(ctx, `SELECT c.school, c.grade, `+rankingCols+`
		FROM current_results c JOIN ranking_rows r ON r.set_id = c.set_id
		WHERE c.kind = 'ranking' AND c.contest = $1 AND (c.school, c.grade, r.place) > ($2, $3, $4)
		ORDER BY c.school, c.grade, r.place LIMIT $5`, contest, after.School, after.Grade, after.Place, limit)
	if err != nil {
		return nil, s.classify(err)
	}
	defer rows.Close()
	out = make([]store.Placement, 0, min(limit, 4096))
	for rows.Next() {
		var p store.Placement
		if err := scanRow(rows, &p, &p.School, &p.Grade); err != nil {
			return nil, s.classify(err)
		}
		out = append(out, p)
	}
	return out, s.classify(rows.Err())
}

func (s *DB) ExportTag(ctx context.Context, contest string) (tag string, err error) {
	defer store.Wrap(&err, "ExportTag(%s)", contest)
	// Every new version gets a new set id and becomes current, so the count and sum
	// of current set ids change with any school's new ranking, whatever the order in
	// which concurrent versions commit.
	var n, sum int64
	err = s.db.QueryRowContext(ctx, `SELECT count(*), coalesce(sum(set_id), 0) FROM current_results WHERE kind = 'ranking' AND contest = $1`, contest).Scan(&n, &sum)
	if err != nil {
		return "", s.classify(err)
	}
	return fmt.Sprintf("%s-%d-%d", contest, n, sum), nil
}

func (s *DB) RecordTieDecision(ctx context.Context, by store.Actor, contest string, d store.TieDecision) (_ store.TieDecision, err error) {
	defer store.Wrap(&err, "RecordTieDecision(%s, %s, %d)", contest, d.School, d.Grade)
	if len(d.IINs) < 2 {
		return d, store.Errorf(store.Invalid, "a tie needs at least two candidates")
	}
	if len(d.IINs) > tc.MaxTie {
		return d, store.Errorf(store.Invalid, "a decision on %d candidates; a tie of more than %d is not one the commission decides by hand", len(d.IINs), tc.MaxTie)
	}
	if strings.TrimSpace(d.Reason) == "" {
		return d, store.Errorf(store.Invalid, "the commission's reason is required; it is printed in the protocol")
	}
	if len(d.Reason) > 2000 {
		return d, store.Errorf(store.Invalid, "the reason is at most 2,000 bytes")
	}
	a, b := slices.Clone(d.IINs), slices.Clone(d.Order)
	slices.Sort(a)
	slices.Sort(b)
	if !slices.Equal(a, b) || len(slices.Compact(a)) != len(d.IINs) {
		return d, store.Errorf(store.Invalid, "the decided order must list exactly the tied candidates, each once")
	}
	d.DecidedBy = by.Name
	d.DecidedAt = s.now()
	d.WithdrawnAt, d.WithdrawnBy, d.WithdrawReason = nil, "", ""
	err = s.tx(ctx, func(tx *sql.Tx) error {
		if err := s.need(ctx, tx, contest, d.School); err != nil {
			return err
		}
		if err := s.mustBeOpen(ctx, tx, contest, d.School, d.Grade); err != nil {
			return err
		}
		if d.Replaces != 0 {
			if _, err := s.withdraw(ctx, tx, by, contest, d.School, d.Grade, d.Replaces, "replaced by a new decision: "+d.Reason); err != nil {
				return err
			}
		}
		if err := tx.QueryRowContext(ctx, `INSERT INTO tie_decisions (contest, school, grade, iins, decided, reason, decided_by, decided_at, replaces)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`, contest, d.School, d.Grade, jsonString(d.IINs), jsonString(d.Order),
			d.Reason, d.DecidedBy, d.DecidedAt, d.Replaces).Scan(&d.ID); err != nil {
			return err
		}
		return s.audit(ctx, tx, by, "tie.decide", contest, d.School, fmt.Sprintf("grade %d", d.Grade), nil, d)
	})
	return d, err
}

func (s *DB) WithdrawTieDecision(ctx context.Context, by store.Actor, contest, school string, grade int, id int64, reason string) (d store.TieDecision, err error) {
	defer store.Wrap(&err, "WithdrawTieDecision(%s, %s, %d, %d)", contest, school, grade, id)
	if strings.TrimSpace(reason) == "" || len(reason) > 2000 {
		return d, store.Errorf(store.Invalid, "say why the decision is withdrawn (at most 2,000 bytes); it stays in the record")
	}
	err = s.tx(ctx, func(tx *sql.Tx) error {
		if err := s.mustBeOpen(ctx, tx, contest, school, grade); err != nil {
			return err
		}
		var err error
		d, err = s.withdraw(ctx, tx, by, contest, school, grade, id, reason)
		return err
	})
	return d, err
}

func (s *DB) withdraw(ctx context.Context, tx *sql.Tx, by store.Actor, contest, school string, grade int, id int64, reason string) (store.TieDecision, error) {
	row := tx.QueryRowContext(ctx, `SELECT `+tieCols+` FROM tie_decisions WHERE id = $1 AND contest = $2 AND school = $3 AND grade = $4 AND withdrawn_at IS NULL`+s.d.ForUpdate,
		id, contest, school, grade)
	d, err := scanTie(row)
	if errors.Is(err, sql.ErrNoRows) {
		return d, store.Errorf(store.NotFound, "no decision %d in force on a tie of school %s grade %d", id, school, grade)
	}
	if err != nil {
		return d, err
	}
	now := s.now()
	if _, err := tx.ExecContext(ctx, `UPDATE tie_decisions SET withdrawn_at = $2, withdrawn_by = $3, withdraw_reason = $4 WHERE id = $1`, id, now, by.Name, reason); err != nil {
		return d, err
	}
	d.WithdrawnAt, d.WithdrawnBy, d.WithdrawReason = &now, by.Name, reason
	return d, s.audit(ctx, tx, by, "tie.withdraw", contest, school, fmt.Sprintf("grade %d decision %d", grade, id), nil, d)
}

const tieCols = `id, school, grade, iins, decided, reason, decided_by, decided_at, replaces, withdrawn_at, withdrawn_by, withdraw_reason`

func scanTie(sc interface{ Scan(...any) error }) (store.TieDecision, error) {
	var d store.TieDecision
	var iins, order string
	var wd sql.NullTime
	if err := sc.Scan(&d.ID, &d.School, &d.Grade, &iins, &order, &d.Reason, &d.DecidedBy, &d.DecidedAt, &d.Replaces, &wd, &d.WithdrawnBy, &d.WithdrawReason); err != nil {
		return d, err
	}
	if err := json.Unmarshal([]byte(iins), &d.IINs); err != nil {
		return d, fmt.Errorf("tie decision %d is damaged: %w", d.ID, err)
	}
	if err := json.Unmarshal([]byte(order), &d.Order); err != nil {
		return d, fmt.Errorf("tie decision %d is damaged: %w", d.ID, err)
	}
	d.DecidedAt = d.DecidedAt.UTC()
	d.WithdrawnAt = nullTime(wd)
	return d, nil
}

func (s *DB) TieDecisions(ctx context.Context, contest, school string, grade int) (out []store.TieDecision, err error) {
	defer store.Wrap(&err, "TieDecisions(%s, %s, %d)", contest, school, grade)
	rows, err := s.db.QueryContext(ctx, `SELECT `+tieCols+` FROM tie_decisions WHERE contest = $1 AND school = $2 AND grade = $3 ORDER BY id`, contest, school, grade)
	if err != nil {
		return nil, s.classify(err)
	}
	defer rows.Close()
	for rows.Next() {
		d, err := scanTie(rows)
		if err != nil {
			return nil, s.classify(err)
		}
		out = append(out, d)
	}
	return out, s.classify(rows.Err())
}

func (s *DB) PutProtocol(ctx context.Context, by store.Actor, contest string, p store.Protocol) (_ store.Protocol, err error) {
	defer store.Wrap(&err, "PutProtocol(%s, %s, %d)", contest, p.School, p.Grade)
	if p.Visibility != store.VisibilityInternal && p.Visibility != store.VisibilityPublic {
		return p, store.Errorf(store.Invalid, "a protocol is internal or public, not %q", p.Visibility)
	}
	if !slices.Contains(store.ProtocolFormats, p.Format) {
		return p, store.Errorf(store.Invalid, "protocol format %q is not one of %s", p.Format, strings.Join(store.ProtocolFormats, ", "))
	}
	p.CreatedBy, p.CreatedAt, p.PublishedAt, p.Edition = by.Name, s.now(), nil, 0
	err = s.tx(ctx, func(tx *sql.Tx) error {
		if err := s.need(ctx, tx, contest, p.School); err != nil {
			return err
		}
		var prev sql.NullInt64
		if err := tx.QueryRowContext(ctx, `SELECT max(version) FROM protocols WHERE contest = $1 AND school = $2 AND grade = $3 AND visibility = $4 AND format = $5`,
			contest, p.School, p.Grade, p.Visibility, p.Format).Scan(&prev); err != nil {
			return err
		}
		p.Version = int(prev.Int64) + 1
		res, err := tx.ExecContext(ctx, `INSERT INTO protocols (contest, school, grade, visibility, format, version, sha256, size, created_by, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT DO NOTHING`,
			contest, p.School, p.Grade, p.Visibility, p.Format, p.Version, p.SHA256, p.Size, p.CreatedBy, p.CreatedAt)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errRetry
		}
		return s.audit(ctx, tx, by, "protocol.put", contest, p.School, fmt.Sprintf("grade %d %s.%s v%d", p.Grade, p.Visibility, p.Format, p.Version), nil, p)
	})
	return p, err
}

const protocolCols = `school, grade, visibility, format, version, sha256, size, created_by, created_at, published_at, edition`

func scanProtocol(sc interface{ Scan(...any) error }) (store.Protocol, error) {
	var p store.Protocol
	var pub sql.NullTime
	err := sc.Scan(&p.School, &p.Grade, &p.Visibility, &p.Format, &p.Version, &p.SHA256, &p.Size, &p.CreatedBy, &p.CreatedAt, &pub, &p.Edition)
	p.CreatedAt = p.CreatedAt.UTC()
	p.PublishedAt = nullTime(pub)
	return p, err
}

func (s *DB) Protocols(ctx context.Context, contest, school string, grade int) (out []store.Protocol, err error) {
	defer store.Wrap(&err, "Protocols(%s, %s, %d)", contest, school, grade)
	rows, err := s.db.QueryContext(ctx, `SELECT `+protocolCols+` FROM protocols WHERE contest = $1 AND school = $2 AND grade = $3
		ORDER BY version DESC, visibility, format`, contest, school, grade)
	if err != nil {
		return nil, s.classify(err)
	}
	defer rows.Close()
	for rows.Next() {
		p, err := scanProtocol(rows)
		if err != nil {
			return nil, s.classify(err)
		}
		out = append(out, p)
	}
	return out, s.classify(rows.Err())
}

const publicationCols = `school, grade, edition, state, reason, opened_by, opened_at, published_by, published_at, results_sha256`

func scanPublication(sc interface{ Scan(...any) error }) (store.Publication, error) {
	var p store.Publication
	var pub sql.NullTime
	err := sc.Scan(&p.School, &p.Grade, &p.Edition, &p.State, &p.Reason, &p.OpenedBy, &p.OpenedAt, &p.PublishedBy, &pub, &p.ResultsSHA256)
	p.OpenedAt = p.OpenedAt.UTC()
	p.PublishedAt = nullTime(pub)
	return p, err
}

func latestPublication(ctx context.Context, tx *sql.Tx, forUpdate, contest, school string, grade int) (store.Publication, bool, error) {
	p, err := scanPublication(tx.QueryRowContext(ctx, `SELECT `+publicationCols+` FROM publications WHERE contest = $1 AND school = $2 AND grade = $3
		ORDER BY edition DESC LIMIT 1`+forUpdate, contest, school, grade))
	if errors.Is(err, sql.ErrNoRows) {
		return p, false, nil
	}
	return p, err == nil, err
}

func (s *DB) Publish(ctx context.Context, by store.Actor, contest, school string, grade int, versions map[string]int, resultsSHA string) (out []store.Protocol, pub store.Publication, err error) {
	defer store.Wrap(&err, "Publish(%s, %s, %d)", contest, school, grade)
	if len(versions) == 0 {
		return nil, pub, store.Errorf(store.Invalid, "nothing to publish: name the public protocol files")
	}
	err = s.tx(ctx, func(tx *sql.Tx) error {
		out = out[:0]
		if err := s.need(ctx, tx, contest, school); err != nil {
			return err
		}
		now := s.now()
		last, ok, err := latestPublication(ctx, tx, s.d.ForUpdate, contest, school, grade)
		if err != nil {
			return err
		}
		switch {
		case !ok:
			pub = store.Publication{School: school, Grade: grade, Edition: 1, OpenedBy: by.Name, OpenedAt: now}
			if _, err := tx.ExecContext(ctx, `INSERT INTO publications (contest, school, grade, edition, state, reason, opened_by, opened_at)
				VALUES ($1, $2, $3, 1, 'open', '', $4, $5)`, contest, school, grade, by.Name, now); err != nil {
				return err
			}
		case last.State == store.PublicationPublished:
			return frozenError(school, []int{grade})
		default:
			pub = last
		}
		formats := make([]string, 0, len(versions))
		for f := range versions {
			formats = append(formats, f)
		}
		sort.Strings(formats)
		for _, f := range formats {
			p, err := scanProtocol(tx.QueryRowContext(ctx, `SELECT `+protocolCols+` FROM protocols WHERE contest = $1 AND school = $2 AND grade = $3
				AND visibility = 'public' AND format = $4 AND version = $5`+s.d.ForUpdate, contest, school, grade, f, versions[f]))
			if errors.Is(err, sql.ErrNoRows) {
				return store.Errorf(store.NotFound, "school %s grade %d has no public %s protocol version %d to publish", school, grade, f, versions[f])
			}
			if err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `UPDATE protocols SET published_at = $7, edition = $8 WHERE contest = $1 AND school = $2 AND grade = $3
				AND visibility = $4 AND format = $5 AND version = $6`, contest, school, grade, p.Visibility, p.Format, p.Version, now, pub.Edition); err != nil {
				return err
			}
			p.PublishedAt, p.Edition = &now, pub.Edition
			out = append(out, p)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE publications SET state = 'published', published_by = $5, published_at = $6, results_sha256 = $7
			WHERE contest = $1 AND school = $2 AND grade = $3 AND edition = $4`, contest, school, grade, pub.Edition, by.Name, now, resultsSHA); err != nil {
			return err
		}
		pub.State, pub.PublishedBy, pub.PublishedAt, pub.ResultsSHA256 = store.PublicationPublished, by.Name, &now, resultsSHA
		return s.audit(ctx, tx, by, "protocol.publish", contest, school, fmt.Sprintf("grade %d edition %d", grade, pub.Edition), nil,
			map[string]any{"publication": pub, "files": out})
	})
	return out, pub, err
}

func (s *DB) OpenAmendment(ctx context.Context, by store.Actor, contest, school string, grade int, reason string) (pub store.Publication, err error) {
	defer store.Wrap(&err, "OpenAmendment(%s, %s, %d)", contest, school, grade)
	if strings.TrimSpace(reason) == "" || len(reason) > 2000 {
		return pub, store.Errorf(store.Invalid, "say why the published results must change (at most 2,000 bytes); the reason is printed in the amended protocol")
	}
	err = s.tx(ctx, func(tx *sql.Tx) error {
		last, ok, err := latestPublication(ctx, tx, s.d.ForUpdate, contest, school, grade)
		if err != nil {
			return err
		}
		if !ok {
			return store.Errorf(store.Conflict, "grade %d of school %s is not published; it can change without an amendment", grade, school)
		}
		if last.State == store.PublicationOpen {
			return store.Errorf(store.Conflict, "amendment %d of grade %d is already open (%s); publish it first", last.Edition, grade, last.Reason)
		}
		pub = store.Publication{School: school, Grade: grade, Edition: last.Edition + 1, State: store.PublicationOpen, Reason: strings.TrimSpace(reason),
			OpenedBy: by.Name, OpenedAt: s.now()}
		if _, err := tx.ExecContext(ctx, `INSERT INTO publications (contest, school, grade, edition, state, reason, opened_by, opened_at)
			VALUES ($1, $2, $3, $4, 'open', $5, $6, $7)`, contest, school, grade, pub.Edition, pub.Reason, pub.OpenedBy, pub.OpenedAt); err != nil {
			return err
		}
		return s.audit(ctx, tx, by, "protocol.amend", contest, school, fmt.Sprintf("grade %d edition %d", grade, pub.Edition), last, pub)
	})
	return pub, err
}

func (s *DB) Publications(ctx context.Context, contest, school string, grade int) (out []store.Publication, err error) {
	defer store.Wrap(&err, "Publications(%s, %s, %d)", contest, school, grade)
	rows, err := s.db.QueryContext(ctx, `SELECT `+publicationCols+` FROM publications WHERE contest = $1 AND school = $2 AND grade = $3 ORDER BY edition`,
		contest, school, grade)
	if err != nil {
		return nil, s.classify(err)
	}
	defer rows.Close()
	for rows.Next() {
		p, err := scanPublication(rows)
		if err != nil {
			return nil, s.classify(err)
		}
		out = append(out, p)
	}
	return out, s.classify(rows.Err())
}

func (s *DB) PublishedProtocol(ctx context.Context, contest, school string, grade int, format string, edition int) (p store.Protocol, err error) {
	defer store.Wrap(&err, "PublishedProtocol(%s, %s, %d, %s, %d)", contest, school, grade, format, edition)
	row := s.db.QueryRowContext(ctx, `SELECT `+protocolCols+` FROM protocols WHERE contest = $1 AND school = $2 AND grade = $3
		AND visibility = 'public' AND format = $4 AND published_at IS NOT NULL AND ($5 = 0 OR edition = $5) ORDER BY version DESC LIMIT 1`,
		contest, school, grade, format, edition)
	p, err = scanProtocol(row)
	if errors.Is(err, sql.ErrNoRows) {
		return p, store.Errorf(store.NotFound, "no published protocol")
	}
	return p, s.classify(err)
}
