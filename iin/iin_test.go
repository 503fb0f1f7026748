package iin_test

import (
	"errors"
	"testing"
	"time"

	"tarazy/iin"
)

func TestParse(t *testing.T) {
	cases := []struct {
		name  string
		in    string
		err   error
		birth string
		sex   iin.Sex
	}{
		// Check digits below were computed by hand (and with an independent script).
		{"LeapDay2000", "000229500127", nil, "2000-02-29", iin.Male},
		{"Girl2012", "120106601236", nil, "2012-01-06", iin.Female},
		{"Man1995", "951231300016", nil, "1995-12-31", iin.Male},
		{"SecondPass", "120315500000", nil, "2012-03-15", iin.Male},
		{"NotIssued", "120315500050", iin.ErrNotIssued, "2012-03-15", iin.Male},
		{"WrongCheckDigit", "000229500128", iin.ErrChecksum, "2000-02-29", iin.Male},
		{"NoLeapDay1900", "000229300129", iin.ErrDate, "", 0},
		{"NoLeapDay2001", "010229500121", iin.ErrDate, "", 0},
		{"April31", "120431500001", iin.ErrDate, "", 0},
		{"Month13", "121301500001", iin.ErrDate, "", 0},
		{"Day00", "120100500001", iin.ErrDate, "", 0},
		{"CenturyDigit0", "120106001238", iin.ErrCentury, "", 0},
		{"CenturyDigit7", "120106701238", iin.ErrCentury, "", 0},
		{"Century1800s", "990101100000", nil, "1899-01-01", iin.Male},
		{"TooShort", "12010650123", iin.ErrFormat, "", 0},
		{"Letters", "12010650123X", iin.ErrFormat, "", 0},
		{"Empty", "", iin.ErrFormat, "", 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			info, err := iin.Parse(c.in)
			if c.err == nil && err != nil {
				t.Fatalf("Parse(%q) = %v, want no error", c.in, err)
			}
			if c.err != nil && !errors.Is(err, c.err) {
				t.Fatalf("Parse(%q) error = %v, want %v", c.in, err, c.err)
			}
			if c.birth != "" {
				if got := info.Birth.Format("2006-01-02"); got != c.birth {
					t.Errorf("birth = %s, want %s", got, c.birth)
				}
				if info.Sex != c.sex {
					t.Errorf("sex = %c, want %c", info.Sex, c.sex)
				}
			}
		})
	}
}

func TestCentury1800sCheckDigit(t *testing.T) {
	// 99010110000 → 9+18+0+4+0+6+7+0+0+0+0 = 44 → 0.
	if d, err := iin.CheckDigit("99010110000"); err != nil || d != 0 {
		t.Fatalf("CheckDigit = %d, %v; want 0", d, err)
	}
}

func TestMakeIsValid(t *testing.T) {
	birth := time.Date(2013, 5, 17, 0, 0, 0, 0, time.UTC)
	for serial := 0; serial < 2000; serial += 7 {
		for _, sex := range []iin.Sex{iin.Male, iin.Female} {
			s, err := iin.Make(birth, sex, serial)
			if err != nil {
				t.Fatal(err)
			}
			info, err := iin.Parse(s)
			if err != nil {
				t.Fatalf("Make produced %s which does not parse: %v", s, err)
			}
			if !info.Birth.Equal(birth) || info.Sex != sex {
				t.Fatalf("Make(%v,%c) = %s decodes as %v %c", birth, sex, s, info.Birth, info.Sex)
			}
		}
	}
}
