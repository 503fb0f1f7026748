package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"tarazy/contest"
	"tarazy/omr/form"
	"tarazy/results"
	"tarazy/scoring"
)

func init() {
	register(&command{
		Name:    "score",
		Summary: "score final sheet readings against the answer keys (§35)",
		Run:     runScore,
	})
}

const scoreUsage = `score --key key.csv --readings results.jsonl --out scores.csv
       [--candidates candidates.csv --results results.csv] [--items items.csv] [--conflicts conflicts.csv]
       [--invalid-as wrong|blank] [--quota-order merit-first|quota-first] [--tie-breaks math,reading,history|none] [--reserve 10]
       [--allow-conflicts] [--key-checked]

Scores every final reading (4 × correct − 1 × wrong, §35) with the results engine the
server runs. Sheets that cannot be scored without a guess (open review, two sheets for
one IIN, an unregistered IIN, no key) are conflicts: they are listed, the rest is
scored, and the command fails until they are resolved or --allow-conflicts is given. A
question that looks miskeyed (the strongest candidates mostly chose another option) also
fails the command until the commission has checked the key and passes --key-checked.

The policy (multi-marks, quota order, tie-breaks, reserve size) is recorded once, here,
beside results.csv (results.csv.policy.json); rank and protocol read it from there.`

// policyFlags are the policy the commission adopts before the contest, recorded when
// the grade is scored.
type policyFlags struct {
	invalidAs, quotaOrder, tieBreaks *string
	reserve                          *int
}

func addPolicyFlags(fs *flag.FlagSet) policyFlags {
	d := contest.DefaultPolicy()
	return policyFlags{
		invalidAs:  fs.String("invalid-as", string(d.InvalidAs), "how a multi-marked answer counts: wrong (−1) or blank (0)"),
		quotaOrder: fs.String("quota-order", string(d.QuotaOrder), "merit-first: quota holders who win a seat on score use no quota seat; quota-first: quota seats are filled first"),
		tieBreaks:  fs.String("tie-breaks", strings.Join(d.TieBreaks, ","), "sections compared after the score and the olympiad priority, in order (or none)"),
		reserve:    fs.Int("reserve", d.ReserveSize, "length of the reserve list, at most 10 (§43)"),
	}
}

func (pf policyFlags) policy() (contest.Policy, error) {
	ia, err := scoring.ParseInvalidAs(*pf.invalidAs)
	if err != nil {
		return contest.Policy{}, usagef("%v", err)
	}
	p := contest.Policy{InvalidAs: ia, QuotaOrder: contest.QuotaOrder(*pf.quotaOrder), TieBreaks: contest.ParseTieBreaks(*pf.tieBreaks), ReserveSize: *pf.reserve}
	if err := p.Validate(); err != nil {
		return p, usagef("%v", err)
	}
	return p, nil
}

