package intake

import (
	"fmt"
	"time"

	"go.yaml.in/yaml/v3"
)

// Date is a calendar day with no time of day and no zone. It is written "2026-03-20"
// in JSON, YAML and text, so stores can keep it as a DATE or TEXT column.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// DateOf is the day on the wall clock of t's own location.
func DateOf(t time.Time) Date {
	y, m, d := t.Date()
	return Date{y, m, d}
}

// MakeDate builds a Date; invalid days normalise as time.Date does.
func MakeDate(y int, m time.Month, d int) Date {
	return DateOf(time.Date(y, m, d, 0, 0, 0, 0, time.UTC))
}

// ParseDate reads an ISO date such as 2026-03-20.
func ParseDate(s string) (Date, error) {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		return Date{}, fmt.Errorf("%q is not a date of the form 2026-03-20", s)
	}
	return DateOf(t), nil
}

func (d Date) time() time.Time { return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC) }

// In is midnight of d in loc.
func (d Date) In(loc *time.Location) time.Time {
	return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, loc)
}

// At is d at clock c in loc.
func (d Date) At(c Clock, loc *time.Location) time.Time {
	return time.Date(d.Year, d.Month, d.Day, c.Minutes()/60, c.Minutes()%60, 0, 0, loc)
}

// IsZero reports whether d is the zero Date.
func (d Date) IsZero() bool { return d == Date{} }

// AddDays moves d by n calendar days.
func (d Date) AddDays(n int) Date { return DateOf(d.time().AddDate(0, 0, n)) }

// Weekday of d.
func (d Date) Weekday() time.Weekday { return d.time().Weekday() }

// Before reports whether d is earlier than e.
func (d Date) Before(e Date) bool { return d.time().Before(e.time()) }

// After reports whether d is later than e.
func (d Date) After(e Date) bool { return d.time().After(e.time()) }

// String is the ISO form, 2026-03-20.
func (d Date) String() string {
	if d.IsZero() {
		return ""
	}
	return fmt.Sprintf("%04d-%02d-%02d", d.Year, int(d.Month), d.Day)
}

// MarshalText writes the ISO form; the zero Date is empty.
func (d Date) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText reads the ISO form; empty text is the zero Date.
func (d *Date) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*d = Date{}
		return nil
	}
	v, err := ParseDate(string(b))
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// Clock is a time of day in minutes after midnight, written "13:00".
type Clock int

// ParseClock reads "9:00" or "18:30".
func ParseClock(s string) (Clock, error) {
	var h, m int
	if n, err := fmt.Sscanf(s, "%d:%d", &h, &m); err != nil || n != 2 || h < 0 || h > 24 || m < 0 || m > 59 || (h == 24 && m != 0) {
		return 0, fmt.Errorf("%q is not a time of day such as 09:00", s)
	}
	return Clock(h*60 + m), nil
}

// ClockOf is the wall-clock time of t, to the minute.
func ClockOf(t time.Time) Clock { return Clock(t.Hour()*60 + t.Minute()) }

// Minutes after midnight.
func (c Clock) Minutes() int { return int(c) }

func (c Clock) String() string { return fmt.Sprintf("%02d:%02d", int(c)/60, int(c)%60) }

// MarshalText writes "09:00".
func (c Clock) MarshalText() ([]byte, error) { return []byte(c.String()), nil }

// UnmarshalText reads "9:00" or "09:00".
func (c *Clock) UnmarshalText(b []byte) error {
	v, err := ParseClock(string(b))
	if err != nil {
		return err
	}
	*c = v
	return nil
}

// MonthDay is a day of the year without the year, written "04-01", for windows that
// repeat every year (1 April – 1 August).
type MonthDay struct {
	Month time.Month
	Day   int
}

// ParseMonthDay reads "04-01".
func ParseMonthDay(s string) (MonthDay, error) {
	var m, d int
	if n, err := fmt.Sscanf(s, "%d-%d", &m, &d); err != nil || n != 2 || len(s) != 5 {
		return MonthDay{}, fmt.Errorf("%q is not a month and day such as 04-01", s)
	}
	// 2024 is a leap year, so 02-29 is accepted as a rule date.
	t := time.Date(2024, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	if m < 1 || m > 12 || t.Day() != d {
		return MonthDay{}, fmt.Errorf("%q is not a real month and day", s)
	}
	return MonthDay{time.Month(m), d}, nil
}

// In is this month and day in year y.
func (md MonthDay) In(y int) Date { return Date{y, md.Month, md.Day} }

func (md MonthDay) String() string { return fmt.Sprintf("%02d-%02d", int(md.Month), md.Day) }

// MarshalText writes "04-01".
func (md MonthDay) MarshalText() ([]byte, error) { return []byte(md.String()), nil }

// UnmarshalText reads "04-01".
func (md *MonthDay) UnmarshalText(b []byte) error {
	v, err := ParseMonthDay(string(b))
	if err != nil {
		return err
	}
	*md = v
	return nil
}

// yamlText decodes a scalar through UnmarshalText but reports a failure as a
// yaml.TypeError carrying the line, so a bad date in a data file is shown where it is.
func yamlText(n *yaml.Node, u interface{ UnmarshalText([]byte) error }) error {
	if n.Kind != yaml.ScalarNode {
		return &yaml.TypeError{Errors: []string{fmt.Sprintf("line %d: expected a single value, found a list or a map", n.Line)}}
	}
	if err := u.UnmarshalText([]byte(n.Value)); err != nil {
		return &yaml.TypeError{Errors: []string{fmt.Sprintf("line %d: %v", n.Line, err)}}
	}
	return nil
}

// UnmarshalYAML reads "2026-03-20" and names the line when it is not a date.
func (d *Date) UnmarshalYAML(n *yaml.Node) error { return yamlText(n, d) }

// UnmarshalYAML reads "13:00" and names the line when it is not a time of day.
func (c *Clock) UnmarshalYAML(n *yaml.Node) error { return yamlText(n, c) }

// UnmarshalYAML reads "04-01" and names the line when it is not a month and day.
func (md *MonthDay) UnmarshalYAML(n *yaml.Node) error { return yamlText(n, md) }
