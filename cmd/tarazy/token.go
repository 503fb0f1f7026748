package main

import (
	"context"
	"fmt"
	"os/user"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"tarazy/server"
	"tarazy/store"
)

func init() {
	register(&command{
		Name:    "token",
		Summary: "create, list or revoke API tokens (create|list|revoke)",
		Run:     runToken,
	})
}

const tokenUsage = `token create --name NAME --role ROLE [--school CODE] [--chair] [--expires 720h]
       tarazy token list
       tarazy token revoke ID
roles: ` + "commission, daryn, publisher, admin, office, scanner (the scanner PC's worker: uploads only)"

func runToken(ctx context.Context, env *Env, args []string) error {
	if len(args) == 0 {
		return usagef("usage: tarazy %s", tokenUsage)
	}
	switch args[0] {
	case "create":
		return tokenCreate(ctx, env, args[1:])
	case "list":
		return tokenList(ctx, env, args[1:])
	case "revoke":
		return tokenRevoke(ctx, env, args[1:])
	}
	return usagef("unknown token command %q; usage: tarazy %s", args[0], tokenUsage)
}

// cliActor is who the audit log names for changes made from the command line: the
// machine's user, as the administrator who ran it.
func cliActor() store.Actor {
	name := "cli"
	if u, err := user.Current(); err == nil {
		name = "cli:" + u.Username
	}
	return store.Actor{Name: name, Role: store.RoleAdmin}
}

func tokenCreate(ctx context.Context, env *Env, args []string) error {
	fs := newFlags(env, "token create", tokenUsage)
	db := addDBFlags(fs)
	name := fs.String("name", "", "the person or service holding the token (their reviewer name)")
	role := fs.String("role", "", "commission, daryn, publisher, admin, office or scanner")
	school := fs.String("school", "", "school code, for commission, publisher, office and scanner")
	chair := fs.Bool("chair", false, "the commission's chair, who settles disputed review fields")
	expires := fs.Duration("expires", 0, "lifetime such as 720h (default: until revoked)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *name == "" || *role == "" {
		return usagef("--name and --role are required; usage: tarazy %s", tokenUsage)
	}
	if !slices.Contains(store.Roles, *role) {
		return usagef("--role %q: one of %s", *role, strings.Join(store.Roles, ", "))
	}
	st, err := db.openMigrated(ctx, env)
	if err != nil {
		return err
	}
	defer st.Close()
	var exp *time.Time
	if *expires > 0 {
		t := time.Now().Add(*expires).UTC()
		exp = &t
	}
	id, secret, hash := server.NewToken()
	tok, err := st.CreateToken(ctx, cliActor(), store.User{Name: *name, Role: *role, School: *school, Chair: *chair}, id, hash, exp)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stderr, "token %s for %s (%s%s); it is shown once, keep it secret:\n", tok.ID, tok.User.Name, tok.User.Role, scopeText(tok.User))
	fmt.Fprintln(env.Stdout, secret)
	return nil
}

func scopeText(u store.User) string {
	s := ""
	if u.School != "" {
		s += ", school " + u.School
	}
	if u.Chair {
		s += ", chair"
	}
	return s
}

func tokenList(ctx context.Context, env *Env, args []string) error {
	fs := newFlags(env, "token list", tokenUsage)
	db := addDBFlags(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	st, err := db.openMigrated(ctx, env)
	if err != nil {
		return err
	}
	defer st.Close()
	toks, err := st.ListTokens(ctx)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tNAME\tROLE\tSCHOOL\tCHAIR\tCREATED\tSTATE")
	for _, t := range toks {
		state := "active"
		switch {
		case t.RevokedAt != nil:
			state = "revoked " + t.RevokedAt.Format(time.DateTime)
		case t.ExpiresAt != nil && time.Now().After(*t.ExpiresAt):
			state = "expired"
		case t.ExpiresAt != nil:
			state = "until " + t.ExpiresAt.Format(time.DateTime)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%v\t%s\t%s\n", t.ID, t.User.Name, t.User.Role, t.User.School, t.User.Chair, t.CreatedAt.Format(time.DateTime), state)
	}
	return tw.Flush()
}

func tokenRevoke(ctx context.Context, env *Env, args []string) error {
	fs := newFlags(env, "token revoke", tokenUsage)
	db := addDBFlags(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usagef("give one token id (see `tarazy token list`)")
	}
	st, err := db.openMigrated(ctx, env)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := st.RevokeToken(ctx, cliActor(), fs.Arg(0)); err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "token %s revoked (servers stop accepting it within their token cache time)\n", fs.Arg(0))
	return nil
}
