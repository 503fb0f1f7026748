package contest_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"tarazy/contest"
)

func TestCalendarWindows(t *testing.T) {
	ok := contest.Calendar{RegistrationFrom: "2026-03-01", RegistrationTo: "2026-04-01", BaseSent: "2026-04-03",
		SchedulePublished: "2026-04-05", ContestDate: "2026-04-20", ProtocolDate: "2026-04-21", OrderDate: "2026-05-05"}
	if issues, err := ok.Check(); err != nil || len(issues) != 0 {
		t.Fatalf("dates on the edges of every window: %v, %v", issues, err)
	}
	cases := []struct {
		name  string
		edit  func(*contest.Calendar)
		field string
	}{
		{"LateRegistration", func(c *contest.Calendar) { c.RegistrationTo = "2026-04-02" }, "registration_to"},
		{"EarlyRegistration", func(c *contest.Calendar) { c.RegistrationFrom = "2026-02-28" }, "registration_from"},
		{"BaseLate", func(c *contest.Calendar) { c.BaseSent = "2026-04-04" }, "base_sent"},
		{"ScheduleLate", func(c *contest.Calendar) { c.SchedulePublished = "2026-04-16" }, "schedule_published"},
		{"ContestInMay", func(c *contest.Calendar) { c.ContestDate, c.ProtocolDate = "2026-05-01", "2026-05-02" }, "contest_date"},
		{"ContestTooEarly", func(c *contest.Calendar) { c.ContestDate, c.ProtocolDate = "2026-04-14", "2026-04-15" }, "contest_date"},
		{"ProtocolTwoDaysLate", func(c *contest.Calendar) { c.ProtocolDate = "2026-04-23" }, "protocol_date"},
		{"ProtocolBeforeContest", func(c *contest.Calendar) { c.ProtocolDate = "2026-04-19" }, "protocol_date"},
		{"OrderAfter5May", func(c *contest.Calendar) { c.OrderDate = "2026-05-06" }, "order_date"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := ok
			tc.edit(&c)
			issues, err := c.Check()
			if err != nil || len(issues) != 1 || issues[0].Field != tc.field {
				t.Fatalf("issues %v, err %v; want one on %s", issues, err, tc.field)
			}
			if len(contest.Unexplained(issues)) != 1 {
				t.Fatal("an issue without a reason is not unexplained")
			}
			c.Reasons = map[string]string{tc.field: "the commission's reason"}
			issues, _ = c.Check()
			if len(contest.Unexplained(issues)) != 0 || !strings.Contains(issues[0].String(), "the commission's reason") {
				t.Fatalf("recorded reason not kept: %v", issues)
			}
		})
	}
}

func TestCalendarNeedsTheContestAndProtocolDates(t *testing.T) {
	for _, c := range []contest.Calendar{{}, {ContestDate: "2026-04-20"}, {ContestDate: "20.04.2026", ProtocolDate: "2026-04-21"},
		{ContestDate: "2026-04-20", ProtocolDate: "2026-04-21", Reasons: map[string]string{"exam": "x"}}} {
		if _, err := c.Check(); !errors.Is(err, contest.ErrCalendar) {
			t.Errorf("%+v: %v", c, err)
		}
	}
}

func commission(n int, chair string) contest.Commission {
	c := contest.Commission{Chair: chair}
	for i := 1; i <= n; i++ {
		c.Members = append(c.Members, contest.Member{Name: fmt.Sprintf("Member %d", i), Position: "teacher"})
	}
	return c
}

func TestCommissionRule24(t *testing.T) {
	cases := []struct {
		name string
		c    contest.Commission
		want string
	}{
		{"SevenWithChair", commission(7, "Member 1"), ""},
		{"NineWithChair", commission(9, "Member 9"), ""},
		{"Six", commission(6, "Member 1"), "at least seven"},
		{"Eight", commission(8, "Member 1"), "odd number"},
		{"Five", commission(5, "Member 1"), "at least seven"},
		{"ChairNotAMember", commission(7, "Outsider"), "not one of the members"},
		{"NoChair", commission(7, ""), "no chair"},
		{"SameNameTwice", func() contest.Commission { c := commission(7, "Member 1"); c.Members[6].Name = "Member 2"; return c }(), "listed twice"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.c.Validate()
			if tc.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if !errors.Is(err, contest.ErrCommission) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want %q", err, tc.want)
			}
		})
	}
}
