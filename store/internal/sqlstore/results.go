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
	"strconv"
	"strings"

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

func (s *DB) PutScores(ctx context.Context, by store.Actor, contest, school string, grade int, rows []store.Score) (rs store.ResultSet, err error) {
	defer store.Wrap(&err, "PutScores(%s, %s, %d)", contest, school, grade)
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
		var id int64
		var err error
		rs, id, err = s.newSet(ctx, tx, by, "scores", contest, school, grade, rowsHash(records), len(rows))
		if err != nil {
			return err
		}
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
	err := s.db.QueryRowContext(ctx, `SELECT r.id, r.version, r.sha256, r.nrows, r.created_by, r.created_at FROM current_results c
		JOIN result_sets r ON r.id = c.set_id WHERE c.kind = $1 AND c.contest = $2 AND c.school = $3 AND c.grade = $4`,
		kind, contest, school, grade).Scan(&id, &rs.Version, &rs.SHA256, &rs.Rows, &rs.CreatedBy, &rs.CreatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return rs, 0, store.Errorf(store.NotFound, "no %s stored for school %s grade %d", kind, school, grade)
	}
	rs.CreatedAt = rs.CreatedAt.UTC()
	return rs, id, s.classify(err)
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
		case !slices.Contains(store.Outcomes, r.Outcome):
			return rs, store.Errorf(store.Invalid, "ranking row %d: outcome %q is not one of %s", i+1, r.Outcome, strings.Join(store.Outcomes, ", "))
		}
		seen[r.IIN] = true
		records = append(records, []string{r.School, strconv.Itoa(r.Grade), strconv.Itoa(r.Place), r.IIN, r.Name, strconv.Itoa(r.Score), r.Outcome})
	}
	err = s.tx(ctx, func(tx *sql.Tx) error {
		var id int64
		var err error
		rs, id, err = s.newSet(ctx, tx, by, "ranking", contest, school, grade, rowsHash(records), len(rows))
		if err != nil {
			return err
		}
		vals := make([][]any, len(rows))
		for i, r := range rows {
			vals[i] = []any{id, r.Place, r.IIN, r.Name, r.Score, r.Outcome}
		}
		_, err = s.insertRows(ctx, tx, "ranking_rows", []string{"set_id", "place", "iin", "name", "score", "outcome"}, vals, "")
		return err
	})
	return rs, err
}

