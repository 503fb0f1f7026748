package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"tarazy/contest"
	"tarazy/omr/reading"
	"tarazy/results"
	"tarazy/server"
	"tarazy/store"
	"tarazy/store/storetest"
)

// gradeFixture is one school's grade 5 run through the API: seats, the base, the keys,
// the commission and calendar, one scanned sheet per candidate (serials 000001… as
// every school prints them), scored and ranked by the results engine.
type gradeFixture struct {
	e      *env
	school string
	who    string // a commission member of the school
	iins   []string
	path   string // …/grades/5
}

// rightAnswers is a grade-5 reading of sheet serial for iin with the first right
// questions answered as keyCSV's key and the rest blank: a score of 4 × right.
func rightAnswers(serial, iin string, right int) reading.Reading {
	ans := make([]string, 40)
	for q := 0; q < right; q++ {
		ans[q] = string("ABCDE"[q%5])
	}
	return reading.Reading{File: "scan-" + serial + ".png", Page: 1, Status: reading.StatusOK, Form: "g5", Sheet: serial,
		IIN: iin, Variant: "1", Answers: ans, Review: []string{}}
}

const commissionJSON = `{"chair":"Сәрсенбаева Гүлнар","members":[
	{"name":"Сәрсенбаева Гүлнар","position":"директор"},{"name":"Петров Алексей","position":"мұғалім"},
	{"name":"Жақыпов Ерлан","position":"мұғалім"},{"name":"Ахметова Әйгерім","position":"мұғалім"},
	{"name":"Ким Ольга","position":"мұғалім"},{"name":"Оспанов Тимур","position":"мұғалім"},
	{"name":"Мұқанова Салтанат","position":"мұғалім"}]}`

const sittingJSON = `{"number":"3/2026","city":"Алматы","calendar":{"contest_date":"2026-04-20","protocol_date":"2026-04-21"}}`

// newGradeFixture gives candidate i rights[i] right answers; firstIIN numbers the
// candidates' IINs (storetest.IIN) so two schools' bases do not overlap.
func newGradeFixture(t *testing.T, e *env, school, who string, firstIIN int, seats int, rights []int) *gradeFixture {
	t.Helper()
	f := &gradeFixture{e: e, school: school, who: who, path: "/api/contests/C1/schools/" + school + "/grades/5"}
	base := "/api/contests/C1/schools/" + school
	e.must(t, 200, who, "PUT", base+"/seats", "text/csv", fmt.Sprintf("school,grade,seats\n%s,5,%d\n", school, seats))
	cands := "iin,name,grade\n"
	req := server.IngestRequest{Batch: store.Batch{Name: "hall 1"}}
	files := map[string][]byte{}
	for i, right := range rights {
		id := storetest.IIN(firstIIN + i)
		f.iins = append(f.iins, id)
		cands += fmt.Sprintf("%s,Кандидат%d Тегі,5\n", id, firstIIN+i)
		img := []byte(fmt.Sprintf("scan of %s sheet %d", school, i+1))
		req.Sheets = append(req.Sheets, store.IngestItem{Reading: rightAnswers(fmt.Sprintf("%06d", i+1), id, right), Image: hash(img)})
		files[hash(img)] = img
	}
	e.must(t, 200, who, "PUT", base+"/candidates", "text/csv", cands)
	e.must(t, 200, "daryn", "PUT", "/api/contests/C1/keys", "text/csv", keyCSV())
	e.must(t, 200, who, "PUT", base+"/commission", "application/json", commissionJSON)
	e.must(t, 200, who, "PUT", base+"/sitting", "application/json", sittingJSON)
	if _, err := e.client(who).Ingest(context.Background(), "C1", school, req, files); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *gradeFixture) score(t *testing.T) server.ScoreResponse {
	t.Helper()
	var sr server.ScoreResponse
	json.Unmarshal([]byte(f.e.must(t, 200, f.who, "POST", f.path+"/score", "", "")), &sr)
	return sr
}

func (f *gradeFixture) rank(t *testing.T) server.RankResponse {
	t.Helper()
	var rr server.RankResponse
	json.Unmarshal([]byte(f.e.must(t, 200, f.who, "POST", f.path+"/rank", "", "")), &rr)
	return rr
}

