package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"

	"tarazy/contest"
	"tarazy/results"
)

func init() {
	register(&command{
		Name:    "rank",
		Summary: "rank candidates per school and grade: seats, quota, reserve, ties (§25, §38, §40, §43)",
		Run:     runRank,
	})
}

const rankUsage = `rank --seats seats.csv --results results.csv --out ranking.csv
       [--decisions decisions.csv] [--ties ties.csv] [--json ranking.json]

seats.csv is school,grade,seats[,quota]; results.csv is
school,grade,iin,name,score,math,reading,history,olympiad,myn_bala, with the policy
tarazy score recorded beside it (results.csv.policy.json). ranking.csv is
school,grade,place,iin,name,score,outcome. A tie the rules and the tie-breaks cannot break
is tie_pending: the pending ties are written to --ties in the decisions format; the
chair puts the IINs in the order the commission decides, says who decided and why, and
passes the file back with --decisions. It is the results engine the server runs.`

// refusePolicyFlags keeps the old policy flags of rank and protocol only to say where
// the policy now comes from.
func refusePolicyFlags(fs *flag.FlagSet) func() error {
	var set []string
	for _, name := range []string{"quota-order", "tie-breaks", "reserve", "invalid-as"} {
		fs.Func(name, "no longer here: the policy is recorded by tarazy score beside results.csv", func(string) error {
			set = append(set, name)
			return nil
		})
	}
	return func() error {
		if len(set) > 0 {
			return usagef("--%s: the policy is recorded once, when the grade is scored (tarazy score --%s …), beside results.csv; rank and protocol read it from there", set[0], set[0])
		}
		return nil
	}
}

func runRank(ctx context.Context, env *Env, args []string) error {
	fs := newFlags(env, "rank", rankUsage)
	seatsPath := fs.String("seats", "", "seats per school and grade, CSV school,grade,seats[,quota] (required)")
	resultsPath := fs.String("results", "", "candidates' results, CSV, with its policy record (required)")
	out := fs.String("out", "", "ranking CSV to write (required; - for stdout)")
	decisionsPath := fs.String("decisions", "", "the commission's tie decisions, CSV school,grade,order,decided_by,reason,decided_on")
	tiesPath := fs.String("ties", "", "write the pending ties here as a decisions template")
	jsonPath := fs.String("json", "", "also write the full ranking as JSON (policy, ties, decisions)")
	policyFlags := refusePolicyFlags(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := policyFlags(); err != nil {
		return err
	}
	if *seatsPath == "" || *resultsPath == "" || *out == "" {
		return usagef("--seats, --results and --out are required")
	}
	src := &results.FileSource{SeatsPath: *seatsPath, ResultsPath: *resultsPath, DecisionsPath: *decisionsPath}
	ranked, err := results.Rank(ctx, src, results.All)
	if err != nil {
		return explainStale(env, err)
	}
	rk := ranked.Ranking
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

// explainStale prints each stale decision with why before failing.
func explainStale(env *Env, err error) error {
	var se *results.StaleError
	if !errors.As(err, &se) {
		return err
	}
	for _, s := range se.Stale {
		fmt.Fprintf(env.Stderr, "stale decision: %s\n", s.Why.EN)
	}
	return fmt.Errorf("%d tie decisions no longer match a tie of these results; take them out of the decisions file or decide again on the candidates as they now stand", len(se.Stale))
}
