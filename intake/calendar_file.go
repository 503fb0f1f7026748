package intake

import (
	"fmt"
	"slices"
	"sort"
	"time"
)

// calendarFile is the shape of data/calendar.yaml and of override files.
type calendarFile struct {
	// From is the first year the holiday rules describe.
	From int `yaml:"from"`
	// Confirmed lists the years whose movable holidays and transfer orders are
	// entered as published.
	Confirmed []int `yaml:"confirmed"`
	// Covers is the older form of Confirmed, [first, last] (files written before 2027).
	Covers    []int          `yaml:"covers"`
	Holidays  []holidayRule  `yaml:"holidays"`
	Dated     []datedHoliday `yaml:"dated"`
	Transfers []transferRule `yaml:"transfers"`
}

type holidayRule struct {
	Date   MonthDay `yaml:"date"`
	From   int      `yaml:"from"`
	Until  int      `yaml:"until"`
	Carry  *bool    `yaml:"carry"`
	NameKK string   `yaml:"name_kk"`
	NameRU string   `yaml:"name_ru"`
	Source string   `yaml:"source"`
	Cancel bool     `yaml:"cancel"`
	line   int
}

type datedHoliday struct {
	ID     string `yaml:"id"`
	Date   Date   `yaml:"date"`
	Carry  *bool  `yaml:"carry"`
	NameKK string `yaml:"name_kk"`
	NameRU string `yaml:"name_ru"`
	Source string `yaml:"source"`
	Cancel bool   `yaml:"cancel"`
}

type transferRule struct {
	Working Date   `yaml:"working"`
	Off     Date   `yaml:"off"`
	Act     string `yaml:"act"`
	Cancel  bool   `yaml:"cancel"`
}

func parseCalendarFile(name string, data []byte) (*calendarFile, error) {
	var f calendarFile
	idx, err := decodeFile(name, data, &f)
	if err != nil {
		return nil, err
	}
	c := &checker{file: name, lines: idx}
	coversOK := len(f.Covers) == 2 && f.Covers[0] <= f.Covers[1] && f.Covers[0] >= 2000 && f.Covers[1] <= lastYear
	if f.Covers != nil && !coversOK {
		c.errf("covers", "covers must be [first year, last year], such as [2024, 2026]; newer files list confirmed years instead: confirmed: [2024, 2025, 2026]")
	}
	if coversOK {
		for y := f.Covers[0]; y <= f.Covers[1] && y-f.Covers[0] < 200; y++ {
			f.Confirmed = append(f.Confirmed, y)
		}
		f.Covers = nil
	}
	if f.From != 0 && (f.From < 2000 || f.From > lastYear) {
		c.errf("from", "from: %d is not a year the calendar can count (2000–%d)", f.From, lastYear)
	}
	for i, y := range f.Confirmed {
		if y < 2000 || y > lastYear {
			c.errf(fmt.Sprintf("confirmed[%d]", i), "confirmed: %d is not a year (2000–%d)", y, lastYear)
		}
	}
	for i, h := range f.Holidays {
		p := fmt.Sprintf("holidays[%d]", i)
		if h.Date == (MonthDay{}) {
			c.errf(p, "a holiday needs a date such as 03-21")
		}
		if h.From != 0 && h.Until != 0 && h.From > h.Until {
			c.errf(p, "holiday %s: from %d is after until %d", h.Date, h.From, h.Until)
		}
		if !h.Cancel && h.NameKK == "" && h.NameRU == "" {
			c.errf(p, "holiday %s has no name (name_kk, name_ru)", h.Date)
		}
		f.Holidays[i].line = idx.line(p)
	}
	for i, h := range f.Dated {
		p := fmt.Sprintf("dated[%d]", i)
		if h.ID == "" {
			c.errf(p, "a dated holiday needs an id (such as kurban-ait) so a later file can move it")
		}
		if h.Date.IsZero() {
			c.errf(p, "dated holiday %q needs a date such as 2026-05-27", h.ID)
		}
		if !h.Cancel && h.NameKK == "" && h.NameRU == "" {
			c.errf(p, "dated holiday %q has no name (name_kk, name_ru)", h.ID)
		}
	}
	for i, t := range f.Transfers {
		p := fmt.Sprintf("transfers[%d]", i)
		if t.Working.IsZero() || t.Off.IsZero() {
			c.errf(p, "a transfer needs both dates: working (the weekend day worked) and off (the weekday off)")
			continue
		}
		if t.Cancel {
			continue
		}
		if wd := t.Working.Weekday(); wd != time.Saturday && wd != time.Sunday {
			c.errf(p+".working", "transfer: %s is a %s, but the day made a working day must be a Saturday or Sunday", t.Working, wd)
		}
		if wd := t.Off.Weekday(); wd == time.Saturday || wd == time.Sunday {
			c.errf(p+".off", "transfer: %s is a %s, already a day off", t.Off, wd)
		}
		if t.Act == "" {
			c.errf(p, "transfer %s → %s needs the act that ordered it (act:)", t.Working, t.Off)
		}
	}
	return &f, c.err()
}

