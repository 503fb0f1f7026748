// Package storetest is the contract every store.Store implementation passes: the same
// tests run on SQLite and on a real PostgreSQL (store/sqlite and store/postgres call
// Run from their tests).
package storetest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"tarazy/calibration"
	"tarazy/contest"
	"tarazy/iin"
	"tarazy/intake"
	"tarazy/omr/reading"
	"tarazy/review"
	"tarazy/scoring"
	"tarazy/store"
)

// Opener returns a fresh, migrated, empty store, closed by the test's cleanup.
type Opener func(t *testing.T) store.Store

var (
	admin = store.Actor{Name: "admin", Role: store.RoleAdmin}
	alice = store.Actor{Name: "aigerim", Role: store.RoleCommission, School: "S1"}
	bolat = store.Actor{Name: "bolat", Role: store.RoleCommission, School: "S1"}
	chair = store.Actor{Name: "chair", Role: store.RoleCommission, School: "S1"}
)

// Hash is the SHA-256 hex of s, as the image store names files.
func Hash(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

// IIN returns the n-th valid test IIN (born 2013, which grade-7 candidates are).
func IIN(n int) string {
	for serial := n; ; serial += 1000 {
		s, err := iin.Make(time.Date(2013, 3, 1+n%28, 0, 0, 0, 0, time.UTC), iin.Male, serial%10000)
		if err == nil {
			return s
		}
	}
}

// Reading returns a final g5 reading of sheet serial for candidate IIN(n).
func Reading(serial string, n int) reading.Reading {
	ans := make([]string, 40)
	for i := range ans {
		ans[i] = string("ABCDE"[(i+n)%5])
	}
	return reading.Reading{File: serial + ".png", Page: 1, Status: reading.StatusOK, Form: "g5", Sheet: serial,
		IIN: IIN(n), Variant: "1", Answers: ans, Review: []string{}}
}

// Item wraps a reading with an image hash derived from tag.
func Item(rd reading.Reading, tag string) store.IngestItem {
	return store.IngestItem{Reading: rd, Image: Hash(tag)}
}

// Seed creates contest C1 and schools S1, S2.
func Seed(t testing.TB, s store.Store) {
	t.Helper()
	ctx := context.Background()
	if _, err := s.CreateContest(ctx, admin, store.Contest{ID: "C1", Name: "Contest 2026", Year: 2026}); err != nil {
		t.Fatal(err)
	}
	if err := s.PutSchools(ctx, admin, []store.School{{Code: "S1", NameKK: "НЗМ Алматы", NameRU: "НИШ Алматы"}, {Code: "S2", NameKK: "НЗМ Астана", NameRU: "НИШ Астана"}}); err != nil {
		t.Fatal(err)
	}
}

func wantCode(t *testing.T, err error, code store.Code) {
	t.Helper()
	if store.ErrorCode(err) != code {
		t.Fatalf("error %v has code %q, want %q", err, store.ErrorCode(err), code)
	}
}

// Run runs the contract.
func Run(t *testing.T, open Opener) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s store.Store)
	}{
		{"MigrationsCurrent", testMigrations},
		{"Contests", testContests},
		{"SchoolsAndSeats", testSchoolsAndSeats},
		{"Commission", testCommission},
		{"Candidates", testCandidates},
		{"CandidatesAllOrNothing", testCandidatesAllOrNothing},
		{"KeysAreVersioned", testKeys},
		{"IngestNewSheets", testIngestNew},
		{"IngestSameImageTwiceIsANoOp", testIngestIdempotent},
		{"RescanSameReadingIsADuplicate", testRescanSame},
		{"RescanDifferentReadingIsAConflictNotAnOverwrite", testRescanConflict},
		{"IngestRejectedAndSameSerialAtTwoSchools", testIngestRejectedAndSameSerialAtTwoSchools},
		{"PagesElsewhereAndCrowdedIINs", testPagesElsewhere},
		{"ReviewHistoryKeepsSettledItems", testReviewHistory},
		{"Sittings", testSittings},
		{"PublishedMeansFrozen", testFrozen},
		{"PublishedMeansFrozenAtTheIntakeDesk", testFrozenIntake},
		{"IngestUnknownSchoolWritesNothing", testIngestUnknown},
		{"IngestUnfitPageIsRejectedTheRestGoesOn", testIngestUnfitPage},
		{"BatchSummaries", testBatches},
		{"BatchCalibration", testBatchCalibration},
		{"IngestConcurrentSameBatchStoresOnce", testIngestConcurrent},
		{"ReviewConfirmationIsFinal", testReviewConfirm},
		{"ReviewCorrectionNeedsSecondReviewer", testReviewCorrection},
		{"ReviewDisputeGoesToChair", testReviewDispute},
		{"ReviewOtherSchoolSeesNothing", testReviewScope},
		{"ReviewTabsForEachReviewer", testReviewTabs},
		{"ReviewInvalidIINIsNeverFinal", testReviewInvalidIIN},
		{"ReviewRegisteredIINFailingItsCheckDigit", testReviewRegisteredIIN},
		{"ReviewWholePage", testReviewPage},
		{"RankingsAreVersioned", testRankings},
		{"RankingRejectsBadRows", testRankingInvalid},
		{"NationalExportPages", testExport},
		{"Scores", testScores},
		{"TieDecisions", testTies},
		{"ProtocolsPublish", testProtocols},
		{"Tokens", testTokens},
		{"AuditRecordsBeforeAndAfter", testAudit},
	}
	tests = append(tests, nationalTests...)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.fn(t, open(t))
		})
	}
}

var ctx = context.Background()

func testMigrations(t *testing.T, s store.Store) {
	applied, known, err := s.Migrations(ctx)
	if err != nil || applied != known || known == 0 {
		t.Fatalf("Migrations = %d/%d, %v", applied, known, err)
	}
	if err := s.Ping(ctx); err != nil {
		t.Fatal(err)
	}
}

func testContests(t *testing.T, s store.Store) {
	c, err := s.CreateContest(ctx, admin, store.Contest{ID: "2026", Name: "Конкурс 2026", Year: 2026})
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.Contest(ctx, "2026")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(c, got); diff != "" {
		t.Errorf("Contest (-want +got)\n%s", diff)
	}
	_, err = s.CreateContest(ctx, admin, store.Contest{ID: "2026", Name: "again", Year: 2026})
	wantCode(t, err, store.Conflict)
	_, err = s.Contest(ctx, "1999")
	wantCode(t, err, store.NotFound)
	_, err = s.CreateContest(ctx, admin, store.Contest{ID: "a b", Year: 2026})
	wantCode(t, err, store.Invalid)
	list, err := s.ListContests(ctx)
	if err != nil || len(list) != 1 {
		t.Fatalf("ListContests = %v, %v", list, err)
	}
}

func testSchoolsAndSeats(t *testing.T, s store.Store) {
	Seed(t, s)
	q := 3
	seats := []store.Seats{{School: "S1", Grade: 7, Seats: 25, Quota: &q}, {School: "S1", Grade: 5, Seats: 50}}
	if err := s.PutSeats(ctx, alice, "C1", seats); err != nil {
		t.Fatal(err)
	}
	got, err := s.Seats(ctx, "C1", "S1")
	if err != nil {
		t.Fatal(err)
	}
	want := []store.Seats{seats[1], seats[0]}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Seats (-want +got)\n%s", diff)
	}
	if other, _ := s.Seats(ctx, "C1", "S2"); len(other) != 0 {
		t.Errorf("school S2 sees %v", other)
	}
	wantCode(t, s.PutSeats(ctx, alice, "C1", []store.Seats{{School: "S9", Grade: 7, Seats: 1}}), store.NotFound)
	big := 30
	wantCode(t, s.PutSeats(ctx, alice, "C1", []store.Seats{{School: "S1", Grade: 7, Seats: 25, Quota: &big}}), store.Invalid)
	wantCode(t, s.PutSeats(ctx, alice, "C0", seats), store.NotFound)
	sc, err := s.School(ctx, "S1")
	if err != nil || sc.NameRU != "НИШ Алматы" {
		t.Fatalf("School = %+v, %v", sc, err)
	}
}

