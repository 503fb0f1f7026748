package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"tarazy/intake"
	"tarazy/intake/receipt"
)

func init() {
	registerIntake(&intakeCommand{
		name:    "apply",
		summary: "register an application: receipt with number and due date, or refusal naming what is missing",
		usage: `intake apply --service ID --applicant NAME [--child NAME --child-iin IIN] [--grade N] [--territory]
       [--doc ID[:until=DATE|:issued=DATE]]... [--condition ID]... [--channel office] [--at 2026-04-14T11:00]
       [--emergency REASON] [--lang kk|ru] [--pdf FILE]`,
		run: runIntakeApply,
	})
	registerIntake(&intakeCommand{
		name:    "show",
		summary: "one application (or complaint) with its audit trail",
		usage:   "intake show [--json] NUMBER",
		run:     runIntakeShow,
	})
	registerIntake(&intakeCommand{
		name:    "list",
		summary: "applications, filtered by service, status, year, open or overdue",
		usage:   "intake list [--service ID] [--status S] [--year Y] [--open] [--overdue DATE]",
		run:     runIntakeList,
	})
	registerIntake(&intakeCommand{
		name:    "status",
		summary: "move an application on: in_progress, issued (with the result), refused (ground and reasons) or withdrawn",
		usage:   "intake status NUMBER --to in_progress|issued|refused|withdrawn [--result TEXT] [--ground ID] [--reason TEXT]",
		run:     runIntakeStatus,
	})
	registerIntake(&intakeCommand{
		name:    "receipt",
		summary: "print an application's receipt again, as text or PDF",
		usage:   "intake receipt NUMBER [--lang kk|ru] [--pdf FILE]",
		run:     runIntakeReceipt,
	})
}

func langs(l string) ([]string, error) {
	switch l {
	case "", "both", "kk,ru":
		return receipt.Languages, nil
	case "kk", "ru":
		return []string{l}, nil
	}
	return nil, usagef("--lang %q: kk, ru or both", l)
}

