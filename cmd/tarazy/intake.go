package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/user"
	"sort"
	"strings"
	"time"

	_ "time/tzdata" // the office's zone (Asia/Almaty) even on a machine without tzdata

	"tarazy/intake"
	"tarazy/intake/receipt"
	"tarazy/season"
	"tarazy/store"
)

// The intake desk's subcommands: `tarazy intake <sub> [flags]`. Each lives in an
// intake_*.go file and registers itself in intakeCommands from init.
func init() {
	register(&command{
		Name:    "intake",
		Summary: "the intake desk: services, deadlines, applications, receipts, complaints, contest registration",
		Run:     runIntake,
	})
}

type intakeCommand struct {
	name, usage, summary string
	run                  func(ctx context.Context, env *Env, args []string) error
}

var intakeCommands = map[string]*intakeCommand{}

func registerIntake(c *intakeCommand) {
	if _, dup := intakeCommands[c.name]; dup {
		panic("intake command registered twice: " + c.name)
	}
	intakeCommands[c.name] = c
}

func runIntake(ctx context.Context, env *Env, args []string) error {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		names := make([]string, 0, len(intakeCommands))
		for n := range intakeCommands {
			names = append(names, n)
		}
		sort.Strings(names)
		fmt.Fprintln(env.Stdout, "usage: tarazy intake <command> [flags]")
		fmt.Fprintln(env.Stdout)
		for _, n := range names {
			fmt.Fprintf(env.Stdout, "  %-18s %s\n", n, intakeCommands[n].summary)
		}
		fmt.Fprintln(env.Stdout)
		fmt.Fprintln(env.Stdout, "`tarazy intake <command> -h` shows its flags. Every command takes --catalogue and --calendar;")
		fmt.Fprintln(env.Stdout, "those that keep records take --data/--db (the store, as for `tarazy serve`), --school and --staff.")
		if len(args) == 0 {
			return usagef("which intake command?")
		}
		return nil
	}
	c, ok := intakeCommands[args[0]]
	if !ok {
		return usagef("unknown intake command %q; `tarazy intake help` lists them", args[0])
	}
	return c.run(ctx, env, args[1:])
}

// intakeOpts are the flags every intake command shares.
type intakeOpts struct {
	catalogue string
	calendars listFlag
	seasons   listFlag
	db        *dbFlags // nil for commands that keep no records
	school    string
	staff     string
	st        migratingStore
}

func addIntakeFlags(fs *flag.FlagSet, withData bool) *intakeOpts {
	o := &intakeOpts{}
	fs.StringVar(&o.catalogue, "catalogue", os.Getenv("TARAZY_CATALOGUE"), "the school's catalogue file, replacing the built-in one (env TARAZY_CATALOGUE)")
	if env := os.Getenv("TARAZY_CALENDAR"); env != "" {
		o.calendars = strings.Split(env, string(os.PathListSeparator))
	}
	fs.Var(&o.calendars, "calendar", "calendar override file, applied over the built-in calendar; repeatable (env TARAZY_CALENDAR, ':'-separated)")
	if env := os.Getenv("TARAZY_SEASON"); env != "" {
		o.seasons = strings.Split(env, string(os.PathListSeparator))
	}
	fs.Var(&o.seasons, "season", "contest dates override file (§16, §20, §27), applied over the built-in dates; repeatable (env TARAZY_SEASON, ':'-separated)")
	if withData {
		o.db = addDBFlags(fs)
		fs.StringVar(&o.school, "school", os.Getenv("TARAZY_SCHOOL"), "the school whose register this is, by its code (env TARAZY_SCHOOL; default: the one school in the store)")
		fs.StringVar(&o.staff, "staff", defaultStaff(), "who does this, for the audit log (env TARAZY_STAFF, else the login name)")
	}
	return o
}

func defaultStaff() string {
	if s := os.Getenv("TARAZY_STAFF"); s != "" {
		return s
	}
	if u, err := user.Current(); err == nil {
		return u.Username
	}
	return ""
}

