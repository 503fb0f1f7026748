package intake_test

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"tarazy/iin"
	"tarazy/intake"
	"tarazy/intake/memstore"
	"tarazy/season"
)

// The rules of issue 11 as the seed writes them, one test each, named for the
// paragraph (README, "The rules"). The desk's clock is 14 April 2026, noon.

func hasWarning(a *intake.Application, code string) bool {
	return slices.ContainsFunc(a.Warnings, func(m intake.Message) bool { return m.Code == code })
}

// §18 sub. 5 with §38: the diploma copy proves the priority; without it the child is
// registered without the priority, never refused.
func TestRegistrationWithoutDiplomaKeepsChildWithoutPriority_Para18p5(t *testing.T) {
	ctx := context.Background()
	s := contestSubmission("2026-03-02T10:00", validIIN(t, 1))
	s.Candidate.Olympiad = true
	a, err := newDesk(t).Submit(ctx, s)
	if err != nil {
		t.Fatal(err)
	}
	if a.Status != intake.Registered || a.Candidate.Olympiad || !a.Candidate.OlympiadNoDiploma || !hasWarning(a, "olympiad_without_diploma") {
		t.Fatalf("a diploma claimed without its copy: %s, candidate %+v, warnings %v", a.Status, a.Candidate, a.Warnings)
	}
	s.Documents = append(s.Documents, intake.Presented{ID: "olympiad_diploma"})
	a, err = newDesk(t).Submit(ctx, s)
	if err != nil {
		t.Fatal(err)
	}
	if !a.Candidate.Olympiad || a.Candidate.OlympiadNoDiploma || hasWarning(a, "olympiad_without_diploma") {
		t.Errorf("with the copy: candidate %+v, warnings %v", a.Candidate, a.Warnings)
	}
}

// §19 "may": a late or incomplete contest application is refused by a person, with
// the reason recorded; without a decision nothing is stored. The public services keep
// the Law's refusal (art. 19) on the spot.
func TestLateOrIncompleteContestApplicationIsAPersonsDecision_Para19(t *testing.T) {
	ctx := context.Background()
	good := validIIN(t, 1)
	for name, edit := range map[string]func(*intake.Submission){
		"Late":       func(s *intake.Submission) { s.At = at("2026-04-02T10:00") },
		"Incomplete": func(s *intake.Submission) { s.Documents = s.Documents[:2] },
	} {
		t.Run(name, func(t *testing.T) {
			desk := newDesk(t)
			s := contestSubmission("2026-03-02T10:00", good)
			edit(&s)
			_, err := desk.Submit(ctx, s)
			var me *intake.MessageError
			if !errors.Is(err, intake.ErrDecisionNeeded) || !errors.As(err, &me) || !strings.Contains(me.KK, "19-тармағы") || !strings.Contains(me.RU, "пункту 19") {
				t.Fatalf("without a decision: %v", err)
			}
			if list, _ := desk.Repo.Applications(ctx, intake.Filter{}); len(list) != 0 {
				t.Fatalf("stored without a decision: %+v", list)
			}
			s.Decision = &intake.Decision{Accept: false, Reason: "ата-анасы себебін айтпады"}
			a, err := desk.Submit(ctx, s)
			if err != nil {
				t.Fatal(err)
			}
			if a.Status != intake.Rejected || !a.Refusal.Discretion || a.Refusal.Staff != s.Staff || a.Refusal.Reason != "ата-анасы себебін айтпады" {
				t.Errorf("refused by decision: %s %+v", a.Status, a.Refusal)
			}
			s.Decision = &intake.Decision{Accept: true, Reason: "пошта кешікті, конверттегі мөр 31 наурыз"}
			a, err = desk.Submit(ctx, s)
			if err != nil {
				t.Fatal(err)
			}
			if a.Status != intake.Registered || a.Discretion == nil || !a.Discretion.Accept || !hasWarning(a, "accepted_by_decision") {
				t.Errorf("accepted by decision: %s %+v", a.Status, a.Discretion)
			}
			audit, _ := desk.Repo.Audit(ctx, a.Number)
			if len(audit) != 1 || !strings.Contains(audit[0].Detail, "§19 decision by Гүлнар Сейітқызы: accept=true") {
				t.Errorf("the decision is not in the audit log: %+v", audit)
			}
		})
	}
	t.Run("EarlyIsNoCaseOfPara19", func(t *testing.T) {
		a, err := newDesk(t).Submit(ctx, contestSubmission("2026-02-27T10:00", good))
		if err != nil || a.Status != intake.Rejected || a.Refusal.Discretion || a.Refusal.Window == nil || a.Refusal.Window.Rule != "§16" {
			t.Errorf("before the window opens: %v %+v", err, a)
		}
	})
	t.Run("PublicServiceStillRefusedOnTheSpot_LawArt19", func(t *testing.T) {
		s := submission("duplicates", "2026-04-14T11:00")
		s.Conditions, s.Documents = []string{"lost"}, []intake.Presented{{ID: "application"}}
		a, err := newDesk(t).Submit(ctx, s)
		if err != nil || a.Status != intake.Rejected || a.Refusal.Discretion {
			t.Errorf("an incomplete duplicates set: %v %+v", err, a)
		}
	})
}

