package intakeapi_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/xuri/excelize/v2"

	"tarazy/contest"
	"tarazy/intake"
	"tarazy/server/intakeapi"
	"tarazy/store"
	"tarazy/store/storetest"
)

const base = "/api/schools/S1/intake"

type view struct {
	intake.Application
	Overdue  bool                `json:"overdue"`
	Next     []intake.Status     `json:"next"`
	Receipts map[string]string   `json:"receipts"`
	Audit    []intake.AuditEntry `json:"audit"`
}

func admission(child string, territory bool, docs ...string) string {
	return admissionGrade(child, 1, territory, docs...)
}

// admissionGrade is an admission to another grade than the first: its term is one
// working day, where the first grade waits for 1 September (§9-4, §9-6).
func admissionGrade(child string, grade int, territory bool, docs ...string) string {
	var ds []string
	for _, d := range docs {
		ds = append(ds, `{"id":"`+d+`"}`)
	}
	return fmt.Sprintf(`{"service":"school-admission","at":"2026-04-14T10:00","applicant":{"name":"Нұрлан Әбдіқадыров","phone":"+7 701 000 00 00"},
		"child":{"name":%q},"grade":%d,"territory":%v,"documents":[%s]}`, child, grade, territory, strings.Join(ds, ","))
}

func registration(n int, extra string) string {
	return fmt.Sprintf(`{"service":"contest-registration","at":"2026-03-02T10:00","applicant":{"name":"Серік Омаров"},
		"child":{"name":"Омарова Айша %d","iin":%q},
		"documents":[{"id":"application"},{"id":"birth_certificate"},{"id":"school_certificate"},{"id":"photos"}],
		"candidate":{"grade":7,"language":"kk","email":"aisha@example.kz"%s}}`, n, storetest.IIN(n), extra)
}

var complete = []string{"application", "identity", "health", "photos"}

// The office's flow over HTTP: a set without the health certificate is refused on the
// spot with its refusal receipt naming it; the complete set gets a number, a due date
// and a receipt in both languages; the status moves to its result, every step in the
// audit trail under the staff's name.
func TestSubmitReceiptAndStatus(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		var refused view
		e.must(t, 201, "Гүлнар", "POST", base+"/applications", admission("Әлия", true, "application", "identity", "photos"), &refused)
		if refused.Status != intake.Rejected || refused.Number != "ADM-2026-00001" || refused.Refusal == nil ||
			!cmp.Equal(refused.Refusal.Missing, []string{"health"}) || len(refused.Next) != 0 {
			t.Fatalf("incomplete set = %+v", refused)
		}
		txt := e.must(t, 200, "Гүлнар", "GET", base+"/applications/ADM-2026-00001/receipt.txt?lang=ru", "", nil)
		if !strings.Contains(txt, "Расписка об отказе в приеме документов") || !strings.Contains(txt, "Не представлены документы:\n  1. справка о состоянии здоровья") {
			t.Errorf("refusal receipt:\n%s", txt)
		}

		var a view
		e.must(t, 201, "Гүлнар", "POST", base+"/applications", admissionGrade("Әлия", 2, true, complete...), &a)
		if a.Status != intake.Registered || a.Number != "ADM-2026-00002" || a.Due.String() != "2026-04-15" ||
			!cmp.Equal(a.Next, []intake.Status{intake.InProgress, intake.Issued, intake.Refused, intake.Withdrawn}) ||
			a.Receipts["pdf"] != base+"/applications/ADM-2026-00002/receipt.pdf" {
			t.Fatalf("complete set = %+v", a)
		}
		status, pdf, hdr := e.call(t, "Гүлнар", "GET", a.Receipts["pdf"], "")
		if status != 200 || !strings.HasPrefix(pdf, "%PDF") || hdr.Get("Content-Type") != "application/pdf" ||
			!strings.Contains(hdr.Get("Content-Disposition"), "ADM-2026-00002.pdf") {
			t.Errorf("receipt PDF: %d %s %v", status, pdf[:min(20, len(pdf))], hdr)
		}
		kk := e.must(t, 200, "Гүлнар", "GET", base+"/applications/ADM-2026-00002/receipt.txt?lang=kk", "", nil)
		if !strings.Contains(kk, "Құжаттарды қабылдау туралы қолхат") || !strings.Contains(kk, "№ ADM-2026-00002") || strings.Contains(kk, "Расписка") {
			t.Errorf("Kazakh receipt:\n%s", kk)
		}

		e.must(t, 200, "директор", "POST", base+"/applications/ADM-2026-00002/status", `{"to":"in_progress"}`, nil)
		var issued view
		e.must(t, 200, "директор", "POST", base+"/applications/ADM-2026-00002/status", `{"to":"issued","result":"order № 12"}`, &issued)
		if issued.Status != intake.Issued || issued.Result != "order № 12" || len(issued.Next) != 0 {
			t.Errorf("issued = %+v", issued)
		}
		var got view
		e.must(t, 200, "Гүлнар", "GET", base+"/applications/ADM-2026-00002", "", &got)
		var trail []string
		for _, x := range got.Audit {
			trail = append(trail, fmt.Sprintf("%s %s %s→%s", x.Staff, x.Action, x.From, x.To))
		}
		want := []string{"Гүлнар submit →registered", "директор status registered→in_progress", "директор status in_progress→issued"}
		if diff := cmp.Diff(want, trail); diff != "" {
			t.Errorf("audit trail (-want +got):\n%s", diff)
		}
		// Final is final: 409 with the reason.
		status, body, _ := e.call(t, "директор", "POST", base+"/applications/ADM-2026-00002/status", `{"to":"refused","ground":"unreliable","reason":"x"}`)
		if status != 409 || !strings.Contains(body, `"code":"conflict"`) || !strings.Contains(body, "final") {
			t.Errorf("changing a final status: %d %s", status, body)
		}
	})
}

