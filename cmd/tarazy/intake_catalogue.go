package main

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"tarazy/intake"
)

func init() {
	registerIntake(&intakeCommand{
		name:    "services",
		summary: "the catalogue: every service, or one service's documents, term and grounds",
		usage:   "intake services [--service ID] [--lang kk|ru]",
		run:     runIntakeServices,
	})
	registerIntake(&intakeCommand{
		name:    "catalogue",
		summary: "print the built-in catalogue file (--dump) or check a school's file (--check FILE)",
		usage:   "intake catalogue --dump | --check FILE",
		run:     runIntakeCatalogue,
	})
	registerIntake(&intakeCommand{
		name:    "calendar",
		summary: "days off of a year, or print (--dump) / check (--check FILE) the calendar file",
		usage:   "intake calendar [--year 2026] | --dump | --check FILE",
		run:     runIntakeCalendar,
	})
}

func runIntakeServices(ctx context.Context, env *Env, args []string) error {
	fs := newFlags(env, "intake services", intakeCommands["services"].usage)
	o := addIntakeFlags(fs, false)
	id := fs.String("service", "", "show one service in full")
	lang := fs.String("lang", "ru", "language of names: kk or ru")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	cat, err := o.loadCatalogue()
	if err != nil {
		return err
	}
	out := env.Stdout
	if *id == "" {
		for _, s := range cat.Services {
			no := "  "
			if s.ListNo > 0 {
				no = fmt.Sprintf("%d.", s.ListNo)
			}
			term := "no term in the catalogue"
			switch {
			case s.Term.WorkingDays > 0:
				term = fmt.Sprintf("%d working days", s.Term.WorkingDays)
			case s.Term.Minutes > 0:
				term = fmt.Sprintf("%d minutes", s.Term.Minutes)
			}
			std := s.Standard
			if std == "" {
				std = "no standard in the rules: the school fills the checklist in"
			}
			fmt.Fprintf(out, "%s %-21s %s  %d documents, %s\n      %s\n      %s\n", no, s.ID, s.Code, len(s.Documents), term, s.Name(*lang), std)
		}
		return nil
	}
	s, err := cat.Service(*id)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "%s (%s)\n%s\n%s\n", s.ID, s.Code, s.NameKK, s.NameRU)
	fmt.Fprintf(out, "standard: %s\nchannels: %s\n", orDash(s.Standard), strings.Join(s.Channels, ", "))
	h := cat.HoursFor(s)
	fmt.Fprintf(out, "office hours: %s–%s, lunch %s–%s\n", h.Open, h.Close, h.LunchFrom, h.LunchTo)
	switch {
	case s.Term.WorkingDays > 0:
		fmt.Fprintf(out, "term: %d working days (%s)\n", s.Term.WorkingDays, s.Term.Source)
	case s.Term.Minutes > 0:
		fmt.Fprintf(out, "term: %d minutes (%s)\n", s.Term.Minutes, s.Term.Source)
	default:
		fmt.Fprintln(out, "term: none in the catalogue")
	}
	if n := s.Term.Note.In(*lang); n != "" {
		fmt.Fprintf(out, "      %s\n", n)
	}
	if w := s.Window; w != nil {
		fmt.Fprintf(out, "window: %s – %s", w.From, w.To)
		if len(w.Grades) > 0 {
			fmt.Fprintf(out, " for grades %v", w.Grades)
		}
		if w.EmergencyTo != (intake.MonthDay{}) {
			fmt.Fprintf(out, "; under an emergency until %s", w.EmergencyTo)
		}
		fmt.Fprintf(out, " (%s)\n", w.Source)
	}
	if len(s.Conditions) > 0 {
		fmt.Fprintln(out, "conditions:")
		for _, c := range s.Conditions {
			fmt.Fprintf(out, "  %-16s %s\n", c.ID, c.Name(*lang))
		}
	}
	fmt.Fprintln(out, "documents:")
	if len(s.Documents) == 0 {
		fmt.Fprintln(out, "  (none listed: completeness is not checked until the school fills the checklist in)")
	}
	for _, doc := range s.Documents {
		var when []string
		if len(doc.Channels) > 0 {
			when = append(when, "channel "+strings.Join(doc.Channels, "/"))
		}
		if len(doc.When) > 0 {
			when = append(when, "if "+strings.Join(doc.When, " or "))
		}
		if doc.OneOf != "" {
			when = append(when, "one of group "+doc.OneOf)
		}
		extra := ""
		if len(when) > 0 {
			extra = " [" + strings.Join(when, "; ") + "]"
		}
		fmt.Fprintf(out, "  %-22s %s%s\n", doc.ID, doc.Name(*lang), extra)
	}
	fmt.Fprintln(out, "refusal grounds (besides incomplete or expired documents, Law art. 19):")
	for _, g := range s.RefusalGrounds {
		fmt.Fprintf(out, "  %-16s %s (%s)\n", g.ID, g.Name(*lang), g.Source)
	}
	for _, g := range cat.LawGrounds {
		if own, _ := cat.Ground(s, g.ID); own.Source != g.Source {
			continue // the service's own wording of the same ground comes first
		}
		fmt.Fprintf(out, "  %-16s %s (%s)\n", g.ID, g.Name(*lang), g.Source)
	}
	if r := s.Result.In(*lang); r != "" {
		fmt.Fprintf(out, "result: %s\n", r)
	}
	if f := s.Fee.In(*lang); f != "" {
		fmt.Fprintf(out, "fee: %s\n", f)
	}
	return nil
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

