package main

import (
	"context"
	"fmt"
	"strings"

	"tarazy/store"
)

func init() {
	register(&command{
		Name:    "migrate",
		Summary: "bring the database schema up to date (serve also does it on start)",
		Run:     runMigrate,
	})
}

func runMigrate(ctx context.Context, env *Env, args []string) error {
	fs := newFlags(env, "migrate", "migrate [--data DIR] [--db postgres://…]")
	db := addDBFlags(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	st, err := db.open(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	applied, err := st.Migrate(ctx)
	if err != nil {
		return err
	}
	for _, m := range applied {
		fmt.Fprintf(env.Stdout, "applied %s\n", m)
	}
	sc, err := st.Schema(ctx)
	if err != nil {
		return err
	}
	return reportMigrated(env, db.describe(), sc)
}

// reportMigrated says what the schema is after migrating: current only when it holds
// exactly this build's migrations. A newer build's migrations are named; an
// incompatible one is an error, since servers of this build cannot run on it.
func reportMigrated(env *Env, where string, sc store.Schema) error {
	if sc.Current() {
		fmt.Fprintf(env.Stdout, "%s: %d of %d migrations applied; schema is current\n", where, sc.Applied, sc.Known)
		return nil
	}
	if len(sc.Missing) > 0 {
		return fmt.Errorf("%s: %d of %d migrations applied; still missing: %s", where, sc.Applied, sc.Known, strings.Join(sc.Missing, ", "))
	}
	var names []string
	for _, m := range sc.Newer {
		mark := "compatible"
		if !m.Compatible {
			mark = "NOT compatible"
		}
		names = append(names, m.Name+" ("+mark+")")
	}
	fmt.Fprintf(env.Stdout, "%s: all %d of this build's migrations applied; the schema is NEWER than this build: %s\n", where, sc.Known, strings.Join(names, ", "))
	if bad := sc.Incompatible(); len(bad) > 0 {
		return fmt.Errorf("servers of this build cannot run on this database (%s); use the newer tarazy", strings.Join(bad, ", "))
	}
	fmt.Fprintln(env.Stdout, "servers of this build can run on it (the newer migrations are marked compatible); upgrade them when you can")
	return nil
}
