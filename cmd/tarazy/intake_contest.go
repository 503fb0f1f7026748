package main

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"tarazy/intake"
	"tarazy/intake/daryn"
	"tarazy/season"
	"tarazy/store"
)

func init() {
	registerIntake(&intakeCommand{
		name:    "contest-register",
		summary: "register a candidate for the specialized-school contest (§16–19)",
		usage: `intake contest-register --name NAME --iin IIN --grade 5|6|7 --language kk|ru --email ADDR --applicant NAME
       [--olympiad --diploma TEXT]... [--myn-bala] [--doc ID]... [--iin-override REASON] [--contest ID]
       [--decide accept|refuse --decision-reason TEXT]
       [--channel office|school_website] [--at 2026-03-02T10:00] [--lang kk|ru] [--pdf FILE]`,
		run: runIntakeContestRegister,
	})
	registerIntake(&intakeCommand{
		name:    "contest-export",
		summary: "write the candidate base for the Daryn centre (§20): CSV, XLSX, the contest's candidates file and SHA256SUMS",
		usage:   "intake contest-export --year 2026 [--contest ID] --out DIR",
		run:     runIntakeContestExport,
	})
}

func init() {
	registerIntake(&intakeCommand{
		name:    "daryn-sent",
		summary: "record that the candidate base went to the Daryn centre (§20), with a warning when too early or late",
		usage:   "intake daryn-sent --year 2027 [--contest ID] [--at 2027-04-02T10:00] [--note TEXT]",
		run:     runIntakeDarynSent,
	})
	registerIntake(&intakeCommand{
		name:    "season",
		summary: "the contest year's dates (§16, §20, §27, §28, §42) and whether its working-day calendar is confirmed",
		usage:   "intake season [--year 2027] | --dump | --check FILE",
		run:     runIntakeSeason,
	})
}

func runIntakeContestRegister(ctx context.Context, env *Env, args []string) error {
	fs := newFlags(env, "intake contest-register", intakeCommands["contest-register"].usage)
	o := addIntakeFlags(fs, true)
	var docs, diplomas listFlag
	name := fs.String("name", "", "the candidate's full name")
	iinv := fs.String("iin", "", "the candidate's IIN (12 digits)")
	grade := fs.Int("grade", 0, "the grade applied for: 5, 6 or 7")
	language := fs.String("language", "", "language of instruction: kk or ru")
	email := fs.String("email", "", "the candidate's e-mail (§17)")
	applicant := fs.String("applicant", "", "the parent or legal representative who applies")
	phone := fs.String("phone", "", "the applicant's phone")
	contestID := fs.String("contest", "", "the contest in the store (default: the one contest of the registration year)")
	olympiad := fs.Bool("olympiad", false, "winner or prize-winner of the regional stage of a republican olympiad (§38); without --doc olympiad_diploma (its copy) the child is registered without the priority")
	decide := fs.String("decide", "", "for a late or incomplete application (§19 lets the school refuse it): accept or refuse")
	decisionReason := fs.String("decision-reason", "", "why, with --decide (recorded and printed on the receipt)")
	fs.Var(&diplomas, "diploma", "a diploma presented, in words (repeat)")
	mynBala := fs.Bool("myn-bala", false, "winner of the \"Мың бала\" olympiad (grade 7 quota, §25)")
	override := fs.String("iin-override", "", "accept an IIN whose check digit fails, for this reason (recorded in the audit log)")
	channel := fs.String("channel", "", "office or school_website")
	when := fs.String("at", "", "when it came in, office time (default now)")
	fs.Var(&docs, "doc", "a document presented (repeat): application, birth_certificate, school_certificate, photos, olympiad_diploma")
	lang := fs.String("lang", "both", "receipt language: kk, ru or both")
	pdfPath := fs.String("pdf", "", "also write the receipt as PDF to this file")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *name == "" || *iinv == "" || *applicant == "" {
		return usagef("--name, --iin and --applicant are required")
	}
	ls, err := langs(*lang)
	if err != nil {
		return err
	}
	d, err := o.desk(ctx, env)
	defer o.close()
	if err != nil {
		return err
	}
	svc, err := d.Catalogue.ContestService()
	if err != nil {
		return err
	}
	at, err := parseWhen(*when, d.Catalogue.Location())
	if err != nil {
		return err
	}
	presented, err := parseDocs(docs)
	if err != nil {
		return err
	}
	var decision *intake.Decision
	switch *decide {
	case "":
		if *decisionReason != "" {
			return usagef("--decision-reason goes with --decide accept|refuse")
		}
	case "accept", "refuse":
		decision = &intake.Decision{Accept: *decide == "accept", Reason: *decisionReason}
	default:
		return usagef("--decide %q: accept or refuse", *decide)
	}
	a, err := d.Submit(ctx, intake.Submission{
		Service: svc.ID, Channel: *channel, At: at, Staff: o.staff,
		Applicant: intake.Person{Name: *applicant, Phone: *phone},
		Child:     intake.Person{Name: *name, IIN: strings.TrimSpace(*iinv), Email: *email},
		Documents: presented,
		Candidate: &intake.Candidate{School: o.school, Grade: *grade, Language: *language, Email: *email,
			Olympiad: *olympiad, Diplomas: diplomas, MynBala: *mynBala, IINOverride: *override, Contest: *contestID},
		Decision: decision,
	})
	if err != nil {
		return explain(err)
	}
	school, err := o.issuer(ctx)
	if err != nil {
		return err
	}
	return printOutcome(env, d.Catalogue, school, a, ls, *pdfPath)
}