func testCommission(t *testing.T, s store.Store) {
	Seed(t, s)
	c := contest.Commission{Chair: "Айгерім", Members: []contest.Member{{Name: "Айгерім", Position: "директор"}, {Name: "Болат", Position: "мұғалім"}}}
	if err := s.PutCommission(ctx, alice, "C1", "S1", c); err != nil {
		t.Fatal(err)
	}
	got, err := s.Commission(ctx, "C1", "S1")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(c, got); diff != "" {
		t.Errorf("(-want +got)\n%s", diff)
	}
	stranger := contest.Commission{Chair: "C", Members: []contest.Member{{Name: "A"}, {Name: "B"}}}
	wantCode(t, s.PutCommission(ctx, alice, "C1", "S1", stranger), store.Invalid)
	twice := contest.Commission{Members: []contest.Member{{Name: "A"}, {Name: "A"}}}
	wantCode(t, s.PutCommission(ctx, alice, "C1", "S1", twice), store.Invalid)
	many := contest.Commission{Members: make([]contest.Member, 1000)}
	for i := range many.Members {
		many.Members[i].Name = fmt.Sprint("member ", i)
	}
	wantCode(t, s.PutCommission(ctx, alice, "C1", "S1", many), store.Invalid)
}

func testCandidates(t *testing.T, s store.Store) {
	Seed(t, s)
	cs := []store.Candidate{
		{IIN: IIN(1), School: "S1", Grade: 7, Name: "Әлихан Сейітов", Language: "kk", Olympiad: true},
		{IIN: IIN(2), School: "S1", Grade: 7, Name: "Дана Ли", Language: "ru", MynBala: true},
	}
	if err := s.PutCandidates(ctx, alice, "C1", cs); err != nil {
		t.Fatal(err)
	}
	cs[1].Name = "Дана Ким"
	if err := s.PutCandidates(ctx, alice, "C1", cs[1:]); err != nil {
		t.Fatal(err)
	}
	got, err := s.Candidates(ctx, "C1", "S1")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(cs, got); diff != "" {
		t.Errorf("(-want +got)\n%s", diff)
	}
	err = s.PutCandidates(ctx, admin, "C1", []store.Candidate{{IIN: IIN(1), School: "S2", Grade: 7, Name: "X"}})
	wantCode(t, err, store.Conflict)
	if strings.Contains(store.ErrorMessage(err), "S1") {
		t.Errorf("the conflict names the other school: %v", err)
	}
	err = s.PutCandidates(ctx, alice, "C1", []store.Candidate{{IIN: "123", School: "S1", Grade: 7, Name: "X"}})
	wantCode(t, err, store.Invalid)
	// A failed check digit is admitted by law; it is not a reason to refuse.
	bad := IIN(3)
	bad = bad[:11] + string('0'+(bad[11]-'0'+1)%10)
	if err := s.PutCandidates(ctx, alice, "C1", []store.Candidate{{IIN: bad, School: "S1", Grade: 7, Name: "Checksum"}}); err != nil {
		t.Errorf("an IIN failing only its check digit: %v", err)
	}
}

func testCandidatesAllOrNothing(t *testing.T, s store.Store) {
	Seed(t, s)
	if err := s.PutCandidates(ctx, admin, "C1", []store.Candidate{{IIN: IIN(9), School: "S2", Grade: 7, Name: "Other"}}); err != nil {
		t.Fatal(err)
	}
	// The third row clashes: the first two must not be stored either.
	err := s.PutCandidates(ctx, alice, "C1", []store.Candidate{
		{IIN: IIN(1), School: "S1", Grade: 7, Name: "A"},
		{IIN: IIN(2), School: "S1", Grade: 7, Name: "B"},
		{IIN: IIN(9), School: "S1", Grade: 7, Name: "C"},
	})
	wantCode(t, err, store.Conflict)
	if got, _ := s.Candidates(ctx, "C1", "S1"); len(got) != 0 {
		t.Fatalf("a refused upload left %d candidates behind", len(got))
	}
}

func testKeys(t *testing.T, s store.Store) {
	Seed(t, s)
	k1 := strings.Repeat("A", 40)
	got, err := s.PutKeys(ctx, admin, "C1", []store.AnswerKey{{Grade: 5, Variant: "1", Answers: k1}, {Grade: 5, Variant: "2", Answers: k1}})
	if err != nil || got[0].Version != 1 {
		t.Fatalf("PutKeys = %+v, %v", got, err)
	}
	got, err = s.PutKeys(ctx, admin, "C1", []store.AnswerKey{{Grade: 5, Variant: "1", Answers: k1}})
	if err != nil || got[0].Version != 1 {
		t.Fatalf("same key again = %+v, %v; want version 1 kept", got, err)
	}
	k2 := "B" + k1[1:]
	if got, err = s.PutKeys(ctx, admin, "C1", []store.AnswerKey{{Grade: 5, Variant: "1", Answers: k2}}); err != nil || got[0].Version != 2 {
		t.Fatalf("changed key = %+v, %v; want version 2", got, err)
	}
	cur, err := s.Keys(ctx, "C1")
	if err != nil || len(cur) != 2 || cur[0].Answers != k2 || cur[0].Version != 2 || cur[1].Version != 1 {
		t.Fatalf("Keys = %+v, %v", cur, err)
	}
	_, err = s.PutKeys(ctx, admin, "C1", []store.AnswerKey{{Grade: 5, Variant: "1", Answers: "AXB"}})
	wantCode(t, err, store.Invalid)
}

