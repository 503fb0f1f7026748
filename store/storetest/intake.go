package storetest

import (
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"tarazy/intake"
	"tarazy/intake/intaketest"
	"tarazy/store"
)

// IntakeStore is a store that also keeps the intake desk's registers (issue 6).
type IntakeStore interface {
	store.Store
	Intake(by store.Actor, school string) intake.Repository
	SQL() *sql.DB
}

// IntakeOpener returns a fresh, migrated, empty store.
type IntakeOpener func(t *testing.T) IntakeStore

var office = store.Actor{Name: "Гүлнар", Role: store.RoleOffice, School: "S1"}

// RunIntake runs the intake Repository contract on the store's register of a school,
// then what only a shared database can show: registers kept apart per school, the
// candidate base following contest registrations in the same transaction, and
// numbers and IINs that hold under concurrent submissions.
func RunIntake(t *testing.T, open IntakeOpener) {
	t.Run("RepositoryContract", func(t *testing.T) {
		intaketest.RunRepositoryContract(t, func(t *testing.T) intake.Repository {
			s := open(t)
			Seed(t, s)
			return s.Intake(office, "S1")
		})
	})
	tests := []struct {
		name string
		fn   func(t *testing.T, s IntakeStore)
	}{
		{"ContestRegistrationIsACandidate", testIntakeCandidate},
		{"RefusedOrWithdrawnLeavesTheBase", testIntakeCandidateLeaves},
		{"SameIINRefusedAtAnotherSchool", testIntakeIINAcrossSchools},
		{"CandidateAlreadyInTheBase", testIntakeCandidateUploaded},
		{"ContestOfTheYear", testIntakeContestOfTheYear},
		{"SchoolsKeepSeparateRegisters", testIntakeSchoolsApart},
		{"UnknownSchoolStoresNothing", testIntakeUnknownSchool},
		{"StatusChangeAuditedWithBeforeAndAfter", testIntakeAudit},
		{"ConcurrentNumbersHaveNoGaps", testIntakeConcurrentNumbers},
		{"ConcurrentSameIINStoredOnce", testIntakeConcurrentIIN},
		{"WithdrawalAfterSheetsIsRefused_Issue12", testIntakeFrozenWithdrawal},
		{"RegistrationAfterSheetsIsRefused_Issue12", testIntakeFrozenRegistration},
		{"BackdatedRegistrationIsFlagged_Issue12", testIntakeBackdated},
		{"DarynSendingRecorded_Para20", testIntakeDarynSending},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := open(t)
			Seed(t, s)
			tc.fn(t, s)
		})
	}
}

var (
	intakeCatalogue *intake.Catalogue
	intakeCalendar  *intake.Calendar
	loadIntakeOnce  sync.Once
)

// Desk returns an intake desk on the store's register of a school, its clock fixed
// at 14 April 2026, noon.
func Desk(t testing.TB, s IntakeStore, staff, school string) *intake.Desk {
	t.Helper()
	loadIntakeOnce.Do(func() {
		var err error
		if intakeCatalogue, err = intake.LoadCatalogue(nil); err != nil {
			panic(err)
		}
		if intakeCalendar, err = intake.LoadCalendar(); err != nil {
			panic(err)
		}
	})
	by := store.Actor{Name: staff, Role: store.RoleOffice, School: school}
	return &intake.Desk{Catalogue: intakeCatalogue, Calendar: intakeCalendar, Repo: s.Intake(by, school),
		Now: func() time.Time { return time.Date(2026, 4, 14, 12, 0, 0, 0, time.UTC) }}
}

// ContestSubmission is a complete contest registration of candidate IIN(n) at school
// on the given day of March 2026.
func ContestSubmission(n int, school string, day int) intake.Submission {
	at := time.Date(2026, 3, day, 10, 0, 0, 0, time.FixedZone("Asia/Almaty", 5*3600))
	return intake.Submission{
		Service: "contest-registration", At: at, Staff: "Гүлнар",
		Applicant: intake.Person{Name: "Серік Омаров"},
		Child:     intake.Person{Name: fmt.Sprintf("Омарова Айша %d", n), IIN: IIN(n)},
		Documents: []intake.Presented{{ID: "application"}, {ID: "birth_certificate"}, {ID: "school_certificate"}, {ID: "photos"}},
		Candidate: &intake.Candidate{School: school, Grade: 7, Language: "kk", Email: "aisha@example.kz", MynBala: n%2 == 0},
	}
}

