package intake_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"tarazy/iin"
	"tarazy/intake"
	"tarazy/intake/memstore"
)

func newDesk(t *testing.T) *intake.Desk {
	t.Helper()
	return &intake.Desk{
		Catalogue: mustCatalogue(t),
		Calendar:  mustCalendar(t),
		Repo:      memstore.New(),
		Now:       func() time.Time { return time.Date(2026, 4, 14, 12, 0, 0, 0, almaty) },
	}
}

func submission(service, when string) intake.Submission {
	return intake.Submission{
		Service:   service,
		At:        at(when),
		Staff:     "Гүлнар Сейітқызы",
		Applicant: intake.Person{Name: "Нұрлан Әбдіқадыров", Phone: "+7 701 000 00 00"},
		Child:     intake.Person{Name: "Әлия Нұрланқызы"},
	}
}

func validIIN(t *testing.T, serial int) string {
	t.Helper()
	s, err := iin.Make(time.Date(2013, 5, 17, 0, 0, 0, 0, time.UTC), iin.Female, serial)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func contestSubmission(when, childIIN string) intake.Submission {
	s := submission("contest-registration", when)
	s.Child = intake.Person{Name: "Айша Серікқызы Омарова", IIN: childIIN}
	s.Candidate = &intake.Candidate{Grade: 7, Language: "kk", Email: "aisha@example.kz"}
	s.Documents = []intake.Presented{{ID: "application"}, {ID: "birth_certificate"}, {ID: "school_certificate"}, {ID: "photos"}}
	return s
}

var admissionDocs = []intake.Presented{{ID: "application"}, {ID: "identity"}, {ID: "health"}, {ID: "photos"}}

func TestIncompleteOrExpiredIsRefusedOnTheSpot(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		name    string
		conds   []string
		docs    []intake.Presented
		grounds []string
		missing []string
		expired []string
	}{
		{"Complete", nil, admissionDocs, nil, nil, nil},
		{"NoHealthCertificate", nil, admissionDocs[:2], []string{"incomplete"}, []string{"health", "photos"}, nil},
		{"ExpiredHealthCertificate", nil,
			[]intake.Presented{{ID: "application"}, {ID: "identity"}, {ID: "health", ValidUntil: d("2026-04-13")}, {ID: "photos"}},
			[]string{"expired"}, nil, []string{"health"}},
		{"ValidUntilTheSameDay", nil,
			[]intake.Presented{{ID: "application"}, {ID: "identity"}, {ID: "health", ValidUntil: d("2026-04-14")}, {ID: "photos"}},
			nil, nil, nil},
		{"ForeignerWithoutStatusDocument", []string{"foreign"}, admissionDocs, []string{"incomplete"}, []string{"one_of:status"}, nil},
		{"ForeignerWithRefugeeID", []string{"foreign"}, append(slices.Clone(admissionDocs), intake.Presented{ID: "refugee_id"}), nil, nil, nil},
		{"SpecialNeedsWithoutPMPC", []string{"special_needs"}, admissionDocs, []string{"incomplete"}, []string{"pmpc"}, nil},
		{"BothMissingAndExpired", nil, []intake.Presented{{ID: "application"}, {ID: "identity", ValidUntil: d("2025-01-01")}},
			[]string{"incomplete", "expired"}, []string{"health", "photos"}, []string{"identity"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			desk := newDesk(t)
			s := submission("school-admission", "2026-04-14T11:00")
			s.Grade, s.Conditions, s.Documents = 1, tc.conds, tc.docs
			a, err := desk.Submit(ctx, s)
			if err != nil {
				t.Fatal(err)
			}
			if tc.grounds == nil {
				if a.Status != intake.Registered || a.Refusal != nil || a.Number != "ADM-2026-00001" {
					t.Fatalf("status %s number %s refusal %+v", a.Status, a.Number, a.Refusal)
				}
				return
			}
			if a.Status != intake.Rejected || !a.Due.IsZero() {
				t.Fatalf("status %s due %s, want rejected with no due date", a.Status, a.Due)
			}
			got := []any{a.Refusal.Grounds, a.Refusal.Missing, a.Refusal.Expired}
			want := []any{tc.grounds, tc.missing, tc.expired}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("refusal (-want +got):\n%s", diff)
			}
			audit, _ := desk.Repo.Audit(ctx, a.Number)
			if len(audit) != 1 || audit[0].Action != "reject" || !strings.Contains(audit[0].Detail, "grounds: ") {
				t.Errorf("audit %+v", audit)
			}
		})
	}
}

