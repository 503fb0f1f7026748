package intakeapi_test

import (
	"net/http"
	"strings"
	"testing"
)

const ui = "/ui/schools/S1/intake"

func TestPagesSpeakBothLanguages(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		e.must(t, 201, "Гүлнар", "POST", base+"/applications", strings.Replace(admissionGrade("Әлия", 2, true, complete...), "2026-04-14", "2026-04-09", 1), nil)
		e.must(t, 201, "Гүлнар", "POST", base+"/applications", admission("Дана", false, "application"), nil)
		e.must(t, 201, "Гүлнар", "POST", base+"/applications", admission("Айсұлу", true, complete...), nil)
		c := e.browser(t, "Гүлнар")
		cases := []struct {
			name, path string
			want       []string
		}{
			{"ListKazakh", ui + "?lang=kk", []string{"Өтініштер тізілімі", "ADM-2026-00001", "ADM-2026-00002", "қабылдаудан бас тартылды", "мерзімі өтті", `class="overdue" data-testid="row-ADM-2026-00001"`}},
			{"ListRussian", ui + "?lang=ru", []string{"Реестр заявлений", "отказано в приёме", "просрочено"}},
			{"ListOverdueOnly", ui + "?overdue=true&lang=ru", []string{"ADM-2026-00001", "Показано заявлений: <span data-testid=\"count\">1</span>"}},
			{"NewChoose", ui + "/new?lang=ru", []string{"Новое заявление", "Выберите услугу", "DUP — "}},
			{"NewChecklist", ui + "/new?service=school-admission&lang=ru", []string{`data-service="school-admission"`, "справка о состоянии здоровья", "Проживает на территории обслуживания школы",
				`data-testid="doc-pmpc"`, "только если", `value="2026-04-14T12:00"`}},
			{"NewContest", ui + "/new?service=contest-registration&lang=kk", []string{`data-contest="true"`, "Конкурсқа үміткер (§17)", `name="candidate.email"`, "&#34;Мың бала&#34; жеңімпазы",
				"2026-03-01 – 2026-04-01 (§16, конкурс маусымының деректерінен)", `id="decision" class="override" hidden`, "Шешім (Үлгілік қағидалардың 19-тармағы)", `data-testid="applicant-iin-error" hidden`}},
			{"NewWithoutChecklist", ui + "/new?service=meals&lang=ru", []string{`data-testid="nochecklist"`, "полнота не проверяется"}},
			{"AcceptedApplication", ui + "/applications/ADM-2026-00001?new=1&lang=ru", []string{"Заявление зарегистрировано: выдайте расписку.", "Расписка о приеме документов",
				"receipt.pdf?lang=ru", "receipt.pdf?lang=kk", `data-testid="change"`, "Журнал изменений", "просрочено"}},
			{"RefusedApplication", ui + "/applications/ADM-2026-00002?new=1&lang=kk", []string{"Құжаттарды қабылдаудан бас тартылды: бас тарту туралы қолхатты беріңіз.",
				"Құжаттарды қабылдаудан бас тарту туралы қолхат", `data-testid="missing"`, "денсаулық", `data-testid="final"`}},
			{"FirstGrade", ui + "/first-grade?year=2026&lang=ru", []string{"Очерёдность уведомлений", "3 с территории обслуживания, затем 1 извне", "Айсұлу", "Члены комиссии"}},
			{"FirstGradeApplication", ui + "/applications/ADM-2026-00003?lang=ru", []string{"Ребенок принимается в организацию образования с 2026-09-01", "2026-09-01"}},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				status, body, hdr := get(t, c, e.URL+tc.path)
				if status != 200 || !strings.HasPrefix(hdr.Get("Content-Type"), "text/html") {
					t.Fatalf("status %d %s\n%s", status, hdr.Get("Content-Type"), body)
				}
				for _, w := range tc.want {
					if !strings.Contains(body, w) {
						t.Errorf("page lacks %q", w)
					}
				}
			})
		}
	})
}

func TestPagesAccess(t *testing.T) {
	e := startEnv(t, "sqlite")
	// Strangers go to the login page and come back.
	status, _, hdr := get(t, e.browser(t, ""), e.URL+ui)
	if status != http.StatusSeeOther || hdr.Get("Location") != "/ui/login?next=%2Fui%2Fschools%2FS1%2Fintake" {
		t.Errorf("stranger: %d %s", status, hdr.Get("Location"))
	}
	// Another school's office, and the commission, get a page saying no.
	for _, who := range []string{"Марат", "aigerim"} {
		status, body, _ := get(t, e.browser(t, who), e.URL+ui)
		if status != http.StatusForbidden || !strings.Contains(body, "Бұл бетке рұқсатыңыз жоқ") {
			t.Errorf("%s: %d\n%s", who, status, body)
		}
	}
	// The office's entry point leads to its own register; the admin chooses a school.
	status, _, hdr = get(t, e.browser(t, "Марат"), e.URL+"/ui/intake")
	if status != http.StatusSeeOther || hdr.Get("Location") != "/ui/schools/S2/intake" {
		t.Errorf("office entry: %d %s", status, hdr.Get("Location"))
	}
	status, body, _ := get(t, e.browser(t, "admin"), e.URL+"/ui/intake?lang=ru")
	if status != 200 || !strings.Contains(body, `href="/ui/schools/S1/intake"`) || !strings.Contains(body, "S2 · НИШ Астана") {
		t.Errorf("admin entry: %d\n%s", status, body)
	}
	if status, _, _ := get(t, e.browser(t, "aigerim"), e.URL+"/ui/intake"); status != http.StatusForbidden {
		t.Errorf("commission entry: %d", status)
	}
	// An unknown application is a page, not JSON.
	status, body, hdr = get(t, e.browser(t, "Гүлнар"), e.URL+ui+"/applications/ADM-2026-00042")
	if status != 404 || !strings.HasPrefix(hdr.Get("Content-Type"), "text/html") || !strings.Contains(body, "ADM-2026-00042") {
		t.Errorf("unknown application page: %d %s\n%s", status, hdr.Get("Content-Type"), body)
	}
	// The page's script and style are served to anyone (the login page needs none of
	// the desk's data).
	for _, p := range []string{"/ui/intake/intake.js", "/ui/intake/intake.css"} {
		if status, body, _ := get(t, e.browser(t, ""), e.URL+p); status != 200 || len(body) < 100 {
			t.Errorf("%s: %d", p, status)
		}
	}
	// A change made with the session cookie needs the CSRF header the script sends.
	c := e.browser(t, "Гүлнар")
	resp, err := c.Post(e.URL+base+"/applications", "application/json", strings.NewReader(admission("X", true, complete...)))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("a cookie POST without the CSRF header: %d", resp.StatusCode)
	}
}

// The shell's home page leads the office to its desk.
func TestHomeLinksTheDesk(t *testing.T) {
	e := startEnv(t, "sqlite")
	status, body, _ := get(t, e.browser(t, "Гүлнар"), e.URL+"/ui/?lang=ru")
	if status != 200 || !strings.Contains(body, `<a href="/ui/intake" data-testid="home-link">Приём заявлений (канцелярия)</a>`) || strings.Contains(body, "Нет доступных вам школ") {
		t.Errorf("home page of the office: %d\n%s", status, body)
	}
	if _, body, _ := get(t, e.browser(t, "aigerim"), e.URL+"/ui/"); strings.Contains(body, `data-testid="home-link"`) {
		t.Errorf("the commission's home page links the desk")
	}
}
