package storetest

import (
	"context"
	"io/fs"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"tarazy/omr/reading"
	"tarazy/store"
)

// nationalTests are the contract of the national deployment's store methods (issue
// 16) and of per-school file ownership (issue 12, item 6).
var nationalTests = []struct {
	name string
	fn   func(t *testing.T, s store.Store)
}{
	{"SchemaIsCurrentAfterMigrate", testSchemaCurrent},
	{"BlobOwnershipIsPerSchool", testBlobOwnership},
	{"ImageStoreIsBoundOnce", testBindImageStore},
	{"AnalyzeAfterABulkLoad", testAnalyze},
}

func testAnalyze(t *testing.T, s store.Store) {
	an, ok := s.(interface{ Analyze(context.Context) error })
	if !ok {
		t.Skip("the store has no Analyze")
	}
	if err := an.Analyze(ctx); err != nil {
		t.Fatal(err)
	}
}

func testSchemaCurrent(t *testing.T, s store.Store) {
	sc, err := s.Schema(ctx)
	if err != nil || !sc.Current() || sc.Known == 0 || sc.Applied != sc.Known || sc.Servable() != nil {
		t.Fatalf("Schema = %+v, %v", sc, err)
	}
}

// A school owns the images of its scans, its crops and what it uploaded; another
// school naming the same hash (the store is told so by a trusted caller here) takes
// nothing away from the owner and gains nothing for itself.
func testBlobOwnership(t *testing.T, s store.Store) {
	Seed(t, s)
	rd := Reading("000001", 1)
	rd.Status = reading.StatusReview
	rd.Review = []string{"q3"}
	it := Item(rd, "s1-page")
	it.Crops = map[string]string{"q3": Hash("s1-crop")}
	if _, err := s.Ingest(ctx, alice, "C1", "S1", store.Batch{Name: "b"}, []store.IngestItem{it}); err != nil {
		t.Fatal(err)
	}
	// S2 stores a page whose image is S1's crop, and whose crop is S1's page.
	saule := store.Actor{Name: "saule", Role: store.RoleCommission, School: "S2"}
	rd2 := Reading("000002", 2)
	rd2.Status = reading.StatusReview
	rd2.Review = []string{"q1"}
	bad := store.IngestItem{Reading: rd2, Image: Hash("s1-crop"), Crops: map[string]string{"q1": Hash("s1-page")}}
	if _, err := s.Ingest(ctx, saule, "C1", "S2", store.Batch{Name: "b"}, []store.IngestItem{bad}); err != nil {
		t.Fatal(err)
	}
	all := []string{Hash("s1-page"), Hash("s1-crop"), Hash("elsewhere")}
	if un, err := s.UnownedBlobs(ctx, "C1", "S1", all); err != nil || !slices.Equal(un, []string{Hash("elsewhere")}) {
		t.Fatalf("S1 owns its page and crop whatever S2 stored: unowned = %q, %v", un, err)
	}
	if un, err := s.UnownedBlobs(ctx, "C2", "S1", all[:1]); err != nil || len(un) != 1 {
		t.Fatalf("ownership is per contest: unowned = %q, %v", un, err)
	}
	if err := s.ClaimBlob(ctx, saule, "C1", "S2", Hash("uploaded by S2")); err != nil {
		t.Fatal(err)
	}
	if err := s.ClaimBlob(ctx, saule, "C1", "S2", Hash("uploaded by S2")); err != nil {
		t.Fatalf("a second claim of the same file: %v", err)
	}
	if un, err := s.UnownedBlobs(ctx, "C1", "S2", []string{Hash("uploaded by S2"), Hash("elsewhere")}); err != nil || !slices.Equal(un, []string{Hash("elsewhere")}) {
		t.Fatalf("S2 owns what it uploaded: unowned = %q, %v", un, err)
	}
	if un, _ := s.UnownedBlobs(ctx, "C1", "S1", []string{Hash("uploaded by S2")}); len(un) != 1 {
		t.Fatal("a file S2 uploaded is owned by S1 too")
	}
	wantCode(t, s.ClaimBlob(ctx, saule, "C1", "S9", Hash("x")), store.NotFound)
	wantCode(t, s.ClaimBlob(ctx, saule, "C1", "S2", "../etc/passwd"), store.Invalid)
	many := make([]string, 1200)
	for i := range many {
		many[i] = Hash(strings.Repeat("m", i+1))
	}
	if un, err := s.UnownedBlobs(ctx, "C1", "S1", append(many, Hash("s1-page"))); err != nil || len(un) != len(many) {
		t.Fatalf("1,201 hashes at once: %d unowned, %v", len(un), err)
	}
}

