package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"tarazy/review"
	"tarazy/store"
)

// evidence is what a field under review carries from the reader to the reviewer.
type evidence struct {
	confidence float64
	crop       string
	reason     string
}

// evidenceOf picks a field's evidence from an ingested page. The IIN is one field
// (review.Fields): its confidence is the lowest of its digits', its reason those of its
// digits, its crop the reader's crop of the whole grid when it sent one (the review
// screen composes one from the digits' crops otherwise).
func evidenceOf(it store.IngestItem, field string) evidence {
	if field != "iin" {
		return evidence{it.Confidence[field], it.Crops[field], it.Reasons[field]}
	}
	ev := evidence{confidence: it.Confidence["iin"], crop: it.Crops["iin"], reason: it.Reasons["iin"]}
	_, whole := it.Confidence["iin"]
	var reasons []string
	seen := map[string]bool{}
	if ev.reason != "" {
		reasons, seen[ev.reason] = append(reasons, ev.reason), true
	}
	for i := 1; i <= 12; i++ {
		f := "iin" + strconv.Itoa(i)
		if c, ok := it.Confidence[f]; ok && (!whole || c < ev.confidence) {
			ev.confidence, whole = c, true
		}
		if r := it.Reasons[f]; r != "" && !seen[r] {
			reasons, seen[r] = append(reasons, r), true
		}
	}
	ev.reason = strings.Join(reasons, "; ")
	return ev
}

// register answers whether an IIN is on a contest's register, for the one exception
// of the review rule (review.Field.Registered). It remembers the first database error
// for the caller to return.
type register struct {
	ctx     context.Context
	q       *sql.Tx
	contest string
	err     error
}

func (s *DB) register(ctx context.Context, q *sql.Tx, contest string) *register {
	return &register{ctx: ctx, q: q, contest: contest}
}

func (r *register) has(iin string) bool {
	if r.err != nil {
		return false
	}
	var n int
	err := r.q.QueryRowContext(r.ctx, `SELECT count(*) FROM candidates WHERE contest = $1 AND iin = $2`, r.contest, iin).Scan(&n)
	if err != nil {
		r.err = err
		return false
	}
	return n > 0
}

// accepts is has for a decision's value, which for a page review is its corrections.
func (r *register) accepts(value string) bool {
	if c, err := review.PageCorrections(value); err == nil {
		value = c["iin"]
	}
	return r.has(value)
}

// tabCondition selects the review items of a tab for one reviewer ($3); it filters
// review_items r.
func tabCondition(tab string, arg int) (string, bool, error) {
	mine := fmt.Sprintf(`EXISTS (SELECT 1 FROM review_decisions d WHERE d.item_id = r.id AND d.reviewer = $%d)`, arg)
	switch tab {
	case "":
		return "r.state <> 'final'", false, nil
	case store.ReviewMine:
		return "r.state = 'open' AND NOT " + mine, true, nil
	case store.ReviewOthers:
		return "r.state = 'open' AND " + mine, true, nil
	case store.ReviewChair:
		return "r.state = 'disputed'", false, nil
	}
	return "", false, store.Errorf(store.Invalid, "unknown review tab %q: mine, others or chair", tab)
}

func (s *DB) ReviewQueue(ctx context.Context, contest, school, after string, limit int) ([]store.ReviewSheet, error) {
	return s.ReviewSheets(ctx, contest, school, store.ReviewQuery{After: after, Limit: limit})
}

