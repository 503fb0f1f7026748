package daryn_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/xuri/excelize/v2"

	"tarazy/contest"
	"tarazy/intake"
	"tarazy/intake/daryn"
	"tarazy/internal/golden"
)

func apps() []*intake.Application {
	mk := func(num, name, iin string, grade int, status intake.Status, c intake.Candidate) *intake.Application {
		c.Grade = grade
		return &intake.Application{Number: num, Status: status, Child: intake.Person{Name: name, IIN: iin}, Candidate: &c,
			Registered: intake.MakeDate(2026, 3, 2)}
	}
	school := "Тимирязев жалпы білім беретін қазақ мектеп-интернаты"
	return []*intake.Application{
		mk("CON-2026-00003", "Омарова Айша Серікқызы", "130517600016", 7, intake.Registered,
			intake.Candidate{School: school, Language: "kk", Email: "aisha@example.kz", Olympiad: true, MynBala: true, Diplomas: []string{"математика, облыстық кезең, II орын", "информатика, III орын"}}),
		mk("CON-2026-00001", "Ахметов Ерлан", "140203500019", 6, intake.InProgress,
			intake.Candidate{School: school, Language: "ru", Email: "erlan@example.kz"}),
		mk("CON-2026-00002", "Refused, not a candidate", "130101500011", 7, intake.Refused, intake.Candidate{School: school}),
		mk("CON-2026-00004", "Late, refused at intake", "130101500022", 7, intake.Rejected, intake.Candidate{School: school}),
		mk("CON-2026-00006", "Withdrawn, not a candidate", "130101500033", 7, intake.Withdrawn, intake.Candidate{School: school}),
		mk("CON-2026-00005", "Бекова \"Ая\", Дана", "130909600014", 7, intake.Issued,
			intake.Candidate{School: school, Language: "kk", Email: "dana@example.kz"}),
		{Number: "ADM-2026-00001", Status: intake.Registered, Child: intake.Person{Name: "not a contest registration"}},
	}
}

func TestExport(t *testing.T) {
	dir := t.TempDir()
	rows := daryn.Candidates(apps())
	files, err := daryn.Export(dir, rows)
	if err != nil {
		t.Fatal(err)
	}
	csvData, _ := os.ReadFile(filepath.Join(dir, "candidates.csv"))
	golden.Check(t, "candidates.csv", csvData)
	for _, f := range files {
		b, _ := os.ReadFile(filepath.Join(dir, f.Name))
		h := sha256.Sum256(b)
		if hex.EncodeToString(h[:]) != f.SHA256 {
			t.Errorf("%s: checksum %s does not match its bytes", f.Name, f.SHA256)
		}
	}
	if _, err := exec.LookPath("sha256sum"); err == nil {
		cmd := exec.Command("sha256sum", "-c", "SHA256SUMS")
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("sha256sum -c: %v\n%s", err, out)
		}
	}

	x, err := excelize.OpenFile(filepath.Join(dir, "candidates.xlsx"))
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	got, err := x.GetRows("candidates")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 4 || strings.Join(got[0], ",") != strings.Join(daryn.Columns, ",") {
		t.Fatalf("xlsx rows %q", got)
	}
	if got[1][2] != "140203500019" || got[3][3] != "Омарова Айша Серікқызы" || got[3][4] != "1" {
		t.Errorf("xlsx content %q", got)
	}
	about, _ := x.GetRows("about")
	if about[2][1] != files[0].SHA256 {
		t.Errorf("the workbook's CSV checksum %q is not the CSV's %s", about[2][1], files[0].SHA256)
	}
}

// The contest's own candidates file is what `tarazy score` and `rank` read: the same
// candidates, nothing lost between the desk and the ranking.
func TestContestFileIsTheContestsInput(t *testing.T) {
	rows := daryn.Candidates(apps())
	files, err := daryn.Files(rows)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range files {
		names = append(names, f.Name)
	}
	if diff := cmp.Diff(daryn.FileNames, names); diff != "" {
		t.Fatalf("files (-want +got):\n%s", diff)
	}
	regs, err := contest.ReadCandidatesCSV(bytes.NewReader(files[2].Data), daryn.ContestCSVName)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range regs {
		got = append(got, fmt.Sprintf("%s %d %s olympiad=%v myn_bala=%v", r.IIN, r.Grade, r.Name, r.Olympiad, r.MynBala))
	}
	want := []string{
		"140203500019 6 Ахметов Ерлан olympiad=false myn_bala=false",
		"130909600014 7 Бекова \"Ая\", Дана olympiad=false myn_bala=false",
		"130517600016 7 Омарова Айша Серікқызы olympiad=true myn_bala=true",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("contest-candidates.csv as the contest reads it (-want +got):\n%s", diff)
	}
	if !strings.Contains(string(files[3].Data), files[2].SHA256+"  "+daryn.ContestCSVName+"\n") {
		t.Errorf("SHA256SUMS does not cover the contest file:\n%s", files[3].Data)
	}
}

func TestExportIsReproducible(t *testing.T) {
	rows := daryn.Candidates(apps())
	var a, b bytes.Buffer
	if err := daryn.WriteXLSX(&a, rows, "x"); err != nil {
		t.Fatal(err)
	}
	if err := daryn.WriteXLSX(&b, rows, "x"); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Error("the same base gives different XLSX bytes, so its checksum would change from run to run")
	}
}
