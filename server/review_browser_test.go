package server_test

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"

	"tarazy/i18n/i18ntest"
	"tarazy/omr/reading"
	"tarazy/review"
	"tarazy/server/internal/browsertest"
	"tarazy/store"
	"tarazy/store/storetest"
)

// pngOf draws a small image for a crop or a page: real PNG bytes, so that the server
// can decode and enlarge them and the page can show them.
func pngOf(w, h int, seed byte) []byte {
	img := image.NewGray(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			v := byte(250)
			if (x/7+y/7+int(seed))%5 == 0 {
				v = 40
			}
			img.SetGray(x, y, color.Gray{Y: v})
		}
	}
	var b bytes.Buffer
	png.Encode(&b, img)
	return b.Bytes()
}

// ingestPNG stores a page with PNG image and crops.
func (e *env) ingestPNG(t *testing.T, batch string, it store.IngestItem, crops map[string][]byte, seed byte) store.IngestItem {
	t.Helper()
	img := pngOf(420, 594, seed)
	it.Image = hash(img)
	if _, err := e.Blobs.PutExpect(bytes.NewReader(img), 0, it.Image); err != nil {
		t.Fatal(err)
	}
	it.Crops = map[string]string{}
	for f, b := range crops {
		it.Crops[f] = hash(b)
		e.Blobs.PutExpect(bytes.NewReader(b), 0, hash(b))
	}
	if _, err := e.Store.Ingest(context.Background(), store.System, "C1", "S1", store.Batch{Name: batch, Operator: "Айгерім", Scanner: "fi-7160"}, []store.IngestItem{it}); err != nil {
		t.Fatal(err)
	}
	return it
}

// key sends one key as a keyboard with a layout produces it: the physical key (code)
// and the character the layout gives (key), e.g. KeyC and "с" in the Russian layout.
func key(code, char string, shift bool) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		var mods int64
		if shift {
			mods = 8
		}
		down := input.DispatchKeyEventParams{Type: input.DispatchKeyEventTypeKeyDown, Code: code, Key: char, Modifiers: mods}
		if len([]rune(char)) == 1 {
			down.Text = char
		}
		if char == "Enter" {
			down.Text, down.WindowsVirtualKeyCode = "\r", 13
		}
		if _, err := cdp.Call(ctx, t, input.DispatchKeyEvent, down); err != nil {
			return err
		}
		_, err := cdp.Call(ctx, t, input.DispatchKeyEvent, input.DispatchKeyEventParams{Type: input.DispatchKeyEventTypeKeyUp, Code: code, Key: char, Modifiers: mods})
		return err
	})
}

func enter() chromedp.Action[chromedp.Void] { return key("Enter", "Enter", false) }

func eval[T any](t *testing.T, ctx context.Context, js string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js))
	if err != nil {
		t.Fatalf("%s: %v", js, err)
	}
	return v
}

func text(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	return browsertest.Text(t, ctx, sel)
}

func html(t *testing.T, ctx context.Context) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.OuterHTML(chromedp.CSS("html")))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func waitText(t *testing.T, ctx context.Context, sel, want string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		got := text(t, ctx, sel)
		if strings.Contains(got, want) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s says %q, want %q", sel, got, want)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func questionSheet(t *testing.T, e *env, serial string, n int) {
	t.Helper()
	rd := storetest.Reading(serial, n)
	rd.Status, rd.Review = reading.StatusReview, []string{"q3"}
	rd.Answers[2] = "B"
	it := store.IngestItem{Reading: rd, Confidence: map[string]float64{"q3": 0.4},
		Reasons: map[string]string{"q3": "unclear mark on B: a light mark, a partial erasure or a smudge"}}
	e.ingestPNG(t, "hall 2", it, map[string][]byte{"q3": pngOf(180, 24, 1)}, byte(n))
}

