package intake

import (
	"fmt"
	"sort"
	"time"
)

// calendarFile is the shape of data/calendar.yaml and of override files.
type calendarFile struct {
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
	if f.Covers != nil && (len(f.Covers) != 2 || f.Covers[0] > f.Covers[1] || f.Covers[0] < 2000 || f.Covers[1] > 2100) {
		c.errf("covers", "covers must be [first year, last year], such as [2024, 2026]")
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

func (base *calendarFile) merge(name string, o *calendarFile) (*calendarFile, error) {
	m := *base
	if o.Covers != nil {
		first, last := min(base.Covers[0], o.Covers[0]), max(base.Covers[1], o.Covers[1])
		if o.Covers[0] > base.Covers[1]+1 || o.Covers[1] < base.Covers[0]-1 {
			return nil, FileErrors{{File: name, Reason: fmt.Sprintf("covers %d–%d leaves a gap after %d–%d; every year in between needs its data too",
				o.Covers[0], o.Covers[1], base.Covers[0], base.Covers[1])}}
		}
		m.Covers = []int{first, last}
	}
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
	return &m, nil
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
	if len(f.Covers) != 2 {
		return nil, fmt.Errorf("calendar: no years covered")
	}
	c := &Calendar{first: f.Covers[0], last: f.Covers[1], off: map[Date]DayOff{}, working: map[Date]DayOff{}}
	type hol struct {
		DayOff
		carry bool
	}
	var hols []hol
	for y := c.first; y <= c.last; y++ {
		for _, r := range f.Holidays {
			if r.Cancel || (r.From != 0 && y < r.From) || (r.Until != 0 && y > r.Until) {
				continue
			}
			d := r.Date.In(y)
			if d.AddDays(0) != d { // 29 February in a common year
				continue
			}
			hols = append(hols, hol{DayOff{Date: d, Kind: Holiday, NameKK: r.NameKK, NameRU: r.NameRU, Source: r.Source}, r.Carry == nil || *r.Carry})
		}
	}
	// Every year covered must say when its movable holidays fall, or a term in that
	// year would silently ignore them.
	ids := map[string]map[int]bool{}
	for _, r := range f.Dated {
		if ids[r.ID] == nil {
			ids[r.ID] = map[int]bool{}
		}
		ids[r.ID][r.Date.Year] = true
		if r.Cancel || r.Date.Year < c.first || r.Date.Year > c.last {
			continue
		}
		hols = append(hols, hol{DayOff{Date: r.Date, Kind: Holiday, NameKK: r.NameKK, NameRU: r.NameRU, Source: r.Source}, r.Carry == nil || *r.Carry})
	}
	var missing []string
	for id, years := range ids {
		for y := c.first; y <= c.last; y++ {
			if !years[y] {
				missing = append(missing, fmt.Sprintf("%s in %d", id, y))
			}
		}
	}
	if len(missing) > 0 {
		sort.Strings(missing)
		return nil, fmt.Errorf("calendar: no date for %v; add it (dated:, with the date announced for that year) or shorten covers", missing)
	}
	sort.SliceStable(hols, func(i, j int) bool { return hols[i].Date.Before(hols[j].Date) })
	for _, h := range hols {
		if prev, ok := c.off[h.Date]; ok {
			h.NameKK, h.NameRU = prev.NameKK+"; "+h.NameKK, prev.NameRU+"; "+h.NameRU
		}
		c.off[h.Date] = h.DayOff
	}
	for _, t := range f.Transfers {
		if t.Cancel {
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
	return c, nil
}
