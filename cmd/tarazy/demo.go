package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"time"

	"tarazy/omr/form"
	"tarazy/omr/synth"
)

func init() {
	register(&command{
		Name:    "demo",
		Summary: "run the end-to-end demo into a folder",
		Run:     runDemo,
	})
}

// runDemo grows with the product: each area that lands adds its step here. Today it
// prints the sheets, fills a stack of them the ways candidates do, scans them the ways
// scanners do (omr/synth), learns the batch's thresholds and reads the stack.
func runDemo(ctx context.Context, env *Env, args []string) error {
	fs := newFlags(env, "demo", "demo [--out DIR] [--sheets N]")
	out := fs.String("out", "demo-out", "folder for the demo's output")
	n := fs.Int("sheets", 200, "how many filled-in scans to generate")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *n < 1 {
		return usagef("--sheets must be at least 1")
	}
	fmt.Fprintln(env.Stdout, "tarazy demo: the answer-sheet forms of the contest (§33–34)")
	if err := runForms(ctx, env, nil); err != nil {
		return err
	}
	sheets := filepath.Join(*out, "sheets")
	scans := filepath.Join(*out, "scans")
	for _, d := range []string{sheets, scans} {
		if err := os.RemoveAll(d); err != nil {
			return err
		}
		if err := os.MkdirAll(d, 0o755); err != nil {
			return err
		}
	}

	// 1. Print: a generic sheet of every form, its layout, and personalised g7 sheets.
	start := time.Now()
	var cands []synth.Candidate
	g7, _ := form.Get("g7")
	csvPath := filepath.Join(sheets, "candidates.csv")
	csv := "iin,name,serial\n"
	for i := 0; i < 6; i++ {
		c := synth.RandomCandidate(g7, uint64(9000+i))
		c.Personalised, c.Serial = true, 101+i
		cands = append(cands, c)
		csv += fmt.Sprintf("%s,%s,%d\n", c.IIN, c.Name, c.Serial)
	}
	if err := os.WriteFile(csvPath, []byte(csv), 0o644); err != nil {
		return err
	}
	for _, id := range form.IDs() {
		for _, a := range [][]string{
			{"pdf", "--form", id, "--contest", "NIS-2026", "--out", filepath.Join(sheets, id+"-blank.pdf")},
			{"png", "--form", id, "--dpi", "150", "--out", filepath.Join(sheets, id+"-blank.png")},
			{"layout", "--form", id, "--out", filepath.Join(sheets, id+"-layout.json")},
		} {
			if err := runSheet(ctx, &Env{Stdout: env.Stdout, Stderr: discard{}}, a); err != nil {
				return err
			}
		}
	}
	if err := runSheet(ctx, &Env{Stdout: env.Stdout, Stderr: discard{}}, []string{"pdf", "--form", "g7", "--contest", "NIS-2026", "--candidates", csvPath, "--out", filepath.Join(sheets, "g7-personalised.pdf")}); err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "\nprinted blank sheets, layouts and %d personalised g7 sheets into %s\n", len(cands), sheets)

	// 2. Fill and scan a stack: realistic marks and scanner faults, truth kept aside.
	g := synth.New(synth.Options{})
	ids := []string{"g7", "g7", "g6", "g5"}
	jobs := make(chan int)
	errs := make(chan error, 1)
	var wg sync.WaitGroup
	for w := 0; w < runtime.NumCPU(); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				f, _ := form.Get(ids[i%len(ids)])
				c := synth.RandomCandidate(f, uint64(i))
				if i < len(cands) {
					f, c = g7, cands[i]
				}
				s, err := g.Generate(f, c, uint64(i))
				if err == nil {
					err = os.WriteFile(filepath.Join(scans, fmt.Sprintf("%04d-%s", i, s.Name)), s.Data, 0o644)
				}
				if err != nil {
					select {
					case errs <- err:
					default:
					}
				}
			}
		}()
	}
	for i := 0; i < *n; i++ {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	select {
	case err := <-errs:
		return err
	default:
	}
	// A few pages that are not sheets, as a real stack has.
	os.WriteFile(filepath.Join(scans, "zz-empty.jpg"), nil, 0o644)
	os.WriteFile(filepath.Join(scans, "zz-notes.pdf"), []byte("%PDF-1.4\n% not a scan\n"), 0o644)
	fmt.Fprintf(env.Stdout, "generated %d filled-in scans (150–600 dpi, rotated, skewed, some upside down, blurred, dusty…) and 2 bad files into %s in %.1fs\n",
		*n, scans, time.Since(start).Seconds())

	// 3. Read the stack, learning the thresholds from it.
	results := filepath.Join(*out, "results.jsonl")
	fmt.Fprintf(env.Stdout, "\ntarazy scan --out %s --crops %s %s\n", results, filepath.Join(*out, "review-crops"), scans)
	if err := runScan(ctx, &Env{Stdout: env.Stdout, Stderr: env.Stdout}, []string{"--out", results, "--crops", filepath.Join(*out, "review-crops"), scans}); err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "\none JSON line per page in %s; crops of every field a person must check in %s\n", results, filepath.Join(*out, "review-crops"))
	return nil
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }
