package intake

import (
	_ "embed"
	"errors"
	"fmt"
	"slices"
	"sort"
	"sync"
	"time"
)

// ErrNotCovered means a date falls in a year the calendar cannot count: before the
// first year its holiday rules describe (the holiday law changed before then, and that
// history is not in the data), or after 2100.
var ErrNotCovered = errors.New("the working-day calendar has no rules for this year")

// lastYear bounds the years the calendar computes: a term counted past it is a typo.
const lastYear = 2100

// DayKind says why a day is not a working day.
type DayKind string

const (
	Weekend  DayKind = "weekend"  // Saturday or Sunday
	Holiday  DayKind = "holiday"  // a public holiday (Law "On holidays"; Labour Code art. 84)
	Carried  DayKind = "carried"  // a day off for a holiday that fell on a weekend
	Transfer DayKind = "transfer" // a day off moved here by a published order
)

// DayOff is a day that is not a working day, and why.
type DayOff struct {
	Date   Date    `json:"date"`
	Kind   DayKind `json:"kind"`
	NameKK string  `json:"name_kk,omitempty"`
	NameRU string  `json:"name_ru,omitempty"`
	Source string  `json:"source,omitempty"`
	// For is the holiday a carried day stands for, or the weekend day that a
	// transfer made a working day.
	For Date `json:"for,omitzero"`
}

// Hours is an office's working day: open to close with a lunch break (admission
// standard, annex 1 of the Model Admission Rules, item 7: 9:00–18:30, lunch
// 13:00–14:30).
type Hours struct {
	Open      Clock  `yaml:"open" json:"open"`
	Close     Clock  `yaml:"close" json:"close"`
	LunchFrom Clock  `yaml:"lunch_from" json:"lunch_from"`
	LunchTo   Clock  `yaml:"lunch_to" json:"lunch_to"`
	Source    string `yaml:"source,omitempty" json:"source,omitempty"`
}

func (h Hours) check() error {
	switch {
	case !(h.Open < h.Close):
		return fmt.Errorf("office opens at %s but closes at %s", h.Open, h.Close)
	case h.LunchFrom == 0 && h.LunchTo == 0:
		return nil
	case !(h.Open <= h.LunchFrom && h.LunchFrom < h.LunchTo && h.LunchTo <= h.Close):
		return fmt.Errorf("lunch %s–%s is not inside office hours %s–%s", h.LunchFrom, h.LunchTo, h.Open, h.Close)
	}
	return nil
}

// Calendar knows which days are working days in Kazakhstan from the first year its
// rules describe on. The fixed holidays and the weekend carry-over come from the law
// and are computed for any year; the movable holiday (Kurban Ait) and the year's
// transfer orders are data. A year whose movable dates and transfers are entered and
// marked confirmed is final; any later year is computed from the law alone and is
// provisional (Provisional says why), and every term that reaches it says so.
//
// It is safe for concurrent use: years are computed when first asked, under a lock.
type Calendar struct {
	first     int
	confirmed map[int]bool
	holidays  []holidayRule
	dated     []datedHoliday // not cancelled
	datedIDs  []string       // every movable holiday the data names, sorted
	transfers []transferRule // not cancelled

	mu       sync.Mutex
	computed map[int]bool
	off      map[Date]DayOff
	working  map[Date]DayOff // weekend days made working days by a transfer
}

//go:embed data/calendar.yaml
var builtinCalendar []byte

// BuiltinCalendar is the calendar file compiled into tarazy, the starting point for a
// school's or the ministry's override file.
func BuiltinCalendar() []byte { return append([]byte(nil), builtinCalendar...) }

// DataFile is a named data file's content, for error messages that name the file.
type DataFile struct {
	Name string
	Data []byte
}

// LoadCalendar builds the calendar from the built-in file and then each override file
// in order (later files win; see the built-in file's comments for how entries
// replace or cancel earlier ones). A malformed file is rejected whole, with the line
// and the reason (FileErrors).
func LoadCalendar(overrides ...DataFile) (*Calendar, error) {
	base, err := parseCalendarFile("built-in calendar.yaml", builtinCalendar)
	if err != nil {
		return nil, err
	}
	for _, o := range overrides {
		f, err := parseCalendarFile(o.Name, o.Data)
		if err != nil {
			return nil, err
		}
		base = base.merge(f)
	}
	return base.build()
}