func ingest(t *testing.T, s store.Store, school string, items ...store.IngestItem) []store.IngestResult {
	t.Helper()
	by := alice
	by.School = school
	res, err := s.Ingest(ctx, by, "C1", school, store.Batch{Name: "b1", Operator: "Айгерім", Scanner: "fi-7160"}, items)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func testIngestNew(t *testing.T, s store.Store) {
	Seed(t, s)
	res := ingest(t, s, "S1", Item(Reading("000001", 1), "img1"), Item(Reading("000002", 2), "img2"))
	want := []store.IngestResult{
		{Image: Hash("img1"), Serial: "000001", Version: 1, Outcome: store.OutcomeStored},
		{Image: Hash("img2"), Serial: "000002", Version: 1, Outcome: store.OutcomeStored},
	}
	if diff := cmp.Diff(want, res); diff != "" {
		t.Fatalf("(-want +got)\n%s", diff)
	}
	final, err := s.FinalSheets(ctx, "C1", "S1")
	if err != nil || len(final) != 2 {
		t.Fatalf("FinalSheets = %d, %v", len(final), err)
	}
	if diff := cmp.Diff(Reading("000001", 1), final[0].Reading); diff != "" {
		t.Errorf("stored reading (-want +got)\n%s", diff)
	}
	sh, err := s.Sheet(ctx, "C1", "S1", "000002")
	if err != nil || sh.State != store.SheetFinal || sh.School != "S1" || sh.Version != 1 {
		t.Fatalf("Sheet = %+v, %v", sh, err)
	}
	if un, err := s.UnownedBlobs(ctx, "C1", "S1", []string{Hash("img1")}); err != nil || len(un) != 0 {
		t.Fatalf("UnownedBlobs(own image) = %q, %v", un, err)
	}
	// A sheet whose serial could not be read is its own sheet, never merged.
	rd := Reading("", 3)
	res = ingest(t, s, "S1", Item(rd, "img3"))
	if res[0].Serial == "" || res[0].Outcome != store.OutcomeStored {
		t.Fatalf("no-serial sheet: %+v", res[0])
	}
}

func testIngestIdempotent(t *testing.T, s store.Store) {
	Seed(t, s)
	first := ingest(t, s, "S1", Item(Reading("000001", 1), "img1"))
	again := ingest(t, s, "S1", Item(Reading("000001", 1), "img1"), Item(Reading("000001", 1), "img1"))
	for _, r := range again {
		want := first[0]
		want.Existing = true
		if diff := cmp.Diff(want, r); diff != "" {
			t.Errorf("second upload (-want +got)\n%s", diff)
		}
	}
	vs, err := s.SheetVersions(ctx, "C1", "S1", "000001")
	if err != nil || len(vs) != 1 {
		t.Fatalf("versions after re-upload = %d, %v", len(vs), err)
	}
	// The same image claimed for another school gets no data of the first.
	other := ingest(t, s, "S2", Item(Reading("000001", 1), "img1"))
	if other[0].Outcome != store.OutcomeRejected || other[0].Serial != "" {
		t.Errorf("another school's re-upload: %+v", other[0])
	}
}

func testRescanSame(t *testing.T, s store.Store) {
	Seed(t, s)
	ingest(t, s, "S1", Item(Reading("000001", 1), "img1"))
	rd := Reading("000001", 1)
	rd.File = "rescan.png"
	res := ingest(t, s, "S1", Item(rd, "img1-rescan"))
	if res[0].Outcome != store.OutcomeDuplicate || res[0].Version != 1 || res[0].Existing {
		t.Fatalf("rescan with the same reading: %+v", res[0])
	}
}

func testRescanConflict(t *testing.T, s store.Store) {
	Seed(t, s)
	ingest(t, s, "S1", Item(Reading("000001", 1), "img1"))
	rd := Reading("000001", 1)
	rd.Answers[4] = "E"
	if rd.Answers[4] == Reading("000001", 1).Answers[4] {
		rd.Answers[4] = "A"
	}
	it := Item(rd, "img1-rescan")
	it.Crops = map[string]string{"q5": Hash("crop-q5")}
	res := ingest(t, s, "S1", it)
	if res[0].Outcome != store.OutcomeConflict || res[0].Version != 2 {
		t.Fatalf("rescan with a different reading: %+v", res[0])
	}
	vs, err := s.SheetVersions(ctx, "C1", "S1", "000001")
	if err != nil || len(vs) != 2 {
		t.Fatalf("versions = %d, %v", len(vs), err)
	}
	if diff := cmp.Diff(Reading("000001", 1), vs[0].Reading); diff != "" {
		t.Errorf("the first version changed (-want +got)\n%s", diff)
	}
	if vs[1].Source != store.SourceRescan || vs[1].Reading.Status != reading.StatusReview {
		t.Errorf("version 2 = %+v", vs[1])
	}
	if final, _ := s.FinalSheets(ctx, "C1", "S1"); len(final) != 0 {
		t.Errorf("a sheet in conflict must not be scored; FinalSheets = %d", len(final))
	}
	q, err := s.ReviewQueue(ctx, "C1", "S1", "", 10)
	if err != nil || len(q) != 1 || len(q[0].Items) != 1 {
		t.Fatalf("ReviewQueue = %+v, %v", q, err)
	}
	item := q[0].Items[0]
	if item.Field != "q5" || item.HasMachine || len(item.Candidates) != 2 || item.Crop != Hash("crop-q5") {
		t.Errorf("conflict item = %+v", item)
	}
	if !strings.Contains(item.Reason, "scanned again and read differently") {
		t.Errorf("the reviewer is not told why: reason %q", item.Reason)
	}
	if un, err := s.UnownedBlobs(ctx, "C1", "S1", []string{Hash("crop-q5")}); err != nil || len(un) != 0 {
		t.Errorf("UnownedBlobs(own crop) = %q, %v", un, err)
	}
	// Without a machine value one person is not enough, even confirming a scan.
	r, err := s.RecordDecision(ctx, alice, "C1", "S1", "000001", "q5", review.Decision{Reviewer: "aigerim", Value: item.Candidates[0]}, false)
	if err != nil || r.SheetVersion != 0 || r.Item.Outcome.State != review.Open {
		t.Fatalf("first keying = %+v, %v", r, err)
	}
	r, err = s.RecordDecision(ctx, bolat, "C1", "S1", "000001", "q5", review.Decision{Reviewer: "bolat", Value: item.Candidates[0]}, false)
	if err != nil || r.SheetVersion != 3 {
		t.Fatalf("second keying = %+v, %v", r, err)
	}
	sh, _ := s.Sheet(ctx, "C1", "S1", "000001")
	if sh.State != store.SheetFinal || sh.Reading.Answers[4] != item.Candidates[0] || !sh.Reading.Final() {
		t.Errorf("settled sheet = %+v", sh)
	}
}

// Every school prints its sheets from 000001: the same serial at two schools is two
// sheets, each stored and scored at its own school (issue 10).
func testIngestRejectedAndSameSerialAtTwoSchools(t *testing.T, s store.Store) {
	Seed(t, s)
	ingest(t, s, "S2", Item(Reading("000777", 7), "s2img"))
	rej := reading.Reading{File: "blank.png", Page: 1, Status: reading.StatusRejected, Error: "no registration marks found"}
	res := ingest(t, s, "S1", Item(rej, "rej"), Item(Reading("000777", 8), "s1img"), Item(Reading("000001", 1), "ok"))
	if res[0].Outcome != store.OutcomeRejected || res[0].Reason != "no registration marks found" {
		t.Errorf("rejected page: %+v", res[0])
	}
	if res[1].Outcome != store.OutcomeStored || res[1].Serial != "000777" || res[1].Version != 1 {
		t.Errorf("S1's own sheet 000777: %+v", res[1])
	}
	if res[2].Outcome != store.OutcomeStored {
		t.Errorf("the rest of the batch: %+v", res[2])
	}
	a, err1 := s.Sheet(ctx, "C1", "S1", "000777")
	b, err2 := s.Sheet(ctx, "C1", "S2", "000777")
	if err1 != nil || err2 != nil || a.Reading.IIN != IIN(8) || b.Reading.IIN != IIN(7) {
		t.Errorf("the two schools' sheets 000777: %+v %v / %+v %v", a, err1, b, err2)
	}
	pages, err := s.Pages(ctx, "C1", "S1")
	refusals := map[string]string{}
	for _, p := range pages {
		refusals[p.File] = p.Refusal
	}
	if err != nil || len(pages) != 3 || refusals["blank.png"] != store.RefusalReader || refusals["000777.png"] != "" {
		t.Errorf("Pages = %+v, %v", pages, err)
	}
	again := ingest(t, s, "S1", Item(rej, "rej"))
	if !again[0].Existing || again[0].Outcome != store.OutcomeRejected {
		t.Errorf("a rejected page uploaded again: %+v", again[0])
	}
}

func testIngestUnknown(t *testing.T, s store.Store) {
	Seed(t, s)
	_, err := s.Ingest(ctx, alice, "C1", "S9", store.Batch{Name: "b"}, []store.IngestItem{Item(Reading("000001", 1), "x")})
	wantCode(t, err, store.NotFound)
	_, err = s.Ingest(ctx, alice, "C1", "S1", store.Batch{Name: "b"}, []store.IngestItem{{Reading: Reading("000001", 1), Image: "nothex"}})
	wantCode(t, err, store.Invalid)
	bad := Item(Reading("000001", 1), "ok")
	bad.Crops = map[string]string{"q1": "x"}
	_, err = s.Ingest(ctx, alice, "C1", "S1", store.Batch{Name: "b"}, []store.IngestItem{Item(Reading("000002", 2), "fine"), bad})
	wantCode(t, err, store.Invalid)
	if _, err := s.Sheet(ctx, "C1", "S1", "000002"); store.ErrorCode(err) != store.NotFound {
		t.Errorf("a refused batch stored a sheet: %v", err)
	}
}

// A page whose reading does not fit its form is rejected with the reason; the rest of
// the batch is stored.
func testIngestUnfitPage(t *testing.T, s store.Store) {
	Seed(t, s)
	short := Reading("000002", 2)
	short.Answers = short.Answers[:10]
	unknown := Reading("000003", 3)
	unknown.Form = "g9"
	odd := Reading("000004", 4)
	odd.Status = "maybe"
	res := ingest(t, s, "S1", Item(Reading("000001", 1), "ok"), Item(short, "short"), Item(unknown, "unknown"), Item(odd, "odd"))
	if res[0].Outcome != store.OutcomeStored {
		t.Errorf("the good page: %+v", res[0])
	}
	for i, want := range []string{"10 answers for form g5 of 40", "g9", `status "maybe"`} {
		r := res[i+1]
		if r.Outcome != store.OutcomeRejected || !strings.Contains(r.Reason, want) {
			t.Errorf("page %d: %+v, want rejected mentioning %q", i+2, r, want)
		}
	}
	if _, err := s.Sheet(ctx, "C1", "S1", "000002"); store.ErrorCode(err) != store.NotFound {
		t.Errorf("an unfit page made a sheet: %v", err)
	}
	again := ingest(t, s, "S1", Item(short, "short"))
	if !again[0].Existing || again[0].Outcome != store.OutcomeRejected {
		t.Errorf("the unfit page again: %+v", again[0])
	}
}

func testIngestConcurrent(t *testing.T, s store.Store) {
	Seed(t, s)
	var items []store.IngestItem
	for i := 0; i < 50; i++ {
		items = append(items, Item(Reading(fmt.Sprintf("%06d", i), i), fmt.Sprintf("img%d", i)))
	}
	var wg sync.WaitGroup
	results := make([][]store.IngestResult, 4)
	errs := make([]error, 4)
	for w := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[w], errs[w] = s.Ingest(ctx, alice, "C1", "S1", store.Batch{Name: "same"}, items)
		}()
	}
	wg.Wait()
	fresh := 0
	for w := range results {
		if errs[w] != nil {
			t.Fatalf("worker %d: %v", w, errs[w])
		}
		for i, r := range results[w] {
			if r.Outcome != store.OutcomeStored || r.Version != 1 {
				t.Fatalf("worker %d item %d: %+v", w, i, r)
			}
			if !r.Existing {
				fresh++
			}
		}
	}
	if fresh != len(items) {
		t.Errorf("%d pages stored as new by the four workers together, want %d (each once)", fresh, len(items))
	}
	final, _ := s.FinalSheets(ctx, "C1", "S1")
	if len(final) != len(items) {
		t.Errorf("FinalSheets = %d, want %d", len(final), len(items))
	}
}