func candidates(t *testing.T, s store.Store, school string) []store.Candidate {
	t.Helper()
	cs, err := s.Candidates(ctx, "C1", school)
	if err != nil {
		t.Fatal(err)
	}
	return cs
}

func testIntakeCandidate(t *testing.T, s IntakeStore) {
	d := Desk(t, s, "Гүлнар", "S1")
	a, err := d.Submit(ctx, ContestSubmission(1, "S1", 2))
	if err != nil {
		t.Fatal(err)
	}
	if a.Status != intake.Registered || a.Candidate.Contest != "C1" || a.Candidate.School != "S1" {
		t.Fatalf("registration = %s, contest %q, school %q", a.Status, a.Candidate.Contest, a.Candidate.School)
	}
	want := []store.Candidate{{IIN: IIN(1), School: "S1", Grade: 7, Name: "Омарова Айша 1", Language: "kk"}}
	if diff := cmp.Diff(want, candidates(t, s, "S1")); diff != "" {
		t.Errorf("candidate base after a registration (-want +got):\n%s", diff)
	}
	log, err := s.AuditLog(ctx, store.AuditFilter{Action: "candidate.register"})
	if err != nil || len(log) != 1 || log[0].Actor != "Гүлнар" || log[0].Role != store.RoleOffice || log[0].Contest != "C1" ||
		log[0].School != "S1" || log[0].Subject != a.Number || !strings.Contains(log[0].After, IIN(1)) {
		t.Errorf("audit of the new candidate = %+v, %v", log, err)
	}
	// Late (§19): a person's decision to refuse gives a refusal at intake with its
	// receipt, and no candidate.
	late := ContestSubmission(2, "S1", 2)
	late.At = time.Date(2026, 4, 2, 10, 0, 0, 0, time.UTC)
	late.Decision = &intake.Decision{Reason: "кеш келді / пришли поздно"}
	r, err := d.Submit(ctx, late)
	if err != nil {
		t.Fatal(err)
	}
	if r.Status != intake.Rejected || len(candidates(t, s, "S1")) != 1 {
		t.Errorf("a late registration is %s and the base has %d candidates", r.Status, len(candidates(t, s, "S1")))
	}
	// Moving on to a result keeps the candidate.
	if _, err := d.SetStatus(ctx, a.Number, intake.Change{To: intake.Issued, Staff: "директор", Result: "admitted to the contest"}); err != nil {
		t.Fatal(err)
	}
	if got := candidates(t, s, "S1"); len(got) != 1 {
		t.Errorf("after the result the base has %d candidates", len(got))
	}
}

func testIntakeCandidateLeaves(t *testing.T, s IntakeStore) {
	d := Desk(t, s, "Гүлнар", "S1")
	var numbers []string
	for n := 1; n <= 3; n++ {
		a, err := d.Submit(ctx, ContestSubmission(n, "S1", 2+n))
		if err != nil {
			t.Fatal(err)
		}
		numbers = append(numbers, a.Number)
	}
	if _, err := d.SetStatus(ctx, numbers[0], intake.Change{To: intake.Refused, Staff: "директор", Ground: "unreliable", Reason: "the certificate is not the candidate's"}); err != nil {
		t.Fatal(err)
	}
	if _, err := d.SetStatus(ctx, numbers[1], intake.Change{To: intake.InProgress, Staff: "Гүлнар"}); err != nil {
		t.Fatal(err)
	}
	if _, err := d.SetStatus(ctx, numbers[1], intake.Change{To: intake.Withdrawn, Staff: "Гүлнар", Reason: "written request of 10 March"}); err != nil {
		t.Fatal(err)
	}
	got := candidates(t, s, "S1")
	if len(got) != 1 || got[0].IIN != IIN(3) {
		t.Fatalf("base after a refusal and a withdrawal = %+v, want IIN(3) only", got)
	}
	log, _ := s.AuditLog(ctx, store.AuditFilter{Action: "candidate.withdraw"})
	if len(log) != 2 || log[0].Before == "" || log[0].After != "" {
		t.Errorf("audit of the candidates leaving = %+v", log)
	}
	// Both may register again.
	for n := 1; n <= 2; n++ {
		if _, err := d.Submit(ctx, ContestSubmission(n, "S1", 20)); err != nil {
			t.Errorf("candidate %d registering again: %v", n, err)
		}
	}
	if got := candidates(t, s, "S1"); len(got) != 3 {
		t.Errorf("base after registering again has %d candidates, want 3", len(got))
	}
}

