package main

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"time"

	"tarazy/iin"
	"tarazy/omr/form"
	"tarazy/store"
)

// The demo's contest: one specialized school with seats in grades 5, 6 and 7, a few
// hundred candidates whose IINs pass the checksum, olympiad and "Мың бала" winners,
// answer keys for two test variants, and how each candidate answers. Everything comes
// from one seed, so two runs print the same protocol.

const (
	demoContest = "2026"
	demoSchool  = "DRN-AST"
)

var demoSchoolRecord = store.School{
	Code:   demoSchool,
	NameKK: "«Дарын» мамандандырылған мектеп-интернаты",
	NameRU: "Специализированная школа-интернат «Дарын»",
	Region: "Астана",
}

// demoGrade is one grade's intake in the demo.
type demoGrade struct {
	grade, seats, candidates int
	born                     int // year most candidates were born
}

var demoGrades = []demoGrade{
	{grade: 5, seats: 20, candidates: 60, born: 2015},
	{grade: 6, seats: 20, candidates: 60, born: 2014},
	{grade: 7, seats: 40, candidates: 100, born: 2013},
}

// demoCandidate is a registered candidate and how they sit the test.
type demoCandidate struct {
	store.Candidate
	Serial  int
	Variant int
	Answers []string // what they mean to answer: "" blank, a letter
	ability float64
}

var (
	maleFirst   = []string{"Нұрсұлтан", "Ерасыл", "Әлихан", "Ақжол", "Дамир", "Арман", "Темірлан", "Нұрислам", "Бекзат", "Санжар", "Ильяс", "Мирас", "Алдияр", "Ислам", "Рамазан", "Данияр", "Асылжан", "Ерлан", "Тимур", "Айбек"}
	femaleFirst = []string{"Айым", "Аружан", "Жансая", "Томирис", "Інжу", "Әсел", "Айгерім", "Мадина", "Дана", "Аяулым", "Камила", "Жібек", "Ақбота", "Сабина", "Нұрай", "Әмина", "Аида", "Балнұр", "Гүлназ", "Сезім"}
	surnames    = []string{"Әбенов", "Жұмабаев", "Сейітқали", "Омаров", "Қасымов", "Нұрланов", "Бекболатов", "Тоқтаров", "Серікбаев", "Ахметов", "Ермеков", "Мұқанов", "Исаев", "Жақыпов", "Садықов", "Құрманғали", "Әлімжанов", "Байжанов", "Төлеуов", "Рахимов"}
)

// surname gives the surname its feminine form where Kazakh usage has one.
func surname(base string, female bool) string {
	if female && (strings.HasSuffix(base, "ов") || strings.HasSuffix(base, "ев")) {
		return base + "а"
	}
	return base
}

// demoKeys returns the answer key of each grade's variants 1 and 2.
func demoKeys(rng *rand.Rand) []store.AnswerKey {
	var keys []store.AnswerKey
	for _, g := range demoGrades {
		f, _ := form.ForGrade(g.grade)
		for v := 1; v <= 2; v++ {
			var b strings.Builder
			for q := 0; q < f.Questions(); q++ {
				b.WriteString(f.Options[rng.IntN(len(f.Options))])
			}
			keys = append(keys, store.AnswerKey{Grade: g.grade, Variant: fmt.Sprint(v), Answers: b.String()})
		}
	}
	return keys
}

// demoCandidates registers every grade's candidates and decides their answers with a
// simple item-response model: able candidates answer hard questions more often, the
// rest guess or leave blanks, so scores spread as in a real contest and ties happen.
func demoCandidates(rng *rand.Rand, keys []store.AnswerKey) ([]demoCandidate, error) {
	keyOf := map[string][]string{}
	for _, k := range keys {
		keyOf[fmt.Sprint(k.Grade, "/", k.Variant)] = strings.Split(k.Answers, "")
	}
	var out []demoCandidate
	serial := 0
	used := map[string]bool{}
	for _, g := range demoGrades {
		f, _ := form.ForGrade(g.grade)
		difficulty := make([]float64, f.Questions())
		for q := range difficulty {
			// Test writers avoid questions nobody can answer: those look miskeyed to
			// the item analysis, and rightly so.
			difficulty[q] = max(-1.8, min(1.0, rng.NormFloat64()*0.8))
		}
		for i := 0; i < g.candidates; i++ {
			serial++
			female := rng.IntN(2) == 0
			first := maleFirst[rng.IntN(len(maleFirst))]
			sex := iin.Male
			if female {
				first, sex = femaleFirst[rng.IntN(len(femaleFirst))], iin.Female
			}
			birth := time.Date(g.born, time.Month(1+rng.IntN(12)), 1+rng.IntN(28), 0, 0, 0, 0, time.UTC)
			if rng.IntN(5) == 0 {
				birth = birth.AddDate(-1, 0, 0) // a few are a year older
			}
			var id string
			for {
				var err error
				if id, err = iin.Make(birth, sex, rng.IntN(10000)); err != nil {
					return nil, err
				}
				if !used[id] {
					break
				}
			}
			used[id] = true
			c := demoCandidate{
				Candidate: store.Candidate{IIN: id, School: demoSchool, Grade: g.grade, Language: []string{"kk", "ru"}[rng.IntN(3)/2],
					Name: surname(surnames[rng.IntN(len(surnames))], female) + " " + first},
				Serial: serial, Variant: 1 + i%2, ability: rng.NormFloat64(),
			}
			c.Olympiad = rng.Float64() < 0.08+0.1*math.Max(c.ability, 0)
			c.MynBala = g.grade == 7 && rng.Float64() < 0.12
			key := keyOf[fmt.Sprint(g.grade, "/", c.Variant)]
			c.Answers = make([]string, len(key))
			for q := range key {
				p := 1 / (1 + math.Exp(-1.7*(c.ability-difficulty[q])))
				switch {
				case rng.Float64() < p:
					c.Answers[q] = key[q]
				case rng.Float64() < 0.2:
					c.Answers[q] = "" // not sure: left blank, which costs nothing (§35)
				default:
					wrong := f.Options[rng.IntN(len(f.Options))]
					for wrong == key[q] {
						wrong = f.Options[rng.IntN(len(f.Options))]
					}
					c.Answers[q] = wrong
				}
			}
			out = append(out, c)
		}
	}
	return out, nil
}
