package intake_test

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"tarazy/intake"
)

func mustCalendar(t *testing.T, overrides ...intake.DataFile) *intake.Calendar {
	t.Helper()
	c, err := intake.LoadCalendar(overrides...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func d(s string) intake.Date {
	v, err := intake.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return v
}

var office = intake.Hours{Open: 9 * 60, Close: 18*60 + 30, LunchFrom: 13 * 60, LunchTo: 14*60 + 30}

var almaty = time.FixedZone("Asia/Almaty", 5*3600)

func at(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02T15:04", s, almaty)
	if err != nil {
		panic(err)
	}
	return t
}

// The weekdays that are days off in each year, as published (egov.kz calendar, the
// Ministry of Labour's orders, and the press; see shared/research/kz-domain.md §5).
// The calendar derives them from the rules, so this is an independent oracle.
var publishedWeekdaysOff = map[int][]string{
	2024: {"2024-01-01", "2024-01-02", "2024-03-08", "2024-03-21", "2024-03-22", "2024-03-25",
		"2024-05-01", "2024-05-07", "2024-05-08", "2024-05-09", "2024-07-08", "2024-08-30",
		"2024-10-25", "2024-12-16"},
	2025: {"2025-01-01", "2025-01-02", "2025-01-03", "2025-01-07", "2025-03-10", "2025-03-21",
		"2025-03-24", "2025-03-25", "2025-05-01", "2025-05-07", "2025-05-09", "2025-06-06",
		"2025-07-07", "2025-09-01", "2025-10-27", "2025-12-16"},
	2026: {"2026-01-01", "2026-01-02", "2026-01-07", "2026-03-09", "2026-03-23", "2026-03-24",
		"2026-03-25", "2026-05-01", "2026-05-07", "2026-05-11", "2026-05-27", "2026-07-06",
		"2026-10-26", "2026-12-16"},
}

func TestCalendarMatchesPublishedDaysOff(t *testing.T) {
	c := mustCalendar(t)
	for year, want := range publishedWeekdaysOff {
		t.Run(time.Date(year, 1, 1, 0, 0, 0, 0, time.UTC).Format("2006"), func(t *testing.T) {
			var got []string
			for day := intake.MakeDate(year, 1, 1); day.Year == year; day = day.AddDays(1) {
				wd := day.Weekday()
				if wd == time.Saturday || wd == time.Sunday {
					continue
				}
				ok, err := c.IsWorkingDay(day)
				if err != nil {
					t.Fatal(err)
				}
				if !ok {
					got = append(got, day.String())
				}
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("weekdays off in %d (-want +got):\n%s", year, diff)
			}
		})
	}
}

func TestCalendarDays(t *testing.T) {
	c := mustCalendar(t)
	cases := []struct {
		name    string
		day     string
		working bool
		kind    intake.DayKind
	}{
		{"OrthodoxChristmasOnSundayIsNotMoved", "2024-01-08", true, ""},
		{"KurbanAitOnSundayIsNotMoved", "2024-06-17", true, ""},
		{"TransferMakesSaturdayWorking", "2024-05-04", true, ""},
		{"TransferMakesSundayWorking", "2025-01-05", true, ""},
		{"TransferGivesWeekdayOff", "2025-01-03", false, intake.Transfer},
		{"NauryzTwoWeekendDaysGiveTwoDays", "2025-03-25", false, intake.Carried},
		{"ThirtiethAugust2025OnSaturdayMovesToMonday", "2025-09-01", false, intake.Carried},
		{"ThirtiethAugustNoLongerAHolidayIn2026", "2026-08-31", true, ""},
		{"ConstitutionDay2026NotYetFifteenthMarch", "2026-03-16", true, ""},
		{"PlainSaturday", "2026-03-28", false, intake.Weekend},
		{"Holiday", "2026-12-16", false, intake.Holiday},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			off, isOff, err := c.Day(d(tc.day))
			if err != nil {
				t.Fatal(err)
			}
			if isOff == tc.working {
				t.Fatalf("%s: working = %v, want %v (%+v)", tc.day, !isOff, tc.working, off)
			}
			if off.Kind != tc.kind {
				t.Errorf("%s: kind %q, want %q", tc.day, off.Kind, tc.kind)
			}
		})
	}
}

