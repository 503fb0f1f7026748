package storetest

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"tarazy/omr/reading"
	"tarazy/review"
	"tarazy/store"
)

func counts(t *testing.T, s store.Store, who string) store.ReviewCounts {
	t.Helper()
	c, err := s.ReviewCounts(ctx, "C1", "S1", who)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func tab(t *testing.T, s store.Store, who, tab string) []string {
	t.Helper()
	q, err := s.ReviewSheets(ctx, "C1", "S1", store.ReviewQuery{Reviewer: who, Tab: tab})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, rs := range q {
		out = append(out, rs.Serial)
	}
	return out
}

// Fields a reviewer keyed leave their "waiting for me" tab and wait for others; a
// dispute waits for the chair; the counters say so for each person.
func testReviewTabs(t *testing.T, s store.Store) {
	reviewSheet(t, s) // 000005: q3 and the IIN
	if got := counts(t, s, "aigerim"); got != (store.ReviewCounts{Mine: 2}) {
		t.Fatalf("before any keying: %+v", got)
	}
	q, err := s.ReviewSheets(ctx, "C1", "S1", store.ReviewQuery{Reviewer: "aigerim", Tab: store.ReviewMine})
	if err != nil || len(q) != 1 || len(q[0].Scans) != 1 {
		t.Fatalf("mine = %+v, %v", q, err)
	}
	if sc := q[0].Scans[0]; sc.Batch != "b1" || sc.File != "000005.png" || sc.Page != 1 || sc.Image != Hash("rev") || sc.Crops["q3"] != Hash("crop-q3") {
		t.Errorf("the sheet's scan (the header's batch, file and page) = %+v", sc)
	}
	if _, err := s.RecordDecision(ctx, alice, "C1", "S1", "000005", "q3", review.Decision{Reviewer: "aigerim", Value: "C"}, false); err != nil {
		t.Fatal(err)
	}
	if got := counts(t, s, "aigerim"); got != (store.ReviewCounts{Mine: 1, Others: 1}) {
		t.Errorf("after aigerim's correction, aigerim sees %+v", got)
	}
	if got := counts(t, s, "bolat"); got != (store.ReviewCounts{Mine: 2}) {
		t.Errorf("after aigerim's correction, bolat sees %+v", got)
	}
	if _, err := s.RecordDecision(ctx, alice, "C1", "S1", "000005", "iin", review.Decision{Reviewer: "aigerim", Value: IIN(6)}, false); err != nil {
		t.Fatal(err)
	}
	if got := tab(t, s, "aigerim", store.ReviewMine); len(got) != 0 {
		t.Errorf("fields aigerim keyed came back to her: %v", got)
	}
	if got := tab(t, s, "aigerim", store.ReviewOthers); !cmp.Equal(got, []string{"000005"}) {
		t.Errorf("waiting for others = %v", got)
	}
	if _, err := s.RecordDecision(ctx, bolat, "C1", "S1", "000005", "q3", review.Decision{Reviewer: "bolat", Value: "D"}, false); err != nil {
		t.Fatal(err)
	}
	if got := counts(t, s, "bolat"); got != (store.ReviewCounts{Mine: 1, Chair: 1}) {
		t.Errorf("after the dispute, bolat sees %+v", got)
	}
	if got := tab(t, s, "chair", store.ReviewChair); !cmp.Equal(got, []string{"000005"}) {
		t.Errorf("waiting for the chair = %v", got)
	}
	if _, err := s.ReviewSheets(ctx, "C1", "S1", store.ReviewQuery{Tab: "later"}); store.ErrorCode(err) != store.Invalid {
		t.Errorf("unknown tab: %v", err)
	}
	if got := counts(t, s, "saule"); got != (store.ReviewCounts{Mine: 1, Chair: 1}) {
		t.Errorf("counts are per school and reviewer: %+v", got)
	}
}

func iinSheet(t *testing.T, s store.Store, bubbled string) {
	t.Helper()
	Seed(t, s)
	rd := Reading("000007", 7)
	rd.Status = reading.StatusReview
	rd.IIN = bubbled
	rd.Review = []string{"iin3", "iin12"}
	it := Item(rd, "iin-sheet")
	it.Confidence = map[string]float64{"iin3": 0.7, "iin12": 0.3}
	it.Reasons = map[string]string{"iin3": "the filled-in IIN is not valid", "iin12": "the filled-in IIN is not valid"}
	ingest(t, s, "S1", it)
}

// One person confirming twelve digits that fail the check digit made a sheet final
// (issue 14); now nobody can, alone or in agreement.
func testReviewInvalidIIN(t *testing.T, s store.Store) {
	good := IIN(7)
	bad := good[:11] + string('0'+(good[11]-'0'+1)%10)
	iinSheet(t, s, bad)
	q, err := s.ReviewQueue(ctx, "C1", "S1", "", 10)
	if err != nil || len(q) != 1 || len(q[0].Items) != 1 {
		t.Fatalf("queue = %+v, %v", q, err)
	}
	it := q[0].Items[0]
	if it.Field != "iin" || it.Machine != bad || !it.HasMachine || it.Confidence != 0.3 || it.Reason != "the filled-in IIN is not valid" {
		t.Fatalf("the IIN is one field with the lowest digit's confidence: %+v", it)
	}
	_, err = s.RecordDecision(ctx, alice, "C1", "S1", "000007", "iin", review.Decision{Reviewer: "aigerim", Value: bad}, false)
	wantCode(t, err, store.Invalid)
	_, err = s.RecordDecision(ctx, bolat, "C1", "S1", "000007", "iin", review.Decision{Reviewer: "bolat", Value: bad}, false)
	wantCode(t, err, store.Invalid)
	if sh, _ := s.Sheet(ctx, "C1", "S1", "000007"); sh.State != store.SheetReview {
		t.Fatalf("sheet = %s", sh.State)
	}
	// Two reviewers keying the valid IIN settle it.
	for _, by := range []store.Actor{alice, bolat} {
		if _, err := s.RecordDecision(ctx, by, "C1", "S1", "000007", "iin", review.Decision{Reviewer: by.Name, Value: good}, false); err != nil {
			t.Fatal(err)
		}
	}
	sh, _ := s.Sheet(ctx, "C1", "S1", "000007")
	if sh.State != store.SheetFinal || sh.Reading.IIN != good {
		t.Errorf("sheet = %s, IIN %s", sh.State, sh.Reading.IIN)
	}
}

// The law admits an IIN failing its check digit when the office registered it with a
// reason: such a candidate's sheet can be final, with that IIN and no other.
func testReviewRegisteredIIN(t *testing.T, s store.Store) {
	good := IIN(7)
	bad := good[:11] + string('0'+(good[11]-'0'+1)%10)
	iinSheet(t, s, bad)
	if err := s.PutCandidates(ctx, admin, "C1", []store.Candidate{{IIN: bad, School: "S1", Grade: 5, Name: "Тексеру"}}); err != nil {
		t.Fatal(err)
	}
	r, err := s.RecordDecision(ctx, alice, "C1", "S1", "000007", "iin", review.Decision{Reviewer: "aigerim", Value: bad}, false)
	if err != nil || r.SheetVersion != 2 {
		t.Fatalf("confirming a registered IIN = %+v, %v", r, err)
	}
}

// A page the reader cannot vouch for is confirmed or corrected as one field.
func testReviewPage(t *testing.T, s store.Store) {
	Seed(t, s)
	rd := Reading("000008", 8)
	rd.Status = reading.StatusReview
	rd.Review = []string{"page"}
	rd.Align = &reading.Alignment{Width: 1654, Height: 2339, H: [9]float64{7.87, 0, 0, 0, 7.87, 0, 0, 0, 1}}
	ingest(t, s, "S1", Item(rd, "page-sheet"))
	q, err := s.ReviewQueue(ctx, "C1", "S1", "", 10)
	if err != nil || len(q) != 1 || len(q[0].Items) != 1 || q[0].Items[0].Machine != "ok" || !q[0].Items[0].HasMachine {
		t.Fatalf("queue = %+v, %v", q, err)
	}
	if q[0].Scans[0].Reading.Align == nil || q[0].Scans[0].Reading.Align.Width != 1654 {
		t.Errorf("the alignment did not reach the review screen: %+v", q[0].Scans[0].Reading.Align)
	}
	old := rd.Answers[2]
	fix := "C"
	if old == fix {
		fix = "D"
	}
	v := "q3=" + fix
	if _, err := s.RecordDecision(ctx, alice, "C1", "S1", "000008", "page", review.Decision{Reviewer: "aigerim", Value: v}, false); err != nil {
		t.Fatal(err)
	}
	if sh, _ := s.Sheet(ctx, "C1", "S1", "000008"); sh.State != store.SheetReview {
		t.Fatal("one reviewer's page correction made the sheet final")
	}
	r, err := s.RecordDecision(ctx, bolat, "C1", "S1", "000008", "page", review.Decision{Reviewer: "bolat", Value: v}, false)
	if err != nil || r.SheetVersion != 2 {
		t.Fatalf("second keying = %+v, %v", r, err)
	}
	sh, _ := s.Sheet(ctx, "C1", "S1", "000008")
	if sh.Reading.Answers[2] != fix || !sh.Reading.Final() {
		t.Errorf("page review applied: q3 %q, %+v", sh.Reading.Answers[2], sh.Reading)
	}
	log, _ := s.AuditLog(ctx, store.AuditFilter{Action: "review.decide"})
	if len(log) != 2 || log[0].Actor != "bolat" {
		t.Errorf("the page decisions are audited like any other: %+v", log)
	}
}
