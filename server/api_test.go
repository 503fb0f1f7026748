package server_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/google/go-cmp/cmp"

	"tarazy/contest"
	"tarazy/internal/samples"
	"tarazy/omr/reading"
	"tarazy/results"
	"tarazy/server"
	"tarazy/server/client"
	"tarazy/store"
	"tarazy/store/storetest"
)

func eachBackend(t *testing.T, fn func(t *testing.T, e *env)) {
	for _, b := range backends {
		t.Run(b, func(t *testing.T) {
			t.Parallel()
			fn(t, startEnv(t, b, nil))
		})
	}
}

// concrete fills a route pattern's parameters with values that exist in the env.
var paramRE = regexp.MustCompile(`\{[a-z]+\}`)

func concrete(pattern, school string) string {
	vals := map[string]string{"{contest}": "C1", "{school}": school, "{grade}": "7", "{format}": "pdf", "{batch}": "b1",
		"{sha}": strings.Repeat("a", 64), "{serial}": "000001", "{field}": "q3",
		"{id}": "1", "{number}": "ADM-2026-00001", "{service}": "transfer", "{file}": "candidates.csv"}
	return paramRE.ReplaceAllStringFunc(pattern, func(p string) string { return vals[p] })
}

type route struct{ method, pattern string }

func walk(t *testing.T, e *env) []route {
	var out []route
	chi.Walk(e.Server.Router(), func(method, pattern string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		out = append(out, route{method, pattern})
		return nil
	})
	if len(out) < 30 {
		t.Fatalf("only %d routes", len(out))
	}
	return out
}

func isPublic(pattern string) bool {
	return pattern == "/api/openapi.json" || pattern == "/api/session" || strings.HasPrefix(pattern, "/api/public/") || !strings.HasPrefix(pattern, "/api/")
}

func TestEveryAPIRouteNeedsAToken(t *testing.T) {
	e := startEnv(t, "sqlite", nil)
	for _, r := range walk(t, e) {
		if isPublic(r.pattern) {
			continue
		}
		t.Run(r.method+" "+r.pattern, func(t *testing.T) {
			status, body, hdr := e.call(t, "", r.method, concrete(r.pattern, "S1"), "application/json", "{}")
			if status != http.StatusUnauthorized || !strings.Contains(body, `"code":"unauthorized"`) || hdr.Get("WWW-Authenticate") == "" {
				t.Fatalf("without a token: %d %s", status, body)
			}
			e.tokens["forged"] = server.TokenPrefix + "forged"
			if status, _, _ := e.call(t, "forged", r.method, concrete(r.pattern, "S1"), "application/json", "{}"); status != http.StatusUnauthorized {
				t.Fatalf("with an unknown token: %d", status)
			}
		})
	}
}

// A commission, publisher or office token gets nothing of another school, on any route.
func TestNoRouteLeaksAnotherSchool(t *testing.T) {
	e := startEnv(t, "sqlite", nil)
	n := 0
	for _, r := range walk(t, e) {
		if !strings.Contains(r.pattern, "{school}") || isPublic(r.pattern) {
			continue
		}
		for _, who := range []string{"aigerim", "web", "office", "scanpc"} {
			n++
			status, body, _ := e.call(t, who, r.method, concrete(r.pattern, "S2"), "application/json", "{}")
			if status != http.StatusForbidden || !strings.Contains(body, `"code":"forbidden"`) {
				t.Errorf("%s %s as %s of S1: %d %s", r.method, r.pattern, who, status, body)
			}
		}
	}
	log, err := e.Store.AuditLog(context.Background(), store.AuditFilter{Action: "access.denied", Limit: 1000})
	if err != nil || len(log) != n {
		t.Fatalf("%d refused requests left %d audit entries (%v)", n, len(log), err)
	}
	if log[0].Actor == "" || !strings.Contains(log[0].Subject, "/S2") {
		t.Errorf("audit entry = %+v", log[0])
	}
}

func TestRoles(t *testing.T) {
	e := startEnv(t, "sqlite", nil)
	cases := []struct {
		who, method, path string
		want              int
	}{
		{"aigerim", "GET", "/api/contests/C1/schools/S1/candidates", 200},
		{"daryn", "GET", "/api/contests/C1/schools/S1/candidates", 200},
		{"daryn", "PUT", "/api/contests/C1/schools/S1/candidates", 403}, // Daryn reads, the commission writes
		{"web", "GET", "/api/contests/C1/schools/S1/candidates", 403},
		{"office", "GET", "/api/contests/C1/schools/S1/candidates", 403},
		{"aigerim", "GET", "/api/contests/C1/export", 403},
		{"daryn", "GET", "/api/contests/C1/export", 200},
		{"aigerim", "POST", "/api/contests", 403},
		{"aigerim", "GET", "/api/audit", 403},
		{"web", "GET", "/api/contests/C1/schools/S1/grades/7/protocols/internal.pdf", 403},
		{"web", "GET", "/api/contests/C1/schools/S1/grades/7/protocols/public.pdf", 404},
		{"web", "GET", "/api/contests/C1/schools/S1/grades/7/protocols", 200},
		{"aigerim", "GET", "/api/contests/C1/keys", 200},
		{"saule", "GET", "/api/contests/C1/keys", 200},
		{"aigerim", "PUT", "/api/contests/C1/keys", 403},
		{"daryn", "GET", "/api/contests/C1/schools/S1/review", 403}, // reviewing is the commission's
	}
	for _, c := range cases {
		if got, body, _ := e.call(t, c.who, c.method, c.path, "application/json", "[]"); got != c.want {
			t.Errorf("%s %s as %s: %d, want %d (%s)", c.method, c.path, c.who, got, c.want, body)
		}
	}
	var u store.User
	json.Unmarshal([]byte(e.must(t, 200, "chair", "GET", "/api/whoami", "", "")), &u)
	if u.Name != "chair" || !u.Chair || u.School != "S1" {
		t.Errorf("whoami = %+v", u)
	}
}

