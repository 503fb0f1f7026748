// Package browsertest starts Debian's Chromium for the pages' browser tests and reads
// what they show. `make test` installs Chromium and sets TARAZY_REQUIRE_BROWSER, so
// there a missing browser fails the tests instead of skipping them.
package browsertest

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// Chromium returns the browser's path, or skips (fails under TARAZY_REQUIRE_BROWSER).
func Chromium(t testing.TB) string {
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

// New starts a headless browser for the test, stopped when the test ends; every
// action on it must finish within timeout.
func New(t testing.TB, timeout time.Duration) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(Chromium(t)),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.UserDataDir(t.TempDir()),
		// The machine's network is closed: without these Chromium tries to reach
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
	ctx, cancelT := context.WithTimeout(ctx, timeout)
	t.Cleanup(cancelT)
	if err := chromedp.Do(ctx); err != nil { // start the browser
		t.Fatal(err)
	}
	return ctx
}

// Workstation is one person's browser: its own cookies, like a second PC in the hall.
func Workstation(t testing.TB, browser context.Context) context.Context {
	ctx, cancel := chromedp.NewContext(browser, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	return ctx
}

// Text is the trimmed text of the first element matching a CSS selector.
func Text(t testing.TB, ctx context.Context, sel string) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		t.Fatalf("read %s: %v", sel, err)
	}
	return strings.TrimSpace(s)
}

// TextEventually is Text once it contains want, or after timeout, whichever comes
// first: what a page shows once its script has had the server's answer.
func TextEventually(t testing.TB, ctx context.Context, sel, want string, timeout time.Duration) string {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		got := Text(t, ctx, sel)
		if strings.Contains(got, want) || time.Now().After(deadline) {
			return got
		}
		time.Sleep(50 * time.Millisecond)
	}
}
