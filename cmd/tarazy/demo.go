package main

import (
	"context"
	"fmt"
)

func init() {
	register(&command{
		Name:    "demo",
		Summary: "run the end-to-end demo into a folder",
		Run:     runDemo,
	})
}

// runDemo grows with the product: each area that lands adds its step here. Today only
// the forms exist, so it shows them.
func runDemo(ctx context.Context, env *Env, args []string) error {
	fs := newFlags(env, "demo", "demo [--out DIR]")
	out := fs.String("out", "demo-out", "folder for the demo's output")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	_ = out
	fmt.Fprintln(env.Stdout, "tarazy demo: the answer-sheet forms of the contest (§33–34)")
	return runForms(ctx, env, nil)
}