// An accepted contest registration is a candidate of the contest in the store; the
// same IIN twice is a 409, a failing check digit a 422 until the staff give the
// reason, and a withdrawn registration leaves the base. The export for the Daryn
// centre is read from the store.
func TestContestRegistration(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		var a view
		// §18 sub. 5, §38: a diploma claimed without its copy registers the child
		// without the priority, never refused (then withdrawn, to keep the base below).
		e.must(t, 201, "Гүлнар", "POST", base+"/applications", registration(9, `,"olympiad":true,"diplomas":["математика, II орын"]`), &a)
		if a.Status != intake.Registered || a.Candidate.Olympiad || !a.Candidate.OlympiadNoDiploma {
			t.Fatalf("an olympiad claim without the diploma copy = %+v", a)
		}
		if cs, _ := e.Store.Candidates(ctx, "C1", "S1"); len(cs) != 1 || cs[0].Olympiad {
			t.Errorf("the candidate without the copy is in the base with the priority: %+v", cs)
		}
		e.must(t, 200, "Гүлнар", "POST", base+"/applications/CON-2026-00001/status", `{"to":"withdrawn","reason":"тест"}`, nil)
		reg := strings.Replace(registration(1, `,"olympiad":true,"diplomas":["математика, II орын"],"myn_bala":true`), `{"id":"photos"}`, `{"id":"photos"},{"id":"olympiad_diploma"}`, 1)
		e.must(t, 201, "Гүлнар", "POST", base+"/applications", reg, &a)
		if a.Status != intake.Registered || a.Candidate.Contest != "C1" || a.Candidate.School != "S1" {
			t.Fatalf("registration = %+v", a)
		}
		cs, _ := e.Store.Candidates(ctx, "C1", "S1")
		want := []store.Candidate{{IIN: storetest.IIN(1), School: "S1", Grade: 7, Name: "Омарова Айша 1", Language: "kk", Olympiad: true, MynBala: true}}
		if diff := cmp.Diff(want, cs); diff != "" {
			t.Errorf("candidates after the registration (-want +got):\n%s", diff)
		}

		status, body, _ := e.call(t, "Гүлнар", "POST", base+"/applications", registration(1, ""))
		if status != 409 || !strings.Contains(body, storetest.IIN(1)) {
			t.Errorf("the same IIN again: %d %s", status, body)
		}
		status, body, _ = e.call(t, "Марат", "POST", "/api/schools/S2/intake/applications", registration(1, ""))
		if status != 409 || strings.Contains(body, "S1") || strings.Contains(body, a.Number) {
			t.Errorf("the same IIN at another school: %d %s", status, body)
		}

		bad := storetest.IIN(2)
		bad = bad[:11] + string('0'+(bad[11]-'0'+1)%10)
		withBad := strings.Replace(registration(2, ""), storetest.IIN(2), bad, 1)
		status, body, _ = e.call(t, "Гүлнар", "POST", base+"/applications", withBad)
		if status != intakeapi.StatusIINChecksum || !strings.Contains(body, `"code":"iin_checksum"`) || !strings.Contains(body, "iin_override") {
			t.Errorf("a failing check digit: %d %s", status, body)
		}
		withReason := strings.Replace(registration(2, `,"iin_override":"as on the birth certificate"`), storetest.IIN(2), bad, 1)
		var b view
		e.must(t, 201, "Гүлнар", "POST", base+"/applications", withReason, &b)
		if b.Status != intake.Registered {
			t.Fatalf("with the reason: %+v", b)
		}
		e.must(t, 201, "Гүлнар", "POST", base+"/applications", registration(3, ""), nil)
		e.must(t, 200, "Гүлнар", "POST", base+"/applications/CON-2026-00004/status", `{"to":"withdrawn","reason":"the parents' letter of 5 March"}`, nil)
		cs, _ = e.Store.Candidates(ctx, "C1", "S1")
		if len(cs) != 2 {
			t.Errorf("%d candidates after the withdrawal, want 2", len(cs))
		}

		// The export: the two standing registrations, from the store.
		status, csv, hdr := e.call(t, "Гүлнар", "GET", base+"/contests/C1/export/candidates.csv", "")
		if status != 200 || strings.Count(csv, "\n") != 3 || !strings.Contains(csv, "S1,7,"+storetest.IIN(1)+",Омарова Айша 1,1,1,kk,aisha@example.kz,\"математика, II орын\",CON-2026-00002,2026-03-02") {
			t.Fatalf("candidates.csv: %d\n%s", status, csv)
		}
		sum := sha256.Sum256([]byte(csv))
		if hdr.Get("ETag") != `"`+hex.EncodeToString(sum[:])+`"` || hdr.Get("Repr-Digest") != "sha-256=:"+base64.StdEncoding.EncodeToString(sum[:])+":" {
			t.Errorf("checksum headers %v", hdr)
		}
		if status, _, _ := e.call(t, "Гүлнар", "GET", base+"/contests/C1/export/candidates.csv", "", "If-None-Match", hdr.Get("ETag")); status != 304 {
			t.Errorf("If-None-Match: %d", status)
		}
		sums := e.must(t, 200, "Гүлнар", "GET", base+"/contests/C1/export/SHA256SUMS", "", nil)
		if !strings.Contains(sums, hex.EncodeToString(sum[:])+"  candidates.csv\n") {
			t.Errorf("SHA256SUMS:\n%s", sums)
		}
		cc := e.must(t, 200, "Гүлнар", "GET", base+"/contests/C1/export/contest-candidates.csv", "", nil)
		regs, err := contest.ReadCandidatesCSV(strings.NewReader(cc), "contest-candidates.csv")
		if err != nil || len(regs) != 2 {
			t.Fatalf("contest-candidates.csv as the contest reads it: %+v %v", regs, err)
		}
		stored, _ := e.Store.Candidates(ctx, "C1", "S1")
		for i, r := range regs {
			found := false
			for _, c := range stored {
				found = found || (c.IIN == r.IIN && c.Name == r.Name && c.Grade == r.Grade && c.Olympiad == r.Olympiad && c.MynBala == r.MynBala && c.School == r.School)
			}
			if !found {
				t.Errorf("exported candidate %d %+v is not in the store's base %+v", i, r, stored)
			}
		}
		_, xlsx, _ := e.call(t, "Гүлнар", "GET", base+"/contests/C1/export/candidates.xlsx", "")
		x, err := excelize.OpenReader(bytes.NewReader([]byte(xlsx)))
		if err != nil {
			t.Fatal(err)
		}
		rows, _ := x.GetRows("candidates")
		if len(rows) != 3 {
			t.Errorf("xlsx has %d rows", len(rows))
		}
		if status, _, _ := e.call(t, "Гүлнар", "GET", base+"/contests/C9/export/candidates.csv", ""); status != 404 {
			t.Errorf("unknown contest: %d", status)
		}
		if status, _, _ := e.call(t, "Гүлнар", "GET", base+"/contests/C1/export/all.zip", ""); status != 400 {
			t.Errorf("unknown file: %d", status)
		}
	})
}

