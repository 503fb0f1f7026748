package intake_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"tarazy/intake"
)

func complaint(body, when string) intake.ComplaintInput {
	return intake.ComplaintInput{Body: body, Complainant: intake.Person{Name: "Ерлан Қасымов"}, Subject: "the receipt was not given", At: at(when), Staff: "secretary"}
}

func TestComplaintTerms(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		body, when, reg, due string
	}{
		{"provider", "2026-03-19T16:00", "2026-03-19", "2026-03-31"},          // Nauryz in between
		{"provider", "2026-03-20T18:45", "2026-03-26", "2026-04-02"},          // after hours
		{"quality_authority", "2026-04-28T10:00", "2026-04-28", "2026-05-22"}, // May holidays
		{"local_executive", "2026-12-15T10:00", "2026-12-15", "2026-12-23"},   // Independence Day
	}
	for _, tc := range cases {
		t.Run(tc.body+"/"+tc.when, func(t *testing.T) {
			c, err := newDesk(t).FileComplaint(ctx, complaint(tc.body, tc.when))
			if err != nil {
				t.Fatal(err)
			}
			if c.Registered.String() != tc.reg || c.Due.String() != tc.due || c.Number != "CPL-2026-00001" {
				t.Errorf("%s registered %s due %s, want %s and %s", c.Number, c.Registered, c.Due, tc.reg, tc.due)
			}
		})
	}
}

func TestComplaintExtension(t *testing.T) {
	ctx := context.Background()
	t.Run("ProviderCannotExtend", func(t *testing.T) {
		desk := newDesk(t)
		c, _ := desk.FileComplaint(ctx, complaint("provider", "2026-04-14T10:00"))
		_, err := desk.ExtendComplaint(ctx, c.Number, 5, "inspection", d("2026-04-15"), "director")
		if !errors.Is(err, intake.ErrTransition) || !strings.Contains(err.Error(), "art. 25 p. 4") {
			t.Fatalf("extension at the provider = %v", err)
		}
	})
	t.Run("QualityAuthorityOnceAtMostTen", func(t *testing.T) {
		desk := newDesk(t)
		c, err := desk.FileComplaint(ctx, complaint("quality_authority", "2026-04-01T10:00"))
		if err != nil {
			t.Fatal(err)
		}
		if c.Due.String() != "2026-04-22" {
			t.Fatalf("due %s", c.Due)
		}
		if _, err := desk.ExtendComplaint(ctx, c.Number, 11, "inspection", d("2026-04-20"), "inspector"); !errors.Is(err, intake.ErrInvalid) {
			t.Errorf("11 days: %v", err)
		}
		if _, err := desk.ExtendComplaint(ctx, c.Number, 10, "", d("2026-04-20"), "inspector"); !errors.Is(err, intake.ErrInvalid) {
			t.Errorf("no reason: %v", err)
		}
		if _, err := desk.ExtendComplaint(ctx, c.Number, 10, "on-site inspection", d("2026-04-23"), "inspector"); !errors.Is(err, intake.ErrTransition) {
			t.Errorf("after the term ran out: %v", err)
		}
		x, err := desk.ExtendComplaint(ctx, c.Number, 10, "on-site inspection", d("2026-04-20"), "inspector")
		if err != nil {
			t.Fatal(err)
		}
		// 22 April + 10 working days, over 1 and 7 May.
		got := []string{x.Due.String(), x.Extension.NoticeDue.String(), x.Extension.OldDue.String()}
		if diff := cmp.Diff([]string{"2026-05-08", "2026-04-23", "2026-04-22"}, got); diff != "" {
			t.Errorf("due, notice due, old due (-want +got):\n%s", diff)
		}
		if _, err := desk.ExtendComplaint(ctx, c.Number, 1, "again", d("2026-04-21"), "inspector"); !errors.Is(err, intake.ErrTransition) {
			t.Errorf("second extension: %v", err)
		}
		audit, _ := desk.Repo.Audit(ctx, c.Number)
		if len(audit) != 2 || audit[1].Action != "extend" || audit[1].From != "2026-04-22" || audit[1].To != "2026-05-08" {
			t.Errorf("audit %+v", audit)
		}
	})
}

func TestOverdueList(t *testing.T) {
	ctx := context.Background()
	desk := newDesk(t)
	s := submission("school-admission", "2026-04-14T10:00")
	s.Grade, s.Documents = 3, admissionDocs
	late, _ := desk.Submit(ctx, s) // due 15 April
	s.At = at("2026-04-20T10:00")
	done, _ := desk.Submit(ctx, s) // due 21 April, but issued
	if _, err := desk.SetStatus(ctx, done.Number, intake.Change{To: intake.Issued, Staff: "clerk", Result: "order № 17"}); err != nil {
		t.Fatal(err)
	}
	s.Documents = nil
	if _, err := desk.Submit(ctx, s); err != nil { // rejected: never overdue
		t.Fatal(err)
	}
	c1, _ := desk.FileComplaint(ctx, complaint("provider", "2026-04-14T10:00"))          // due 21 April
	c2, _ := desk.FileComplaint(ctx, complaint("quality_authority", "2026-04-01T10:00")) // due 22 April
	if _, err := desk.ExtendComplaint(ctx, c2.Number, 10, "inspection", d("2026-04-16"), "inspector"); err != nil {
		t.Fatal(err) // notice due 21 April, never sent
	}
	c3, _ := desk.FileComplaint(ctx, complaint("provider", "2026-04-13T10:00"))
	if _, err := desk.AnswerComplaint(ctx, c3.Number, d("2026-04-17"), "receipt issued", "director"); err != nil {
		t.Fatal(err)
	}
	items, err := desk.Overdue(ctx, d("2026-04-24"))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, it := range items {
		got = append(got, fmt.Sprintf("%s %s due %s late %d", it.Kind, it.Number, it.Due, it.Late))
	}
	want := []string{
		"application " + late.Number + " due 2026-04-15 late 7",
		"complaint " + c1.Number + " due 2026-04-21 late 3",
		"extension_notice " + c2.Number + " due 2026-04-21 late 3",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("overdue on 24 April (-want +got):\n%s", diff)
	}
}
