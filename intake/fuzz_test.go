package intake_test

import (
	"errors"
	"testing"
	"time"

	"tarazy/intake"
)

// The data files a school or the ministry edits are parsed at every start: whatever is
// in them, loading answers with a calendar or catalogue or with an error naming the
// file, and never panics. `go test` runs the seeds; `go test -fuzz FuzzLoadCalendar
// ./intake` explores further (README, "The rules").

func FuzzLoadCalendar(f *testing.F) {
	f.Add(intake.BuiltinCalendar())
	f.Add([]byte("confirmed: [2027]\ndated:\n  - {id: kurban-ait, date: 2027-05-17, carry: false, name_kk: a, name_ru: b}\n"))
	f.Add([]byte("covers: [2024, 2030]\n"))
	f.Add([]byte("from: 2000\nholidays:\n  - {date: \"02-29\", name_kk: a}\n"))
	f.Add([]byte("transfers:\n  - {working: 2027-01-02, off: 2027-01-05, act: x}\n"))
	f.Add([]byte("dated: [{id: x, date: 2026-13-01}]"))
	f.Add([]byte("{"))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := intake.LoadCalendar(intake.DataFile{Name: "fuzz.yaml", Data: data})
		if err != nil {
			return
		}
		from := time.Date(2027, 3, 20, 17, 45, 0, 0, time.UTC)
		reg, due, err := c.Deadline(from, intake.Hours{Open: 540, Close: 1110, LunchFrom: 780, LunchTo: 870}, 15)
		if err != nil {
			if !errors.Is(err, intake.ErrNotCovered) {
				t.Fatalf("deadline on a loaded calendar: %v", err)
			}
			return
		}
		if due.Before(reg.Date) {
			t.Fatalf("due %s before registration %s", due, reg.Date)
		}
		if _, err := c.DaysOff(2027); err != nil && !errors.Is(err, intake.ErrNotCovered) {
			t.Fatal(err)
		}
		c.ProvisionalYears(reg.Date, due)
	})
}

func FuzzLoadCatalogue(f *testing.F) {
	f.Add(intake.BuiltinCatalogue())
	f.Add([]byte("provider: {name_kk: a, name_ru: b}\nservices: []\n"))
	f.Add([]byte("services:\n  - {id: x, code: XX, name_kk: a, name_ru: b, channels: [office], window: {from: \"04-01\", to: \"03-01\"}}\n"))
	f.Add([]byte("office_hours: {open: \"25:00\"}\n"))
	f.Add([]byte("services: [null]"))
	f.Add([]byte("{"))
	f.Fuzz(func(t *testing.T, data []byte) {
		cat, err := intake.LoadCatalogue(&intake.DataFile{Name: "fuzz.yaml", Data: data})
		if err != nil {
			if !errors.Is(err, intake.ErrInvalidFile) {
				t.Fatalf("error of an unexpected kind: %v", err)
			}
			return
		}
		if cat.Location() == nil {
			t.Fatal("a loaded catalogue without a time zone")
		}
		for _, s := range cat.Services {
			cat.HoursFor(s)
			s.DocumentNames([]string{"one_of:x", "missing"}, "ru")
		}
	})
}