func (s *DB) ReviewSheets(ctx context.Context, contest, school string, q store.ReviewQuery) (out []store.ReviewSheet, err error) {
	defer store.Wrap(&err, "ReviewSheets(%s, %s, %q)", contest, school, q.Tab)
	if q.Limit <= 0 || q.Limit > 500 {
		q.Limit = 50
	}
	cond, needsReviewer, err := tabCondition(q.Tab, 5)
	if err != nil {
		return nil, err
	}
	args := []any{contest, school, q.After, q.Limit}
	if needsReviewer {
		args = append(args, q.Reviewer)
	}
	if q.Serial != "" {
		args = append(args, q.Serial)
		cond += fmt.Sprintf(" AND s.serial = $%d", len(args))
	}
	rows, err := s.db.QueryContext(ctx, `SELECT s.serial, s.form, s.current_version, v.image_sha FROM sheets s
		JOIN `+currentVersion+`
		WHERE s.contest = $1 AND s.school = $2 AND s.state = 'review' AND s.serial > $3
		AND EXISTS (SELECT 1 FROM review_items r WHERE r.contest = s.contest AND r.school = s.school AND r.serial = s.serial AND NOT r.applied AND `+cond+`)
		ORDER BY s.serial LIMIT $4`, args...)
	if err != nil {
		return nil, s.classify(err)
	}
	idx := map[string]int{}
	for rows.Next() {
		var rs store.ReviewSheet
		if err := rows.Scan(&rs.Serial, &rs.Form, &rs.Version, &rs.Image); err != nil {
			rows.Close()
			return nil, s.classify(err)
		}
		idx[rs.Serial] = len(out)
		out = append(out, rs)
	}
	if err := rows.Close(); err != nil {
		return nil, s.classify(err)
	}
	if len(out) == 0 {
		return out, nil
	}
	sargs := []any{contest, school}
	for _, rs := range out {
		sargs = append(sargs, rs.Serial)
	}
	in := placeholders(3, len(out))
	items, err := s.items(ctx, s.db, `WHERE r.contest = $1 AND r.school = $2 AND NOT r.applied AND r.serial IN (`+in+`)`, sargs...)
	if err != nil {
		return nil, err
	}
	for _, it := range items {
		i := idx[it.Serial]
		out[i].Items = append(out[i].Items, it)
	}
	rows, err = s.db.QueryContext(ctx, `SELECT serial, image_sha, batch, file, page, version, reading, crops FROM scans
		WHERE contest = $1 AND school = $2 AND serial IN (`+in+`) AND outcome IN ('stored', 'conflict') ORDER BY version, created_at, image_sha`, sargs...)
	if err != nil {
		return nil, s.classify(err)
	}
	defer rows.Close()
	for rows.Next() {
		var serial, rd, crops string
		var sc store.ReviewScan
		if err := rows.Scan(&serial, &sc.Image, &sc.Batch, &sc.File, &sc.Page, &sc.Version, &rd, &crops); err != nil {
			return nil, s.classify(err)
		}
		if err := json.Unmarshal([]byte(rd), &sc.Reading); err != nil {
			return nil, fmt.Errorf("scan %s of sheet %s: stored reading is damaged: %w", sc.Image, serial, err)
		}
		if err := json.Unmarshal([]byte(crops), &sc.Crops); err != nil {
			return nil, fmt.Errorf("scan %s of sheet %s: stored crops are damaged: %w", sc.Image, serial, err)
		}
		i := idx[serial]
		out[i].Scans = append(out[i].Scans, sc)
	}
	return out, s.classify(rows.Err())
}

func (s *DB) ReviewCounts(ctx context.Context, contest, school, reviewer string) (c store.ReviewCounts, err error) {
	defer store.Wrap(&err, "ReviewCounts(%s, %s)", contest, school)
	mine := `EXISTS (SELECT 1 FROM review_decisions d WHERE d.item_id = r.id AND d.reviewer = $3)`
	err = s.db.QueryRowContext(ctx, `SELECT
		coalesce(sum(CASE WHEN r.state = 'open' AND NOT `+mine+` THEN 1 ELSE 0 END), 0),
		coalesce(sum(CASE WHEN r.state = 'open' AND `+mine+` THEN 1 ELSE 0 END), 0),
		coalesce(sum(CASE WHEN r.state = 'disputed' THEN 1 ELSE 0 END), 0)
		FROM review_items r JOIN sheets s ON s.contest = r.contest AND s.school = r.school AND s.serial = r.serial
		WHERE r.contest = $1 AND s.school = $2 AND NOT r.applied`, contest, school, reviewer).Scan(&c.Mine, &c.Others, &c.Chair)
	if errors.Is(err, sql.ErrNoRows) {
		return c, nil
	}
	return c, s.classify(err)
}
