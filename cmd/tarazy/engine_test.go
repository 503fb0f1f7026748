package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"tarazy/contest"
	"tarazy/omr/reading"
	"tarazy/results"
	"tarazy/server"
	"tarazy/server/client"
	"tarazy/store"
	"tarazy/store/blob"
	"tarazy/store/sqlite"
	"tarazy/store/storetest"
)

// The command line and the server run one results engine: the same inputs give the
// same protocol, byte for byte, in every format and both versions (issue 10).
func TestCLIAndServerProtocolsAreIdentical(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	p := func(n string) string { return filepath.Join(dir, n) }
	write := func(name, s string) {
		if err := os.WriteFile(p(name), []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}

	// The inputs: keys, the base (one olympiad winner, two candidates tied for the
	// last seat, one multi-mark), the readings, the seats and the sitting.
	key := "grade,variant,answers\n"
	for v := 1; v <= 4; v++ {
		key += fmt.Sprintf("5,%d,%s\n", v, strings.Repeat("ABCDE", 8))
	}
	write("key.csv", key)
	base := "school,grade,iin,name,olympiad,myn_bala\n"
	var rd bytes.Buffer
	rights := []int{38, 34, 30, 30, 26, 22}
	for i, right := range rights {
		id := storetest.IIN(i + 1)
		olympiad := 0
		if i == 4 {
			olympiad = 1
		}
		base += fmt.Sprintf("S1,5,%s,Кандидат%d Тегі Әкесі,%d,0\n", id, i+1, olympiad)
		ans := make([]string, 40)
		for q := 0; q < right; q++ {
			ans[q] = string("ABCDE"[q%5])
		}
		if i == 5 {
			ans[39] = "AC"
		}
		reading.WriteJSONL(&rd, reading.Reading{File: fmt.Sprintf("scan-%d.png", i+1), Page: 1, Status: reading.StatusOK, Form: "g5",
			Sheet: fmt.Sprintf("%06d", i+1), IIN: id, Variant: "1", Answers: ans, Review: []string{}})
	}
	write("candidates.csv", base)
	write("readings.jsonl", rd.String())
	write("seats.csv", "school,grade,seats\nS1,5,3\n")
	commission := contest.Commission{Chair: "Сәрсенбаева Гүлнар"}
	for _, n := range []string{"Сәрсенбаева Гүлнар", "Петров Алексей", "Жақыпов Ерлан", "Ахметова Әйгерім", "Ким Ольга", "Оспанов Тимур", "Мұқанова Салтанат"} {
		commission.Members = append(commission.Members, contest.Member{Name: n, Position: "мұғалім"})
	}
	sitting := contest.Sitting{School: "S1", SchoolNameKK: "НЗМ Алматы", SchoolNameRU: "НИШ Алматы", Number: "3/2026", City: "Алматы",
		Calendar:   contest.Calendar{ContestDate: "2026-04-20", ProtocolDate: "2026-04-22", Reasons: map[string]string{"protocol_date": "жарық сөнді / отключение света"}},
		Commission: commission}
	y, _ := json.Marshal(sitting) // JSON is YAML
	write("sitting.yaml", string(y))

	// The server: the same files uploaded, scanned, scored, ranked, the chair's tie
	// decision, the protocol made.
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), sqlite.FileName))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	storetest.Seed(t, st)
	blobs, err := blob.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	reg := prometheus.NewRegistry()
	srv, err := server.New(st, blobs, server.Defaults(), slog.New(slog.NewTextHandler(io.Discard, nil)), reg, reg)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	sctx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- srv.Serve(sctx, ln) }()
	defer func() { stop(); <-done }()
	url := "http://" + ln.Addr().String()
	tokens := map[string]string{}
	for _, u := range []store.User{{Name: "daryn", Role: store.RoleDaryn}, {Name: "Ахметова Әйгерім", Role: store.RoleCommission, School: "S1"},
		{Name: "Сәрсенбаева Гүлнар", Role: store.RoleCommission, School: "S1", Chair: true}} {
		id, secret, hash := server.NewToken()
		if _, err := st.CreateToken(ctx, store.System, u, id, hash, nil); err != nil {
			t.Fatal(err)
		}
		tokens[u.Role+map[bool]string{true: "-chair"}[u.Chair]] = secret
	}
	member, chair, daryn := client.New(url, tokens["commission"]), client.New(url, tokens["commission-chair"]), client.New(url, tokens["daryn"])
	sp := client.SchoolPath("C1", "S1")
	do := func(c *client.Client, method, path, ctype string, body []byte, out any) {
		t.Helper()
		var r io.Reader
		if body != nil {
			r = bytes.NewReader(body)
		}
		if err := c.Do(ctx, method, path, ctype, r, out); err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
	}
	file := func(n string) []byte { b, _ := os.ReadFile(p(n)); return b }
	do(member, "PUT", sp+"/seats", "text/csv", file("seats.csv"), nil)
	do(member, "PUT", sp+"/candidates", "text/csv", file("candidates.csv"), nil)
	do(daryn, "PUT", "/api/contests/C1/keys", "text/csv", file("key.csv"), nil)
	cj, _ := json.Marshal(commission)
	do(member, "PUT", sp+"/commission", "application/json", cj, nil)
	kept := sitting
	kept.SchoolNameKK, kept.SchoolNameRU, kept.Commission = "", "", contest.Commission{}
	sj, _ := json.Marshal(kept)
	do(member, "PUT", sp+"/sitting", "application/json", sj, nil)
	rds, err := reading.ReadJSONL(bytes.NewReader(file("readings.jsonl")))
	if err != nil {
		t.Fatal(err)
	}
	req := server.IngestRequest{Batch: store.Batch{Name: "hall"}}
	images := map[string][]byte{}
	for _, r := range rds {
		img := []byte("image of " + r.File)
		req.Sheets = append(req.Sheets, store.IngestItem{Reading: r, Image: client.Hash(img)})
		images[client.Hash(img)] = img
	}
	if _, err := member.Ingest(ctx, "C1", "S1", req, images); err != nil {
		t.Fatal(err)
	}
	gp := sp + "/grades/5"
	do(member, "POST", gp+"/score", "", nil, nil)
	var rr server.RankResponse
	do(member, "POST", gp+"/rank", "", nil, &rr)
	if !rr.Pending || len(rr.Result.Ties) != 1 {
		t.Fatalf("the fixture needs a tie for the chair: %+v", rr.Result.Ties)
	}
	order := []string{rr.Result.Ties[0].IINs[1], rr.Result.Ties[0].IINs[0]}
	tj, _ := json.Marshal(map[string]any{"order": order, "reason": "жеребе / жребий, хаттама №3"})
	do(chair, "POST", gp+"/ties", "application/json", tj, nil)
	do(member, "POST", gp+"/rank", "", nil, nil)
	var gen results.Generated
	do(member, "POST", gp+"/protocols", "", nil, &gen)
	if !gen.Final {
		t.Fatalf("the server's protocol is a draft: %v", gen.DraftReasons)
	}
	// The decisions as the server recorded them (who, when) are the CLI's file.
	resp, err := http.DefaultClient.Do(func() *http.Request {
		r, _ := http.NewRequest("GET", url+gp+"/ties?format=csv", nil)
		r.Header.Set("Authorization", "Bearer "+tokens["commission"])
		return r
	}())
	if err != nil {
		t.Fatal(err)
	}
	decisions, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	write("decisions.csv", string(decisions))

	// The command line over the same files.
	if code, _, stderr := run(t, "score", "--key", p("key.csv"), "--readings", p("readings.jsonl"), "--candidates", p("candidates.csv"),
		"--out", p("scores.csv"), "--results", p("results.csv")); code != 0 {
		t.Fatalf("score: exit %d: %s", code, stderr)
	}
	if code, _, stderr := run(t, "rank", "--seats", p("seats.csv"), "--results", p("results.csv"), "--decisions", p("decisions.csv"), "--out", p("ranking.csv")); code != 0 {
		t.Fatalf("rank: exit %d: %s", code, stderr)
	}
	for _, vis := range []string{store.VisibilityInternal, store.VisibilityPublic} {
		for _, format := range results.Formats {
			out := p(vis + "." + format)
			args := []string{"protocol", "--ranking", p("ranking.csv"), "--results", p("results.csv"), "--seats", p("seats.csv"), "--decisions", p("decisions.csv"),
				"--sitting", p("sitting.yaml"), "--school", "S1", "--grade", "5", "--out", out}
			if vis == store.VisibilityInternal {
				args = append(args, "--internal")
			}
			if code, _, stderr := run(t, args...); code != 0 {
				t.Fatalf("protocol %s.%s: exit %d: %s", vis, format, code, stderr)
			}
			cli, _ := os.ReadFile(out)
			var served []byte
			r, _ := http.NewRequest("GET", url+gp+"/protocols/"+vis+"."+format, nil)
			r.Header.Set("Authorization", "Bearer "+tokens["commission"])
			resp, err := http.DefaultClient.Do(r)
			if err != nil {
				t.Fatal(err)
			}
			served, _ = io.ReadAll(resp.Body)
			resp.Body.Close()
			if len(cli) == 0 || !bytes.Equal(cli, served) {
				t.Errorf("%s.%s: the command line wrote %d bytes, the server %d, and they differ", vis, format, len(cli), len(served))
			}
		}
	}
	if pdf, _ := os.ReadFile(p("public.pdf")); !bytes.HasPrefix(pdf, []byte("%PDF")) {
		t.Error("the public PDF is not a PDF")
	}
	if csv, _ := os.ReadFile(p("public.csv")); !strings.Contains(string(csv), "жребий") || !strings.Contains(string(csv), "жарық сөнді") {
		t.Errorf("the protocol lacks the decision or the calendar's reason:\n%s", csv)
	}
}
