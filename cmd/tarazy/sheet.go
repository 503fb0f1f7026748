package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"tarazy/contest"
	"tarazy/iin"
	"tarazy/omr"
	"tarazy/omr/form"
)

func init() {
	register(&command{
		Name:    "sheet",
		Summary: "print answer sheets: sheet pdf|png|layout --form g7",
		Run:     runSheet,
	})
}

const sheetUsage = `sheet pdf    --form g7 [--candidates candidates.csv] [--serial N] [--contest ID] --out sheets.pdf
       tarazy sheet png    --form g7 [--dpi 300] [--serial N] [--contest ID] --out blank.png
       tarazy sheet layout --form g7 --out layout.json`

func runSheet(ctx context.Context, env *Env, args []string) error {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		fmt.Fprintf(env.Stderr, "usage: tarazy %s\n", sheetUsage)
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help") {
			return nil
		}
		return usagef("say what to make: pdf, png or layout")
	}
	what := args[0]
	fs := newFlags(env, "sheet "+what, sheetUsage)
	formID := fs.String("form", "g7", "form id ("+strings.Join(form.IDs(), ", ")+")")
	out := fs.String("out", "", "output file (- for standard output)")
	serial := fs.Int("serial", 0, "serial printed on the sheet; with --candidates, the first serial (default 1)")
	contestID := fs.String("contest", "", "contest id printed in the QR code")
	dpi := fs.Float64("dpi", 300, "resolution of the PNG")
	cands := fs.String("candidates", "", "candidates.csv (iin and name, optionally grade and serial): one personalised sheet per candidate of the form's grade")
	if err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("unexpected arguments: %s", strings.Join(fs.Args(), " "))
	}
	if *out == "" {
		return usagef("--out is required")
	}
	f, err := form.Get(*formID)
	if err != nil {
		return usagef("%v", err)
	}
	l, err := omr.NewLayout(f)
	if err != nil {
		return err
	}
	if *serial < 0 || *serial > omr.MaxSerial {
		return usagef("--serial %d is outside 0–%d", *serial, omr.MaxSerial)
	}
	write := func(fn func(w io.Writer) error) error {
		w, err := createOut(env, *out)
		if err != nil {
			return err
		}
		if err := fn(w); err != nil {
			w.Close()
			if *out != "-" {
				os.Remove(*out)
			}
			return err
		}
		return w.Close()
	}
	switch what {
	case "layout":
		return write(l.WriteJSON)
	case "png":
		if *cands != "" {
			return usagef("--candidates makes a PDF; for PNG give --serial")
		}
		return write(func(w io.Writer) error {
			return omr.WritePNG(w, l, omr.SheetInfo{Contest: *contestID, Serial: *serial}, *dpi)
		})
	case "pdf":
		sheets := []omr.SheetInfo{{Contest: *contestID, Serial: *serial}}
		if *cands != "" {
			first := *serial
			if first == 0 {
				first = 1
			}
			cf, err := os.Open(*cands)
			if err != nil {
				return fmt.Errorf("candidates: %w", err)
			}
			sheets, err = sheetsFor(cf, *cands, *contestID, f, first)
			cf.Close()
			if err != nil {
				return err
			}
		}
		if err := write(func(w io.Writer) error { return omr.WritePDF(w, l, sheets) }); err != nil {
			return err
		}
		if *out != "-" {
			fmt.Fprintf(env.Stderr, "wrote %d %s sheet(s) to %s\n", len(sheets), f.ID, *out)
		}
		return nil
	}
	return usagef("unknown sheet output %q: pdf, png or layout", what)
}

// sheetsFor lists the personalised sheets of the candidates in candidates.csv (read by
// the one reader, contest.ReadCandidatesCSV) who sit this form: those of its grade, or
// every line when the file gives no grade. A sheet is printed only for an IIN that
// passes its checksum. Every problem is reported with its line, all at once, and
// nothing is printed until the file is right.
func sheetsFor(r io.Reader, name, contestID string, f *form.Form, firstSerial int) ([]omr.SheetInfo, error) {
	// The reader returns the good lines beside its errors, so the printing checks
	// below report theirs in the same pass.
	regs, rerr := contest.ReadCandidatesCSV(r, name)
	var sheets []omr.SheetInfo
	var problems []string
	if rerr != nil {
		problems = append(problems, rerr.Error())
	}
	next := firstSerial
	used := map[int]int{}
	for _, reg := range regs {
		if reg.Grade != 0 && reg.Grade != f.Grade {
			continue
		}
		if _, err := iin.Parse(reg.IIN); err != nil {
			problems = append(problems, fmt.Sprintf("line %d: %v", reg.Line, err))
		}
		s := omr.SheetInfo{Contest: contestID, IIN: reg.IIN, Name: reg.Name, Serial: reg.Serial}
		if s.Serial == 0 {
			s.Serial = next
		}
		next = s.Serial + 1
		if prev, dup := used[s.Serial]; dup {
			problems = append(problems, fmt.Sprintf("line %d: serial %d is already on line %d", reg.Line, s.Serial, prev))
		}
		used[s.Serial] = reg.Line
		if err := s.Validate(); err != nil && !strings.Contains(err.Error(), "IIN") {
			problems = append(problems, fmt.Sprintf("line %d: %v", reg.Line, err))
		}
		sheets = append(sheets, s)
	}
	if len(problems) > 0 {
		if len(problems) > 20 {
			problems = append(problems[:20], fmt.Sprintf("… and %d more", len(problems)-20))
		}
		return nil, fmt.Errorf("%s has %d problem(s); nothing was printed:\n  %s", name, len(problems), strings.Join(problems, "\n  "))
	}
	if len(sheets) == 0 {
		return nil, fmt.Errorf("%s lists no candidates for form %s (grade %d)", name, f.ID, f.Grade)
	}
	return sheets, nil
}