func TestUnknownDocumentOrConditionIsAnError(t *testing.T) {
	desk := newDesk(t)
	s := submission("school-admission", "2026-04-14T11:00")
	s.Documents = []intake.Presented{{ID: "passport"}}
	if _, err := desk.Submit(context.Background(), s); !errors.Is(err, intake.ErrInvalid) || !strings.Contains(err.Error(), "application, identity") {
		t.Errorf("unknown document: %v", err)
	}
	s.Documents, s.Conditions = nil, []string{"orphan"}
	if _, err := desk.Submit(context.Background(), s); !errors.Is(err, intake.ErrInvalid) {
		t.Errorf("unknown condition: %v", err)
	}
	s.Conditions, s.Channel = nil, "state_corporation"
	if _, err := desk.Submit(context.Background(), s); !errors.Is(err, intake.ErrInvalid) {
		t.Errorf("channel the service does not use: %v", err)
	}
	list, _ := desk.Repo.Applications(context.Background(), intake.Filter{})
	if len(list) != 0 {
		t.Errorf("%d applications stored from bad input", len(list))
	}
}

func TestFirstGradeWindow(t *testing.T) {
	cases := []struct {
		when      string
		grade     int
		emergency string
		inside    bool
	}{
		{"2026-03-31T10:00", 1, "", false},
		{"2026-04-01T10:00", 1, "", true},
		{"2026-08-01T10:00", 1, "", true}, // a Saturday: registered on Monday, but applied in time
		{"2026-08-03T10:00", 1, "", false},
		{"2026-08-03T10:00", 1, "quarantine order of the akimat", true},
		{"2026-08-21T10:00", 1, "quarantine order of the akimat", false},
		{"2026-09-10T10:00", 5, "", true}, // the window is for the first grade only
	}
	for _, tc := range cases {
		t.Run(fmt.Sprintf("%s_grade%d_%v", tc.when, tc.grade, tc.emergency != ""), func(t *testing.T) {
			desk := newDesk(t)
			s := submission("school-admission", tc.when)
			s.Grade, s.Documents, s.Emergency = tc.grade, admissionDocs, tc.emergency
			a, err := desk.Submit(context.Background(), s)
			if err != nil {
				t.Fatal(err)
			}
			if inside := a.Status == intake.Registered; inside != tc.inside {
				t.Fatalf("status %s refusal %+v", a.Status, a.Refusal)
			}
			if !tc.inside && !slices.Equal(a.Refusal.Grounds, []string{intake.GroundOutsideWindow}) {
				t.Errorf("grounds %v", a.Refusal.Grounds)
			}
		})
	}
}