// §16 and item 13: the contest's window comes from the season data; an amending order
// is a data change.
func TestContestWindowComesFromTheSeasonData_Para16(t *testing.T) {
	ctx := context.Background()
	amended, err := season.Load(season.File{Name: "amend.yaml", Data: []byte(`rules:
  - from: 2026
    act: "an amending order"
    registration: {from: "02-01", to: "04-15", rule: "§16"}
    daryn_base: {by: "04-17", rule: "§20"}
    schedule: {from: "04-05", to: "04-15", rule: "§28"}
    contest: {from: "04-20", to: "05-10", rule: "§27"}
    orders: {by: "05-20", rule: "§42"}
`)})
	if err != nil {
		t.Fatal(err)
	}
	s := contestSubmission("2026-04-10T10:00", validIIN(t, 1))
	if _, err := newDesk(t).Submit(ctx, s); !errors.Is(err, intake.ErrDecisionNeeded) {
		t.Fatalf("10 April under the seed's window: %v, want a §19 decision", err)
	}
	d := newDesk(t)
	d.Seasons = amended
	a, err := d.Submit(ctx, s)
	if err != nil || a.Status != intake.Registered {
		t.Errorf("10 April under the amended window: %v %+v", err, a)
	}
}

// Annex 1 item 8 and the duplicates standard item 8: the portal's document lists are
// its own. No PMPC conclusion on the portal; no original document for a duplicate.
func TestPortalChecklistIsThePortalsList_Annex1Item8(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		name, service, channel string
		conds                  []string
		docs                   []string
		missing                []string
	}{
		{"AdmissionPortalNoPMPC", "school-admission", "portal", []string{"special_needs"}, []string{"e_application", "e_health", "e_photo"}, nil},
		{"AdmissionOfficeNeedsPMPC", "school-admission", "office", []string{"special_needs"}, []string{"application", "identity", "health", "photos"}, []string{"pmpc"}},
		{"DuplicatePortalNoOriginal", "duplicates", "portal", []string{"name_changed"}, []string{"e_application"}, nil},
		{"DuplicateOfficeNeedsOriginal", "duplicates", "office", []string{"name_changed"}, []string{"application", "identity"}, []string{"original_document"}},
		{"DuplicateStateCorporationNeedsOriginal", "duplicates", "state_corporation", []string{"damaged"}, []string{"application", "identity"}, []string{"original_document"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := submission(tc.service, "2026-04-14T11:00")
			s.Channel, s.Grade, s.Conditions = tc.channel, 2, tc.conds
			for _, id := range tc.docs {
				s.Documents = append(s.Documents, intake.Presented{ID: id})
			}
			a, err := newDesk(t).Submit(ctx, s)
			if err != nil {
				t.Fatal(err)
			}
			var missing []string
			if a.Refusal != nil {
				missing = a.Refusal.Missing
			}
			if !slices.Equal(missing, tc.missing) {
				t.Errorf("missing %v, want %v (%s)", missing, tc.missing, a.Status)
			}
		})
	}
}

