package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"tarazy/contest"
	"tarazy/iin"
	"tarazy/omr/reading"
)

// contestFiles writes a small grade-7 contest: keys, readings and the base. Candidate
// i answers the first 70−5i questions of variant 1 right and the rest blank; the last
// two score the same, so they tie for the last seat.
func contestFiles(t *testing.T) (dir string, iins []string) {
	t.Helper()
	dir = t.TempDir()
	var key strings.Builder
	key.WriteString("grade,variant,answers\n")
	for v := 1; v <= 4; v++ {
		fmt.Fprintf(&key, "7,%d,%s\n", v, strings.Repeat("ABCDE", 15))
	}
	var rd bytes.Buffer
	var base strings.Builder
	base.WriteString("school,grade,iin,name,olympiad,myn_bala\n")
	for i := 0; i < 6; i++ {
		id, err := iin.Make(time.Date(2013, 3, 10+i, 0, 0, 0, 0, time.UTC), iin.Male, 100+i)
		if err != nil {
			t.Fatal(err)
		}
		iins = append(iins, id)
		right := 70 - 5*i
		if i == 5 {
			right = 70 - 5*4 // ties with candidate 4
		}
		ans := make([]string, 75)
		for q := 0; q < right; q++ {
			ans[q] = string("ABCDE"[q%5])
		}
		if err := reading.WriteJSONL(&rd, reading.Reading{File: fmt.Sprintf("scan%d.png", i), Page: 1, Status: reading.StatusOK,
			Form: "g7", Sheet: fmt.Sprintf("S%d", i), IIN: id, Variant: "1", Answers: ans}); err != nil {
			t.Fatal(err)
		}
		myn := 0
		if i == 3 {
			myn = 1
		}
		fmt.Fprintf(&base, "NIS-Test,7,%s,Candidate%d Surname,0,%d\n", id, i, myn)
	}
	write := func(name, s string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("key.csv", key.String())
	write("readings.jsonl", rd.String())
	write("candidates.csv", base.String())
	write("seats.csv", "school,grade,seats,quota\nNIS-Test,7,5,1\n")
	return dir, iins
}

func TestScoreThenRank(t *testing.T) {
	dir, iins := contestFiles(t)
	p := func(n string) string { return filepath.Join(dir, n) }
	code, _, stderr := run(t, "score", "--key", p("key.csv"), "--readings", p("readings.jsonl"), "--out", p("scores.csv"),
		"--candidates", p("candidates.csv"), "--results", p("results.csv"), "--items", p("items.csv"))
	if code != 0 {
		t.Fatalf("score exit %d: %s", code, stderr)
	}
	scores, _ := os.ReadFile(p("scores.csv"))
	if !strings.Contains(string(scores), iins[0]+",7,1,70,0,5,0,280,220,40,20\n") {
		t.Fatalf("scores.csv:\n%s", scores)
	}
	code, _, stderr = run(t, "rank", "--seats", p("seats.csv"), "--results", p("results.csv"), "--out", p("ranking.csv"), "--ties", p("ties.csv"), "--json", p("ranking.json"))
	if code != 0 {
		t.Fatalf("rank exit %d: %s", code, stderr)
	}
	var rk contest.Ranking
	if b, err := os.ReadFile(p("ranking.json")); err != nil || json.Unmarshal(b, &rk) != nil {
		t.Fatalf("ranking.json: %v", err)
	}
	if len(rk.Results) != 1 || rk.Results[0].Quota != 1 || len(rk.Results[0].Ties) != 1 || rk.Policy.QuotaOrder != contest.MeritFirst {
		t.Fatalf("ranking.json: %+v", rk)
	}
	if !strings.Contains(stderr, "NIS-Test grade 7: 6 candidates, 5 seats (quota 1): 4 admitted, 0 on the quota, 0 reserve, 2 tie_pending") {
		t.Fatalf("rank summary: %s", stderr)
	}
	ranking, _ := os.ReadFile(p("ranking.csv"))
	// 5 seats, quota 1 (merit-first): 4 general seats go to candidates 0–3 (3 is a
	// quota holder on score, so uses no quota seat); the quota seat is unfilled and
	// returns to the general list, where candidates 4 and 5 tie for it.
	for i, want := range []string{"1," + iins[0] + ",Candidate0 Surname,280,admitted", "4," + iins[3] + ",Candidate3 Surname,220,admitted", "tie_pending", "tie_pending"} {
		lines := strings.Split(string(ranking), "\n")
		if !strings.Contains(lines[[]int{1, 4, 5, 6}[i]], want) {
			t.Fatalf("ranking line %d lacks %q:\n%s", []int{1, 4, 5, 6}[i], want, ranking)
		}
	}
	ties, _ := os.ReadFile(p("ties.csv"))
	tied := []string{iins[4], iins[5]}
	if tied[0] > tied[1] {
		tied[0], tied[1] = tied[1], tied[0]
	}
	if !strings.Contains(string(ties), "NIS-Test,7,"+tied[0]+" "+tied[1]+",,,") {
		t.Fatalf("ties.csv:\n%s", ties)
	}
	// The commission decides; ranking again applies it.
	dec := strings.Replace(string(ties), tied[0]+" "+tied[1]+",,,", tied[1]+" "+tied[0]+",Commission vote 5–2,better handwriting of the essay,2026-04-21", 1)
	os.WriteFile(p("decisions.csv"), []byte(dec), 0o644)
	code, _, stderr = run(t, "rank", "--seats", p("seats.csv"), "--results", p("results.csv"), "--out", p("ranking.csv"), "--decisions", p("decisions.csv"))
	if code != 0 {
		t.Fatalf("rank with decisions exit %d: %s", code, stderr)
	}
	ranking, _ = os.ReadFile(p("ranking.csv"))
	if !strings.Contains(string(ranking), "5,"+tied[1]+",") || !strings.Contains(string(ranking), "6,"+tied[0]) || strings.Contains(string(ranking), "tie_pending") {
		t.Fatalf("decided ranking:\n%s", ranking)
	}
}

func TestScoreFailsOnConflictsButKeepsTheRest(t *testing.T) {
	dir, _ := contestFiles(t)
	p := func(n string) string { return filepath.Join(dir, n) }
	// One more sheet that is still under review.
	f, _ := os.OpenFile(p("readings.jsonl"), os.O_APPEND|os.O_WRONLY, 0)
	reading.WriteJSONL(f, reading.Reading{File: "late.png", Page: 1, Status: reading.StatusReview, Form: "g7", IIN: "x", Review: []string{"iin3"}})
	f.Close()
	code, _, stderr := run(t, "score", "--key", p("key.csv"), "--readings", p("readings.jsonl"), "--out", p("scores.csv"), "--conflicts", p("conflicts.csv"))
	if code != 1 || !strings.Contains(stderr, "1 sheets were not scored") || !strings.Contains(stderr, "--allow-conflicts") {
		t.Fatalf("exit %d, stderr %s", code, stderr)
	}
	scores, _ := os.ReadFile(p("scores.csv"))
	if n := strings.Count(string(scores), "\n"); n != 7 {
		t.Fatalf("scores.csv has %d lines, want header + 6:\n%s", n, scores)
	}
	conflicts, _ := os.ReadFile(p("conflicts.csv"))
	if !strings.Contains(string(conflicts), "not_final,x,late.png,1") {
		t.Fatalf("conflicts.csv:\n%s", conflicts)
	}
	if code, _, stderr = run(t, "score", "--key", p("key.csv"), "--readings", p("readings.jsonl"), "--out", p("scores.csv"), "--allow-conflicts"); code != 0 {
		t.Fatalf("with --allow-conflicts: exit %d, %s", code, stderr)
	}
}

func TestScoreAndRankReportBadFiles(t *testing.T) {
	dir, _ := contestFiles(t)
	p := func(n string) string { return filepath.Join(dir, n) }
	os.WriteFile(p("badkey.csv"), []byte("grade,variant,answers\n7,1,ABC\n"), 0o644)
	code, _, stderr := run(t, "score", "--key", p("badkey.csv"), "--readings", p("readings.jsonl"), "--out", p("scores.csv"))
	if code != 1 || !strings.Contains(stderr, "badkey.csv line 2: grade 7 variant 1: 3 answers") {
		t.Fatalf("exit %d, stderr %s", code, stderr)
	}
	if _, err := os.Stat(p("scores.csv")); err == nil {
		t.Fatal("scores.csv written from a bad key file")
	}
	os.WriteFile(p("badseats.csv"), []byte("school,grade,seats\nNIS-Test,7,five\n"), 0o644)
	code, _, stderr = run(t, "rank", "--seats", p("badseats.csv"), "--results", p("candidates.csv"), "--out", p("r.csv"))
	if code != 1 || !strings.Contains(stderr, "badseats.csv line 2") {
		t.Fatalf("exit %d, stderr %s", code, stderr)
	}
	if code, _, _ = run(t, "rank", "--seats", p("seats.csv")); code != 2 {
		t.Fatalf("missing flags: exit %d, want 2", code)
	}
	if code, _, _ = run(t, "rank", "--seats", p("seats.csv"), "--results", p("x"), "--out", "-", "--quota-order", "random"); code != 2 {
		t.Fatalf("bad quota order: exit %d, want 2", code)
	}
}

// The policy is recorded once, when the grade is scored; rank and the protocol read
// it, and refuse a flag that would print a policy the scores were not made with.
func TestRankUsesThePolicyRecordedWithTheResults(t *testing.T) {
	dir, _ := contestFiles(t)
	p := func(n string) string { return filepath.Join(dir, n) }
	if code, _, stderr := run(t, "score", "--key", p("key.csv"), "--readings", p("readings.jsonl"), "--out", p("scores.csv"),
		"--candidates", p("candidates.csv"), "--results", p("results.csv"), "--invalid-as", "blank", "--quota-order", "quota-first", "--tie-breaks", "none"); code != 0 {
		t.Fatalf("score exit %d: %s", code, stderr)
	}
	if b, err := os.ReadFile(p("results.csv.policy.json")); err != nil || !strings.Contains(string(b), `"invalid_as": "blank"`) || !strings.Contains(string(b), `"quota_order": "quota-first"`) {
		t.Fatalf("policy record: %s, %v", b, err)
	}
	code, _, stderr := run(t, "rank", "--seats", p("seats.csv"), "--results", p("results.csv"), "--out", p("ranking.csv"), "--json", p("ranking.json"))
	if code != 0 {
		t.Fatalf("rank exit %d: %s", code, stderr)
	}
	var rk contest.Ranking
	if b, err := os.ReadFile(p("ranking.json")); err != nil || json.Unmarshal(b, &rk) != nil || rk.Policy.InvalidAs != "blank" ||
		rk.Policy.QuotaOrder != contest.QuotaFirst || len(rk.Policy.TieBreaks) != 0 {
		t.Fatalf("ranking policy = %+v (%v)", rk.Policy, err)
	}
	for _, flag := range []string{"--invalid-as", "--quota-order", "--tie-breaks", "--reserve"} {
		code, _, stderr = run(t, "rank", "--seats", p("seats.csv"), "--results", p("results.csv"), "--out", p("ranking.csv"), flag, "1")
		if code != 2 || !strings.Contains(stderr, "recorded once, when the grade is scored") {
			t.Fatalf("%s on rank: exit %d: %s", flag, code, stderr)
		}
	}
	os.Remove(p("results.csv.policy.json"))
	code, _, stderr = run(t, "rank", "--seats", p("seats.csv"), "--results", p("results.csv"), "--out", p("ranking.csv"))
	if code != 1 || !strings.Contains(stderr, "has no record of the policy it was scored with") {
		t.Fatalf("without a record: exit %d: %s", code, stderr)
	}
}
