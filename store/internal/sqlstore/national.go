package sqlstore

import (
	"context"
	"database/sql"

	"tarazy/store"
	"tarazy/store/blob"
)

func (s *DB) BindImageStore(ctx context.Context, id string) (bound string, err error) {
	defer store.Wrap(&err, "BindImageStore(%s)", id)
	if id == "" {
		return "", store.Errorf(store.Invalid, "the image store has no identity")
	}
	err = s.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO deployment (key, value, set_at) VALUES ('image_store', $1, $2) ON CONFLICT DO NOTHING`, id, s.now()); err != nil {
			return err
		}
		return tx.QueryRowContext(ctx, `SELECT value FROM deployment WHERE key = 'image_store'`).Scan(&bound)
	})
	return bound, err
}

func (s *DB) ClaimBlob(ctx context.Context, by store.Actor, contest, school, sha string) (err error) {
	defer store.Wrap(&err, "ClaimBlob(%s, %s, %s)", contest, school, sha)
	if !blob.ValidHash(sha) {
		return store.Errorf(store.Invalid, "a file is named by its SHA-256, 64 lower-case hex digits")
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		if err := s.need(ctx, tx, contest, school); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO blob_claims (contest, school, sha, at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`,
			contest, school, sha, s.now())
		return err
	})
}

func (s *DB) UnownedBlobs(ctx context.Context, contest, school string, shas []string) (out []string, err error) {
	defer store.Wrap(&err, "UnownedBlobs(%s, %s)", contest, school)
	owned := map[string]bool{}
	for start := 0; start < len(shas); start += 500 {
		chunk := shas[start:min(start+500, len(shas))]
		args := []any{contest, school}
		for _, h := range chunk {
			args = append(args, h)
		}
		in := placeholders(3, len(chunk))
		rows, err := s.db.QueryContext(ctx, `SELECT image_sha FROM scans WHERE contest = $1 AND school = $2 AND image_sha IN (`+in+`)
			UNION SELECT r.crop_sha FROM review_items r JOIN sheets sh ON sh.contest = r.contest AND sh.serial = r.serial
				WHERE r.contest = $1 AND sh.school = $2 AND r.crop_sha IN (`+in+`)
			UNION SELECT sha FROM blob_claims WHERE contest = $1 AND school = $2 AND sha IN (`+in+`)`, args...)
		if err != nil {
			return nil, s.classify(err)
		}
		for rows.Next() {
			var h string
			if err := rows.Scan(&h); err != nil {
				rows.Close()
				return nil, s.classify(err)
			}
			owned[h] = true
		}
		if err := rows.Close(); err != nil {
			return nil, s.classify(err)
		}
	}
	for _, h := range shas {
		if !owned[h] {
			out = append(out, h)
		}
	}
	return out, nil
}

// Analyze refreshes the planner's statistics of the tables ingest and review read, as
// after a bulk load (both backends know ANALYZE table).
func (s *DB) Analyze(ctx context.Context) (err error) {
	defer store.Wrap(&err, "Analyze")
	for _, t := range []string{"scans", "sheets", "sheet_versions", "review_items", "blob_claims"} {
		if _, err := s.db.ExecContext(ctx, "ANALYZE "+t); err != nil {
			return s.classify(err)
		}
	}
	return nil
}