// The scanner PC's token uploads pages and reads the status of its own batches; every
// other route refuses it, so whoever sits at the scanner cannot review, rank or publish.
func TestScannerTokenOnlyUploads(t *testing.T) {
	e := startEnv(t, "sqlite", nil)
	allowed := map[route]bool{
		{"GET", "/api/whoami"}:                                true,
		{"POST", schoolRoute + "/ingest"}:                     true,
		{"PUT", schoolRoute + "/blobs/{sha}"}:                 true,
		{"GET", schoolRoute + "/batches"}:                     true,
		{"GET", schoolRoute + "/batches/{batch}/rejected"}:    true,
		{"PUT", schoolRoute + "/batches/{batch}/calibration"}: true,
	}
	for _, r := range walk(t, e) {
		if isPublic(r.pattern) {
			continue
		}
		status, body, _ := e.call(t, "scanpc", r.method, concrete(r.pattern, "S1"), "application/json", "{}")
		refused := status == http.StatusForbidden && strings.Contains(body, `"code":"forbidden"`)
		if allowed[r] == refused {
			t.Errorf("%s %s as the scanner of S1: %d %s", r.method, r.pattern, status, body)
		}
	}

	// It sees the batches it uploaded, not the commission's.
	ctx := context.Background()
	req, files := batch("scanner run", 1, 2)
	if _, err := e.client("scanpc").Ingest(ctx, "C1", "S1", req, files); err != nil {
		t.Fatal(err)
	}
	req, files = batch("commission run", 10, 1)
	if _, err := e.client("aigerim").Ingest(ctx, "C1", "S1", req, files); err != nil {
		t.Fatal(err)
	}
	var own []store.BatchSummary
	if err := e.client("scanpc").Do(ctx, "GET", client.SchoolPath("C1", "S1")+"/batches", "", nil, &own); err != nil {
		t.Fatal(err)
	}
	if len(own) != 1 || own[0].Name != "scanner run" || own[0].Pages != 2 {
		t.Errorf("the scanner's batches = %+v; want its own one", own)
	}
	if s, _, _ := e.call(t, "scanpc", "GET", "/api/contests/C1/schools/S1/batches/commission%20run/rejected", "", ""); s != http.StatusNotFound {
		t.Errorf("the commission's batch, as the scanner: %d, want 404", s)
	}
	// Its token never counts as a reviewer.
	it, files2 := reviewPage("000050", 50)
	if _, err := e.client("scanpc").Ingest(ctx, "C1", "S1", server.IngestRequest{Batch: store.Batch{Name: "scanner run"}, Sheets: []store.IngestItem{it}}, files2); err != nil {
		t.Fatal(err)
	}
	if s, _, _ := e.call(t, "scanpc", "POST", "/api/contests/C1/schools/S1/review/000050/q3", "application/json", `{"value":"B"}`); s != http.StatusForbidden {
		t.Errorf("a review decision with the scanner's token: %d, want 403", s)
	}
}

const schoolRoute = "/api/contests/{contest}/schools/{school}"

func TestOpenAPIDocumentsEveryRoute(t *testing.T) {
	e := startEnv(t, "sqlite", nil)
	var doc struct {
		OpenAPI string                                `json:"openapi"`
		Paths   map[string]map[string]json.RawMessage `json:"paths"`
	}
	body := e.must(t, 200, "", "GET", "/api/openapi.json", "", "")
	if err := json.Unmarshal([]byte(body), &doc); err != nil || !strings.HasPrefix(doc.OpenAPI, "3.") {
		t.Fatalf("openapi.json: %v (version %q)", err, doc.OpenAPI)
	}
	served := map[string]bool{}
	for _, r := range walk(t, e) {
		if r.pattern == "/" || strings.HasPrefix(r.pattern, "/ui/") {
			continue // browser pages, not the API
		}
		served[strings.ToLower(r.method)+" "+r.pattern] = true
		if _, ok := doc.Paths[r.pattern][strings.ToLower(r.method)]; !ok {
			t.Errorf("%s %s is not documented in server/openapi.json", r.method, r.pattern)
		}
	}
	for p, ops := range doc.Paths {
		for m := range ops {
			if !served[m+" "+p] {
				t.Errorf("openapi.json documents %s %s, which the server does not serve", m, p)
			}
		}
	}
}

func TestHealth(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		e.must(t, 200, "", "GET", "/healthz", "", "")
		body := e.must(t, 200, "", "GET", "/readyz", "", "")
		if !strings.Contains(body, `"status":"ready"`) {
			t.Errorf("readyz = %s", body)
		}
	})
}

func TestErrorsAreJSONAndSayWhatIsWrong(t *testing.T) {
	e := startEnv(t, "sqlite", func(c *server.Config) { c.MaxUpload = 4096; c.MaxBody = 2048 })
	cases := []struct {
		name, who, method, path, ctype, body string
		status                               int
		code, mentions                       string
	}{
		{"MalformedJSON", "admin", "POST", "/api/contests", "application/json", `{"id": "2027",`, 400, "invalid", "not valid JSON"},
		{"UnknownField", "admin", "POST", "/api/contests", "application/json", `{"id": "2027", "yaer": 2027}`, 400, "invalid", "yaer"},
		{"WrongContentType", "aigerim", "PUT", "/api/contests/C1/schools/S1/candidates", "text/plain", "x", 400, "invalid", "text/csv"},
		{"CSVLineNamed", "aigerim", "PUT", "/api/contests/C1/schools/S1/candidates", "text/csv", "iin,name,grade\n" + storetest.IIN(1) + ",A,7\n" + storetest.IIN(2) + ",B,seven\n", 400, "invalid", "line 3"},
		{"CSVMissingColumn", "aigerim", "PUT", "/api/contests/C1/schools/S1/candidates", "text/csv", "iin,grade\n", 400, "invalid", `"name" is missing`},
		{"BadIIN", "aigerim", "PUT", "/api/contests/C1/schools/S1/candidates", "text/csv", "iin,name,grade\n12345,A,7\n", 400, "invalid", "IIN"},
		{"UnknownRoute", "aigerim", "GET", "/api/nothing", "", "", 404, "not_found", "/api/nothing"},
		{"MethodNotAllowed", "admin", "DELETE", "/api/contests", "", "", 405, "method_not_allowed", "DELETE"},
		{"BodyTooLarge", "admin", "PUT", "/api/schools", "application/json", "[" + strings.Repeat(`{"code":"X","name_kk":"x","name_ru":"x"},`, 100) + "]", 413, "too_large", "smaller"},
		{"BadGrade", "aigerim", "GET", "/api/contests/C1/schools/S1/grades/13/ranking", "", "", 400, "invalid", "grade"},
		{"UnknownContest", "aigerim", "GET", "/api/contests/C9", "", "", 404, "not_found", "C9"},
		{"NoRanking", "aigerim", "GET", "/api/contests/C1/schools/S1/grades/7/ranking", "", "", 404, "not_found", "no ranking"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			status, body, hdr := e.call(t, c.who, c.method, c.path, c.ctype, c.body)
			var eb server.ErrorBody
			if err := json.Unmarshal([]byte(body), &eb); err != nil {
				t.Fatalf("error body is not JSON: %q", body)
			}
			if status != c.status || eb.Error.Code != c.code || !strings.Contains(eb.Error.Message, c.mentions) {
				t.Fatalf("%d %+v; want %d %s mentioning %q", status, eb.Error, c.status, c.code, c.mentions)
			}
			if !strings.HasPrefix(hdr.Get("Content-Type"), "application/json") {
				t.Errorf("Content-Type %q", hdr.Get("Content-Type"))
			}
		})
	}
	if got, _ := e.Store.Candidates(context.Background(), "C1", "S1"); len(got) != 0 {
		t.Errorf("a refused upload stored %d candidates", len(got))
	}
}