func testIntakeIINAcrossSchools(t *testing.T, s IntakeStore) {
	if _, err := Desk(t, s, "Гүлнар", "S1").Submit(ctx, ContestSubmission(1, "S1", 2)); err != nil {
		t.Fatal(err)
	}
	d2 := Desk(t, s, "Марат", "S2")
	_, err := d2.Submit(ctx, ContestSubmission(1, "S2", 3))
	if !errors.Is(err, intake.ErrDuplicate) {
		t.Fatalf("the same IIN at another school = %v, want ErrDuplicate", err)
	}
	if strings.Contains(err.Error(), "S1") || strings.Contains(err.Error(), "CON-2026-00001") {
		t.Errorf("the refusal names the other school's data: %v", err)
	}
	// The refused submission took no number.
	a, err := d2.Submit(ctx, ContestSubmission(2, "S2", 3))
	if err != nil || a.Number != "CON-2026-00001" {
		t.Fatalf("next registration at S2 = %v, %v; want CON-2026-00001", a, err)
	}
}

func testIntakeCandidateUploaded(t *testing.T, s IntakeStore) {
	if err := s.PutCandidates(ctx, alice, "C1", []store.Candidate{{IIN: IIN(5), School: "S1", Grade: 7, Name: "From the CSV"}}); err != nil {
		t.Fatal(err)
	}
	d := Desk(t, s, "Гүлнар", "S1")
	if _, err := d.Submit(ctx, ContestSubmission(5, "S1", 2)); !errors.Is(err, intake.ErrDuplicate) {
		t.Fatalf("registering a candidate the commission uploaded = %v, want ErrDuplicate", err)
	}
	if list, _ := d.Repo.Applications(ctx, intake.Filter{}); len(list) != 0 {
		t.Fatalf("a refused registration left %d applications", len(list))
	}
	if got := candidates(t, s, "S1"); len(got) != 1 || got[0].Name != "From the CSV" {
		t.Errorf("the uploaded candidate changed: %+v", got)
	}
	a, err := d.Submit(ctx, ContestSubmission(6, "S1", 2))
	if err != nil || a.Number != "CON-2026-00001" {
		t.Fatalf("next registration = %v, %v; want CON-2026-00001", a, err)
	}
}

func testIntakeContestOfTheYear(t *testing.T, s IntakeStore) {
	repo := s.Intake(office, "S1")
	app := func(year int, contest string) *intake.Application {
		at := time.Date(year, 3, 2, 10, 0, 0, 0, time.UTC)
		return &intake.Application{Series: fmt.Sprintf("CON-%d", year), Service: "contest-registration", Status: intake.Registered,
			Registered: intake.DateOf(at), RegisteredAt: at, Child: intake.Person{Name: "X", IIN: IIN(7)}, Staff: "Гүлнар",
			Candidate: &intake.Candidate{School: "S1", Grade: 7, Language: "ru", Contest: contest}}
	}
	if err := repo.CreateApplication(ctx, app(2025, ""), intake.AuditEntry{Action: "submit"}); store.ErrorCode(err) != store.NotFound || !strings.Contains(err.Error(), "no 2025 contest") {
		t.Errorf("a registration without a contest that year = %v", err)
	}
	if err := repo.CreateApplication(ctx, app(2026, "C9"), intake.AuditEntry{Action: "submit"}); store.ErrorCode(err) != store.NotFound {
		t.Errorf("a registration for an unknown contest = %v", err)
	}
	if _, err := s.CreateContest(ctx, admin, store.Contest{ID: "C2", Name: "Another", Year: 2026}); err != nil {
		t.Fatal(err)
	}
	if err := repo.CreateApplication(ctx, app(2026, ""), intake.AuditEntry{Action: "submit"}); !errors.Is(err, intake.ErrInvalid) || !strings.Contains(err.Error(), "C1, C2") {
		t.Errorf("a registration in a year of two contests = %v", err)
	}
	a := app(2026, "C2")
	if err := repo.CreateApplication(ctx, a, intake.AuditEntry{Action: "submit"}); err != nil {
		t.Fatal(err)
	}
	if cs, _ := s.Candidates(ctx, "C2", "S1"); len(cs) != 1 || a.Number != "CON-2026-00001" {
		t.Errorf("registration for C2: %s, candidates %+v", a.Number, cs)
	}
	if list, _ := repo.Applications(ctx, intake.Filter{}); len(list) != 1 {
		t.Errorf("%d applications stored, want 1: the refused ones store nothing", len(list))
	}
}

