// Package daryn exports the contest's candidate base for the Daryn centre (Model
// Admission Rules §17, §20) as CSV and XLSX, with SHA-256 checksums, from the accepted
// contest registrations of the intake desk, and the contest's own candidates file
// beside them.
package daryn

import (
	"bytes"
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

	"tarazy/contest"
	"tarazy/intake"
	"tarazy/internal/atomicfile"
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
// (registered, in progress or issued; not rejected, refused or withdrawn), ordered by
// school, grade, name and IIN.
func Candidates(apps []*intake.Application) []Row {
	var rows []Row
	for _, a := range apps {
		c := a.Candidate
		if c == nil || !a.Status.Accepted() {
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

// File is one export file and its checksum.
type File struct {
	Name   string
	SHA256 string
	Data   []byte
}

// File names of the export, in the order SHA256SUMS lists them.
const (
	CSVName        = "candidates.csv"
	XLSXName       = "candidates.xlsx"
	ContestCSVName = "contest-candidates.csv"
	SumsName       = "SHA256SUMS"
)

// FileNames lists every file of the export.
var FileNames = []string{CSVName, XLSXName, ContestCSVName, SumsName}

// Files makes the export in memory: candidates.csv, candidates.xlsx (its "about" sheet
// names the CSV's SHA-256), contest-candidates.csv — exactly what
// contest.ReadCandidatesCSV reads, so `tarazy score` and `rank` take the
// registrations as they are — and last SHA256SUMS over the three, in the format
// `sha256sum -c` checks. The same rows always give the same bytes.
func Files(rows []Row) ([]File, error) {
	var csvBuf bytes.Buffer
	if err := WriteCSV(&csvBuf, rows); err != nil {
		return nil, err
	}
	csvSum := sum(csvBuf.Bytes())
	var xlsx bytes.Buffer
	if err := WriteXLSX(&xlsx, rows, csvSum); err != nil {
		return nil, fmt.Errorf("%s: %w", XLSXName, err)
	}
	regs := make([]contest.Registration, len(rows))
	for i, r := range rows {
		regs[i] = contest.Registration{School: r.School, Grade: r.Grade, IIN: r.IIN, Name: r.Name, Olympiad: r.Olympiad, MynBala: r.MynBala}
	}
	var cc bytes.Buffer
	if err := contest.WriteCandidatesCSV(&cc, regs); err != nil {
		return nil, fmt.Errorf("%s: %w", ContestCSVName, err)
	}
	files := []File{{CSVName, csvSum, csvBuf.Bytes()}, {XLSXName, sum(xlsx.Bytes()), xlsx.Bytes()}, {ContestCSVName, sum(cc.Bytes()), cc.Bytes()}}
	var sums bytes.Buffer
	for _, f := range files {
		fmt.Fprintf(&sums, "%s  %s\n", f.SHA256, f.Name)
	}
	return append(files, File{SumsName, sum(sums.Bytes()), sums.Bytes()}), nil
}

// Export writes the files of the export into dir, each through a temporary file
// renamed into place, SHA256SUMS last (so a reader who finds it finds the files it
// lists), and returns them.
func Export(dir string, rows []Row) ([]File, error) {
	files, err := Files(rows)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	for _, f := range files {
		if err := atomicfile.Write(filepath.Join(dir, f.Name), f.Data, 0o644); err != nil {
			return nil, err
		}
	}
	return files, nil
}

func sum(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}
