package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"tarazy/contest"
	"tarazy/scoring"
)

func init() {
	register(&command{
		Name:    "rank",
		Summary: "rank candidates per school and grade: seats, quota, reserve, ties (§25, §38, §40, §43)",
		Run:     runRank,
	})
}

const rankUsage = `rank --seats seats.csv --results results.csv --out ranking.csv
       [--quota-order merit-first|quota-first] [--tie-breaks math,reading,history]
       [--reserve 10] [--decisions decisions.csv] [--ties ties.csv] [--json ranking.json]

seats.csv is school,grade,seats[,quota]; results.csv is
school,grade,iin,name,score,math,reading,history,olympiad,myn_bala. ranking.csv is
school,grade,place,iin,name,score,outcome. A tie the rules and the tie-breaks cannot break
is tie_pending: the pending ties are written to --ties in the decisions format; the
commission puts the IINs in the order it decides, says who decided and why, and passes
the file back with --decisions.`

// policyFlags are the ranking policy flags that rank and protocol share, so that a
// protocol is always built with the policy the ranking used.
type policyFlags struct {
	quotaOrder, tieBreaks, invalidAs *string
	reserve                          *int
	fs                               *flag.FlagSet
}

func addPolicyFlags(fs *flag.FlagSet) policyFlags {
	d := contest.DefaultPolicy()
	return policyFlags{
		fs:         fs,
		quotaOrder: fs.String("quota-order", string(d.QuotaOrder), "merit-first: quota holders who win a seat on score use no quota seat; quota-first: quota seats are filled first"),
		tieBreaks:  fs.String("tie-breaks", strings.Join(d.TieBreaks, ","), "sections compared after the score and the olympiad priority, in order (or none)"),
		reserve:    fs.Int("reserve", d.ReserveSize, "length of the reserve list, at most 10 (§43)"),
		invalidAs:  fs.String("invalid-as", string(d.InvalidAs), "the multi-mark policy the scores were made with (printed in the protocol)"),
	}
}

// policy resolves the ranking policy. The multi-mark policy is not the ranking's
// choice but the one the scores were made with: `tarazy score --results` records it
// beside results.csv, and that record wins over a forgotten flag; a flag that
// contradicts it is an error, because the protocol would print a policy the scores
// were not made with.
func (pf policyFlags) policy(env *Env, resultsPath string) (contest.Policy, error) {
	p := contest.DefaultPolicy()
	p.QuotaOrder = contest.QuotaOrder(*pf.quotaOrder)
	p.TieBreaks = contest.ParseTieBreaks(*pf.tieBreaks)
	p.ReserveSize = *pf.reserve
	p.InvalidAs = scoring.InvalidAs(*pf.invalidAs)
	explicit := false
	pf.fs.Visit(func(f *flag.Flag) { explicit = explicit || f.Name == "invalid-as" })
	rec, err := readScoringPolicy(resultsPath)
	switch {
	case err != nil:
		return p, err
	case rec != nil && explicit && rec.InvalidAs != p.InvalidAs:
		return p, usagef("%s was scored with --invalid-as %s (recorded in %s), not %s; the protocol must print the policy the scores were made with",
			resultsPath, rec.InvalidAs, scoringPolicyPath(resultsPath), p.InvalidAs)
	case rec != nil:
		p.InvalidAs = rec.InvalidAs
	case !explicit && resultsPath != "":
		fmt.Fprintf(env.Stderr, "note: %s has no record of the multi-mark policy it was scored with (%s is missing); the protocol prints --invalid-as %s — pass the flag if the scores were made otherwise\n",
			resultsPath, scoringPolicyPath(resultsPath), p.InvalidAs)
	}
	if err := p.Validate(); err != nil {
		return p, usagef("%v", err)
	}
	return p, nil
}

// scoringPolicyPath is where `tarazy score` records the policy beside results.csv.
func scoringPolicyPath(resultsPath string) string { return resultsPath + ".policy.json" }

// writeScoringPolicy records the scoring policy beside a results file.
func writeScoringPolicy(resultsPath string, p scoring.Policy) error {
	b, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(scoringPolicyPath(resultsPath), append(b, '\n'), 0o644)
}