// §9-4, §9-6: the first-grade receipt says the child is admitted from 1 September;
// the order comes after 25 August, so the application is not overdue before then and
// "issued" is refused until 26 August. Other grades keep the one working day.
func TestFirstGradeAdmittedFromFirstSeptember_Para9_6(t *testing.T) {
	ctx := context.Background()
	desk := newDesk(t)
	s := submission("school-admission", "2026-04-14T11:00")
	s.Grade, s.Documents = 1, admissionDocs
	a, err := desk.Submit(ctx, s)
	if err != nil {
		t.Fatal(err)
	}
	if a.Due != d("2026-09-01") || a.OverdueOn(d("2026-08-31")) || !a.OverdueOn(d("2026-09-02")) {
		t.Errorf("first grade: due %s", a.Due)
	}
	if list, _ := desk.Overdue(ctx, d("2026-06-01")); len(list) != 0 {
		t.Errorf("overdue in June: %+v", list)
	}
	_, err = desk.SetStatus(ctx, a.Number, intake.Change{To: intake.Issued, Staff: "директор", Result: "бұйрық № 1", At: at("2026-08-25T17:00")})
	var me *intake.MessageError
	if !errors.Is(err, intake.ErrInvalid) || !errors.As(err, &me) || me.Code != "first_grade_order_early" {
		t.Fatalf("the order on 25 August: %v", err)
	}
	if _, err := desk.SetStatus(ctx, a.Number, intake.Change{To: intake.Issued, Staff: "директор", Result: "бұйрық № 1", At: at("2026-08-26T09:00")}); err != nil {
		t.Errorf("the order on 26 August: %v", err)
	}
	s.Grade = 2
	b, err := desk.Submit(ctx, s)
	if err != nil || b.Due != d("2026-04-15") {
		t.Errorf("grade 2: %v due %s, want the next working day", err, b.Due)
	}
}

// §9: six-year-olds and those turning six in the calendar year; any other date of
// birth in the IIN is a warning for a person to check, never a refusal.
func TestFirstGradeAgeFromTheIIN_Para9(t *testing.T) {
	cases := []struct {
		born string
		warn bool
	}{
		{"2020-01-15", false}, // turns six in 2026
		{"2020-12-31", false}, // turns six on the last day of 2026
		{"2019-09-02", false}, // six on 1 September 2026
		{"2019-09-01", true},  // seven on 1 September 2026
		{"2018-05-05", true},
		{"2021-01-01", true}, // turns six in 2027
	}
	for _, tc := range cases {
		t.Run(tc.born, func(t *testing.T) {
			born, _ := time.Parse("2006-01-02", tc.born)
			child, err := iin.Make(born, iin.Female, 7)
			if err != nil {
				t.Fatal(err)
			}
			s := submission("school-admission", "2026-04-14T11:00")
			s.Grade, s.Documents, s.Child.IIN = 1, admissionDocs, child
			a, err := newDesk(t).Submit(context.Background(), s)
			if err != nil || a.Status != intake.Registered {
				t.Fatalf("%v %+v", err, a)
			}
			if hasWarning(a, "first_grade_age") != tc.warn {
				t.Errorf("born %s: warnings %v, want an age warning %v", tc.born, a.Warnings, tc.warn)
			}
		})
	}
}

