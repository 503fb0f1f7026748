package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"tarazy/contest"
	"tarazy/omr"
	"tarazy/omr/form"
	"tarazy/omr/synth"
	"tarazy/server"
	"tarazy/server/client"
	"tarazy/server/wire"
	"tarazy/store"
	"tarazy/worker"
)

func init() {
	register(&command{
		Name:    "demo",
		Summary: "run the end-to-end demo: a contest from registration to the published protocol",
		Run:     runDemo,
	})
}

// demoSeed is the default contest: one with a tie on a seat for the commission to
// decide (a test keeps it so).
const demoSeed = 2165

// demoMarker marks a folder the demo made, so a second run may empty it and nothing
// else is ever deleted.
const demoMarker = ".tarazy-demo"

// runDemo builds a realistic contest on the embedded store and runs it the way a host
// school does: the Daryn centre sets up the contest, the commission registers
// candidates and prints their sheets, the scanner worker reads the filled stack, two
// reviewers settle what the machine was unsure of, and the commission scores, ranks,
// decides ties and publishes the protocol. Every step goes through tarazy serve's API
// on a loopback port, as a real deployment would.
func runDemo(ctx context.Context, env *Env, args []string) error {
	fs := newFlags(env, "demo", "demo [--out DIR] [--seed N] [--leave-review N]")
	out := fs.String("out", "demo-out", "folder for the demo's output (emptied first if an earlier demo made it)")
	seed := fs.Uint64("seed", demoSeed, "seed of the contest: the same seed gives the same candidates, scans and protocol")
	leave := fs.Int("leave-review", 0, "leave this many fields under review for people to try the review screen (their sheets are not scored)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := prepareDemoDir(*out); err != nil {
		return err
	}
	if *leave < 0 {
		return usagef("--leave-review takes a number of fields, 0 or more")
	}
	d := &demo{env: env, out: *out, seed: *seed, rng: rand.New(rand.NewPCG(*seed, 1)), start: time.Now(), leave: *leave}
	defer d.close()
	steps := []struct {
		title string
		fn    func(context.Context) error
	}{
		{"the server and the contest", d.setUp},
		{"candidates, answer keys and printed sheets", d.register},
		{"the contest: candidates fill their sheets, the scanner makes images", d.fillAndScan},
		{"the scanner worker reads the stack", d.scan},
		{"two reviewers settle what the machine was unsure of", d.review},
		{"scores, ranking and the commission's tie decisions", d.rank},
		{"the protocol", d.protocols},
		{"the Daryn centre verifies the published protocols from the scans", d.verify},
	}
	for i, s := range steps {
		fmt.Fprintf(env.Stdout, "\n== %d. %s\n", i+1, s.title)
		if err := s.fn(ctx); err != nil {
			return fmt.Errorf("demo step %d (%s): %w", i+1, s.title, err)
		}
		if d.leftOpen > 0 {
			// Nothing is scored while a field waits for people: the demo stops here.
			d.say("\nscoring waits for the %d open fields; settle them on the review screen:", d.leftOpen)
			d.say("    bin/tarazy serve --data %s/data   then open http://127.0.0.1:8080/ui/ and sign in with a token from %s/tokens.txt", d.out, d.out)
			return nil
		}
	}
	d.summary()
	return nil
}

func prepareDemoDir(out string) error {
	entries, err := os.ReadDir(out)
	switch {
	case errors.Is(err, os.ErrNotExist):
	case err != nil:
		return err
	case len(entries) > 0:
		if _, err := os.Stat(filepath.Join(out, demoMarker)); err != nil {
			return fmt.Errorf("%s holds files the demo did not make; give the demo an empty or new folder with --out", out)
		}
		if err := os.RemoveAll(out); err != nil {
			return err
		}
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(out, demoMarker), []byte("made by tarazy demo; a new demo run empties this folder\n"), 0o644)
}

