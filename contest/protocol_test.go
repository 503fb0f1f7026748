package contest_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"tarazy/contest"
	"tarazy/iin"
	"tarazy/internal/golden"
)

var surnames = []string{"Әбілқасымов", "Бекова", "Жұмабаев", "Қасымова", "Нұрланов", "Өмірзақова", "Сейітов", "Тоқтарова", "Үсенов", "Ысқақова", "Ғалымов", "Иванова"}
var given = []string{"Айгерім", "Нұрсұлтан", "Дана", "Ерасыл", "Әсел", "Мирас", "Інкәр", "Арман"}
var fathers = []string{"Серікұлы", "Болатқызы", "Қайратұлы", "Асанқызы"}

// protocolFixture: 40 grade-7 candidates at one school with 12 seats (quota 1 by the
// 10 % rule), two olympiad winners, three "Мың бала" winners, one tie the commission
// decided and, unless decideAll is set, one tie across the last reserve place it has not.
func protocolFixture(t *testing.T, decideAll bool) (*contest.Result, contest.Policy) {
	t.Helper()
	var cands []contest.Candidate
	for i := 0; i < 40; i++ {
		id, err := iin.Make(time.Date(2013, time.Month(1+i%12), 1+i, 0, 0, 0, 0, time.UTC), iin.Sex("MF"[i%2]), 300+i)
		if err != nil {
			t.Fatal(err)
		}
		score := 280 - 6*i
		c := contest.Candidate{School: "NIS-Astana", Grade: 7, IIN: id,
			Name:  fmt.Sprintf("%s %s %s", surnames[i%len(surnames)], given[i%len(given)], fathers[i%len(fathers)]),
			Score: score, Reading: 20, History: 10, Math: score - 30}
		switch i {
		case 5, 30:
			c.Olympiad = true
		case 14, 20, 33:
			c.MynBala = true
		case 11: // ties with 10 across the last seat: decided by the commission
			c.Score, c.Math = cands[10].Score, cands[10].Math
		case 22: // ties with 21 across the 10th reserve place
			c.Score, c.Math = cands[21].Score, cands[21].Math
		}
		cands = append(cands, c)
	}
	decisions := []contest.Decision{{School: "NIS-Astana", Grade: 7, Order: []string{cands[11].IIN, cands[10].IIN},
		DecidedBy: "комиссия, дауыс беру 5–2 / комиссия, голосование 5–2", Reason: "жазбаша жұмыс бойынша / по письменной работе", DecidedOn: "2026-04-21"}}
	if decideAll {
		decisions = append(decisions, contest.Decision{School: "NIS-Astana", Grade: 7, Order: []string{cands[22].IIN, cands[21].IIN},
			DecidedBy: "комиссия / комиссия", Reason: "жеребе / жребий", DecidedOn: "2026-04-21"})
	}
	pol := contest.DefaultPolicy()
	rk, err := contest.Rank([]contest.Seats{{School: "NIS-Astana", Grade: 7, Seats: 12}}, cands, pol, decisions)
	if err != nil {
		t.Fatal(err)
	}
	return &rk.Results[0], pol
}

func sitting(members int) *contest.Sitting {
	s := &contest.Sitting{School: "NIS-Astana", Number: "7/2026", City: "Астана",
		SchoolNameKK: "«Дарын» мамандандырылған мектеп-лицейі", SchoolNameRU: "Специализированная школа-лицей «Дарын»",
		Calendar: contest.Calendar{ContestDate: "2026-04-20", ProtocolDate: "2026-04-21", RegistrationTo: "2026-04-02",
			Reasons: map[string]string{"registration_to": "1 сәуір демалыс күні / 1 апреля выходной"}},
		Commission: contest.Commission{Chair: "Сәрсенбаева Гүлнар Мұратқызы"}}
	names := []string{"Сәрсенбаева Гүлнар Мұратқызы", "Петров Алексей Иванович", "Жақыпов Ерлан Бауыржанұлы", "Ахметова Әйгерім Ноғайқызы",
		"Ким Ольга Викторовна", "Оспанов Тимур Қанатұлы", "Мұқанова Салтанат Ержанқызы", "Есенов Дәулет Маратұлы", "Абдрахманова Жанар Сәкенқызы"}
	for i := 0; i < members; i++ {
		s.Commission.Members = append(s.Commission.Members, contest.Member{Name: names[i], Position: "«Дарын» орталығы / центр «Дарын»"})
	}
	return s
}

