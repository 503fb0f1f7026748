package server

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"tarazy/store"
)

// csvTable is an uploaded CSV file with a header row, read whole. Spreadsheets in
// Kazakh and Russian locales save CSV with ';', and Excel starts it with a byte-order
// mark: both are accepted.
type csvTable struct {
	name   string // what the file is, for messages ("seats.csv")
	header map[string]int
	rows   [][]string
	lines  []int // line number of each row, for messages
}

func readCSV(r io.Reader, name string, required, optional []string) (*csvTable, error) {
	br := bufio.NewReader(r)
	first, err := br.Peek(3)
	if err == nil && bytes.Equal(first, []byte{0xEF, 0xBB, 0xBF}) {
		br.Discard(3)
	}
	head, _ := br.Peek(4096)
	line, _, _ := bytes.Cut(head, []byte("\n"))
	cr := csv.NewReader(br)
	if bytes.Count(line, []byte(";")) > bytes.Count(line, []byte(",")) {
		cr.Comma = ';'
	}
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	hdr, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, invalidf("%s is empty; it needs a header line: %s", name, strings.Join(required, ","))
	}
	if err != nil {
		return nil, csvErr(name, err)
	}
	t := &csvTable{name: name, header: map[string]int{}}
	for i, h := range hdr {
		h = strings.ToLower(strings.TrimSpace(h))
		if !slices.Contains(required, h) && !slices.Contains(optional, h) {
			return nil, invalidf("%s line 1: unknown column %q; the columns are %s", name, h, strings.Join(append(slices.Clone(required), optional...), ","))
		}
		if _, dup := t.header[h]; dup {
			return nil, invalidf("%s line 1: column %q appears twice", name, h)
		}
		t.header[h] = i
	}
	for _, c := range required {
		if _, ok := t.header[c]; !ok {
			return nil, invalidf("%s line 1: column %q is missing; the header must be %s", name, c, strings.Join(required, ","))
		}
	}
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, csvErr(name, err)
		}
		ln, _ := cr.FieldPos(0)
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue
		}
		if len(rec) != len(hdr) {
			return nil, invalidf("%s line %d: %d fields, the header has %d", name, ln, len(rec), len(hdr))
		}
		t.rows = append(t.rows, rec)
		t.lines = append(t.lines, ln)
	}
	return t, nil
}

func csvErr(name string, err error) error {
	var mbe *http.MaxBytesError
	var pe *csv.ParseError
	switch {
	case errors.As(err, &mbe):
		return err
	case errors.As(err, &pe):
		return invalidf("%s line %d: %v", name, pe.Line, pe.Err)
	}
	return fmt.Errorf("%s: %w", name, err)
}

func (t *csvTable) str(i int, col string) string {
	j, ok := t.header[col]
	if !ok {
		return ""
	}
	return strings.TrimSpace(t.rows[i][j])
}

func (t *csvTable) int(i int, col string) (int, error) {
	v := t.str(i, col)
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, invalidf("%s line %d: %s %q is not a whole number", t.name, t.lines[i], col, v)
	}
	return n, nil
}

// flag reads 1/0 (also yes/no, true/false; empty is 0).
func (t *csvTable) flag(i int, col string) (bool, error) {
	switch strings.ToLower(t.str(i, col)) {
	case "1", "yes", "true", "иә", "да":
		return true, nil
	case "0", "", "no", "false", "жоқ", "нет":
		return false, nil
	}
	return false, invalidf("%s line %d: %s must be 1 or 0, not %q", t.name, t.lines[i], col, t.str(i, col))
}

// rankingHeader is ranking.csv's header (issue 3).
var rankingHeader = []string{"school", "grade", "place", "iin", "name", "score", "outcome"}

func placementRecord(p store.Placement) []string {
	return []string{p.School, strconv.Itoa(p.Grade), strconv.Itoa(p.Place), p.IIN, p.Name, strconv.Itoa(p.Score), string(p.Outcome)}
}
