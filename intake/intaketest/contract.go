// Package intaketest holds the contract every intake.Repository keeps, as tests each
// implementation runs on itself: intake/memstore, and the store on SQLite and
// PostgreSQL (store/storetest.RunIntake).
package intaketest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"tarazy/intake"
)

// Opener returns a fresh, empty repository.
type Opener func(t *testing.T) intake.Repository

// contract lists the tests, each on a repository of its own.
var contract = []struct {
	name string
	fn   func(t *testing.T, open Opener)
}{
	{"NumbersFollowEachSeries", testNumbersFollowEachSeries},
	{"ReadsAreCopies", testReadsAreCopies},
	{"ErrNotFound", testErrNotFound},
	{"StaleUpdateIsAConflict", testStaleUpdateIsAConflict},
	{"UniqueKeyHeldOnce", testUniqueKeyHeldOnce},
	{"FilterAndOrder", testFilterAndOrder},
	{"FilterOpenOverdueAndPages", testFilterOpenOverdueAndPages},
	{"DarynSendingsNumberedPerContest", testDarynSendingsNumberedPerContest},
	{"RecordSurvivesWhole", testRecordSurvivesWhole},
	{"Complaints", testComplaints},
	{"ConcurrentSubmissionsGetDistinctNumbers", testConcurrentSubmissionsGetDistinctNumbers},
}

// RunRepositoryContract runs the contract on fresh repositories made by open.
func RunRepositoryContract(t *testing.T, open func(t *testing.T) intake.Repository) {
	for _, c := range contract {
		t.Run(c.name, func(t *testing.T) { c.fn(t, open) })
	}
}

var (
	ctx = context.Background()
	at  = time.Date(2026, 4, 2, 10, 0, 0, 0, time.UTC)
)

func newApp(series, key string) *intake.Application {
	return &intake.Application{Series: series, Service: "svc", Status: intake.Registered, UniqueKey: key,
		Applicant: intake.Person{Name: "Әсел Нұрлановна"}, Registered: intake.DateOf(at), RegisteredAt: at, Staff: "clerk"}
}

func entry(action string) intake.AuditEntry {
	return intake.AuditEntry{At: at, Staff: "clerk", Action: action}
}

func testNumbersFollowEachSeries(t *testing.T, open Opener) {
	r := open(t)
	var got []string
	for _, series := range []string{"ADM-2026", "ADM-2026", "TRF-2026", "ADM-2026", "ADM-2027"} {
		a := newApp(series, "")
		if err := r.CreateApplication(ctx, a, entry("submit")); err != nil {
			t.Fatal(err)
		}
		if a.Version != 1 {
			t.Errorf("new application version %d, want 1", a.Version)
		}
		got = append(got, a.Number)
	}
	want := []string{"ADM-2026-00001", "ADM-2026-00002", "TRF-2026-00001", "ADM-2026-00003", "ADM-2027-00001"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("numbers %v, want %v", got, want)
	}
	audit, err := r.Audit(ctx, "ADM-2026-00002")
	if err != nil || len(audit) != 1 || audit[0].Subject != "ADM-2026-00002" || audit[0].Action != "submit" {
		t.Fatalf("audit of a new application = %+v, %v", audit, err)
	}
}

func testReadsAreCopies(t *testing.T, open Opener) {
	r := open(t)
	a := newApp("ADM-2026", "")
	if err := r.CreateApplication(ctx, a, entry("submit")); err != nil {
		t.Fatal(err)
	}
	got, err := r.Application(ctx, a.Number)
	if err != nil {
		t.Fatal(err)
	}
	got.Applicant.Name = "changed"
	a.Applicant.Name = "changed too"
	again, _ := r.Application(ctx, a.Number)
	if again.Applicant.Name != "Әсел Нұрлановна" {
		t.Fatalf("the stored record changed without an update: %q", again.Applicant.Name)
	}
}

