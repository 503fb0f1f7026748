package server_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"tarazy/calibration"
	"tarazy/i18n/i18ntest"
	"tarazy/omr/reading"
	"tarazy/server"
	"tarazy/store"
)

func (e *env) ingestReviewSheet(t *testing.T, serial string) {
	t.Helper()
	it, files := reviewPage(serial, 7)
	for sha, b := range files {
		if _, err := e.Blobs.PutExpect(bytes.NewReader(b), 0, sha); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := e.Store.Ingest(context.Background(), store.System, "C1", "S1", store.Batch{Name: "hall 2", Operator: "Айгерім", Scanner: "fi-7160"}, []store.IngestItem{it}); err != nil {
		t.Fatal(err)
	}
}

func TestPagesSendStrangersToTheLoginPage(t *testing.T) {
	e := startEnv(t, "sqlite", nil)
	status, _, hdr := get(t, e.browser(t, ""), e.URL+"/ui/contests/C1/schools/S1/review")
	if status != http.StatusSeeOther || hdr.Get("Location") != "/ui/login?next=%2Fui%2Fcontests%2FC1%2Fschools%2FS1%2Freview" {
		t.Fatalf("status %d, location %q", status, hdr.Get("Location"))
	}
	status, body, _ := get(t, e.browser(t, ""), e.URL+"/ui/login?next=/ui/contests/C1/schools/S1/review")
	if status != 200 || !strings.Contains(body, `name="next" value="/ui/contests/C1/schools/S1/review"`) || !strings.Contains(body, "Кіру токені") {
		t.Fatalf("login page %d:\n%s", status, body)
	}
}

func TestLoginFormWithoutScript(t *testing.T) {
	e := startEnv(t, "sqlite", nil)
	c := e.browser(t, "")
	resp, err := c.PostForm(e.URL+"/ui/login", url.Values{"token": {e.tokens["aigerim"]}, "next": {"/ui/contests/C1/schools/S1/review"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/ui/contests/C1/schools/S1/review" {
		t.Fatalf("status %d, location %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if status, _, _ := get(t, c, e.URL+"/ui/contests/C1/schools/S1/review"); status != 200 {
		t.Fatalf("after signing in the queue answers %d", status)
	}
	// A wrong token shows the form again with the reason; an outside next is ignored.
	resp, err = c.PostForm(e.URL+"/ui/login", url.Values{"token": {"tz_wrong"}, "next": {"https://evil.example/"}})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(string(b), "Токен қабылданбады") || strings.Contains(string(b), "evil.example") {
		t.Fatalf("wrong token: %d\n%s", resp.StatusCode, b)
	}
}

func TestReviewPageShowsTheQueueInBothLanguages(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		e.ingestReviewSheet(t, "000101")
		c := e.browser(t, "aigerim")
		status, body, hdr := get(t, c, e.URL+"/ui/contests/C1/schools/S1/review")
		if status != 200 {
			t.Fatalf("status %d\n%s", status, body)
		}
		for _, want := range []string{"Тексеру кезегі", `data-testid="item-000101-q3"`, `data-machine="B"`, `data-keys="A,B,C,D,E"`,
			"B белгісі анық емес: әлсіз белгі", "40 %", "hall 2", "5-сынып", "1-бет",
			"/api/contests/C1/schools/S1/review/000101/image?blob=", `data-testid="count-mine">1<`} {
			if !strings.Contains(body, want) {
				t.Errorf("review page lacks %q", want)
			}
		}
		if !strings.Contains(hdr.Get("Content-Security-Policy"), "default-src 'self'") {
			t.Errorf("no CSP: %q", hdr.Get("Content-Security-Policy"))
		}
		_, ru, _ := get(t, c, e.URL+"/ui/contests/C1/schools/S1/review?lang=ru")
		if !strings.Contains(ru, "Очередь проверки") || !strings.Contains(ru, `lang="ru"`) || !strings.Contains(ru, "Неясная отметка B") {
			t.Error("?lang=ru did not give the Russian page")
		}
		i18ntest.NoLatin(t, "the review screen in Kazakh", body)
		i18ntest.NoLatin(t, "the review screen in Russian", ru)
	})
}

func TestReviewPageOfAnotherSchoolIsRefusedAndAudited(t *testing.T) {
	e := startEnv(t, "sqlite", nil)
	e.ingestReviewSheet(t, "000101")
	status, body, _ := get(t, e.browser(t, "saule"), e.URL+"/ui/contests/C1/schools/S1/review")
	if status != http.StatusForbidden || !strings.Contains(body, "Бұл бетке рұқсатыңыз жоқ") || strings.Contains(body, "000101") {
		t.Fatalf("status %d:\n%s", status, body)
	}
	log, err := e.Store.AuditLog(context.Background(), store.AuditFilter{Action: "access.denied"})
	if err != nil || len(log) == 0 || log[0].Actor != "saule" {
		t.Fatalf("audit = %+v, %v", log, err)
	}
	// A publisher may read the school's protocols but not review its sheets.
	if status, _, _ := get(t, e.browser(t, "web"), e.URL+"/ui/contests/C1/schools/S1/review"); status != http.StatusForbidden {
		t.Fatalf("publisher got %d", status)
	}
}

func TestDashboardShowsBatchesAndRejectedFiles(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		e.ingestReviewSheet(t, "000101")
		ok, img := page("000102", 8)
		bad := store.IngestItem{Reading: reading.Reading{File: "scan-0003.jpg", Page: 1, Status: reading.StatusRejected,
			Error: "no corner markers found: this is not a tarazy answer sheet", Answers: []string{}, Review: []string{}}, Image: hash([]byte("junk"))}
		e.Blobs.PutExpect(bytes.NewReader(img), 0, ok.Image)
		e.Blobs.PutExpect(strings.NewReader("junk"), 0, bad.Image)
		if _, err := e.Store.Ingest(context.Background(), store.System, "C1", "S1", store.Batch{Name: "hall 2", Operator: "Айгерім", Scanner: "fi-7160"}, []store.IngestItem{ok, bad}); err != nil {
			t.Fatal(err)
		}
		status, body, _ := get(t, e.browser(t, "aigerim"), e.URL+"/ui/contests/C1/schools/S1/batches?lang=ru")
		if status != 200 {
			t.Fatalf("status %d\n%s", status, body)
		}
		for _, want := range []string{`data-testid="batch-hall 2"`, `data-testid="pages">3<`, `data-testid="rejected">1<`,
			`data-testid="inreview">1<`, "scan-0003.jpg", "not a tarazy answer sheet", "Отклонённые файлы", `data-testid="open-review">1<`} {
			if !strings.Contains(body, want) {
				t.Errorf("dashboard lacks %q", want)
			}
		}
	})
}