func reviewSheet(t *testing.T, s store.Store) {
	t.Helper()
	Seed(t, s)
	rd := Reading("000005", 5)
	rd.Status = reading.StatusReview
	rd.Review = []string{"q3", "iin12"}
	rd.Answers[2] = "B"
	it := Item(rd, "rev")
	it.Confidence = map[string]float64{"q3": 0.41}
	it.Reasons = map[string]string{"q3": "unclear mark on B: a light mark, a partial erasure or a smudge"}
	it.Crops = map[string]string{"q3": Hash("crop-q3")}
	res := ingest(t, s, "S1", it)
	if res[0].Outcome != store.OutcomeStored {
		t.Fatalf("%+v", res[0])
	}
	q, err := s.ReviewQueue(ctx, "C1", "S1", "", 10)
	if err != nil || len(q) != 1 || len(q[0].Items) != 2 {
		t.Fatalf("ReviewQueue = %+v, %v", q, err)
	}
	for _, item := range q[0].Items {
		if item.Field == "q3" && (item.Reason != it.Reasons["q3"] || item.Confidence != 0.41) {
			t.Fatalf("q3 under review = %+v: the reader's reason and confidence must reach the reviewer", item)
		}
	}
}

func testReviewConfirm(t *testing.T, s store.Store) {
	reviewSheet(t, s)
	q, err := s.ReviewQueue(ctx, "C1", "S1", "", 10)
	if err != nil || len(q) != 1 || q[0].Serial != "000005" || q[0].Image != Hash("rev") {
		t.Fatalf("ReviewQueue = %+v, %v", q, err)
	}
	items := q[0].Items
	if len(items) != 2 || items[0].Field != "q3" || items[0].Machine != "B" || !items[0].HasMachine || items[0].Confidence != 0.41 {
		t.Fatalf("items = %+v", items)
	}
	if n, _ := s.OpenReviewFields(ctx); n != 2 {
		t.Errorf("OpenReviewFields = %d, want 2", n)
	}
	if r, err := s.RecordDecision(ctx, alice, "C1", "S1", "000005", "q3", review.Decision{Reviewer: "aigerim", Value: "B"}, false); err != nil || r.SheetVersion != 0 || r.Item.Outcome.State != review.Final {
		t.Fatalf("confirm q3 = %+v, %v", r, err)
	}
	// The reader's doubt about one IIN digit is a review of the IIN as one number.
	if items[1].Field != "iin" || items[1].Machine != IIN(5) || !items[1].HasMachine {
		t.Fatalf("IIN under review = %+v", items[1])
	}
	r, err := s.RecordDecision(ctx, alice, "C1", "S1", "000005", "iin", review.Decision{Reviewer: "aigerim", Value: IIN(5)}, false)
	if err != nil || r.SheetVersion != 2 {
		t.Fatalf("confirm the IIN = %+v, %v", r, err)
	}
	sh, _ := s.Sheet(ctx, "C1", "S1", "000005")
	if sh.State != store.SheetFinal || sh.Version != 2 || !sh.Reading.Final() || sh.Reading.IIN != IIN(5) {
		t.Errorf("sheet after review = %+v", sh)
	}
	vs, _ := s.SheetVersions(ctx, "C1", "S1", "000005")
	if len(vs) != 2 || vs[0].Reading.Status != reading.StatusReview || vs[1].Source != store.SourceReview || vs[1].CreatedBy != "aigerim" {
		t.Errorf("versions = %+v", vs)
	}
	if q, _ := s.ReviewQueue(ctx, "C1", "S1", "", 10); len(q) != 0 {
		t.Errorf("queue after review = %+v", q)
	}
	if n, _ := s.OpenReviewFields(ctx); n != 0 {
		t.Errorf("OpenReviewFields = %d, want 0", n)
	}
	_, err = s.RecordDecision(ctx, bolat, "C1", "S1", "000005", "q3", review.Decision{Reviewer: "bolat", Value: "C"}, false)
	wantCode(t, err, store.NotFound)
}

func testReviewCorrection(t *testing.T, s store.Store) {
	reviewSheet(t, s)
	dec := func(by store.Actor, v string) (store.DecisionResult, error) {
		return s.RecordDecision(ctx, by, "C1", "S1", "000005", "q3", review.Decision{Reviewer: by.Name, Value: v}, false)
	}
	if r, err := dec(alice, "D"); err != nil || r.Item.Outcome.State != review.Open {
		t.Fatalf("correction = %+v, %v", r, err)
	}
	if r, err := dec(alice, "D"); err != nil || r.Item.Outcome.State != review.Open {
		t.Fatalf("the same reviewer again = %+v, %v; want still open", r, err)
	}
	if r, err := dec(bolat, "D"); err != nil || r.Item.Outcome.State != review.Final || r.Item.Outcome.Value != "D" {
		t.Fatalf("second reviewer agreeing = %+v, %v", r, err)
	}
	_, err := dec(bolat, "Z")
	wantCode(t, err, store.Invalid)
	_, err = dec(bolat, "C")
	wantCode(t, err, store.Conflict)
}

func testReviewDispute(t *testing.T, s store.Store) {
	reviewSheet(t, s)
	dec := func(by store.Actor, v string, asChair, isChair bool) (store.DecisionResult, error) {
		return s.RecordDecision(ctx, by, "C1", "S1", "000005", "q3", review.Decision{Reviewer: by.Name, Value: v, Chair: asChair}, isChair)
	}
	dec(alice, "D", false, false)
	if r, err := dec(bolat, "E", false, false); err != nil || r.Item.Outcome.State != review.Disputed {
		t.Fatalf("disagreement = %+v, %v", r, err)
	}
	_, err := dec(store.Actor{Name: "dana", Role: store.RoleCommission, School: "S1"}, "D", false, false)
	wantCode(t, err, store.Conflict)
	_, err = dec(bolat, "D", true, false)
	wantCode(t, err, store.Conflict)
	r, err := dec(chair, "E", true, true)
	if err != nil || r.Item.Outcome.State != review.Final || r.Item.Outcome.Value != "E" {
		t.Fatalf("chair = %+v, %v", r, err)
	}
	q, _ := s.ReviewQueue(ctx, "C1", "S1", "", 10)
	if len(q) != 1 || len(q[0].Items[0].Decisions) != 3 {
		t.Fatalf("decisions kept = %+v", q)
	}
}

func testReviewScope(t *testing.T, s store.Store) {
	reviewSheet(t, s)
	if q, err := s.ReviewQueue(ctx, "C1", "S2", "", 10); err != nil || len(q) != 0 {
		t.Fatalf("S2 queue = %+v, %v", q, err)
	}
	_, err := s.RecordDecision(ctx, alice, "C1", "S2", "000005", "q3", review.Decision{Reviewer: "x", Value: "B"}, false)
	wantCode(t, err, store.NotFound)
}