// No route takes a score, a ranking or a protocol made elsewhere: every published
// number is computed (issue 10).
func TestNoRouteAcceptsAResultsUpload(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		for _, r := range walk(t, e) {
			if (r.method == "PUT" || r.method == "POST") && (strings.Contains(r.pattern, "/ranking") || strings.HasSuffix(r.pattern, "/results") ||
				strings.Contains(r.pattern, "/protocols/")) {
				t.Errorf("%s %s accepts results made elsewhere", r.method, r.pattern)
			}
		}
		g := "/api/contests/C1/schools/S1/grades/7"
		for _, path := range []string{g + "/ranking", g + "/results", g + "/protocols/public.pdf", g + "/protocols/internal.html"} {
			if s, body, _ := e.call(t, "admin", "PUT", path, "text/csv", "school,grade,place,iin,name,score,outcome\n"); s != http.StatusMethodNotAllowed {
				t.Errorf("PUT %s: %d %s", path, s, body)
			}
		}
		body := e.must(t, 400, "chair", "POST", g+"/protocols", "application/yaml", sittingYAML)
		if !strings.Contains(body, "stored commission") {
			t.Errorf("a protocol body: %s", body)
		}
		e.must(t, 404, "", "GET", "/api/public/contests/C1/schools/S1/grades/7/protocol.pdf", "", "")
	})
}

// Only the chair decides a tie and publishes (§24); a tie decision must name a tie the
// results have.
func TestOnlyTheChairPublishesAndDecidesTies(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		f := newGradeFixture(t, e, "S1", "aigerim", 1, 2, []int{40, 30, 30, 20})
		f.score(t)
		rr := f.rank(t)
		if !rr.Pending || len(rr.Result.Ties) != 1 {
			t.Fatalf("ranking: %+v", rr)
		}
		tie := rr.Result.Ties[0].IINs
		order := []string{tie[1], tie[0]}
		body, _ := json.Marshal(map[string]any{"order": order, "reason": "жеребе"})
		e.must(t, 403, "aigerim", "POST", f.path+"/ties", "application/json", string(body))
		e.must(t, 403, "aigerim", "POST", f.path+"/publish", "", "")
		notATie, _ := json.Marshal(map[string]any{"order": []string{f.iins[0], f.iins[3]}, "reason": "x"})
		if b := e.must(t, 409, "chair", "POST", f.path+"/ties", "application/json", string(notATie)); !strings.Contains(b, "not a tie") {
			t.Errorf("a decision on no tie: %s", b)
		}
		stranger, _ := json.Marshal(map[string]any{"order": []string{tie[0], storetest.IIN(99)}, "reason": "x"})
		e.must(t, 409, "chair", "POST", f.path+"/ties", "application/json", string(stranger))
		if b := e.must(t, 409, "chair", "POST", f.path+"/publish", "", ""); !strings.Contains(b, "draft") {
			t.Errorf("publishing with a tie pending: %s", b)
		}
		e.must(t, 201, "chair", "POST", f.path+"/ties", "application/json", string(body))
		e.must(t, 409, "chair", "POST", f.path+"/ties", "application/json", string(body)) // in force: replace it instead
		f.rank(t)
		var pub results.Published
		json.Unmarshal([]byte(e.must(t, 200, "chair", "POST", f.path+"/publish", "", "")), &pub)
		if pub.Publication.Edition != 1 || len(pub.Files) != 4 {
			t.Fatalf("published: %+v", pub)
		}
		if got := e.must(t, 200, "", "GET", "/api/public/contests/C1/schools/S1/grades/5/protocol.csv", "", ""); !strings.Contains(got, "жеребе") {
			t.Errorf("the public protocol lacks the chair's decision:\n%s", got)
		}
	})
}

