package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"strings"

	"tarazy/store"
)

func init() {
	registerIntake(&intakeCommand{
		name:    "setup",
		summary: "add this school (and the year's contest) to the store, for a school running the desk on its own machine",
		usage:   "intake setup --school CODE --name-kk NAME --name-ru NAME [--region NAME] [--contest ID --year YEAR [--contest-name NAME]]",
		run:     runIntakeSetup,
	})
}

// runIntakeSetup adds the school to the store with its names, and the contest
// of a year when asked. On the national database the Daryn centre loads both (PUT
// /api/schools, POST /api/contests); a school that runs the desk alone on the embedded
// store has no one else to do it. Running it again changes nothing.
func runIntakeSetup(ctx context.Context, env *Env, args []string) error {
	fs := newFlags(env, "intake setup", intakeCommands["setup"].usage)
	o := addIntakeFlags(fs, true)
	region := fs.String("region", "", "the school's region")
	nameKK := fs.String("name-kk", "", "the school's name in Kazakh, as its receipts print it")
	nameRU := fs.String("name-ru", "", "the school's name in Russian, as its receipts print it")
	contestID := fs.String("contest", "", "also create this contest (such as 2026), so contest registrations have a candidate base")
	year := fs.Int("year", 0, "the contest's year (with --contest)")
	contestName := fs.String("contest-name", "", "the contest's name (default: \"Конкурс YEAR\")")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if o.school == "" {
		return usagef("--school CODE is required: the school's code, as the Daryn centre knows it")
	}
	if (*contestID == "") != (*year == 0) {
		return usagef("--contest and --year go together")
	}
	if strings.TrimSpace(o.staff) == "" {
		return usagef("say who you are with --staff NAME (or TARAZY_STAFF)")
	}
	cat, err := o.loadCatalogue()
	if err != nil {
		return err
	}
	st, err := o.db.openMigrated(ctx, env)
	if err != nil {
		return err
	}
	defer st.Close()
	by := store.Actor{Name: o.staff, Role: store.RoleAdmin}
	sc := store.School{Code: o.school, NameKK: strings.TrimSpace(*nameKK), NameRU: strings.TrimSpace(*nameRU), Region: *region}
	old, err := st.School(ctx, o.school)
	switch {
	case err == nil:
		sc.NameKK, sc.NameRU = cmp.Or(sc.NameKK, old.NameKK), cmp.Or(sc.NameRU, old.NameRU)
		sc.Region = cmp.Or(sc.Region, old.Region)
	case !errors.Is(err, store.ErrNotFound):
		return err
	case sc.NameKK == "" && sc.NameRU == "" && o.catalogue != "":
		// The school's own catalogue names it.
		sc.NameKK, sc.NameRU = cat.Provider.NameKK, cat.Provider.NameRU
	}
	if sc.NameKK == "" || sc.NameRU == "" {
		// The built-in catalogue's provider is the seed's sample school: receipts would
		// print another school's name.
		return usagef("give the school's names with --name-kk and --name-ru: its receipts print them (the built-in catalogue's provider, %q, is only the seed's example)", cat.Provider.NameKK)
	}
	if err := st.PutSchools(ctx, by, []store.School{sc}); err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "school %s: %s / %s\n", sc.Code, sc.NameKK, sc.NameRU)
	if *contestID == "" {
		return nil
	}
	name := *contestName
	if name == "" {
		name = fmt.Sprintf("Конкурс %d", *year)
	}
	c, err := st.CreateContest(ctx, by, store.Contest{ID: *contestID, Name: name, Year: *year})
	if errors.Is(err, store.ErrConflict) {
		old, err := st.Contest(ctx, *contestID)
		if err != nil {
			return err
		}
		if old.Year != *year {
			return fmt.Errorf("contest %s already exists for %d, not %d; choose another id", old.ID, old.Year, *year)
		}
		fmt.Fprintf(env.Stdout, "contest %s (%d) was already there\n", old.ID, old.Year)
		return nil
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "contest %s: %s, %d\n", c.ID, c.Name, c.Year)
	return nil
}
