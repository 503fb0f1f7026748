package main

import (
	"context"
	"fmt"

	"tarazy/omr/form"
)

func init() {
	register(&command{
		Name:    "forms",
		Summary: "list the answer-sheet forms and their sections",
		Run:     runForms,
	})
}

func runForms(ctx context.Context, env *Env, args []string) error {
	fs := newFlags(env, "forms", "forms")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	for _, id := range form.IDs() {
		f, err := form.Get(id)
		if err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "%s  grade %d  %d questions  %d min  max %d points  options %v  %d variants\n",
			f.ID, f.Grade, f.Questions(), f.Minutes, f.MaxScore(), f.Options, f.Variants)
		for _, s := range f.Sections {
			span := fmt.Sprintf("q%d–q%d", s.First, s.Last)
			fmt.Fprintf(env.Stdout, "    %-9s %-8s %s / %s\n", span, s.Key, s.NameKK, s.NameRU)
		}
	}
	return nil
}