func (o *intakeOpts) loadCatalogue() (*intake.Catalogue, error) {
	if o.catalogue == "" {
		return intake.LoadCatalogue(nil)
	}
	data, err := os.ReadFile(o.catalogue)
	if err != nil {
		return nil, fmt.Errorf("catalogue: %w", err)
	}
	return intake.LoadCatalogue(&intake.DataFile{Name: o.catalogue, Data: data})
}

func (o *intakeOpts) loadCalendar() (*intake.Calendar, error) {
	var files []intake.DataFile
	for _, name := range o.calendars {
		data, err := os.ReadFile(name)
		if err != nil {
			return nil, fmt.Errorf("calendar: %w", err)
		}
		files = append(files, intake.DataFile{Name: name, Data: data})
	}
	return intake.LoadCalendar(files...)
}

func (o *intakeOpts) loadSeasons() (*season.Book, error) {
	var files []season.File
	for _, name := range o.seasons {
		data, err := os.ReadFile(name)
		if err != nil {
			return nil, fmt.Errorf("season: %w", err)
		}
		files = append(files, season.File{Name: name, Data: data})
	}
	return season.Load(files...)
}

// intakeStore is a store that keeps the intake desk's registers, one per school
// (store/sqlite and store/postgres).
type intakeStore interface {
	migratingStore
	Intake(by store.Actor, school string) intake.Repository
}

// desk loads the catalogue and the calendar (refusing to start on a malformed file)
// and, when the command keeps records, opens the store (migrating it) and the
// school's register in it. Call close when done.
func (o *intakeOpts) desk(ctx context.Context, env *Env) (*intake.Desk, error) {
	cat, err := o.loadCatalogue()
	if err != nil {
		return nil, err
	}
	cal, err := o.loadCalendar()
	if err != nil {
		return nil, err
	}
	seasons, err := o.loadSeasons()
	if err != nil {
		return nil, err
	}
	d := &intake.Desk{Catalogue: cat, Calendar: cal, Seasons: seasons}
	if o.db == nil {
		return d, nil
	}
	if strings.TrimSpace(o.staff) == "" {
		return nil, usagef("say who you are with --staff NAME (or TARAZY_STAFF): every change is recorded with a name")
	}
	st, err := o.db.openMigrated(ctx, env)
	if err != nil {
		return nil, err
	}
	o.st = st
	is, ok := st.(intakeStore)
	if !ok {
		return nil, fmt.Errorf("the %s store keeps no intake register", st.Backend())
	}
	if o.school, err = o.pickSchool(ctx); err != nil {
		return nil, err
	}
	d.Repo = is.Intake(o.actor(), o.school)
	return d, nil
}

// actor is who the store's audit names: the person at the desk, in the office's role.
func (o *intakeOpts) actor() store.Actor {
	return store.Actor{Name: o.staff, Role: store.RoleOffice, School: o.school}
}

// pickSchool is --school, or the store's only school.
func (o *intakeOpts) pickSchool(ctx context.Context) (string, error) {
	if o.school != "" {
		return o.school, nil
	}
	schools, err := o.st.ListSchools(ctx)
	if err != nil {
		return "", err
	}
	switch len(schools) {
	case 0:
		return "", fmt.Errorf("no school is in the store at %s yet: add yours once with `tarazy intake setup --school CODE` (its names come from the catalogue), or point --db at the national database", o.db.describe())
	case 1:
		return schools[0].Code, nil
	}
	codes := make([]string, 0, len(schools))
	for _, sc := range schools {
		codes = append(codes, sc.Code)
	}
	if len(codes) > 10 {
		codes = append(codes[:10], "…")
	}
	return "", usagef("the store has %d schools: say whose register this is with --school CODE (or TARAZY_SCHOOL): %s", len(schools), strings.Join(codes, ", "))
}

