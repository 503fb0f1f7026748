// Command tarazy scans, scores and ranks the answer sheets of the specialized-school
// entrance contest, and runs the school's intake desk. One binary, one subcommand per
// file in this directory; main only handles signals and the exit code.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := Main(ctx, os.Args[1:], &Env{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr})
	stop()
	os.Exit(code)
}
