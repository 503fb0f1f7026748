package main

import (
	"context"
	"flag"
	"fmt"

	"tarazy/intake"
)

func init() {
	registerIntake(&intakeCommand{
		name:    "complaint",
		summary: "register a complaint (Law art. 25): 5 working days at the school, 15 at the quality authority",
		usage:   "intake complaint --body provider|local_executive|quality_authority --from NAME --subject TEXT [--about NUMBER] [--electronic] [--at TIME]",
		run:     runIntakeComplaint,
	})
	registerIntake(&intakeCommand{
		name:    "complaint-extend",
		summary: "extend a complaint's term once, by at most 10 working days, where the body may (art. 25 p. 4)",
		usage:   "intake complaint-extend NUMBER --days N --reason TEXT [--on DATE]",
		run:     runIntakeComplaintExtend,
	})
	registerIntake(&intakeCommand{
		name:    "complaint-notice",
		summary: "record that the complainant was told of the extension",
		usage:   "intake complaint-notice NUMBER [--on DATE]",
		run:     runIntakeComplaintNotice,
	})
	registerIntake(&intakeCommand{
		name:    "complaint-answer",
		summary: "close a complaint with its outcome",
		usage:   "intake complaint-answer NUMBER --outcome TEXT [--on DATE]",
		run:     runIntakeComplaintAnswer,
	})
	registerIntake(&intakeCommand{
		name:    "complaints",
		summary: "every complaint with its term",
		usage:   "intake complaints",
		run:     runIntakeComplaints,
	})
	registerIntake(&intakeCommand{
		name:    "overdue",
		summary: "open applications and complaints past their term, and extension notices not sent",
		usage:   "intake overdue [--on DATE]",
		run:     runIntakeOverdue,
	})
}

func printComplaint(env *Env, c *intake.Complaint) {
	fmt.Fprintf(env.Stdout, "%s to %s: registered %s, due %s", c.Number, c.Body, c.Registered, c.Due)
	if x := c.Extension; x != nil {
		fmt.Fprintf(env.Stdout, " (extended by %d from %s; tell the complainant by %s", x.Days, x.OldDue, x.NoticeDue)
		if !x.NoticeOn.IsZero() {
			fmt.Fprintf(env.Stdout, ", told %s", x.NoticeOn)
		}
		fmt.Fprint(env.Stdout, ")")
	}
	if c.Status == intake.ComplaintAnswered {
		fmt.Fprintf(env.Stdout, ", answered %s", c.AnsweredOn)
	}
	fmt.Fprintln(env.Stdout)
}

func runIntakeComplaint(ctx context.Context, env *Env, args []string) error {
	fs := newFlags(env, "intake complaint", intakeCommands["complaint"].usage)
	o := addIntakeFlags(fs, true)
	body := fs.String("body", "provider", "who reviews it: provider, local_executive or quality_authority")
	from := fs.String("from", "", "the complainant's name")
	subject := fs.String("subject", "", "what the complaint is about")
	about := fs.String("about", "", "the application number it concerns")
	electronic := fs.Bool("electronic", false, "filed electronically (the extension notice then goes electronically)")
	when := fs.String("at", "", "when it came in, office time (default now)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	d, err := o.desk(ctx, env)
	defer o.close()
	if err != nil {
		return err
	}
	at, err := parseWhen(*when, d.Catalogue.Location())
	if err != nil {
		return err
	}
	c, err := d.FileComplaint(ctx, intake.ComplaintInput{Body: *body, Application: *about, Complainant: intake.Person{Name: *from},
		Subject: *subject, Electronic: *electronic, At: at, Staff: o.staff})
	if err != nil {
		return explain(err)
	}
	printComplaint(env, c)
	return nil
}

// complaintStep runs one step on a complaint that happens on a day: one complaint
// number, --on (default today) and the step's own flags, already declared on fs.
func complaintStep(ctx context.Context, env *Env, fs *flag.FlagSet, o *intakeOpts, on *string, args []string,
	step func(d *intake.Desk, number string, day intake.Date) (*intake.Complaint, error)) error {
	pos, err := parsePositional(fs, args, 1, "one complaint number")
	if err != nil {
		return err
	}
	d, err := o.desk(ctx, env)
	defer o.close()
	if err != nil {
		return err
	}
	day, err := parseDay(*on, d.Catalogue.Location())
	if err != nil {
		return err
	}
	c, err := step(d, pos[0], day)
	if err != nil {
		return explain(err)
	}
	printComplaint(env, c)
	return nil
}

func runIntakeComplaintExtend(ctx context.Context, env *Env, args []string) error {
	fs := newFlags(env, "intake complaint-extend", intakeCommands["complaint-extend"].usage)
	o := addIntakeFlags(fs, true)
	days := fs.Int("days", 0, "working days, at most the body's maximum (10)")
	reason := fs.String("reason", "", "why: further study, an inspection on site, more information")
	on := fs.String("on", "", "the day of the decision (default today)")
	return complaintStep(ctx, env, fs, o, on, args, func(d *intake.Desk, number string, day intake.Date) (*intake.Complaint, error) {
		return d.ExtendComplaint(ctx, number, *days, *reason, day, o.staff)
	})
}

func runIntakeComplaintNotice(ctx context.Context, env *Env, args []string) error {
	fs := newFlags(env, "intake complaint-notice", intakeCommands["complaint-notice"].usage)
	o := addIntakeFlags(fs, true)
	on := fs.String("on", "", "the day the complainant was told (default today)")
	return complaintStep(ctx, env, fs, o, on, args, func(d *intake.Desk, number string, day intake.Date) (*intake.Complaint, error) {
		return d.ComplaintNoticeSent(ctx, number, day, o.staff)
	})
}

func runIntakeComplaintAnswer(ctx context.Context, env *Env, args []string) error {
	fs := newFlags(env, "intake complaint-answer", intakeCommands["complaint-answer"].usage)
	o := addIntakeFlags(fs, true)
	outcome := fs.String("outcome", "", "the answer given")
	on := fs.String("on", "", "the day of the answer (default today)")
	return complaintStep(ctx, env, fs, o, on, args, func(d *intake.Desk, number string, day intake.Date) (*intake.Complaint, error) {
		return d.AnswerComplaint(ctx, number, day, *outcome, o.staff)
	})
}

func runIntakeComplaints(ctx context.Context, env *Env, args []string) error {
	fs := newFlags(env, "intake complaints", intakeCommands["complaints"].usage)
	o := addIntakeFlags(fs, true)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	d, err := o.desk(ctx, env)
	defer o.close()
	if err != nil {
		return err
	}
	cs, err := d.Repo.Complaints(ctx)
	if err != nil {
		return err
	}
	for _, c := range cs {
		printComplaint(env, c)
	}
	return nil
}

func runIntakeOverdue(ctx context.Context, env *Env, args []string) error {
	fs := newFlags(env, "intake overdue", intakeCommands["overdue"].usage)
	o := addIntakeFlags(fs, true)
	on := fs.String("on", "", "the day to judge on (default today)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	d, err := o.desk(ctx, env)
	defer o.close()
	if err != nil {
		return err
	}
	day, err := parseDay(*on, d.Catalogue.Location())
	if err != nil {
		return err
	}
	items, err := d.Overdue(ctx, day)
	if err != nil {
		return err
	}
	for _, it := range items {
		fmt.Fprintf(env.Stdout, "%-16s %-15s due %s  %2d working days late  %s %s\n", it.Kind, it.Number, it.Due, it.Late, it.Service, it.Who)
	}
	fmt.Fprintf(env.Stderr, "%d overdue on %s\n", len(items), day)
	return nil
}