func testErrNotFound(t *testing.T, open Opener) {
	r := open(t)
	if _, err := r.Application(ctx, "ADM-2026-00042"); !errors.Is(err, intake.ErrNotFound) {
		t.Errorf("Application of a missing number = %v", err)
	}
	if _, err := r.Complaint(ctx, "CPL-2026-00042"); !errors.Is(err, intake.ErrNotFound) {
		t.Errorf("Complaint of a missing number = %v", err)
	}
	a := newApp("ADM-2026", "")
	a.Number, a.Version = "ADM-2026-00042", 1
	if err := r.UpdateApplication(ctx, a, entry("status")); !errors.Is(err, intake.ErrNotFound) {
		t.Errorf("UpdateApplication of a missing number = %v", err)
	}
}

func testStaleUpdateIsAConflict(t *testing.T, open Opener) {
	r := open(t)
	a := newApp("ADM-2026", "")
	if err := r.CreateApplication(ctx, a, entry("submit")); err != nil {
		t.Fatal(err)
	}
	first, _ := r.Application(ctx, a.Number)
	second, _ := r.Application(ctx, a.Number)
	first.Status = intake.InProgress
	if err := r.UpdateApplication(ctx, first, entry("status")); err != nil {
		t.Fatal(err)
	}
	if first.Version != 2 {
		t.Errorf("version after update %d, want 2", first.Version)
	}
	second.Status = intake.Issued
	if err := r.UpdateApplication(ctx, second, entry("status")); !errors.Is(err, intake.ErrConflict) {
		t.Fatalf("update from a stale read = %v, want ErrConflict", err)
	}
	stored, _ := r.Application(ctx, a.Number)
	if stored.Status != intake.InProgress {
		t.Fatalf("status %s after a refused stale update, want in_progress", stored.Status)
	}
	audit, _ := r.Audit(ctx, a.Number)
	if len(audit) != 2 {
		t.Errorf("%d audit entries, want 2 (the refused update records nothing)", len(audit))
	}
}

func testUniqueKeyHeldOnce(t *testing.T, open Opener) {
	r := open(t)
	a := newApp("CON-2026", "contest/2026/130101500011")
	if err := r.CreateApplication(ctx, a, entry("submit")); err != nil {
		t.Fatal(err)
	}
	b := newApp("CON-2026", "contest/2026/130101500011")
	if err := r.CreateApplication(ctx, b, entry("submit")); !errors.Is(err, intake.ErrDuplicate) {
		t.Fatalf("second holder of a key = %v, want ErrDuplicate", err)
	}
	list, _ := r.Applications(ctx, intake.Filter{})
	if len(list) != 1 {
		t.Fatalf("%d applications stored after a refused duplicate, want 1", len(list))
	}
	// Refusing the first frees the key for a new registration.
	a.UniqueKey, a.Status = "", intake.Refused
	if err := r.UpdateApplication(ctx, a, entry("status")); err != nil {
		t.Fatal(err)
	}
	if err := r.CreateApplication(ctx, b, entry("submit")); err != nil {
		t.Fatalf("registering after the first was refused: %v", err)
	}
	// An update cannot take a key someone else holds.
	a.UniqueKey = "contest/2026/130101500011"
	if err := r.UpdateApplication(ctx, a, entry("status")); !errors.Is(err, intake.ErrDuplicate) {
		t.Fatalf("update taking a held key = %v, want ErrDuplicate", err)
	}
}