func (s *DB) Ranking(ctx context.Context, contest, school string, grade int) (rk store.Ranking, err error) {
	defer store.Wrap(&err, "Ranking(%s, %s, %d)", contest, school, grade)
	rs, id, err := s.currentSet(ctx, "ranking", contest, school, grade)
	if err != nil {
		return rk, err
	}
	rk.ResultSet = rs
	rows, err := s.db.QueryContext(ctx, `SELECT place, iin, name, score, outcome FROM ranking_rows WHERE set_id = $1 ORDER BY place`, id)
	if err != nil {
		return rk, s.classify(err)
	}
	defer rows.Close()
	rk.Placements = make([]store.Placement, 0, rs.Rows)
	for rows.Next() {
		p := store.Placement{School: school, Grade: grade}
		if err := rows.Scan(&p.Place, &p.IIN, &p.Name, &p.Score, &p.Outcome); err != nil {
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
	rows, err := s.db.QueryContext(ctx, `SELECT c.school, c.grade, r.place, r.iin, r.name, r.score, r.outcome
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
		if err := rows.Scan(&p.School, &p.Grade, &p.Place, &p.IIN, &p.Name, &p.Score, &p.Outcome); err != nil {
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
	if strings.TrimSpace(d.Reason) == "" {
		return d, store.Errorf(store.Invalid, "the commission's reason is required; it is printed in the protocol")
	}
	a, b := slices.Clone(d.IINs), slices.Clone(d.Order)
	slices.Sort(a)
	slices.Sort(b)
	if !slices.Equal(a, b) || len(slices.Compact(a)) != len(d.IINs) {
		return d, store.Errorf(store.Invalid, "the decided order must list exactly the tied candidates, each once")
	}
	d.DecidedBy = by.Name
	d.DecidedAt = s.now()
	err = s.tx(ctx, func(tx *sql.Tx) error {
		if err := s.need(ctx, tx, contest, d.School); err != nil {
			return err
		}
		if err := tx.QueryRowContext(ctx, `INSERT INTO tie_decisions (contest, school, grade, iins, decided, reason, decided_by, decided_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`, contest, d.School, d.Grade, jsonString(d.IINs), jsonString(d.Order),
			d.Reason, d.DecidedBy, d.DecidedAt).Scan(&d.ID); err != nil {
			return err
		}
		return s.audit(ctx, tx, by, "tie.decide", contest, d.School, fmt.Sprintf("grade %d", d.Grade), nil, d)
	})
	return d, err
}

func (s *DB) TieDecisions(ctx context.Context, contest, school string, grade int) (out []store.TieDecision, err error) {
	defer store.Wrap(&err, "TieDecisions(%s, %s, %d)", contest, school, grade)
	rows, err := s.db.QueryContext(ctx, `SELECT id, school, grade, iins, decided, reason, decided_by, decided_at FROM tie_decisions
		WHERE contest = $1 AND school = $2 AND grade = $3 ORDER BY id`, contest, school, grade)
	if err != nil {
		return nil, s.classify(err)
	}
	defer rows.Close()
	for rows.Next() {
		var d store.TieDecision
		var iins, order string
		if err := rows.Scan(&d.ID, &d.School, &d.Grade, &iins, &order, &d.Reason, &d.DecidedBy, &d.DecidedAt); err != nil {
			return nil, s.classify(err)
		}
		json.Unmarshal([]byte(iins), &d.IINs)
		json.Unmarshal([]byte(order), &d.Order)
		d.DecidedAt = d.DecidedAt.UTC()
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
	p.CreatedBy, p.CreatedAt, p.PublishedAt = by.Name, s.now(), nil
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

const protocolCols = `school, grade, visibility, format, version, sha256, size, created_by, created_at, published_at`

func scanProtocol(sc interface{ Scan(...any) error }) (store.Protocol, error) {
	var p store.Protocol
	var pub sql.NullTime
	err := sc.Scan(&p.School, &p.Grade, &p.Visibility, &p.Format, &p.Version, &p.SHA256, &p.Size, &p.CreatedBy, &p.CreatedAt, &pub)
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

func (s *DB) Publish(ctx context.Context, by store.Actor, contest, school string, grade int) (out []store.Protocol, err error) {
	defer store.Wrap(&err, "Publish(%s, %s, %d)", contest, school, grade)
	err = s.tx(ctx, func(tx *sql.Tx) error {
		out = out[:0]
		now := s.now()
		for _, f := range store.ProtocolFormats {
			row := tx.QueryRowContext(ctx, `SELECT `+protocolCols+` FROM protocols WHERE contest = $1 AND school = $2 AND grade = $3
				AND visibility = 'public' AND format = $4 ORDER BY version DESC LIMIT 1`+s.d.ForUpdate, contest, school, grade, f)
			p, err := scanProtocol(row)
			if errors.Is(err, sql.ErrNoRows) {
				continue
			}
			if err != nil {
				return err
			}
			if p.PublishedAt == nil {
				if _, err := tx.ExecContext(ctx, `UPDATE protocols SET published_at = $7 WHERE contest = $1 AND school = $2 AND grade = $3
					AND visibility = $4 AND format = $5 AND version = $6`, contest, school, grade, p.Visibility, p.Format, p.Version, now); err != nil {
					return err
				}
				p.PublishedAt = &now
			}
			out = append(out, p)
		}
		if len(out) == 0 {
			return store.Errorf(store.NotFound, "school %s grade %d has no public protocol to publish; upload the public version first", school, grade)
		}
		return s.audit(ctx, tx, by, "protocol.publish", contest, school, fmt.Sprintf("grade %d", grade), nil, out)
	})
	return out, err
}

func (s *DB) PublishedProtocol(ctx context.Context, contest, school string, grade int, format string) (p store.Protocol, err error) {
	defer store.Wrap(&err, "PublishedProtocol(%s, %s, %d, %s)", contest, school, grade, format)
	row := s.db.QueryRowContext(ctx, `SELECT `+protocolCols+` FROM protocols WHERE contest = $1 AND school = $2 AND grade = $3
		AND visibility = 'public' AND format = $4 AND published_at IS NOT NULL ORDER BY version DESC LIMIT 1`, contest, school, grade, format)
	p, err = scanProtocol(row)
	if errors.Is(err, sql.ErrNoRows) {
		return p, store.Errorf(store.NotFound, "no published protocol")
	}
	return p, s.classify(err)
}