func (base *calendarFile) merge(o *calendarFile) *calendarFile {
	m := *base
	if o.From != 0 && (m.From == 0 || o.From < m.From) {
		m.From = o.From
	}
	m.Confirmed = append(slices.Clone(base.Confirmed), o.Confirmed...)
	// A rule for the same month and day replaces the earlier one whole.
	m.Holidays = nil
	for _, h := range base.Holidays {
		if !hasRule(o.Holidays, func(x holidayRule) bool { return x.Date == h.Date }) {
			m.Holidays = append(m.Holidays, h)
		}
	}
	m.Holidays = append(m.Holidays, o.Holidays...)
	// A dated holiday with the same id in the same year moves (or cancels) it.
	m.Dated = nil
	for _, h := range base.Dated {
		if !hasRule(o.Dated, func(x datedHoliday) bool { return x.ID == h.ID && x.Date.Year == h.Date.Year }) {
			m.Dated = append(m.Dated, h)
		}
	}
	m.Dated = append(m.Dated, o.Dated...)
	// A transfer touching the same day replaces (or cancels) the earlier one.
	m.Transfers = nil
	for _, t := range base.Transfers {
		if !hasRule(o.Transfers, func(x transferRule) bool { return x.Working == t.Working || x.Off == t.Off }) {
			m.Transfers = append(m.Transfers, t)
		}
	}
	m.Transfers = append(m.Transfers, o.Transfers...)
	return &m
}

func hasRule[T any](rules []T, match func(T) bool) bool {
	for _, r := range rules {
		if match(r) {
			return true
		}
	}
	return false
}

func (f *calendarFile) build() (*Calendar, error) {
	if f.From == 0 {
		return nil, fmt.Errorf("calendar: from: the first year its holiday rules describe is missing")
	}
	c := &Calendar{first: f.From, confirmed: map[int]bool{}, holidays: f.Holidays,
		computed: map[int]bool{}, off: map[Date]DayOff{}, working: map[Date]DayOff{}}
	ids := map[string]map[int]bool{}
	for _, r := range f.Dated {
		if ids[r.ID] == nil {
			ids[r.ID] = map[int]bool{}
			c.datedIDs = append(c.datedIDs, r.ID)
		}
		if !r.Cancel {
			ids[r.ID][r.Date.Year] = true
			c.dated = append(c.dated, r)
		}
	}
	sort.Strings(c.datedIDs)
	for _, t := range f.Transfers {
		if !t.Cancel {
			c.transfers = append(c.transfers, t)
		}
	}
	// A confirmed year must say when its movable holidays fall, or a term in it would
	// silently ignore them while claiming to be final.
	var missing []string
	for _, y := range f.Confirmed {
		if y < c.first {
			return nil, fmt.Errorf("calendar: %d is confirmed but the rules start in %d (from:)", y, c.first)
		}
		c.confirmed[y] = true
		for _, id := range c.datedIDs {
			if !ids[id][y] {
				missing = append(missing, fmt.Sprintf("%s in %d", id, y))
			}
		}
	}
	if len(missing) > 0 {
		sort.Strings(missing)
		missing = slices.Compact(missing)
		return nil, fmt.Errorf("calendar: no date for %v; add it (dated:, with the date announced for that year), or leave the year out of confirmed: so it stays provisional", missing)
	}
	// Compute the confirmed years now, so a contradiction in them stops the start.
	for y := range c.confirmed {
		c.ensure(y)
	}
	return c, nil
}