func runIntakeContestExport(ctx context.Context, env *Env, args []string) error {
	fs := newFlags(env, "intake contest-export", intakeCommands["contest-export"].usage)
	o := addIntakeFlags(fs, true)
	year := fs.Int("year", 0, "the contest year (required)")
	contestID := fs.String("contest", "", "only registrations for this contest (when the year has more than one)")
	out := fs.String("out", "", "folder to write candidates.csv, candidates.xlsx, contest-candidates.csv and SHA256SUMS into (required)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *year == 0 || *out == "" {
		return usagef("--year and --out are required")
	}
	d, err := o.desk(ctx, env)
	defer o.close()
	if err != nil {
		return err
	}
	svc, err := d.Catalogue.ContestService()
	if err != nil {
		return err
	}
	apps, err := d.Repo.Applications(ctx, intake.Filter{Service: svc.ID, Year: *year})
	if err != nil {
		return err
	}
	if *contestID != "" {
		apps = slices.DeleteFunc(apps, func(a *intake.Application) bool { return a.Candidate == nil || a.Candidate.Contest != *contestID })
	}
	rows := daryn.Candidates(apps)
	files, err := daryn.Export(*out, rows)
	if err != nil {
		return fmt.Errorf("export candidates: %w", err)
	}
	fmt.Fprintf(env.Stdout, "%d candidates of %d at school %s\n", len(rows), *year, o.school)
	for _, f := range files {
		fmt.Fprintf(env.Stdout, "%s  %s\n", f.SHA256, f.Name)
	}
	if open := countOpen(apps); open > 0 {
		fmt.Fprintf(env.Stderr, "note: %d registrations are still in progress and are included as candidates\n", open)
	}
	return nil
}

func countOpen(apps []*intake.Application) int {
	n := 0
	for _, a := range apps {
		if a.Status == intake.InProgress {
			n++
		}
	}
	return n
}

// contestOf is the contest given, or the store's one contest of year.
func contestOf(ctx context.Context, st migratingStore, id string, year int) (store.Contest, error) {
	if id != "" {
		c, err := st.Contest(ctx, id)
		if err == nil && year != 0 && c.Year != year {
			return c, usagef("contest %s is the %d contest, not %d", c.ID, c.Year, year)
		}
		return c, err
	}
	all, err := st.ListContests(ctx)
	if err != nil {
		return store.Contest{}, err
	}
	var of []store.Contest
	for _, c := range all {
		if c.Year == year {
			of = append(of, c)
		}
	}
	switch len(of) {
	case 0:
		return store.Contest{}, fmt.Errorf("there is no %d contest in the store", year)
	case 1:
		return of[0], nil
	}
	return store.Contest{}, usagef("the store has %d contests in %d: say which with --contest", len(of), year)
}