func ranking(school string, grade, n int) []store.Placement {
	out := make([]store.Placement, n)
	for i := range out {
		outcome := contest.Admitted
		if i >= n/2 {
			outcome = contest.NotAdmitted
		}
		out[i] = store.Placement{School: school, Grade: grade, Place: i + 1, IIN: IIN(i + 1), Name: fmt.Sprintf("Candidate %d", i+1), Score: 300 - i, Outcome: outcome}
	}
	return out
}

func testRankings(t *testing.T, s store.Store) {
	Seed(t, s)
	if v, err := s.RankingVersion(ctx, "C1", "S1", 7); err != nil || v != 0 {
		t.Fatalf("RankingVersion before any = %d, %v", v, err)
	}
	_, err := s.Ranking(ctx, "C1", "S1", 7)
	wantCode(t, err, store.NotFound)
	r1 := ranking("S1", 7, 10)
	rs, err := s.PutRanking(ctx, alice, "C1", "S1", 7, r1)
	if err != nil || rs.Version != 1 || rs.Rows != 10 || len(rs.SHA256) != 64 {
		t.Fatalf("PutRanking = %+v, %v", rs, err)
	}
	r2 := ranking("S1", 7, 12)
	rs2, err := s.PutRanking(ctx, alice, "C1", "S1", 7, r2)
	if err != nil || rs2.Version != 2 || rs2.SHA256 == rs.SHA256 {
		t.Fatalf("second PutRanking = %+v, %v", rs2, err)
	}
	got, err := s.Ranking(ctx, "C1", "S1", 7)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(r2, got.Placements); diff != "" || got.Version != 2 {
		t.Errorf("Ranking v%d (-want +got)\n%s", got.Version, diff)
	}
	if v, _ := s.RankingVersion(ctx, "C1", "S1", 7); v != 2 {
		t.Errorf("RankingVersion = %d", v)
	}
}

func testRankingInvalid(t *testing.T, s store.Store) {
	Seed(t, s)
	bad := ranking("S1", 7, 3)
	bad[2].Place = 5
	_, err := s.PutRanking(ctx, alice, "C1", "S1", 7, bad)
	wantCode(t, err, store.Invalid)
	bad = ranking("S1", 7, 3)
	bad[1].Outcome = "maybe"
	_, err = s.PutRanking(ctx, alice, "C1", "S1", 7, bad)
	wantCode(t, err, store.Invalid)
	_, err = s.PutRanking(ctx, alice, "C1", "S1", 7, ranking("S2", 7, 3))
	wantCode(t, err, store.Invalid)
	if v, _ := s.RankingVersion(ctx, "C1", "S1", 7); v != 0 {
		t.Errorf("a refused ranking was stored as version %d", v)
	}
}

func testExport(t *testing.T, s store.Store) {
	Seed(t, s)
	tag0, _ := s.ExportTag(ctx, "C1")
	s.PutRanking(ctx, alice, "C1", "S1", 7, ranking("S1", 7, 5))
	s.PutRanking(ctx, alice, "C1", "S1", 5, ranking("S1", 5, 4))
	s.PutRanking(ctx, admin, "C1", "S2", 6, ranking("S2", 6, 3))
	s.PutRanking(ctx, admin, "C1", "S2", 6, ranking("S2", 6, 2)) // only the current version is exported
	tag1, _ := s.ExportTag(ctx, "C1")
	if tag0 == tag1 {
		t.Error("ExportTag did not change with new rankings")
	}
	var all []store.Placement
	var cur store.ExportCursor
	pages := 0
	for {
		page, err := s.ExportPage(ctx, "C1", cur, 3)
		if err != nil {
			t.Fatal(err)
		}
		if len(page) == 0 {
			break
		}
		pages++
		all = append(all, page...)
		last := page[len(page)-1]
		cur = store.ExportCursor{School: last.School, Grade: last.Grade, Place: last.Place}
	}
	if len(all) != 11 || pages != 4 {
		t.Fatalf("export = %d rows in %d pages, want 11 in 4", len(all), pages)
	}
	var keys []string
	for _, p := range all {
		keys = append(keys, fmt.Sprintf("%s/%d/%d", p.School, p.Grade, p.Place))
	}
	want := "S1/5/1 S1/5/2 S1/5/3 S1/5/4 S1/7/1 S1/7/2 S1/7/3 S1/7/4 S1/7/5 S2/6/1 S2/6/2"
	if got := strings.Join(keys, " "); got != want {
		t.Errorf("export order\n got %s\nwant %s", got, want)
	}
	if tag2, _ := s.ExportTag(ctx, "C1"); tag2 != tag1 {
		t.Error("ExportTag changed without a change")
	}
}

func testScores(t *testing.T, s store.Store) {
	Seed(t, s)
	rows := []store.Score{
		{School: "S1", Grade: 7, IIN: IIN(1), Name: "A", Score: 200, Math: 150, Reading: 30, History: 20, Olympiad: true},
		{School: "S1", Grade: 7, IIN: IIN(2), Name: "B", Score: 180, Math: 120, Reading: 40, History: 20, MynBala: true},
	}
	pol := contest.DefaultPolicy()
	pol.InvalidAs, pol.QuotaOrder = "blank", contest.QuotaFirst
	if _, err := s.PutScores(ctx, alice, "C1", "S1", 7, rows, pol); err != nil {
		t.Fatal(err)
	}
	rs, got, err := s.Scores(ctx, "C1", "S1", 7)
	if err != nil || rs.Version != 1 || rs.Policy == nil {
		t.Fatalf("Scores = %+v, %v", rs, err)
	}
	if diff := cmp.Diff(pol, *rs.Policy); diff != "" {
		t.Errorf("the policy recorded with the scores (-want +got)\n%s", diff)
	}
	want := map[string]store.Score{rows[0].IIN: rows[0], rows[1].IIN: rows[1]}
	for _, g := range got {
		if diff := cmp.Diff(want[g.IIN], g); diff != "" {
			t.Errorf("(-want +got)\n%s", diff)
		}
	}
	bad := pol
	bad.ReserveSize = 11
	_, err = s.PutScores(ctx, alice, "C1", "S1", 7, rows, bad)
	wantCode(t, err, store.Invalid)
	rows[1].IIN = rows[0].IIN
	_, err = s.PutScores(ctx, alice, "C1", "S1", 7, rows, pol)
	wantCode(t, err, store.Invalid)
}

func testTies(t *testing.T, s store.Store) {
	Seed(t, s)
	d, err := s.RecordTieDecision(ctx, alice, "C1", store.TieDecision{School: "S1", Grade: 7, IINs: []string{IIN(1), IIN(2)}, Order: []string{IIN(2), IIN(1)}, Reason: "жеребе"})
	if err != nil || d.ID == 0 || d.DecidedBy != "aigerim" {
		t.Fatalf("RecordTieDecision = %+v, %v", d, err)
	}
	got, err := s.TieDecisions(ctx, "C1", "S1", 7)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]store.TieDecision{d}, got); diff != "" {
		t.Errorf("(-want +got)\n%s", diff)
	}
	_, err = s.RecordTieDecision(ctx, alice, "C1", store.TieDecision{School: "S1", Grade: 7, IINs: []string{IIN(1), IIN(2)}, Order: []string{IIN(1), IIN(3)}, Reason: "x"})
	wantCode(t, err, store.Invalid)
	_, err = s.RecordTieDecision(ctx, alice, "C1", store.TieDecision{School: "S1", Grade: 7, IINs: []string{IIN(1), IIN(2)}, Order: []string{IIN(1), IIN(2)}})
	wantCode(t, err, store.Invalid)

	// Replaced: the old decision is withdrawn with the new one, and kept.
	r, err := s.RecordTieDecision(ctx, chair, "C1", store.TieDecision{School: "S1", Grade: 7, IINs: []string{IIN(1), IIN(2)}, Order: []string{IIN(1), IIN(2)}, Reason: "қайта жеребе", Replaces: d.ID})
	if err != nil || r.Replaces != d.ID {
		t.Fatalf("replace = %+v, %v", r, err)
	}
	_, err = s.RecordTieDecision(ctx, chair, "C1", store.TieDecision{School: "S1", Grade: 7, IINs: []string{IIN(1), IIN(2)}, Order: []string{IIN(1), IIN(2)}, Reason: "x", Replaces: d.ID})
	wantCode(t, err, store.NotFound) // already withdrawn
	w, err := s.WithdrawTieDecision(ctx, chair, "C1", "S1", 7, r.ID, "the scores changed")
	if err != nil || w.WithdrawnAt == nil || w.WithdrawnBy != "chair" {
		t.Fatalf("withdraw = %+v, %v", w, err)
	}
	_, err = s.WithdrawTieDecision(ctx, chair, "C1", "S1", 7, r.ID, "again")
	wantCode(t, err, store.NotFound)
	_, err = s.WithdrawTieDecision(ctx, chair, "C1", "S1", 7, d.ID+100, "none such")
	wantCode(t, err, store.NotFound)
	_, err = s.WithdrawTieDecision(ctx, chair, "C1", "S1", 7, r.ID, " ")
	wantCode(t, err, store.Invalid)
	got, _ = s.TieDecisions(ctx, "C1", "S1", 7)
	if len(got) != 2 || got[0].WithdrawnAt == nil || !strings.Contains(got[0].WithdrawReason, "replaced") || got[1].WithdrawReason != "the scores changed" {
		t.Errorf("decisions kept with their withdrawal: %+v", got)
	}
}