type demo struct {
	env      *Env
	out      string
	seed     uint64
	leave    int // fields left under review for people to try the screen
	leftOpen int
	rng      *rand.Rand
	start    time.Time

	st     migratingStore
	url    string
	srv    *server.Running
	tokens map[string]string // person → token

	keys       []store.AnswerKey
	candidates []demoCandidate
	bySerial   map[string]*demoCandidate
	truth      map[string]synth.Truth
	hard       int

	readStats struct {
		pages, ok, review, rejected int
		seconds                     float64
	}
	reviewed struct{ sheets, fields, confirmed, corrected int }
	verified struct {
		pages   int
		seconds float64
	}
	results    map[int]*contest.Result
	protoFiles []string
}

const (
	demoAdmin    = "Daryn centre operator"
	demoChair    = "Бекова Алма"
	demoReviewA  = "Сейітова Айгерім"
	demoReviewB  = "Омаров Болат"
	demoOffice   = "Кеңсе Жанар"
	demoOperator = "Нұрланов Ерлан"
	demoScanner  = "hall 1 scanner PC"
)

func (d *demo) client(who string) *client.Client { return client.New(d.url, d.tokens[who]) }

func (d *demo) close() {
	if d.srv != nil {
		d.srv.Close()
	}
	if d.st != nil {
		d.st.Close()
	}
}

func (d *demo) say(format string, args ...any) { fmt.Fprintf(d.env.Stdout, format+"\n", args...) }

// setUp opens the embedded store, starts the API on a loopback port and creates the
// contest, the school, its seats and its commission, with a token for each person.
func (d *demo) setUp(ctx context.Context) error {
	db := &dbFlags{data: filepath.Join(d.out, "data")}
	st, err := db.openMigrated(ctx, &Env{Stdout: discard{}, Stderr: discard{}})
	if err != nil {
		return err
	}
	d.st = st
	srv, err := server.StartLocal(st, db.data, func(s *server.Server) error {
		s.SetSheetLayout(sheetLayout)
		s.UseReader(newScanReader()) // POST …/verify reads the scans again with omr
		return nil
	})
	if err != nil {
		return err
	}
	d.url, d.srv = srv.URL, srv

	d.tokens = map[string]string{}
	var lines []string
	for _, u := range []store.User{
		{Name: demoAdmin, Role: store.RoleDaryn},
		{Name: demoChair, Role: store.RoleCommission, School: demoSchool, Chair: true},
		{Name: demoReviewA, Role: store.RoleCommission, School: demoSchool},
		{Name: demoReviewB, Role: store.RoleCommission, School: demoSchool},
		{Name: demoOperator, Role: store.RoleCommission, School: demoSchool},
		{Name: demoOffice, Role: store.RoleOffice, School: demoSchool},
		{Name: demoScanner, Role: store.RoleScanner, School: demoSchool},
	} {
		id, secret, hash := server.NewToken()
		if _, err := st.CreateToken(ctx, store.System, u, id, hash, nil); err != nil {
			return err
		}
		d.tokens[u.Name] = secret
		lines = append(lines, fmt.Sprintf("%s\t%s\t%s", secret, u.Role, u.Name))
	}
	if err := os.WriteFile(filepath.Join(d.out, "tokens.txt"), []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
		return err
	}
	daryn := d.client(demoAdmin)
	if err := daryn.Do(ctx, "POST", "/api/contests", "application/json", jsonBody(store.Contest{ID: demoContest, Name: "Мамандандырылған мектептерге қабылдау конкурсы 2026", Year: 2026}), nil); err != nil {
		return err
	}
	if err := daryn.Do(ctx, "PUT", "/api/schools", "application/json", jsonBody([]store.School{demoSchoolRecord}), nil); err != nil {
		return err
	}
	var seats []store.Seats
	for _, g := range demoGrades {
		seats = append(seats, store.Seats{School: demoSchool, Grade: g.grade, Seats: g.seats})
	}
	if err := daryn.Do(ctx, "PUT", "/api/contests/"+demoContest+"/seats", "application/json", jsonBody(seats), nil); err != nil {
		return err
	}
	if err := d.putCommissionAndSitting(ctx); err != nil {
		return err
	}
	d.say("tarazy serve on the embedded store %s, API at %s", db.describe(), d.url)
	d.say("contest %s, school %s (%s); seats: grade 5 %d, grade 6 %d, grade 7 %d (of them %d for «Мың бала», §25)",
		demoContest, demoSchool, demoSchoolRecord.NameKK, demoGrades[0].seats, demoGrades[1].seats, demoGrades[2].seats,
		contest.Seats{Grade: 7, Seats: demoGrades[2].seats}.QuotaSeats())
	d.say("commission of 7 (§24), chair %s; tokens for each person in %s", demoChair, filepath.Join(d.out, "tokens.txt"))
	return nil
}

