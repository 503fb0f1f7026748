package results

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"

	"tarazy/contest"
	"tarazy/omr/reading"
	"tarazy/scoring"
)

// FileSource is the command line's Source: the contest's files, read in the one CSV
// dialect (each file's own reader). A path left empty is a file the command does not
// need; asking for it is an error that names the flag.
type FileSource struct {
	KeysPath       string // key.csv (--key)
	ReadingsPath   string // readings, JSON lines from tarazy scan (--readings)
	CandidatesPath string // candidates.csv (--candidates)
	SeatsPath      string // seats.csv (--seats)
	ResultsPath    string // results.csv, with its policy record beside it (--results)
	DecisionsPath  string // decisions.csv (--decisions)
	SittingPath    string // sitting.yaml (--sitting)
}

func need(path, flag string) error {
	if path == "" {
		return fmt.Errorf("this needs %s", flag)
	}
	return nil
}

func readFile[T any](path, flag string, read func(io.Reader, string) (T, error)) (T, error) {
	var zero T
	if err := need(path, flag); err != nil {
		return zero, err
	}
	f, err := os.Open(path)
	if err != nil {
		return zero, fmt.Errorf("open %s (%s): %w", path, flag, err)
	}
	defer f.Close()
	return read(f, path)
}

func (f *FileSource) Keys(ctx context.Context) (*scoring.Keys, error) {
	return readFile(f.KeysPath, "--key", func(r io.Reader, name string) (*scoring.Keys, error) { return scoring.ParseKeys(r, name, nil) })
}

// Registrations reads candidates.csv; every line must name its school and grade,
// because the base of several schools is ranked school by school.
func (f *FileSource) Registrations(ctx context.Context, s Scope) ([]contest.Registration, error) {
	if f.CandidatesPath == "" {
		return nil, nil // scoring without a base: nothing is registered
	}
	regs, err := readFile(f.CandidatesPath, "--candidates", contest.ReadCandidatesCSV)
	if err != nil {
		return nil, err
	}
	var out []contest.Registration
	var errs []error
	for _, r := range regs {
		if r.School == "" || r.Grade == 0 {
			errs = append(errs, fmt.Errorf("%s line %d: the school and the grade are required (columns school and grade)", f.CandidatesPath, r.Line))
			continue
		}
		if s.School == "" || r.School == s.School {
			out = append(out, r)
		}
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("%w:\n%w", contest.ErrCSV, errors.Join(errs...))
	}
	return out, nil
}

// Pages reads the readings file: every reading is a sheet, except those the reader
// rejected, which are pages it could not read.
func (f *FileSource) Pages(ctx context.Context, s Scope) (Pages, error) {
	rds, err := readFile(f.ReadingsPath, "--readings", func(r io.Reader, name string) ([]reading.Reading, error) {
		rds, err := reading.ReadJSONL(r)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		return rds, nil
	})
	if err != nil {
		return Pages{}, err
	}
	var p Pages
	for _, rd := range rds {
		if rd.Status == reading.StatusRejected {
			p.Refused = append(p.Refused, Refused{File: rd.File, Page: rd.Page, Serial: rd.Sheet, IIN: rd.IIN, Form: rd.Form, Refusal: "reader", Reason: rd.Error})
			continue
		}
		p.Sheets = append(p.Sheets, rd)
	}
	return p, nil
}

// Elsewhere: the files hold every school at once, so there is no elsewhere.
func (f *FileSource) Elsewhere(ctx context.Context, s Scope, iins []string) (map[string]string, error) {
	return nil, nil
}

func (f *FileSource) Seats(ctx context.Context, s Scope) ([]contest.Seats, error) {
	all, err := readFile(f.SeatsPath, "--seats", contest.ReadSeatsCSV)
	if err != nil {
		return nil, err
	}
	var out []contest.Seats
	for _, x := range all {
		if s.has(x.School, x.Grade) {
			out = append(out, x)
		}
	}
	return out, nil
}

func (f *FileSource) Scores(ctx context.Context, s Scope) ([]contest.Candidate, contest.Policy, error) {
	all, err := readFile(f.ResultsPath, "--results", contest.ReadResultsCSV)
	if err != nil {
		return nil, contest.Policy{}, err
	}
	p, err := ReadPolicyRecord(f.ResultsPath)
	if err != nil {
		return nil, p, err
	}
	var out []contest.Candidate
	for _, c := range all {
		if s.has(c.School, c.Grade) {
			out = append(out, c)
		}
	}
	return out, p, nil
}

func (f *FileSource) Decisions(ctx context.Context, s Scope) ([]Decision, error) {
	if f.DecisionsPath == "" {
		return nil, nil // no decisions recorded
	}
	all, err := readFile(f.DecisionsPath, "--decisions", contest.ReadDecisionsCSV)
	if err != nil {
		return nil, err
	}
	var out []Decision
	for _, d := range all {
		if s.has(d.School, d.Grade) {
			out = append(out, Decision{Decision: d})
		}
	}
	return out, nil
}

func (f *FileSource) Sitting(ctx context.Context, school string, grade int) (*contest.Sitting, error) {
	sit, err := readFile(f.SittingPath, "--sitting", contest.ParseSitting)
	if err != nil {
		return nil, err
	}
	if sit.School != school {
		return nil, fmt.Errorf("%s is the sitting of school %q, not %q", f.SittingPath, sit.School, school)
	}
	return sit, nil
}

// Schools lists the school grades of a scored scope, in order: what `tarazy score`
// writes results for.
func SchoolGrades(cs []contest.Candidate) []Scope {
	seen := map[Scope]bool{}
	var out []Scope
	for _, c := range cs {
		s := Scope{School: c.School, Grade: c.Grade}
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].School != out[j].School {
			return out[i].School < out[j].School
		}
		return out[i].Grade < out[j].Grade
	})
	return out
}

// PolicyRecordPath is where `tarazy score` records the policy beside results.csv.
func PolicyRecordPath(resultsPath string) string { return resultsPath + ".policy.json" }

// WritePolicyRecord records the policy a results file was scored with. It is recorded
// once, when the grade is scored; rank and protocol read it.
func WritePolicyRecord(resultsPath string, p contest.Policy) error {
	b, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(PolicyRecordPath(resultsPath), append(b, '\n'), 0o644)
}

// ReadPolicyRecord reads the policy recorded beside a results file. A record written
// by an earlier tarazy, which held only the multi-mark policy, gets the defaults of
// the time for the rest (they were what ranking used then).
func ReadPolicyRecord(resultsPath string) (contest.Policy, error) {
	path := PolicyRecordPath(resultsPath)
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return contest.Policy{}, fmt.Errorf("%s has no record of the policy it was scored with (%s is missing); the policy is recorded once, when the grade is scored: score it again with tarazy score --results", resultsPath, path)
	}
	if err != nil {
		return contest.Policy{}, err
	}
	p := contest.DefaultPolicy()
	p.TieBreaks = nil
	if err := json.Unmarshal(b, &p); err != nil {
		return p, fmt.Errorf("%s: %w", path, err)
	}
	if p.TieBreaks == nil {
		p.TieBreaks = contest.DefaultPolicy().TieBreaks
	}
	if err := p.Validate(); err != nil {
		return p, fmt.Errorf("%s: %w", path, err)
	}
	return p, nil
}