// Issue 14, items 1–2 and 4: with the Russian and then the Kazakh layout active, the
// physical keys give the right letters; a letter replaces; a second letter needs
// Shift and shows a warning; a meaningless key says so; a keyed field leaves "waiting
// for me" and the counters follow.
func TestBrowserReviewKeysInBothLayouts(t *testing.T) {
	browser := browsertest.New(t, 150*time.Second)
	e := startEnv(t, "sqlite", nil)
	questionSheet(t, e, "000101", 7)
	queue := "/ui/contests/C1/schools/S1/review"
	item := `[data-testid="item-000101-q3"]`

	ru := browsertest.Workstation(t, browser)
	signIn(t, ru, e, "aigerim", queue+"?lang=ru")
	waitText(t, ru, `[data-testid="sheet-header"]`, "пакет")
	for _, want := range []string{"hall 2", "000101.png", "5 класс", "стр. 1"} {
		if h := text(t, ru, `[data-testid="sheet-header"]`); !strings.Contains(h, want) {
			t.Errorf("sheet header %q lacks %q", h, want)
		}
	}
	if got := text(t, ru, item+` [data-testid="value"]`); got != "B" {
		t.Fatalf("the page starts from the machine's value; got %q", got)
	}
	steps := []struct {
		code, char string
		shift      bool
		want       string
	}{
		{"KeyC", "с", false, "C"}, // Russian layout: the key labelled C gives "с"
		{"KeyD", "в", false, "D"}, // a letter replaces: not "CD"
		{"KeyE", "У", true, "DE"}, // Shift adds a second letter
		{"KeyE", "У", true, "D"},  // and takes it away
		{"KeyA", "ф", false, "A"}, // "ф" is A's key
		{"KeyB", "и", false, "B"}, // back to the machine's value
		{"KeyC", "с", false, "C"}, // the correction
		{"KeyX", "ч", false, "C"}, // means nothing here
	}
	for _, s := range steps {
		if err := chromedp.Do(ru, key(s.code, s.char, s.shift)); err != nil {
			t.Fatal(err)
		}
		if got := text(t, ru, item+` [data-testid="value"]`); got != s.want {
			t.Fatalf("after %s (%q, shift %v) the value is %q, want %q", s.code, s.char, s.shift, got, s.want)
		}
		if s.want == "DE" {
			if eval[bool](t, ru, `document.querySelector('`+item+` [data-testid="multi-warning"]').hidden`) {
				t.Error("a multi-mark shows no warning")
			}
		}
	}
	waitText(t, ru, `[data-testid="keymsg"]`, "ничего не значит")
	i18ntest.NoLatin(t, "the review screen in Russian, in use", html(t, ru))
	if os.Getenv("TARAZY_SCREENSHOT") != "" {
		if png, err := chromedp.Run(ru, chromedp.FullScreenshot(100)); err == nil {
			os.WriteFile(os.Getenv("TARAZY_SCREENSHOT"), png, 0o644)
		}
	}
	if err := chromedp.Do(ru, enter()); err != nil {
		t.Fatal(err)
	}
	waitText(t, ru, item+` [data-testid="waiting"]`, "второго")
	waitText(t, ru, `[data-testid="count-others"]`, "1")
	waitText(t, ru, `[data-testid="count-mine"]`, "0")
	if sh, _ := e.Store.Sheet(context.Background(), "C1", "S1", "000101"); sh.State != "review" {
		t.Fatalf("one reviewer's correction made the sheet %s", sh.State)
	}
	// The field I keyed does not come back to me.
	if err := chromedp.Do(ru, chromedp.Navigate(e.URL+queue), chromedp.WaitVisible(`[data-testid="empty"]`)); err != nil {
		t.Fatal(err)
	}

	kk := browsertest.Workstation(t, browser)
	signIn(t, kk, e, "bolat", queue+"?lang=kk")
	waitText(t, kk, `[data-testid="sheet-header"]`, "топтама")
	for _, s := range []struct{ code, char, want string }{
		{"Digit2", "ә", "B"}, // Kazakh layout: the digit row gives letters; 2 means nothing on a question
		{"KeyC", "с", "C"},
	} {
		if err := chromedp.Do(kk, key(s.code, s.char, false)); err != nil {
			t.Fatal(err)
		}
		if got := text(t, kk, item+` [data-testid="value"]`); got != s.want {
			t.Fatalf("after %s (%q) the value is %q, want %q", s.code, s.char, got, s.want)
		}
		if s.code == "Digit2" {
			waitText(t, kk, `[data-testid="keymsg"]`, "ештеңе білдірмейді")
		}
	}
	i18ntest.NoLatin(t, "the review screen in Kazakh, in use", html(t, kk))
	if err := chromedp.Do(kk, enter(), chromedp.WaitVisible(item+`[data-state="final"]`)); err != nil {
		t.Fatal(err)
	}
	if got := text(t, kk, item+` [data-testid="state"]`); got != "түпкілікті" {
		t.Errorf("state label = %q", got)
	}
	sh, _ := e.Store.Sheet(context.Background(), "C1", "S1", "000101")
	if sh.State != "final" || sh.Reading.Answers[2] != "C" {
		t.Fatalf("after two agreeing reviewers: %s, q3 %q", sh.State, sh.Reading.Answers[2])
	}
}