func TestDeadline(t *testing.T) {
	c := mustCalendar(t)
	cases := []struct {
		name     string
		from     string
		n        int
		reg, due string
		regAt    string // the moment of registration, when it differs from from
		moved    bool
	}{
		// The example: Friday before closing counts that day; Nauryz 2026 falls
		// on Sat–Mon and gives 24 and 25 March off.
		{"IssueExampleAcrossNauryz", "2026-03-20T17:45", 5, "2026-03-20", "2026-04-01", "", false},
		{"AtClosingCountsNextWorkingDay", "2026-03-20T18:30", 5, "2026-03-26", "2026-04-02", "2026-03-26T09:00", true},
		{"OneMinuteBeforeClosing", "2026-03-20T18:29", 0, "2026-03-20", "2026-03-20", "", false},
		{"AfterHoursBeforeWeekend", "2026-03-27T19:00", 1, "2026-03-30", "2026-03-31", "2026-03-30T09:00", true},
		{"BeforeOpeningCountsSameDay", "2026-03-30T07:10", 1, "2026-03-30", "2026-03-31", "2026-03-30T09:00", false},
		{"DuringLunchCountsSameDay", "2026-03-30T13:40", 1, "2026-03-30", "2026-03-31", "2026-03-30T14:30", false},
		{"OnSundayCountsMonday", "2026-03-29T11:00", 1, "2026-03-30", "2026-03-31", "2026-03-30T09:00", true},
		{"OnHolidayCountsNextWorkingDay", "2026-05-07T10:00", 1, "2026-05-08", "2026-05-12", "2026-05-08T09:00", true},
		{"TransferSaturdayIsAWorkingDay", "2024-05-04T10:00", 1, "2024-05-04", "2024-05-06", "", false},
		{"TransferWeekdayOffIsSkipped", "2024-05-06T10:00", 2, "2024-05-06", "2024-05-13", "", false},
		{"TransferSundayWorkedIn2025", "2024-12-31T18:45", 2, "2025-01-05", "2025-01-08", "2025-01-05T09:00", true},
		{"KurbanAit2026", "2026-05-26T12:00", 1, "2026-05-26", "2026-05-28", "", false},
		{"DuplicatesFifteenDaysOverMayHolidays", "2026-04-28T10:00", 15, "2026-04-28", "2026-05-22", "", false},
		{"ComplaintFiveDaysAcrossNewYear", "2025-12-30T10:00", 5, "2025-12-30", "2026-01-09", "", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			reg, due, err := c.Deadline(at(tc.from), office, tc.n)
			if err != nil {
				t.Fatal(err)
			}
			if reg.Date.String() != tc.reg || due.String() != tc.due {
				t.Errorf("from %s + %d: registered %s due %s, want %s and %s", tc.from, tc.n, reg.Date, due, tc.reg, tc.due)
			}
			wantAt := tc.regAt
			if wantAt == "" {
				wantAt = tc.from
			}
			if got := reg.At.Format("2006-01-02T15:04"); got != wantAt {
				t.Errorf("registered at %s, want %s", got, wantAt)
			}
			if (reg.Moved != "") != tc.moved {
				t.Errorf("moved = %q, want moved %v", reg.Moved, tc.moved)
			}
		})
	}
}

