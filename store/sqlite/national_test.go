package sqlite_test

import (
	"context"
	"io/fs"
	"path/filepath"
	"testing"

	"tarazy/store/sqlite"
	"tarazy/store/storetest"
)

func TestRollingUpgrade(t *testing.T) {
	path := filepath.Join(t.TempDir(), sqlite.FileName)
	storetest.RunRollingUpgrade(t, func(t *testing.T, extra ...fs.FS) storetest.Migrator {
		var opts []sqlite.Option
		for _, e := range extra {
			opts = append(opts, sqlite.WithMigrations(e))
		}
		s, err := sqlite.Open(context.Background(), path, opts...)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	})
}

// A database migrated before migrations carried the compatible mark gets its column
// on the next migrate, and its old rows count as applied.
func TestMigrateAddsTheCompatibleColumnToAnOldTable(t *testing.T) {
	ctx := context.Background()
	s, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), sqlite.FileName))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.SQL().Exec(`CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL);
		INSERT INTO schema_migrations VALUES (999, '999_from_an_old_build.sql', 'then')`); err != nil {
		t.Fatal(err)
	}
	if sc, err := s.Schema(ctx); err != nil || len(sc.Newer) != 1 || sc.Newer[0].Compatible {
		t.Fatalf("Schema before the column exists = %+v, %v", sc, err)
	}
	if _, err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	sc, err := s.Schema(ctx)
	if err != nil || sc.Applied != sc.Known || len(sc.Newer) != 1 || sc.Servable() == nil {
		t.Fatalf("Schema after migrate = %+v, %v", sc, err)
	}
}
