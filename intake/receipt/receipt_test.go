package receipt_test

import (
	"bytes"
	"context"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"tarazy/intake"
	"tarazy/intake/memstore"
	"tarazy/intake/receipt"
	"tarazy/internal/golden"
)

var almaty = time.FixedZone("Asia/Almaty", 5*3600)

func desk(t *testing.T) *intake.Desk {
	t.Helper()
	cat, err := intake.LoadCatalogue(nil)
	if err != nil {
		t.Fatal(err)
	}
	cal, err := intake.LoadCalendar()
	if err != nil {
		t.Fatal(err)
	}
	return &intake.Desk{Catalogue: cat, Calendar: cal, Repo: memstore.New(),
		Now: func() time.Time { return time.Date(2026, 4, 14, 12, 0, 0, 0, almaty) }}
}

func base(service string, at time.Time) intake.Submission {
	return intake.Submission{
		Service: service, At: at, Staff: "Гүлнар Сейітқызы",
		Applicant: intake.Person{Name: "Нұрлан Әбдіқадыров"},
		Child:     intake.Person{Name: "Әлия Нұрланқызы"},
	}
}

// fixtures are the receipts the office hands out most.
func fixtures(t *testing.T) map[string]*intake.Application {
	t.Helper()
	ctx := context.Background()
	d := desk(t)
	out := map[string]*intake.Application{}
	submit := func(name string, s intake.Submission) *intake.Application {
		a, err := d.Submit(ctx, s)
		if err != nil {
			t.Fatal(err)
		}
		out[name] = a
		return a
	}
	s := base("school-admission", time.Date(2026, 4, 10, 19, 5, 0, 0, almaty)) // Friday evening
	s.Grade, s.Territory = 1, true
	s.Documents = []intake.Presented{{ID: "application"}, {ID: "identity"}, {ID: "health"}, {ID: "photos"}}
	submit("admission-accepted", s)

	s = base("school-admission", time.Date(2026, 4, 14, 11, 0, 0, 0, almaty))
	s.Grade, s.Conditions = 1, []string{"foreign"}
	s.Documents = []intake.Presented{{ID: "application"}, {ID: "identity"}, {ID: "health", ValidUntil: intake.MakeDate(2026, 3, 31)}}
	submit("admission-refused-at-intake", s)

	s = base("transfer", time.Date(2026, 4, 14, 12, 50, 0, 0, almaty))
	s.Grade = 6
	s.Documents = []intake.Presented{{ID: "application"}, {ID: "identity"}, {ID: "deregistration_slip"}}
	tr := submit("transfer-accepted", s)
	a, err := d.SetStatus(ctx, tr.Number, intake.Change{To: intake.Refused, Staff: "Директор", Ground: "overcrowded", Reason: "6 «Ә» сыныбында 25 оқушы, бос орын жоқ / в 6 «Ә» классе 25 учеников, мест нет"})
	if err != nil {
		t.Fatal(err)
	}
	out["transfer-reasoned-refusal"] = a

	s = base("contest-registration", time.Date(2026, 3, 2, 10, 0, 0, 0, almaty))
	s.Child = intake.Person{Name: "Айша Серікқызы Омарова", IIN: "130517600016"}
	s.Candidate = &intake.Candidate{Grade: 7, Language: "kk", Email: "aisha@example.kz", Olympiad: true, MynBala: true}
	s.Documents = []intake.Presented{{ID: "application"}, {ID: "birth_certificate"}, {ID: "school_certificate"}, {ID: "photos"}, {ID: "olympiad_diploma"}}
	submit("contest-accepted", s)

	s.Child.IIN = "130517600026"
	s.At = time.Date(2026, 3, 3, 10, 0, 0, 0, almaty)
	w := submit("contest-withdrawn", s)

	// §18 sub. 5, §38: the diploma claimed but its copy not brought.
	s = base("contest-registration", time.Date(2026, 4, 14, 10, 0, 0, 0, almaty))
	s.At = time.Date(2026, 3, 10, 10, 0, 0, 0, almaty) // entered on 14 April: backdated
	s.Child = intake.Person{Name: "Ерлан Болатұлы Сәрсенов", IIN: "130517500011"}
	s.Candidate = &intake.Candidate{Grade: 7, Language: "ru", Email: "erlan@example.kz", Olympiad: true}
	s.Documents = []intake.Presented{{ID: "application"}, {ID: "birth_certificate"}, {ID: "school_certificate"}, {ID: "photos"}}
	submit("contest-without-diploma", s)

	// §16, §19: late, refused by a person's decision.
	s.At = time.Date(2026, 4, 3, 10, 0, 0, 0, almaty)
	s.Child = intake.Person{Name: "Дана Маратқызы Ахметова", IIN: "130517600036"}
	s.Decision = &intake.Decision{Accept: false, Reason: "құжаттар 3 сәуірде әкелінді, себебі көрсетілмеді / документы принесены 3 апреля без уважительной причины"}
	submit("contest-late-refused", s)

	// A term running into 2027, whose calendar is still provisional.
	s = base("duplicates", time.Date(2026, 12, 21, 10, 0, 0, 0, almaty))
	s.Conditions = []string{"lost"}
	s.Documents = []intake.Presented{{ID: "application"}, {ID: "identity"}}
	submit("duplicates-provisional", s)

	// A public service outside the Model Admission Rules: the Law's refusal and the
	// Law's appeal, no §8, no §47.
	s = base("duplicates", time.Date(2026, 4, 14, 10, 0, 0, 0, almaty))
	s.Conditions = []string{"damaged"}
	s.Documents = []intake.Presented{{ID: "application"}, {ID: "identity"}}
	submit("duplicates-refused-at-intake", s)
	if out["contest-withdrawn"], err = d.SetStatus(ctx, w.Number, intake.Change{To: intake.Withdrawn, Staff: "Гүлнар Сейітқызы",
		Reason: "ата-анасының 5 наурыздағы өтініші / заявление родителей от 5 марта", At: time.Date(2026, 3, 5, 11, 0, 0, 0, almaty)}); err != nil {
		t.Fatal(err)
	}
	return out
}

