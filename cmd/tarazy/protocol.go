package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"tarazy/contest"
	"tarazy/results"
	"tarazy/store"
)

func init() {
	register(&command{
		Name:    "protocol",
		Summary: "write the commission's protocol of one school and grade (§41): pdf, html, csv or json",
		Run:     runProtocol,
	})
}

const protocolUsage = `protocol --ranking ranking.csv --results results.csv --seats seats.csv
       --sitting sitting.yaml --school CODE --grade 7 --format pdf|html|csv|json --out FILE
       [--decisions decisions.csv] [--internal] [--draft]

The protocol is built by the results engine the server runs, from results.csv (with
the policy tarazy score recorded beside it), seats.csv and the decisions, and must
agree line by line with ranking.csv, so a hand-edited ranking cannot reach a signed
protocol. sitting.yaml holds the school's names, the commission (§22–24), the contest
dates (§16–§42) with the reasons for any late date, and the amendments of a published
protocol. The public version (surname and initials, IIN masked but for its last four
digits) is the default; --internal gives full data. A protocol that cannot be signed yet
(a pending tie, a commission that breaks §24, a late date without a reason) is refused
unless --draft is given, and then it is marked as a draft on every page. The same files
give the same bytes as the server's protocol.`

func runProtocol(ctx context.Context, env *Env, args []string) error {
	fs := newFlags(env, "protocol", protocolUsage)
	rankingPath := fs.String("ranking", "", "ranking.csv from tarazy rank (required)")
	resultsPath := fs.String("results", "", "results.csv the ranking was made from (required)")
	seatsPath := fs.String("seats", "", "seats.csv the ranking was made from (required)")
	decisionsPath := fs.String("decisions", "", "the commission's tie decisions the ranking was made with")
	sittingPath := fs.String("sitting", "", "sitting.yaml: school names, commission, contest dates (required)")
	school := fs.String("school", "", "school code as in the CSV files (required)")
	grade := fs.Int("grade", 0, "grade: 5, 6 or 7 (required)")
	format := fs.String("format", "", "pdf, html, csv or json (default: from the --out extension)")
	out := fs.String("out", "", "file to write (required; - for stdout)")
	internal := fs.Bool("internal", false, "full names and IINs (not for publishing)")
	draft := fs.Bool("draft", false, "write a protocol that cannot be signed yet, marked as a draft")
	template := fs.Bool("sitting-template", false, "print a sitting.yaml to fill in, and exit")
	policyFlags := refusePolicyFlags(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := policyFlags(); err != nil {
		return err
	}
	if *template {
		_, err := io.WriteString(env.Stdout, sittingTemplate)
		return err
	}
	if *rankingPath == "" || *resultsPath == "" || *seatsPath == "" || *sittingPath == "" || *school == "" || *grade == 0 || *out == "" {
		return usagef("--ranking, --results, --seats, --sitting, --school, --grade and --out are required")
	}
	if *format == "" {
		*format = strings.TrimPrefix(filepath.Ext(*out), ".")
	}
	if !slices.Contains(results.Formats, *format) {
		return usagef("--format %q: choose pdf, html, csv or json", *format)
	}
	src := &results.FileSource{SeatsPath: *seatsPath, ResultsPath: *resultsPath, DecisionsPath: *decisionsPath, SittingPath: *sittingPath}
	pr, err := results.Protocol(ctx, src, *school, *grade)
	if err != nil {
		return explainStale(env, err)
	}
	given, err := readCSVFile(*rankingPath, "the ranking", contest.ReadRankingCSV)
	if err != nil {
		return err
	}
	if err := sameRanking(pr.Result, given); err != nil {
		return fmt.Errorf("%s does not match the ranking of %s with these seats, decisions and policy: %w; run tarazy rank again with the same inputs",
			*rankingPath, *resultsPath, err)
	}
	p, vis := pr.Public, store.VisibilityPublic
	if *internal {
		p, vis = pr.Internal, store.VisibilityInternal
	}
	for _, is := range p.CalendarIssues {
		fmt.Fprintf(env.Stderr, "warning: %s\n", is)
	}
	if !p.Final() && !*draft {
		return fmt.Errorf("the protocol cannot be signed yet:\n  - %s\nresolve these, or pass --draft to write a draft marked as such", strings.Join(p.DraftReasons, "\n  - "))
	}
	data := pr.File(vis, *format)
	if err := writeOut(env, *out, func(w io.Writer) error { _, err := w.Write(data); return err }); err != nil {
		return err
	}
	status := "final"
	if !p.Final() {
		status = "DRAFT"
	}
	fmt.Fprintf(env.Stderr, "protocol %s grade %d (%s, %s): %d candidates, results SHA-256 %s\n",
		p.School, p.Grade, p.Version, status, len(p.Rows), p.ResultsSHA256)
	return nil
}

func readCSVFile[T any](path, what string, read func(io.Reader, string) ([]T, error)) ([]T, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", what, err)
	}
	defer f.Close()
	return read(f, path)
}

// sameRanking compares a school and grade's lines of ranking.csv with a fresh ranking.
func sameRanking(res *contest.Result, given []contest.Row) error {
	var mine []contest.Row
	for _, r := range given {
		if r.School == res.School && r.Grade == res.Grade {
			mine = append(mine, r)
		}
	}
	if len(mine) != len(res.Rows) {
		return fmt.Errorf("it has %d candidates for %s grade %d, the results %d", len(mine), res.School, res.Grade, len(res.Rows))
	}
	for i, want := range res.Rows {
		got := mine[i]
		if got.Place != want.Place || got.IIN != want.IIN || got.Name != want.Name || got.Score != want.Score || got.Outcome != want.Outcome {
			return fmt.Errorf("line %d says place %d %s %q %d %s; the results give place %d %s %q %d %s",
				i+1, got.Place, got.IIN, got.Name, got.Score, got.Outcome, want.Place, want.IIN, want.Name, want.Score, want.Outcome)
		}
	}
	return nil
}

// sittingTemplate is what --sitting-template prints: every field of a sitting file with
// what it is for.
const sittingTemplate = `# The commission's sitting for tarazy protocol (one school; every grade may share it).
school: SCHOOL-CODE            # the school code used in seats.csv and results.csv
school_name_kk: "…"            # the school's name in Kazakh, as printed on the protocol
school_name_ru: "…"            # and in Russian
number: ""                     # the protocol's number, if the school numbers them
city: ""
calendar:                      # YYYY-MM-DD; contest_date and protocol_date are required
  registration_from: ""        # §16: documents accepted from 1 March …
  registration_to: ""          # … until 1 April
  base_sent: ""                # §20: the candidates' base sent to the Daryn centre by 3 April
  schedule_published: ""       # §28: the schedule published 5–15 April
  contest_date: 2026-04-20     # §27: 15–30 April
  protocol_date: 2026-04-21    # §41: the contest day or the next day
  order_date: ""               # §42: admission and reserve orders by 5 May
  reasons: {}                  # why a date outside its window went ahead, e.g. protocol_date: "…"
commission:                    # §22–24: an odd number of members, at least seven
  chair: "Surname Name"        # must be one of the members
  members:
    - {name: "Surname Name", position: "organisation and post (§23)"}
`