func jsonBody(v any) io.Reader {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // the demo's own values always encode
	}
	return bytes.NewReader(b)
}

// register uploads the candidates and the answer keys and prints every candidate's
// personalised sheet.
func (d *demo) register(ctx context.Context) error {
	d.keys = demoKeys(d.rng)
	cands, err := demoCandidates(d.rng, d.keys)
	if err != nil {
		return err
	}
	d.candidates = cands
	d.bySerial = map[string]*demoCandidate{}
	var regs []store.Candidate
	olympiad, mynBala := 0, 0
	for i := range cands {
		c := &cands[i]
		d.bySerial[omr.SerialString(c.Serial)] = c
		regs = append(regs, c.Candidate)
		if c.Olympiad {
			olympiad++
		}
		if c.MynBala {
			mynBala++
		}
	}
	if err := d.client(demoChair).Do(ctx, "PUT", client.SchoolPath(demoContest, demoSchool)+"/candidates", "application/json", jsonBody(regs), nil); err != nil {
		return err
	}
	if err := d.client(demoAdmin).Do(ctx, "PUT", "/api/contests/"+demoContest+"/keys", "application/json", jsonBody(d.keys), nil); err != nil {
		return err
	}
	sheets := filepath.Join(d.out, "sheets")
	if err := os.MkdirAll(sheets, 0o755); err != nil {
		return err
	}
	for _, g := range demoGrades {
		f, _ := form.ForGrade(g.grade)
		l, err := omr.NewLayout(f)
		if err != nil {
			return err
		}
		var infos []omr.SheetInfo
		for _, c := range cands {
			if c.Grade == g.grade {
				infos = append(infos, omr.SheetInfo{Contest: demoContest, Serial: c.Serial, IIN: c.IIN, Name: c.Name})
			}
		}
		var buf bytes.Buffer
		if err := omr.WritePDF(&buf, l, infos); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(sheets, f.ID+"-personalised.pdf"), buf.Bytes(), 0o644); err != nil {
			return err
		}
	}
	d.say("%d candidates registered (IINs pass the checksum): %d olympiad prize-winners (§38), %d «Мың бала» winners in grade 7 (§25)", len(cands), olympiad, mynBala)
	d.say("answer keys for variants 1 and 2 of each grade; personalised sheets in %s", sheets)
	return nil
}

