package server_test

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"tarazy/omr/reading"
)

// chromium finds Debian's chromium. `make test` installs it and sets
// TARAZY_REQUIRE_BROWSER, so there the browser tests can never skip silently.
func chromium(t *testing.T) string {
	t.Helper()
	for _, p := range []string{os.Getenv("TARAZY_CHROMIUM"), "/usr/bin/chromium", "/usr/bin/chromium-browser"} {
		if p == "" {
			continue
		}
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	if os.Getenv("TARAZY_REQUIRE_BROWSER") != "" {
		t.Fatal("chromium is not installed (scripts/deps.sh test installs Debian's chromium)")
	}
	t.Skip("chromium not installed; `make test` installs it")
	return ""
}

func newBrowser(t *testing.T) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium(t)),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.UserDataDir(t.TempDir()),
		// This machine's network is closed: without these Chromium tries to reach
		// Google's hosts at every start.
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-first-run", true),
	)
	alloc, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancel)
	ctx, cancelCtx := chromedp.NewContext(alloc)
	t.Cleanup(cancelCtx)
	ctx, cancelT := context.WithTimeout(ctx, 90*time.Second)
	t.Cleanup(cancelT)
	if err := chromedp.Do(ctx); err != nil { // start the browser
		t.Fatal(err)
	}
	return ctx
}

// workstation is one reviewer's browser: its own cookies, like a second PC in the hall.
func workstation(t *testing.T, browser context.Context) context.Context {
	ctx, cancel := chromedp.NewContext(browser, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	return ctx
}

func signIn(t *testing.T, ctx context.Context, e *env, who, next string) {
	t.Helper()
	err := chromedp.Do(ctx,
		chromedp.Navigate(e.URL+next),
		chromedp.WaitVisible(chromedp.CSS("#token")),
		chromedp.SendKeys(chromedp.CSS("#token"), e.tokens[who]),
		chromedp.Click(chromedp.CSS(`#login button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="user"]`)),
	)
	if err != nil {
		t.Fatalf("sign in as %s: %v", who, err)
	}
}

func textOf(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		t.Fatalf("read %s: %v", sel, err)
	}
	return strings.TrimSpace(s)
}

// The scenario: open the queue, correct a field, and see the second
// reviewer's confirmation make it final.
func TestBrowserDoubleKeying(t *testing.T) {
	browser := newBrowser(t)
	e := startEnv(t, "sqlite", nil)
	e.ingestReviewSheet(t, "000101") // the machine read q3 as "B", unsure
	queue := "/ui/contests/C1/schools/S1/review"
	item := `[data-testid="item-000101-q3"]`

	first := workstation(t, browser)
	signIn(t, first, e, "aigerim", queue)
	if got := textOf(t, first, item+` [data-testid="value"]`); got != "B" {
		t.Fatalf("the page starts from the machine's value; got %q", got)
	}
	// Keyboard: B off, C on, Enter.
	if err := chromedp.Do(first,
		chromedp.KeyEvent("b"), chromedp.KeyEvent("c"), chromedp.KeyEvent("\r"),
		chromedp.WaitVisible(chromedp.CSS(item+`[data-state="open"] [data-testid="waiting"]`)),
	); err != nil {
		t.Fatal(err)
	}
	if got := textOf(t, first, item+` [data-testid="value"]`); got != "C" {
		t.Fatalf("keyed value = %q, want C", got)
	}
	if w := textOf(t, first, item+` [data-testid="waiting"]`); !strings.Contains(w, "second") {
		t.Fatalf("after one correction the field waits for a second reviewer; page says %q", w)
	}
	if sh, _ := e.Store.Sheet(context.Background(), "C1", "000101"); sh.State != "review" {
		t.Fatalf("one reviewer's correction made the sheet %s", sh.State)
	}

	second := workstation(t, browser)
	signIn(t, second, e, "bolat", queue)
	// Blind double keying: the second reviewer starts from the machine's value, not
	// the first reviewer's. Mouse this time.
	if got := textOf(t, second, item+` [data-testid="value"]`); got != "B" {
		t.Fatalf("second reviewer sees %q; the first reviewer's value must not show", got)
	}
	if err := chromedp.Do(second,
		chromedp.Click(chromedp.CSS(item+` button.key[data-key="B"]`)),
		chromedp.Click(chromedp.CSS(item+` button.key[data-key="C"]`)),
		chromedp.Click(chromedp.CSS(item+` [data-testid="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(item+`[data-state="final"]`)),
	); err != nil {
		t.Fatal(err)
	}
	if got := textOf(t, second, item+` [data-testid="state"]`); got != "түпкілікті" {
		t.Errorf("state label = %q, want the Kazakh for final", got)
	}
	sh, err := e.Store.Sheet(context.Background(), "C1", "000101")
	if err != nil {
		t.Fatal(err)
	}
	if sh.State != "final" || sh.Reading.Answers[2] != "C" || sh.Reading.Status != reading.StatusOK {
		t.Fatalf("sheet after two agreeing reviewers: state %s, q3 %q, status %s", sh.State, sh.Reading.Answers[2], sh.Reading.Status)
	}
	// A reload shows the queue empty.
	if err := chromedp.Do(second, chromedp.Navigate(e.URL+queue), chromedp.WaitVisible(chromedp.CSS(`[data-testid="empty"]`))); err != nil {
		t.Fatal(err)
	}
}