// Issue 14: an applicant IIN such as "12345" is refused, said in both languages; one
// whose check digit fails is a warning.
func TestApplicantIINIsChecked(t *testing.T) {
	ctx := context.Background()
	s := submission("duplicates", "2026-04-14T11:00")
	s.Conditions, s.Documents = []string{"lost"}, []intake.Presented{{ID: "application"}, {ID: "identity"}}
	s.Applicant.IIN = "12345"
	_, err := newDesk(t).Submit(ctx, s)
	var me *intake.MessageError
	if !errors.Is(err, intake.ErrInvalid) || !errors.As(err, &me) || !strings.Contains(me.KK, "Өтініш берушінің ЖСН дұрыс емес") || !strings.Contains(me.RU, "ИИН заявителя неверен") {
		t.Errorf("applicant IIN 12345: %v", err)
	}
	s.Applicant.IIN = "000229500128" // check digit should be 7
	a, err := newDesk(t).Submit(ctx, s)
	if err != nil || !hasWarning(a, "applicant_iin_checksum") {
		t.Errorf("a failing check digit: %v %+v", err, a)
	}
}

// Issue 14: "issued" records what was issued.
func TestIssuedNeedsAResult(t *testing.T) {
	ctx := context.Background()
	desk := newDesk(t)
	s := submission("duplicates", "2026-04-14T11:00")
	s.Conditions, s.Documents = []string{"lost"}, []intake.Presented{{ID: "application"}, {ID: "identity"}}
	a, err := desk.Submit(ctx, s)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := desk.SetStatus(ctx, a.Number, intake.Change{To: intake.Issued, Staff: "директор", Result: "  "}); !errors.Is(err, intake.ErrInvalid) {
		t.Errorf("issued without a result: %v", err)
	}
}

// Issue 12: an application entered on a later day than it says it came in is flagged
// and audited; one entered the same day is not.
func TestBackdatedApplicationIsFlagged_Issue12(t *testing.T) {
	ctx := context.Background()
	desk := newDesk(t)
	a, err := desk.Submit(ctx, contestSubmission("2026-03-30T10:00", validIIN(t, 1)))
	if err != nil {
		t.Fatal(err)
	}
	if !a.Backdated || !hasWarning(a, "backdated_closed_window") {
		t.Errorf("entered 14 April into the window that closed on 1 April: backdated %v, warnings %v", a.Backdated, a.Warnings)
	}
	s := submission("duplicates", "2026-04-14T09:30")
	s.Conditions, s.Documents = []string{"lost"}, []intake.Presented{{ID: "application"}, {ID: "identity"}}
	b, err := desk.Submit(ctx, s)
	if err != nil || b.Backdated || hasWarning(b, "backdated") {
		t.Errorf("entered the same day: %v %+v", err, b)
	}
}

// Issue 12: once the grade's sheets are ingested the store refuses to change the base,
// and the desk says so in both languages with what to do instead.
func TestWithdrawalAfterSheetsIsRefused_Issue12(t *testing.T) {
	ctx := context.Background()
	repo := memstore.New()
	desk := newDesk(t)
	desk.Repo = repo
	a, err := desk.Submit(ctx, contestSubmission("2026-03-02T10:00", validIIN(t, 1)))
	if err != nil {
		t.Fatal(err)
	}
	repo.Freeze("", 7)
	_, err = desk.SetStatus(ctx, a.Number, intake.Change{To: intake.Withdrawn, Staff: "Гүлнар", Reason: "ата-анасының өтініші"})
	var me *intake.MessageError
	if !errors.Is(err, intake.ErrFrozen) || !errors.As(err, &me) || !strings.Contains(me.RU, "резервному списку") {
		t.Fatalf("withdrawal after the sheets: %v", err)
	}
	if _, err := desk.Submit(ctx, contestSubmission("2026-03-03T10:00", validIIN(t, 2))); !errors.Is(err, intake.ErrFrozen) {
		t.Errorf("registration after the sheets: %v", err)
	}
}

// §20: the sending is recorded, and warned about when it went before acceptance closed
// (1 April at 18:30) or after 3 April; a registration after it says the base sent
// lacks the candidate.
func TestDarynSendingTiming_Para20(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		sent string
		want []string
	}{
		{"2026-04-01T12:00", []string{"daryn_sent_before_close"}},
		{"2026-04-01T18:30", nil},
		{"2026-04-03T17:00", nil},
		{"2026-04-04T09:00", []string{"daryn_sent_late"}},
	}
	for _, tc := range cases {
		t.Run(tc.sent, func(t *testing.T) {
			s, err := newDesk(t).RecordDarynSending(ctx, intake.DarynSendingInput{Contest: "2026", Year: 2026, SentAt: at(tc.sent), Staff: "Гүлнар"})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, w := range s.Warnings {
				got = append(got, w.Code)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("warnings %v, want %v", got, tc.want)
			}
		})
	}
	desk := newDesk(t)
	if _, err := desk.RecordDarynSending(ctx, intake.DarynSendingInput{Contest: "2026", Year: 2026, SentAt: at("2026-04-20T10:00"), Staff: "Гүлнар"}); !errors.Is(err, intake.ErrInvalid) {
		t.Errorf("a sending after the desk's now: %v", err)
	}
	if _, err := desk.RecordDarynSending(ctx, intake.DarynSendingInput{Contest: "2026", Year: 2026, SentAt: at("2026-04-02T10:00"), Staff: "Гүлнар"}); err != nil {
		t.Fatal(err)
	}
	a, err := desk.Submit(ctx, contestSubmission("2026-03-31T10:00", validIIN(t, 1)))
	if err != nil || !hasWarning(a, "registered_after_daryn_sending") {
		t.Errorf("a registration entered after the sending: %v %+v", err, a)
	}
}

// Item 13: a term counted into 2027 says that 2027's calendar is provisional.
func TestDueDateInProvisionalYearSaysSo_LabourCodeArt84(t *testing.T) {
	s := submission("duplicates", "2026-12-21T10:00")
	s.Conditions, s.Documents = []string{"lost"}, []intake.Presented{{ID: "application"}, {ID: "identity"}}
	a, err := newDesk(t).Submit(context.Background(), s)
	if err != nil {
		t.Fatal(err)
	}
	if a.Due != d("2027-01-14") || !slices.Equal(a.DueProvisional, []int{2027}) || !hasWarning(a, "calendar_provisional") {
		t.Errorf("due %s provisional %v warnings %v", a.Due, a.DueProvisional, a.Warnings)
	}
}

// Records stored before warnings had two languages stay readable.
func TestOldPlainWarningsStillRead(t *testing.T) {
	var a intake.Application
	if err := jsonUnmarshal(`{"warnings":["the catalogue gives no term"]}`, &a); err != nil {
		t.Fatal(err)
	}
	if len(a.Warnings) != 1 || a.Warnings[0].RU != "the catalogue gives no term" {
		t.Errorf("%+v", a.Warnings)
	}
}

func jsonUnmarshal(s string, v any) error { return json.Unmarshal([]byte(s), v) }

// Item 13: a complaint's term counted into 2027 says so too (Law art. 25 p. 2).
func TestComplaintDueInProvisionalYearSaysSo_LawArt25(t *testing.T) {
	c, err := newDesk(t).FileComplaint(context.Background(), intake.ComplaintInput{Body: "provider", Complainant: intake.Person{Name: "Әсел"},
		Subject: "кезек", At: at("2026-12-28T10:00"), Staff: "Гүлнар"})
	if err != nil {
		t.Fatal(err)
	}
	if c.Due != d("2027-01-06") || !slices.Equal(c.DueProvisional, []int{2027}) || c.Note == nil || !strings.Contains(c.Note.KK, "болжалды") {
		t.Errorf("complaint due %s provisional %v note %+v", c.Due, c.DueProvisional, c.Note)
	}
}
