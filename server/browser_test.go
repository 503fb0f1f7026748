package server_test

import (
	"context"
	"testing"

	"github.com/chromedp/chromedp"
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
