// Package iin validates Kazakhstan's individual identification number (ЖСН / ИИН).
//
// An IIN is YYMMDD G NNNN C: the date of birth, a digit that encodes century and sex
// (1/2 = 1800s, 3/4 = 1900s, 5/6 = 2000s; odd male, even female), a serial and a check
// digit. The check digit is Σ dᵢ·wᵢ mod 11 over the first eleven digits with weights
// 1..11; when that is 10 the sum is taken again with weights 3..11,1,2; a second 10
// means the number is never issued (Government Resolution No. 565 of 11.06.2003).
//
// Law No. 223 art. 9 admits that IINs whose check digit does not follow the algorithm
// exist, so callers get a typed error and decide whether a human may override it.
package iin

import (
	"errors"
	"fmt"
	"time"
)

// Errors a caller may branch on. Format and date errors mean the number cannot be an
// IIN at all; ErrChecksum means the digits are well formed but the check digit fails,
// which a person may override with a reason.
var (
	ErrFormat    = errors.New("an IIN is exactly 12 digits")
	ErrDate      = errors.New("the first six digits are not a real date of birth")
	ErrCentury   = errors.New("the 7th digit (century and sex) must be 1–6")
	ErrChecksum  = errors.New("the check digit does not match")
	ErrNotIssued = errors.New("no check digit exists for these 11 digits, so this number is never issued")
)

var (
	weights1 = [11]int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}
	weights2 = [11]int{3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2}
)

// CheckDigit returns the check digit for the first 11 digits of an IIN, or
// ErrNotIssued when both weightings give 10.
func CheckDigit(first11 string) (int, error) {
	if len(first11) != 11 || !allDigits(first11) {
		return 0, ErrFormat
	}
	c := weighted(first11, weights1)
	if c == 10 {
		c = weighted(first11, weights2)
	}
	if c == 10 {
		return 0, ErrNotIssued
	}
	return c, nil
}

func weighted(s string, w [11]int) int {
	sum := 0
	for i := 0; i < 11; i++ {
		sum += int(s[i]-'0') * w[i]
	}
	return sum % 11
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// Sex as encoded in the 7th digit.
type Sex byte

const (
	Male   Sex = 'M'
	Female Sex = 'F'
)

// Info is what an IIN says about its holder.
type Info struct {
	Birth time.Time // date of birth, UTC midnight
	Sex   Sex
}

// Parse checks the format, the date of birth, the century digit and the check digit.
// It returns the decoded Info even when only the checksum fails (err wraps
// ErrChecksum or ErrNotIssued), so a caller that allows an override still has the date.
func Parse(s string) (Info, error) {
	if len(s) != 12 || !allDigits(s) {
		return Info{}, fmt.Errorf("IIN %q: %w", s, ErrFormat)
	}
	g := s[6] - '0'
	if g < 1 || g > 6 {
		return Info{}, fmt.Errorf("IIN %s: %w", s, ErrCentury)
	}
	century := 1800 + 100*int((g-1)/2)
	yy := int(s[0]-'0')*10 + int(s[1]-'0')
	mm := int(s[2]-'0')*10 + int(s[3]-'0')
	dd := int(s[4]-'0')*10 + int(s[5]-'0')
	birth := time.Date(century+yy, time.Month(mm), dd, 0, 0, 0, 0, time.UTC)
	// time.Date normalises 31 April to 1 May; a real date survives the round trip.
	if mm < 1 || mm > 12 || dd < 1 || birth.Month() != time.Month(mm) || birth.Day() != dd {
		return Info{}, fmt.Errorf("IIN %s: %w", s, ErrDate)
	}
	info := Info{Birth: birth, Sex: Male}
	if g%2 == 0 {
		info.Sex = Female
	}
	want, err := CheckDigit(s[:11])
	if err != nil {
		return info, fmt.Errorf("IIN %s: %w", s, err)
	}
	if int(s[11]-'0') != want {
		return info, fmt.Errorf("IIN %s: %w (expected %d)", s, ErrChecksum, want)
	}
	return info, nil
}

// Valid reports whether s is a well-formed IIN with a correct check digit.
func Valid(s string) bool {
	_, err := Parse(s)
	return err == nil
}

// Make builds a valid IIN from a date of birth, sex and serial, choosing the next
// serial up when a serial has no check digit. It is for test data and demos: real
// IINs are issued by the state.
func Make(birth time.Time, sex Sex, serial int) (string, error) {
	y := birth.Year()
	if y < 1800 || y > 2099 {
		return "", fmt.Errorf("make IIN: year %d outside 1800–2099", y)
	}
	g := 1 + 2*((y-1800)/100)
	if sex == Female {
		g++
	}
	for tries := 0; tries < 10; tries++ {
		s := fmt.Sprintf("%02d%02d%02d%d%04d", y%100, int(birth.Month()), birth.Day(), g, (serial+tries)%10000)
		c, err := CheckDigit(s)
		if err == nil {
			return fmt.Sprintf("%s%d", s, c), nil
		}
	}
	return "", fmt.Errorf("make IIN: no issuable serial near %d", serial)
}