func testIntakeSchoolsApart(t *testing.T, s IntakeStore) {
	d1, d2 := Desk(t, s, "Гүлнар", "S1"), Desk(t, s, "Марат", "S2")
	a1, err := d1.Submit(ctx, ContestSubmission(1, "S1", 2))
	if err != nil {
		t.Fatal(err)
	}
	sub := ContestSubmission(2, "S2", 2)
	sub.Staff = "Марат"
	a2, err := d2.Submit(ctx, sub)
	if err != nil {
		t.Fatal(err)
	}
	if a1.Number != "CON-2026-00001" || a2.Number != "CON-2026-00001" {
		t.Errorf("each school numbers its own register: %s, %s", a1.Number, a2.Number)
	}
	got, err := d2.Repo.Application(ctx, a1.Number)
	if err != nil || got.Child.IIN != IIN(2) {
		t.Fatalf("S2 reading its own CON-2026-00001 = %+v, %v", got, err)
	}
	list, _ := d2.Repo.Applications(ctx, intake.Filter{})
	if len(list) != 1 || list[0].Child.IIN != IIN(2) {
		t.Errorf("S2's register = %+v", list)
	}
	if audit, _ := d2.Repo.Audit(ctx, a1.Number); len(audit) != 1 || audit[0].Staff != "Марат" {
		t.Errorf("S2's audit of its own number = %+v", audit)
	}
	if _, err := s.Intake(office, "S2").Complaint(ctx, "CPL-2026-00001"); !errors.Is(err, intake.ErrNotFound) {
		t.Errorf("complaint at S2 = %v", err)
	}
	if _, err := d1.FileComplaint(ctx, intake.ComplaintInput{Body: "provider", Complainant: intake.Person{Name: "Ерлан"}, Subject: "late",
		At: time.Date(2026, 4, 1, 10, 0, 0, 0, time.UTC), Staff: "Гүлнар"}); err != nil {
		t.Fatal(err)
	}
	if cs, _ := d2.Repo.Complaints(ctx); len(cs) != 0 {
		t.Errorf("S2 sees %d complaints of S1", len(cs))
	}
}

func testIntakeUnknownSchool(t *testing.T, s IntakeStore) {
	d := Desk(t, s, "Гүлнар", "S9")
	sub := ContestSubmission(1, "S9", 2)
	_, err := d.Submit(ctx, sub)
	if store.ErrorCode(err) != store.NotFound || !strings.Contains(err.Error(), "school S9") {
		t.Fatalf("registering at an unknown school = %v", err)
	}
	var n int
	if err := s.SQL().QueryRowContext(ctx, `SELECT count(*) FROM intake_applications`).Scan(&n); err != nil || n != 0 {
		t.Errorf("%d applications stored (%v)", n, err)
	}
}