// Issue 14, item 3: a rescan conflict shows both scans' crops, nothing is chosen and
// Enter waits; the chair chooses between the reviewers' values with nothing chosen.
func TestBrowserNoDefaultDecides(t *testing.T) {
	browser := browsertest.New(t, 150*time.Second)
	e := startEnv(t, "sqlite", nil)
	rd := storetest.Reading("000201", 3)
	first := rd.Answers[4]
	e.ingestPNG(t, "hall 1", store.IngestItem{Reading: rd}, map[string][]byte{"q5": pngOf(180, 24, 2)}, 1)
	rd2 := storetest.Reading("000201", 3)
	rd2.Answers[4] = ""
	e.ingestPNG(t, "hall 2", store.IngestItem{Reading: rd2}, map[string][]byte{"q5": pngOf(180, 24, 3)}, 2)
	queue := "/ui/contests/C1/schools/S1/review"
	item := `[data-testid="item-000201-q5"]`

	for _, lang := range []string{"ru", "kk"} {
		ws := browsertest.Workstation(t, browser)
		who := map[string]string{"ru": "aigerim", "kk": "bolat"}[lang]
		signIn(t, ws, e, who, queue+"?lang="+lang)
		if err := chromedp.Do(ws, chromedp.WaitVisible(item+` img.crop`)); err != nil {
			t.Fatal(err)
		}
		crops := eval[int](t, ws, `document.querySelectorAll('`+item+` img.crop').length`)
		choices := eval[int](t, ws, `document.querySelectorAll('`+item+` [data-testid="choice"]').length`)
		disabled := eval[bool](t, ws, `document.querySelector('`+item+` [data-testid="submit"]').disabled`)
		if crops != 2 || choices != 2 || !disabled {
			t.Fatalf("%s: %d crops, %d choices, submit disabled %v; want both scans side by side and nothing chosen", lang, crops, choices, disabled)
		}
		// Two Enters settled "B vs blank" as blank before: now they settle nothing.
		if err := chromedp.Do(ws, enter(), enter()); err != nil {
			t.Fatal(err)
		}
		waitText(t, ws, `[data-testid="keymsg"]`, map[string]string{"ru": "Сначала выберите", "kk": "Алдымен мәнді таңдаңыз"}[lang])
		i18ntest.NoLatin(t, "the conflict in "+lang, html(t, ws))
		// Each keys a different value: a dispute.
		pick := map[string]string{"ru": first, "kk": "blank"}[lang]
		if err := chromedp.Do(ws, chromedp.Click(item+` [data-testid="choice"][data-key="`+pick+`"]`), enter(),
			chromedp.WaitVisible(item+`.elsewhere`)); err != nil {
			t.Fatal(err)
		}
	}
	if sh, _ := e.Store.Sheet(context.Background(), "C1", "S1", "000201"); sh.State != "review" {
		t.Fatalf("a disagreement settled the sheet: %s", sh.State)
	}
	chair := browsertest.Workstation(t, browser)
	signIn(t, chair, e, "chair", queue+"?tab=chair&lang=ru")
	if err := chromedp.Do(chair, chromedp.WaitVisible(item+` [data-testid="choice"]`)); err != nil {
		t.Fatal(err)
	}
	if got := text(t, chair, item+` [data-testid="value"]`); got != "Значение не выбрано" {
		t.Fatalf("the chair's view preselects %q", got)
	}
	if n := eval[int](t, chair, `document.querySelectorAll('`+item+` [data-testid="choice"]').length`); n != 2 {
		t.Fatalf("the chair sees %d choices, want the two reviewers' values", n)
	}
	if err := chromedp.Do(chair, enter()); err != nil {
		t.Fatal(err)
	}
	if sh, _ := e.Store.Sheet(context.Background(), "C1", "S1", "000201"); sh.State != "review" {
		t.Fatal("Enter settled a dispute with nothing chosen")
	}
	if err := chromedp.Do(chair, chromedp.Click(item+` [data-testid="choice"][data-key="`+first+`"]`), enter(),
		chromedp.WaitVisible(item+`[data-state="final"]`)); err != nil {
		t.Fatal(err)
	}
	if sh, _ := e.Store.Sheet(context.Background(), "C1", "S1", "000201"); sh.State != "final" || sh.Reading.Answers[4] != first {
		t.Fatalf("chair's decision: %s, q5 %q", sh.State, sh.Reading.Answers[4])
	}
}