func TestStatusToResultIsAudited(t *testing.T) {
	ctx := context.Background()
	desk := newDesk(t)
	s := submission("duplicates", "2026-04-14T17:50")
	s.Conditions = []string{"lost"}
	s.Documents = []intake.Presented{{ID: "application"}, {ID: "identity"}}
	a, err := desk.Submit(ctx, s)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := desk.SetStatus(ctx, a.Number, intake.Change{To: intake.InProgress, Staff: "clerk"}); err != nil {
		t.Fatal(err)
	}
	if _, err := desk.SetStatus(ctx, a.Number, intake.Change{To: intake.Refused, Staff: "clerk", Ground: "overcrowded", Reason: "x"}); !errors.Is(err, intake.ErrInvalid) {
		t.Errorf("refusal on another service's ground: %v", err)
	}
	if _, err := desk.SetStatus(ctx, a.Number, intake.Change{To: intake.Refused, Staff: "clerk", Ground: "unreliable"}); !errors.Is(err, intake.ErrInvalid) {
		t.Errorf("refusal without reasons: %v", err)
	}
	got, err := desk.SetStatus(ctx, a.Number, intake.Change{To: intake.Issued, Staff: "director", Result: "duplicate № 0042"})
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != intake.Issued || got.Version != 3 {
		t.Errorf("status %s version %d", got.Status, got.Version)
	}
	if _, err := desk.SetStatus(ctx, a.Number, intake.Change{To: intake.Refused, Staff: "clerk", Ground: "unreliable", Reason: "late find"}); !errors.Is(err, intake.ErrTransition) {
		t.Errorf("refusing an issued application: %v", err)
	}
	audit, _ := desk.Repo.Audit(ctx, a.Number)
	var trail []string
	for _, e := range audit {
		trail = append(trail, fmt.Sprintf("%s %s %s→%s %s", e.Staff, e.Action, e.From, e.To, e.Detail))
	}
	want := []string{
		"Гүлнар Сейітқызы submit →registered ",
		"clerk status registered→in_progress ",
		"director status in_progress→issued duplicate № 0042",
	}
	if diff := cmp.Diff(want, trail); diff != "" {
		t.Errorf("audit trail (-want +got):\n%s", diff)
	}
}

func TestDuplicatesOfficeClosesAtSix(t *testing.T) {
	desk := newDesk(t)
	s := submission("duplicates", "2026-04-14T18:10") // 18:10: the school's desk is open, the duplicates standard's is not
	s.Conditions = []string{"lost"}
	s.Documents = []intake.Presented{{ID: "application"}, {ID: "identity"}}
	a, err := desk.Submit(context.Background(), s)
	if err != nil {
		t.Fatal(err)
	}
	if a.Registered.String() != "2026-04-15" || a.Due.String() != "2026-05-08" {
		t.Errorf("registered %s due %s, want 2026-04-15 and 2026-05-08", a.Registered, a.Due)
	}
}