// fillAndScan fills every candidate's sheet the ways people do and scans it the ways
// scanners do (omr/synth), keeping what each candidate meant.
func (d *demo) fillAndScan(ctx context.Context) error {
	scans := filepath.Join(d.out, "scans")
	if err := os.MkdirAll(scans, 0o755); err != nil {
		return err
	}
	// 300 dpi, the setting schools use; marks and faults come from the realistic mix.
	g := synth.New(synth.Options{DPI: 300})
	d.truth = map[string]synth.Truth{}
	start := time.Now()
	err := worker.Each(ctx, runtime.NumCPU(), func(yield func(int) bool) {
		for i := range d.candidates {
			if !yield(i) {
				return
			}
		}
	}, func(ctx context.Context, i int) (synth.Scan, error) {
		c := &d.candidates[i]
		f, _ := form.ForGrade(c.Grade)
		sc, err := g.Generate(f, synth.Candidate{IIN: c.IIN, Name: c.Name, Variant: c.Variant, Answers: c.Answers,
			Serial: c.Serial, Contest: demoContest, Personalised: true}, d.seed*1000+uint64(i))
		if err != nil {
			return sc, err
		}
		return sc, os.WriteFile(filepath.Join(scans, fmt.Sprintf("scan-%04d%s", i+1, filepath.Ext(sc.Name))), sc.Data, 0o644)
	}, func(_ int, sc synth.Scan) error {
		d.truth[sc.Truth.Sheet] = sc.Truth
		if demoHardSheet(sc.Truth) {
			d.hard++
		}
		return nil
	})
	if err != nil {
		return err
	}
	// A real stack also holds pages that are not answer sheets.
	if err := os.WriteFile(filepath.Join(scans, "scan-9998.jpg"), nil, 0o644); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(scans, "scan-9999.pdf"), []byte("%PDF-1.4\n% a cover letter, not a scan\n"), 0o644); err != nil {
		return err
	}
	d.say("%d filled sheets scanned at 300 dpi with scanner faults (skew, rotation, upside-down feeds, blur, dust, grey paper…) and 2 pages that are not sheets, in %s (%.1fs)",
		len(d.candidates), scans, time.Since(start).Seconds())
	d.say("%d sheets carry something no machine should decide alone: a faint mark, a lone erasure, a mistyped IIN or no variant", d.hard)
	return nil
}

// demoHardSheet reports whether a sheet holds a mark only a person can settle.
func demoHardSheet(t synth.Truth) bool {
	if len(t.Hard) > 0 {
		return true
	}
	for _, k := range t.Marks {
		if k == synth.MarkErasedOnly {
			return true
		}
	}
	for _, dg := range t.Degradations {
		if dg == synth.DegIINError || dg == synth.DegNoVariant {
			return true
		}
	}
	return false
}

// scan runs the scanner worker over the stack, delivering to the server.
func (d *demo) scan(ctx context.Context) error {
	f := &workerFlags{
		contest: demoContest, school: demoSchool, serverURL: d.url, token: d.tokens[demoScanner],
		batch: "hall 1, morning", operator: demoOperator, scanner: "Fujitsu fi-7160 (demo)",
		spool: filepath.Join(d.out, "spool"), drain: time.Minute, settle: time.Second, learn: 40,
		db: &dbFlags{data: filepath.Join(d.out, "data")},
	}
	st, err := runWorkerBatch(ctx, &Env{Stdout: d.env.Stdout, Stderr: d.env.Stdout}, f, []string{filepath.Join(d.out, "scans")})
	if err != nil {
		return err
	}
	d.readStats.pages, d.readStats.ok, d.readStats.review, d.readStats.rejected = st.Pages, st.OK, st.Review, st.Rejected
	d.readStats.seconds = st.Elapsed.Seconds()
	if st.Pending > 0 || st.Failed > 0 {
		return fmt.Errorf("%d pages undelivered, %d refused", st.Pending, st.Failed)
	}
	return nil
}

