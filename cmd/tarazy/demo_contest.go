package main

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"tarazy/contest"
	"tarazy/iin"
	"tarazy/omr/form"
	"tarazy/results"
	"tarazy/server/client"
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

// demoCommission is the school's commission of seven (§22–24).
func demoCommission() contest.Commission {
	return contest.Commission{Chair: demoChair, Members: []contest.Member{
		{Name: demoChair, Position: "«Дарын» орталығы, әдіскер"},
		{Name: demoReviewA, Position: "Сапаны қамтамасыз ету комитеті, бас маман"},
		{Name: demoReviewB, Position: "Мектеп, математика мұғалімі"},
		{Name: "Тоқтарова Гүлназ", Position: "Арнайы мониторинг тобы"},
		{Name: "Жақыпов Дамир", Position: "Білім беру саласындағы қоғамдық ұйым"},
		{Name: "Садықова Мадина", Position: "Оқу-әдістемелік кеңес"},
		{Name: demoOperator, Position: "Мектеп, ақпараттық технологиялар маманы"},
	}}
}

// demoSitting is the school's protocol number, city and contest calendar: what the
// protocol prints beside the school's names and the commission the store keeps.
func demoSitting() contest.Sitting {
	return contest.Sitting{School: demoSchool, Number: "1", City: "Астана",
		Calendar: contest.Calendar{RegistrationFrom: "2026-03-01", RegistrationTo: "2026-04-01", BaseSent: "2026-04-02",
			SchedulePublished: "2026-04-07", ContestDate: "2026-04-18", ProtocolDate: "2026-04-19", OrderDate: "2026-04-30"}}
}

// putCommissionAndSitting records the commission and the calendar through the API:
// the protocol reads them from the store, never from a file sent with it.
func (d *demo) putCommissionAndSitting(ctx context.Context) error {
	chair := d.client(demoChair)
	base := client.SchoolPath(demoContest, demoSchool)
	if err := chair.Do(ctx, "PUT", base+"/commission", "application/json", jsonBody(demoCommission()), nil); err != nil {
		return err
	}
	return chair.Do(ctx, "PUT", base+"/sitting", "application/json", jsonBody(demoSitting()), nil)
}

// protocols has the chair publish each grade's protocol, which the results engine
// renders from the stored computation (it refuses a draft), and saves the files the
// school puts on its site.
func (d *demo) protocols(ctx context.Context) error {
	chair := d.client(demoChair)
	dir := filepath.Join(d.out, "protocols")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for _, g := range demoGrades {
		gp := client.SchoolPath(demoContest, demoSchool) + "/grades/" + strconv.Itoa(g.grade)
		var pub results.Published
		if err := chair.Do(ctx, "POST", gp+"/publish", "", nil, &pub); err != nil {
			return fmt.Errorf("publish grade %d: %w", g.grade, err)
		}
		for _, f := range []struct{ vis, format string }{{"public", "pdf"}, {"public", "html"}, {"public", "csv"}, {"internal", "pdf"}} {
			name := filepath.Join(dir, fmt.Sprintf("grade%d-%s.%s", g.grade, f.vis, f.format))
			if err := d.download(ctx, chair, gp+"/protocols/"+f.vis+"."+f.format, name); err != nil {
				return err
			}
			d.protoFiles = append(d.protoFiles, name)
		}
		d.say("grade %d: the chair published edition %d of the protocol; results SHA-256 %s", g.grade, pub.Publication.Edition, pub.ResultsSHA)
	}
	// Anyone with the link reads the published protocol without a token.
	resp, err := http.Get(d.url + "/api/public/contests/" + demoContest + "/schools/" + demoSchool + "/grades/7/protocol.html")
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("the published protocol answers %d to the public", resp.StatusCode)
	}
	d.say("protocols (public: surnames with initials, IINs masked; internal: full) in %s", dir)
	return nil
}

// verify has the Daryn centre check every published protocol against its evidence:
// each scan read again with its recorded calibration, each review decision replayed,
// scored, ranked and rendered again, and compared byte for byte.
func (d *demo) verify(ctx context.Context) error {
	daryn := d.client(demoAdmin)
	pages, took := 0, 0.0
	for _, g := range demoGrades {
		gp := client.SchoolPath(demoContest, demoSchool) + "/grades/" + strconv.Itoa(g.grade)
		var v results.Verdict
		if err := daryn.Do(ctx, "POST", gp+"/verify", "", nil, &v); err != nil {
			return fmt.Errorf("verify grade %d: %w", g.grade, err)
		}
		if !v.OK {
			for _, df := range v.Differences {
				d.say("  %s %s: %s", df.Kind, df.Subject, df.Text.EN)
			}
			return fmt.Errorf("grade %d: %s", g.grade, v.Summary.EN)
		}
		pages += v.Pages
		took += v.Seconds
		d.say("grade %d: %s (%d pages read again in %.1fs)", g.grade, v.Summary.KK, v.Pages, v.Seconds)
	}
	d.verified.pages, d.verified.seconds = pages, took
	d.say("every published protocol verified: %d pages read again in %.1fs (tarazy verify does the same from a copy of the data)", pages, took)
	return nil
}
