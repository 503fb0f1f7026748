package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"tarazy/contest"
	"tarazy/store/sqlite"
)

// The example of issue 6, output exactly as specified: two ISO dates.
func TestIntakeDeadlineIssueExample(t *testing.T) {
	code, out, stderr := run(t, "intake", "deadline", "--from", "2026-03-20T17:45", "--working-days", "5")
	if code != 0 || out != "2026-03-20\n2026-04-01\n" {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, out, stderr)
	}
}

func TestIntakeDeadlineFollowsCalendarOverride(t *testing.T) {
	dir := t.TempDir()
	override := filepath.Join(dir, "kurban.yaml")
	os.WriteFile(override, []byte("dated:\n  - {id: kurban-ait, date: 2026-05-28, carry: false, name_kk: \"Құрбан айт\", name_ru: \"Курбан айт\"}\n"), 0o644)
	_, before, _ := run(t, "intake", "deadline", "--from", "2026-05-26T10:00", "--working-days", "2")
	code, after, stderr := run(t, "intake", "deadline", "--from", "2026-05-26T10:00", "--working-days", "2", "--calendar", override)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	// Built in: 27 May is Kurban Ait, so 28 and 29 May. Moved to the 28th: 27 and 29.
	if before != "2026-05-26\n2026-05-29\n" || after != "2026-05-26\n2026-05-29\n" {
		t.Errorf("before %q after %q", before, after)
	}
	_, after1, _ := run(t, "intake", "deadline", "--from", "2026-05-26T10:00", "--working-days", "1", "--calendar", override)
	if after1 != "2026-05-26\n2026-05-27\n" {
		t.Errorf("with Kurban Ait moved to 28 May, one working day after 26 May is the 27th; got %q", after1)
	}
}

func TestIntakeRefusesToStartOnAMalformedFile(t *testing.T) {
	dir := t.TempDir()
	cat := filepath.Join(dir, "catalogue.yaml")
	_, builtin, _ := run(t, "intake", "catalogue", "--dump")
	os.WriteFile(cat, []byte(strings.Replace(builtin, "code: TRF", "code: trf", 1)), 0o644)
	line := strings.Count(builtin[:strings.Index(builtin, "code: TRF")], "\n") + 1
	for _, args := range [][]string{
		{"intake", "deadline", "--from", "2026-03-20T17:45", "--working-days", "5", "--catalogue", cat},
		{"intake", "list", "--data", dir, "--catalogue", cat},
		{"intake", "catalogue", "--check", cat},
	} {
		code, _, stderr := run(t, args...)
		want := cat + ":" + itoa(line) + ": service transfer: code \"trf\""
		if code != 1 || !strings.Contains(stderr, want) {
			t.Errorf("%v: exit %d, stderr %q, want it to contain %q", args[1:3], code, stderr, want)
		}
	}
	cal := filepath.Join(dir, "calendar.yaml")
	os.WriteFile(cal, []byte("transfers:\n  - {working: 2026-01-06, off: 2026-01-05, act: x}\n"), 0o644)
	code, _, stderr := run(t, "intake", "calendar", "--check", cal)
	if code != 1 || !strings.Contains(stderr, cal+":2: transfer: 2026-01-06 is a Tuesday") {
		t.Errorf("calendar check: exit %d, %q", code, stderr)
	}
	if code, out, _ := run(t, "intake", "catalogue", "--check", filepath.Join(dir, "none.yaml")); code != 1 {
		t.Errorf("missing file: exit %d %q", code, out)
	}
}

func itoa(n int) string {
	s := ""
	for ; n > 0; n /= 10 {
		s = string(rune('0'+n%10)) + s
	}
	return s
}

// The school's names as the store keeps them; receipts must print these, never the
// catalogue's sample provider.
const (
	schoolKK = "Абай атындағы №1 мамандандырылған лицей"
	schoolRU = "Специализированный лицей №1 имени Абая"
)