func TestUploads(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		csv := "\ufeffiin;name;grade;olympiad;myn_bala\n" + storetest.IIN(1) + ";Әлихан Сейітов;7;1;0\n" + storetest.IIN(2) + ";Дана Ли;7;0;1\n"
		e.must(t, 200, "aigerim", "PUT", "/api/contests/C1/schools/S1/candidates", "text/csv", csv)
		var cs []store.Candidate
		json.Unmarshal([]byte(e.must(t, 200, "daryn", "GET", "/api/contests/C1/schools/S1/candidates", "", "")), &cs)
		want := []store.Candidate{
			{IIN: storetest.IIN(1), School: "S1", Grade: 7, Name: "Әлихан Сейітов", Olympiad: true},
			{IIN: storetest.IIN(2), School: "S1", Grade: 7, Name: "Дана Ли", MynBala: true},
		}
		if diff := cmp.Diff(want, cs); diff != "" {
			t.Errorf("candidates (-want +got)\n%s", diff)
		}
		body := e.must(t, 409, "saule", "PUT", "/api/contests/C1/schools/S2/candidates", "text/csv", "iin,name,grade\n"+storetest.IIN(1)+",X,7\n")
		if strings.Contains(body, "S1") {
			t.Errorf("the conflict leaks the other school: %s", body)
		}
		e.must(t, 200, "aigerim", "PUT", "/api/contests/C1/schools/S1/seats", "text/csv", "school,grade,seats,quota\nS1,7,25,3\nS1,6,25,\n")
		e.must(t, 400, "aigerim", "PUT", "/api/contests/C1/schools/S1/seats", "text/csv", "school,grade,seats\nS2,7,25\n")
		var seats []store.Seats
		json.Unmarshal([]byte(e.must(t, 200, "daryn", "GET", "/api/contests/C1/seats", "", "")), &seats)
		if len(seats) != 2 || seats[1].Quota == nil || *seats[1].Quota != 3 {
			t.Errorf("seats = %+v", seats)
		}
		e.must(t, 200, "daryn", "PUT", "/api/contests/C1/keys", "text/csv", keyCSV())
		e.must(t, 200, "aigerim", "PUT", "/api/contests/C1/schools/S1/commission", "application/json", `{"chair":"Айгерім","members":[{"name":"Айгерім","position":"директор"}]}`)
		e.must(t, 201, "admin", "POST", "/api/contests", "application/json", `{"id":"2027","name":"Конкурс 2027","year":2027}`)
		e.must(t, 409, "admin", "POST", "/api/contests", "application/json", `{"id":"2027","name":"again","year":2027}`)
	})
}

