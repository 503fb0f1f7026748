package main

import (
	"context"
	"encoding/csv"
	"fmt"
	"strconv"

	"tarazy/intake"
)

func init() {
	registerIntake(&intakeCommand{
		name:    "first-grade",
		summary: "the first-grade notification order for the commission: 3 from the territory, then 1 from outside (§9-5, §9-6)",
		usage:   "intake first-grade --year 2026 [--format text|csv] [--out FILE]",
		run:     runIntakeFirstGrade,
	})
}

func runIntakeFirstGrade(ctx context.Context, env *Env, args []string) error {
	fs := newFlags(env, "intake first-grade", intakeCommands["first-grade"].usage)
	o := addIntakeFlags(fs, true)
	year := fs.Int("year", 0, "admission year (required)")
	format := fs.String("format", "text", "text or csv")
	out := fs.String("out", "-", "output file, - for stdout")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *year == 0 {
		return usagef("--year is required")
	}
	if *format != "text" && *format != "csv" {
		return usagef("--format text or csv")
	}
	d, err := o.desk(ctx, env)
	defer o.close()
	if err != nil {
		return err
	}
	rows, order, err := d.FirstGradeOrder(ctx, *year)
	if err != nil {
		return err
	}
	w, err := createOut(env, *out)
	if err != nil {
		return err
	}
	defer w.Close()
	if *format == "csv" {
		cw := csv.NewWriter(w)
		cw.Write([]string{"place", "cycle", "group", "number", "child", "applicant", "registered", "status"})
		for _, r := range rows {
			cw.Write([]string{strconv.Itoa(r.Place), strconv.Itoa(r.Cycle), group(r), r.Number, r.Child, r.Applicant,
				r.Registered.Format("2006-01-02 15:04"), string(r.Status)})
		}
		cw.Flush()
		if err := cw.Error(); err != nil {
			return err
		}
		return w.Close()
	}
	school, err := o.issuer(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "%s\nБірінші сыныпқа қабылдау туралы хабарламалар кезегі / Очередность уведомлений о зачислении в 1 класс, %d\n",
		school.NameKK, *year)
	fmt.Fprintf(w, "order: %d from the service territory, then %d from outside, in registration order, repeating (%s)\n\n", order.Territory, order.Outside, order.Source)
	fmt.Fprintf(w, "%5s %5s  %-9s %-15s %-17s %-11s %s\n", "place", "cycle", "group", "number", "registered", "status", "child (applicant)")
	for _, r := range rows {
		fmt.Fprintf(w, "%5d %5d  %-9s %-15s %-17s %-11s %s (%s)\n", r.Place, r.Cycle, group(r), r.Number,
			r.Registered.Format("2006-01-02 15:04"), r.Status, r.Child, r.Applicant)
	}
	fmt.Fprintf(w, "\n%d applicants. Rejected and refused applications take no place.\n", len(rows))
	fmt.Fprintln(w, "\nКомиссия мүшелері / Члены комиссии: ______________________  ______________________  ______________________")
	return w.Close()
}

func group(r intake.OrderRow) string {
	if r.Territory {
		return "territory"
	}
	return "outside"
}
