package intakeapi

import (
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"slices"
	"strings"

	"github.com/go-chi/chi/v5"

	"tarazy/intake"
	"tarazy/intake/daryn"
)

var exportTypes = map[string]string{
	daryn.CSVName:        "text/csv; charset=utf-8",
	daryn.XLSXName:       "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
	daryn.ContestCSVName: "text/csv; charset=utf-8",
	daryn.SumsName:       "text/plain; charset=utf-8",
}

// export answers one file of the school's candidate base for the Daryn centre (§20):
// the accepted contest registrations of this contest, read from the store. The
// files are the CLI's (`tarazy intake contest-export`), byte for byte; each answer
// carries its SHA-256 (Repr-Digest, and the ETag), and SHA256SUMS covers the others.
func (a *API) export(w http.ResponseWriter, r *http.Request) error {
	file := chi.URLParam(r, "file")
	ctype, ok := exportTypes[file]
	if !ok {
		return invalidf("export file %q: one of %s", file, strings.Join(daryn.FileNames, ", "))
	}
	files, err := a.exportFiles(r)
	if err != nil {
		return err
	}
	i := slices.IndexFunc(files, func(f daryn.File) bool { return f.Name == file })
	f := files[i]
	sum, _ := hex.DecodeString(f.SHA256)
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Repr-Digest", "sha-256=:"+base64.StdEncoding.EncodeToString(sum)+":")
	w.Header().Set("ETag", `"`+f.SHA256+`"`)
	attachment(w, chi.URLParam(r, "school")+"-"+chi.URLParam(r, "contest")+"-"+f.Name)
	if inm := r.Header.Get("If-None-Match"); inm != "" && strings.Contains(inm, `"`+f.SHA256+`"`) {
		w.WriteHeader(http.StatusNotModified)
		return nil
	}
	w.Write(f.Data)
	return nil
}

func (a *API) exportFiles(r *http.Request) ([]daryn.File, error) {
	rows, err := a.exportRows(r)
	if err != nil {
		return nil, err
	}
	return daryn.Files(rows)
}

// exportRows is the path's contest's base at the path's school, as it stands.
func (a *API) exportRows(r *http.Request) ([]daryn.Row, error) {
	contest, err := a.st.Contest(r.Context(), chi.URLParam(r, "contest"))
	if err != nil {
		return nil, err
	}
	svc, err := a.cat.ContestService()
	if err != nil {
		return nil, err
	}
	apps, err := a.desk(r).Repo.Applications(r.Context(), intake.Filter{Service: svc.ID, Year: contest.Year})
	if err != nil {
		return nil, err
	}
	apps = slices.DeleteFunc(apps, func(app *intake.Application) bool {
		return app.Candidate == nil || app.Candidate.Contest != contest.ID
	})
	return daryn.Candidates(apps), nil
}
