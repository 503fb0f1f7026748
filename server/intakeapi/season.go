package intakeapi

import (
	"net/http"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"

	"tarazy/intake"
	"tarazy/intake/daryn"
	"tarazy/season"
)

// SeasonView is a contest year's dates (§16, §20, §27, §28, §42) from the season data,
// with the moment acceptance closes at this office (the last day at closing time).
type SeasonView struct {
	season.Season
	RegistrationCloses time.Time `json:"registration_closes"`
}

func (a *API) year(r *http.Request) (int, error) {
	y := r.URL.Query().Get("year")
	if y == "" {
		return a.today().Year, nil
	}
	v, err := strconv.Atoi(y)
	if err != nil || v < 2000 || v > 2100 {
		return 0, invalidf("year=%q is not a year", y)
	}
	return v, nil
}

func (a *API) season(w http.ResponseWriter, r *http.Request) error {
	y, err := a.year(r)
	if err != nil {
		return err
	}
	se, err := a.desk(r).Season(y)
	if err != nil {
		return err
	}
	v := SeasonView{Season: se}
	if svc, err := a.cat.ContestService(); err == nil {
		v.RegistrationCloses = intake.Date(se.Registration.To).At(a.cat.HoursFor(svc).Close, a.cat.Location())
	}
	writeJSON(w, http.StatusOK, v)
	return nil
}

// CalendarView is a year of the working-day calendar: its days off besides weekends,
// and whether the year is confirmed or still provisional (and why).
type CalendarView struct {
	Year        int                 `json:"year"`
	First       int                 `json:"first"`
	Confirmed   []int               `json:"confirmed"`
	Provisional *intake.Provisional `json:"provisional,omitempty"`
	Note        *intake.Message     `json:"note,omitempty"`
	DaysOff     []intake.DayOff     `json:"days_off"`
}

func (a *API) calendar(w http.ResponseWriter, r *http.Request) error {
	y, err := a.year(r)
	if err != nil {
		return err
	}
	days, err := a.cal.DaysOff(y)
	if err != nil {
		return err
	}
	v := CalendarView{Year: y, First: a.cal.First(), Confirmed: nonNil(a.cal.Confirmed()), DaysOff: nonNil(days)}
	if p, ok := a.cal.ProvisionalYear(y); ok {
		m := intake.ProvisionalMessage([]intake.Provisional{p})
		v.Provisional, v.Note = &p, &m
	}
	writeJSON(w, http.StatusOK, v)
	return nil
}

// DarynSendingRequest reports that the base went to the Daryn centre (§20): when
// (office time or RFC 3339; empty: now) and how.
type DarynSendingRequest struct {
	SentAt string `json:"sent_at,omitempty"`
	Note   string `json:"note,omitempty"`
}

// recordDarynSending records a sending of the contest's base with what is in the base
// now (its candidates and the SHA-256 of its candidates.csv, as the export answers),
// and the warnings about its timing.
func (a *API) recordDarynSending(w http.ResponseWriter, r *http.Request) error {
	var req DarynSendingRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	at, err := a.parseTime(req.SentAt)
	if err != nil {
		return err
	}
	contest, err := a.st.Contest(r.Context(), chi.URLParam(r, "contest"))
	if err != nil {
		return err
	}
	rows, err := a.exportRows(r)
	if err != nil {
		return err
	}
	files, err := daryn.Files(rows)
	if err != nil {
		return err
	}
	sha := ""
	for _, f := range files {
		if f.Name == daryn.CSVName {
			sha = f.SHA256
		}
	}
	s, err := a.desk(r).RecordDarynSending(r.Context(), intake.DarynSendingInput{Contest: contest.ID, Year: contest.Year, SentAt: at,
		Candidates: len(rows), SHA256: sha, Note: req.Note, Staff: a.staff(r)})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, s)
	return nil
}

func (a *API) listDarynSendings(w http.ResponseWriter, r *http.Request) error {
	contest := chi.URLParam(r, "contest")
	if _, err := a.st.Contest(r.Context(), contest); err != nil {
		return err
	}
	all, err := a.desk(r).Repo.DarynSendings(r.Context())
	if err != nil {
		return err
	}
	out := []intake.DarynSending{}
	for _, s := range all {
		if s.Contest == contest {
			out = append(out, s)
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"sendings": out})
	return nil
}

// seasonOf is a contest year's dates from the API's season data.
func (a *API) seasonOf(y int) (season.Season, error) {
	return (&intake.Desk{Seasons: a.seasons}).Season(y)
}
