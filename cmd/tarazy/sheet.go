package main

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

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
	contest := fs.String("contest", "", "contest id printed in the QR code")
	dpi := fs.Float64("dpi", 300, "resolution of the PNG")
	cands := fs.String("candidates", "", "CSV of candidates (columns iin,name[,serial]): one personalised sheet each")
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
			return omr.WritePNG(w, l, omr.SheetInfo{Contest: *contest, Serial: *serial}, *dpi)
		})
	case "pdf":
		sheets := []omr.SheetInfo{{Contest: *contest, Serial: *serial}}
		if *cands != "" {
			first := *serial
			if first == 0 {
				first = 1
			}
			cf, err := os.Open(*cands)
			if err != nil {
				return fmt.Errorf("candidates: %w", err)
			}
			sheets, err = ReadCandidates(cf, *cands, *contest, first)
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

// ReadCandidates reads the candidates CSV: a header naming the columns iin and name
// (any order, any case) and optionally serial. Every problem is reported with its
// line number, all at once, so the list is fixed in one go.
func ReadCandidates(r io.Reader, name, contest string, firstSerial int) ([]omr.SheetInfo, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	head, err := cr.Read()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("%s is empty: it needs a header line iin,name[,serial] and one line per candidate", name)
		}
		return nil, fmt.Errorf("%s line 1: %w", name, err)
	}
	col := map[string]int{}
	for i, h := range head {
		col[strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))] = i
	}
	ci, okI := col["iin"]
	cn, okN := col["name"]
	cs, okS := col["serial"]
	if !okI || !okN {
		return nil, fmt.Errorf("%s line 1: the header must name the columns iin and name (and optionally serial), got %q", name, strings.Join(head, ","))
	}
	var sheets []omr.SheetInfo
	var problems []string
	seenIIN := map[string]int{}
	seenSerial := map[int]int{}
	next := firstSerial
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		line, _ := cr.FieldPos(0)
		if err != nil {
			problems = append(problems, fmt.Sprintf("line %d: %v", line, err))
			continue
		}
		get := func(i int) string {
			if i < len(rec) {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}
		s := omr.SheetInfo{Contest: contest, IIN: get(ci), Name: get(cn)}
		if s.IIN == "" && s.Name == "" {
			continue
		}
		if _, err := iin.Parse(s.IIN); err != nil {
			problems = append(problems, fmt.Sprintf("line %d: %v", line, err))
		} else if prev, dup := seenIIN[s.IIN]; dup {
			problems = append(problems, fmt.Sprintf("line %d: IIN %s is already on line %d", line, s.IIN, prev))
		} else {
			seenIIN[s.IIN] = line
		}
		if s.Name == "" {
			problems = append(problems, fmt.Sprintf("line %d: the name is empty", line))
		}
		if okS && get(cs) != "" {
			n, err := strconv.Atoi(get(cs))
			if err != nil || n < 1 || n > omr.MaxSerial {
				problems = append(problems, fmt.Sprintf("line %d: serial %q must be a number 1–%d", line, get(cs), omr.MaxSerial))
			}
			s.Serial = n
		} else {
			s.Serial = next
		}
		next = s.Serial + 1
		if prev, dup := seenSerial[s.Serial]; dup && s.Serial > 0 {
			problems = append(problems, fmt.Sprintf("line %d: serial %d is already on line %d", line, s.Serial, prev))
		}
		seenSerial[s.Serial] = line
		if err := s.Validate(); err != nil && !strings.Contains(err.Error(), "IIN") {
			problems = append(problems, fmt.Sprintf("line %d: %v", line, err))
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
		return nil, fmt.Errorf("%s lists no candidates", name)
	}
	return sheets, nil
}