// First is the first year the calendar counts.
func (c *Calendar) First() int { return c.first }

// Confirmed lists the confirmed years in order.
func (c *Calendar) Confirmed() []int {
	var out []int
	for y := range c.confirmed {
		out = append(out, y)
	}
	sort.Ints(out)
	return out
}

// Provisional says why a year's days off are not final: the year is not marked
// confirmed, so its transfer orders may be missing, and Movable names the movable
// holidays (kurban-ait) whose date the data does not give. Terms in such a year are
// counted on the law's fixed holidays alone.
type Provisional struct {
	Year    int      `json:"year"`
	Movable []string `json:"movable,omitempty"`
}

// ProvisionalYear reports whether year y is provisional, and why.
func (c *Calendar) ProvisionalYear(y int) (Provisional, bool) {
	if c.confirmed[y] {
		return Provisional{}, false
	}
	p := Provisional{Year: y}
	for _, id := range c.datedIDs {
		if !slices.ContainsFunc(c.dated, func(h datedHoliday) bool { return h.ID == id && h.Date.Year == y }) {
			p.Movable = append(p.Movable, id)
		}
	}
	return p, true
}

// ProvisionalYears lists the provisional years from a's year to b's, in order: the
// years a term counted from a to b depends on.
func (c *Calendar) ProvisionalYears(a, b Date) []int {
	var out []int
	for y := a.Year; y <= b.Year; y++ {
		if _, ok := c.ProvisionalYear(y); ok {
			out = append(out, y)
		}
	}
	return out
}

func (c *Calendar) covered(d Date) error {
	if d.Year < c.first || d.Year > lastYear {
		return fmt.Errorf("%s: %w (it counts %d–%d); a date outside that is a typo, or the holiday law of that year must be added to the calendar file",
			d, ErrNotCovered, c.first, lastYear)
	}
	return nil
}

// IsWorkingDay reports whether d is a working day.
func (c *Calendar) IsWorkingDay(d Date) (bool, error) {
	_, off, err := c.Day(d)
	return !off, err
}

