package i18ntest_test

import (
	"slices"
	"testing"

	"tarazy/i18n/i18ntest"
)

func TestLatinWords(t *testing.T) {
	page := `<html><head><title>Тексеру · таразы</title><script>var x = "review";</script></head>
<body><h1>Парақ <span translate="no">img-3fa9</span></h1><p>ЖСН, IIN, QR-код, A–E, Enter</p>
<img alt="crop of q3"><button value="ok">Жіберу</button><p>unclear mark on B</p></body></html>`
	got := i18ntest.LatinWords(i18ntest.HTMLText(page))
	want := []string{"crop", "of", "q3", "ok", "unclear", "mark", "on"}
	if !slices.Equal(got, want) {
		t.Fatalf("got %q, want %q", got, want)
	}
}
