package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strings"
	"time"

	"tarazy/store"
)

func (s *DB) CreateToken(ctx context.Context, by store.Actor, u store.User, id string, secretHash []byte, expires *time.Time) (t store.Token, err error) {
	defer store.Wrap(&err, "CreateToken(%q)", u.Name)
	switch {
	case strings.TrimSpace(u.Name) == "":
		return t, store.Errorf(store.Invalid, "a token needs the name of the person or service holding it")
	case !slices.Contains(store.Roles, u.Role):
		return t, store.Errorf(store.Invalid, "role %q is not one of %s", u.Role, strings.Join(store.Roles, ", "))
	case store.ScopedRole(u.Role) && u.School == "":
		return t, store.Errorf(store.Invalid, "role %s works for one school: give its code", u.Role)
	case !store.ScopedRole(u.Role) && u.School != "":
		return t, store.Errorf(store.Invalid, "role %s is not bound to a school; leave the school empty", u.Role)
	case u.Chair && u.Role != store.RoleCommission:
		return t, store.Errorf(store.Invalid, "only a commission member can be the chair")
	case len(secretHash) != 32 || id == "":
		return t, store.Errorf(store.Invalid, "token id and SHA-256 of the secret are required")
	}
	err = s.tx(ctx, func(tx *sql.Tx) error {
		var old store.User
		err := tx.QueryRowContext(ctx, `SELECT name, role, school, chair, created_at FROM users WHERE name = $1`+s.d.ForUpdate, u.Name).
			Scan(&old.Name, &old.Role, &old.School, &old.Chair, &old.CreatedAt)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			u.CreatedAt = s.now()
			if _, err := tx.ExecContext(ctx, `INSERT INTO users (name, role, school, chair, created_at) VALUES ($1, $2, $3, $4, $5)`,
				u.Name, u.Role, u.School, u.Chair, u.CreatedAt); err != nil {
				return err
			}
			if err := s.audit(ctx, tx, by, "user.create", "", u.School, u.Name, nil, u); err != nil {
				return err
			}
		case err != nil:
			return err
		case old.Role != u.Role || old.School != u.School || old.Chair != u.Chair:
			return store.Errorf(store.Conflict, "user %s exists as %s of school %q (chair %v); pick another name for a different role", u.Name, old.Role, old.School, old.Chair)
		default:
			u.CreatedAt = old.CreatedAt.UTC()
		}
		t = store.Token{ID: id, User: u, CreatedAt: s.now(), ExpiresAt: expires}
		if _, err := tx.ExecContext(ctx, `INSERT INTO tokens (id, user_name, hash, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)`,
			id, u.Name, secretHash, t.CreatedAt, expires); err != nil {
			return err
		}
		return s.audit(ctx, tx, by, "token.create", "", u.School, u.Name, nil, map[string]any{"id": id, "role": u.Role, "expires_at": expires})
	})
	return t, err
}

const tokenCols = `t.id, t.created_at, t.expires_at, t.revoked_at, u.name, u.role, u.school, u.chair, u.created_at`

func scanToken(sc interface{ Scan(...any) error }) (store.Token, error) {
	var t store.Token
	var exp, rev sql.NullTime
	err := sc.Scan(&t.ID, &t.CreatedAt, &exp, &rev, &t.User.Name, &t.User.Role, &t.User.School, &t.User.Chair, &t.User.CreatedAt)
	t.CreatedAt, t.User.CreatedAt = t.CreatedAt.UTC(), t.User.CreatedAt.UTC()
	t.ExpiresAt, t.RevokedAt = nullTime(exp), nullTime(rev)
	return t, err
}

func (s *DB) TokenByHash(ctx context.Context, secretHash []byte) (t store.Token, err error) {
	defer store.Wrap(&err, "TokenByHash")
	t, err = scanToken(s.db.QueryRowContext(ctx, `SELECT `+tokenCols+` FROM tokens t JOIN users u ON u.name = t.user_name WHERE t.hash = $1`, secretHash))
	if errors.Is(err, sql.ErrNoRows) {
		return t, store.Errorf(store.Unauthorized, "this token is not known; ask the administrator for a new one")
	}
	if err != nil {
		return t, s.classify(err)
	}
	if t.RevokedAt != nil {
		return t, store.Errorf(store.Unauthorized, "this token was revoked; ask the administrator for a new one")
	}
	if t.ExpiresAt != nil && !s.now().Before(*t.ExpiresAt) {
		return t, store.Errorf(store.Unauthorized, "this token has expired; ask the administrator for a new one")
	}
	return t, nil
}

func (s *DB) RevokeToken(ctx context.Context, by store.Actor, id string) (err error) {
	defer store.Wrap(&err, "RevokeToken(%s)", id)
	return s.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE tokens SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL`, id, s.now())
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return store.Errorf(store.NotFound, "no active token %s", id)
		}
		return s.audit(ctx, tx, by, "token.revoke", "", "", id, nil, nil)
	})
}

func (s *DB) ListTokens(ctx context.Context) (out []store.Token, err error) {
	defer store.Wrap(&err, "ListTokens")
	rows, err := s.db.QueryContext(ctx, `SELECT `+tokenCols+` FROM tokens t JOIN users u ON u.name = t.user_name ORDER BY t.created_at, t.id`)
	if err != nil {
		return nil, s.classify(err)
	}
	defer rows.Close()
	for rows.Next() {
		t, err := scanToken(rows)
		if err != nil {
			return nil, s.classify(err)
		}
		out = append(out, t)
	}
	return out, s.classify(rows.Err())
}

func (s *DB) AppendAudit(ctx context.Context, e store.AuditEntry) (err error) {
	defer store.Wrap(&err, "AppendAudit(%s)", e.Action)
	_, err = s.db.ExecContext(ctx, `INSERT INTO audit_log (at, actor, role, action, contest, school, subject, before, after)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`, s.now(), e.Actor, e.Role, e.Action, e.Contest, e.School, e.Subject, e.Before, e.After)
	return s.classify(err)
}

func (s *DB) AuditLog(ctx context.Context, f store.AuditFilter) (out []store.AuditEntry, err error) {
	defer store.Wrap(&err, "AuditLog")
	if f.Limit <= 0 || f.Limit > 1000 {
		f.Limit = 100
	}
	before := f.BeforeID
	if before <= 0 {
		before = 1 << 62
	}
	rows, err := s.db.QueryContext(ctx, `SELECT id, at, actor, role, action, contest, school, subject, before, after FROM audit_log
		WHERE ($1 = '' OR contest = $1) AND ($2 = '' OR school = $2) AND ($3 = '' OR action = $3) AND id < $4
		ORDER BY id DESC LIMIT $5`, f.Contest, f.School, f.Action, before, f.Limit)
	if err != nil {
		return nil, s.classify(err)
	}
	defer rows.Close()
	for rows.Next() {
		var e store.AuditEntry
		if err := rows.Scan(&e.ID, &e.At, &e.Actor, &e.Role, &e.Action, &e.Contest, &e.School, &e.Subject, &e.Before, &e.After); err != nil {
			return nil, s.classify(err)
		}
		e.At = e.At.UTC()
		out = append(out, e)
	}
	return out, s.classify(rows.Err())
}