func runIntakeApply(ctx context.Context, env *Env, args []string) error {
	fs := newFlags(env, "intake apply", intakeCommands["apply"].usage)
	o := addIntakeFlags(fs, true)
	var docs, conds listFlag
	service := fs.String("service", "", "service id (`tarazy intake services`)")
	channel := fs.String("channel", "", "office, portal, state_corporation or school_website (default: the service's first)")
	when := fs.String("at", "", "when it came in, office time (default now)")
	applicant := fs.String("applicant", "", "the applicant's full name")
	applicantIIN := fs.String("applicant-iin", "", "the applicant's IIN")
	phone := fs.String("phone", "", "the applicant's phone")
	address := fs.String("address", "", "the applicant's address")
	child := fs.String("child", "", "the child's (student's) full name")
	childIIN := fs.String("child-iin", "", "the child's IIN")
	grade := fs.Int("grade", 0, "the grade applied for")
	territory := fs.Bool("territory", false, "the family lives in the school's service territory (first-grade order)")
	emergency := fs.String("emergency", "", "why the emergency window of §9-2 applies (documents until 20 August)")
	note := fs.String("note", "", "a note for the file")
	fs.Var(&docs, "doc", "a document presented: ID, ID:until=2026-09-01 or ID:issued=2026-01-10 (repeat)")
	fs.Var(&conds, "condition", "a condition that applies, e.g. foreign, special_needs, damaged (repeat)")
	lang := fs.String("lang", "both", "receipt language: kk, ru or both")
	pdfPath := fs.String("pdf", "", "also write the receipt as PDF to this file")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *service == "" || *applicant == "" {
		return usagef("--service and --applicant are required")
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
	svc, err := d.Catalogue.Service(*service)
	if err != nil {
		return err
	}
	if svc.Contest {
		return usagef("the contest registration has its own fields: use `tarazy intake contest-register`")
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
		Service: *service, Channel: *channel, At: at, Staff: o.staff,
		Applicant: intake.Person{Name: *applicant, IIN: *applicantIIN, Phone: *phone, Address: *address},
		Child:     intake.Person{Name: *child, IIN: *childIIN},
		Grade:     *grade, Territory: *territory, Conditions: conds, Documents: presented,
		Emergency: *emergency, Note: *note,
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

// printOutcome says in one line what happened, then prints the receipt.
func printOutcome(env *Env, cat *intake.Catalogue, school receipt.School, a *intake.Application, ls []string, pdfPath string) error {
	svc, err := cat.Service(a.Service)
	if err != nil {
		return err
	}
	switch a.Status {
	case intake.Rejected:
		var what []string
		what = append(what, a.Refusal.Grounds...)
		if len(a.Refusal.Missing) > 0 {
			what = append(what, "missing: "+strings.Join(svc.DocumentNames(a.Refusal.Missing, "ru"), "; "))
		}
		if len(a.Refusal.Expired) > 0 {
			what = append(what, "expired: "+strings.Join(svc.DocumentNames(a.Refusal.Expired, "ru"), "; "))
		}
		fmt.Fprintf(env.Stdout, "REFUSED AT INTAKE %s (%s): give the applicant the refusal receipt below\n\n", a.Number, strings.Join(what, "; "))
	default:
		due := "no due date (no term in the catalogue)"
		switch {
		case !a.DueAt.IsZero():
			due = "due " + a.DueAt.Format("2006-01-02 15:04")
		case !a.Due.IsZero():
			due = "due " + a.Due.String()
		}
		fmt.Fprintf(env.Stdout, "%s %s, registered %s, %s\n\n", strings.ToUpper(string(a.Status)), a.Number, a.Registered, due)
	}
	printWarnings(env.Stderr, a.Warnings)
	txt, err := receipt.Text(cat, school, a, ls...)
	if err != nil {
		return err
	}
	fmt.Fprint(env.Stdout, txt)
	if pdfPath != "" {
		f, err := os.Create(pdfPath)
		if err != nil {
			return err
		}
		if err := receipt.PDF(f, cat, school, a, ls...); err != nil {
			f.Close()
			return err
		}
		if err := f.Close(); err != nil {
			return err
		}
		fmt.Fprintf(env.Stderr, "receipt PDF: %s\n", pdfPath)
	}
	return nil
}

func runIntakeShow(ctx context.Context, env *Env, args []string) error {
	fs := newFlags(env, "intake show", intakeCommands["show"].usage)
	o := addIntakeFlags(fs, true)
	asJSON := fs.Bool("json", false, "print the record as JSON")
	pos, err := parsePositional(fs, args, 1, "one application or complaint number")
	if err != nil {
		return err
	}
	d, err := o.desk(ctx, env)
	defer o.close()
	if err != nil {
		return err
	}
	number := pos[0]
	var rec any
	if strings.HasPrefix(number, intake.ComplaintSeriesCode+"-") {
		rec, err = d.Repo.Complaint(ctx, number)
	} else {
		rec, err = d.Repo.Application(ctx, number)
	}
	if err != nil {
		return explain(err)
	}
	audit, err := d.Repo.Audit(ctx, number)
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(env.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(map[string]any{"record": rec, "audit": audit})
	}
	switch r := rec.(type) {
	case *intake.Application:
		fmt.Fprintf(env.Stdout, "%s  %s  %s\n", r.Number, r.Service, r.Status)
		fmt.Fprintf(env.Stdout, "applicant: %s\n", r.Applicant.Name)
		if r.Child.Name != "" {
			fmt.Fprintf(env.Stdout, "for: %s %s\n", r.Child.Name, r.Child.IIN)
		}
		fmt.Fprintf(env.Stdout, "came in %s, registered %s", r.SubmittedAt.Format("2006-01-02 15:04"), r.Registered)
		if !r.Due.IsZero() {
			fmt.Fprintf(env.Stdout, ", due %s", r.Due)
		}
		fmt.Fprintln(env.Stdout)
		if r.Backdated {
			fmt.Fprintf(env.Stdout, "entered %s (backdated)\n", r.EnteredAt.In(d.Catalogue.Location()).Format("2006-01-02 15:04"))
		}
		for _, w := range r.Warnings {
			fmt.Fprintf(env.Stdout, "warning: %s\n", w)
		}
		if r.Refusal != nil {
			fmt.Fprintf(env.Stdout, "refusal: grounds %v missing %v expired %v %s\n", r.Refusal.Grounds, r.Refusal.Missing, r.Refusal.Expired, r.Refusal.Reason)
		}
		if r.Result != "" {
			fmt.Fprintf(env.Stdout, "result: %s\n", r.Result)
		}
		if w := r.Withdrawal; w != nil {
			fmt.Fprintf(env.Stdout, "withdrawn on %s: %s\n", w.On, w.Reason)
		}
	case *intake.Complaint:
		fmt.Fprintf(env.Stdout, "%s  to %s  %s\n", r.Number, r.Body, r.Status)
		fmt.Fprintf(env.Stdout, "from: %s; about: %s %s\n", r.Complainant.Name, r.Application, r.Subject)
		fmt.Fprintf(env.Stdout, "registered %s, due %s\n", r.Registered, r.Due)
		if x := r.Extension; x != nil {
			fmt.Fprintf(env.Stdout, "extended on %s by %d working days (%s); notice due %s, sent %s\n", x.On, x.Days, x.Reason, x.NoticeDue, orDash(x.NoticeOn.String()))
		}
	}
	fmt.Fprintln(env.Stdout, "audit:")
	for _, e := range audit {
		fmt.Fprintf(env.Stdout, "  %s  %-10s %-12s %s→%s %s\n", e.At.Format("2006-01-02 15:04"), e.Staff, e.Action, e.From, e.To, e.Detail)
	}
	return nil
}

func runIntakeList(ctx context.Context, env *Env, args []string) error {
	fs := newFlags(env, "intake list", intakeCommands["list"].usage)
	o := addIntakeFlags(fs, true)
	service := fs.String("service", "", "only this service")
	status := fs.String("status", "", "only this status: registered, in_progress, issued, refused, rejected, withdrawn")
	year := fs.Int("year", 0, "only applications registered in this year")
	open := fs.Bool("open", false, "only those still waiting for their result")
	overdue := fs.String("overdue", "", "only open ones past their due date on this day (YYYY-MM-DD, or \"today\")")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *status != "" && !intake.Status(*status).Valid() {
		return usagef("--status %q: one of registered, in_progress, issued, refused, rejected, withdrawn", *status)
	}
	d, err := o.desk(ctx, env)
	defer o.close()
	if err != nil {
		return err
	}
	f := intake.Filter{Service: *service, Status: intake.Status(*status), Year: *year, Open: *open}
	if *overdue != "" {
		day := ""
		if *overdue != "today" {
			day = *overdue
		}
		if f.OverdueOn, err = parseDay(day, d.Catalogue.Location()); err != nil {
			return err
		}
	}
	apps, err := d.Repo.Applications(ctx, f)
	if err != nil {
		return err
	}
	for _, a := range apps {
		who := a.Child.Name
		if who == "" {
			who = a.Applicant.Name
		}
		fmt.Fprintf(env.Stdout, "%-15s %-11s registered %s due %-10s %s\n", a.Number, a.Status, a.Registered, orDash(a.Due.String()), who)
	}
	fmt.Fprintf(env.Stderr, "%d applications\n", len(apps))
	return nil
}

func runIntakeStatus(ctx context.Context, env *Env, args []string) error {
	fs := newFlags(env, "intake status", intakeCommands["status"].usage)
	o := addIntakeFlags(fs, true)
	to := fs.String("to", "", "in_progress, issued, refused or withdrawn")
	result := fs.String("result", "", "for issued: what was issued (order number, duplicate number)")
	ground := fs.String("ground", "", "for refused: the ground id (`tarazy intake services --service ID` lists them)")
	reason := fs.String("reason", "", "for refused: the reasons, in words the applicant reads; for withdrawn: the applicant's request")
	pos, err := parsePositional(fs, args, 1, "one application number")
	if err != nil {
		return err
	}
	d, err := o.desk(ctx, env)
	defer o.close()
	if err != nil {
		return err
	}
	a, err := d.SetStatus(ctx, pos[0], intake.Change{To: intake.Status(*to), Staff: o.staff, Ground: *ground, Reason: *reason, Result: *result})
	if err != nil {
		return explain(err)
	}
	fmt.Fprintf(env.Stdout, "%s is now %s\n", a.Number, a.Status)
	if a.Status == intake.Refused {
		fmt.Fprintf(env.Stdout, "give the applicant the reasoned refusal: tarazy intake receipt %s --pdf %s.pdf\n", a.Number, a.Number)
	}
	return nil
}

func runIntakeReceipt(ctx context.Context, env *Env, args []string) error {
	fs := newFlags(env, "intake receipt", intakeCommands["receipt"].usage)
	o := addIntakeFlags(fs, true)
	lang := fs.String("lang", "both", "kk, ru or both")
	pdfPath := fs.String("pdf", "", "write the receipt as PDF to this file instead of text")
	pos, err := parsePositional(fs, args, 1, "one application number")
	if err != nil {
		return err
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
	a, err := d.Repo.Application(ctx, pos[0])
	if err != nil {
		return explain(err)
	}
	school, err := o.issuer(ctx)
	if err != nil {
		return err
	}
	if *pdfPath != "" {
		f, err := os.Create(*pdfPath)
		if err != nil {
			return err
		}
		if err := receipt.PDF(f, d.Catalogue, school, a, ls...); err != nil {
			f.Close()
			return err
		}
		return f.Close()
	}
	txt, err := receipt.Text(d.Catalogue, school, a, ls...)
	if err != nil {
		return err
	}
	fmt.Fprint(env.Stdout, txt)
	return nil
}