// setupSchool makes a fresh embedded store with the school 001 and the 2026 contest,
// as a school running the desk on its own machine does once.
func setupSchool(t *testing.T) string {
	t.Helper()
	data := t.TempDir()
	code, out, stderr := run(t, "intake", "setup", "--data", data, "--school", "001", "--contest", "2026", "--year", "2026", "--staff", "admin",
		"--name-kk", schoolKK, "--name-ru", schoolRU)
	if code != 0 || !strings.Contains(out, "school 001: "+schoolKK) || !strings.Contains(out, "contest 2026: Конкурс 2026, 2026") {
		t.Fatalf("setup: exit %d\n%s\n%s", code, out, stderr)
	}
	return data
}

func TestIntakeApplicationFlow(t *testing.T) {
	data := setupSchool(t)
	t.Setenv("TARAZY_STAFF", "Гүлнар")
	base := []string{"intake", "apply", "--data", data, "--service", "duplicates", "--applicant", "Бекзат Оспанов",
		"--condition", "damaged", "--doc", "application", "--doc", "identity", "--at", "2026-04-14T17:59"}
	code, out, stderr := run(t, base...)
	if code != 0 || !strings.HasPrefix(out, "REFUSED AT INTAKE DUP-2026-00001") || !strings.Contains(out, "білім туралы құжаттың түпнұсқасы") {
		t.Fatalf("without the damaged original: exit %d\n%s\n%s", code, out, stderr)
	}
	pdf := filepath.Join(data, "r.pdf")
	code, out, stderr = run(t, append(base, "--doc", "original_document", "--pdf", pdf)...)
	if code != 0 || !strings.HasPrefix(out, "REGISTERED DUP-2026-00002, registered 2026-04-14, due 2026-05-06") {
		t.Fatalf("complete: exit %d\n%s\n%s", code, out, stderr)
	}
	if b, err := os.ReadFile(pdf); err != nil || !strings.HasPrefix(string(b), "%PDF") {
		t.Fatalf("receipt PDF: %v", err)
	}
	code, out, _ = run(t, "intake", "status", "--data", data, "DUP-2026-00002", "--to", "refused", "--ground", "unreliable")
	if code != 1 {
		t.Errorf("refusal without reasons: exit %d %q", code, out)
	}
	code, out, stderr = run(t, "intake", "status", "--data", data, "DUP-2026-00002", "--to", "issued", "--result", "duplicate № 17", "--staff", "директор")
	if code != 0 || !strings.Contains(out, "DUP-2026-00002 is now issued") {
		t.Fatalf("issue: exit %d %q %q", code, out, stderr)
	}
	code, out, _ = run(t, "intake", "show", "--data", data, "DUP-2026-00002")
	if code != 0 {
		t.Errorf("show: exit %d", code)
	}
	for _, want := range []string{"issued", "Гүлнар     submit", "директор   status       registered→issued duplicate № 17"} {
		if !strings.Contains(out, want) {
			t.Errorf("show lacks %q:\n%s", want, out)
		}
	}
	code, out, _ = run(t, "intake", "list", "--data", data, "--status", "rejected")
	if code != 0 || !strings.Contains(out, "DUP-2026-00001") || strings.Contains(out, "DUP-2026-00002") {
		t.Errorf("list --status rejected:\n%s", out)
	}
	code, out, _ = run(t, "intake", "receipt", "--data", data, "DUP-2026-00001", "--lang", "ru")
	if code != 0 || !strings.Contains(out, "Расписка об отказе в приеме документов") || !strings.Contains(out, "оригинал документа об образовании") {
		t.Errorf("receipt again:\n%s", out)
	}
	if code, _, stderr := run(t, "intake", "show", "--data", data, "DUP-2026-00099"); code != 1 || !strings.Contains(stderr, "not found") {
		t.Errorf("unknown number: %d %q", code, stderr)
	}
}