func TestListFilters(t *testing.T) {
	e := startEnv(t, "sqlite")
	// Registered 1, 6 and 9 April (due the next working day), the first then issued;
	// a fourth refused on the spot.
	for _, at := range []string{"2026-04-01T10:00", "2026-04-06T10:00", "2026-04-09T10:00"} {
		body := strings.Replace(admissionGrade("X", 2, true, complete...), "2026-04-14T10:00", at, 1)
		e.must(t, 201, "Гүлнар", "POST", base+"/applications", body, nil)
	}
	e.must(t, 201, "Гүлнар", "POST", base+"/applications", admission("Y", true, "application"), nil)
	e.must(t, 200, "Гүлнар", "POST", base+"/applications/ADM-2026-00001/status", `{"to":"issued","result":"order 1"}`, nil)
	e.must(t, 201, "Гүлнар", "POST", base+"/applications", `{"service":"transfer","at":"2026-04-14T10:00","applicant":{"name":"A"},"documents":[{"id":"application"},{"id":"identity"},{"id":"deregistration_slip"}]}`, nil)
	cases := []struct{ query, want string }{
		{"", "ADM-2026-00001 ADM-2026-00002 ADM-2026-00003 ADM-2026-00004 TRF-2026-00001"},
		{"?service=transfer", "TRF-2026-00001"},
		{"?status=rejected", "ADM-2026-00004"},
		{"?open=true", "ADM-2026-00002 ADM-2026-00003 TRF-2026-00001"},
		{"?overdue=true", "ADM-2026-00002 ADM-2026-00003"},
		{"?overdue=2026-04-08", "ADM-2026-00002"},
		{"?limit=2", "ADM-2026-00001 ADM-2026-00002"},
		{"?limit=2&after=ADM-2026-00002", "ADM-2026-00003 ADM-2026-00004"},
		{"?year=2025", ""},
	}
	for _, c := range cases {
		var list struct {
			Applications []view `json:"applications"`
			NextAfter    string `json:"next_after"`
		}
		e.must(t, 200, "Гүлнар", "GET", base+"/applications"+c.query, "", &list)
		var got []string
		for _, a := range list.Applications {
			got = append(got, a.Number)
			if a.Overdue != (a.Number == "ADM-2026-00002" || a.Number == "ADM-2026-00003") {
				t.Errorf("%s: overdue = %v on 14 April", a.Number, a.Overdue)
			}
		}
		if strings.Join(got, " ") != c.want {
			t.Errorf("applications%s = %v, want %s", c.query, got, c.want)
		}
		if c.query == "?limit=2" && list.NextAfter != "ADM-2026-00002" {
			t.Errorf("next_after = %q", list.NextAfter)
		}
	}
	for _, q := range []string{"?status=done", "?service=nope", "?limit=0", "?overdue=soon", "?year=x"} {
		if status, body, _ := e.call(t, "Гүлнар", "GET", base+"/applications"+q, ""); status != 400 || !strings.Contains(body, `"code":"invalid"`) {
			t.Errorf("applications%s: %d %s", q, status, body)
		}
	}
}

