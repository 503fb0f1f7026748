// Package daryn exports the contest's candidate base for the Daryn centre (Model
// Admission Rules §17, §20) as CSV and XLSX, with SHA-256 checksums, from the accepted
// contest registrations of the intake desk.
package daryn

import (
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"

	"tarazy/intake"
)

// Columns of candidates.csv, in order. The first six are the contest's own
// candidates.csv (school,grade,iin,name,olympiad,myn_bala, flags 1/0), so the same
// facts flow into the ranking; the rest complete §17 for the Daryn centre.
var Columns = []string{"school", "grade", "iin", "name", "olympiad", "myn_bala", "language", "email", "diplomas", "number", "registered"}

// Row is one candidate of the base (§17: school, full name, IIN, grade, language of
// instruction, e-mail, diplomas).
type Row struct {
	School     string
	Grade      int
	IIN        string
	Name       string
	Language   string
	Email      string
	Olympiad   bool
	MynBala    bool
	Diplomas   []string
	Number     string // the registration's receipt number
	Registered intake.Date
}

func (r Row) record() []string {
	flag := func(b bool) string {
		if b {
			return "1"
		}
		return "0"
	}
	return []string{r.School, strconv.Itoa(r.Grade), r.IIN, r.Name, flag(r.Olympiad), flag(r.MynBala), r.Language, r.Email,
		strings.Join(r.Diplomas, "; "), r.Number, r.Registered.String()}
}

// Candidates turns applications into the base: accepted contest registrations only
// (registered, in progress or issued), ordered by school, grade, name and IIN.
func Candidates(apps []*intake.Application) []Row {
	var rows []Row
	for _, a := range apps {
		c := a.Candidate
		if c == nil || a.Status == intake.Rejected || a.Status == intake.Refused {
			continue
		}
		rows = append(rows, Row{School: c.School, Grade: c.Grade, IIN: a.Child.IIN, Name: a.Child.Name, Language: c.Language,
			Email: c.Email, Olympiad: c.Olympiad, MynBala: c.MynBala, Diplomas: c.Diplomas, Number: a.Number, Registered: a.Registered})
	}
	sort.Slice(rows, func(i, j int) bool {
		a, b := rows[i], rows[j]
		if a.School != b.School {
			return a.School < b.School
		}
		if a.Grade != b.Grade {
			return a.Grade < b.Grade
		}
		if a.Name != b.Name {
			return a.Name < b.Name
		}
		return a.IIN < b.IIN
	})
	return rows
}

// WriteCSV writes the base as UTF-8 CSV with a header line.
func WriteCSV(w io.Writer, rows []Row) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(Columns); err != nil {
		return err
	}
	for _, r := range rows {
		if err := cw.Write(r.record()); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// WriteXLSX writes the base as a workbook: sheet "candidates" with the CSV's columns
// (IINs kept as text so no leading zero is lost), and sheet "about" with the row
// count and the SHA-256 of the CSV export, which ties the two files together.
func WriteXLSX(w io.Writer, rows []Row, csvSHA256 string) error {
	f := excelize.NewFile()
	defer f.Close()
	const sheet = "candidates"
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		return err
	}
	set := func(sheet string, col, row int, v string) error {
		cell, err := excelize.CoordinatesToCellName(col, row)
		if err != nil {
			return err
		}
		return f.SetCellStr(sheet, cell, v)
	}
	for i, h := range Columns {
		if err := set(sheet, i+1, 1, h); err != nil {
			return err
		}
	}
	for r, row := range rows {
		for c, v := range row.record() {
			if c == 1 { // grade as a number, for sorting and filters
				cell, _ := excelize.CoordinatesToCellName(c+1, r+2)
				if err := f.SetCellInt(sheet, cell, int64(row.Grade)); err != nil {
					return err
				}
				continue
			}
			if err := set(sheet, c+1, r+2, v); err != nil {
				return err
			}
		}
	}
	if err := f.SetPanes(sheet, &excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return err
	}
	widths := map[string]float64{"A": 40, "B": 6, "C": 14, "D": 36, "E": 9, "F": 9, "G": 9, "H": 28, "I": 30, "J": 16, "K": 12}
	for col, wd := range widths {
		if err := f.SetColWidth(sheet, col, col, wd); err != nil {
			return err
		}
	}
	if _, err := f.NewSheet("about"); err != nil {
		return err
	}
	about := [][2]string{
		{"source", "Model Admission Rules §17, §20: candidate base for the Daryn centre"},
		{"candidates", strconv.Itoa(len(rows))},
		{"candidates.csv sha256", csvSHA256},
	}
	for i, kv := range about {
		if err := set("about", 1, i+1, kv[0]); err != nil {
			return err
		}
		if err := set("about", 2, i+1, kv[1]); err != nil {
			return err
		}
	}
	return f.Write(w)
}

// File is one written export file and its checksum.
type File struct {
	Name   string
	SHA256 string
}

// Extra is one more file to write beside the base and cover by SHA256SUMS (the
// contest's own candidates file, made where both packages are wired).
type Extra struct {
	Name string
	Data []byte
}

// Export writes candidates.csv, candidates.xlsx, the extra files and SHA256SUMS (in
// the format `sha256sum -c SHA256SUMS` checks) into dir, each through a temporary file
// renamed into place, and returns the files with their checksums.
func Export(dir string, rows []Row, extra ...Extra) ([]File, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	var csvBuf strings.Builder
	if err := WriteCSV(&csvBuf, rows); err != nil {
		return nil, err
	}
	csvData := []byte(csvBuf.String())
	csvSum := sum(csvData)
	var xlsx strings.Builder
	if err := WriteXLSX(&xlsx, rows, csvSum); err != nil {
		return nil, fmt.Errorf("candidates.xlsx: %w", err)
	}
	xlsxData := []byte(xlsx.String())
	all := append([]Extra{{"candidates.csv", csvData}, {"candidates.xlsx", xlsxData}}, extra...)
	var files []File
	var sums strings.Builder
	for _, e := range all {
		if e.Name == "SHA256SUMS" || filepath.Base(e.Name) != e.Name {
			return nil, fmt.Errorf("export file name %q", e.Name)
		}
		f := File{e.Name, sum(e.Data)}
		files = append(files, f)
		fmt.Fprintf(&sums, "%s  %s\n", f.SHA256, f.Name)
	}
	// SHA256SUMS goes last, so a reader who finds it finds the files it lists.
	all = append(all, Extra{"SHA256SUMS", []byte(sums.String())})
	for _, e := range all {
		if err := writeAtomic(filepath.Join(dir, e.Name), e.Data); err != nil {
			return nil, err
		}
	}
	return files, nil
}

func sum(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

func writeAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