func TestIntakeContestRegistrationAndExport(t *testing.T) {
	data := setupSchool(t)
	t.Setenv("TARAZY_STAFF", "жауапты тұлға")
	reg := func(name, iin string, extra ...string) (int, string, string) {
		args := append([]string{"intake", "contest-register", "--data", data, "--name", name, "--iin", iin, "--grade", "7",
			"--language", "kk", "--email", "c@example.kz", "--applicant", "ата-анасы", "--at", "2026-03-10T10:00",
			"--doc", "application", "--doc", "birth_certificate", "--doc", "school_certificate", "--doc", "photos"}, extra...)
		return run(t, args...)
	}
	if code, out, stderr := reg("Омарова Айша", "130517600016", "--olympiad", "--diploma", "математика, II орын", "--doc", "olympiad_diploma", "--myn-bala"); code != 0 || !strings.HasPrefix(out, "REGISTERED CON-2026-00001") {
		t.Fatalf("register: %d %s %s", code, out, stderr)
	}
	if code, _, stderr := reg("Омарова Айша", "130517600016"); code != 1 || !strings.Contains(stderr, "already registered") {
		t.Fatalf("same IIN again: %d %s", code, stderr)
	}
	if code, _, stderr := reg("Ахметов Ерлан", "130517500017"); code != 1 || !strings.Contains(stderr, "--iin-override") {
		t.Fatalf("check digit failing: %d %s", code, stderr)
	}
	if code, out, stderr := reg("Ахметов Ерлан", "130517500017", "--iin-override", "as on the birth certificate"); code != 0 || !strings.Contains(stderr, "ЖСН бақылау саны сәйкес келмейді; жауапты тұлға қабылдады") {
		t.Fatalf("override: %d %s %s", code, out, stderr)
	}
	if code, _, stderr := reg("Сейт Дана", "130230600016"); code != 1 || !strings.Contains(stderr, "real date of birth") {
		t.Fatalf("30 February: %d %s", code, stderr)
	}
	// §19: late MAY be refused; a person decides, with the reason.
	late := []string{"--at", "2026-04-02T09:30"}
	if code, _, stderr := reg("Кеш Қалды", "130909600017", late...); code != 1 || !strings.Contains(stderr, "19-тармағы") || !strings.Contains(stderr, "--decide accept|refuse") {
		t.Fatalf("late without a decision: %d %s", code, stderr)
	}
	late = append(late, "--decide", "refuse", "--decision-reason", "себепсіз кешікті / опоздание без причины")
	if code, out, _ := reg("Кеш Қалды", "130909600017", late...); code != 0 || !strings.HasPrefix(out, "REFUSED AT INTAKE") || !strings.Contains(out, "19-тармағы") {
		t.Fatalf("late, refused by decision: %d %s", code, out)
	}
	// The accepted registrations are the contest's candidates in the store, which the
	// ranking reads; a withdrawn one leaves the base.
	if got := storeCandidates(t, data); got != "130517500017 130517600016" {
		t.Errorf("candidates in the store: %s", got)
	}
	if code, out, stderr := reg("Нұрлан Бек", "130302500010"); code != 0 {
		t.Fatalf("third registration: %d %s %s", code, out, stderr)
	}
	if code, out, stderr := run(t, "intake", "status", "--data", data, "CON-2026-00004", "--to", "withdrawn", "--reason", "the parents' request of 11 March"); code != 0 || !strings.Contains(out, "CON-2026-00004 is now withdrawn") {
		t.Fatalf("withdraw: %d %s %s", code, out, stderr)
	}
	if got := storeCandidates(t, data); got != "130517500017 130517600016" {
		t.Errorf("candidates in the store after the withdrawal: %s", got)
	}
	// §20: the base is sent after acceptance closes and by 3 April; the sending is
	// recorded with what was in the base, and warned about when early.
	code, stdout, stderr := run(t, "intake", "daryn-sent", "--data", data, "--year", "2026", "--at", "2026-04-01T12:00", "--note", "портал")
	if code != 0 || !strings.HasPrefix(stdout, "DRN-2026-1: the base of contest 2026 (2 candidates") || !strings.Contains(stderr, "қабылдау аяқталғанға дейін") {
		t.Fatalf("daryn-sent before acceptance closed: %d %s %s", code, stdout, stderr)
	}
	out := filepath.Join(t.TempDir(), "daryn")
	code, stdout, stderr = run(t, "intake", "contest-export", "--data", data, "--year", "2026", "--out", out)
	if code != 0 || !strings.HasPrefix(stdout, "2 candidates of 2026 at school 001") {
		t.Fatalf("export: %d %s %s", code, stdout, stderr)
	}
	csv, _ := os.ReadFile(filepath.Join(out, "candidates.csv"))
	if !strings.Contains(string(csv), "001,7,130517600016,Омарова Айша,1,1,kk,c@example.kz,") || strings.Contains(string(csv), "Кеш") {
		t.Errorf("candidates.csv:\n%s", csv)
	}
	// The contest reads the registrations as they are.
	f, err := os.Open(filepath.Join(out, "contest-candidates.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	regs, err := contest.ReadCandidatesCSV(f, "contest-candidates.csv")
	if err != nil || len(regs) != 2 || !regs[1].Olympiad || !regs[1].MynBala || regs[1].IIN != "130517600016" {
		t.Errorf("contest.ReadCandidatesCSV: %+v, %v", regs, err)
	}
	if _, err := exec.LookPath("sha256sum"); err == nil {
		cmd := exec.Command("sha256sum", "-c", "SHA256SUMS")
		cmd.Dir = out
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("sha256sum -c: %v %s", err, b)
		}
	}
}

// storeCandidates lists the IINs of the 2026 contest's candidates in the embedded
// store under data.
func storeCandidates(t *testing.T, data string) string {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(data, sqlite.FileName))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	cs, err := st.Candidates(context.Background(), "2026", "001")
	if err != nil {
		t.Fatal(err)
	}
	var iins []string
	for _, c := range cs {
		iins = append(iins, c.IIN)
	}
	return strings.Join(iins, " ")
}

