package intake_test

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"testing"

	"tarazy/intake"
)

func mustCatalogue(t *testing.T) *intake.Catalogue {
	t.Helper()
	c, err := intake.LoadCatalogue(nil)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestCatalogueHasTheSchoolsListPlusTransferAndContest(t *testing.T) {
	c := mustCatalogue(t)
	var ids []string
	listed := map[int]string{}
	for _, s := range c.Services {
		ids = append(ids, s.ID)
		if s.ListNo > 0 {
			listed[s.ListNo] = s.ID
		}
	}
	want := []string{"preschool-admission", "best-teacher", "school-admission", "duplicates", "home-schooling",
		"meals", "summer-camps", "teacher-attestation", "transfer", "contest-registration"}
	if !slices.Equal(ids, want) {
		t.Fatalf("services %v, want %v", ids, want)
	}
	for n := 1; n <= 8; n++ {
		if listed[n] == "" {
			t.Errorf("no service is number %d of the school's list", n)
		}
	}
	// The seed gives standards for these four only; the rest must not invent terms.
	withStandard := []string{"school-admission", "duplicates", "transfer", "contest-registration"}
	for _, s := range c.Services {
		has := slices.Contains(withStandard, s.ID)
		if has != (s.Standard != "") {
			t.Errorf("%s: standard %q", s.ID, s.Standard)
		}
		if !has && (len(s.Documents) > 0 || s.Term.Set() || len(s.RefusalGrounds) > 0 || s.Result.KK != "") {
			t.Errorf("%s has no standard in the seed but carries rules: %+v", s.ID, s)
		}
		if has && len(s.Documents) == 0 {
			t.Errorf("%s has a standard but no documents", s.ID)
		}
	}
}

// presentAll lists every document a channel requires with no conditions, taking the
// first of each one_of group.
func presentAll(s *intake.Service, channel string, conds ...string) []intake.Presented {
	var out []intake.Presented
	groups := map[string]bool{}
	for _, d := range s.Documents {
		if len(d.Channels) > 0 && !slices.Contains(d.Channels, channel) {
			continue
		}
		if len(d.When) > 0 && !slices.ContainsFunc(d.When, func(c string) bool { return slices.Contains(conds, c) }) {
			continue
		}
		if d.OneOf != "" {
			if groups[d.OneOf] {
				continue
			}
			groups[d.OneOf] = true
		}
		out = append(out, intake.Presented{ID: d.ID})
	}
	return out
}

// Every service can be applied for: a complete set is registered with the term of the
// catalogue, an empty set is refused naming every missing document (or, where the
// catalogue has no checklist yet, registered with a warning that says so).
func TestEveryServiceInTheCatalogue(t *testing.T) {
	c := mustCatalogue(t)
	type want struct {
		due    string
		dueAt  string
		noTerm bool
	}
	// Tuesday 14 April 2026, 11:00: inside the first-grade and outside the contest
	// window, so the contest is tried in March.
	cases := map[string]want{
		"preschool-admission":  {noTerm: true},
		"best-teacher":         {noTerm: true},
		"school-admission":     {due: "2026-09-01"}, // first grade: admitted from 1 September (§9-4, §9-6)
		"duplicates":           {due: "2026-05-06"},
		"home-schooling":       {noTerm: true},
		"meals":                {noTerm: true},
		"summer-camps":         {noTerm: true},
		"teacher-attestation":  {noTerm: true},
		"transfer":             {due: "2026-04-14", dueAt: "11:30"},
		"contest-registration": {noTerm: true},
	}
	for _, s := range c.Services {
		w, ok := cases[s.ID]
		if !ok {
			t.Errorf("service %s has no test case", s.ID)
			continue
		}
		for _, ch := range s.Channels {
			t.Run(s.ID+"/"+ch, func(t *testing.T) {
				desk := newDesk(t)
				sub := submission(s.ID, "2026-04-14T11:00")
				sub.Channel = ch
				sub.Grade = 1
				if s.Contest {
					sub = contestSubmission("2026-03-16T11:00", validIIN(t, 1))
					sub.Channel = ch
				}
				sub.Documents = presentAll(s, ch)
				a, err := desk.Submit(context.Background(), sub)
				if err != nil {
					t.Fatal(err)
				}
				if a.Status != intake.Registered {
					t.Fatalf("complete set: status %s, refusal %+v", a.Status, a.Refusal)
				}
				switch {
				case w.noTerm:
					if !a.Due.IsZero() || !slices.ContainsFunc(a.Warnings, func(m intake.Message) bool { return m.Code == "no_term" }) {
						t.Errorf("service without a term: due %s, warnings %q", a.Due, a.Warnings)
					}
				case a.Due.String() != w.due:
					t.Errorf("due %s, want %s", a.Due, w.due)
				}
				if w.dueAt != "" && a.DueAt.Format("15:04") != w.dueAt {
					t.Errorf("due at %s, want %s", a.DueAt.Format("15:04"), w.dueAt)
				}

				sub.Documents = nil
				a, err = desk.Submit(context.Background(), sub)
				if s.Contest {
					// §19: an incomplete contest set MAY be refused; a person decides.
					if !errors.Is(err, intake.ErrDecisionNeeded) {
						t.Fatalf("incomplete contest set without a decision: %v, want ErrDecisionNeeded", err)
					}
					sub.Decision = &intake.Decision{Reason: "құжаттар жоқ"}
					a, err = desk.Submit(context.Background(), sub)
				}
				if err != nil {
					t.Fatal(err)
				}
				if !s.HasChecklist() {
					if a.Status != intake.Registered || !slices.ContainsFunc(a.Warnings, func(m intake.Message) bool { return m.Code == "no_checklist" }) {
						t.Errorf("empty checklist: status %s, warnings %q", a.Status, a.Warnings)
					}
					return
				}
				if a.Status != intake.Rejected || a.Refusal == nil || !slices.Contains(a.Refusal.Grounds, intake.GroundIncomplete) {
					t.Fatalf("nothing presented: status %s, refusal %+v", a.Status, a.Refusal)
				}
				var want []string
				for _, p := range presentAll(s, ch) {
					want = append(want, p.ID)
				}
				for _, m := range a.Refusal.Missing {
					if g, ok := strings.CutPrefix(m, "one_of:"); ok {
						t.Errorf("group %s missing without its condition", g)
					}
				}
				if !slices.Equal(a.Refusal.Missing, want) {
					t.Errorf("missing %v, want %v", a.Refusal.Missing, want)
				}
			})
		}
	}
}

func TestMalformedCatalogueIsRejectedWithLine(t *testing.T) {
	base := string(intake.BuiltinCatalogue())
	lineOf := func(s string) int { return strings.Count(base[:strings.Index(base, s)], "\n") + 1 }
	cases := []struct {
		name, old, new string
		line           int
		want           string
	}{
		{"RepeatedCode", "code: TRF", "code: ADM", lineOf("code: TRF"), "code \"ADM\" must be 2–5 capital latin letters, different for every service"},
		{"UnknownKey", "    standard: \"Model Admission Rules §16–§19\"", "    standart: \"x\"", lineOf("    standard: \"Model Admission Rules §16–§19\""), "unknown key \"standart\""},
		{"UndeclaredCondition", "when: [olympiad]", "when: [olympiads]", lineOf("{id: olympiad_diploma"), "depends on condition \"olympiads\""},
		{"BadClock", "lunch_to: \"14:30\",\n", "lunch_to: \"25:30\",\n", lineOf("lunch_to: \"14:30\",\n"), "\"25:30\" is not a time of day"},
		{"LunchOutsideHours", "lunch_from: \"13:00\", lunch_to: \"14:30\",\n", "lunch_from: \"19:00\", lunch_to: \"19:30\",\n", lineOf("office_hours: {open"), "lunch 19:00–19:30 is not inside office hours"},
		{"UnknownChannel", "channels: [office, school_website]", "channels: [office, website]", lineOf("channels: [office, school_website]"), "unknown channel \"website\""},
		{"BadWindow", "window: {from: \"04-01\"", "window: {from: \"02-30\"", lineOf("window: {from: \"04-01\""), "\"02-30\" is not a real month and day"},
		{"ContestWindowInTheCatalogue_Para16", "    contest: true\n", "    contest: true\n    window: {from: \"03-01\", to: \"04-01\", rule: \"§16\"}\n", lineOf("    contest: true\n") + 1, "comes from the season data"},
		{"WindowWithoutRule", "emergency_to: \"08-20\", rule: \"§9-2\",", "emergency_to: \"08-20\",", lineOf("emergency_to: \"08-20\", rule"), "window needs rule"},
		{"TermInBothUnits", "      minutes: 30\n", "      minutes: 30\n      working_days: 1\n", lineOf("      minutes: 30\n"), "either in working_days or in minutes"},
		{"NotYAML", "services:\n", "services: [\n", 0, "school.yaml:"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if !strings.Contains(base, tc.old) {
				t.Fatalf("the built-in catalogue no longer has %q", tc.old)
			}
			data := strings.Replace(base, tc.old, tc.new, 1)
			_, err := intake.LoadCatalogue(&intake.DataFile{Name: "school.yaml", Data: []byte(data)})
			if err == nil {
				t.Fatal("accepted")
			}
			if !errors.Is(err, intake.ErrInvalidFile) {
				t.Errorf("error %v is not ErrInvalidFile", err)
			}
			if tc.line > 0 {
				prefix := "school.yaml:" + strconv.Itoa(tc.line) + ": "
				if !strings.Contains(err.Error(), prefix) {
					t.Errorf("error %q does not point at line %d", err, tc.line)
				}
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not say %q", err, tc.want)
			}
		})
	}
	t.Run("Empty", func(t *testing.T) {
		_, err := intake.LoadCatalogue(&intake.DataFile{Name: "school.yaml", Data: nil})
		if err == nil || !strings.Contains(err.Error(), "school.yaml: the file is empty") {
			t.Fatalf("empty file: %v", err)
		}
	})
}