// Every school prints its sheets from 000001: two schools' sheets 000001 are two
// sheets, and both schools are scored in full (issue 10: the second school's
// candidates used to drop out as "absent").
func TestTwoSchoolsPrintingDefaultSerialsAreBothScored(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		a := newGradeFixture(t, e, "S1", "aigerim", 1, 2, []int{40, 35, 30})
		b := newGradeFixture(t, e, "S2", "saule", 101, 2, []int{39, 34, 29, 24})
		for _, f := range []*gradeFixture{a, b} {
			sr := f.score(t)
			if sr.Scored != len(f.iins) || sr.ConflictsTotal != 0 {
				t.Errorf("%s: scored %d of %d, conflicts %+v", f.school, sr.Scored, len(f.iins), sr.Conflicts)
			}
		}
		var sheet struct {
			Sheet store.Sheet `json:"sheet"`
		}
		json.Unmarshal([]byte(e.must(t, 200, "saule", "GET", "/api/contests/C1/schools/S2/sheets/000001", "", "")), &sheet)
		if sheet.Sheet.Reading.IIN != b.iins[0] {
			t.Errorf("S2's sheet 000001 = %+v", sheet.Sheet)
		}
	})
}

// A page refused for its identity blocks scoring and is named; a candidate whose page
// was scanned at another school is not "absent".
func TestRefusedAndMisplacedPagesBlockScoring(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		f := newGradeFixture(t, e, "S1", "aigerim", 1, 2, []int{40, 35})
		// Sheet 000002 read again as another form: refused, named.
		other := rightAnswers("000002", f.iins[1], 10)
		other.Form, other.Answers, other.File = "g6", make([]string, 60), "refused.png"
		img := []byte("refused page")
		if _, err := e.client("aigerim").Ingest(context.Background(), "C1", "S1", server.IngestRequest{Batch: store.Batch{Name: "b2"},
			Sheets: []store.IngestItem{{Reading: other, Image: hash(img)}}}, map[string][]byte{hash(img): img}); err != nil {
			t.Fatal(err)
		}
		// A third candidate's sheet went to S2's scanner.
		e.must(t, 200, "aigerim", "PUT", "/api/contests/C1/schools/S1/candidates", "text/csv", "iin,name,grade\n"+storetest.IIN(3)+",Үшінші,5\n")
		lost := rightAnswers("000500", storetest.IIN(3), 20)
		img = []byte("misplaced page")
		if _, err := e.client("saule").Ingest(context.Background(), "C1", "S2", server.IngestRequest{Batch: store.Batch{Name: "s2"},
			Sheets: []store.IngestItem{{Reading: lost, Image: hash(img)}}}, map[string][]byte{hash(img): img}); err != nil {
			t.Fatal(err)
		}
		var sr server.ScoreResponse
		json.Unmarshal([]byte(e.must(t, 409, "aigerim", "POST", f.path+"/score", "", "")), &sr)
		kinds := map[string]string{}
		for _, c := range sr.Conflicts {
			kinds[string(c.Kind)] = c.File + " " + c.IIN
		}
		if !strings.Contains(kinds["refused"], "refused.png") || !strings.Contains(kinds["elsewhere"], storetest.IIN(3)) || sr.ByKind["absent"] != 0 {
			t.Errorf("conflicts = %+v", sr.Conflicts)
		}
		e.must(t, 404, "aigerim", "GET", f.path+"/results", "", "")
	})
}

// Issue 12: thousands of sheets with one IIN are flagged at ingest, and scoring's
// conflicts come a page at a time with bounded details.
func TestManySheetsOfOneIINAreFlaggedAndPaged(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		f := newGradeFixture(t, e, "S1", "aigerim", 1, 2, []int{40})
		req := server.IngestRequest{Batch: store.Batch{Name: "flood"}}
		files := map[string][]byte{}
		for i := 0; i < 300; i++ {
			rd := rightAnswers(fmt.Sprintf("%06d", 1000+i), f.iins[0], i%40)
			img := []byte(fmt.Sprint("flood ", i))
			req.Sheets = append(req.Sheets, store.IngestItem{Reading: rd, Image: hash(img)})
			files[hash(img)] = img
		}
		resp, err := e.client("aigerim").Ingest(context.Background(), "C1", "S1", req, files)
		if err != nil || len(resp.Results) != 300 || !strings.Contains(resp.Results[299].Flag, "301 sheets") {
			t.Fatalf("ingest: %v, %+v", err, resp)
		}
		status, body, _ := e.call(t, "aigerim", "POST", f.path+"/score?limit=50", "", "")
		var sr server.ScoreResponse
		json.Unmarshal([]byte(body), &sr)
		if status != 409 || len(sr.Conflicts) != 50 || sr.ConflictsTotal != 301 || sr.Next != "50" || len(body) > 64<<10 {
			t.Fatalf("409 page: %d, %d conflicts of %d, next %q, %d bytes", status, len(sr.Conflicts), sr.ConflictsTotal, sr.Next, len(body))
		}
		var page results.ConflictPage
		json.Unmarshal([]byte(e.must(t, 200, "aigerim", "GET", f.path+"/conflicts?limit=1000&after=300", "", "")), &page)
		if len(page.Conflicts) != 1 || page.Next != "" || page.ByKind["two_sheets"] != 301 {
			t.Errorf("last page: %+v", page)
		}
	})
}