func TestIngestAndDoubleKeyedReview(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		req, files := batch("run-1", 1, 3)
		it, extra := reviewPage("000100", 100)
		req.Sheets = append(req.Sheets, it)
		for k, v := range extra {
			files[k] = v
		}
		rej := store.IngestItem{Reading: reading.Reading{File: "blank.png", Status: reading.StatusRejected, Error: "no corner marks"}, Image: hash([]byte("blank"))}
		files[rej.Image] = []byte("blank")
		req.Sheets = append(req.Sheets, rej)

		res, err := e.client("aigerim").Ingest(ctx, "C1", "S1", req, files)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(map[string]int{"stored": 4, "rejected": 1}, res.Summary); diff != "" {
			t.Errorf("summary (-want +got)\n%s", diff)
		}
		// A retry (the worker never saw the answer) changes nothing; it needs no files.
		again, err := e.client("aigerim").Ingest(ctx, "C1", "S1", req, nil)
		if err != nil {
			t.Fatal(err)
		}
		if again.Summary["existing"] != 5 || again.Results[0].Version != 1 || !again.Results[0].Existing {
			t.Errorf("retry = %+v", again)
		}
		// Images missing: refused whole, with what to do.
		req2, _ := batch("run-2", 50, 2)
		_, err = e.client("aigerim").Ingest(ctx, "C1", "S1", req2, nil)
		if ae := apiErr(err); ae == nil || ae.Status != 400 || !strings.Contains(ae.Message, "not sent") {
			t.Fatalf("missing images: %v", err)
		}
		// A damaged image (its bytes do not match the name) is refused.
		bad := map[string][]byte{req2.Sheets[0].Image: []byte("damaged")}
		_, err = e.client("aigerim").Ingest(ctx, "C1", "S1", req2, bad)
		if ae := apiErr(err); ae == nil || ae.Status != 400 || !strings.Contains(ae.Message, "damaged") {
			t.Fatalf("damaged image: %v", err)
		}

		// The image and crop are served to the school, and to nobody of another school.
		e.must(t, 200, "aigerim", "GET", "/api/contests/C1/schools/S1/blobs/"+it.Image, "", "")
		e.must(t, 200, "aigerim", "GET", "/api/contests/C1/schools/S1/blobs/"+it.Crops["q3"], "", "")
		e.must(t, 404, "saule", "GET", "/api/contests/C1/schools/S2/blobs/"+it.Image, "", "")

		queue := func(who string) []map[string]any {
			var q struct {
				Sheets []map[string]any `json:"sheets"`
			}
			json.Unmarshal([]byte(e.must(t, 200, who, "GET", "/api/contests/C1/schools/S1/review", "", "")), &q)
			return q.Sheets
		}
		q := queue("aigerim")
		if len(q) != 1 || q[0]["serial"] != "000100" {
			t.Fatalf("queue = %+v", q)
		}
		item := q[0]["items"].([]any)[0].(map[string]any)
		if item["field"] != "q3" || item["machine"] != "B" || !strings.HasSuffix(item["crop_url"].(string), it.Crops["q3"]) {
			t.Errorf("item = %+v", item)
		}
		decide := func(who, value string, status int) string {
			return e.must(t, status, who, "POST", "/api/contests/C1/schools/S1/review/000100/q3", "application/json", `{"value":"`+value+`"}`)
		}
		decide("aigerim", "d", 200) // a correction: lower case is accepted
		// Blind keying: the second reviewer does not see the first one's value.
		q = queue("bolat")
		item = q[0]["items"].([]any)[0].(map[string]any)
		if item["keyings"] != 1.0 || item["decisions"] != nil || item["your_value"] != nil {
			t.Errorf("second reviewer sees %+v", item)
		}
		if item := queue("chair")[0]["items"].([]any)[0].(map[string]any); item["decisions"] == nil {
			t.Errorf("the chair should see the values: %+v", item)
		}
		decide("aigerim", "D", 200) // same person again: still open
		body := decide("bolat", "D", 200)
		if !strings.Contains(body, `"sheet_version":2`) || !strings.Contains(body, `"state":"final"`) {
			t.Errorf("second reviewer's agreement: %s", body)
		}
		decide("bolat", "E", 404) // settled: no longer under review
		e.must(t, 400, "bolat", "POST", "/api/contests/C1/schools/S1/review/000001/q3", "application/json", `{"val":"A"}`)

		var batches []map[string]any
		json.Unmarshal([]byte(e.must(t, 200, "aigerim", "GET", "/api/contests/C1/schools/S1/batches", "", "")), &batches)
		if len(batches) != 1 || batches[0]["name"] != "run-1" || batches[0]["pages"] != 5.0 {
			t.Errorf("batches = %+v", batches)
		}
		var rejected []store.RejectedPage
		json.Unmarshal([]byte(e.must(t, 200, "aigerim", "GET", "/api/contests/C1/schools/S1/batches/run-1/rejected", "", "")), &rejected)
		if len(rejected) != 1 || rejected[0].Reason != "no corner marks" {
			t.Errorf("rejected = %+v", rejected)
		}
		lines := e.must(t, 200, "aigerim", "GET", "/api/contests/C1/schools/S1/readings", "", "")
		rds, err := reading.ReadJSONL(strings.NewReader(lines))
		if err != nil || len(rds) != 4 {
			t.Fatalf("final readings = %d, %v", len(rds), err)
		}
		for _, rd := range rds {
			if !rd.Final() {
				t.Errorf("not final: %+v", rd)
			}
			if rd.Sheet == "000100" && rd.Answers[2] != "D" {
				t.Errorf("the reviewers' value did not reach the reading: %q", rd.Answers[2])
			}
		}
		var sheet struct {
			Versions []store.SheetVersion `json:"versions"`
		}
		json.Unmarshal([]byte(e.must(t, 200, "daryn", "GET", "/api/contests/C1/schools/S1/sheets/000100", "", "")), &sheet)
		if len(sheet.Versions) != 2 || sheet.Versions[0].Reading.Answers[2] != "B" || sheet.Versions[1].Source != "review" {
			t.Errorf("versions = %+v", sheet.Versions)
		}
		e.must(t, 404, "saule", "GET", "/api/contests/C1/schools/S2/sheets/000100", "", "")
	})
}

func TestChairSettlesADispute(t *testing.T) {
	e := startEnv(t, "sqlite", nil)
	it, files := reviewPage("000100", 100)
	if _, err := e.client("aigerim").Ingest(context.Background(), "C1", "S1", server.IngestRequest{Batch: store.Batch{Name: "b"}, Sheets: []store.IngestItem{it}}, files); err != nil {
		t.Fatal(err)
	}
	path := "/api/contests/C1/schools/S1/review/000100/q3"
	e.must(t, 200, "aigerim", "POST", path, "application/json", `{"value":"C"}`)
	e.must(t, 200, "bolat", "POST", path, "application/json", `{"value":"D"}`)
	body := e.must(t, 409, "aigerim", "POST", path, "application/json", `{"value":"D"}`)
	if !strings.Contains(body, "chair") {
		t.Errorf("the dispute should name the chair: %s", body)
	}
	e.must(t, 409, "bolat", "POST", path, "application/json", `{"value":"D","as_chair":true}`)
	body = e.must(t, 200, "chair", "POST", path, "application/json", `{"value":"D","as_chair":true}`)
	if !strings.Contains(body, `"sheet_version":2`) {
		t.Errorf("chair's decision: %s", body)
	}
	log, _ := e.Store.AuditLog(context.Background(), store.AuditFilter{Action: "review.decide"})
	if len(log) != 3 || log[0].Actor != "chair" {
		t.Errorf("audit = %+v", log)
	}
}

func TestTwoWorkersUploadingTheSameBatchStoreItOnce(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		req, files := batch("same", 1, 40)
		var wg sync.WaitGroup
		res := make([]*server.IngestResponse, 2)
		errs := make([]error, 2)
		for w := range res {
			wg.Add(1)
			go func() {
				defer wg.Done()
				res[w], errs[w] = e.client("aigerim").Ingest(context.Background(), "C1", "S1", req, files)
			}()
		}
		wg.Wait()
		for w := range errs {
			if errs[w] != nil {
				t.Fatalf("worker %d: %v", w, errs[w])
			}
		}
		if got := res[0].Summary["stored"] + res[1].Summary["stored"]; got != 40 {
			t.Errorf("stored %d times in total, want 40: %v / %v", got, res[0].Summary, res[1].Summary)
		}
		final, _ := e.Store.FinalSheets(context.Background(), "C1", "S1")
		if len(final) != 40 {
			t.Errorf("%d sheets stored, want 40", len(final))
		}
	})
}