// Day tells whether d is a day off and why.
func (c *Calendar) Day(d Date) (DayOff, bool, error) {
	if err := c.covered(d); err != nil {
		return DayOff{}, false, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.ensure(d.Year)
	if _, ok := c.working[d]; ok {
		return DayOff{}, false, nil
	}
	if o, ok := c.off[d]; ok {
		return o, true, nil
	}
	if wd := d.Weekday(); wd == time.Saturday || wd == time.Sunday {
		return DayOff{Date: d, Kind: Weekend, NameKK: "демалыс күні", NameRU: "выходной день"}, true, nil
	}
	return DayOff{}, false, nil
}

// WorkingWeekend reports whether d is a Saturday or Sunday made a working day by a
// transfer order, and which order.
func (c *Calendar) WorkingWeekend(d Date) (DayOff, bool) {
	if c.covered(d) != nil {
		return DayOff{}, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.ensure(d.Year)
	o, ok := c.working[d]
	return o, ok
}

// NextWorkingDay is the first working day strictly after d.
func (c *Calendar) NextWorkingDay(d Date) (Date, error) {
	for {
		d = d.AddDays(1)
		ok, err := c.IsWorkingDay(d)
		if err != nil {
			return Date{}, err
		}
		if ok {
			return d, nil
		}
	}
}

// AddWorkingDays is the n-th working day after d (d itself when n is 0): the due date
// of a term of n working days counted from a registration on d.
func (c *Calendar) AddWorkingDays(d Date, n int) (Date, error) {
	if n < 0 {
		return Date{}, fmt.Errorf("a term of %d working days", n)
	}
	if err := c.covered(d); err != nil {
		return Date{}, err
	}
	for i := 0; i < n; i++ {
		var err error
		if d, err = c.NextWorkingDay(d); err != nil {
			return Date{}, err
		}
	}
	return d, nil
}

// WorkingDaysBetween counts the working days after a up to and including b (0 when b
// is not after a), the measure of how late a term is.
func (c *Calendar) WorkingDaysBetween(a, b Date) (int, error) {
	n := 0
	for d := a.AddDays(1); !d.After(b); d = d.AddDays(1) {
		ok, err := c.IsWorkingDay(d)
		if err != nil {
			return 0, err
		}
		if ok {
			n++
		}
	}
	return n, nil
}

// DaysOff lists the days off of a year other than ordinary weekends, in date order,
// with the weekend days that transfers made working days.
func (c *Calendar) DaysOff(year int) ([]DayOff, error) {
	if err := c.covered(Date{Year: year, Month: 1, Day: 1}); err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.ensure(year)
	var out []DayOff
	for d, o := range c.off {
		if d.Year == year {
			out = append(out, o)
		}
	}
	for d, o := range c.working {
		if d.Year == year {
			out = append(out, o)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Date.Before(out[j].Date) })
	return out, nil
}

// Registration is when an application counts as registered.
type Registration struct {
	Date Date      `json:"date"`
	At   time.Time `json:"at"` // the moment the office is open to register it
	// Moved says why it counts from a later working day ("" when it counts on the
	// day it came in).
	Moved string `json:"moved,omitempty"`
}

// Register applies the rule of the service standards (admission standard item 7,
// duplicates rules §21): an application that comes in on a working day before closing
// time counts as that day; after hours, or on a day off, it counts from the next
// working day. Before opening or during lunch it counts the same day, at opening or
// at the end of lunch. t is read on its own wall clock: pass it in the office's zone.
func (c *Calendar) Register(t time.Time, h Hours) (Registration, error) {
	if err := h.check(); err != nil {
		return Registration{}, err
	}
	d := DateOf(t)
	day, off, err := c.Day(d)
	if err != nil {
		return Registration{}, err
	}
	clock := ClockOf(t)
	if !off && clock < h.Close {
		at := t
		switch {
		case clock < h.Open:
			at = d.At(h.Open, t.Location())
		case h.LunchFrom < h.LunchTo && clock >= h.LunchFrom && clock < h.LunchTo:
			at = d.At(h.LunchTo, t.Location())
		}
		return Registration{Date: d, At: at}, nil
	}
	next, err := c.NextWorkingDay(d)
	if err != nil {
		return Registration{}, err
	}
	why := fmt.Sprintf("after office hours (closes %s)", h.Close)
	if off {
		why = "on a day off: " + describe(day)
	}
	return Registration{Date: next, At: next.At(h.Open, t.Location()), Moved: why}, nil
}

func describe(o DayOff) string {
	switch o.Kind {
	case Weekend:
		return o.Date.Weekday().String()
	case Carried:
		return fmt.Sprintf("day off for %s (%s), which fell on a weekend", o.NameRU, o.For)
	case Transfer:
		return fmt.Sprintf("day off moved from %s (%s)", o.For, o.Source)
	}
	return o.NameRU
}

// Deadline registers an application that came in at t and counts a term of n working
// days from the registration date.
func (c *Calendar) Deadline(t time.Time, h Hours, n int) (Registration, Date, error) {
	reg, err := c.Register(t, h)
	if err != nil {
		return Registration{}, Date{}, err
	}
	due, err := c.AddWorkingDays(reg.Date, n)
	if err != nil {
		return Registration{}, Date{}, err
	}
	return reg, due, nil
}

// AddWorkingMinutes counts m minutes of office time from t, skipping lunch, evenings
// and days off: the due moment of a term given in minutes (a transfer's 30 minutes,
// annex 2 item 3).
func (c *Calendar) AddWorkingMinutes(t time.Time, h Hours, m int) (time.Time, error) {
	reg, err := c.Register(t, h)
	if err != nil {
		return time.Time{}, err
	}
	d, clock := reg.Date, ClockOf(reg.At)
	for {
		end := h.Close
		if h.LunchFrom < h.LunchTo && clock < h.LunchFrom {
			end = h.LunchFrom
		}
		if room := int(end - clock); m <= room {
			return d.At(clock+Clock(m), t.Location()), nil
		} else {
			m -= room
		}
		if end == h.LunchFrom {
			clock = h.LunchTo
			continue
		}
		if d, err = c.NextWorkingDay(d); err != nil {
			return time.Time{}, err
		}
		clock = h.Open
	}
}