func testIntakeAudit(t *testing.T, s IntakeStore) {
	d := Desk(t, s, "Гүлнар", "S1")
	sub := ContestSubmission(1, "S1", 2)
	a, err := d.Submit(ctx, sub)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.SetStatus(ctx, a.Number, intake.Change{To: intake.InProgress, Staff: "директор"}); err != nil {
		t.Fatal(err)
	}
	rows, err := s.SQL().QueryContext(ctx, `SELECT staff, role, action, from_state, to_state, before, after FROM intake_audit WHERE school = 'S1' AND subject = $1 ORDER BY id`, a.Number)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	type entry struct {
		Staff, Role, Action, From, To string
		Before, After                 intake.Status
	}
	var got []entry
	for rows.Next() {
		var e entry
		var before, after string
		if err := rows.Scan(&e.Staff, &e.Role, &e.Action, &e.From, &e.To, &before, &after); err != nil {
			t.Fatal(err)
		}
		status := func(js string) intake.Status {
			if js == "" {
				return ""
			}
			var rec intake.Application
			if err := json.Unmarshal([]byte(js), &rec); err != nil {
				t.Fatalf("audit record %q: %v", js, err)
			}
			return rec.Status
		}
		e.Before, e.After = status(before), status(after)
		got = append(got, e)
	}
	want := []entry{
		{"Гүлнар", "office", "submit", "", "registered", "", intake.Registered},
		{"директор", "office", "status", "registered", "in_progress", intake.Registered, intake.InProgress},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("audit trail (-want +got):\n%s", diff)
	}
}

// Three desks at each of two schools submit at once, in two series: each school's
// series still runs 1, 2, … n without a gap or a repeat.
func testIntakeConcurrentNumbers(t *testing.T, s IntakeStore) {
	const desks, perDesk = 3, 6
	type result struct {
		school, number string
		err            error
	}
	results := make(chan result, 2*desks*perDesk)
	var wg sync.WaitGroup
	for _, school := range []string{"S1", "S2"} {
		for k := 0; k < desks; k++ {
			staff := fmt.Sprintf("clerk %d", k)
			d := Desk(t, s, staff, school)
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; i < perDesk; i++ {
					sub := intake.Submission{Service: "transfer", Staff: staff,
						At:        time.Date(2026, 4, 14, 10, 0, 0, 0, time.UTC),
						Applicant: intake.Person{Name: "Ата-ана"}, Child: intake.Person{Name: "Оқушы"},
						Documents: []intake.Presented{{ID: "application"}, {ID: "identity"}, {ID: "deregistration_slip"}}}
					if i%2 == 1 {
						sub.Service = "duplicates"
						sub.Conditions = []string{"lost"}
						sub.Documents = []intake.Presented{{ID: "application"}, {ID: "identity"}}
					}
					a, err := d.Submit(ctx, sub)
					if err != nil {
						results <- result{school, "", err}
						continue
					}
					results <- result{school, a.Number, nil}
				}
			}()
		}
	}
	wg.Wait()
	close(results)
	got := map[string][]string{}
	for r := range results {
		if r.err != nil {
			t.Fatal(r.err)
		}
		got[r.school] = append(got[r.school], r.number)
	}
	for _, school := range []string{"S1", "S2"} {
		seen := map[string]bool{}
		for _, n := range got[school] {
			if seen[n] {
				t.Fatalf("%s gave %s twice", school, n)
			}
			seen[n] = true
		}
		for _, series := range []string{"TRF-2026", "DUP-2026"} {
			for i := 1; i <= desks*perDesk/2; i++ {
				if n := intake.FormatNumber(series, i); !seen[n] {
					t.Errorf("%s: %s missing: the numbers have a gap (%v)", school, n, got[school])
				}
			}
		}
	}
}

