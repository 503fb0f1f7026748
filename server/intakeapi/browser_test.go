package intakeapi_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"tarazy/server/internal/browsertest"
	"tarazy/store/storetest"
)

func run(t *testing.T, ctx context.Context, what string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, actions...); err != nil {
		loc, _ := chromedp.Run(ctx, chromedp.Location())
		t.Fatalf("%s: %v (at %s)", what, err, loc)
	}
}

// The office's receipt flow in a real browser: sign in, choose the service (its
// checklist appears), hand in an incomplete set and get the refusal receipt naming
// what is missing, then the complete set and get the numbered receipt with its PDF,
// move it to its result; and register a contest candidate whose IIN fails its check
// digit, giving the reason the page asks for.
func TestBrowserReceiptFlow(t *testing.T) {
	e := startEnv(t, "sqlite")
	ctx := browsertest.New(t, 120*time.Second)
	css := func(sel string) chromedp.CSS { return chromedp.CSS(sel) }
	// The page's script has attached its handlers.
	ready := func() chromedp.Action[chromedp.Void] { return chromedp.WaitReady(css("html[data-intake-ready]")) }

	run(t, ctx, "sign in",
		chromedp.Navigate(e.URL+ui+"/new?lang=kk"),
		chromedp.WaitVisible(css("#token")),
		chromedp.SendKeys(css("#token"), e.tokens["Гүлнар"]),
		chromedp.Click(css(`#login button[type="submit"]`)),
		chromedp.WaitVisible(css("#service-choice")),
		ready(),
	)
	// Choosing is enough: the page's script shows the service's checklist.
	run(t, ctx, "choose the service",
		chromedp.SetValue(css("#service-choice"), "school-admission"),
		chromedp.WaitVisible(css(`[data-testid="checklist"]`)))
	if got := browsertest.Text(t, ctx, `[data-testid="service-name"]`); !strings.Contains(got, "білім") {
		t.Errorf("service heading %q", got)
	}

	fill := func(child string, docs ...string) {
		t.Helper()
		actions := []chromedp.Action[chromedp.Void]{
			chromedp.WaitVisible(css(`[data-testid="checklist"]`)),
			ready(),
			chromedp.SetValue(css(`input[name="at"]`), "2026-04-14T10:00"),
			chromedp.SendKeys(css(`input[name="applicant.name"]`), "Нұрлан Әбдіқадыров"),
			chromedp.SendKeys(css(`input[name="child.name"]`), child),
			chromedp.Click(css(`input[name="territory"]`)),
		}
		for _, d := range docs {
			actions = append(actions, chromedp.Click(css(`[data-testid="doc-`+d+`"]`)))
		}
		actions = append(actions, chromedp.Click(css(`[data-testid="submit"]`)), chromedp.WaitVisible(css(`[data-testid="outcome"]`)))
		run(t, ctx, "submit "+child, actions...)
	}

	fill("Әлия", "application", "identity", "photos")
	outcome, missing, number := browsertest.Text(t, ctx, `[data-testid="outcome"]`), browsertest.Text(t, ctx, `[data-testid="missing"]`), browsertest.Text(t, ctx, `[data-testid="number"]`)
	if !strings.Contains(outcome, "бас тартылды") || !strings.Contains(missing, "денсаулық") || number != "ADM-2026-00001" {
		t.Fatalf("refusal page: %q / %q / %q", outcome, missing, number)
	}

	run(t, ctx, "new form again", chromedp.Navigate(e.URL+ui+"/new?service=school-admission"))
	fill("Әлия", "application", "identity", "health", "photos")
	outcome, receiptText := browsertest.Text(t, ctx, `[data-testid="outcome"]`), browsertest.Text(t, ctx, `[data-testid="receipt"]`)
	href, err := chromedp.Run(ctx, chromedp.AttributeValue(css(`[data-testid="pdf"]`), "href"))
	if err != nil {
		t.Fatal(err)
	}
	pdfURL := href.Value
	if !strings.Contains(outcome, "тіркелді") || !strings.Contains(receiptText, "№ ADM-2026-00002") || !strings.Contains(receiptText, "2026-04-15") {
		t.Fatalf("receipt page: %q\n%s", outcome, receiptText)
	}
	if status, pdf, _ := e.call(t, "Гүлнар", "GET", pdfURL, ""); status != 200 || !strings.HasPrefix(pdf, "%PDF") {
		t.Errorf("the page's PDF link %s: %d", pdfURL, status)
	}

	run(t, ctx, "issue it",
		ready(),
		chromedp.SetValue(css(`#intake-status select[name="to"]`), "issued"),
		chromedp.SendKeys(css(`#intake-status input[name="result"]`), "бұйрық № 7"),
		chromedp.Click(css(`[data-testid="change"]`)),
		chromedp.WaitVisible(css(`[data-testid="final"]`)),
	)
	if status := browsertest.Text(t, ctx, `[data-testid="status"]`); status != "берілді" {
		t.Errorf("status after issuing: %q", status)
	}
	run(t, ctx, "a refusal at intake is final",
		chromedp.Navigate(e.URL+ui+"/applications/ADM-2026-00001"),
		chromedp.WaitVisible(css(`[data-testid="final"]`)),
	)

	// A contest candidate whose IIN fails its check digit: the page asks for the reason.
	bad := storetest.IIN(4)
	bad = bad[:11] + string('0'+(bad[11]-'0'+1)%10)
	run(t, ctx, "contest registration",
		chromedp.Navigate(e.URL+ui+"/new?service=contest-registration"),
		chromedp.WaitVisible(css(`[data-testid="checklist"]`)),
		ready(),
		chromedp.SetValue(css(`input[name="at"]`), "2026-03-02T10:00"),
		chromedp.SendKeys(css(`input[name="applicant.name"]`), "Серік Омаров"),
		chromedp.SendKeys(css(`input[name="child.name"]`), "Омарова Айша"),
		chromedp.SendKeys(css(`input[name="child.iin"]`), bad),
		chromedp.SetValue(css(`select[name="candidate.grade"]`), "7"),
		chromedp.SendKeys(css(`input[name="candidate.email"]`), "aisha@example.kz"),
		chromedp.Click(css(`[data-testid="doc-application"]`)),
		chromedp.Click(css(`[data-testid="doc-birth_certificate"]`)),
		chromedp.Click(css(`[data-testid="doc-school_certificate"]`)),
		chromedp.Click(css(`[data-testid="doc-photos"]`)),
		chromedp.Click(css(`[data-testid="submit"]`)),
		chromedp.WaitVisible(css(`#override`)),
	)
	if errText := browsertest.Text(t, ctx, `[data-testid="error"]`); !strings.Contains(errText, "check digit") {
		t.Errorf("error shown: %q", errText)
	}
	run(t, ctx, "give the reason",
		chromedp.SendKeys(css(`input[name="candidate.iin_override"]`), "туу туралы куәлікте осылай жазылған"),
		chromedp.Click(css(`[data-testid="submit"]`)),
		chromedp.WaitVisible(css(`[data-testid="outcome"]`)),
	)
	if number := browsertest.Text(t, ctx, `[data-testid="number"]`); number != "CON-2026-00001" {
		t.Errorf("contest registration number %q", number)
	}
	cs, err := e.Store.Candidates(context.Background(), "C1", "S1")
	if err != nil || len(cs) != 1 || cs[0].IIN != bad || cs[0].Name != "Омарова Айша" {
		t.Errorf("candidate base after the page's registration: %+v %v", cs, err)
	}
}
