package main

import (
	"bytes"
	"context"
	"fmt"
	"strings"

	"tarazy/contest"
	"tarazy/intake"
	"tarazy/intake/daryn"
)

func init() {
	registerIntake(&intakeCommand{
		name:    "contest-register",
		summary: "register a candidate for the specialized-school contest (§16–19)",
		usage: `intake contest-register --name NAME --iin IIN --grade 5|6|7 --language kk|ru --email ADDR --applicant NAME
       [--olympiad --diploma TEXT]... [--myn-bala] [--doc ID]... [--iin-override REASON] [--school NAME]
       [--channel office|school_website] [--at 2026-03-02T10:00] [--lang kk|ru] [--pdf FILE]`,
		run: runIntakeContestRegister,
	})
	registerIntake(&intakeCommand{
		name:    "contest-export",
		summary: "write the candidate base for the Daryn centre (§20): CSV, XLSX, the contest's candidates file and SHA256SUMS",
		usage:   "intake contest-export --year 2026 --out DIR",
		run:     runIntakeContestExport,
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
	school := fs.String("school", "", "the specialized school (default: the provider in the catalogue)")
	olympiad := fs.Bool("olympiad", false, "winner or prize-winner of the regional stage of a republican olympiad (§38); the diploma copy is then required")
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
	d, err := o.desk()
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
	a, err := d.Submit(ctx, intake.Submission{
		Service: svc.ID, Channel: *channel, At: at, Staff: o.staff,
		Applicant: intake.Person{Name: *applicant, Phone: *phone},
		Child:     intake.Person{Name: *name, IIN: strings.TrimSpace(*iinv), Email: *email},
		Documents: presented,
		Candidate: &intake.Candidate{School: *school, Grade: *grade, Language: *language, Email: *email,
			Olympiad: *olympiad, Diplomas: diplomas, MynBala: *mynBala, IINOverride: *override},
	})
	if err != nil {
		return explain(err)
	}
	return printOutcome(env, d.Catalogue, a, ls, *pdfPath)
}

func runIntakeContestExport(ctx context.Context, env *Env, args []string) error {
	fs := newFlags(env, "intake contest-export", intakeCommands["contest-export"].usage)
	o := addIntakeFlags(fs, true)
	year := fs.Int("year", 0, "the contest year (required)")
	out := fs.String("out", "", "folder to write candidates.csv, candidates.xlsx and SHA256SUMS into (required)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *year == 0 || *out == "" {
		return usagef("--year and --out are required")
	}
	d, err := o.desk()
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
	rows := daryn.Candidates(apps)
	// The contest's own candidates file (contest.ReadCandidatesCSV), written beside the
	// Daryn base so `tarazy score`/`rank` take the registrations as they are.
	regs := make([]contest.Registration, len(rows))
	for i, r := range rows {
		regs[i] = contest.Registration{School: r.School, Grade: r.Grade, IIN: r.IIN, Name: r.Name, Olympiad: r.Olympiad, MynBala: r.MynBala}
	}
	var cc bytes.Buffer
	if err := contest.WriteCandidatesCSV(&cc, regs); err != nil {
		return err
	}
	files, err := daryn.Export(*out, rows, daryn.Extra{Name: "contest-candidates.csv", Data: cc.Bytes()})
	if err != nil {
		return fmt.Errorf("export candidates: %w", err)
	}
	fmt.Fprintf(env.Stdout, "%d candidates of %d\n", len(rows), *year)
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
