package intakeapi_test

import (
	"strings"
	"testing"

	"tarazy/intake"
	"tarazy/server/intakeapi"
	"tarazy/store"
	"tarazy/store/storetest"
)

// The rules of issue 11 over HTTP, on both backends; the desk's own tests hold the
// details. The env's clock is 14 April 2026, noon.

// §9-4, §9-6: a first-grade child is admitted from 1 September; the order comes after
// 25 August, so the application is not overdue meanwhile and "issued" waits for it.
func TestFirstGradeWaitsForTheAugustOrder_Para9_6(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		var a view
		e.must(t, 201, "Гүлнар", "POST", base+"/applications", admission("Әлия", true, complete...), &a)
		if a.Due.String() != "2026-09-01" || a.Overdue {
			t.Fatalf("first grade: due %s overdue %v, want 2026-09-01 and not overdue", a.Due, a.Overdue)
		}
		kk := e.must(t, 200, "Гүлнар", "GET", base+"/applications/"+a.Number+"/receipt.txt?lang=kk", "", nil)
		if !strings.Contains(kk, "Бала 2026-09-01 күнінен бастап білім беру ұйымына қабылданады") {
			t.Errorf("the receipt does not say the child is admitted from 1 September:\n%s", kk)
		}
		status, body, _ := e.call(t, "директор", "POST", base+"/applications/"+a.Number+"/status?lang=ru", `{"to":"issued","result":"приказ № 1"}`)
		if status != 400 || !strings.Contains(body, "после 2026-08-25 (пункт 9-6") {
			t.Errorf("the order on 14 April: %d %s", status, body)
		}
		// "Issued" needs a result (issue 14).
		status, body, _ = e.call(t, "директор", "POST", base+"/applications/"+a.Number+"/status?lang=kk", `{"to":"issued"}`)
		if status != 400 || !strings.Contains(body, "нәтиже қажет") {
			t.Errorf("issued without a result: %d %s", status, body)
		}
	})
}

// §19 says "may": a late contest application waits for a person's decision (422
// decision_needed), and the refusal receipt cites §16 and §19, not the Law's
// "incomplete documents".
func TestLateContestApplicationIsAPersonsDecision_Para19(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		late := strings.Replace(registration(5, ""), "2026-03-02T10:00", "2026-04-03T10:00", 1)
		status, body, _ := e.call(t, "Гүлнар", "POST", base+"/applications?lang=ru", late)
		if status != 422 || !strings.Contains(body, `"code":"`+intakeapi.CodeDecisionNeeded+`"`) || !strings.Contains(body, "пункту 19") {
			t.Fatalf("late without a decision: %d %s", status, body)
		}
		var list struct{ Applications []view }
		e.must(t, 200, "Гүлнар", "GET", base+"/applications", "", &list)
		if len(list.Applications) != 0 {
			t.Errorf("a case waiting for a decision was stored: %+v", list.Applications)
		}
		refuse := strings.Replace(late, `"candidate"`, `"decision":{"accept":false,"reason":"кеш келді"},"candidate"`, 1)
		var a view
		e.must(t, 201, "Гүлнар", "POST", base+"/applications", refuse, &a)
		if a.Status != intake.Rejected || !a.Refusal.Discretion || a.Refusal.Reason != "кеш келді" || a.Refusal.Window == nil || a.Refusal.Window.Rule != "§16" {
			t.Fatalf("refused by decision: %+v", a.Refusal)
		}
		ru := e.must(t, 200, "Гүлнар", "GET", base+"/applications/"+a.Number+"/receipt.txt?lang=ru", "", nil)
		for _, want := range []string{"пункт 16 Типовых правил – документы принимаются в период 2026-03-01 – 2026-04-01", "пункт 19 Типовых правил", "пункт 47 Типовых правил"} {
			if !strings.Contains(ru, want) {
				t.Errorf("refusal receipt lacks %q:\n%s", want, ru)
			}
		}
		if strings.Contains(ru, "статья 19 и пункт 2 статьи 20 Закона") {
			t.Errorf("lateness cited as the Law's incomplete documents:\n%s", ru)
		}
	})
}

// Issue 14: an applicant IIN such as "12345" is refused, in the page's language; the
// receipt names this school from the store, never the catalogue's sample provider.
func TestApplicantIINAndTheSchoolsName(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		bad := strings.Replace(admission("Әлия", true, complete...), `"phone"`, `"iin":"12345","phone"`, 1)
		status, body, _ := e.call(t, "Гүлнар", "POST", base+"/applications?lang=ru", bad)
		if status != 400 || !strings.Contains(body, "ИИН заявителя неверен") {
			t.Errorf("applicant IIN 12345: %d %s", status, body)
		}
		var a view
		e.must(t, 201, "Гүлнар", "POST", base+"/applications", admission("Әлия", true, complete...), &a)
		txt := e.must(t, 200, "Гүлнар", "GET", base+"/applications/"+a.Number+"/receipt.txt", "", nil)
		sc, err := e.Store.School(t.Context(), "S1")
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(txt, sc.NameKK+"\n") || !strings.Contains(txt, "\n"+sc.NameRU+"\n") || strings.Contains(txt, "Тимирязев") {
			t.Errorf("the receipt does not name school S1 (%s / %s):\n%s", sc.NameKK, sc.NameRU, txt)
		}
	})
}