func testBindImageStore(t *testing.T, s store.Store) {
	got, err := s.BindImageStore(ctx, "bucket-a")
	if err != nil || got != "bucket-a" {
		t.Fatalf("first bind = %q, %v", got, err)
	}
	if got, err := s.BindImageStore(ctx, "directory-b"); err != nil || got != "bucket-a" {
		t.Fatalf("second bind = %q, %v; the first store stays bound", got, err)
	}
}

// Migrator is a store that migrates, as the backends open it.
type Migrator interface {
	store.Store
	Migrate(ctx context.Context) ([]string, error)
}

// Reopener opens another store on the same, initially empty database, knowing the
// embedded migrations plus extra (a newer build's).
type Reopener func(t *testing.T, extra ...fs.FS) Migrator

// RunRollingUpgrade checks the migration runner's part in rolling upgrades: a server
// may run on a schema a newer build migrated when every newer migration is marked
// compatible, and is told clearly when one is not.
func RunRollingUpgrade(t *testing.T, open Reopener) {
	old := open(t)
	sc, err := old.Schema(ctx)
	if err != nil || sc.Applied != 0 || len(sc.Missing) != sc.Known || sc.Servable() == nil ||
		!strings.Contains(sc.Servable().Error(), "tarazy migrate") {
		t.Fatalf("Schema of a database never migrated = %+v, %v (servable: %v)", sc, err, sc.Servable())
	}
	if store.ErrorCode(sc.Servable()) != store.Unavailable {
		t.Fatalf("an unmigrated database is %q, want unavailable (not ready)", store.ErrorCode(sc.Servable()))
	}
	if _, err := old.Migrate(ctx); err != nil {
		t.Fatal(err)
	}

	expand := fstest.MapFS{"168_test_expand.sql": {Data: []byte(CompatibleMigration)}}
	newer := open(t, expand)
	applied, err := newer.Migrate(ctx)
	if err != nil || !slices.Equal(applied, []string{"168_test_expand.sql"}) {
		t.Fatalf("the newer build applied %v, %v", applied, err)
	}
	if sc, err := newer.Schema(ctx); err != nil || !sc.Current() {
		t.Fatalf("the newer build's Schema = %+v, %v", sc, err)
	}
	sc, err = old.Schema(ctx)
	if err != nil || sc.Current() || sc.Servable() != nil || len(sc.Newer) != 1 || !sc.Newer[0].Compatible || sc.Newer[0].Name != "168_test_expand.sql" {
		t.Fatalf("the older build on the expanded schema: %+v, %v (servable: %v)", sc, err, sc.Servable())
	}
	// The older build starting again (a roll-back) applies nothing and still serves.
	if applied, err := open(t).Migrate(ctx); err != nil || len(applied) != 0 {
		t.Fatalf("the older build migrating the newer schema applied %v, %v", applied, err)
	}

	contract := fstest.MapFS{"168_test_expand.sql": expand["168_test_expand.sql"],
		"169_test_contract.sql": {Data: []byte("-- drops what older builds read\nALTER TABLE tarazy_test_expand ADD COLUMN y INTEGER;\n")}}
	if _, err := open(t, contract).Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	for name, s := range map[string]Migrator{"the oldest build": old, "the build with 168 only": newer} {
		sc, err := s.Schema(ctx)
		why := sc.Servable()
		if err != nil || why == nil || !strings.Contains(why.Error(), "169_test_contract.sql") || strings.Contains(why.Error(), "168_") ||
			store.ErrorCode(why) != store.Unavailable {
			t.Errorf("%s on a schema with an unmarked newer migration: %+v, %v; servable: %v", name, sc, err, why)
		}
	}
}

// CompatibleMigration is a test migration marked compatible (it only adds a table).
const CompatibleMigration = "-- compatible: adds a table no older build reads\nCREATE TABLE tarazy_test_expand (x INTEGER);\n"