func TestComplaintsAndOverdue(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		type complaint struct {
			intake.Complaint
			Overdue bool `json:"overdue"`
		}
		var c complaint
		e.must(t, 201, "Гүлнар", "POST", base+"/complaints", `{"body":"quality_authority","complainant":{"name":"Ерлан"},"subject":"no receipt","at":"2026-04-01T10:00"}`, &c)
		if c.Number != "CPL-2026-00001" || c.Due.String() != "2026-04-22" {
			t.Fatalf("complaint = %+v", c)
		}
		e.must(t, 201, "Гүлнар", "POST", base+"/complaints", `{"body":"provider","complainant":{"name":"Айгүл"},"subject":"rude","at":"2026-04-06T10:00"}`, &c)
		if status, body, _ := e.call(t, "Гүлнар", "POST", base+"/complaints/CPL-2026-00002/extension", `{"days":3,"reason":"x","on":"2026-04-07"}`); status != 409 || !strings.Contains(body, "cannot be extended") {
			t.Errorf("extending at the school: %d %s", status, body)
		}
		e.must(t, 200, "директор", "POST", base+"/complaints/CPL-2026-00001/extension", `{"days":10,"reason":"inspection","on":"2026-04-10"}`, &c)
		if c.Due.String() != "2026-05-08" || c.Extension == nil || c.Extension.NoticeDue.String() != "2026-04-15" {
			t.Errorf("extended = %+v", c.Complaint)
		}
		var od struct {
			Overdue []intake.Overdue `json:"overdue"`
		}
		e.must(t, 200, "Гүлнар", "GET", base+"/overdue", "", &od)
		if len(od.Overdue) != 1 || od.Overdue[0].Number != "CPL-2026-00002" || od.Overdue[0].Late != 1 {
			t.Errorf("overdue today (14 April) = %+v", od.Overdue)
		}
		e.must(t, 200, "Гүлнар", "GET", base+"/overdue?on=2026-04-16", "", &od)
		var got []string
		for _, o := range od.Overdue {
			got = append(got, o.Kind+" "+o.Number)
		}
		if diff := cmp.Diff([]string{"complaint CPL-2026-00002", "extension_notice CPL-2026-00001"}, got); diff != "" {
			t.Errorf("overdue on 16 April (-want +got):\n%s", diff)
		}
		e.must(t, 200, "Гүлнар", "POST", base+"/complaints/CPL-2026-00001/notice", `{}`, nil)
		e.must(t, 200, "директор", "POST", base+"/complaints/CPL-2026-00002/answer", `{"outcome":"apology given"}`, nil)
		var all []complaint
		e.must(t, 200, "Гүлнар", "GET", base+"/complaints?open=true", "", &all)
		if len(all) != 1 || all[0].Number != "CPL-2026-00001" {
			t.Errorf("open complaints = %+v", all)
		}
		e.must(t, 200, "Гүлнар", "GET", base+"/overdue", "", &od)
		if len(od.Overdue) != 0 {
			t.Errorf("still overdue: %+v", od.Overdue)
		}
		var one struct {
			Audit []intake.AuditEntry `json:"audit"`
		}
		e.must(t, 200, "Гүлнар", "GET", base+"/complaints/CPL-2026-00002", "", &one)
		if len(one.Audit) != 2 || one.Audit[1].Action != "answer" || one.Audit[1].Staff != "директор" || !strings.Contains(one.Audit[1].Detail, "LATE") {
			t.Errorf("complaint audit = %+v", one.Audit)
		}
		if status, _, _ := e.call(t, "Гүлнар", "POST", base+"/complaints", `{"body":"court","complainant":{"name":"A"},"subject":"x"}`); status != 400 {
			t.Errorf("unknown body: %d", status)
		}
		if status, _, _ := e.call(t, "Гүлнар", "POST", base+"/complaints", `{"body":"provider","application":"ADM-2026-00099","complainant":{"name":"A"},"subject":"x"}`); status != 400 {
			t.Errorf("complaint about an unknown application: %d", status)
		}
	})
}