func TestIntakeNeedsItsSchool(t *testing.T) {
	t.Setenv("TARAZY_STAFF", "clerk")
	empty := t.TempDir()
	if code, _, stderr := run(t, "intake", "list", "--data", empty); code != 1 || !strings.Contains(stderr, "tarazy intake setup --school CODE") {
		t.Errorf("a store without schools: exit %d, %q", code, stderr)
	}
	data := setupSchool(t)
	if code, _, stderr := run(t, "intake", "setup", "--data", data, "--school", "002"); code != 2 || !strings.Contains(stderr, "--name-kk") {
		t.Errorf("a new school without its names: exit %d, %q", code, stderr)
	}
	if code, _, stderr := run(t, "intake", "setup", "--data", data, "--school", "002", "--name-kk", "№2 лицей", "--name-ru", "Лицей №2"); code != 0 {
		t.Fatalf("second school: %s", stderr)
	}
	if code, _, stderr := run(t, "intake", "list", "--data", data); code != 2 || !strings.Contains(stderr, "--school CODE") || !strings.Contains(stderr, "001, 002") {
		t.Errorf("two schools without --school: exit %d, %q", code, stderr)
	}
	if code, _, stderr := run(t, "intake", "list", "--data", data, "--school", "002"); code != 0 {
		t.Errorf("--school 002: exit %d, %q", code, stderr)
	}
	if code, _, stderr := run(t, "intake", "apply", "--data", data, "--school", "009", "--service", "transfer", "--applicant", "A", "--at", "2026-04-14T10:00"); code != 1 || !strings.Contains(stderr, "school 009 is not in the list of schools") {
		t.Errorf("unknown school: exit %d, %q", code, stderr)
	}
	if code, out, _ := run(t, "intake", "setup", "--data", data, "--school", "001", "--contest", "2026", "--year", "2026"); code != 0 || !strings.Contains(out, "already there") {
		t.Errorf("setup again: exit %d, %q", code, out)
	}
	if code, _, stderr := run(t, "intake", "setup", "--data", data, "--school", "001", "--contest", "2026", "--year", "2027"); code != 1 || !strings.Contains(stderr, "already exists for 2026") {
		t.Errorf("setup with the contest's year changed: exit %d, %q", code, stderr)
	}
}

