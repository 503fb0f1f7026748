package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"tarazy/contest"
	"tarazy/omr"
	"tarazy/omr/form"
	"tarazy/omr/reading"
	"tarazy/omr/synth"
	"tarazy/results"
	"tarazy/review"
	"tarazy/store"
	"tarazy/store/blob"
	"tarazy/store/postgres"
	"tarazy/store/postgres/pgtest"
	"tarazy/store/sqlite"
	"tarazy/store/storetest"
)

// verifyContest is a grade-5 contest run the way a school runs it, on one backend:
// synthetic scans read by the real reader, ingested, one field settled by two
// reviewers, scored, ranked and published by the chair.
type verifyContest struct {
	st    migratingStore
	db    *sql.DB
	svc   *results.Service
	iins  []string
	multi string // the candidate with a multi-marked answer
	rev   string // the serial whose variant two reviewers keyed
}

var (
	vChair  = results.Person{Actor: store.Actor{Name: "Төраға", Role: store.RoleCommission, School: "S1"}, Chair: true}
	vMember = store.Actor{Name: "Мүше", Role: store.RoleCommission, School: "S1"}
)

func newVerifyContest(t *testing.T, backend string) *verifyContest {
	t.Helper()
	ctx := context.Background()
	var st migratingStore
	var err error
	if backend == "postgres" {
		st, err = postgres.Open(ctx, pgtest.URL(t))
	} else {
		st, err = sqlite.Open(ctx, filepath.Join(t.TempDir(), sqlite.FileName))
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	blobs, err := blob.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	c := &verifyContest{st: st, db: st.(interface{ SQL() *sql.DB }).SQL(), svc: &results.Service{Store: st, Blobs: blobs, Reader: newScanReader()}}
	storetest.Seed(t, st)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	f, _ := form.Get("g5")
	var keys []store.AnswerKey
	for v := 1; v <= f.Variants; v++ {
		keys = append(keys, store.AnswerKey{Grade: 5, Variant: fmt.Sprint(v), Answers: strings.Repeat("ABCDE", 8)})
	}
	_, err = st.PutKeys(ctx, store.System, "C1", keys)
	must(err)
	must(st.PutSeats(ctx, store.System, "C1", []store.Seats{{School: "S1", Grade: 5, Seats: 3}}))
	must(st.PutCommission(ctx, store.System, "C1", "S1", contest.Commission{Chair: "Төраға", Members: []contest.Member{
		{Name: "Төраға"}, {Name: "Мүше"}, {Name: "A"}, {Name: "B"}, {Name: "C"}, {Name: "D"}, {Name: "E"}}}))
	must(st.PutSitting(ctx, store.System, "C1", "S1", contest.Sitting{City: "Алматы", Calendar: contest.Calendar{ContestDate: "2026-04-20", ProtocolDate: "2026-04-21"}}))

	gen := synth.New(synth.Options{DPI: 200, Clean: true, Upright: true})
	reader, err := omr.NewReader(omr.Options{})
	must(err)
	var regs []store.Candidate
	var items []store.IngestItem
	for i := 0; i < 6; i++ {
		id := storetest.IIN(i + 1)
		c.iins = append(c.iins, id)
		regs = append(regs, store.Candidate{IIN: id, School: "S1", Grade: 5, Name: fmt.Sprintf("Кандидат%d Тегі", i)})
		ans := make([]string, 40)
		for q := 0; q < 36-4*i; q++ {
			ans[q] = string("ABCDE"[q%5])
		}
		variant := 1
		switch i {
		case 1:
			ans[39], c.multi = "AB", id // a deliberate multi-mark: its points depend on the policy
		case 2:
			variant = 0 // no variant marked: the reader sends it to review
		}
		sc, err := gen.Generate(f, synth.Candidate{IIN: id, Name: regs[i].Name, Variant: variant, Answers: ans, Serial: i + 1, Contest: "C1", Personalised: true}, uint64(100+i))
		must(err)
		pages, err := reader.ReadBytes(ctx, fmt.Sprintf("scan-%d.png", i), sc.Data)
		must(err)
		p := pages[0]
		if p.Reading.Status == reading.StatusRejected {
			t.Fatalf("the reader rejected scan %d: %s", i, p.Reading.Error)
		}
		if _, _, err := blobs.Put(context.Background(), bytes.NewReader(p.Image), 0); err != nil {
			t.Fatal(err)
		}
		items = append(items, store.IngestItem{Reading: p.Reading, Image: p.ImageSHA256})
		if variant == 0 {
			c.rev = p.Reading.Sheet
		}
	}
	must(st.PutCandidates(ctx, store.System, "C1", regs))
	if _, err := st.Ingest(ctx, vMember, "C1", "S1", store.Batch{Name: "hall"}, items); err != nil {
		t.Fatal(err)
	}
	q, err := st.ReviewQueue(ctx, "C1", "S1", "", 100)
	must(err)
	reviewed := false
	for _, sh := range q {
		for _, it := range sh.Items {
			want := ""
			switch {
			case it.Field == "variant":
				want = "1"
			case it.HasMachine:
				want = it.Machine
			default:
				t.Fatalf("sheet %s field %s has no machine value", sh.Serial, it.Field)
			}
			for _, who := range []string{"Мүше", "Екінші"} {
				res, err := st.RecordDecision(ctx, vMember, "C1", "S1", sh.Serial, it.Field, review.Decision{Reviewer: who, Value: want}, false)
				must(err)
				if res.Item.Outcome.State == review.Final {
					break
				}
			}
			reviewed = reviewed || sh.Serial == c.rev
		}
	}
	if !reviewed {
		t.Fatalf("the sheet without a variant (%s) did not go to review; the test needs one settled review", c.rev)
	}
	out, err := c.svc.ScoreGrade(ctx, vMember, "C1", "S1", 5, nil)
	must(err)
	if out.Set == nil {
		t.Fatalf("scoring blocked: %+v", out.Scored.Batch.Conflicts)
	}
	_, res, _, err := c.svc.RankGrade(ctx, vMember, "C1", "S1", 5)
	must(err)
	if res.Pending() {
		t.Fatalf("an unexpected pending tie: %+v", res.Ties)
	}
	if _, err := c.svc.Publish(ctx, vChair, "C1", "S1", 5); err != nil {
		t.Fatal(err)
	}
	return c
}

func (c *verifyContest) verify(t *testing.T) *results.Verdict {
	t.Helper()
	v, err := c.svc.Verify(context.Background(), "C1", "S1", 5)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func (c *verifyContest) exec(t *testing.T, q string, args ...any) {
	t.Helper()
	if _, err := c.db.Exec(q, args...); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

func (c *verifyContest) query(t *testing.T, q string, args ...any) string {
	t.Helper()
	var s string
	if err := c.db.QueryRow(q, args...).Scan(&s); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return s
}

// Verification passes on an untouched contest, and fails naming the cause when a
// stored reading, a review decision, a candidate's flag or the recorded policy is
// changed directly in the database, on both backends (issue 10).
func TestVerifyCatchesTampering(t *testing.T) {
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			t.Parallel()
			c := newVerifyContest(t, backend)
			if v := c.verify(t); !v.OK || v.Pages != 6 || v.Sheets != 6 || v.Candidates != 6 {
				t.Fatalf("untouched: %+v", v)
			}
			cases := []struct {
				name, kind, mentions string
				tamper, restore      func(t *testing.T)
			}{}

			// A stored reading: one answer of sheet 000001 changed.
			orig := c.query(t, `SELECT reading FROM sheet_versions WHERE contest = 'C1' AND school = 'S1' AND serial = '000001' AND version = 1`)
			var rd reading.Reading
			json.Unmarshal([]byte(orig), &rd)
			rd.Answers[0] = "E"
			forged, _ := json.Marshal(rd)
			cases = append(cases, struct {
				name, kind, mentions string
				tamper, restore      func(t *testing.T)
			}{"Reading", results.DiffReading, "sheet 000001 version 1: the stored version has question 1 «E», the scan reads «A»",
				func(t *testing.T) {
					c.exec(t, `UPDATE sheet_versions SET reading = $1 WHERE contest = 'C1' AND school = 'S1' AND serial = '000001' AND version = 1`, string(forged))
				},
				func(t *testing.T) {
					c.exec(t, `UPDATE sheet_versions SET reading = $1 WHERE contest = 'C1' AND school = 'S1' AND serial = '000001' AND version = 1`, orig)
				}})

			// A review decision: both reviewers' "1" on the missing variant made "2".
			cases = append(cases, struct {
				name, kind, mentions string
				tamper, restore      func(t *testing.T)
			}{"ReviewDecision", results.DiffReview, "sheet " + c.rev + " version 2: the stored version has variant «1», the recorded decisions give «2»",
				func(t *testing.T) {
					c.exec(t, `UPDATE review_decisions SET value = '2' WHERE item_id IN (SELECT id FROM review_items WHERE serial = $1 AND field = 'variant')`, c.rev)
				},
				func(t *testing.T) {
					c.exec(t, `UPDATE review_decisions SET value = '1' WHERE item_id IN (SELECT id FROM review_items WHERE serial = $1 AND field = 'variant')`, c.rev)
				}})

			// A candidate's olympiad flag.
			cases = append(cases, struct {
				name, kind, mentions string
				tamper, restore      func(t *testing.T)
			}{"CandidateFlag", results.DiffScore, c.iins[3] + ": the stored results have olympiad flag (§38) no, the candidates' base now says yes",
				func(t *testing.T) { c.exec(t, `UPDATE candidates SET olympiad = $1 WHERE iin = $2`, true, c.iins[3]) },
				func(t *testing.T) { c.exec(t, `UPDATE candidates SET olympiad = $1 WHERE iin = $2`, false, c.iins[3]) }})

			// The recorded policy: multi-marks as blank instead of wrong.
			pol := c.query(t, `SELECT policy FROM result_sets WHERE kind = 'scores'`)
			cases = append(cases, struct {
				name, kind, mentions string
				tamper, restore      func(t *testing.T)
			}{"Policy", results.DiffPolicy, "the published protocol prints \"Ответ с несколькими отметками\" as wrong",
				func(t *testing.T) {
					c.exec(t, `UPDATE result_sets SET policy = $1 WHERE kind = 'scores'`, strings.Replace(pol, `"wrong"`, `"blank"`, 1))
				},
				func(t *testing.T) { c.exec(t, `UPDATE result_sets SET policy = $1 WHERE kind = 'scores'`, pol) }})

			for _, tc := range cases {
				tc.tamper(t)
				v := c.verify(t)
				tc.restore(t)
				if v.OK {
					t.Errorf("%s: tampering passed verification", tc.name)
					continue
				}
				first := v.Differences[0]
				if first.Kind != tc.kind || !strings.Contains(first.Text.EN, tc.mentions) || first.Text.KK == "" || first.Text.RU == "" {
					t.Errorf("%s: the first difference is %+v; want %s mentioning %q", tc.name, first, tc.kind, tc.mentions)
				}
				if tc.name == "Policy" && !strings.Contains(fmt.Sprint(v.Differences), c.multi) {
					t.Errorf("the policy change does not show in the score of the multi-marked sheet: %+v", v.Differences)
				}
			}
			if v := c.verify(t); !v.OK {
				t.Fatalf("restored: %+v", v.Differences)
			}
		})
	}
}

