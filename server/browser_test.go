package server_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"tarazy/omr/reading"
	"tarazy/server/internal/browsertest"
)

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

// The scenario: open the queue, correct a field, and see the second
// reviewer's confirmation make it final.
func TestBrowserDoubleKeying(t *testing.T) {
	browser := browsertest.New(t, 90*time.Second)
	e := startEnv(t, "sqlite", nil)
	e.ingestReviewSheet(t, "000101") // the machine read q3 as "B", unsure
	queue := "/ui/contests/C1/schools/S1/review"
	item := `[data-testid="item-000101-q3"]`

	first := browsertest.Workstation(t, browser)
	signIn(t, first, e, "aigerim", queue)
	if got := browsertest.Text(t, first, item+` [data-testid="value"]`); got != "B" {
		t.Fatalf("the page starts from the machine's value; got %q", got)
	}
	// Keyboard: B off, C on, Enter.
	if err := chromedp.Do(first,
		chromedp.KeyEvent("b"), chromedp.KeyEvent("c"), chromedp.KeyEvent("\r"),
		chromedp.WaitVisible(chromedp.CSS(item+`[data-state="open"] [data-testid="waiting"]`)),
	); err != nil {
		t.Fatal(err)
	}
	if got := browsertest.Text(t, first, item+` [data-testid="value"]`); got != "C" {
		t.Fatalf("keyed value = %q, want C", got)
	}
	if w := browsertest.Text(t, first, item+` [data-testid="waiting"]`); !strings.Contains(w, "екінші") {
		t.Fatalf("after one correction the field waits for a second reviewer; page says %q", w)
	}
	if sh, _ := e.Store.Sheet(context.Background(), "C1", "S1", "000101"); sh.State != "review" {
		t.Fatalf("one reviewer's correction made the sheet %s", sh.State)
	}

	second := browsertest.Workstation(t, browser)
	signIn(t, second, e, "bolat", queue)
	// Blind double keying: the second reviewer starts from the machine's value, not
	// the first reviewer's. Mouse this time.
	if got := browsertest.Text(t, second, item+` [data-testid="value"]`); got != "B" {
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
	if got := browsertest.Text(t, second, item+` [data-testid="state"]`); got != "түпкілікті" {
		t.Errorf("state label = %q, want the Kazakh for final", got)
	}
	sh, err := e.Store.Sheet(context.Background(), "C1", "S1", "000101")
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
