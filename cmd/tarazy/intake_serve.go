package main

import (
	"fmt"
	"os"
	"strings"

	"tarazy/server"
	"tarazy/server/intakeapi"
)

// serveIntake adds the intake desk's API and pages to the server. The catalogue and
// the calendar come from TARAZY_CATALOGUE and TARAZY_CALENDAR, as for `tarazy
// intake`, and the contest dates from TARAZY_SEASON; a malformed file stops the server
// at start with its line and reason.
func serveIntake(env *Env, srv *server.Server, st migratingStore) error {
	o := &intakeOpts{catalogue: os.Getenv("TARAZY_CATALOGUE")}
	if v := os.Getenv("TARAZY_CALENDAR"); v != "" {
		o.calendars = strings.Split(v, string(os.PathListSeparator))
	}
	cat, err := o.loadCatalogue()
	if err != nil {
		return fmt.Errorf("intake desk: %w", err)
	}
	cal, err := o.loadCalendar()
	if err != nil {
		return fmt.Errorf("intake desk: %w", err)
	}
	if v := os.Getenv("TARAZY_SEASON"); v != "" {
		o.seasons = strings.Split(v, string(os.PathListSeparator))
	}
	seasons, err := o.loadSeasons()
	if err != nil {
		return fmt.Errorf("intake desk: %w", err)
	}
	is, ok := st.(intakeStore)
	if !ok {
		return fmt.Errorf("intake desk: the %s store keeps no intake register", st.Backend())
	}
	if _, err := intakeapi.Register(srv, is, cat, cal, intakeapi.WithSeasons(seasons)); err != nil {
		return err
	}
	source := "built-in"
	if o.catalogue != "" {
		source = o.catalogue
	}
	fmt.Fprintf(env.Stderr, "intake desk: catalogue %s, calendar from %d, confirmed %s%s\n", source, cal.First(), yearList(cal.Confirmed()), calendarFiles(o.calendars))
	return nil
}

func calendarFiles(files []string) string {
	if len(files) == 0 {
		return ""
	}
	return " with " + strings.Join(files, ", ")
}
