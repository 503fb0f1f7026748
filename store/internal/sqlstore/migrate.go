package sqlstore

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"

	"tarazy/store"
)

// CompatibleMarker starts the first line of a migration that servers built without it
// can run beside: it only adds (tables, nullable or defaulted columns, indexes) and
// changes nothing an older build reads or writes. The runner records the mark with the
// migration, so an older server, which does not have the file, can still tell. A
// release that must remove or change something does it in a later, unmarked migration,
// once every server runs a build that no longer uses it (expand, then contract).
const CompatibleMarker = "-- compatible:"

// Migrate applies the migrations not yet applied, in order, each in its own
// transaction together with its row in schema_migrations.
func (s *DB) Migrate(ctx context.Context) (applied []string, err error) {
	defer store.Wrap(&err, "migrate %s", s.d.Name)
	err = s.tx(ctx, func(tx *sql.Tx) error {
		if err := s.migrationLock(ctx, tx); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
			version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL,
			compatible INTEGER NOT NULL DEFAULT 0)`); err != nil {
			return err
		}
		// Databases made before the mark existed lack its column.
		cols, err := columns(ctx, tx, "schema_migrations")
		if err != nil {
			return err
		}
		if !cols["compatible"] {
			_, err = tx.ExecContext(ctx, `ALTER TABLE schema_migrations ADD COLUMN compatible INTEGER NOT NULL DEFAULT 0`)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	files, err := s.migrationFiles()
	if err != nil {
		return nil, err
	}
	for _, m := range files {
		did := false
		err = s.tx(ctx, func(tx *sql.Tx) error {
			did = false
			if err := s.migrationLock(ctx, tx); err != nil {
				return err
			}
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations WHERE version = $1`, m.version).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				return nil
			}
			if _, err := tx.ExecContext(ctx, string(m.body)); err != nil {
				return fmt.Errorf("%s: %w", m.file, err)
			}
			compatible := 0
			if m.compatible {
				compatible = 1
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_at, compatible) VALUES ($1, $2, $3, $4)`,
				m.version, m.file, s.now().Format(time.RFC3339), compatible); err != nil {
				return err
			}
			did = true
			return nil
		})
		if err != nil {
			return applied, err
		}
		if did {
			applied = append(applied, m.file)
		}
	}
	return applied, nil
}

func (s *DB) migrationLock(ctx context.Context, tx *sql.Tx) error {
	if s.d.MigrationLock == "" {
		return nil
	}
	_, err := tx.ExecContext(ctx, s.d.MigrationLock)
	return err
}

// columns names the columns of a table, read from an empty result so that the same
// statement works on both backends.
func columns(ctx context.Context, tx *sql.Tx, table string) (map[string]bool, error) {
	rows, err := tx.QueryContext(ctx, `SELECT * FROM `+table+` WHERE 1 = 0`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	names, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	out := map[string]bool{}
	for _, n := range names {
		out[strings.ToLower(n)] = true
	}
	return out, rows.Err()
}

type migration struct {
	version    int
	file       string
	body       []byte
	compatible bool
}

func (s *DB) migrationFiles() ([]migration, error) {
	var out []migration
	seen := map[int]string{}
	for _, fsys := range s.migrations {
		entries, err := fs.ReadDir(fsys, ".")
		if err != nil {
			return nil, err
		}
		for _, e := range entries {
			name := e.Name()
			if e.IsDir() || path.Ext(name) != ".sql" {
				continue
			}
			num, _, ok := strings.Cut(name, "_")
			v, err := strconv.Atoi(num)
			if !ok || err != nil || v <= 0 {
				return nil, fmt.Errorf("migration %s: name must be NNN_what.sql", name)
			}
			if prev, dup := seen[v]; dup {
				return nil, fmt.Errorf("migrations %s and %s share number %d", prev, name, v)
			}
			seen[v] = name
			body, err := fs.ReadFile(fsys, name)
			if err != nil {
				return nil, err
			}
			first, _, _ := bytes.Cut(body, []byte("\n"))
			out = append(out, migration{version: v, file: name, body: body,
				compatible: strings.HasPrefix(strings.TrimSpace(string(first)), CompatibleMarker)})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].version < out[j].version })
	return out, nil
}

// Migrations reports how many of the migrations this build knows are applied, and how
// many it knows. Schema says more (migrations of a newer build).
func (s *DB) Migrations(ctx context.Context) (applied, known int, err error) {
	sc, err := s.Schema(ctx)
	return sc.Applied, sc.Known, err
}

// Schema compares the database's migrations with this build's. A database with no
// migration table yet (never migrated) has nothing applied: that is a state to
// report, not a failure.
func (s *DB) Schema(ctx context.Context) (sc store.Schema, err error) {
	defer store.Wrap(&err, "schema of %s", s.d.Name)
	files, err := s.migrationFiles()
	if err != nil {
		return sc, err
	}
	sc.Known = len(files)
	var exists bool
	if err := s.db.QueryRowContext(ctx, s.d.HasTable, "schema_migrations").Scan(&exists); err != nil {
		return sc, s.classify(err)
	}
	have := map[int]store.Migration{}
	if exists {
		have, err = s.appliedMigrations(ctx)
		if err != nil {
			return sc, err
		}
	}
	for _, m := range files {
		if _, ok := have[m.version]; ok {
			sc.Applied++
			delete(have, m.version)
		} else {
			sc.Missing = append(sc.Missing, m.file)
		}
	}
	for _, m := range have {
		sc.Newer = append(sc.Newer, m)
	}
	sort.Slice(sc.Newer, func(i, j int) bool { return sc.Newer[i].Version < sc.Newer[j].Version })
	return sc, nil
}

func (s *DB) appliedMigrations(ctx context.Context) (map[int]store.Migration, error) {
	q := `SELECT version, name, compatible FROM schema_migrations`
	rows, err := s.db.QueryContext(ctx, q)
	if err != nil {
		// A database migrated only by builds older than the compatible mark: none of
		// its migrations is newer than this build, so none needs the mark.
		rows, err = s.db.QueryContext(ctx, `SELECT version, name, 0 FROM schema_migrations`)
		if err != nil {
			return nil, s.classify(err)
		}
	}
	defer rows.Close()
	out := map[int]store.Migration{}
	for rows.Next() {
		var m store.Migration
		var c int
		if err := rows.Scan(&m.Version, &m.Name, &c); err != nil {
			return nil, s.classify(err)
		}
		m.Compatible = c != 0
		out[m.Version] = m
	}
	return out, s.classify(rows.Err())
}