// A tie decision the results no longer bear out is shown as stale with why; the grade
// ranks again once the chair withdraws or replaces it (issue 10: it used to block the
// grade for good).
func TestAStaleTieDecisionIsWithdrawnAndTheGradeRanksAgain(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		f := newGradeFixture(t, e, "S1", "aigerim", 1, 3, []int{40, 30, 30, 30, 20})
		f.score(t)
		tie := f.rank(t).Result.Ties[0].IINs
		body, _ := json.Marshal(map[string]any{"order": tie, "reason": "жеребе"})
		var d store.TieDecision
		json.Unmarshal([]byte(e.must(t, 201, "chair", "POST", f.path+"/ties", "application/json", string(body))), &d)
		if rr := f.rank(t); rr.Pending {
			t.Fatalf("decided ranking is pending: %+v", rr.Result.Ties)
		}
		// An olympiad diploma found late: one of the tied is no longer equal.
		e.must(t, 200, "aigerim", "PUT", "/api/contests/C1/schools/S1/candidates", "text/csv", "iin,name,grade,olympiad\n"+tie[1]+",Кандидат Тегі,5,1\n")
		f.score(t)
		status, resp, _ := e.call(t, "aigerim", "POST", f.path+"/rank", "", "")
		if status != 409 || !strings.Contains(resp, tie[1]) || !strings.Contains(resp, "no longer equal") || !strings.Contains(resp, "тең емес") || !strings.Contains(resp, "не равны") {
			t.Fatalf("rank with a stale decision: %d %s", status, resp)
		}
		var board results.TieBoard
		json.Unmarshal([]byte(e.must(t, 200, "aigerim", "GET", f.path+"/ties", "", "")), &board)
		if len(board.Decisions) != 1 || board.Decisions[0].Status != results.StaleNow || board.Decisions[0].Why == nil || len(board.Pending) != 0 {
			t.Fatalf("tie board: %+v", board)
		}
		e.must(t, 403, "aigerim", "DELETE", fmt.Sprintf("%s/ties/%d", f.path, d.ID), "application/json", `{"reason":"x"}`)
		e.must(t, 200, "chair", "DELETE", fmt.Sprintf("%s/ties/%d", f.path, d.ID), "application/json", `{"reason":"the olympiad diploma was found"}`)
		rr := f.rank(t)
		if !rr.Pending || len(rr.Result.Ties) != 1 || len(rr.Result.Ties[0].IINs) != 2 {
			t.Fatalf("after the withdrawal: %+v", rr.Result.Ties)
		}
		json.Unmarshal([]byte(e.must(t, 200, "aigerim", "GET", f.path+"/ties", "", "")), &board)
		if board.Decisions[0].Status != results.Withdrawn || board.Decisions[0].WithdrawnBy != "chair" || len(board.Pending) != 1 {
			t.Errorf("tie board after the withdrawal: %+v", board)
		}
		log, _ := e.Store.AuditLog(context.Background(), store.AuditFilter{Action: "tie.withdraw"})
		if len(log) != 1 || log[0].Actor != "chair" {
			t.Errorf("the withdrawal is not audited: %+v", log)
		}
	})
}