func render(t *testing.T, p *contest.Protocol, format string) []byte {
	t.Helper()
	var buf bytes.Buffer
	var err error
	switch format {
	case "html":
		err = contest.WriteHTML(&buf, p)
	case "csv":
		err = contest.WriteCSV(&buf, p)
	case "json":
		err = contest.WriteJSON(&buf, p)
	case "pdf":
		err = contest.WritePDF(&buf, p)
	}
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestProtocolGolden(t *testing.T) {
	res, pol := protocolFixture(t, true)
	for _, public := range []bool{false, true} {
		p, err := contest.BuildProtocol(res, pol, sitting(7), public)
		if err != nil {
			t.Fatal(err)
		}
		if !p.Final() {
			t.Fatalf("draft: %v", p.DraftReasons)
		}
		for _, format := range []string{"html", "csv", "json"} {
			golden.Check(t, fmt.Sprintf("protocol_%s.%s", p.Version, format), render(t, p, format))
		}
	}
}

func TestPublicProtocolReducesPersonalData(t *testing.T) {
	res, pol := protocolFixture(t, true)
	pub, _ := contest.BuildProtocol(res, pol, sitting(7), true)
	for _, format := range []string{"html", "csv", "json"} {
		out := string(render(t, pub, format))
		for _, r := range res.Rows {
			if strings.Contains(out, r.IIN) || strings.Contains(out, r.Name) {
				t.Fatalf("public %s shows %s / %s", format, r.IIN, r.Name)
			}
			if !strings.Contains(out, "********"+r.IIN[8:]) || !strings.Contains(out, contest.PublicName(r.Name)) {
				t.Fatalf("public %s lacks the masked IIN or the short name of %s", format, r.IIN)
			}
		}
	}
	if got := contest.PublicName("Әбілқасымов  айгерім Серікұлы"); got != "Әбілқасымов А. С." {
		t.Errorf("PublicName = %q", got)
	}
	if got := contest.MaskIIN("130501600011"); got != "********0011" {
		t.Errorf("MaskIIN = %q", got)
	}
}

func TestProtocolIsADraftUntilItCanBeSigned(t *testing.T) {
	pending, pol := protocolFixture(t, false)
	decided, _ := protocolFixture(t, true)
	late := sitting(7)
	late.Calendar.ProtocolDate = "2026-04-23"
	cases := []struct {
		name string
		res  *contest.Result
		sit  *contest.Sitting
		want string
	}{
		{"PendingTie", pending, sitting(7), "ожидает решения комиссии"},
		{"EvenCommission", decided, sitting(8), "odd number"},
		{"SmallCommission", decided, sitting(5), "at least seven"},
		{"LateProtocolWithoutReason", decided, late, "причина не записана: protocol_date 2026-04-23 (20.04.2026–21.04.2026, §41)"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p, err := contest.BuildProtocol(tc.res, pol, tc.sit, true)
			if err != nil {
				t.Fatal(err)
			}
			if p.Final() || !strings.Contains(strings.Join(p.DraftReasons, "\n"), tc.want) {
				t.Fatalf("draft reasons %q, want one with %q", p.DraftReasons, tc.want)
			}
			html := string(render(t, p, "html"))
			if !strings.Contains(html, "ПРОЕКТ — НЕ ПОДПИСЫВАТЬ") {
				t.Fatal("a draft HTML protocol does not say so")
			}
		})
	}
	other := sitting(7)
	other.School = "RFMSh"
	if _, err := contest.BuildProtocol(decided, pol, other, true); err == nil {
		t.Fatal("a sitting of another school was accepted")
	}
}

func TestProtocolHashCanBeRecomputedWithShellTools(t *testing.T) {
	res, pol := protocolFixture(t, true)
	p, _ := contest.BuildProtocol(res, pol, sitting(7), false)
	// A national results.csv: this school's lines mixed with another school's, in no
	// particular order.
	cands := res.CandidatesOf()
	for i := range 5 {
		cands = append(cands, contest.Candidate{School: "NIS-Almaty", Grade: 7, IIN: fmt.Sprintf("1305016%05d", i), Name: "Other, Name", Score: 10, Math: 10})
	}
	for i, j := 0, len(cands)-1; i < j; i, j = i+1, j-1 {
		cands[i], cands[j] = cands[j], cands[i]
	}
	var buf bytes.Buffer
	if err := contest.WriteResultsCSV(&buf, cands); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "results.csv")
	os.WriteFile(path, buf.Bytes(), 0o644)
	cmd := exec.Command("sh", "-c", "(head -n1 results.csv; grep '^NIS-Astana,7,' results.csv | LC_ALL=C sort -t, -k3,3) | sha256sum")
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		t.Skipf("sh/sha256sum: %v", err)
	}
	if got := strings.Fields(string(out))[0]; got != p.ResultsSHA256 {
		t.Fatalf("shell recipe gives %s, protocol says %s", got, p.ResultsSHA256)
	}
	// And the hash changes when one score does.
	var canon bytes.Buffer
	contest.WriteCanonicalResults(&canon, res.CandidatesOf())
	sum := sha256.Sum256(canon.Bytes())
	if hex.EncodeToString(sum[:]) != p.ResultsSHA256 {
		t.Fatal("ResultsSHA256 is not the hash of the canonical results")
	}
	changed := res.CandidatesOf()
	changed[3].Score++
	changed[3].Math++
	if contest.ResultsDigest(changed) == p.ResultsSHA256 {
		t.Fatal("changing a score does not change the hash")
	}
}