// 2027 before its Kurban Ait date and transfer order are published: the fixed holidays
// and the carry-over are the law's and are computed (Labour Code art. 84, Law "On
// holidays"), so this list is worked out by hand from the rule, not read from the data:
// 1 Jan Fri; 2 Jan Sat → Mon 4 Jan; 7 Jan Thu; 8 Mar Mon; 15 Mar Mon (Constitution Day
// from 2027); Nauryz Sun 21 – Tue 23 Mar, the Sunday → Wed 24 Mar; 1 May Sat → Mon 3
// May; 7 May Fri; 9 May Sun → Mon 10 May; 6 Jul Tue; 25 Oct Mon; 16 Dec Thu.
func TestYear2027IsComputedFromTheLawAndProvisional_LabourCodeArt84(t *testing.T) {
	c := mustCalendar(t)
	want := []string{"2027-01-01", "2027-01-04", "2027-01-07", "2027-03-08", "2027-03-15", "2027-03-22",
		"2027-03-23", "2027-03-24", "2027-05-03", "2027-05-07", "2027-05-10", "2027-07-06", "2027-10-25", "2027-12-16"}
	var got []string
	for day := intake.MakeDate(2027, 1, 1); day.Year == 2027; day = day.AddDays(1) {
		if wd := day.Weekday(); wd == time.Saturday || wd == time.Sunday {
			continue
		}
		ok, err := c.IsWorkingDay(day)
		if err != nil {
			t.Fatal(err)
		}
		if !ok {
			got = append(got, day.String())
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("weekdays off in 2027 (-want +got):\n%s", diff)
	}
	p, ok := c.ProvisionalYear(2027)
	if !ok || !slices.Equal(p.Movable, []string{"kurban-ait"}) {
		t.Errorf("2027 provisional = %+v, %v; want provisional for want of the Kurban Ait date", p, ok)
	}
	if _, ok := c.ProvisionalYear(2026); ok {
		t.Error("2026 is confirmed")
	}
	if !slices.Equal(c.Confirmed(), []int{2024, 2025, 2026}) {
		t.Errorf("confirmed years %v", c.Confirmed())
	}
}

// A term running into 2027 is counted, and says which years it rests on provisionally.
func TestDeadlineIntoAProvisionalYearIsCountedAndMarked(t *testing.T) {
	c := mustCalendar(t)
	reg, due, err := c.Deadline(at("2026-12-28T10:00"), office, 5)
	if err != nil {
		t.Fatal(err)
	}
	// 29, 30, 31 December, then 1 January 2027 (Fri, a holiday), Mon 4 January (the
	// Saturday 2 January's day off), 5 and 6 January.
	if reg.Date != d("2026-12-28") || due != d("2027-01-06") {
		t.Errorf("registered %s due %s, want 2026-12-28 and 2027-01-06", reg.Date, due)
	}
	if got := c.ProvisionalYears(reg.Date, due); !slices.Equal(got, []int{2027}) {
		t.Errorf("provisional years %v, want [2027]", got)
	}
	if got := c.ProvisionalYears(d("2026-03-01"), d("2026-04-01")); len(got) != 0 {
		t.Errorf("a term inside 2026 is provisional in %v", got)
	}
	for _, day := range []string{"2023-12-29", "2101-01-03"} {
		if _, err := c.IsWorkingDay(d(day)); !errors.Is(err, intake.ErrNotCovered) {
			t.Errorf("%s: %v, want ErrNotCovered (outside the years the rules describe)", day, err)
		}
	}
}

// Confirming 2027 once its dates are published is one line in an override file (with
// the Kurban Ait date the Spiritual Administration announces); a confirmed year
// without that date is refused at start rather than counted silently without it.
func TestConfirmingAYearIsOneDataLine_LabourCodeArt84(t *testing.T) {
	c := mustCalendar(t, intake.DataFile{Name: "2027.yaml", Data: []byte(`
confirmed: [2027]
dated:
  - {id: kurban-ait, date: 2027-05-17, carry: false, name_kk: "Құрбан айт", name_ru: "Курбан айт"}
`)})
	if p, ok := c.ProvisionalYear(2027); ok {
		t.Errorf("2027 still provisional: %+v", p)
	}
	if ok, _ := c.IsWorkingDay(d("2027-05-17")); ok {
		t.Error("the Kurban Ait date of the override is not a day off")
	}
	_, err := intake.LoadCalendar(intake.DataFile{Name: "bad.yaml", Data: []byte("confirmed: [2027]\n")})
	if err == nil || !strings.Contains(err.Error(), "kurban-ait in 2027") {
		t.Errorf("a confirmed year without Kurban Ait: %v", err)
	}
	// An announced Kurban Ait alone does not confirm the year: the transfer order may
	// still come.
	c = mustCalendar(t, intake.DataFile{Name: "ait.yaml", Data: []byte(`
dated:
  - {id: kurban-ait, date: 2027-05-17, carry: false, name_kk: "Құрбан айт", name_ru: "Курбан айт"}
`)})
	if p, ok := c.ProvisionalYear(2027); !ok || len(p.Movable) != 0 {
		t.Errorf("2027 with its Kurban Ait but no confirmation = %+v, %v; want provisional, nothing movable missing", p, ok)
	}
}

func TestAddWorkingMinutes(t *testing.T) {
	c := mustCalendar(t)
	cases := []struct{ from, want string }{
		{"2026-03-30T10:00", "2026-03-30T10:30"},
		{"2026-03-30T12:45", "2026-03-30T14:45"}, // 15 before lunch, 15 after
		{"2026-03-30T18:20", "2026-03-31T09:20"}, // 10 today, 20 tomorrow
		{"2026-03-20T18:10", "2026-03-26T09:10"}, // Friday evening, then Nauryz
		{"2026-03-29T10:00", "2026-03-30T09:30"}, // Sunday
	}
	for _, tc := range cases {
		got, err := c.AddWorkingMinutes(at(tc.from), office, 30)
		if err != nil {
			t.Fatal(err)
		}
		if got.Format("2006-01-02T15:04") != tc.want {
			t.Errorf("%s + 30 working minutes = %s, want %s", tc.from, got.Format("2006-01-02T15:04"), tc.want)
		}
	}
}

func TestCalendarOverride(t *testing.T) {
	t.Run("KurbanAitMovedLate", func(t *testing.T) {
		c := mustCalendar(t, intake.DataFile{Name: "school.yaml", Data: []byte(`
dated:
  - {id: kurban-ait, date: 2026-05-26, carry: false, name_kk: "Құрбан айт", name_ru: "Курбан айт"}
`)})
		if ok, _ := c.IsWorkingDay(d("2026-05-26")); ok {
			t.Error("26 May 2026 is still a working day after the override")
		}
		if ok, _ := c.IsWorkingDay(d("2026-05-27")); !ok {
			t.Error("27 May 2026 is still a day off after Kurban Ait moved")
		}
	})
	t.Run("NewYearWithItsData", func(t *testing.T) {
		c := mustCalendar(t, intake.DataFile{Name: "2027.yaml", Data: []byte(`
covers: [2027, 2027]
dated:
  - {id: kurban-ait, date: 2027-05-16, carry: false, name_kk: "Құрбан айт", name_ru: "Курбан айт"}
`)})
		// 15 March 2027 is a Monday and Constitution Day from 2027; Nauryz falls on
		// Sun 21 – Tue 23 March, so the Sunday gives Wednesday 24 March.
		for _, day := range []string{"2027-03-15", "2027-03-22", "2027-03-23", "2027-03-24"} {
			if ok, err := c.IsWorkingDay(d(day)); err != nil || ok {
				t.Errorf("%s working = %v, %v; want a day off", day, ok, err)
			}
		}
		if ok, _ := c.IsWorkingDay(d("2027-08-30")); !ok {
			t.Error("30 August 2027 is a day off; it stopped being a holiday in 2026")
		}
	})
	t.Run("ExtraTransferBothDirections", func(t *testing.T) {
		c := mustCalendar(t, intake.DataFile{Name: "order.yaml", Data: []byte(`
transfers:
  - {working: 2026-01-03, off: 2026-01-05, act: "order 1"}
`)})
		if ok, _ := c.IsWorkingDay(d("2026-01-03")); !ok {
			t.Error("Saturday 3 January 2026 should be worked")
		}
		if ok, _ := c.IsWorkingDay(d("2026-01-05")); ok {
			t.Error("Monday 5 January 2026 should be off")
		}
	})
	t.Run("CancelTransfer", func(t *testing.T) {
		c := mustCalendar(t, intake.DataFile{Name: "undo.yaml", Data: []byte(`
transfers:
  - {working: 2025-01-05, off: 2025-01-03, cancel: true}
`)})
		if ok, _ := c.IsWorkingDay(d("2025-01-03")); !ok {
			t.Error("3 January 2025 should be a working day once the transfer is cancelled")
		}
	})
}

func TestMalformedCalendarIsRejectedWithLine(t *testing.T) {
	cases := []struct {
		name, file, want string
	}{
		{"BadDate", "dated:\n  - {id: kurban-ait, date: 2026-02-30, name_kk: x}\n", "bad.yaml:2: \"2026-02-30\" is not a date"},
		{"UnknownKey", "covers: [2024, 2026]\nholidyas:\n  - {date: \"01-01\"}\n", "bad.yaml:2: unknown key \"holidyas\""},
		{"TransferOnWeekday", "transfers:\n  - {working: 2026-01-06, off: 2026-01-05, act: x}\n", "bad.yaml:2: transfer: 2026-01-06 is a Tuesday"},
		{"TransferWithoutAct", "transfers:\n  - {working: 2026-01-03, off: 2026-01-05}\n", "bad.yaml:2: transfer 2026-01-03 → 2026-01-05 needs the act"},
		{"BadMonthDay", "holidays:\n  - {date: \"13-01\", name_kk: x}\n", "bad.yaml:2: \"13-01\" is not a real month and day"},
		{"NotYAML", "covers: [2024\n", "bad.yaml:"},
		{"Empty", "", "bad.yaml: the file is empty"},
		{"OldCoversFormWithoutKurbanAit", "covers: [2027, 2027]\n", "no date for [kurban-ait in 2027]"},
		{"ConfirmedNotAYear", "confirmed: [20277]\n", "bad.yaml:1: confirmed: 20277 is not a year"},
		{"EmptyCovers_FoundByFuzzing", "covers: []\n", "bad.yaml:1: covers must be [first year, last year]"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := intake.LoadCalendar(intake.DataFile{Name: "bad.yaml", Data: []byte(tc.file)})
			if err == nil {
				t.Fatal("accepted")
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not contain %q", err, tc.want)
			}
		})
	}
}