func runIntakeDarynSent(ctx context.Context, env *Env, args []string) error {
	fs := newFlags(env, "intake daryn-sent", intakeCommands["daryn-sent"].usage)
	o := addIntakeFlags(fs, true)
	year := fs.Int("year", 0, "the contest year (required)")
	contestID := fs.String("contest", "", "the contest (when the year has more than one)")
	when := fs.String("at", "", "when the base was sent, office time (default now)")
	note := fs.String("note", "", "how it was sent (portal, e-mail…)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *year == 0 {
		return usagef("--year is required")
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
	c, err := contestOf(ctx, o.st, *contestID, *year)
	if err != nil {
		return err
	}
	svc, err := d.Catalogue.ContestService()
	if err != nil {
		return err
	}
	apps, err := d.Repo.Applications(ctx, intake.Filter{Service: svc.ID, Year: c.Year})
	if err != nil {
		return err
	}
	apps = slices.DeleteFunc(apps, func(a *intake.Application) bool { return a.Candidate == nil || a.Candidate.Contest != c.ID })
	rows := daryn.Candidates(apps)
	files, err := daryn.Files(rows)
	if err != nil {
		return err
	}
	sent, err := d.RecordDarynSending(ctx, intake.DarynSendingInput{Contest: c.ID, Year: c.Year, SentAt: at, Candidates: len(rows),
		SHA256: files[0].SHA256, Note: *note, Staff: o.staff})
	if err != nil {
		return explain(err)
	}
	fmt.Fprintf(env.Stdout, "%s: the base of contest %s (%d candidates, candidates.csv %s) sent %s\n", sent.Subject(), c.ID, sent.Candidates,
		sent.SHA256, sent.SentAt.Format("2006-01-02 15:04"))
	printWarnings(env.Stderr, sent.Warnings)
	return nil
}

func runIntakeSeason(ctx context.Context, env *Env, args []string) error {
	fs := newFlags(env, "intake season", intakeCommands["season"].usage)
	o := addIntakeFlags(fs, false)
	year := fs.Int("year", 0, "the contest year (default: this year)")
	dump := fs.Bool("dump", false, "print the built-in season file, the starting point for an override file")
	check := fs.String("check", "", "check a season override file and report every problem with its line")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *dump {
		_, err := env.Stdout.Write(season.Builtin())
		return err
	}
	if *check != "" {
		o.seasons = append(o.seasons, *check)
	}
	book, err := o.loadSeasons()
	if err != nil {
		return err
	}
	if *check != "" {
		fmt.Fprintf(env.Stdout, "%s: ok\n", *check)
		return nil
	}
	cal, err := o.loadCalendar()
	if err != nil {
		return err
	}
	if *year == 0 {
		*year = time.Now().Year()
	}
	se, err := book.For(*year)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "%d (%s)\n", se.Year, se.Act)
	for _, w := range []struct {
		name string
		win  season.Window
	}{{"registration", se.Registration}, {"schedule", se.Schedule}, {"contest", se.Contest}} {
		fmt.Fprintf(env.Stdout, "  %-13s %s – %s  %s\n", w.name, w.win.From, w.win.To, w.win.Rule)
	}
	fmt.Fprintf(env.Stdout, "  %-13s by %s     %s\n", "daryn_base", se.DarynBase.By, se.DarynBase.Rule)
	fmt.Fprintf(env.Stdout, "  %-13s by %s     %s\n", "orders", se.Orders.By, se.Orders.Rule)
	if p, ok := cal.ProvisionalYear(*year); ok {
		fmt.Fprintf(env.Stdout, "calendar %d: БОЛЖАЛДЫ / ПРЕДВАРИТЕЛЬНЫЙ — %s\n", *year, provisionalText(p))
	} else {
		fmt.Fprintf(env.Stdout, "calendar %d: confirmed\n", *year)
	}
	return nil
}
