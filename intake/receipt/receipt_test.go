package receipt_test

import (
	"bytes"
	"context"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
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
	if out["contest-withdrawn"], err = d.SetStatus(ctx, w.Number, intake.Change{To: intake.Withdrawn, Staff: "Гүлнар Сейітқызы",
		Reason: "ата-анасының 5 наурыздағы өтініші / заявление родителей от 5 марта", At: time.Date(2026, 3, 5, 11, 0, 0, 0, almaty)}); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestTextReceipts(t *testing.T) {
	cat, _ := intake.LoadCatalogue(nil)
	for name, a := range fixtures(t) {
		t.Run(name, func(t *testing.T) {
			txt, err := receipt.Text(cat, a)
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
	if err := receipt.PDF(&buf, cat, a); err != nil {
		t.Fatal(err)
	}
	var again bytes.Buffer
	if err := receipt.PDF(&again, cat, a); err != nil {
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
