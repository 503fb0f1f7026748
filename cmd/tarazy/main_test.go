package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

func run(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = Main(context.Background(), args, &Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb})
	return code, out.String(), errb.String()
}

func TestUnknownCommandIsAUsageError(t *testing.T) {
	code, _, stderr := run(t, "frobnicate")
	if code != 2 || !strings.Contains(stderr, "unknown command") {
		t.Fatalf("code %d, stderr %q", code, stderr)
	}
}

func TestFormsListsTheRulesTests(t *testing.T) {
	code, out, _ := run(t, "forms")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	for _, want := range []string{"g5  grade 5  40 questions", "g6  grade 6  60 questions", "g7  grade 7  75 questions", "Қазақстан тарихы"} {
		if !strings.Contains(out, want) {
			t.Errorf("forms output lacks %q:\n%s", want, out)
		}
	}
}

func TestBadFlagIsAUsageError(t *testing.T) {
	if code, _, _ := run(t, "forms", "--nope"); code != 2 {
		t.Fatalf("exit %d, want 2", code)
	}
}
