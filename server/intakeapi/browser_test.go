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

	// An applicant IIN of five digits is refused at the field, and nothing is sent.
	run(t, ctx, "a five-digit applicant IIN",
		chromedp.WaitVisible(css(`[data-testid="checklist"]`)),
		ready(),
		chromedp.SendKeys(css(`input[name="applicant.name"]`), "Нұрлан Әбдіқадыров"),
		chromedp.SendKeys(css(`[data-testid="applicant-iin"]`), "12345"),
		chromedp.Click(css(`[data-testid="submit"]`)),
		chromedp.WaitVisible(css(`[data-testid="applicant-iin-error"]`)),
	)
	if msg := browsertest.Text(t, ctx, `[data-testid="applicant-iin-error"]`); !strings.Contains(msg, "12 цифр") {
		t.Errorf("inline IIN error %q", msg)
	}
	if list := e.must(t, 200, "Гүлнар", "GET", base+"/applications", "", nil); strings.Contains(list, "ADM-") {
		t.Fatalf("an application was sent with the IIN 12345: %s", list)
	}
	run(t, ctx, "form again", chromedp.Navigate(e.URL+ui+"/new?service=school-admission"))

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
	// First grade (§9-4, §9-6): the receipt says the child is admitted from 1 September.
	if !strings.Contains(outcome, "тіркелді") || !strings.Contains(receiptText, "№ ADM-2026-00002") || !strings.Contains(receiptText, "2026-09-01 күнінен бастап") {
		t.Fatalf("receipt page: %q\n%s", outcome, receiptText)
	}
	if status, pdf, _ := e.call(t, "Гүлнар", "GET", pdfURL, ""); status != 200 || !strings.HasPrefix(pdf, "%PDF") {
		t.Errorf("the page's PDF link %s: %d", pdfURL, status)
	}

	// The first-grade order comes after 25 August (§9-6): issuing it on 14 April is
	// refused with the reason, and the application stays as it was.
	run(t, ctx, "issue it in April",
		ready(),
		chromedp.SetValue(css(`#intake-status select[name="to"]`), "issued"),
		chromedp.SendKeys(css(`#intake-status input[name="result"]`), "бұйрық № 7"),
		chromedp.Click(css(`[data-testid="change"]`)),
		chromedp.WaitVisible(css(`[data-testid="error"]:not(:empty)`)),
	)
	if msg := browsertest.Text(t, ctx, `[data-testid="error"]`); !strings.Contains(msg, "9-6-тармағы") || !strings.Contains(msg, "2026-08-26") {
		t.Errorf("issuing in April: %q", msg)
	}
	if status := browsertest.Text(t, ctx, `[data-testid="status"]`); status != "тіркелді" {
		t.Errorf("status after the refused change: %q", status)
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

	// §19: a late registration waits for the staff's decision; the page asks for it.
	run(t, ctx, "late contest registration",
		chromedp.Navigate(e.URL+ui+"/new?service=contest-registration&lang=ru"),
		chromedp.WaitVisible(css(`[data-testid="checklist"]`)),
		ready(),
		chromedp.SetValue(css(`input[name="at"]`), "2026-04-03T10:00"),
		chromedp.SendKeys(css(`input[name="applicant.name"]`), "Серік Омаров"),
		chromedp.SendKeys(css(`input[name="child.name"]`), "Омаров Ерлан"),
		chromedp.SendKeys(css(`input[name="child.iin"]`), storetest.IIN(5)),
		chromedp.SetValue(css(`select[name="candidate.grade"]`), "7"),
		chromedp.SendKeys(css(`input[name="candidate.email"]`), "erlan@example.kz"),
		chromedp.Click(css(`[data-testid="doc-application"]`)),
		chromedp.Click(css(`[data-testid="doc-birth_certificate"]`)),
		chromedp.Click(css(`[data-testid="doc-school_certificate"]`)),
		chromedp.Click(css(`[data-testid="doc-photos"]`)),
		chromedp.Click(css(`[data-testid="submit"]`)),
		chromedp.WaitVisible(css(`[data-testid="decision"]`)),
	)
	if errText := browsertest.Text(t, ctx, `[data-testid="error"]`); !strings.Contains(errText, "пункту 19") {
		t.Errorf("error shown for a late registration: %q", errText)
	}
	// hidden must hide: the page's CSS sets display on labels (issue 14).
	if shown, err := chromedp.Run(ctx, chromedp.Evaluate[string](`getComputedStyle(document.getElementById("override")).display`)); err != nil || shown != "none" {
		t.Errorf("the IIN override box shows for a late registration: display %q, %v", shown, err)
	}
	run(t, ctx, "refuse it with the reason",
		chromedp.Click(css(`[data-testid="decision-refuse"]`)),
		chromedp.SendKeys(css(`[data-testid="decision-reason"]`), "опоздание без уважительной причины"),
		chromedp.Click(css(`[data-testid="submit"]`)),
		chromedp.WaitVisible(css(`[data-testid="outcome"]`)),
	)
	if receiptText := browsertest.Text(t, ctx, `[data-testid="receipt"]`); !strings.Contains(receiptText, "пункт 19 Типовых правил") || !strings.Contains(receiptText, "опоздание без уважительной причины") {
		t.Errorf("refusal receipt of the late registration:\n%s", receiptText)
	}
}