// ensure computes year y (and the year before, whose carried days may reach into y)
// if not done yet. The caller holds c.mu, or owns c alone.
func (c *Calendar) ensure(y int) {
	for yy := max(y-1, c.first); yy <= y; yy++ {
		if !c.computed[yy] {
			c.computed[yy] = true
			c.computeYear(yy)
		}
	}
}

// computeYear adds year y's holidays, transfers and carried days to the maps.
func (c *Calendar) computeYear(y int) {
	type hol struct {
		DayOff
		carry bool
	}
	var hols []hol
	for _, r := range c.holidays {
		if r.Cancel || (r.From != 0 && y < r.From) || (r.Until != 0 && y > r.Until) {
			continue
		}
		d := r.Date.In(y)
		if d.AddDays(0) != d { // 29 February in a common year
			continue
		}
		hols = append(hols, hol{DayOff{Date: d, Kind: Holiday, NameKK: r.NameKK, NameRU: r.NameRU, Source: r.Source}, r.Carry == nil || *r.Carry})
	}
	for _, r := range c.dated {
		if r.Date.Year == y {
			hols = append(hols, hol{DayOff{Date: r.Date, Kind: Holiday, NameKK: r.NameKK, NameRU: r.NameRU, Source: r.Source}, r.Carry == nil || *r.Carry})
		}
	}
	sort.SliceStable(hols, func(i, j int) bool { return hols[i].Date.Before(hols[j].Date) })
	for _, h := range hols {
		if prev, ok := c.off[h.Date]; ok && prev.Kind == Holiday {
			h.NameKK, h.NameRU = prev.NameKK+"; "+h.NameKK, prev.NameRU+"; "+h.NameRU
		}
		c.off[h.Date] = h.DayOff
	}
	for _, t := range c.transfers {
		if t.Working.Year != y && t.Off.Year != y {
			continue
		}
		c.working[t.Working] = DayOff{Date: t.Working, Kind: Transfer, NameKK: "жұмыс күні (ауыстырылған)", NameRU: "рабочий день (перенос)", Source: t.Act, For: t.Off}
		if _, ok := c.off[t.Off]; !ok {
			c.off[t.Off] = DayOff{Date: t.Off, Kind: Transfer, NameKK: "демалыс күні (ауыстырылған)", NameRU: "выходной день (перенос)", Source: t.Act, For: t.Working}
		}
	}
	// Law "On holidays" and Labour Code art. 84: a holiday on a Saturday or Sunday gives
	// the next working day off, except those marked carry: false (7 January and the
	// first day of Kurban Ait). Holidays are taken in date order so that two weekend
	// holidays in a row (Nauryz 2025) give two consecutive days off.
	for _, h := range hols {
		if !h.carry {
			continue
		}
		if wd := h.Date.Weekday(); wd != time.Saturday && wd != time.Sunday {
			continue
		}
		if _, worked := c.working[h.Date]; worked {
			continue
		}
		d := h.Date.AddDays(1)
		for {
			_, taken := c.off[d]
			_, worked := c.working[d]
			wd := d.Weekday()
			if worked || (!taken && wd != time.Saturday && wd != time.Sunday) {
				break
			}
			d = d.AddDays(1)
		}
		c.off[d] = DayOff{Date: d, Kind: Carried, NameKK: h.NameKK, NameRU: h.NameRU,
			Source: "Law \"On holidays\", Labour Code art. 84: a holiday on a day off moves to the next working day", For: h.Date}
	}
}