func TestDeadlineAndCatalogue(t *testing.T) {
	e := startEnv(t, "sqlite")
	var d intakeapi.DeadlineView
	e.must(t, 200, "Гүлнар", "GET", base+"/deadline?from=2026-03-20T17:45&working_days=5", "", &d)
	if d.Registered.String() != "2026-03-20" || d.Due.String() != "2026-04-01" {
		t.Errorf("the issue's example: %+v", d)
	}
	e.must(t, 200, "Гүлнар", "GET", base+"/deadline?from=2026-04-14T18:15&working_days=15&service=duplicates", "", &d)
	if d.Registered.String() != "2026-04-15" || d.Moved == "" {
		t.Errorf("after the duplicates desk closed at 18:00: %+v", d)
	}
	// A year whose calendar is not confirmed is counted from the law and says so.
	d = intakeapi.DeadlineView{}
	e.must(t, 200, "Гүлнар", "GET", base+"/deadline?from=2030-01-10T10:00&working_days=5", "", &d)
	if d.Due.String() != "2030-01-17" || len(d.Provisional) != 1 || d.Provisional[0].Year != 2030 || d.Note == nil || !strings.Contains(d.Note.RU, "предварительный") {
		t.Errorf("a provisional year: %+v", d)
	}
	if status, body, _ := e.call(t, "Гүлнар", "GET", base+"/deadline?from=2023-01-10T10:00&working_days=5", ""); status != 400 || !strings.Contains(body, "2023") {
		t.Errorf("a year before the calendar's rules: %d %s", status, body)
	}
	var cat intake.Catalogue
	e.must(t, 200, "Гүлнар", "GET", base+"/services", "", &cat)
	if len(cat.Services) < 10 || cat.Provider.NameKK == "" {
		t.Errorf("catalogue: %d services", len(cat.Services))
	}
	var svc intake.Service
	e.must(t, 200, "Гүлнар", "GET", base+"/services/transfer", "", &svc)
	if svc.Term.Minutes != 30 || len(svc.Documents) == 0 {
		t.Errorf("transfer = %+v", svc)
	}
	if status, _, _ := e.call(t, "Гүлнар", "GET", base+"/services/nope", ""); status != 404 {
		t.Errorf("unknown service: %d", status)
	}
}