// Desks at both schools register the same candidate at the same moment: exactly one
// registration is stored and the candidate is in the base once.
func testIntakeConcurrentIIN(t *testing.T, s IntakeStore) {
	const tries = 8
	var wg sync.WaitGroup
	errs := make([]error, tries)
	numbers := make([]string, tries)
	for i := 0; i < tries; i++ {
		school := []string{"S1", "S2"}[i%2]
		d := Desk(t, s, "clerk", school)
		wg.Add(1)
		go func() {
			defer wg.Done()
			a, err := d.Submit(ctx, ContestSubmission(1, school, 2))
			errs[i] = err
			if err == nil {
				numbers[i] = school + " " + a.Number
			}
		}()
	}
	wg.Wait()
	var won []string
	for i, err := range errs {
		switch {
		case err == nil:
			won = append(won, numbers[i])
		case !errors.Is(err, intake.ErrDuplicate):
			t.Errorf("registration %d: %v, want success or ErrDuplicate", i, err)
		}
	}
	if len(won) != 1 || !strings.HasSuffix(won[0], "CON-2026-00001") {
		t.Fatalf("stored %v, want exactly one registration numbered CON-2026-00001", won)
	}
	all, err := s.Candidates(ctx, "C1", "")
	if err != nil || len(all) != 1 || all[0].IIN != IIN(1) {
		t.Fatalf("candidate base = %+v, %v; want the candidate once", all, err)
	}
	var stored int
	if err := s.SQL().QueryRowContext(ctx, `SELECT count(*) FROM intake_applications`).Scan(&stored); err != nil || stored != 1 {
		t.Errorf("%d applications stored (%v), want 1", stored, err)
	}
	// Neither school lost a number to the refused attempts.
	for i, school := range []string{"S1", "S2"} {
		a, err := Desk(t, s, "clerk", school).Submit(ctx, ContestSubmission(2+i, school, 3))
		if err != nil {
			t.Fatal(err)
		}
		want := "CON-2026-00001"
		if strings.HasPrefix(won[0], school+" ") {
			want = "CON-2026-00002"
		}
		if a.Number != want {
			t.Errorf("next registration at %s = %s, want %s", school, a.Number, want)
		}
	}
}

// grade5 is a complete grade-5 registration of candidate IIN(n) (odd n: no "Мың бала").
func grade5(n int, school string, day int) intake.Submission {
	sub := ContestSubmission(n, school, day)
	sub.Candidate.Grade, sub.Candidate.MynBala = 5, false
	return sub
}

// Once answer sheets of a grade are ingested at a school, the results are computed from
// its candidate base: a withdrawal or a refusal there must not delete a candidate
// (issue 12). Today's main deleted it.
func testIntakeFrozenWithdrawal(t *testing.T, s IntakeStore) {
	d := Desk(t, s, "Гүлнар", "S1")
	a, err := d.Submit(ctx, grade5(1, "S1", 2))
	if err != nil {
		t.Fatal(err)
	}
	seven, err := d.Submit(ctx, ContestSubmission(3, "S1", 2))
	if err != nil {
		t.Fatal(err)
	}
	ingest(t, s, "S1", Item(Reading("000001", 1), "img1")) // a grade-5 sheet
	for _, to := range []intake.Status{intake.Withdrawn, intake.Refused} {
		_, err = d.SetStatus(ctx, a.Number, intake.Change{To: to, Staff: "Гүлнар", Ground: "unreliable", Reason: "ата-анасының өтініші"})
		if !errors.Is(err, intake.ErrFrozen) {
			t.Fatalf("%s after the grade's sheets are ingested = %v, want ErrFrozen", to, err)
		}
		var me *intake.MessageError
		if !errors.As(err, &me) || me.Code != "candidate_base_frozen" || !strings.Contains(me.KK, "жауап парақтары") || !strings.Contains(me.RU, "листы ответов") {
			t.Errorf("the refusal does not say in Kazakh and Russian what happened: %v", err)
		}
	}
	if got, _ := d.Repo.Application(ctx, a.Number); got.Status != intake.Registered {
		t.Errorf("the registration became %s", got.Status)
	}
	if got := candidates(t, s, "S1"); len(got) != 2 {
		t.Errorf("base after the refused withdrawal = %+v, want both candidates", got)
	}
	// A change that leaves the base alone still goes through, and another grade
	// (no sheets yet) is not frozen.
	if _, err := d.SetStatus(ctx, a.Number, intake.Change{To: intake.InProgress, Staff: "Гүлнар"}); err != nil {
		t.Errorf("in_progress after the sheets: %v", err)
	}
	if _, err := d.SetStatus(ctx, seven.Number, intake.Change{To: intake.Withdrawn, Staff: "Гүлнар", Reason: "ата-анасының өтініші"}); err != nil {
		t.Errorf("withdrawing a grade-7 candidate with no grade-7 sheets: %v", err)
	}
}