// Published means frozen: a change that would change the published results is refused
// until the chair opens an amendment; the amendment is published as a new edition
// whose protocol prints why, and the public history lists every edition.
func TestAChangeAfterPublicationOpensAnAmendment(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		f := newGradeFixture(t, e, "S1", "aigerim", 1, 2, []int{40, 35, 30})
		f.score(t)
		f.rank(t)
		var first results.Published
		json.Unmarshal([]byte(e.must(t, 200, "chair", "POST", f.path+"/publish", "", "")), &first)
		pdf1 := e.must(t, 200, "", "GET", "/api/public/contests/C1/schools/S1/grades/5/protocol.pdf", "", "")

		// A late rescan of sheet 000003 that reads differently, a review decision, a
		// changed flag, scoring again: all refused.
		late := rightAnswers("000003", f.iins[2], 39)
		img := []byte("late rescan")
		resp, err := e.client("aigerim").Ingest(context.Background(), "C1", "S1", server.IngestRequest{Batch: store.Batch{Name: "late"},
			Sheets: []store.IngestItem{{Reading: late, Image: hash(img)}}}, map[string][]byte{hash(img): img})
		if err != nil || resp.Results[0].Outcome != store.OutcomeRejected || !strings.Contains(resp.Results[0].Reason, "published") {
			t.Fatalf("a rescan after publication: %+v %v", resp, err)
		}
		e.must(t, 409, "aigerim", "PUT", "/api/contests/C1/schools/S1/candidates", "text/csv", "iin,name,grade,olympiad\n"+f.iins[2]+",Кандидат3 Тегі,5,1\n")
		e.must(t, 409, "aigerim", "POST", f.path+"/score", "", "")
		e.must(t, 409, "chair", "POST", f.path+"/publish", "", "")
		e.must(t, 409, "daryn", "PUT", "/api/contests/C1/keys", "text/csv", strings.Replace(keyCSV(), "5,1,ABCDE", "5,1,BBCDE", 1))

		e.must(t, 403, "aigerim", "POST", f.path+"/amendments", "application/json", `{"reason":"x"}`)
		e.must(t, 400, "chair", "POST", f.path+"/amendments", "application/json", `{"reason":" "}`)
		e.must(t, 201, "chair", "POST", f.path+"/amendments", "application/json", `{"reason":"Кандидат3: олимпиада дипломы кеш табылды"}`)
		e.must(t, 200, "aigerim", "PUT", "/api/contests/C1/schools/S1/candidates", "text/csv", "iin,name,grade,olympiad\n"+f.iins[2]+",Кандидат3 Тегі,5,1\n")
		f.score(t)
		f.rank(t)
		var second results.Published
		json.Unmarshal([]byte(e.must(t, 200, "chair", "POST", f.path+"/publish", "", "")), &second)
		if second.Publication.Edition != 2 || second.ResultsSHA == first.ResultsSHA {
			t.Fatalf("the amendment: %+v", second)
		}
		html := e.must(t, 200, "", "GET", "/api/public/contests/C1/schools/S1/grades/5/protocol.html", "", "")
		if !strings.Contains(html, "олимпиада дипломы кеш табылды") || !strings.Contains(html, first.ResultsSHA) {
			t.Errorf("the amended protocol does not show the amendment and the earlier hash")
		}
		if got := e.must(t, 200, "", "GET", "/api/public/contests/C1/schools/S1/grades/5/protocol.pdf?edition=1", "", ""); got != pdf1 {
			t.Error("edition 1 is no longer served as it was published")
		}
		var history []map[string]any
		json.Unmarshal([]byte(e.must(t, 200, "", "GET", "/api/public/contests/C1/schools/S1/grades/5/history", "", "")), &history)
		if len(history) != 2 || history[1]["reason"] == "" || history[0]["results_sha256"] != first.ResultsSHA {
			t.Errorf("public history: %+v", history)
		}
		e.must(t, 404, "", "GET", "/api/public/contests/C1/schools/S1/grades/6/history", "", "")
	})
}