// TestProtocolPDFRenders renders the PDF with poppler's pdftoppm and checks every page
// has ink on it and the page count is what the layout gives: the title block and 36
// rows on page 1; the last 4 rows, the lists and the policies on page 2; the ties,
// calendar, hash and nine signature lines on page 3.
func TestProtocolPDFRenders(t *testing.T) {
	if _, err := exec.LookPath("pdftoppm"); err != nil {
		t.Skip("pdftoppm not installed (scripts/deps.sh test installs poppler-utils)")
	}
	res, pol := protocolFixture(t, true)
	for _, public := range []bool{false, true} {
		p, _ := contest.BuildProtocol(res, pol, sitting(9), public)
		pdf := render(t, p, "pdf")
		if !bytes.HasPrefix(pdf, []byte("%PDF-")) {
			t.Fatal("not a PDF")
		}
		if again := render(t, p, "pdf"); !bytes.Equal(pdf, again) {
			t.Error("the same protocol gives different PDF bytes")
		}
		dir := t.TempDir()
		os.WriteFile(filepath.Join(dir, "p.pdf"), pdf, 0o644)
		cmd := exec.Command("pdftoppm", "-r", "40", "-png", "p.pdf", "page")
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("pdftoppm: %v\n%s", err, out)
		}
		pages, _ := filepath.Glob(filepath.Join(dir, "page-*.png"))
		if len(pages) != 3 {
			t.Fatalf("%d pages, want 3", len(pages))
		}
		for _, pg := range pages {
			if ink := inkShare(t, pg); ink < 0.01 {
				t.Errorf("%s is blank (%.4f of pixels dark)", filepath.Base(pg), ink)
			}
		}
	}
}

func inkShare(t *testing.T, path string) float64 {
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	b := img.Bounds()
	dark := 0
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			if (r+g+bl)/3 < 0x8000 {
				dark++
			}
		}
	}
	return float64(dark) / float64(b.Dx()*b.Dy())
}

var _ image.Image

func TestProtocolPrintsEveryPolicyAndWhetherTheSchoolChoseIt(t *testing.T) {
	res, _ := protocolFixture(t, true)
	pol := contest.DefaultPolicy()
	pol.QuotaOrder = contest.QuotaFirst
	pol.InvalidAs = "blank"
	pol.TieBreaks = []string{"reading"}
	pol.ReserveSize = 5
	p, err := contest.BuildProtocol(res, pol, sitting(7), true)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, pl := range p.Policies {
		got[pl.Key] = pl.Value + " | " + pl.Source + " | " + pl.TextRU
	}
	for key, want := range map[string]string{
		"score":        "4*correct-1*wrong | §35",
		"invalid_as":   "blank | саясат, мектеп таңдауы / политика, выбор школы | как пустой ответ (0 баллов)",
		"tie_breaks":   "reading | §38; саясат, мектеп таңдауы",
		"quota":        "1 | §25; дөңгелектеу",
		"quota_order":  "quota-first | саясат, мектеп таңдауы / политика, выбор школы | сначала места по квоте",
		"reserve_size": "5 | §43; саясат, мектеп таңдауы",
	} {
		if !strings.HasPrefix(got[key], want) {
			t.Errorf("policy %s = %q, want it to start with %q", key, got[key], want)
		}
	}
}

func TestProtocolOfAGradeWithoutCandidatesOrQuota(t *testing.T) {
	rk, err := contest.Rank([]contest.Seats{{School: "NIS-Astana", Grade: 5, Seats: 20}, {School: "NIS-Astana", Grade: 6, Seats: 20}},
		[]contest.Candidate{{School: "NIS-Astana", Grade: 5, IIN: "130502600014", Name: "Бекова Дана", Score: 40, Math: 30, Reading: 10}},
		contest.DefaultPolicy(), nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, res := range rk.Results {
		p, err := contest.BuildProtocol(&res, contest.DefaultPolicy(), sitting(7), true)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range []string{"html", "csv", "json", "pdf"} {
			if out := render(t, p, f); len(out) == 0 {
				t.Fatalf("grade %d %s is empty", res.Grade, f)
			}
		}
		html := string(render(t, p, "html"))
		if !strings.Contains(html, "квота только для 7 класса (§25)") {
			t.Errorf("grade %d protocol does not say the quota is for grade 7 only", res.Grade)
		}
		if res.Grade == 5 && !strings.Contains(html, `<td class="n">—</td>`) {
			t.Error("grade 5 has no history section, but the protocol prints a history score")
		}
	}
}