// review works through the queue as two commission members would: each looks at the
// field's crop and keys what the candidate meant; a correction is final once the
// second reviewer keys the same value (double keying).
func (d *demo) review(ctx context.Context) error {
	path := client.SchoolPath(demoContest, demoSchool) + "/review"
	a, b := d.client(demoReviewA), d.client(demoReviewB)
	shown := 0
	left := map[string]bool{} // serial and field left open for people to try
	for {
		var q wire.ReviewQueue
		if err := a.Do(ctx, "GET", path+"?limit=100", "", nil, &q); err != nil {
			return err
		}
		open := 0
		for _, sh := range q.Sheets {
			c := d.bySerial[sh.Serial]
			tr, ok := d.truth[sh.Serial]
			if c == nil || !ok {
				return fmt.Errorf("sheet %s under review is not one the demo printed", sh.Serial)
			}
			d.reviewed.sheets++
			for _, it := range sh.Items {
				if it.Outcome.State == "final" || left[sh.Serial+" "+it.Field] {
					continue
				}
				if len(left) < d.leave {
					left[sh.Serial+" "+it.Field] = true
					continue
				}
				open++
				want, why := demoIntended(c, tr, it.Field)
				value := map[string]any{"value": want}
				var res wire.DecisionResponse
				if err := a.Do(ctx, "POST", path+"/"+sh.Serial+"/"+it.Field, "application/json", jsonBody(value), &res); err != nil {
					return fmt.Errorf("sheet %s %s: %w", sh.Serial, it.Field, err)
				}
				second := ""
				if res.Item.Outcome.State != "final" {
					if err := b.Do(ctx, "POST", path+"/"+sh.Serial+"/"+it.Field, "application/json", jsonBody(value), &res); err != nil {
						return fmt.Errorf("sheet %s %s: %w", sh.Serial, it.Field, err)
					}
					second = " and " + demoReviewB
					d.reviewed.corrected++
				} else {
					d.reviewed.confirmed++
				}
				if res.Item.Outcome.State != "final" {
					return fmt.Errorf("sheet %s %s is still %s after two agreeing reviewers", sh.Serial, it.Field, res.Item.Outcome.State)
				}
				d.reviewed.fields++
				if shown < 12 {
					machine := "nothing"
					if it.HasMachine {
						machine = "«" + it.Machine + "»"
					}
					d.say("  sheet %s %s — the machine: %s; it read %s (confidence %.0f%%)\n      → %s keyed «%s»%s, final: %s",
						sh.Serial, it.Field, it.Reason, machine, 100*it.Confidence, demoReviewA, want, second, why)
					shown++
				}
			}
		}
		if open == 0 {
			break
		}
	}
	if d.reviewed.fields > shown {
		d.say("  … and %d more fields", d.reviewed.fields-shown)
	}
	d.say("%d fields on %d sheets settled: %d confirmed the machine's reading, %d corrections keyed by two reviewers",
		d.reviewed.fields, d.reviewed.sheets, d.reviewed.confirmed, d.reviewed.corrected)
	d.leftOpen = len(left)
	if len(left) > 0 {
		d.say("%d fields left under review for you to try (their sheets are not scored): see the end of this run for the review screen; tokens.txt holds a reviewer, the chair and the office",
			len(left))
	}
	return nil
}

// demoIntended is what a reviewer who looks at the sheet (and, for its identity, at
// the registration and the printed name) keys for a field, and why.
func demoIntended(c *demoCandidate, tr synth.Truth, field string) (string, string) {
	switch {
	case field == "qr":
		return "ok", "the printed name and IIN match the bubbles"
	case field == "variant":
		return strconv.Itoa(c.Variant), "the variant from the seating list"
	case field == "iin":
		return c.IIN, "the IIN from the registration, as printed on the sheet"
	case field == "page":
		return "ok", "the page compared with the reading drawn over it"
	case strings.HasPrefix(field, "iin"):
		n, _ := strconv.Atoi(strings.TrimPrefix(field, "iin"))
		return c.IIN[n-1 : n], "the IIN from the registration, as printed on the sheet"
	case strings.HasPrefix(field, "q"):
		n, _ := strconv.Atoi(strings.TrimPrefix(field, "q"))
		kind := tr.Marks[field]
		if kind == "" {
			kind = "mark"
		}
		return tr.Answers[n-1], "what the candidate marked (" + kind + ")"
	}
	return "", "unknown field"
}