// The protocol reads the stored commission and calendar; a sitting that names a
// commission or the school's names is refused, since they are kept apart.
func TestSittingIsStoredApart(t *testing.T) {
	e := startEnv(t, "sqlite", nil)
	base := "/api/contests/C1/schools/S1"
	e.must(t, 404, "aigerim", "GET", base+"/sitting", "", "")
	e.must(t, 200, "aigerim", "PUT", base+"/sitting", "application/yaml", "number: '7'\ncity: Алматы\ncalendar: {contest_date: 2026-04-20, protocol_date: 2026-04-21}\n")
	var st contest.Sitting
	json.Unmarshal([]byte(e.must(t, 200, "daryn", "GET", base+"/sitting", "", "")), &st)
	if st.Number != "7" || st.Calendar.ProtocolDate != "2026-04-21" {
		t.Errorf("sitting = %+v", st)
	}
	e.must(t, 400, "aigerim", "PUT", base+"/sitting", "application/yaml", sittingYAML)
	e.must(t, 400, "aigerim", "PUT", base+"/sitting", "application/yaml", "school: S2\ncalendar: {contest_date: 2026-04-20, protocol_date: 2026-04-21}\n")
	e.must(t, 400, "aigerim", "PUT", base+"/sitting", "application/yaml", "calendar: {contest_date: 20.04.2026, protocol_date: 2026-04-21}\n")
	e.must(t, 403, "saule", "PUT", base+"/sitting", "application/yaml", "calendar: {contest_date: 2026-04-20, protocol_date: 2026-04-21}\n")
}

// Issue 14: a key file whose first line is JSON (key.json sent as key.csv) answered 500
// with the panic's message; it is a 400 that says what the first line must be.
func TestAKeyFileThatIsNotCSVIsA400(t *testing.T) {
	e := startEnv(t, "sqlite", nil)
	for _, body := range []string{`{"grade":7,"variant":"1","answers":"ABC"}`, "\"grade,variant,answers\n", "grade;variant\n"} {
		b := e.must(t, 400, "daryn", "PUT", "/api/contests/C1/keys", "text/csv", body)
		if !strings.Contains(b, "key.csv line 1") {
			t.Errorf("%q: %s", body, b)
		}
	}
}

// The policy is given once, with scoring, and everything downstream prints it: what
// the body leaves out is the default; the ranking refuses a policy of its own.
func TestThePolicyIsRecordedWithTheScores(t *testing.T) {
	e := startEnv(t, "sqlite", nil)
	f := newGradeFixture(t, e, "S1", "aigerim", 1, 2, []int{40, 35, 30})
	e.must(t, 400, "aigerim", "POST", f.path+"/score", "application/json", `{"policy":{"invalid_as":"maybe"}}`)
	e.must(t, 400, "aigerim", "POST", f.path+"/score", "application/json", `{"policy":{"reserve":3}}`)
	e.must(t, 400, "aigerim", "POST", f.path+"/score?invalid_as=blank", "", "")
	var sr server.ScoreResponse
	json.Unmarshal([]byte(e.must(t, 200, "aigerim", "POST", f.path+"/score", "application/json", `{"policy":{"invalid_as":"blank","tie_breaks":[]}}`)), &sr)
	if sr.Policy.InvalidAs != "blank" || len(sr.Policy.TieBreaks) != 0 || sr.Policy.QuotaOrder != contest.MeritFirst || sr.Set.Policy == nil {
		t.Fatalf("recorded policy = %+v", sr.Policy)
	}
	f.score(t) // again without a policy: the recorded one stays
	rr := f.rank(t)
	if rr.Policy.InvalidAs != "blank" || len(rr.Policy.TieBreaks) != 0 {
		t.Errorf("the ranking's policy = %+v", rr.Policy)
	}
	e.must(t, 400, "aigerim", "POST", f.path+"/rank?tie_breaks=math", "", "")
	e.must(t, 201, "aigerim", "POST", f.path+"/protocols", "", "")
	if csv := e.must(t, 200, "aigerim", "GET", f.path+"/protocols/public.csv", "", ""); !strings.Contains(csv, "policy_invalid_as,blank,") || !strings.Contains(csv, "policy_tie_breaks,,") {
		t.Errorf("the protocol does not print the recorded policy:\n%s", csv)
	}
}