func TestHomeListsOnlyTheUsersSchool(t *testing.T) {
	e := startEnv(t, "sqlite", nil)
	_, body, _ := get(t, e.browser(t, "aigerim"), e.URL+"/ui/")
	if !strings.Contains(body, "/ui/contests/C1/schools/S1/review") || strings.Contains(body, "/schools/S2/") {
		t.Fatalf("home page:\n%s", body)
	}
	_, body, _ = get(t, e.browser(t, "daryn"), e.URL+"/ui/")
	if !strings.Contains(body, "/schools/S2/batches") || strings.Contains(body, "/review") {
		t.Fatalf("daryn's home page should list every school's dashboard and no review queue:\n%s", body)
	}
}

func TestDashboardDrawsTheBatchCalibration(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		p := calibration.Default()
		p.Scanner = "fi-7160"
		p.Pages = 40
		samples := []calibration.Sample{{Darkness: 0.011}, {Darkness: 0.012}, {Darkness: 0.9}} // two blanks share a bin
		// A batch name is free text: a comma travels escaped in the path.
		b := store.Batch{Name: "hall 2, morning", Operator: "Айгерім", Scanner: "fi-7160"}
		if err := e.client("aigerim").PutBatchCalibration(context.Background(), "C1", "S1", b, calibration.Summarize(samples, p)); err != nil {
			t.Fatal(err)
		}
		// Another school's commission may not set it.
		if err := e.client("saule").PutBatchCalibration(context.Background(), "C1", "S1", b, calibration.Summarize(samples, p)); apiErr(err) == nil || apiErr(err).Status != http.StatusForbidden {
			t.Fatalf("S2's commission: %v", err)
		}
		_, body, _ := get(t, e.browser(t, "aigerim"), e.URL+"/ui/contests/C1/schools/S1/batches")
		if strings.Contains(body, "%2C") || strings.Count(body, `data-testid="batch-`) != 1 {
			t.Errorf("the batch name was stored escaped:\n%s", body)
		}
		for _, want := range []string{`data-testid="histogram"`, `data-testid="batch-hall 2, morning"`, "fi-7160", fmt.Sprintf("%.3f", p.BlankMax), fmt.Sprintf("%.3f", p.MarkMin), "<title>2</title>"} {
			if !strings.Contains(body, want) {
				t.Errorf("dashboard lacks %q", want)
			}
		}
	})
}

func TestHomeLinksOnlyToWhatThisServerServes(t *testing.T) {
	e := startEnv(t, "sqlite", nil)
	// This test server registers the intake desk (env_test.go) and so links it for an
	// administrator; a server without it must not.
	e.Server.AddHomeLink(server.HomeLink{Label: "home.batches", URL: "/ui/elsewhere", Roles: []string{store.RoleDaryn}})
	_, body, _ := get(t, e.browser(t, "daryn"), e.URL+"/ui/")
	if !strings.Contains(body, `href="/ui/elsewhere"`) {
		t.Fatalf("daryn's home page lacks its link:\n%s", body)
	}
	_, body, _ = get(t, e.browser(t, "aigerim"), e.URL+"/ui/")
	if strings.Contains(body, `href="/ui/elsewhere"`) {
		t.Fatal("a commission member sees a link meant for the Daryn centre")
	}
}

// Every text a page asks for exists in Kazakh and in Russian: a missing label shows
// its key ("batches.blank") to a commission member.
func TestEveryPageLabelHasBothLanguages(t *testing.T) {
	e := startEnv(t, "sqlite", nil)
	sh := e.Server.Shell()
	re := regexp.MustCompile(`\bt\s+"([a-z0-9_.-]+)"`)
	files, _ := filepath.Glob("templates/*.html")
	more, _ := filepath.Glob("web/templates/*.html")
	pages, _ := filepath.Glob("web/templates/pages/*.html")
	intake, _ := filepath.Glob("intakeapi/templates/*.html")
	files = append(append(append(files, more...), pages...), intake...)
	if len(files) < 8 {
		t.Fatalf("found only %d templates", len(files))
	}
	// printf'd in review.html
	keys := map[string]bool{"state.open": true, "state.disputed": true, "state.final": true, "wait.first": true, "wait.second": true, "wait.chair": true}
	for _, tab := range []string{"mine", "others", "chair"} {
		keys["review.tab."+tab], keys["review.empty."+tab] = true, true
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range re.FindAllStringSubmatch(string(b), -1) {
			keys[m[1]] = true
		}
	}
	for k := range keys {
		kk, ru := sh.T("kk", k), sh.T("ru", k)
		if kk == k || ru == k || kk == "" || ru == "" {
			t.Errorf("label %q: kk %q, ru %q", k, kk, ru)
		}
	}
}