// The demo publishes three protocols and verifies them through the API as the Daryn
// centre would (its last step fails the demo otherwise); anyone holding a copy of its
// data verifies them again with the command line, and a changed byte of a published
// file is named. This runs the whole demo: a few minutes on a loaded machine.
func TestDemoProtocolsVerify(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the whole demo")
	}
	out := filepath.Join(t.TempDir(), "demo")
	code, stdout, stderr := run(t, "demo", "--out", out)
	if code != 0 {
		t.Fatalf("demo: exit %d\n%s\n%s", code, stdout, stderr)
	}
	if !strings.Contains(stdout, "every published protocol verified: 220 pages read again") {
		t.Errorf("the demo does not report its verification:\n%s", stdout)
	}
	data := filepath.Join(out, "data")
	code, stdout, stderr = run(t, "verify", "--data", data, "--contest", demoContest, "--school", demoSchool, "--grade", "6", "--lang", "ru")
	if code != 0 || !strings.HasPrefix(stdout, "ПОДТВЕРЖДЕНО") || !strings.Contains(stdout, "60 pages read again") {
		t.Fatalf("verify: exit %d\n%s\n%s", code, stdout, stderr)
	}
	// A published file changed on disk: named, in the language asked.
	st, err := sqlite.Open(context.Background(), filepath.Join(data, sqlite.FileName))
	if err != nil {
		t.Fatal(err)
	}
	p, err := st.PublishedProtocol(context.Background(), demoContest, demoSchool, 6, "csv", 0)
	st.Close()
	if err != nil {
		t.Fatal(err)
	}
	blobs, _ := blob.Open(filepath.Join(data, "images"))
	f, err := blobs.Open(context.Background(), p.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	path := f.(*os.File).Name() // the directory store hands out the file itself
	f.Close()
	b, _ := os.ReadFile(path)
	os.Chmod(path, 0o644)
	if err := os.WriteFile(path, bytes.Replace(b, []byte(",admitted,"), []byte(",reserve,"), 1), 0o644); err != nil {
		t.Fatal(err)
	}
	code, stdout, _ = run(t, "verify", "--data", data, "--contest", demoContest, "--school", demoSchool, "--grade", "6", "--lang", "kk")
	if code != 1 || !strings.HasPrefix(stdout, "РАСТАЛМАДЫ") || !strings.Contains(stdout, "[protocol] жарияланған csv файлы") {
		t.Errorf("verify after a published file changed: exit %d\n%s", code, stdout)
	}
}