func TestRankingIsCachedAndVersioned(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		f := newGradeFixture(t, e, "S1", "aigerim", 1, 4, []int{40, 38, 36, 34, 32, 30, 28, 26, 24, 22})
		f.score(t)
		f.rank(t)
		path := f.path + "/ranking"
		_, body, hdr := e.call(t, "aigerim", "GET", path, "", "")
		var rk store.Ranking
		if err := json.Unmarshal([]byte(body), &rk); err != nil || len(rk.Placements) != 10 || rk.Version != 1 {
			t.Fatalf("ranking = %+v, %v", rk, err)
		}
		etag := hdr.Get("ETag")
		if s, _, _ := e.call(t, "daryn", "GET", path, "", "", "If-None-Match", etag); s != http.StatusNotModified {
			t.Errorf("If-None-Match with the current ETag: %d", s)
		}
		csvBody := e.must(t, 200, "aigerim", "GET", path+"?format=csv", "", "")
		if !strings.HasPrefix(csvBody, "school,grade,place,iin,name,score,outcome\nS1,5,1,"+f.iins[0]+",") || strings.Count(csvBody, "\n") != 11 {
			t.Errorf("CSV ranking:\n%s", csvBody)
		}
		e.must(t, 200, "aigerim", "PUT", "/api/contests/C1/schools/S1/seats", "text/csv", "school,grade,seats\nS1,5,5\n")
		f.rank(t)
		_, body, hdr = e.call(t, "aigerim", "GET", path, "", "", "If-None-Match", etag)
		json.Unmarshal([]byte(body), &rk)
		if hdr.Get("ETag") == etag || rk.Version != 2 || rk.Placements[4].Outcome != contest.Admitted {
			t.Errorf("after a new version: etag %s, version %d, %+v", hdr.Get("ETag"), rk.Version, rk.Placements[4])
		}
		e.must(t, 403, "saule", "GET", path, "", "")
	})
}

func TestNationalExport(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		a := newGradeFixture(t, e, "S1", "aigerim", 1, 2, []int{40, 35, 30, 25, 20})
		b := newGradeFixture(t, e, "S2", "saule", 101, 2, []int{40, 35, 30, 25})
		for _, f := range []*gradeFixture{a, b} {
			f.score(t)
			f.rank(t)
		}
		var all []store.Placement
		path := "/api/contests/C1/export?limit=4"
		for pages := 0; path != ""; pages++ {
			if pages > 5 {
				t.Fatal("export does not end")
			}
			status, body, hdr := e.call(t, "daryn", "GET", path, "", "")
			if status != 200 {
				t.Fatalf("%s: %d %s", path, status, body)
			}
			var page struct {
				Placements []store.Placement `json:"placements"`
				Next       string            `json:"next"`
			}
			json.Unmarshal([]byte(body), &page)
			all = append(all, page.Placements...)
			path = ""
			if l := hdr.Get("Link"); l != "" {
				path = strings.TrimSuffix(strings.TrimPrefix(strings.Split(l, ";")[0], "<"), ">")
			}
		}
		if len(all) != 9 || all[0].School != "S1" || all[8].School != "S2" || all[8].Place != 4 {
			t.Fatalf("exported %d rows: %+v", len(all), all)
		}
		csvBody := e.must(t, 200, "daryn", "GET", "/api/contests/C1/export?format=csv", "", "")
		if !strings.HasPrefix(csvBody, "school,grade,place,iin,name,score,outcome\nS1,5,1,") || strings.Count(csvBody, "\n") != 10 {
			t.Errorf("CSV export:\n%s", csvBody)
		}
		_, _, hdr := e.call(t, "daryn", "GET", "/api/contests/C1/export", "", "")
		etag := hdr.Get("ETag")
		if s, _, _ := e.call(t, "daryn", "GET", "/api/contests/C1/export", "", "", "If-None-Match", etag); s != 304 {
			t.Errorf("unchanged export: %d, want 304", s)
		}
		b.rank(t)
		if s, _, _ := e.call(t, "daryn", "GET", "/api/contests/C1/export", "", "", "If-None-Match", etag); s != 200 {
			t.Errorf("export after a school's new ranking: %d, want 200", s)
		}
		e.must(t, 400, "daryn", "GET", "/api/contests/C1/export?after=garbage", "", "")
		e.must(t, 404, "daryn", "GET", "/api/contests/C9/export", "", "")
	})
}

func TestProtocolsArePublicOnlyOncePublished(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		f := newGradeFixture(t, e, "S1", "aigerim", 1, 2, []int{40, 35, 30})
		f.score(t)
		f.rank(t)
		g := f.path
		pub := "/api/public/contests/C1/schools/S1/grades/5/protocol.pdf"
		var gen results.Generated
		json.Unmarshal([]byte(e.must(t, 201, "aigerim", "POST", g+"/protocols", "", "")), &gen)
		if !gen.Final || len(gen.Protocols) != 8 {
			t.Fatalf("generated: %+v", gen)
		}
		e.must(t, 404, "", "GET", pub, "", "")
		preview := e.must(t, 200, "web", "GET", g+"/protocols/public.pdf", "", "")
		if !strings.HasPrefix(preview, "%PDF") {
			t.Errorf("publisher's preview starts %q", preview[:min(8, len(preview))])
		}
		e.must(t, 200, "chair", "POST", g+"/publish", "", "")
		status, body, hdr := e.call(t, "", "GET", pub, "", "")
		if status != 200 || !strings.HasPrefix(body, "%PDF") || hdr.Get("Content-Type") != "application/pdf" {
			t.Fatalf("public protocol: %d %s", status, hdr.Get("Content-Type"))
		}
		_, _, hdr = e.call(t, "", "GET", "/api/public/contests/C1/schools/S1/grades/5/protocol.html", "", "")
		if !strings.Contains(hdr.Get("Content-Security-Policy"), "sandbox") {
			t.Errorf("a public HTML protocol must be sandboxed: %q", hdr.Get("Content-Security-Policy"))
		}
		// A preview made after publication is not public.
		e.must(t, 201, "aigerim", "POST", g+"/protocols", "", "")
		if got := e.must(t, 200, "", "GET", pub, "", ""); got != body {
			t.Error("an unpublished preview went public")
		}
		if internal := e.must(t, 200, "aigerim", "GET", g+"/protocols/internal.csv", "", ""); !strings.Contains(internal, f.iins[0]) {
			t.Errorf("the internal protocol lacks the full IIN")
		}
		var list []store.Protocol
		json.Unmarshal([]byte(e.must(t, 200, "web", "GET", g+"/protocols", "", "")), &list)
		if len(list) != 12 || slices.ContainsFunc(list, func(p store.Protocol) bool { return p.Visibility == "internal" }) {
			t.Errorf("publisher's list = %d files", len(list))
		}
	})
}

// Intake (issue 6) adds routes the same way; they answer like every other.
func TestHandleAddsARoute(t *testing.T) {
	e := startEnv(t, "sqlite", nil)
	e.Server.Handle(server.Route{Method: "GET", Pattern: "/api/contests/{contest}/schools/{school}/intake/ping", Access: server.OfficeSchool,
		Handler: func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(server.UserFrom(r.Context()).Name)) }})
	if got := e.must(t, 200, "office", "GET", "/api/contests/C1/schools/S1/intake/ping", "", ""); got != "office" {
		t.Errorf("got %q", got)
	}
	e.must(t, 403, "aigerim", "GET", "/api/contests/C1/schools/S1/intake/ping", "", "")
	e.must(t, 401, "", "GET", "/api/contests/C1/schools/S1/intake/ping", "", "")
}