func runIntakeCatalogue(ctx context.Context, env *Env, args []string) error {
	fs := newFlags(env, "intake catalogue", intakeCommands["catalogue"].usage)
	dump := fs.Bool("dump", false, "print the built-in catalogue, the starting point for the school's file")
	check := fs.String("check", "", "check a catalogue file and report every problem with its line")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	switch {
	case *dump:
		_, err := env.Stdout.Write(intake.BuiltinCatalogue())
		return err
	case *check != "":
		data, err := os.ReadFile(*check)
		if err != nil {
			return err
		}
		cat, err := intake.LoadCatalogue(&intake.DataFile{Name: *check, Data: data})
		if err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "%s: ok, %d services\n", *check, len(cat.Services))
		return nil
	}
	return usagef("give --dump or --check FILE")
}

func runIntakeCalendar(ctx context.Context, env *Env, args []string) error {
	fs := newFlags(env, "intake calendar", intakeCommands["calendar"].usage)
	o := addIntakeFlags(fs, false)
	year := fs.Int("year", 0, "list this year's days off other than ordinary weekends (default: this year)")
	dump := fs.Bool("dump", false, "print the built-in calendar file, the starting point for an override file")
	check := fs.String("check", "", "check a calendar override file and report every problem with its line")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	switch {
	case *dump:
		_, err := env.Stdout.Write(intake.BuiltinCalendar())
		return err
	case *check != "":
		o.calendars = append(o.calendars, *check)
		cal, err := o.loadCalendar()
		if err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "%s: ok, the calendar counts from %d; confirmed %s\n", *check, cal.First(), yearList(cal.Confirmed()))
		return nil
	}
	cal, err := o.loadCalendar()
	if err != nil {
		return err
	}
	if *year == 0 {
		*year = time.Now().Year()
	}
	days, err := cal.DaysOff(*year)
	if err != nil {
		return err
	}
	if p, ok := cal.ProvisionalYear(*year); ok {
		// Said in both languages: the office reads it.
		fmt.Fprintf(env.Stdout, "%d: БОЛЖАЛДЫ / ПРЕДВАРИТЕЛЬНЫЙ — %s\n", *year, provisionalText(p))
	}
	for _, day := range days {
		line := fmt.Sprintf("%s %-9s %-8s %s", day.Date, day.Date.Weekday(), day.Kind, day.NameRU)
		switch {
		case day.Kind == intake.Carried:
			line += fmt.Sprintf(" (for %s)", day.For)
		case day.Kind == intake.Transfer:
			line += fmt.Sprintf(" (%s; %s)", day.For, day.Source)
		}
		fmt.Fprintln(env.Stdout, line)
	}
	return nil
}

func yearList(ys []int) string {
	out := make([]string, len(ys))
	for i, y := range ys {
		out[i] = strconv.Itoa(y)
	}
	return strings.Join(out, ", ")
}

// provisionalText says in Kazakh and Russian why a year's calendar is provisional.
func provisionalText(p intake.Provisional) string {
	m := intake.ProvisionalMessage([]intake.Provisional{p})
	return m.KK + " / " + m.RU
}