func testIntakeFrozenRegistration(t *testing.T, s IntakeStore) {
	ingest(t, s, "S1", Item(Reading("000001", 1), "img1")) // a grade-5 sheet at S1
	d := Desk(t, s, "Гүлнар", "S1")
	_, err := d.Submit(ctx, grade5(5, "S1", 20)) // backdated into March
	if !errors.Is(err, intake.ErrFrozen) {
		t.Fatalf("a registration after the grade's sheets = %v, want ErrFrozen", err)
	}
	list, _ := d.Repo.Applications(ctx, intake.Filter{})
	if len(list) != 0 || len(candidates(t, s, "S1")) != 0 {
		t.Errorf("stored %d applications, %d candidates; want none", len(list), len(candidates(t, s, "S1")))
	}
	// Another school's base is its own.
	if _, err := Desk(t, s, "Әсел", "S2").Submit(ctx, grade5(5, "S2", 20)); err != nil {
		t.Errorf("S2 has no sheets: %v", err)
	}
}

// A registration entered on a later day than it says it came in is kept, flagged and
// audited: today's main stored it silently.
func testIntakeBackdated(t *testing.T, s IntakeStore) {
	d := Desk(t, s, "Гүлнар", "S1") // the desk's clock: 14 April 2026
	a, err := d.Submit(ctx, ContestSubmission(1, "S1", 30))
	if err != nil {
		t.Fatal(err)
	}
	got, _ := d.Repo.Application(ctx, a.Number)
	if !got.Backdated || got.EnteredAt.IsZero() {
		t.Fatalf("backdated %v, entered %s", got.Backdated, got.EnteredAt)
	}
	if !slices.ContainsFunc(got.Warnings, func(m intake.Message) bool { return m.Code == "backdated_closed_window" }) {
		t.Errorf("no warning that it went into a closed window: %+v", got.Warnings)
	}
	audit, _ := d.Repo.Audit(ctx, a.Number)
	if len(audit) != 1 || !strings.Contains(audit[0].Detail, "backdated: came in 2026-03-30 10:00, entered 2026-04-14") {
		t.Errorf("audit %+v", audit)
	}
}

func testIntakeDarynSending(t *testing.T, s IntakeStore) {
	d := Desk(t, s, "Гүлнар", "S1")
	if _, err := d.Submit(ctx, ContestSubmission(1, "S1", 2)); err != nil {
		t.Fatal(err)
	}
	almaty := time.FixedZone("Asia/Almaty", 5*3600)
	sent, err := d.RecordDarynSending(ctx, intake.DarynSendingInput{Contest: "C1", Year: 2026, SentAt: time.Date(2026, 4, 4, 10, 0, 0, 0, almaty),
		Candidates: 1, SHA256: strings.Repeat("b", 64), Note: "портал", Staff: "Гүлнар"})
	if err != nil {
		t.Fatal(err)
	}
	if sent.Seq != 1 || len(sent.Warnings) != 1 || sent.Warnings[0].Code != "daryn_sent_late" {
		t.Errorf("sent on 4 April: %+v", sent)
	}
	list, err := d.Repo.DarynSendings(ctx)
	if err != nil || len(list) != 1 || !list[0].SentAt.Equal(sent.SentAt) {
		t.Fatalf("DarynSendings = %+v, %v", list, err)
	}
	log, _ := s.AuditLog(ctx, store.AuditFilter{Action: "candidates.sent_to_daryn"})
	if len(log) != 1 || log[0].Contest != "C1" {
		t.Errorf("the contest's audit log has %+v", log)
	}
	if _, err := d.RecordDarynSending(ctx, intake.DarynSendingInput{Contest: "C9", Year: 2026, SentAt: sent.SentAt, Staff: "Гүлнар"}); store.ErrorCode(err) != store.NotFound {
		t.Errorf("an unknown contest: %v", err)
	}
	// A registration entered after the sending says the base sent lacks it.
	a, err := d.Submit(ctx, ContestSubmission(3, "S1", 31))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(a.Warnings, func(m intake.Message) bool { return m.Code == "registered_after_daryn_sending" }) {
		t.Errorf("no warning that the base sent lacks the new candidate: %+v", a.Warnings)
	}
}
