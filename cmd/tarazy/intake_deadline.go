package main

import (
	"context"
	"fmt"

	"tarazy/intake"
)

func init() {
	registerIntake(&intakeCommand{
		name:    "deadline",
		summary: "registration and due date of a term in working days",
		usage:   "intake deadline --from 2026-03-20T17:45 --working-days 5 [--service ID] [--explain]",
		run:     runIntakeDeadline,
	})
}

func runIntakeDeadline(ctx context.Context, env *Env, args []string) error {
	fs := newFlags(env, "intake deadline", intakeCommands["deadline"].usage)
	o := addIntakeFlags(fs, false)
	from := fs.String("from", "", "when the application came in, office time (required)")
	n := fs.Int("working-days", -1, "the term in working days (required)")
	service := fs.String("service", "", "use this service's office hours (the duplicates desk closes at 18:00)")
	explainFlag := fs.Bool("explain", false, "say on stderr why the registration moved and which days were skipped")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *from == "" || *n < 0 {
		return usagef("--from and --working-days are required")
	}
	d, err := o.desk(ctx, env)
	defer o.close()
	if err != nil {
		return err
	}
	hours := d.Catalogue.Hours
	if *service != "" {
		svc, err := d.Catalogue.Service(*service)
		if err != nil {
			return err
		}
		hours = d.Catalogue.HoursFor(svc)
	}
	t, err := parseWhen(*from, d.Catalogue.Location())
	if err != nil {
		return err
	}
	reg, due, err := d.Calendar.Deadline(t, hours, *n)
	if err != nil {
		return err
	}
	fmt.Fprintln(env.Stdout, reg.Date)
	fmt.Fprintln(env.Stdout, due)
	var ps []intake.Provisional
	for _, y := range d.Calendar.ProvisionalYears(intake.DateOf(t), due) {
		p, _ := d.Calendar.ProvisionalYear(y)
		ps = append(ps, p)
	}
	if len(ps) > 0 {
		fmt.Fprintln(env.Stderr, intake.ProvisionalMessage(ps))
	}
	if *explainFlag {
		fmt.Fprintf(env.Stderr, "office hours %s–%s, lunch %s–%s\n", hours.Open, hours.Close, hours.LunchFrom, hours.LunchTo)
		if reg.Moved != "" {
			fmt.Fprintf(env.Stderr, "registered %s: came in %s\n", reg.Date, reg.Moved)
		}
		for day := intake.DateOf(t).AddDays(1); !day.After(due); day = day.AddDays(1) {
			if off, isOff, _ := d.Calendar.Day(day); isOff {
				fmt.Fprintf(env.Stderr, "skipped %s %s: %s %s\n", day, day.Weekday(), off.Kind, off.NameRU)
			} else if w, ok := d.Calendar.WorkingWeekend(day); ok {
				fmt.Fprintf(env.Stderr, "counted %s %s: a working day by transfer (%s)\n", day, day.Weekday(), w.Source)
			}
		}
	}
	return nil
}
