package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"tarazy/contest"
)

const sittingYAML = `school: NIS-Test
school_name_kk: "Назарбаев Зияткерлік мектебі"
school_name_ru: "Назарбаев Интеллектуальная школа"
number: "3"
city: Астана
calendar:
  contest_date: 2026-04-20
  protocol_date: 2026-04-21
commission:
  chair: Бекова Айгүл
  members:
    - {name: Бекова Айгүл, position: "«Дарын» орталығы"}
    - {name: Петров Алексей, position: БҒМ сапа комитеті}
    - {name: Жақыпов Ерлан, position: оқу-әдістемелік кеңес}
    - {name: Ахметова Әйгерім, position: мониторинг тобы}
    - {name: Ким Ольга, position: қоғамдық ұйым}
    - {name: Оспанов Тимур, position: мониторинг тобы}
    - {name: Мұқанова Салтанат, position: қоғамдық ұйым}
`

func TestProtocolCommand(t *testing.T) {
	dir, iins := contestFiles(t)
	p := func(n string) string { return filepath.Join(dir, n) }
	os.WriteFile(p("sitting.yaml"), []byte(sittingYAML), 0o644)
	if code, _, stderr := run(t, "score", "--key", p("key.csv"), "--readings", p("readings.jsonl"), "--out", p("scores.csv"),
		"--candidates", p("candidates.csv"), "--results", p("results.csv")); code != 0 {
		t.Fatalf("score: %s", stderr)
	}
	if code, _, stderr := run(t, "rank", "--seats", p("seats.csv"), "--results", p("results.csv"), "--out", p("ranking.csv"), "--ties", p("ties.csv")); code != 0 {
		t.Fatalf("rank: %s", stderr)
	}
	args := func(extra ...string) []string {
		return append([]string{"protocol", "--ranking", p("ranking.csv"), "--results", p("results.csv"), "--seats", p("seats.csv"),
			"--sitting", p("sitting.yaml"), "--school", "NIS-Test", "--grade", "7"}, extra...)
	}

	t.Run("PendingTieRefusedUnlessDraft", func(t *testing.T) {
		code, _, stderr := run(t, args("--out", p("draft.html"))...)
		if code != 1 || !strings.Contains(stderr, "cannot be signed yet") || !strings.Contains(stderr, "--draft") {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		if _, err := os.Stat(p("draft.html")); err == nil {
			t.Fatal("a protocol that cannot be signed was written")
		}
		code, _, stderr = run(t, args("--out", p("draft.html"), "--draft")...)
		html, _ := os.ReadFile(p("draft.html"))
		if code != 0 || !strings.Contains(string(html), "ПРОЕКТ — НЕ ПОДПИСЫВАТЬ") {
			t.Fatalf("exit %d: %s", code, stderr)
		}
	})

	ties, _ := os.ReadFile(p("ties.csv"))
	lines := strings.Split(strings.TrimSpace(string(ties)), "\n")
	os.WriteFile(p("decisions.csv"), []byte(lines[0]+"\n"+strings.TrimSuffix(lines[1], ",,,")+",Комиссия (5–2),жеребе / жребий,2026-04-21\n"), 0o644)
	if code, _, stderr := run(t, "rank", "--seats", p("seats.csv"), "--results", p("results.csv"), "--out", p("ranking.csv"), "--decisions", p("decisions.csv")); code != 0 {
		t.Fatalf("rank with decisions: %s", stderr)
	}

	t.Run("RankingMadeWithoutTheDecisionsDoesNotMatch", func(t *testing.T) {
		code, _, stderr := run(t, args("--out", p("x.html"))...)
		if code != 1 || !strings.Contains(stderr, "does not match") {
			t.Fatalf("exit %d: %s", code, stderr)
		}
	})

	t.Run("EveryFormat", func(t *testing.T) {
		for _, f := range []string{"html", "csv", "json", "pdf"} {
			out := p("protocol." + f)
			code, _, stderr := run(t, args("--decisions", p("decisions.csv"), "--out", out)...)
			if code != 0 {
				t.Fatalf("%s: exit %d: %s", f, code, stderr)
			}
			b, _ := os.ReadFile(out)
			if f == "pdf" {
				if !strings.HasPrefix(string(b), "%PDF-") {
					t.Fatal("not a PDF")
				}
				if _, err := exec.LookPath("pdfinfo"); err == nil {
					info, _ := exec.Command("pdfinfo", out).Output()
					if !strings.Contains(string(info), "Pages:") {
						t.Fatalf("pdfinfo: %s", info)
					}
				}
				continue
			}
			if strings.Contains(string(b), iins[0]) || !strings.Contains(string(b), "********"+iins[0][8:]) {
				t.Fatalf("public %s shows a full IIN or lacks the masked one", f)
			}
		}
		code, _, _ := run(t, args("--decisions", p("decisions.csv"), "--out", p("internal.csv"), "--internal")...)
		b, _ := os.ReadFile(p("internal.csv"))
		if code != 0 || !strings.Contains(string(b), iins[0]) || !strings.Contains(string(b), "Candidate0 Surname") {
			t.Fatalf("internal protocol lacks full data:\n%s", b)
		}
	})

	t.Run("EditedRankingIsRefused", func(t *testing.T) {
		r, _ := os.ReadFile(p("ranking.csv"))
		edited := strings.Replace(string(r), ",reserve", ",admitted", 1)
		os.WriteFile(p("edited.csv"), []byte(edited), 0o644)
		a := args("--decisions", p("decisions.csv"), "--out", p("y.html"))
		a[2] = p("edited.csv")
		code, _, stderr := run(t, a...)
		if code != 1 || !strings.Contains(stderr, "does not match") {
			t.Fatalf("exit %d: %s", code, stderr)
		}
	})

	t.Run("LateProtocolNeedsAReasonAndIsReported", func(t *testing.T) {
		late := strings.Replace(sittingYAML, "protocol_date: 2026-04-21", "protocol_date: 2026-04-23", 1)
		os.WriteFile(p("late.yaml"), []byte(late), 0o644)
		a := args("--decisions", p("decisions.csv"), "--out", p("late.html"))
		a[8] = p("late.yaml")
		code, _, stderr := run(t, a...)
		if code != 1 || !strings.Contains(stderr, "причина не записана: protocol_date 2026-04-23") {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		withReason := strings.Replace(late, "  protocol_date: 2026-04-23\n", "  protocol_date: 2026-04-23\n  reasons: {protocol_date: \"scanner broke on 21 April\"}\n", 1)
		os.WriteFile(p("late.yaml"), []byte(withReason), 0o644)
		code, _, stderr = run(t, a...)
		html, _ := os.ReadFile(p("late.html"))
		if code != 0 || !strings.Contains(stderr, "warning: protocol_date 2026-04-23 is outside 20.04.2026–21.04.2026 (§41); went ahead because: scanner broke on 21 April") ||
			!strings.Contains(string(html), "scanner broke on 21 April") {
			t.Fatalf("exit %d: %s", code, stderr)
		}
	})

	t.Run("BadSittingFile", func(t *testing.T) {
		os.WriteFile(p("bad.yaml"), []byte(sittingYAML+"signature: yes\n"), 0o644)
		a := args("--decisions", p("decisions.csv"), "--out", p("z.html"))
		a[8] = p("bad.yaml")
		if code, _, stderr := run(t, a...); code != 1 || !strings.Contains(stderr, "signature") {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		if code, _, _ := run(t, args("--decisions", p("decisions.csv"), "--out", p("z.txt"))...); code != 2 {
			t.Fatalf("unknown format: exit %d, want 2", code)
		}
	})
}

func TestSittingTemplateParses(t *testing.T) {
	code, out, _ := run(t, "protocol", "--sitting-template")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	sit, err := contest.ParseSitting(strings.NewReader(out), "template")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sit.Calendar.Check(); err != nil {
		t.Fatal(err)
	}
	// The template has one member: a protocol from it cannot be signed until the
	// commission is filled in.
	if err := sit.Commission.Validate(); err == nil || !strings.Contains(err.Error(), "at least seven") {
		t.Fatalf("template commission: %v", err)
	}
}