// rank scores every grade, ranks it, records the commission's decision on any tie
// the machine must not break, and ranks again.
func (d *demo) rank(ctx context.Context) error {
	chair := d.client(demoChair)
	d.results = map[int]*contest.Result{}
	for _, g := range demoGrades {
		gp := client.SchoolPath(demoContest, demoSchool) + "/grades/" + strconv.Itoa(g.grade)
		var sc server.ScoreResponse
		if err := chair.Do(ctx, "POST", gp+"/score", "", nil, &sc); err != nil {
			return fmt.Errorf("score grade %d: %w", g.grade, err)
		}
		for _, it := range sc.FlaggedItems {
			d.say("  grade %d: question %d (variant %s) looks miskeyed; the commission checks it against the booklet", g.grade, it.Question, it.Variant)
		}
		var rr server.RankResponse
		if err := chair.Do(ctx, "POST", gp+"/rank", "", nil, &rr); err != nil {
			return fmt.Errorf("rank grade %d: %w", g.grade, err)
		}
		for _, t := range rr.Result.Ties {
			if t.Decision != nil {
				continue
			}
			// The commission decides at its sitting; the demo stands in for it by
			// drawing lots with the demo's seed, and records who and why.
			order := append([]string(nil), t.IINs...)
			d.rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
			req := map[string]any{"iins": t.IINs, "order": order,
				"reason": "equal on score, olympiad priority and every tie-break; order drawn by lot at the commission's sitting (demo)"}
			if err := chair.Do(ctx, "POST", gp+"/ties", "application/json", jsonBody(req), nil); err != nil {
				return fmt.Errorf("record the tie decision: %w", err)
			}
			var stake []string
			for _, o := range t.AtStake {
				stake = append(stake, string(o))
			}
			d.say("  grade %d: %d candidates equal on every key stand across %s; the commission drew lots and recorded the order (who and why)",
				g.grade, len(t.IINs), strings.Join(stake, " / "))
		}
		if rr.Pending {
			if err := chair.Do(ctx, "POST", gp+"/rank", "", nil, &rr); err != nil {
				return fmt.Errorf("rank grade %d again: %w", g.grade, err)
			}
			if rr.Pending {
				return fmt.Errorf("grade %d still has a tie pending after the commission's decision", g.grade)
			}
		}
		res := rr.Result
		d.results[g.grade] = &res
		quota := ""
		if res.Quota > 0 {
			quota = fmt.Sprintf(", %d on the «Мың бала» quota", res.Count(contest.AdmittedQuota))
		}
		d.say("grade %d: %d scored, %d admitted on score%s, %d on the reserve list",
			g.grade, sc.Scored, res.Count(contest.Admitted), quota, res.Count(contest.Reserve))
	}
	return nil
}

func (d *demo) download(ctx context.Context, c *client.Client, path, file string) error {
	req, err := http.NewRequestWithContext(ctx, "GET", c.Base+path, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+c.Token)
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		return fmt.Errorf("GET %s: %d %s", path, resp.StatusCode, b)
	}
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	return os.WriteFile(file, b, 0o644)
}

func (d *demo) summary() {
	rs := d.readStats
	d.say("\n== the numbers")
	d.say("sheets read:        %d pages in %.1fs (%.1f pages/s on %d cores)", rs.pages, rs.seconds, float64(rs.pages)/rs.seconds, runtime.NumCPU())
	d.say("read with confidence: %d; sent to review: %d (%.1f%%); rejected: %d (not answer sheets)",
		rs.ok, rs.review, 100*float64(rs.review)/float64(max(rs.pages, 1)), rs.rejected)
	d.say("review:             %d fields settled by two reviewers or a confirmation", d.reviewed.fields)
	for _, g := range demoGrades {
		r := d.results[g.grade]
		if r == nil {
			continue
		}
		d.say("grade %d:            %d seats → admitted %d on score, %d on the quota, reserve %d, not admitted %d",
			g.grade, r.Seats, r.Count(contest.Admitted), r.Count(contest.AdmittedQuota), r.Count(contest.Reserve), r.Count(contest.NotAdmitted))
	}
	if d.verified.pages > 0 {
		d.say("verified:           %d pages read again and every published protocol recomputed in %.1fs", d.verified.pages, d.verified.seconds)
	}
	d.say("took %.0fs", time.Since(d.start).Seconds())
	d.say("\nwhere to look:")
	d.say("  %s/protocols/grade7-public.pdf   the protocol the school publishes (§41)", d.out)
	d.say("  %s/sheets/                       the printed, personalised answer sheets", d.out)
	d.say("  %s/scans/                        the scanned stack; %s/spool/quarantine/ the pages that are not sheets", d.out, d.out)
	d.say("  the review screen and the batch dashboard, on the same data:")
	d.say("    bin/tarazy serve --data %s/data   then open http://127.0.0.1:8080/ui/ and sign in with a token from %s/tokens.txt", d.out, d.out)
}