// Issue 12: after a grade's answer sheets are ingested, a withdrawal would delete the
// candidate from the base the results are computed from: 409, said in the page's
// language, and nothing changes.
func TestWithdrawalAfterSheetsIsRefused_Issue12(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		var a view
		e.must(t, 201, "Гүлнар", "POST", base+"/applications", strings.Replace(registration(1, ""), `"grade":7`, `"grade":5`, 1), &a)
		by := store.Actor{Name: "сканер", Role: store.RoleCommission, School: "S1"}
		if _, err := e.Store.Ingest(t.Context(), by, "C1", "S1", store.Batch{Name: "b1"}, []store.IngestItem{storetest.Item(storetest.Reading("000001", 1), "img1")}); err != nil {
			t.Fatal(err)
		}
		status, body, _ := e.call(t, "Гүлнар", "POST", base+"/applications/"+a.Number+"/status?lang=ru", `{"to":"withdrawn","reason":"заявление родителей"}`)
		if status != 409 || !strings.Contains(body, "листы ответов 5 класса конкурса C1 загружены") {
			t.Errorf("withdrawal after the sheets: %d %s", status, body)
		}
		if cs, _ := e.Store.Candidates(t.Context(), "C1", "S1"); len(cs) != 1 {
			t.Errorf("the base lost its candidate: %+v", cs)
		}
	})
}

// §20: the sending of the base is recorded with what was in it, and warned about when
// it went before acceptance closed (1 April at the office's closing time).
func TestDarynSendingIsRecorded_Para20(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		e.must(t, 201, "Гүлнар", "POST", base+"/applications", registration(1, ""), nil)
		var s intake.DarynSending
		e.must(t, 201, "Гүлнар", "POST", base+"/contests/C1/daryn-sendings", `{"sent_at":"2026-04-01T12:00","note":"портал"}`, &s)
		if s.Seq != 1 || s.Candidates != 1 || len(s.SHA256) != 64 || len(s.Warnings) != 1 || s.Warnings[0].Code != "daryn_sent_before_close" {
			t.Errorf("sent at noon on 1 April: %+v", s)
		}
		csv := e.must(t, 200, "Гүлнар", "GET", base+"/contests/C1/export/candidates.csv", "", nil)
		if !strings.Contains(e.must(t, 200, "Гүлнар", "GET", base+"/contests/C1/export/SHA256SUMS", "", nil), s.SHA256+"  candidates.csv") {
			t.Errorf("the recorded checksum is not the export's:\n%s", csv)
		}
		s = intake.DarynSending{}
		e.must(t, 201, "Гүлнар", "POST", base+"/contests/C1/daryn-sendings", `{"sent_at":"2026-04-02T09:00"}`, &s)
		if s.Seq != 2 || len(s.Warnings) != 0 {
			t.Errorf("sent on 2 April: %+v", s)
		}
		var list struct{ Sendings []intake.DarynSending }
		e.must(t, 200, "Гүлнар", "GET", base+"/contests/C1/daryn-sendings", "", &list)
		if len(list.Sendings) != 2 {
			t.Errorf("sendings %+v", list.Sendings)
		}
		if status, _, _ := e.call(t, "Гүлнар", "POST", base+"/contests/C1/daryn-sendings", `{"sent_at":"2026-05-01T09:00"}`); status != 400 {
			t.Errorf("a sending in the future: %d", status)
		}
		if status, _, _ := e.call(t, "Марат", "GET", base+"/contests/C1/daryn-sendings", ""); status != 403 {
			t.Errorf("another school's office: %d", status)
		}
	})
}

// Item 13: the 2027 season's dates are data, and its calendar is computed from the law
// and marked provisional in the API.
func TestSeasonAndCalendar2027_Para16_LabourCodeArt84(t *testing.T) {
	e := startEnv(t, "sqlite")
	var se intakeapi.SeasonView
	e.must(t, 200, "Гүлнар", "GET", base+"/season?year=2027", "", &se)
	if se.Registration.From.String() != "2027-03-01" || se.Registration.To.String() != "2027-04-01" || se.DarynBase.By.String() != "2027-04-03" ||
		se.Contest.From.String() != "2027-04-15" || se.RegistrationCloses.Format("2006-01-02 15:04") != "2027-04-01 18:30" {
		t.Errorf("2027 season: %+v", se)
	}
	var cal intakeapi.CalendarView
	e.must(t, 200, "Гүлнар", "GET", base+"/calendar?year=2027", "", &cal)
	if cal.Provisional == nil || cal.Note == nil || len(cal.DaysOff) < 14 || cal.First != 2024 {
		t.Errorf("2027 calendar: %+v", cal)
	}
	var c26 intakeapi.CalendarView
	e.must(t, 200, "Гүлнар", "GET", base+"/calendar?year=2026", "", &c26)
	if c26.Provisional != nil || c26.Note != nil {
		t.Errorf("2026 is confirmed: %+v", c26)
	}
}
