package scoring

import (
	"encoding/csv"
	"io"
	"strconv"

	"tarazy/omr/form"
)

// ScoresHeader is the published column list of scores.csv (issue 3).
var ScoresHeader = []string{"iin", "grade", "variant", "correct", "wrong", "blank", "invalid", "score", "math", "reading", "history"}

// WriteScoresCSV writes one line per result. A section the form does not have (history
// on the grade-5 form) is left empty rather than written as 0, which would read as a
// score.
func WriteScoresCSV(w io.Writer, results []Result) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(ScoresHeader); err != nil {
		return err
	}
	for i := range results {
		r := &results[i]
		rec := []string{r.IIN, strconv.Itoa(r.Grade), r.Variant,
			strconv.Itoa(r.Correct), strconv.Itoa(r.Wrong), strconv.Itoa(r.Blank), strconv.Itoa(r.Invalid),
			strconv.Itoa(r.Score),
			sectionCell(r, form.SectionMath), sectionCell(r, form.SectionReading), sectionCell(r, form.SectionHistory)}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

func sectionCell(r *Result, key string) string {
	if v, ok := r.Section(key); ok {
		return strconv.Itoa(v)
	}
	return ""
}

// ConflictsHeader is the column list of the conflicts report.
var ConflictsHeader = []string{"kind", "iin", "file", "page", "sheet", "detail"}

// WriteConflictsCSV writes conflicts for the commission to work through.
func WriteConflictsCSV(w io.Writer, cs []Conflict) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(ConflictsHeader); err != nil {
		return err
	}
	for _, c := range cs {
		page := ""
		if c.Page > 0 {
			page = strconv.Itoa(c.Page)
		}
		if err := cw.Write([]string{string(c.Kind), c.IIN, c.File, page, c.Sheet, c.Detail}); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}
