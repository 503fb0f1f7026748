package main

import (
	"context"
	"fmt"
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
	done, known, err := st.Migrations(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "%s: %d of %d migrations applied; schema is current\n", db.describe(), done, known)
	return nil
}