func TestFirstGradeOrder(t *testing.T) {
	e := startEnv(t, "sqlite")
	for i, who := range []string{"O-Асан", "T-Бота", "T-Ерке", "T-Жан", "T-Іңкәр"} {
		body := strings.Replace(admission(who, strings.HasPrefix(who, "T-"), complete...), "2026-04-14T10:00", fmt.Sprintf("2026-04-0%dT10:00", i+1), 1)
		e.must(t, 201, "Гүлнар", "POST", base+"/applications", body, nil)
	}
	var fg intakeapi.FirstGradeView
	e.must(t, 200, "Гүлнар", "GET", base+"/first-grade?year=2026", "", &fg)
	var got []string
	for _, r := range fg.Rows {
		got = append(got, r.Child)
	}
	if strings.Join(got, " ") != "T-Бота T-Ерке T-Жан O-Асан T-Іңкәр" || fg.Order.Territory != 3 || fg.Order.Outside != 1 {
		t.Errorf("order %v (%+v)", got, fg.Order)
	}
	csv := e.must(t, 200, "Гүлнар", "GET", base+"/first-grade?year=2026&format=csv", "", nil)
	if !strings.HasPrefix(csv, "place,cycle,group,number,child,applicant,registered,status\n1,1,territory,ADM-2026-00002,T-Бота,") {
		t.Errorf("csv:\n%s", csv)
	}
}