func TestRevokedTokenIsRefused(t *testing.T) {
	e := startEnv(t, "sqlite", nil)
	toks, _ := e.Store.ListTokens(context.Background())
	for _, tok := range toks {
		if tok.User.Name == "bolat" {
			e.Store.RevokeToken(context.Background(), store.System, tok.ID)
		}
	}
	body := e.must(t, 401, "bolat", "GET", "/api/whoami", "", "")
	if !strings.Contains(body, "revoked") {
		t.Errorf("%s", body)
	}
}

// Two servers on one database: a ranking stored through one shows on the other once
// its cached copy is re-checked (RankingFreshness), never later.
func TestRankingCacheAcrossServers(t *testing.T) {
	st := openStore(t, "postgres")
	a := startEnvOn(t, st, nil)
	b := startPeer(t, a, func(c *server.Config) { c.RankingFreshness = 50 * time.Millisecond })
	f := newGradeFixture(t, a, "S1", "aigerim", 1, 2, []int{40, 35, 30, 25, 20})
	f.score(t)
	f.rank(t)
	path := f.path + "/ranking"
	version := func() int {
		var rk store.Ranking
		json.Unmarshal([]byte(b.must(t, 200, "aigerim", "GET", path, "", "")), &rk)
		return rk.Version
	}
	if v := version(); v != 1 {
		t.Fatalf("server B: version %d", v)
	}
	f.rank(t)
	deadline := time.Now().Add(3 * time.Second)
	for version() != 2 {
		if time.Now().After(deadline) {
			t.Fatal("server B never showed version 2")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// The whole chain through the API: seats, candidates and keys uploaded, sheets
// ingested, scored with the scoring package, ranked with the contest package, a tie
// the machine does not break decided by the commission, ranked again.
func TestScoreAndRankThroughTheAPI(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		g := "/api/contests/C1/schools/S1/grades/5"
		e.must(t, 200, "aigerim", "PUT", "/api/contests/C1/schools/S1/seats", "text/csv", "school,grade,seats\nS1,5,2\n")
		cands := "school,grade,iin,name,olympiad,myn_bala\n"
		for _, n := range []int{5, 1, 2, 3, 4} {
			cands += fmt.Sprintf("S1,5,%s,Candidate %d,0,0\n", storetest.IIN(n), n)
		}
		e.must(t, 200, "aigerim", "PUT", "/api/contests/C1/schools/S1/candidates", "text/csv", cands)
		e.must(t, 400, "daryn", "PUT", "/api/contests/C1/keys", "text/csv", "grade,variant,answers\n5,1,ABC\n")
		e.must(t, 200, "daryn", "PUT", "/api/contests/C1/keys", "text/csv", keyCSV())

		// Candidate 5 answers every question right, 1–3 every one wrong; 4's sheet is
		// still under review.
		req := server.IngestRequest{Batch: store.Batch{Name: "b"}}
		files := map[string][]byte{}
		for _, n := range []int{5, 1, 2, 3} {
			it, img := page(fmt.Sprintf("%06d", n), n)
			req.Sheets = append(req.Sheets, it)
			files[it.Image] = img
		}
		it, extra := reviewPage("000004", 4)
		req.Sheets = append(req.Sheets, it)
		for k, v := range extra {
			files[k] = v
		}
		if _, err := e.client("aigerim").Ingest(ctx, "C1", "S1", req, files); err != nil {
			t.Fatal(err)
		}
		var sr server.ScoreResponse
		json.Unmarshal([]byte(e.must(t, 409, "aigerim", "POST", g+"/score", "", "")), &sr)
		if sr.Set != nil || len(sr.Conflicts) != 1 || sr.Conflicts[0].Kind != "not_final" || sr.Conflicts[0].IIN != storetest.IIN(4) {
			t.Fatalf("scoring with a sheet under review: %+v", sr)
		}
		e.must(t, 404, "aigerim", "GET", g+"/results", "", "") // nothing stored
		e.must(t, 200, "aigerim", "POST", "/api/contests/C1/schools/S1/review/000004/q3", "application/json", `{"value":"B"}`)

		json.Unmarshal([]byte(e.must(t, 200, "aigerim", "POST", g+"/score", "", "")), &sr)
		if sr.Scored != 5 || sr.Set == nil || sr.Set.Version != 1 || sr.FlaggedItems == nil {
			t.Fatalf("score = %+v", sr)
		}
		var rr server.RankResponse
		json.Unmarshal([]byte(e.must(t, 200, "aigerim", "POST", g+"/rank", "", "")), &rr)
		outcomes := map[string]string{}
		for _, row := range rr.Result.Rows {
			outcomes[row.IIN] = string(row.Outcome)
		}
		if !rr.Pending || outcomes[storetest.IIN(5)] != "admitted" || outcomes[storetest.IIN(1)] != "tie_pending" || outcomes[storetest.IIN(3)] != "tie_pending" {
			t.Fatalf("first ranking: pending %v, outcomes %v", rr.Pending, outcomes)
		}
		tied := rr.Result.Ties[0].IINs
		order := append([]string{storetest.IIN(2)}, slices.DeleteFunc(slices.Clone(tied), func(s string) bool { return s == storetest.IIN(2) })...)
		body, _ := json.Marshal(map[string]any{"iins": tied, "order": order, "reason": "жеребе, хаттама №3"})
		e.must(t, 403, "aigerim", "POST", g+"/ties", "application/json", string(body))
		e.must(t, 201, "chair", "POST", g+"/ties", "application/json", string(body))
		json.Unmarshal([]byte(e.must(t, 200, "aigerim", "POST", g+"/rank", "", "")), &rr)
		if rr.Pending || rr.Set.Version != 2 {
			t.Fatalf("ranking after the decision: %+v", rr)
		}
		var rk store.Ranking
		json.Unmarshal([]byte(e.must(t, 200, "daryn", "GET", g+"/ranking", "", "")), &rk)
		admitted := 0
		for _, p := range rk.Placements {
			if p.Outcome == "admitted" {
				admitted++
			}
		}
		if admitted != 2 || rk.Placements[1].IIN != storetest.IIN(2) || rk.Placements[1].Outcome != "admitted" {
			t.Errorf("stored ranking: %+v", rk.Placements)
		}
		e.must(t, 400, "aigerim", "POST", g+"/rank?quota_order=lottery", "", "")

		// The protocol, made by the results engine from the stored ranking, the stored
		// commission and the stored calendar.
		e.must(t, 404, "aigerim", "POST", g+"/protocols", "", "") // no calendar yet
		e.must(t, 200, "aigerim", "PUT", "/api/contests/C1/schools/S1/commission", "application/json", commissionJSON)
		e.must(t, 200, "aigerim", "PUT", "/api/contests/C1/schools/S1/sitting", "application/json", sittingJSON)
		var gr results.Generated
		json.Unmarshal([]byte(e.must(t, 201, "aigerim", "POST", g+"/protocols", "", "")), &gr)
		if !gr.Final || len(gr.Protocols) != 8 || len(gr.ResultsSHA) != 64 {
			t.Fatalf("generated protocols: %+v", gr)
		}
		e.must(t, 200, "chair", "POST", g+"/publish", "", "")
		if pdf := e.must(t, 200, "", "GET", "/api/public/contests/C1/schools/S1/grades/5/protocol.pdf", "", ""); !strings.HasPrefix(pdf, "%PDF") {
			t.Errorf("public PDF starts %q", pdf[:min(10, len(pdf))])
		}
		pub := e.must(t, 200, "", "GET", "/api/public/contests/C1/schools/S1/grades/5/protocol.csv", "", "")
		if strings.Contains(pub, storetest.IIN(5)) || !strings.Contains(pub, storetest.IIN(5)[8:]) {
			t.Errorf("the public protocol must mask IINs but keep their last four digits:\n%s", pub)
		}
		internal := e.must(t, 200, "aigerim", "GET", g+"/protocols/internal.csv", "", "")
		if !strings.Contains(internal, storetest.IIN(5)) {
			t.Errorf("the internal protocol lacks the full IIN")
		}
		// Published means frozen: the seats cannot change now.
		e.must(t, 409, "aigerim", "PUT", "/api/contests/C1/schools/S1/seats", "text/csv", "school,grade,seats\nS1,5,3\n")
	})
}

// A protocol made while a tie is pending is a draft: it is stored, and refused for
// publication.
func TestDraftProtocolIsNotPublished(t *testing.T) {
	e := startEnv(t, "sqlite", nil)
	f := newGradeFixture(t, e, "S1", "aigerim", 1, 1, []int{25, 25, 25})
	f.score(t)
	f.rank(t)
	var gr results.Generated
	json.Unmarshal([]byte(e.must(t, 201, "aigerim", "POST", f.path+"/protocols", "", "")), &gr)
	if gr.Final || len(gr.DraftReasons) == 0 {
		t.Fatalf("a protocol with a pending tie: %+v", gr)
	}
	body := e.must(t, 409, "chair", "POST", f.path+"/publish", "", "")
	if !strings.Contains(body, "draft") || !strings.Contains(body, "проект") {
		t.Errorf("publish a draft: %s", body)
	}
	e.must(t, 404, "", "GET", "/api/public/contests/C1/schools/S1/grades/5/protocol.pdf", "", "")
}

const sittingYAML = `school: S1
school_name_kk: НЗМ Алматы
school_name_ru: НИШ Алматы
number: 3/2026
city: Алматы
calendar:
  contest_date: "2026-04-20"
  protocol_date: "2026-04-21"
commission:
  chair: Сәрсенбаева Гүлнар
  members:
    - {name: Сәрсенбаева Гүлнар, position: директор}
    - {name: Петров Алексей, position: мұғалім}
    - {name: Жақыпов Ерлан, position: мұғалім}
    - {name: Ахметова Әйгерім, position: мұғалім}
    - {name: Ким Ольга, position: мұғалім}
    - {name: Оспанов Тимур, position: мұғалім}
    - {name: Мұқанова Салтанат, position: мұғалім}
`

// keyCSV is a grade-5 key for every variant: ABCDE repeated.
func keyCSV() string {
	k := "grade,variant,answers\n"
	for v := 1; v <= 4; v++ {
		k += fmt.Sprintf("5,%d,%s\n", v, strings.Repeat("ABCDE", 8))
	}
	return k
}

func TestClientIngestPage(t *testing.T) {
	e := startEnv(t, "sqlite", nil)
	c := e.client("aigerim")
	rd := storetest.Reading("000777", 7)
	rd.Status, rd.Review = reading.StatusReview, []string{"q2"}
	crop := []byte("crop q2")
	res, err := c.IngestPage(context.Background(), "C1", "S1", store.Batch{Name: "scanner-1"}, rd, []byte("page image"), map[string][]byte{"q2": crop}, map[string]float64{"q2": 0.3})
	if err != nil || res.Outcome != store.OutcomeStored || res.Serial != "000777" {
		t.Fatalf("IngestPage = %+v, %v", res, err)
	}
	again, err := c.IngestPage(context.Background(), "C1", "S1", store.Batch{Name: "scanner-1"}, rd, []byte("page image"), nil, nil)
	if err != nil || !again.Existing {
		t.Fatalf("again = %+v, %v", again, err)
	}
	e.must(t, 200, "aigerim", "GET", "/api/contests/C1/schools/S1/blobs/"+client.Hash(crop), "", "")
	_, err = c.IngestPage(context.Background(), "C9", "S1", store.Batch{Name: "x"}, rd, []byte("other"), nil, nil)
	if !client.Permanent(err) || client.Retryable(err) {
		t.Errorf("unknown contest: %v should be permanent", err)
	}
}

func TestNotReadyWhenMigrationsAreBehind(t *testing.T) {
	e := startEnv(t, "sqlite", nil)
	db := e.Store.(interface{ SQL() *sql.DB }).SQL()
	if _, err := db.Exec("DELETE FROM schema_migrations"); err != nil {
		t.Fatal(err)
	}
	body := e.must(t, 503, "", "GET", "/readyz", "", "")
	if !strings.Contains(body, "tarazy migrate") {
		t.Errorf("readyz = %s", body)
	}
	e.must(t, 200, "", "GET", "/healthz", "", "")
}

// Scoring's item analysis reaches the commission: a question that the strongest
// candidates all answered otherwise than the key is flagged in the score answer.
func TestScoreFlagsAProbableKeyError(t *testing.T) {
	e := startEnv(t, "sqlite", nil)
	g := "/api/contests/C1/schools/S1/grades/5"
	e.must(t, 200, "daryn", "PUT", "/api/contests/C1/keys", "text/csv", keyCSV())
	cands := "school,grade,iin,name,olympiad,myn_bala\n"
	req := server.IngestRequest{Batch: store.Batch{Name: "b"}}
	files := map[string][]byte{}
	key := strings.Repeat("ABCDE", 8)
	for n := 1; n <= 40; n++ {
		cands += fmt.Sprintf("S1,5,%s,Candidate %d,0,0\n", storetest.IIN(n), n)
		rd := storetest.Reading(fmt.Sprintf("%06d", n), n)
		for q := range rd.Answers {
			rd.Answers[q] = ""
			if q < 5+n*35/40 {
				rd.Answers[q] = string(key[q])
			}
		}
		rd.Answers[0] = "B" // everyone, the strongest included, "disagrees" with the key on q1
		img := []byte(fmt.Sprintf("sheet %d", n))
		req.Sheets = append(req.Sheets, store.IngestItem{Reading: rd, Image: hash(img)})
		files[hash(img)] = img
	}
	e.must(t, 200, "aigerim", "PUT", "/api/contests/C1/schools/S1/candidates", "text/csv", cands)
	if _, err := e.client("aigerim").Ingest(context.Background(), "C1", "S1", req, files); err != nil {
		t.Fatal(err)
	}
	var sr server.ScoreResponse
	json.Unmarshal([]byte(e.must(t, 200, "aigerim", "POST", g+"/score", "", "")), &sr)
	if len(sr.FlaggedItems) == 0 || sr.FlaggedItems[0].Question != 1 || sr.FlaggedItems[0].UpperTop != "B" {
		t.Fatalf("flagged items = %+v", sr.FlaggedItems)
	}
}

// The review screen's browser session: the token as a cookie, which works for images
// and reads, and for changes only with the CSRF header.
func TestBrowserSession(t *testing.T) {
	e := startEnv(t, "sqlite", nil)
	it, files := reviewPage("000100", 100)
	if _, err := e.client("aigerim").Ingest(context.Background(), "C1", "S1", server.IngestRequest{Batch: store.Batch{Name: "b"}, Sheets: []store.IngestItem{it}}, files); err != nil {
		t.Fatal(err)
	}
	e.must(t, 401, "", "POST", "/api/session", "application/json", `{"token":"tz_nonsense"}`)
	req, _ := http.NewRequest("POST", e.URL+"/api/session", strings.NewReader(`{"token":"`+e.tokens["bolat"]+`"}`))
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	var cookie *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == server.SessionCookie {
			cookie = c
		}
	}
	if resp.StatusCode != 200 || cookie == nil || !cookie.HttpOnly || cookie.SameSite != http.SameSiteStrictMode {
		t.Fatalf("login: %d, cookie %+v", resp.StatusCode, cookie)
	}
	do := func(method, path, body string, csrf bool) int {
		req, _ := http.NewRequest(method, e.URL+path, strings.NewReader(body))
		req.AddCookie(cookie)
		req.Header.Set("Content-Type", "application/json")
		if csrf {
			req.Header.Set(server.CSRFHeader, "1")
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if s := do("GET", "/api/contests/C1/schools/S1/blobs/"+it.Crops["q3"], "", false); s != 200 {
		t.Errorf("crop with the session cookie: %d", s)
	}
	if s := do("POST", "/api/contests/C1/schools/S1/review/000100/q3", `{"value":"B"}`, false); s != 403 {
		t.Errorf("a change with the cookie but no CSRF header: %d, want 403", s)
	}
	if s := do("POST", "/api/contests/C1/schools/S1/review/000100/q3", `{"value":"B"}`, true); s != 200 {
		t.Errorf("a change with the cookie and the CSRF header: %d", s)
	}
	if s := do("GET", "/api/contests/C1/schools/S2/candidates", "", false); s != 403 {
		t.Errorf("another school with the cookie: %d", s)
	}
	if s := do("DELETE", "/api/session", "", false); s != 204 {
		t.Errorf("logout: %d", s)
	}
}

// The sample scans (testdata/scans) as the worker uploads them: every sheet of the
// single, TIFF and PDF files is stored with its reading, and the page that is not a
// sheet is listed with its file; a second upload stores nothing twice.
func TestIngestTheSampleScans(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		want, err := samples.Load()
		if err != nil {
			t.Fatal(err)
		}
		req := server.IngestRequest{Batch: store.Batch{Name: "samples", Operator: "Айгерім", Scanner: "fi-7160"}}
		files := map[string][]byte{}
		for _, ex := range want {
			data, err := os.ReadFile(filepath.Join(samples.Dir(), ex.File))
			if err != nil {
				t.Fatal(err)
			}
			// Each page of a multi-page file is its own image; the file stands in for
			// it here, marked with the page number.
			img := append(append([]byte(nil), data...), byte(ex.Page))
			rd := reading.Reading{File: ex.File, Page: ex.Page, Status: ex.Status, Form: ex.Form, Sheet: ex.Sheet, IIN: ex.IIN,
				Variant: ex.Variant, Answers: ex.Answers, Review: []string{}}
			if ex.Status == reading.StatusRejected {
				rd.Answers, rd.Error = []string{}, "no alignment marks: this is not an answer sheet"
			}
			it := store.IngestItem{Reading: rd, Image: hash(img), ReadSeconds: 0.2}
			req.Sheets = append(req.Sheets, it)
			files[it.Image] = img
		}
		ctx := context.Background()
		res, err := e.client("scanpc").Ingest(ctx, "C1", "S1", req, files)
		if err != nil {
			t.Fatal(err)
		}
		if res.Summary[store.OutcomeStored] != len(want)-1 || res.Summary[store.OutcomeRejected] != 1 {
			t.Fatalf("summary = %v", res.Summary)
		}
		for _, ex := range want {
			if ex.Status == reading.StatusRejected {
				continue
			}
			sh, err := e.Store.Sheet(ctx, "C1", "S1", ex.Sheet)
			if err != nil {
				t.Fatal(err)
			}
			if why := ex.Check(sh.Reading); why != "" {
				t.Errorf("%s page %d: %s", ex.File, ex.Page, why)
			}
		}
		rej, err := e.Store.RejectedPages(ctx, "C1", "S1", "samples")
		if err != nil || len(rej) != 1 || rej[0].File != "not-a-sheet.jpg" {
			t.Errorf("rejected = %+v, %v", rej, err)
		}
		again, err := e.client("scanpc").Ingest(ctx, "C1", "S1", req, nil)
		if err != nil || again.Summary["existing"] != len(want) {
			t.Errorf("second upload = %+v, %v; want every page existing", again, err)
		}
	})
}