// readScoringPolicy reads the record, or nil when there is none.
func readScoringPolicy(resultsPath string) (*scoring.Policy, error) {
	if resultsPath == "" || resultsPath == "-" {
		return nil, nil
	}
	b, err := os.ReadFile(scoringPolicyPath(resultsPath))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var p scoring.Policy
	if err := json.Unmarshal(b, &p); err != nil {
		return nil, fmt.Errorf("%s: %w", scoringPolicyPath(resultsPath), err)
	}
	if _, err := scoring.ParseInvalidAs(string(p.InvalidAs)); err != nil {
		return nil, fmt.Errorf("%s: %w", scoringPolicyPath(resultsPath), err)
	}
	return &p, nil
}

// rankInputs are the files both rank and protocol read.
type rankInputs struct {
	seats     []contest.Seats
	cands     []contest.Candidate
	decisions []contest.Decision
}

func readRankInputs(seatsPath, resultsPath, decisionsPath string) (*rankInputs, error) {
	var in rankInputs
	var err error
	if in.seats, err = readCSVFile(seatsPath, "the seats", contest.ReadSeatsCSV); err != nil {
		return nil, err
	}
	if in.cands, err = readCSVFile(resultsPath, "the results", contest.ReadResultsCSV); err != nil {
		return nil, err
	}
	if decisionsPath != "" {
		if in.decisions, err = readCSVFile(decisionsPath, "the decisions", contest.ReadDecisionsCSV); err != nil {
			return nil, err
		}
	}
	return &in, nil
}

func readCSVFile[T any](path, what string, read func(io.Reader, string) ([]T, error)) ([]T, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", what, err)
	}
	defer f.Close()
	return read(f, path)
}

func runRank(ctx context.Context, env *Env, args []string) error {
	fs := newFlags(env, "rank", rankUsage)
	seatsPath := fs.String("seats", "", "seats per school and grade, CSV school,grade,seats[,quota] (required)")
	resultsPath := fs.String("results", "", "candidates' results, CSV (required)")
	out := fs.String("out", "", "ranking CSV to write (required; - for stdout)")
	decisionsPath := fs.String("decisions", "", "the commission's tie decisions, CSV school,grade,order,decided_by,reason,decided_on")
	tiesPath := fs.String("ties", "", "write the pending ties here as a decisions template")
	jsonPath := fs.String("json", "", "also write the full ranking as JSON (policy, ties, decisions)")
	pf := addPolicyFlags(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *seatsPath == "" || *resultsPath == "" || *out == "" {
		return usagef("--seats, --results and --out are required")
	}
	policy, err := pf.policy(env, *resultsPath)
	if err != nil {
		return err
	}
	in, err := readRankInputs(*seatsPath, *resultsPath, *decisionsPath)
	if err != nil {
		return err
	}
	rk, err := contest.Rank(in.seats, in.cands, policy, in.decisions)
	if err != nil {
		return err
	}
	if err := writeOut(env, *out, func(w io.Writer) error { return contest.WriteRankingCSV(w, rk.Rows()) }); err != nil {
		return err
	}
	if *jsonPath != "" {
		if err := writeOut(env, *jsonPath, func(w io.Writer) error {
			enc := json.NewEncoder(w)
			enc.SetIndent("", "  ")
			return enc.Encode(rk)
		}); err != nil {
			return err
		}
	}
	pending := 0
	for _, res := range rk.Results {
		for _, t := range res.Ties {
			if t.Decision == nil {
				pending++
			}
		}
		fmt.Fprintf(env.Stderr, "%s grade %d: %d candidates, %d seats (quota %d): %d admitted, %d on the quota, %d reserve, %d tie_pending\n",
			res.School, res.Grade, len(res.Rows), res.Seats, res.Quota, res.Count(contest.Admitted), res.Count(contest.AdmittedQuota),
			res.Count(contest.Reserve), res.Count(contest.TiePending))
	}
	for _, w := range rk.Warnings {
		fmt.Fprintf(env.Stderr, "warning: %s\n", w)
	}
	if pending > 0 {
		if *tiesPath != "" {
			if err := writeOut(env, *tiesPath, func(w io.Writer) error { return contest.WriteTiesCSV(w, rk) }); err != nil {
				return err
			}
			fmt.Fprintf(env.Stderr, "%d ties wait for the commission: fill in %s and rank again with --decisions %s\n", pending, *tiesPath, *tiesPath)
		} else {
			fmt.Fprintf(env.Stderr, "%d ties wait for the commission (no rule or tie-break separates them); pass --ties ties.csv for a template to record the decisions:\n", pending)
			_ = contest.WriteTiesCSV(env.Stderr, rk)
		}
	}
	return nil
}
