// Package csvtable is the one CSV dialect of tarazy's input files (candidates, seats,
// keys, results, decisions): whatever a spreadsheet in a Kazakh or Russian office
// saves is read the same way by the command line and the HTTP API.
//
// The dialect: UTF-8 with or without Excel's byte-order mark; ',' or ';' between
// fields (the header line decides); a header line naming the columns in any order and
// any case, each known and at most once, every required one present; fields trimmed;
// empty lines skipped; yes/no cells as 1/0, yes/no, true/false, иә/жоқ or да/нет
// (empty is no). Every bad line is reported with its number, all at once (up to
// MaxErrors), so a file is fixed in one pass; a reader never panics on any input.
package csvtable

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
)

// LineError is one problem in an input file, with the line it is on (0: the file as
// a whole).
type LineError struct {
	File string
	Line int
	Msg  string
}

func (e *LineError) Error() string {
	if e.Line == 0 {
		return fmt.Sprintf("%s: %s", e.File, e.Msg)
	}
	return fmt.Sprintf("%s line %d: %s", e.File, e.Line, e.Msg)
}

// MaxErrors bounds the problems one file reports: a file with a million bad lines
// still gets a short answer.
const MaxErrors = 100

// Table reads one CSV file with a header line.
type Table struct {
	name    string
	cr      *csv.Reader
	col     map[string]int
	width   int // fields in the header
	need    int // the record must reach the last required column
	rec     []string
	line    int
	errs    []error
	dropped int
	// readErr is an error of the underlying reader (not a CSV error): the file could
	// not be read to its end, such as a request body over its limit.
	readErr error
}

// Open reads the header line. required columns must all be present; optional ones may
// be; any other column is an error, so a misspelt name is never silently ignored.
func Open(r io.Reader, name string, required, optional []string) (*Table, error) {
	br := bufio.NewReader(r)
	if b, err := br.Peek(3); err == nil && bytes.Equal(b, []byte{0xEF, 0xBB, 0xBF}) {
		br.Discard(3)
	}
	head, _ := br.Peek(4096)
	first, _, _ := bytes.Cut(head, []byte("\n"))
	t := &Table{name: name, cr: csv.NewReader(br), col: map[string]int{}}
	if bytes.Count(first, []byte(";")) > bytes.Count(first, []byte(",")) {
		t.cr.Comma = ';'
	}
	t.cr.FieldsPerRecord = -1
	t.cr.TrimLeadingSpace = true
	all := append(slices.Clone(required), optional...)
	hdr, err := t.cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, &LineError{File: name, Msg: fmt.Sprintf("the file is empty; its first line must be the header %s", header(required, optional))}
	}
	if err != nil {
		return nil, t.readError(err, 1)
	}
	for i, h := range hdr {
		h = strings.ToLower(strings.TrimSpace(h))
		if !slices.Contains(all, h) {
			return nil, &LineError{File: name, Line: 1, Msg: fmt.Sprintf("the first line must be the header %s; %q is not one of its columns",
				header(required, optional), clip(h))}
		}
		if _, dup := t.col[h]; dup {
			return nil, &LineError{File: name, Line: 1, Msg: fmt.Sprintf("column %q appears twice", h)}
		}
		t.col[h] = i
	}
	for _, c := range required {
		i, ok := t.col[c]
		if !ok {
			return nil, &LineError{File: name, Line: 1, Msg: fmt.Sprintf("the first line must be the header %s; column %q is missing",
				header(required, optional), c)}
		}
		t.need = max(t.need, i+1)
	}
	t.width = len(hdr)
	return t, nil
}

func header(required, optional []string) string {
	if len(optional) == 0 {
		return strings.Join(required, ",")
	}
	return strings.Join(required, ",") + " (optional: " + strings.Join(optional, ",") + ")"
}

// clip shortens what a file said for a message.
func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}

func (t *Table) readError(err error, line int) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return &LineError{File: t.name, Line: pe.Line, Msg: pe.Err.Error()}
	}
	return fmt.Errorf("%s: %w", t.name, err)
}

// Next moves to the next record, skipping empty lines and recording malformed ones;
// false at the end of the file.
func (t *Table) Next() bool {
	for {
		rec, err := t.cr.Read()
		if errors.Is(err, io.EOF) {
			return false
		}
		if err != nil {
			var pe *csv.ParseError
			if !errors.As(err, &pe) {
				// The reader itself failed: nothing more can be read.
				t.readErr = fmt.Errorf("%s: %w", t.name, err)
				return false
			}
			t.line = pe.Line
			t.Bad("%v", pe.Err)
			continue
		}
		t.line, _ = t.cr.FieldPos(0)
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue
		}
		if len(rec) > t.width {
			t.Bad("%d fields; the header has %d", len(rec), t.width)
			continue
		}
		if len(rec) < t.need {
			t.Bad("%d fields; the header has %d", len(rec), t.width)
			continue
		}
		for i := range rec {
			rec[i] = strings.TrimSpace(rec[i])
		}
		t.rec = rec
		return true
	}
}

// Line is the current record's line number.
func (t *Table) Line() int { return t.line }

// Has reports whether the header names a column.
func (t *Table) Has(col string) bool { _, ok := t.col[col]; return ok }

// Get returns a cell of the current record ("" for a column the file does not have).
func (t *Table) Get(col string) string {
	i, ok := t.col[col]
	if !ok || i >= len(t.rec) {
		return ""
	}
	return t.rec[i]
}

// Int reads a whole number; a bad one is recorded and ok is false.
func (t *Table) Int(col string) (int, bool) {
	s := t.Get(col)
	v, err := strconv.Atoi(s)
	if err != nil || len(s) > 9 {
		t.Bad("%s %q is not a whole number", col, clip(s))
		return 0, false
	}
	return v, true
}

// Flag reads a yes/no cell.
func (t *Table) Flag(col string) (bool, bool) {
	v, ok := ParseFlag(t.Get(col))
	if !ok {
		t.Bad("%s %q must be 1 or 0 (yes or no)", col, clip(t.Get(col)))
	}
	return v, ok
}

// ParseFlag reads the yes/no vocabulary; ok is false for anything else.
func ParseFlag(s string) (v, ok bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "1", "yes", "true", "иә", "да":
		return true, true
	case "0", "", "no", "false", "жоқ", "нет":
		return false, true
	}
	return false, false
}

// Bad records a problem with the current record.
func (t *Table) Bad(format string, args ...any) {
	if len(t.errs) >= MaxErrors {
		t.dropped++
		return
	}
	t.errs = append(t.errs, &LineError{File: t.name, Line: t.line, Msg: fmt.Sprintf(format, args...)})
}

// BadFile records a problem with the file as a whole.
func (t *Table) BadFile(format string, args ...any) {
	line := t.line
	t.line = 0
	t.Bad(format, args...)
	t.line = line
}

// Err returns every recorded problem joined, or nil. A failure of the underlying
// reader (such as a request body over its size limit) comes first and stays
// reachable with errors.As, so a caller can tell it from a bad file.
func (t *Table) Err() error {
	errs := t.errs
	if t.dropped > 0 {
		errs = append(slices.Clone(errs), fmt.Errorf("%s: … and %d more problems", t.name, t.dropped))
	}
	if t.readErr != nil {
		errs = append([]error{t.readErr}, errs...)
	}
	if len(errs) == 0 {
		return nil
	}
	return errors.Join(errs...)
}
