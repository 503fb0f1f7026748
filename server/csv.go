package server

import (
	"io"
	"strconv"

	"tarazy/internal/csvtable"
	"tarazy/store"
)

// parseSchools reads schools.csv (code,name_kk,name_ru[,region]) in the one CSV
// dialect of every upload (internal/csvtable).
func parseSchools(r io.Reader) ([]store.School, error) {
	t, err := csvtable.Open(r, "schools.csv", []string{"code", "name_kk", "name_ru"}, []string{"region"})
	if err != nil {
		return nil, fileErr(err)
	}
	var out []store.School
	for t.Next() {
		out = append(out, store.School{Code: t.Get("code"), NameKK: t.Get("name_kk"), NameRU: t.Get("name_ru"), Region: t.Get("region")})
	}
	return out, fileErr(t.Err())
}

// rankingHeader is ranking.csv's header (issue 3).
var rankingHeader = []string{"school", "grade", "place", "iin", "name", "score", "outcome"}

func placementRecord(p store.Placement) []string {
	return []string{p.School, strconv.Itoa(p.Grade), strconv.Itoa(p.Place), p.IIN, p.Name, strconv.Itoa(p.Score), string(p.Outcome)}
}