func runScore(ctx context.Context, env *Env, args []string) error {
	fs := newFlags(env, "score", scoreUsage)
	keyPath := fs.String("key", "", "answer keys, CSV grade,variant,answers (required)")
	readingsPath := fs.String("readings", "", "sheet readings, JSON lines from tarazy scan (required)")
	out := fs.String("out", "", "scores CSV to write (required; - for stdout)")
	candPath := fs.String("candidates", "", "the candidates' base, CSV school,grade,iin,name,olympiad,myn_bala")
	resultsPath := fs.String("results", "", "also write the ranking input results.csv and its policy record (needs --candidates)")
	itemsPath := fs.String("items", "", "write the item analysis CSV here")
	conflictsPath := fs.String("conflicts", "", "write the conflicts CSV here (else they are printed)")
	allowConflicts := fs.Bool("allow-conflicts", false, "succeed although some sheets were not scored")
	keyChecked := fs.Bool("key-checked", false, "the commission checked the flagged questions against the booklet; do not fail on them")
	pf := addPolicyFlags(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *keyPath == "" || *readingsPath == "" || *out == "" {
		return usagef("--key, --readings and --out are required")
	}
	if *resultsPath != "" && *candPath == "" {
		return usagef("--results needs --candidates: the ranking input takes school, name and olympiad flags from the base")
	}
	policy, err := pf.policy()
	if err != nil {
		return err
	}
	src := &results.FileSource{KeysPath: *keyPath, ReadingsPath: *readingsPath, CandidatesPath: *candPath}
	sc, err := results.Score(ctx, src, results.All, policy)
	if err != nil {
		return err
	}
	batch := sc.Batch
	if err := writeOut(env, *out, func(w io.Writer) error { return scoring.WriteScoresCSV(w, batch.Results) }); err != nil {
		return err
	}
	if *resultsPath != "" {
		if err := writeOut(env, *resultsPath, func(w io.Writer) error { return contest.WriteResultsCSV(w, sc.Results) }); err != nil {
			return err
		}
		if *resultsPath != "-" {
			if err := results.WritePolicyRecord(*resultsPath, policy); err != nil {
				return err
			}
		}
	}
	if *itemsPath != "" {
		opts := unionOptions()
		if err := writeOut(env, *itemsPath, func(w io.Writer) error { return scoring.WriteItemsCSV(w, sc.Items, opts) }); err != nil {
			return err
		}
	}
	all := append(append([]scoring.Conflict(nil), batch.Conflicts...), batch.Rescans...)
	if *conflictsPath != "" {
		if err := writeOut(env, *conflictsPath, func(w io.Writer) error { return scoring.WriteConflictsCSV(w, all) }); err != nil {
			return err
		}
	}

	// Summary: what was scored, and everything that needs a person.
	byGrade := map[int]int{}
	for _, r := range batch.Results {
		byGrade[r.Grade]++
	}
	var parts []string
	for _, g := range sortedKeys(byGrade) {
		parts = append(parts, fmt.Sprintf("grade %d: %d", g, byGrade[g]))
	}
	fmt.Fprintf(env.Stderr, "scored %d of %d pages (%s), invalid-as %s; %d identical rescans counted once\n",
		len(batch.Results), sc.Pages, strings.Join(parts, ", "), policy.InvalidAs, len(batch.Rescans))
	kinds := map[scoring.ConflictKind]int{}
	for _, c := range batch.Conflicts {
		kinds[c.Kind]++
	}
	for _, k := range sortedKeys(kinds) {
		fmt.Fprintf(env.Stderr, "  %-12s %d\n", k, kinds[k])
	}
	if *conflictsPath == "" && len(batch.Conflicts) > 0 {
		for _, c := range batch.Conflicts {
			fmt.Fprintf(env.Stderr, "  %s %s %s p%d: %s\n", c.Kind, c.IIN, c.File, c.Page, c.Detail)
		}
	}
	for _, it := range sc.Flagged {
		fmt.Fprintf(env.Stderr, "PROBABLE KEY ERROR grade %d variant %s question %d (key %s): %s\n",
			it.Grade, it.Variant, it.Question, it.Key, strings.Join(it.Reasons, "; "))
	}
	var fails []string
	if sc.Blocking() && !*allowConflicts {
		fails = append(fails, fmt.Sprintf("%d sheets were not scored (see the conflicts above%s); resolve them and score again, or pass --allow-conflicts to go on without them",
			sc.BlockingCount(), inFile(*conflictsPath)))
	}
	if len(sc.Flagged) > 0 && !*keyChecked {
		fails = append(fails, fmt.Sprintf("%d questions look miskeyed; check them against the test booklet, fix key.csv if the key is wrong, or pass --key-checked if it is right", len(sc.Flagged)))
	}
	if len(fails) > 0 {
		return fmt.Errorf("%s: %s is written but incomplete: %w", strings.Join(fails, "; "), *out, scoring.ErrConflicts)
	}
	return nil
}

func inFile(path string) string {
	if path == "" {
		return ""
	}
	return " and " + path
}

// unionOptions is every option letter of the built-in forms, in order.
func unionOptions() []string {
	seen := map[string]bool{}
	var out []string
	for _, id := range form.IDs() {
		f, _ := form.Get(id)
		for _, o := range f.Options {
			if !seen[o] {
				seen[o] = true
				out = append(out, o)
			}
		}
	}
	sort.Strings(out)
	return out
}

func sortedKeys[K int | string | scoring.ConflictKind, V any](m map[K]V) []K {
	out := make([]K, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// writeOut writes a file through a temporary file in the same folder and renames it
// into place, so that a failure never leaves half a file where a good one was; "-"
// writes to stdout.
func writeOut(env *Env, path string, write func(io.Writer) error) error {
	if path == "-" {
		return write(env.Stdout)
	}
	dir, base := splitPath(path)
	tmp, err := os.CreateTemp(dir, "."+base+".*.tmp")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer os.Remove(tmp.Name()) // no-op after the rename
	if err := write(tmp); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

func splitPath(p string) (dir, base string) {
	i := strings.LastIndex(p, "/")
	if i < 0 {
		return ".", p
	}
	return p[:i+1], p[i+1:]
}