func TestContestRegistration(t *testing.T) {
	ctx := context.Background()
	good := validIIN(t, 1)
	badCheck := good[:11] + string(rune('0'+(int(good[11]-'0')+1)%10))
	t.Run("Accepted", func(t *testing.T) {
		desk := newDesk(t)
		a, err := desk.Submit(ctx, contestSubmission("2026-03-02T10:00", good))
		if err != nil {
			t.Fatal(err)
		}
		if a.Status != intake.Registered || a.Grade != 7 || a.Number != "CON-2026-00001" {
			t.Fatalf("%+v", a)
		}
	})
	t.Run("SameIINTwiceIsRefused", func(t *testing.T) {
		desk := newDesk(t)
		first, err := desk.Submit(ctx, contestSubmission("2026-03-02T10:00", good))
		if err != nil {
			t.Fatal(err)
		}
		_, err = desk.Submit(ctx, contestSubmission("2026-03-05T10:00", good))
		if !errors.Is(err, intake.ErrDuplicate) || !strings.Contains(err.Error(), good) {
			t.Fatalf("second registration = %v, want ErrDuplicate naming the IIN", err)
		}
		// Once the first is refused, the candidate may apply again.
		if _, err := desk.SetStatus(ctx, first.Number, intake.Change{To: intake.Refused, Staff: "clerk", Ground: "unreliable", Reason: "forged certificate"}); err != nil {
			t.Fatal(err)
		}
		if _, err := desk.Submit(ctx, contestSubmission("2026-03-06T10:00", good)); err != nil {
			t.Fatalf("after the refusal: %v", err)
		}
		// Another year is another contest.
		if _, err := desk.Submit(ctx, contestSubmission("2027-03-02T10:00", good)); err != nil && !errors.Is(err, intake.ErrNotCovered) {
			t.Fatalf("next year: %v", err)
		}
	})
	t.Run("ChecksumFailureNeedsOverride", func(t *testing.T) {
		desk := newDesk(t)
		_, err := desk.Submit(ctx, contestSubmission("2026-03-02T10:00", badCheck))
		if !errors.Is(err, intake.ErrIINChecksum) {
			t.Fatalf("checksum failure without override = %v", err)
		}
		s := contestSubmission("2026-03-02T10:00", badCheck)
		s.Candidate.IINOverride = "as on the birth certificate, issued 2013"
		a, err := desk.Submit(ctx, s)
		if err != nil {
			t.Fatal(err)
		}
		audit, _ := desk.Repo.Audit(ctx, a.Number)
		if len(audit) != 1 || !strings.Contains(audit[0].Detail, "as on the birth certificate") || !strings.Contains(audit[0].Detail, badCheck) {
			t.Errorf("the override is not in the audit log: %+v", audit)
		}
	})
	t.Run("MalformedIINIsAnError", func(t *testing.T) {
		for _, bad := range []string{"130230500019", "13051770001", "130517700015", "1305175000X1"} {
			s := contestSubmission("2026-03-02T10:00", bad)
			s.Candidate.IINOverride = "staff cannot override a date that does not exist"
			if _, err := newDesk(t).Submit(ctx, s); !errors.Is(err, intake.ErrInvalid) {
				t.Errorf("IIN %s: %v, want ErrInvalid", bad, err)
			}
		}
	})
	t.Run("LastDayIsInTime", func(t *testing.T) {
		a, err := newDesk(t).Submit(ctx, contestSubmission("2026-04-01T18:00", good))
		if err != nil || a.Status != intake.Registered {
			t.Fatalf("on 1 April: %v %+v", err, a)
		}
	})
	t.Run("FieldChecks", func(t *testing.T) {
		for name, edit := range map[string]func(*intake.Candidate){
			"Grade8":        func(c *intake.Candidate) { c.Grade = 8 },
			"LanguageEn":    func(c *intake.Candidate) { c.Language = "en" },
			"NoEmail":       func(c *intake.Candidate) { c.Email = "" },
			"BadEmail":      func(c *intake.Candidate) { c.Email = "aisha at example" },
			"MynBalaGrade6": func(c *intake.Candidate) { c.Grade, c.MynBala = 6, true },
		} {
			s := contestSubmission("2026-03-02T10:00", good)
			edit(s.Candidate)
			if _, err := newDesk(t).Submit(ctx, s); !errors.Is(err, intake.ErrInvalid) {
				t.Errorf("%s: %v, want ErrInvalid", name, err)
			}
		}
	})
}