func TestRequestErrors(t *testing.T) {
	e := startEnv(t, "sqlite")
	e.must(t, 201, "Гүлнар", "POST", base+"/applications", admission("Әлия", true, complete...), nil)
	cases := []struct {
		name, who, method, path, body string
		status                        int
		code, mentions                string
	}{
		{"MalformedJSON", "Гүлнар", "POST", base + "/applications", `{"service":`, 400, "invalid", "not valid JSON"},
		{"UnknownField", "Гүлнар", "POST", base + "/applications", `{"service":"transfer","aplicant":{}}`, 400, "invalid", "aplicant"},
		{"UnknownService", "Гүлнар", "POST", base + "/applications", `{"service":"nope","applicant":{"name":"A"}}`, 400, "invalid", "no service"},
		{"UnknownDocument", "Гүлнар", "POST", base + "/applications", `{"service":"transfer","applicant":{"name":"A"},"documents":[{"id":"passport"}]}`, 400, "invalid", "passport"},
		{"NoApplicant", "Гүлнар", "POST", base + "/applications", `{"service":"transfer","applicant":{"name":""}}`, 400, "invalid", "applicant's name"},
		{"BadTime", "Гүлнар", "POST", base + "/applications", `{"service":"transfer","applicant":{"name":"A"},"at":"14.04.2026"}`, 400, "invalid", "2026-04-14T11:00"},
		{"BadDate", "Гүлнар", "POST", base + "/applications", `{"service":"transfer","applicant":{"name":"A"},"documents":[{"id":"identity","valid_until":"31.12.2026"}]}`, 400, "invalid", "is not a date of the form 2026-03-20"},
		{"OtherSchoolsCandidate", "Гүлнар", "POST", base + "/applications", strings.Replace(registration(1, ""), `"grade":7`, `"school":"S2","grade":7`, 1), 400, "invalid", "school S1 only"},
		{"UnknownNumber", "Гүлнар", "GET", base + "/applications/ADM-2026-00099", "", 404, "not_found", "ADM-2026-00099"},
		{"UnknownStatus", "Гүлнар", "POST", base + "/applications/ADM-2026-00001/status", `{"to":"done"}`, 400, "invalid", "in_progress, issued, refused, withdrawn"},
		{"RefusalWithoutReasons", "Гүлнар", "POST", base + "/applications/ADM-2026-00001/status", `{"to":"refused","ground":"unreliable"}`, 400, "invalid", "reasons"},
		{"BadReceiptFormat", "Гүлнар", "GET", base + "/applications/ADM-2026-00001/receipt.doc", "", 400, "invalid", "receipt.pdf"},
		{"CommissionIsNotTheOffice", "aigerim", "GET", base + "/applications", "", 403, "forbidden", "commission"},
		{"DarynIsNotTheOffice", "daryn", "GET", base + "/applications", "", 403, "forbidden", "daryn"},
		{"OtherSchool", "Марат", "GET", base + "/applications", "", 403, "forbidden", "S2 only"},
		{"NoToken", "", "GET", base + "/applications", "", 401, "unauthorized", "token"},
		{"UnknownSchoolForAdmin", "admin", "POST", "/api/schools/S9/intake/applications", admission("A", true, complete...), 404, "not_found", "school S9"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			status, body, _ := e.call(t, c.who, c.method, c.path, c.body)
			if status != c.status || !strings.Contains(body, `"code":"`+c.code+`"`) || !strings.Contains(body, c.mentions) {
				t.Errorf("%d %s, want %d %s mentioning %q", status, body, c.status, c.code, c.mentions)
			}
		})
	}
	// A refused request is in the audit log.
	log, err := e.Store.AuditLog(context.Background(), store.AuditFilter{Action: "access.denied"})
	if err != nil || len(log) != 3 {
		t.Errorf("access.denied entries: %d, %v", len(log), err)
	}
	// Nothing was stored by the refused requests.
	var list struct {
		Applications []view `json:"applications"`
	}
	e.must(t, 200, "admin", "GET", base+"/applications", "", &list)
	if len(list.Applications) != 1 || list.Applications[0].Status != intake.Registered || list.Applications[0].Version != 1 {
		t.Errorf("after the refused requests: %+v", list.Applications)
	}
}
