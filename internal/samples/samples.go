// Package samples is the project's shared sample scans: a few answer sheets of each
// grade (upright, upside down, turned a quarter), a page that is not a sheet, and
// multi-page TIFF and PDF files, with the readings they must give. They live in the
// top-level testdata/scans, are made by omr/synth (`go test ./internal/samples
// -update` writes them again) and are read by the tests of omr, the worker and the
// server's ingest, and by the README's examples.
package samples

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"tarazy/omr/reading"
)

// Expected is the reading a sample page must give. Answers are what the candidate
// meant; a page that is not a sheet has status rejected and nothing else.
type Expected struct {
	File    string   `json:"file"`
	Page    int      `json:"page"`
	Status  string   `json:"status"`
	Form    string   `json:"form,omitempty"`
	Sheet   string   `json:"sheet,omitempty"`
	IIN     string   `json:"iin,omitempty"`
	Variant string   `json:"variant,omitempty"`
	Answers []string `json:"answers,omitempty"`
}

// Dir is the folder of the sample scans, testdata/scans at the top of the module.
func Dir() string {
	_, here, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(here), "..", "..", "testdata", "scans")
}

// ExpectedFile lists every sample page, file by file.
const ExpectedFile = "expected.json"

// Load reads the expected readings.
func Load() ([]Expected, error) {
	b, err := os.ReadFile(filepath.Join(Dir(), ExpectedFile))
	if err != nil {
		return nil, err
	}
	var out []Expected
	if err := json.Unmarshal(b, &out); err != nil {
		return nil, fmt.Errorf("%s: %w", ExpectedFile, err)
	}
	return out, nil
}

// Files are the sample files, each once, in the order of expected.json.
func Files(list []Expected) []string {
	var out []string
	seen := map[string]bool{}
	for _, e := range list {
		if !seen[e.File] {
			seen[e.File] = true
			out = append(out, filepath.Join(Dir(), e.File))
		}
	}
	return out
}

// Check says how a reading differs from what the sample must give; "" when it gives
// it. A sheet the reader sends to review instead of deciding is not wrong, so a
// reading under review must agree on every field it does not name for review.
func (e Expected) Check(rd reading.Reading) string {
	if rd.Page != e.Page {
		return fmt.Sprintf("page %d, want %d", rd.Page, e.Page)
	}
	if e.Status == reading.StatusRejected || rd.Status == reading.StatusRejected {
		if rd.Status != e.Status {
			return fmt.Sprintf("status %s (%s), want %s", rd.Status, rd.Error, e.Status)
		}
		return ""
	}
	if rd.Status != reading.StatusOK && rd.Status != reading.StatusReview {
		return fmt.Sprintf("status %s", rd.Status)
	}
	open := map[string]bool{}
	for _, f := range rd.Review {
		open[f] = true
		if strings.HasPrefix(f, "iin") {
			open["iin"] = true
		}
	}
	switch {
	case rd.Form != e.Form:
		return fmt.Sprintf("form %s, want %s", rd.Form, e.Form)
	case rd.Sheet != e.Sheet:
		return fmt.Sprintf("sheet %s, want %s", rd.Sheet, e.Sheet)
	case rd.IIN != e.IIN && !open["iin"]:
		return fmt.Sprintf("IIN %s, want %s", rd.IIN, e.IIN)
	case rd.Variant != e.Variant && !open["variant"]:
		return fmt.Sprintf("variant %s, want %s", rd.Variant, e.Variant)
	case len(rd.Answers) != len(e.Answers):
		return fmt.Sprintf("%d answers, want %d", len(rd.Answers), len(e.Answers))
	}
	for i, a := range e.Answers {
		if q := fmt.Sprintf("q%d", i+1); rd.Answers[i] != a && !open[q] {
			return fmt.Sprintf("%s read %q, the candidate meant %q, and it is not under review", q, rd.Answers[i], a)
		}
	}
	return ""
}