func TestFirstGradeOrderThreePlusOne(t *testing.T) {
	ctx := context.Background()
	desk := newDesk(t)
	// In: 8 from the territory (T1..T8) and 3 from outside (O1..O3), submitted in
	// this order over a few days. O1 comes first of all but still waits for three
	// territory applicants; T4 comes in on a Sunday and T6 after hours, and both
	// count from the next working day.
	type in struct {
		name, when string
		territory  bool
		complete   bool
	}
	apps := []in{
		{"O1", "2026-04-01T09:05", false, true},
		{"T1", "2026-04-01T09:10", true, true},
		{"T2", "2026-04-01T10:00", true, true},
		{"TX", "2026-04-01T10:30", true, false}, // refused on the spot: takes no place
		{"T3", "2026-04-01T11:00", true, true},
		{"O2", "2026-04-06T08:40", false, true},
		{"T4", "2026-04-05T12:00", true, true}, // Sunday
		{"T5", "2026-04-06T10:00", true, true},
		{"T6", "2026-04-06T19:00", true, true}, // after hours: Tuesday
		{"O3", "2026-04-07T09:30", false, true},
		{"T7", "2026-04-07T10:00", true, true},
		{"T8", "2026-04-07T11:00", true, true},
	}
	for _, x := range apps {
		s := submission("school-admission", x.when)
		s.Child.Name, s.Grade, s.Territory = x.name, 1, x.territory
		if x.complete {
			s.Documents = admissionDocs
		}
		if _, err := desk.Submit(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	// A grade-5 admission is not in the first-grade order.
	s := submission("school-admission", "2026-04-07T12:00")
	s.Child.Name, s.Grade, s.Documents = "G5", 5, admissionDocs
	if _, err := desk.Submit(ctx, s); err != nil {
		t.Fatal(err)
	}
	rows, order, err := desk.FirstGradeOrder(ctx, 2026)
	if err != nil {
		t.Fatal(err)
	}
	if order.Territory != 3 || order.Outside != 1 {
		t.Fatalf("order %+v", order)
	}
	var got []string
	for _, r := range rows {
		got = append(got, r.Child)
	}
	want := []string{
		"T1", "T2", "T3", "O1", // round 1
		"T4", "T5", "T6", "O2", // round 2
		"T7", "T8", "O3", // round 3: the territory runs out after two
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("notification order (-want +got):\n%s", diff)
	}
	if rows[4].Cycle != 2 || rows[10].Cycle != 3 || !rows[3].FromOutside {
		t.Errorf("cycles or places wrong: %+v", rows)
	}
}

func TestOutsideApplicantsContinueWhenTerritoryRunsOut(t *testing.T) {
	ctx := context.Background()
	desk := newDesk(t)
	for i, terr := range []bool{false, false, true, false, false} {
		s := submission("school-admission", fmt.Sprintf("2026-04-0%dT10:00", i+1))
		s.Child.Name = fmt.Sprintf("%v%d", map[bool]string{true: "T", false: "O"}[terr], i)
		s.Grade, s.Territory, s.Documents = 1, terr, admissionDocs
		if _, err := desk.Submit(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	rows, _, err := desk.FirstGradeOrder(ctx, 2026)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range rows {
		got = append(got, r.Child)
	}
	if want := []string{"T2", "O0", "O1", "O3", "O4"}; !slices.Equal(got, want) {
		t.Errorf("order %v, want %v", got, want)
	}
}

func TestContestIINEdgeCases(t *testing.T) {
	ctx := context.Background()
	leap, err := iin.Make(time.Date(2012, 2, 29, 0, 0, 0, 0, time.UTC), iin.Male, 7)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name     string
		iin      string
		override string
		want     error // nil: registered
	}{
		{"LeapDay2012", leap, "", nil},
		{"NoLeapDay2013", "130229500013", "", intake.ErrInvalid},
		{"SecondWeightingPass", "120315500000", "", nil},
		{"NeverIssuedNeedsOverride", "120315500050", "", intake.ErrIINChecksum},
		{"NeverIssuedWithOverride", "120315500050", "birth certificate of 2012 shows it", nil},
		{"CenturyDigit0", "120106001238", "any", intake.ErrInvalid},
		{"CenturyDigit7", "120106701238", "any", intake.ErrInvalid},
		{"EighteenHundreds", "990101100000", "", nil}, // a valid IIN; the desk does not judge age
		{"ElevenDigits", "12010650123", "any", intake.ErrInvalid},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := contestSubmission("2026-03-02T10:00", tc.iin)
			s.Candidate.IINOverride = tc.override
			a, err := newDesk(t).Submit(ctx, s)
			if tc.want == nil {
				if err != nil || a.Status != intake.Registered {
					t.Fatalf("%s: %v %+v", tc.iin, err, a)
				}
				return
			}
			if !errors.Is(err, tc.want) {
				t.Fatalf("%s: %v, want %v", tc.iin, err, tc.want)
			}
		})
	}
}

func TestChildIINCheckDigitIsAWarningOutsideTheContest(t *testing.T) {
	s := submission("school-admission", "2026-04-14T11:00")
	s.Grade, s.Documents = 1, admissionDocs
	s.Child.IIN = "000229500128" // check digit should be 7
	a, err := newDesk(t).Submit(context.Background(), s)
	if err != nil || a.Status != intake.Registered {
		t.Fatalf("%v %+v", err, a)
	}
	if !slices.ContainsFunc(a.Warnings, func(m intake.Message) bool { return m.Code == "child_iin_checksum" }) {
		t.Errorf("no warning: %q", a.Warnings)
	}
	s.Child.IIN = "000229300129" // 29 February 1900 did not exist
	if _, err := newDesk(t).Submit(context.Background(), s); !errors.Is(err, intake.ErrInvalid) {
		t.Errorf("impossible birth date: %v", err)
	}
}

func TestWithdrawal(t *testing.T) {
	ctx := context.Background()
	t.Run("FreesTheContestIIN", func(t *testing.T) {
		desk := newDesk(t)
		good := validIIN(t, 1)
		first, err := desk.Submit(ctx, contestSubmission("2026-03-02T10:00", good))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := desk.SetStatus(ctx, first.Number, intake.Change{To: intake.Withdrawn, Staff: "clerk"}); !errors.Is(err, intake.ErrInvalid) {
			t.Fatalf("withdrawal without the applicant's request: %v", err)
		}
		w, err := desk.SetStatus(ctx, first.Number, intake.Change{To: intake.Withdrawn, Staff: "clerk", Reason: "written request of 3 March"})
		if err != nil {
			t.Fatal(err)
		}
		if w.UniqueKey != "" || w.Withdrawal == nil || w.Withdrawal.Reason != "written request of 3 March" || w.Withdrawal.Staff != "clerk" {
			t.Errorf("withdrawn application = %+v", w)
		}
		if _, err := desk.Submit(ctx, contestSubmission("2026-03-04T10:00", good)); err != nil {
			t.Fatalf("registering again after a withdrawal: %v", err)
		}
		if _, err := desk.SetStatus(ctx, first.Number, intake.Change{To: intake.InProgress, Staff: "clerk"}); !errors.Is(err, intake.ErrTransition) || !strings.Contains(err.Error(), "final") {
			t.Errorf("moving a withdrawn application on: %v", err)
		}
		audit, _ := desk.Repo.Audit(ctx, first.Number)
		if last := audit[len(audit)-1]; last.From != "registered" || last.To != "withdrawn" || !strings.Contains(last.Detail, "written request") {
			t.Errorf("audit of the withdrawal = %+v", last)
		}
	})
	t.Run("TakesNoPlaceInTheFirstGradeOrder", func(t *testing.T) {
		desk := newDesk(t)
		var numbers []string
		for i, name := range []string{"T1", "T2", "T3"} {
			s := submission("school-admission", fmt.Sprintf("2026-04-0%dT10:00", i+1))
			s.Child.Name, s.Grade, s.Territory, s.Documents = name, 1, true, admissionDocs
			a, err := desk.Submit(ctx, s)
			if err != nil {
				t.Fatal(err)
			}
			numbers = append(numbers, a.Number)
		}
		if _, err := desk.SetStatus(ctx, numbers[1], intake.Change{To: intake.Withdrawn, Staff: "clerk", Reason: "moved to another town"}); err != nil {
			t.Fatal(err)
		}
		rows, _, err := desk.FirstGradeOrder(ctx, 2026)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, r := range rows {
			got = append(got, r.Child)
		}
		if want := []string{"T1", "T3"}; !slices.Equal(got, want) {
			t.Errorf("order %v, want %v", got, want)
		}
	})
	t.Run("UnknownStatusIsInvalid", func(t *testing.T) {
		desk := newDesk(t)
		s := submission("school-admission", "2026-04-01T10:00")
		s.Grade, s.Documents = 1, admissionDocs
		a, err := desk.Submit(ctx, s)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := desk.SetStatus(ctx, a.Number, intake.Change{To: "done", Staff: "clerk"}); !errors.Is(err, intake.ErrInvalid) || !strings.Contains(err.Error(), "in_progress, issued, refused, withdrawn") {
			t.Errorf("status %q: %v", "done", err)
		}
	})
}