func TestIntakeFirstGradeOrderPrinted(t *testing.T) {
	data := setupSchool(t)
	t.Setenv("TARAZY_STAFF", "clerk")
	for i, who := range []string{"O-Асан", "T-Бота", "T-Ерке", "T-Жан", "T-Іңкәр"} {
		args := []string{"intake", "apply", "--data", data, "--service", "school-admission", "--applicant", "ата-ана", "--child", who,
			"--grade", "1", "--at", "2026-04-0" + itoa(i+1) + "T10:00", "--doc", "application", "--doc", "identity", "--doc", "health", "--doc", "photos"}
		if strings.HasPrefix(who, "T-") {
			args = append(args, "--territory")
		}
		if code, _, stderr := run(t, args...); code != 0 {
			t.Fatal(stderr)
		}
	}
	code, out, stderr := run(t, "intake", "first-grade", "--data", data, "--year", "2026", "--format", "csv")
	if code != 0 {
		t.Fatal(stderr)
	}
	var order []string
	for _, line := range strings.Split(strings.TrimSpace(out), "\n")[1:] {
		order = append(order, strings.Split(line, ",")[4])
	}
	if got := strings.Join(order, " "); got != "T-Бота T-Ерке T-Жан O-Асан T-Іңкәр" {
		t.Errorf("order %s", got)
	}
	code, out, _ = run(t, "intake", "first-grade", "--data", data, "--year", "2026")
	if code != 0 || !strings.Contains(out, "3 from the service territory, then 1 from outside") || !strings.Contains(out, "Комиссия мүшелері") {
		t.Errorf("text order:\n%s", out)
	}
}

func TestIntakeComplaintsAndOverdue(t *testing.T) {
	data := setupSchool(t)
	t.Setenv("TARAZY_STAFF", "secretary")
	code, out, stderr := run(t, "intake", "complaint", "--data", data, "--body", "quality_authority", "--from", "Ерлан", "--subject", "no receipt", "--at", "2026-04-01T10:00")
	if code != 0 || out != "CPL-2026-00001 to quality_authority: registered 2026-04-01, due 2026-04-22\n" {
		t.Fatalf("%d %q %q", code, out, stderr)
	}
	run(t, "intake", "complaint", "--data", data, "--from", "Айгүл", "--subject", "rude", "--at", "2026-04-13T10:00")
	if code, _, stderr := run(t, "intake", "complaint-extend", "--data", data, "CPL-2026-00002", "--days", "3", "--reason", "x", "--on", "2026-04-14"); code != 1 || !strings.Contains(stderr, "cannot be extended") {
		t.Errorf("extending at the school: %d %s", code, stderr)
	}
	code, out, stderr = run(t, "intake", "complaint-extend", "--data", data, "CPL-2026-00001", "--days", "10", "--reason", "inspection", "--on", "2026-04-20")
	if code != 0 || !strings.Contains(out, "due 2026-05-08 (extended by 10 from 2026-04-22; tell the complainant by 2026-04-23)") {
		t.Fatalf("extend: %d %q %q", code, out, stderr)
	}
	code, out, _ = run(t, "intake", "overdue", "--data", data, "--on", "2026-04-24")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if code != 0 || len(lines) != 2 || !strings.HasPrefix(lines[0], "complaint        CPL-2026-00002") || !strings.HasPrefix(lines[1], "extension_notice CPL-2026-00001") {
		t.Errorf("overdue:\n%s", out)
	}
	run(t, "intake", "complaint-notice", "--data", data, "CPL-2026-00001", "--on", "2026-04-24")
	run(t, "intake", "complaint-answer", "--data", data, "CPL-2026-00002", "--outcome", "apology given", "--on", "2026-04-24")
	if code, out, _ := run(t, "intake", "overdue", "--data", data, "--on", "2026-04-24"); code != 0 || out != "" {
		t.Errorf("nothing should be overdue after the notice and the answer: %q", out)
	}
}

func TestIntakeUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"intake"},
		{"intake", "nope"},
		{"intake", "deadline", "--from", "2026-03-20T17:45"},
		{"intake", "deadline", "--from", "20.03.2026", "--working-days", "1"},
		{"intake", "apply", "--service", "transfer"},
	} {
		if code, _, _ := run(t, args...); code != 2 {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
	}
}

// tarazy serve carries the desk and, like every intake command, refuses to start on a
// malformed catalogue, naming its line.
func TestServeRefusesAMalformedCatalogue(t *testing.T) {
	dir := t.TempDir()
	_, builtin, _ := run(t, "intake", "catalogue", "--dump")
	cat := filepath.Join(dir, "catalogue.yaml")
	os.WriteFile(cat, []byte(strings.Replace(builtin, "code: TRF", "code: trf", 1)), 0o644)
	t.Setenv("TARAZY_CATALOGUE", cat)
	code, out, stderr := run(t, "serve", "--data", dir, "--addr", "127.0.0.1:0")
	if code != 1 || out != "" || !strings.Contains(stderr, cat+":") || !strings.Contains(stderr, `service transfer: code "trf"`) {
		t.Errorf("serve with a malformed catalogue: exit %d, stdout %q, stderr %q", code, out, stderr)
	}
}

// Item 13: the 2027 season. Its dates come from the season data; its working-day
// calendar is computed from the law and marked provisional until the Kurban Ait date
// and the transfer order are entered, and every deadline in it says so.
func TestIntake2027SeasonIsProvisional_Para16_LabourCodeArt84(t *testing.T) {
	code, out, stderr := run(t, "intake", "season", "--year", "2027")
	for _, want := range []string{"registration  2027-03-01 – 2027-04-01  §16", "daryn_base    by 2027-04-03", "contest       2027-04-15 – 2027-04-30  §27",
		"calendar 2027: БОЛЖАЛДЫ / ПРЕДВАРИТЕЛЬНЫЙ", "Құрбан айттың күні"} {
		if code != 0 || !strings.Contains(out, want) {
			t.Errorf("intake season --year 2027 lacks %q: %d\n%s%s", want, code, out, stderr)
		}
	}
	code, out, stderr = run(t, "intake", "deadline", "--from", "2026-12-28T10:00", "--working-days", "5")
	if code != 0 || out != "2026-12-28\n2027-01-06\n" || !strings.Contains(stderr, "Мерзім болжалды") || !strings.Contains(stderr, "Срок предварительный") {
		t.Errorf("a deadline into 2027: %d %q %q", code, out, stderr)
	}
	data := setupSchool(t)
	t.Setenv("TARAZY_STAFF", "Гүлнар")
	code, out, stderr = run(t, "intake", "apply", "--data", data, "--service", "duplicates", "--applicant", "Бекзат Оспанов",
		"--condition", "lost", "--doc", "application", "--doc", "identity", "--at", "2026-12-21T10:00")
	if code != 0 || !strings.Contains(out, "due 2027-01-14") || !strings.Contains(out, "Мерзім болжалды: 2027") || !strings.Contains(out, "Срок предварительный") {
		t.Errorf("a receipt due in 2027: %d\n%s\n%s", code, out, stderr)
	}
	// The receipt names the school from the store, never the catalogue's sample.
	if !strings.Contains(out, schoolKK) || !strings.Contains(out, schoolRU) || strings.Contains(out, "Тимирязев") {
		t.Errorf("the receipt does not name this school:\n%s", out)
	}
	// Confirming 2027 is one line in an override file.
	over := filepath.Join(t.TempDir(), "2027.yaml")
	os.WriteFile(over, []byte("confirmed: [2027]\ndated:\n  - {id: kurban-ait, date: 2027-05-17, carry: false, name_kk: \"Құрбан айт\", name_ru: \"Курбан айт\"}\n"), 0o644)
	code, out, stderr = run(t, "intake", "deadline", "--calendar", over, "--from", "2026-12-28T10:00", "--working-days", "5")
	if code != 0 || stderr != "" {
		t.Errorf("2027 confirmed: %d %q %q", code, out, stderr)
	}
}