// Issue 14, item 3: the IIN is one field, typed with the Kazakh layout's digit row,
// checked as it is typed; an invalid one cannot be sent; a registered candidate one
// digit away is offered. And a whole page (issue 9) is confirmed in one look.
func TestBrowserIINAndPage(t *testing.T) {
	browser := browsertest.New(t, 150*time.Second)
	e := startEnv(t, "sqlite", nil)
	good := storetest.IIN(4)
	bad := good[:11] + string('0'+(good[11]-'0'+1)%10)
	if err := e.Store.PutCandidates(context.Background(), store.System, "C1", []store.Candidate{{IIN: good, School: "S1", Grade: 5, Name: "Сейітов Әлихан"}}); err != nil {
		t.Fatal(err)
	}
	rd := storetest.Reading("000301", 4)
	rd.Status, rd.IIN, rd.Review = reading.StatusReview, bad, []string{"iin12"}
	crops := map[string][]byte{}
	for i := 1; i <= 12; i++ {
		crops[fmt.Sprintf("iin%d", i)] = pngOf(14, 60, byte(i))
	}
	e.ingestPNG(t, "hall 3", store.IngestItem{Reading: rd, Reasons: map[string]string{"iin12": "the filled-in IIN " + bad + " is not valid (check digit): compare the bubbles with the digits written above them"}}, crops, 5)
	pg := storetest.Reading("000302", 6)
	pg.Status, pg.Review = reading.StatusReview, []string{"page"}
	pg.Align = &reading.Alignment{Width: 420, Height: 594, H: [9]float64{2, 0, 0, 0, 2, 0, 0, 0, 1}}
	e.Server.SetSheetLayout(func(string) (review.Layout, error) {
		return review.Layout{"q1": {X: 20, Y: 100, W: 40, H: 5, Bubbles: []review.Bubble{{Value: "A", X: 30, Y: 102, R: 2}, {Value: "B", X: 36, Y: 102, R: 2}}}}, nil
	})
	e.ingestPNG(t, "hall 3", store.IngestItem{Reading: pg}, nil, 6)
	queue := "/ui/contests/C1/schools/S1/review"
	item := `[data-testid="item-000301-iin"]`

	ws := browsertest.Workstation(t, browser)
	signIn(t, ws, e, "aigerim", queue+"?lang=kk")
	if err := chromedp.Do(ws, chromedp.WaitVisible(item+` [data-testid="iin-input"]`)); err != nil {
		t.Fatal(err)
	}
	waitText(t, ws, item+` [data-testid="iin-check"]`, "Бақылау цифры сәйкес келмейді")
	if !eval[bool](t, ws, `document.querySelector('`+item+` [data-testid="submit"]').disabled`) {
		t.Fatal("an invalid IIN can be sent")
	}
	if got := text(t, ws, item+` [data-testid="suggest-`+good+`"]`); !strings.Contains(got, "Сейітов") {
		t.Errorf("the registered candidate one digit away is not offered: %q", got)
	}
	// Type the IIN anew with the Kazakh layout: its digit row gives ә, і, ң, ғ, ү, ұ, қ.
	kkDigits := map[byte]string{'0': "қ", '1': "1", '2': "ә", '3': "і", '4': "ң", '5': "ғ", '6': ",", '7': ".", '8': "ү", '9': "ұ"}
	acts := []chromedp.Action[chromedp.Void]{chromedp.SetValue(chromedp.CSS(item+` [data-testid="iin-input"]`), ""), chromedp.Focus(chromedp.CSS(item + ` [data-testid="iin-input"]`))}
	for i := 0; i < 12; i++ {
		acts = append(acts, key("Digit"+good[i:i+1], kkDigits[good[i]], false))
	}
	if err := chromedp.Do(ws, acts...); err != nil {
		t.Fatal(err)
	}
	typed, _ := chromedp.Run(ws, chromedp.Value(chromedp.CSS(item+` [data-testid="iin-input"]`)))
	if typed != good {
		t.Fatalf("typed with the Kazakh layout: %q, want %q", typed, good)
	}
	waitText(t, ws, item+` [data-testid="iin-check"]`, "Бақылау цифры дұрыс")
	i18ntest.NoLatin(t, "the IIN field in Kazakh", html(t, ws))
	if err := chromedp.Do(ws, enter(), chromedp.WaitVisible(item+`.elsewhere`)); err != nil {
		t.Fatal(err)
	}
	// The whole page: the reading drawn over the page, confirmed in one look.
	page := `[data-testid="item-000302-page"]`
	if err := chromedp.Do(ws, chromedp.Click(`[data-testid="sheet-000302"] [data-testid="openpage"]`),
		chromedp.WaitVisible(`[data-testid="pageview"] svg image`)); err != nil {
		t.Fatal(err)
	}
	if eval[int](t, ws, `document.querySelectorAll('#pageview svg .mark, #pageview svg .val').length`) == 0 {
		t.Error("the page view draws no reading over the page")
	}
	if err := chromedp.Do(ws, key("KeyZ", "я", false)); err != nil {
		t.Fatal(err)
	}
	if eval[bool](t, ws, `document.getElementById("pageview").open`) {
		t.Fatal("Z did not close the page view")
	}
	if err := chromedp.Do(ws, chromedp.Click(page+` [data-testid="confirm-page"]`)); err != nil {
		t.Fatal(err)
	}
	if v := eval[string](t, ws, `document.querySelector('`+page+`').dataset.value + " " + document.activeElement.dataset.testid`); v != "ok item-000302-page" {
		t.Fatalf("after confirming the page: %q", v)
	}
	if err := chromedp.Do(ws, enter(), chromedp.WaitVisible(page+`[data-state="final"]`)); err != nil {
		t.Fatal(err)
	}
	if sh, _ := e.Store.Sheet(context.Background(), "C1", "S1", "000302"); sh.State != "final" {
		t.Fatalf("confirmed page: %s", sh.State)
	}
}