// issuer is this school as the store knows it: receipts carry its name, not the
// catalogue's sample provider.
func (o *intakeOpts) issuer(ctx context.Context) (receipt.School, error) {
	sc, err := o.st.School(ctx, o.school)
	if err != nil {
		return receipt.School{}, err
	}
	return receipt.School{Code: sc.Code, NameKK: sc.NameKK, NameRU: sc.NameRU}, nil
}

// close closes the store desk opened, if it did.
func (o *intakeOpts) close() {
	if o.st != nil {
		o.st.Close()
		o.st = nil
	}
}

// listFlag is a repeatable string flag.
type listFlag []string

func (l *listFlag) String() string { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error {
	*l = append(*l, v)
	return nil
}

// parseWhen reads a time as the office's wall clock ("2026-03-20T17:45",
// "2026-03-20 17:45") or with a zone (RFC 3339); empty means now.
func parseWhen(s string, loc *time.Location) (time.Time, error) {
	if s == "" {
		return time.Now().In(loc), nil
	}
	for _, layout := range []string{"2006-01-02T15:04", "2006-01-02 15:04", "2006-01-02T15:04:05"} {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t, nil
		}
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.In(loc), nil
	}
	return time.Time{}, usagef("time %q: write it as 2026-03-20T17:45 (office time) or with a zone, 2026-03-20T17:45:00+05:00", s)
}

// parseDay reads an ISO date; empty means today in the office's zone.
func parseDay(s string, loc *time.Location) (intake.Date, error) {
	if s == "" {
		return intake.DateOf(time.Now().In(loc)), nil
	}
	d, err := intake.ParseDate(s)
	if err != nil {
		return intake.Date{}, usagef("%v", err)
	}
	return d, nil
}

// parseDocs reads --doc values: "health", "health:until=2026-09-01",
// "health:issued=2026-01-10".
func parseDocs(vals []string) ([]intake.Presented, error) {
	var out []intake.Presented
	for _, v := range vals {
		id, rest, _ := strings.Cut(v, ":")
		p := intake.Presented{ID: strings.TrimSpace(id)}
		if rest != "" {
			for _, kv := range strings.Split(rest, ",") {
				k, val, ok := strings.Cut(kv, "=")
				d, err := intake.ParseDate(val)
				if !ok || err != nil || (k != "until" && k != "issued") {
					return nil, usagef("--doc %q: write id, id:until=2026-09-01 or id:issued=2026-01-10", v)
				}
				if k == "until" {
					p.ValidUntil = d
				} else {
					p.Issued = d
				}
			}
		}
		out = append(out, p)
	}
	return out, nil
}

// parsePositional parses flags placed before, between or after the positional
// arguments (`status NUMBER --to issued` and `status --to issued NUMBER` both work)
// and checks that there are exactly n of them.
func parsePositional(fs *flag.FlagSet, args []string, n int, what string) ([]string, error) {
	var pos []string
	for {
		if err := parseFlags(fs, args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			break
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
	if len(pos) != n {
		return nil, usagef("expected %s", what)
	}
	return pos, nil
}

func printWarnings(w io.Writer, ws []intake.Message) {
	for _, m := range ws {
		fmt.Fprintln(w, "ескерту / предупреждение:", m)
	}
}

// explain adds what to do to the errors a person at the desk meets most.
func explain(err error) error {
	switch {
	case store.ErrorCode(err) == store.Unavailable:
		return fmt.Errorf("%w; nothing was recorded: try again once the database is back", err)
	case errors.Is(err, intake.ErrConflict):
		return fmt.Errorf("%w; nothing was changed: run the command again", err)
	case errors.Is(err, intake.ErrIINChecksum):
		return fmt.Errorf("%w (give the reason with --iin-override \"...\")", err)
	case errors.Is(err, intake.ErrDecisionNeeded):
		return fmt.Errorf("%w\n(--decide accept|refuse --decision-reason \"...\")", err)
	case errors.Is(err, intake.ErrNotFound):
		return fmt.Errorf("%w; `tarazy intake list` shows the numbers", err)
	}
	return err
}