func putProtocol(t *testing.T, s store.Store, vis, format, content string) store.Protocol {
	t.Helper()
	p, err := s.PutProtocol(ctx, alice, "C1", store.Protocol{School: "S1", Grade: 7, Visibility: vis, Format: format, SHA256: Hash(content), Size: int64(len(content))})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func testProtocols(t *testing.T, s store.Store) {
	Seed(t, s)
	_, _, err := s.Publish(ctx, chair, "C1", "S1", 7, map[string]int{"pdf": 1}, "")
	wantCode(t, err, store.NotFound)
	putProtocol(t, s, "internal", "pdf", "internal v1")
	pdf := putProtocol(t, s, "public", "pdf", "public v1")
	html := putProtocol(t, s, "public", "html", "public html v1")
	_, err = s.PublishedProtocol(ctx, "C1", "S1", 7, "pdf", 0)
	wantCode(t, err, store.NotFound)
	_, _, err = s.Publish(ctx, chair, "C1", "S1", 7, map[string]int{"pdf": 1, "csv": 1}, "")
	wantCode(t, err, store.NotFound) // no public csv: nothing is published
	if pubs, _ := s.Publications(ctx, "C1", "S1", 7); len(pubs) != 0 {
		t.Fatalf("a refused publication left %+v", pubs)
	}
	files, pub, err := s.Publish(ctx, chair, "C1", "S1", 7, map[string]int{"pdf": pdf.Version, "html": html.Version}, Hash("results"))
	if err != nil || len(files) != 2 || pub.Edition != 1 || pub.State != store.PublicationPublished || pub.ResultsSHA256 != Hash("results") {
		t.Fatalf("Publish = %+v %+v, %v", files, pub, err)
	}
	p, err := s.PublishedProtocol(ctx, "C1", "S1", 7, "pdf", 0)
	if err != nil || p.SHA256 != Hash("public v1") || p.PublishedAt == nil || p.Edition != 1 {
		t.Fatalf("PublishedProtocol = %+v, %v", p, err)
	}
	v2 := putProtocol(t, s, "public", "pdf", "public v2")
	if v2.Version != 2 {
		t.Errorf("second file version %d", v2.Version)
	}
	if p, _ := s.PublishedProtocol(ctx, "C1", "S1", 7, "pdf", 0); p.SHA256 != Hash("public v1") {
		t.Error("a new file went public without being published")
	}
	_, _, err = s.Publish(ctx, chair, "C1", "S1", 7, map[string]int{"pdf": v2.Version}, "")
	wantCode(t, err, store.Conflict) // published: only an amendment changes it
	_, err = s.PublishedProtocol(ctx, "C1", "S1", 7, "csv", 0)
	wantCode(t, err, store.NotFound)
	all, _ := s.Protocols(ctx, "C1", "S1", 7)
	if len(all) != 4 {
		t.Errorf("Protocols = %d, want 4", len(all))
	}
	_, err = s.PutProtocol(ctx, alice, "C1", store.Protocol{School: "S1", Grade: 7, Visibility: "secret", Format: "pdf", SHA256: Hash("x")})
	wantCode(t, err, store.Invalid)

	// An amendment: opened with its reason, published as edition 2; edition 1 stays.
	_, err = s.OpenAmendment(ctx, chair, "C1", "S1", 6, "no such publication")
	wantCode(t, err, store.Conflict)
	_, err = s.OpenAmendment(ctx, chair, "C1", "S1", 7, " ")
	wantCode(t, err, store.Invalid)
	am, err := s.OpenAmendment(ctx, chair, "C1", "S1", 7, "sheet 000012 was rescanned")
	if err != nil || am.Edition != 2 || am.State != store.PublicationOpen {
		t.Fatalf("OpenAmendment = %+v, %v", am, err)
	}
	_, err = s.OpenAmendment(ctx, chair, "C1", "S1", 7, "twice")
	wantCode(t, err, store.Conflict)
	if _, pub, err = s.Publish(ctx, chair, "C1", "S1", 7, map[string]int{"pdf": v2.Version}, Hash("results 2")); err != nil || pub.Edition != 2 {
		t.Fatalf("publish the amendment = %+v, %v", pub, err)
	}
	if p, _ := s.PublishedProtocol(ctx, "C1", "S1", 7, "pdf", 0); p.SHA256 != Hash("public v2") || p.Edition != 2 {
		t.Errorf("latest published = %+v", p)
	}
	if p, _ := s.PublishedProtocol(ctx, "C1", "S1", 7, "pdf", 1); p.SHA256 != Hash("public v1") {
		t.Errorf("edition 1 = %+v", p)
	}
	pubs, _ := s.Publications(ctx, "C1", "S1", 7)
	if len(pubs) != 2 || pubs[1].Reason != "sheet 000012 was rescanned" || pubs[1].OpenedBy != "chair" || pubs[1].PublishedAt == nil {
		t.Errorf("Publications = %+v", pubs)
	}
}

// Published means frozen: every change that could change a published grade's results
// is refused until an amendment is open, and allowed while it is.
func testFrozen(t *testing.T, s store.Store) {
	Seed(t, s)
	ingest(t, s, "S1", Item(Reading("000001", 1), "before"))
	rd := Reading("000002", 2)
	rd.Status, rd.Review = reading.StatusReview, []string{"q3"}
	ingest(t, s, "S1", Item(rd, "review"))
	if err := s.PutCandidates(ctx, alice, "C1", []store.Candidate{{IIN: IIN(1), School: "S1", Grade: 5, Name: "A"}, {IIN: IIN(9), School: "S1", Grade: 7, Name: "Other grade"}}); err != nil {
		t.Fatal(err)
	}
	pdf := putProtocol(t, s, "public", "pdf", "public")
	pdf.Grade = 5
	p5, err := s.PutProtocol(ctx, alice, "C1", store.Protocol{School: "S1", Grade: 5, Visibility: "public", Format: "pdf", SHA256: Hash("g5"), Size: 2})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Publish(ctx, chair, "C1", "S1", 5, map[string]int{"pdf": p5.Version}, ""); err != nil {
		t.Fatal(err)
	}
	// A page of the grade: stored as refused, the rest of the batch goes on.
	later := Reading("000003", 3)
	res := ingest(t, s, "S1", Item(later, "after"))
	if res[0].Outcome != store.OutcomeRejected || !strings.Contains(res[0].Reason, "published") {
		t.Errorf("a page after publication: %+v", res[0])
	}
	pages, _ := s.Pages(ctx, "C1", "S1")
	if pages[len(pages)-1].Refusal != store.RefusalFrozen {
		t.Errorf("refusal = %q", pages[len(pages)-1].Refusal)
	}
	_, err = s.RecordDecision(ctx, alice, "C1", "S1", "000002", "q3", review.Decision{Reviewer: "aigerim", Value: "B"}, false)
	wantCode(t, err, store.Conflict)
	wantCode(t, s.PutCandidates(ctx, alice, "C1", []store.Candidate{{IIN: IIN(1), School: "S1", Grade: 5, Name: "A", Olympiad: true}}), store.Conflict)
	wantCode(t, s.PutCandidates(ctx, alice, "C1", []store.Candidate{{IIN: IIN(4), School: "S1", Grade: 5, Name: "New"}}), store.Conflict)
	wantCode(t, s.PutSeats(ctx, alice, "C1", []store.Seats{{School: "S1", Grade: 5, Seats: 3}}), store.Conflict)
	wantCode(t, s.PutCommission(ctx, alice, "C1", "S1", contest.Commission{}), store.Conflict)
	_, err = s.PutScores(ctx, alice, "C1", "S1", 5, nil, contest.DefaultPolicy())
	wantCode(t, err, store.Conflict)
	_, err = s.PutRanking(ctx, alice, "C1", "S1", 5, nil)
	wantCode(t, err, store.Conflict)
	_, err = s.RecordTieDecision(ctx, chair, "C1", store.TieDecision{School: "S1", Grade: 5, IINs: []string{IIN(1), IIN(2)}, Order: []string{IIN(1), IIN(2)}, Reason: "x"})
	wantCode(t, err, store.Conflict)
	key := store.AnswerKey{Grade: 5, Variant: "1", Answers: strings.Repeat("A", 40)}
	_, err = s.PutKeys(ctx, admin, "C1", []store.AnswerKey{key})
	wantCode(t, err, store.Conflict)
	// Other grades and other schools are not frozen.
	if err := s.PutCandidates(ctx, alice, "C1", []store.Candidate{{IIN: IIN(9), School: "S1", Grade: 7, Name: "Other grade", MynBala: true}}); err != nil {
		t.Errorf("another grade: %v", err)
	}
	if err := s.PutSeats(ctx, admin, "C1", []store.Seats{{School: "S2", Grade: 5, Seats: 3}}); err != nil {
		t.Errorf("another school: %v", err)
	}
	// With an amendment open, the grade may change again.
	if _, err := s.OpenAmendment(ctx, chair, "C1", "S1", 5, "a late sheet"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.RecordDecision(ctx, alice, "C1", "S1", "000002", "q3", review.Decision{Reviewer: "aigerim", Value: "B"}, false); err != nil {
		t.Errorf("a decision during the amendment: %v", err)
	}
	later.File = "again.png"
	if res := ingest(t, s, "S1", Item(later, "after, again")); res[0].Outcome != store.OutcomeStored {
		t.Errorf("the page scanned again during the amendment: %+v", res[0])
	}
	if err := s.PutCandidates(ctx, alice, "C1", []store.Candidate{{IIN: IIN(1), School: "S1", Grade: 5, Name: "A", Olympiad: true}}); err != nil {
		t.Errorf("a candidate during the amendment: %v", err)
	}
}

// A candidate withdrawn, or a new one registered, at the intake desk after the grade
// is published would change the published results without a trace: refused.
func testFrozenIntake(t *testing.T, s store.Store) {
	is, ok := s.(IntakeStore)
	if !ok {
		t.Skip("this store has no intake desk")
	}
	Seed(t, s)
	d := Desk(t, is, "Гүлнар", "S1")
	a, err := d.Submit(ctx, ContestSubmission(1, "S1", 3))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.SetStatus(ctx, a.Number, intake.Change{To: intake.InProgress, Staff: "Гүлнар"}); err != nil {
		t.Fatal(err)
	}
	p := putProtocol(t, s, "public", "pdf", "grade 7")
	if _, _, err := s.Publish(ctx, chair, "C1", "S1", 7, map[string]int{"pdf": p.Version}, ""); err != nil {
		t.Fatal(err)
	}
	_, err = d.SetStatus(ctx, a.Number, intake.Change{To: intake.Withdrawn, Staff: "Гүлнар", Reason: "written request"})
	wantCode(t, err, store.Conflict)
	if got := candidates(t, s, "S1"); len(got) != 1 {
		t.Errorf("the withdrawal reached the base of a published grade: %+v", got)
	}
	_, err = d.Submit(ctx, ContestSubmission(2, "S1", 4))
	wantCode(t, err, store.Conflict)
}

// PagesElsewhere tells a school that its candidate's page was scanned at another
// school, without naming it; ingest flags an IIN on too many sheets.
func testPagesElsewhere(t *testing.T, s store.Store) {
	Seed(t, s)
	ingest(t, s, "S2", Item(Reading("000100", 1), "s2-sheet"))
	unfit := Reading("000101", 2)
	unfit.Answers = unfit.Answers[:3]
	ingest(t, s, "S2", Item(unfit, "s2-unfit"))
	ingest(t, s, "S1", Item(Reading("000100", 3), "s1-own"))
	got, err := s.PagesElsewhere(ctx, "C1", "S1", []string{IIN(1), IIN(2), IIN(3)})
	want := []store.ElsewherePage{{IIN: IIN(1), State: "final"}, {IIN: IIN(2), State: "refused"}}
	if err != nil || !cmp.Equal(want, got) {
		t.Errorf("PagesElsewhere = %+v, %v; want %+v", got, err, want)
	}
	var items []store.IngestItem
	for i := 0; i < 5; i++ {
		items = append(items, Item(Reading(fmt.Sprintf("%06d", 200+i), 4), fmt.Sprint("crowd ", i)))
	}
	res := ingest(t, s, "S1", items[:scoring.MaxSheetsPerIIN]...)
	for _, r := range res {
		if r.Flag != "" {
			t.Errorf("%d sheets of one IIN flagged: %q", scoring.MaxSheetsPerIIN, r.Flag)
		}
	}
	res = ingest(t, s, "S1", items[scoring.MaxSheetsPerIIN:]...)
	for _, r := range res {
		if !strings.Contains(r.Flag, "on 5 sheets") || !strings.Contains(r.Flag, "ЖСН") || !strings.Contains(r.Flag, "ИИН") {
			t.Errorf("flag = %q", r.Flag)
		}
	}
	if log, _ := s.AuditLog(ctx, store.AuditFilter{Action: "sheets.crowded_iin"}); len(log) != 1 {
		t.Errorf("audit of the crowded IIN: %+v", log)
	}
}

func testReviewHistory(t *testing.T, s store.Store) {
	reviewSheet(t, s)
	if _, err := s.RecordDecision(ctx, alice, "C1", "S1", "000005", "q3", review.Decision{Reviewer: "aigerim", Value: "B"}, false); err != nil {
		t.Fatal(err)
	}
	if _, err := s.RecordDecision(ctx, alice, "C1", "S1", "000005", "iin", review.Decision{Reviewer: "aigerim", Value: IIN(5)}, false); err != nil {
		t.Fatal(err)
	}
	h, err := s.ReviewHistory(ctx, "C1", "S1")
	if err != nil || len(h) != 2 || !h[0].Applied || len(h[0].Decisions) != 1 || h[0].Outcome.Value != "B" {
		t.Fatalf("ReviewHistory = %+v, %v", h, err)
	}
	vs, err := s.SchoolVersions(ctx, "C1", "S1")
	if err != nil || len(vs) != 2 || vs[1].Source != store.SourceReview {
		t.Errorf("SchoolVersions = %+v, %v", vs, err)
	}
	if h, _ := s.ReviewHistory(ctx, "C1", "S2"); len(h) != 0 {
		t.Errorf("another school's history = %+v", h)
	}
}

func testSittings(t *testing.T, s store.Store) {
	Seed(t, s)
	_, err := s.Sitting(ctx, "C1", "S1")
	wantCode(t, err, store.NotFound)
	st := contest.Sitting{School: "S1", Number: "3/2026", City: "Алматы", Calendar: contest.Calendar{ContestDate: "2026-04-20", ProtocolDate: "2026-04-22",
		Reasons: map[string]string{"protocol_date": "жарық сөнді / отключение света"}}}
	if err := s.PutSitting(ctx, alice, "C1", "S1", st); err != nil {
		t.Fatal(err)
	}
	got, err := s.Sitting(ctx, "C1", "S1")
	if err != nil || !cmp.Equal(st, got) {
		t.Errorf("Sitting = %+v, %v", got, err)
	}
	st.Calendar.ContestDate = "20.04.2026"
	wantCode(t, s.PutSitting(ctx, alice, "C1", "S1", st), store.Invalid)
	wantCode(t, s.PutSitting(ctx, alice, "C1", "S9", got), store.NotFound)
}

func testTokens(t *testing.T, s store.Store) {
	hash := sha256.Sum256([]byte("secret-1"))
	u := store.User{Name: "aigerim", Role: store.RoleCommission, School: "S1", Chair: true}
	tok, err := s.CreateToken(ctx, admin, u, "t1", hash[:], nil)
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.TokenByHash(ctx, hash[:])
	if err != nil || got.User.Name != "aigerim" || got.User.School != "S1" || !got.User.Chair || got.ID != tok.ID {
		t.Fatalf("TokenByHash = %+v, %v", got, err)
	}
	other := sha256.Sum256([]byte("unknown"))
	_, err = s.TokenByHash(ctx, other[:])
	wantCode(t, err, store.Unauthorized)
	if err := s.RevokeToken(ctx, admin, "t1"); err != nil {
		t.Fatal(err)
	}
	_, err = s.TokenByHash(ctx, hash[:])
	wantCode(t, err, store.Unauthorized)
	wantCode(t, s.RevokeToken(ctx, admin, "t1"), store.NotFound)

	past := time.Now().Add(-time.Hour)
	h2 := sha256.Sum256([]byte("secret-2"))
	if _, err := s.CreateToken(ctx, admin, u, "t2", h2[:], &past); err != nil {
		t.Fatal(err)
	}
	_, err = s.TokenByHash(ctx, h2[:])
	wantCode(t, err, store.Unauthorized)

	h3 := sha256.Sum256([]byte("secret-3"))
	_, err = s.CreateToken(ctx, admin, store.User{Name: "aigerim", Role: store.RoleDaryn}, "t3", h3[:], nil)
	wantCode(t, err, store.Conflict)
	_, err = s.CreateToken(ctx, admin, store.User{Name: "x", Role: store.RoleCommission}, "t4", h3[:], nil)
	wantCode(t, err, store.Invalid)
	_, err = s.CreateToken(ctx, admin, store.User{Name: "x", Role: "root"}, "t5", h3[:], nil)
	wantCode(t, err, store.Invalid)
	if list, _ := s.ListTokens(ctx); len(list) != 2 {
		t.Errorf("ListTokens = %d", len(list))
	}
}

func testAudit(t *testing.T, s store.Store) {
	Seed(t, s)
	s.PutSeats(ctx, alice, "C1", []store.Seats{{School: "S1", Grade: 7, Seats: 25}})
	s.PutSeats(ctx, bolat, "C1", []store.Seats{{School: "S1", Grade: 7, Seats: 20}})
	s.PutSeats(ctx, admin, "C1", []store.Seats{{School: "S2", Grade: 7, Seats: 30}})
	log, err := s.AuditLog(ctx, store.AuditFilter{Contest: "C1", School: "S1", Action: "seats.set"})
	if err != nil || len(log) != 2 {
		t.Fatalf("AuditLog = %+v, %v", log, err)
	}
	e := log[0] // newest first
	if e.Actor != "bolat" || e.Subject != "grade 7" || !strings.Contains(e.Before, `"seats":25`) || !strings.Contains(e.After, `"seats":20`) || e.At.IsZero() {
		t.Errorf("audit entry = %+v", e)
	}
	if err := s.AppendAudit(ctx, store.AuditEntry{Actor: "x", Role: "publisher", Action: "denied", School: "S1", Subject: "GET /api/…"}); err != nil {
		t.Fatal(err)
	}
	if log, _ := s.AuditLog(ctx, store.AuditFilter{Action: "denied"}); len(log) != 1 {
		t.Errorf("denied entries = %d", len(log))
	}
	older, _ := s.AuditLog(ctx, store.AuditFilter{BeforeID: log[0].ID, Limit: 1})
	if len(older) != 1 || older[0].ID >= log[0].ID {
		t.Errorf("paging back = %+v", older)
	}
}

func testBatches(t *testing.T, s store.Store) {
	Seed(t, s)
	rej := reading.Reading{File: "blank.png", Page: 2, Status: reading.StatusRejected, Error: "no corner marks"}
	a := Item(Reading("000001", 1), "a")
	a.ReadSeconds = 0.2
	b := Item(Reading("000002", 2), "b")
	b.ReadSeconds = 0.4
	ingest(t, s, "S1", a, b, Item(rej, "rej"))
	ingest(t, s, "S1", Item(Reading("000001", 1), "a-again"))
	list, err := s.Batches(ctx, "C1", "S1")
	if err != nil || len(list) != 1 {
		t.Fatalf("Batches = %+v, %v", list, err)
	}
	got := list[0]
	if got.Name != "b1" || got.Operator != "Айгерім" || got.Pages != 4 || got.FirstAt.IsZero() || got.LastAt.Before(got.FirstAt) {
		t.Errorf("summary = %+v", got)
	}
	if diff := cmp.Diff(map[string]int{"stored": 2, "rejected": 1, "duplicate": 1}, got.Outcomes); diff != "" {
		t.Errorf("outcomes (-want +got)\n%s", diff)
	}
	if got.ReadSeconds < 0.14 || got.ReadSeconds > 0.16 {
		t.Errorf("mean read seconds = %v, want 0.15", got.ReadSeconds)
	}
	if diff := cmp.Diff(map[string]int{"ok": 3, "rejected": 1}, got.Statuses); diff != "" {
		t.Errorf("reader statuses (-want +got)\n%s", diff)
	}
	pages, err := s.RejectedPages(ctx, "C1", "S1", "b1")
	if err != nil || len(pages) != 1 || pages[0].Reason != "no corner marks" || pages[0].File != "blank.png" || pages[0].Page != 2 {
		t.Fatalf("RejectedPages = %+v, %v", pages, err)
	}
	if other, _ := s.Batches(ctx, "C1", "S2"); len(other) != 0 {
		t.Errorf("school S2 sees %+v", other)
	}
}

func testBatchCalibration(t *testing.T, s store.Store) {
	Seed(t, s)
	b := store.Batch{Name: "hall 2 morning", Operator: "Айгерім", Scanner: "fi-7160"}
	// The worker sends the calibration before the first page arrives.
	first := calibration.Summary{Profile: *calibration.Default(), Low: calibration.SummaryLow, High: calibration.SummaryHigh, Counts: make([]int, calibration.SummaryBins)}
	first.Profile.BlankMax, first.Counts[0], first.Counts[1] = 0.05, 1, 2
	if err := s.PutBatchCalibration(ctx, store.Actor{Name: "aigerim", Role: store.RoleCommission, School: "S1"}, "C1", "S1", b, first); err != nil {
		t.Fatal(err)
	}
	ingest(t, s, "S1", Item(Reading("000001", 1), "a"))
	list, err := s.Batches(ctx, "C1", "S1")
	if err != nil {
		t.Fatal(err)
	}
	var got *store.BatchSummary
	for i := range list {
		if list[i].Name == b.Name {
			got = &list[i]
		}
	}
	if got == nil || got.Scanner != "fi-7160" || got.Calibration == nil || got.Calibration.Profile.BlankMax != 0.05 || !reflect.DeepEqual(*got.Calibration, first) {
		t.Fatalf("batch = %+v", got)
	}
	// A second calibration replaces the first, and the audit log keeps both.
	second := calibration.Summary{Profile: *calibration.Default()}
	second.Profile.BlankMax = 0.04
	if err := s.PutBatchCalibration(ctx, store.System, "C1", "S1", b, second); err != nil {
		t.Fatal(err)
	}
	log, err := s.AuditLog(ctx, store.AuditFilter{Action: "batch.calibration"})
	if err != nil || len(log) != 2 || !strings.Contains(log[0].Before, "0.05") || !strings.Contains(log[0].After, "0.04") {
		t.Fatalf("audit = %+v, %v", log, err)
	}
	wantCode(t, s.PutBatchCalibration(ctx, store.System, "C1", "S1", store.Batch{}, second), store.Invalid)
	// What the worker never sends: a profile that cannot decide a bubble, a histogram
	// of other bins.
	wantCode(t, s.PutBatchCalibration(ctx, store.System, "C1", "S1", b, calibration.Summary{}), store.Invalid)
	wantCode(t, s.PutBatchCalibration(ctx, store.System, "C1", "S1", b, calibration.Summary{Profile: second.Profile, Counts: []int{1, 2}}), store.Invalid)
	wantCode(t, s.PutBatchCalibration(ctx, store.System, "C1", "NOPE", b, second), store.NotFound)
}