// school is the school as the store knows it: its name, not the catalogue's sample.
var school = receipt.School{Code: "S1", NameKK: "Алматы қаласындағы Абай атындағы мамандандырылған лицей", NameRU: "Специализированный лицей имени Абая города Алматы"}

func TestTextReceipts(t *testing.T) {
	cat, _ := intake.LoadCatalogue(nil)
	for name, a := range fixtures(t) {
		t.Run(name, func(t *testing.T) {
			txt, err := receipt.Text(cat, school, a)
			if err != nil {
				t.Fatal(err)
			}
			golden.Check(t, name+".txt", []byte(txt))
		})
	}
}

func TestPDFReceiptIsTwoPagesOfInk(t *testing.T) {
	if _, err := exec.LookPath("pdftoppm"); err != nil {
		t.Skip("pdftoppm (poppler-utils) not installed; scripts/deps.sh test installs it")
	}
	cat, _ := intake.LoadCatalogue(nil)
	a := fixtures(t)["admission-refused-at-intake"]
	var buf bytes.Buffer
	if err := receipt.PDF(&buf, cat, school, a); err != nil {
		t.Fatal(err)
	}
	var again bytes.Buffer
	if err := receipt.PDF(&again, cat, school, a); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf.Bytes(), again.Bytes()) {
		t.Error("the same receipt gives different PDF bytes")
	}
	dir := t.TempDir()
	pdfPath := filepath.Join(dir, "r.pdf")
	if err := os.WriteFile(pdfPath, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("pdftoppm", "-r", "40", "-png", pdfPath, filepath.Join(dir, "p")).CombinedOutput()
	if err != nil {
		t.Fatalf("pdftoppm: %v\n%s", err, out)
	}
	pages, _ := filepath.Glob(filepath.Join(dir, "p-*.png"))
	if len(pages) != 2 {
		t.Fatalf("%d pages, want 2 (Kazakh and Russian)", len(pages))
	}
	for _, p := range pages {
		f, err := os.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(f)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		dark := 0
		b := img.Bounds()
		for y := b.Min.Y; y < b.Max.Y; y++ {
			for x := b.Min.X; x < b.Max.X; x++ {
				if r, g, bl, _ := img.At(x, y).RGBA(); r+g+bl < 3*0x8000 {
					dark++
				}
			}
		}
		if share := float64(dark) / float64(b.Dx()*b.Dy()); share < 0.01 {
			t.Errorf("%s is nearly blank: %.4f of pixels dark", filepath.Base(p), share)
		}
	}
}

// Item 9: a refusal receipt cites the ground that applies — lateness the window's
// paragraph (§9-2, §16), a contest decision §19 and who made it, an incomplete public-
// service set the Law (art. 19, 20 p. 2) — and sends complaints where they go: §47–§48
// for the Model Admission Rules' services, the Law for the others; an admission
// refusal names the local education authority (§8).
func TestRefusalReceiptCitesTheGroundThatApplies_Para8_Para9_2_Para16_Para19_Para47(t *testing.T) {
	cat, _ := intake.LoadCatalogue(nil)
	fx := fixtures(t)
	d := desk(t)
	s := base("school-admission", time.Date(2026, 8, 5, 10, 0, 0, 0, almaty))
	s.Grade = 1
	s.Documents = []intake.Presented{{ID: "application"}, {ID: "identity"}, {ID: "health"}, {ID: "photos"}}
	late, err := d.Submit(context.Background(), s)
	if err != nil {
		t.Fatal(err)
	}
	fx["first-grade-late"] = late
	law := "Заңның 19-бабы және 20-бабының 2-тармағы"
	cases := []struct {
		name     string
		has, not []string
	}{
		{"first-grade-late", []string{"9-2-тармағы – құжаттар 2026-04-01 – 2026-08-01 аралығында", "8-тармағы)", "47-тармағы"}, []string{law, "19-тармағы"}},
		{"contest-late-refused", []string{"16-тармағы – құжаттар 2026-03-01 – 2026-04-01 аралығында", "19-тармағы", "Гүлнар Сейітқызы қабылдады", "47-тармағы"}, []string{law, "8-тармағы)", "19-1-бабының"}},
		{"admission-refused-at-intake", []string{law, "8-тармағы)", "47-тармағы"}, []string{"9-2-тармағы"}},
		{"duplicates-refused-at-intake", []string{law, "Заңның 25-бабы"}, []string{"47-тармағы", "8-тармағы)"}},
		{"transfer-reasoned-refusal", []string{"47-тармағы"}, []string{"8-тармағы)", law}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			txt, err := receipt.Text(cat, school, fx[tc.name], "kk")
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range tc.has {
				if !strings.Contains(txt, w) {
					t.Errorf("lacks %q", w)
				}
			}
			for _, w := range tc.not {
				if strings.Contains(txt, w) {
					t.Errorf("cites %q, which does not apply", w)
				}
			}
		})
	}
}