func testFilterAndOrder(t *testing.T, open Opener) {
	r := open(t)
	for i, series := range []string{"TRF-2026", "ADM-2026", "ADM-2026", "ADM-2025"} {
		a := newApp(series, "")
		a.Service = map[bool]string{true: "transfer", false: "school-admission"}[series == "TRF-2026"]
		a.Registered = intake.MakeDate(2026, 4, 2)
		if series == "ADM-2025" {
			a.Registered = intake.MakeDate(2025, 4, 2)
		}
		if i == 2 {
			a.Status = intake.Rejected
		}
		if err := r.CreateApplication(ctx, a, entry("submit")); err != nil {
			t.Fatal(err)
		}
	}
	numbers := func(f intake.Filter) string {
		list, err := r.Applications(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, a := range list {
			out = append(out, a.Number)
		}
		return fmt.Sprint(out)
	}
	cases := []struct {
		f    intake.Filter
		want string
	}{
		{intake.Filter{}, "[ADM-2025-00001 ADM-2026-00001 ADM-2026-00002 TRF-2026-00001]"},
		{intake.Filter{Service: "school-admission", Year: 2026}, "[ADM-2026-00001 ADM-2026-00002]"},
		{intake.Filter{Status: intake.Rejected}, "[ADM-2026-00002]"},
	}
	for _, c := range cases {
		if got := numbers(c.f); got != c.want {
			t.Errorf("Applications(%+v) = %s, want %s", c.f, got, c.want)
		}
	}
}

func testFilterOpenOverdueAndPages(t *testing.T, open Opener) {
	r := open(t)
	// ADM-2026-00001 open, due 10 April; 00002 open, due 20 April; 00003 issued,
	// due 10 April; 00004 open without a term.
	for i, c := range []struct {
		status intake.Status
		due    intake.Date
	}{{intake.Registered, intake.MakeDate(2026, 4, 10)}, {intake.InProgress, intake.MakeDate(2026, 4, 20)},
		{intake.Issued, intake.MakeDate(2026, 4, 10)}, {intake.Registered, intake.Date{}}} {
		a := newApp("ADM-2026", "")
		a.Status, a.Due = c.status, c.due
		if err := r.CreateApplication(ctx, a, entry("submit")); err != nil {
			t.Fatalf("application %d: %v", i+1, err)
		}
	}
	numbers := func(f intake.Filter) string {
		list, err := r.Applications(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, a := range list {
			out = append(out, a.Number[len(a.Number)-1:])
		}
		return strings.Join(out, " ")
	}
	cases := []struct {
		name string
		f    intake.Filter
		want string
	}{
		{"Open", intake.Filter{Open: true}, "1 2 4"},
		{"OverdueOn11April", intake.Filter{OverdueOn: intake.MakeDate(2026, 4, 11)}, "1"},
		{"NotOverdueOnTheDueDay", intake.Filter{OverdueOn: intake.MakeDate(2026, 4, 10)}, ""},
		{"OverdueOn21April", intake.Filter{OverdueOn: intake.MakeDate(2026, 4, 21)}, "1 2"},
		{"FirstPage", intake.Filter{Limit: 2}, "1 2"},
		{"NextPage", intake.Filter{After: "ADM-2026-00002", Limit: 2}, "3 4"},
		{"LastPage", intake.Filter{After: "ADM-2026-00004", Limit: 2}, ""},
	}
	for _, c := range cases {
		if got := numbers(c.f); got != c.want {
			t.Errorf("%s: Applications(%+v) = %q, want %q", c.name, c.f, got, c.want)
		}
	}
}

func testDarynSendingsNumberedPerContest(t *testing.T, open Opener) {
	r := open(t)
	var got []string
	for i, contest := range []string{"C1", "C1"} {
		s := &intake.DarynSending{Contest: contest, Year: 2026, SentAt: at.Add(time.Duration(i) * time.Hour), Candidates: 40 + i,
			SHA256: strings.Repeat("a", 64), Note: "портал", Staff: "clerk", RecordedAt: at.Add(2 * time.Hour), By: intake.MakeDate(2026, 4, 3), Rule: "§20",
			Window:   &intake.Span{From: intake.MakeDate(2026, 3, 1), To: intake.MakeDate(2026, 4, 1), Rule: "§16"},
			Warnings: []intake.Message{{Code: "daryn_sent_late", KK: "кеш", RU: "поздно"}}}
		if err := r.RecordDarynSending(ctx, s, entry("daryn_sent")); err != nil {
			t.Fatal(err)
		}
		got = append(got, s.Subject())
	}
	if fmt.Sprint(got) != "[DRN-C1-1 DRN-C1-2]" {
		t.Fatalf("sendings %v, want DRN-C1-1, DRN-C1-2", got)
	}
	list, err := r.DarynSendings(ctx)
	if err != nil || len(list) != 2 || list[1].Candidates != 41 || list[0].Warnings[0].RU != "поздно" || list[0].Window.Rule != "§16" {
		t.Fatalf("DarynSendings = %+v, %v", list, err)
	}
	if !list[1].SentAt.Equal(at.Add(time.Hour)) || list[1].By != intake.MakeDate(2026, 4, 3) {
		t.Errorf("sending read back as %+v", list[1])
	}
	audit, err := r.Audit(ctx, "DRN-C1-2")
	if err != nil || len(audit) != 1 || audit[0].Action != "daryn_sent" {
		t.Errorf("audit of the sending = %+v, %v", audit, err)
	}
}

func testRecordSurvivesWhole(t *testing.T, open Opener) {
	r := open(t)
	a := newApp("CON-2026", "contest-registration/2026/130517600016")
	a.Service, a.Channel, a.Grade, a.Territory = "contest-registration", "office", 7, true
	a.SubmittedAt = at.Add(-time.Hour)
	a.Due = intake.MakeDate(2026, 4, 9)
	a.DueAt = at.Add(48 * time.Hour)
	a.Child = intake.Person{Name: "Айша Омарова", IIN: "130517600016", Email: "a@example.kz"}
	a.Documents = []intake.Presented{{ID: "application"}, {ID: "health", Issued: intake.MakeDate(2026, 1, 10), ValidUntil: intake.MakeDate(2026, 9, 1)}}
	a.Conditions = []string{"olympiad"}
	a.Candidate = &intake.Candidate{School: "S1", Grade: 7, Language: "kk", Email: "a@example.kz", Olympiad: true,
		Diplomas: []string{"математика, II орын"}, MynBala: true, IINOverride: "", Contest: "C1"}
	a.Warnings = []intake.Message{{Code: "backdated", KK: "кейінгі күнмен", RU: "задним числом"}}
	a.DueProvisional = []int{2027}
	a.EnteredAt, a.Backdated = at.Add(30*time.Hour), true
	a.Candidate.OlympiadNoDiploma = true
	a.Discretion = &intake.Decision{Accept: true, Reason: "почта кешікті", Staff: "clerk", On: intake.MakeDate(2026, 4, 3), Grounds: []string{"outside_window"}}
	a.Note = "бір ескерту"
	if err := r.CreateApplication(ctx, a, entry("submit")); err != nil {
		t.Fatal(err)
	}
	got, err := r.Application(ctx, a.Number)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(a, got, cmpopts.EquateApproxTime(time.Microsecond)); diff != "" {
		t.Errorf("stored and read back (-stored +read):\n%s", diff)
	}
}

func testComplaints(t *testing.T, open Opener) {
	r := open(t)
	c := &intake.Complaint{Series: "CPL-2026", Body: "provider", Complainant: intake.Person{Name: "Ерлан"}, Subject: "late", Status: intake.ComplaintOpen}
	if err := r.CreateComplaint(ctx, c, entry("complaint")); err != nil {
		t.Fatal(err)
	}
	if c.Number != "CPL-2026-00001" || c.Version != 1 {
		t.Fatalf("complaint number %s version %d", c.Number, c.Version)
	}
	stale, _ := r.Complaint(ctx, c.Number)
	c.Status = intake.ComplaintAnswered
	if err := r.UpdateComplaint(ctx, c, entry("answer")); err != nil {
		t.Fatal(err)
	}
	if err := r.UpdateComplaint(ctx, stale, entry("answer")); !errors.Is(err, intake.ErrConflict) {
		t.Fatalf("stale complaint update = %v, want ErrConflict", err)
	}
	all, _ := r.Complaints(ctx)
	if len(all) != 1 || all[0].Status != intake.ComplaintAnswered {
		t.Fatalf("complaints = %+v", all)
	}
	audit, _ := r.Audit(ctx, c.Number)
	if len(audit) != 2 || audit[1].Action != "answer" {
		t.Fatalf("complaint audit = %+v", audit)
	}
}

func testConcurrentSubmissionsGetDistinctNumbers(t *testing.T, open Opener) {
	r := open(t)
	const n = 16
	var wg sync.WaitGroup
	numbers := make(chan string, n)
	errs := make(chan error, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			a := newApp("ADM-2026", "")
			if err := r.CreateApplication(ctx, a, entry("submit")); err != nil {
				errs <- err
				return
			}
			numbers <- a.Number
		}()
	}
	wg.Wait()
	close(numbers)
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for num := range numbers {
		if seen[num] {
			t.Fatalf("number %s given twice", num)
		}
		seen[num] = true
	}
	list, _ := r.Applications(ctx, intake.Filter{})
	if len(list) != n || list[n-1].Number != fmt.Sprintf("ADM-2026-%05d", n) {
		t.Fatalf("%d stored, last %s", len(list), list[len(list)-1].Number)
	}
}
