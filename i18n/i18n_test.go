package i18n_test

import (
	"os"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/feature/plural"
	"golang.org/x/text/language"

	"tarazy/i18n"
)

// verbs lists a message's placeholders as "argument:verb", so that "%[3]s жылғы %[1]s"
// and "%[1]s %[2]s %[3]s г." compare equal while "%s" against "%d" does not.
var verbRE = regexp.MustCompile(`%(?:\[(\d+)\])?[-+# 0]*\d*(?:\.\d+)?([a-zA-Z%])`)

func verbs(s string) []string {
	var out []string
	next := 1
	for _, m := range verbRE.FindAllStringSubmatch(s, -1) {
		if m[2] == "%" {
			continue
		}
		arg := next
		if m[1] != "" {
			arg, _ = strconv.Atoi(m[1])
		}
		next = arg + 1
		out = append(out, strconv.Itoa(arg)+":"+m[2])
	}
	sort.Strings(out)
	return out
}

func texts(m i18n.Message) []string {
	if m.Forms == nil {
		return []string{m.Text}
	}
	var out []string
	for _, f := range m.Forms {
		out = append(out, f)
	}
	return out
}

// The catalog files are complete: every ID in every language, the same placeholders
// everywhere, and plural forms only of the categories the language has.
func TestCatalogIsCompleteAndConsistent(t *testing.T) {
	all, err := i18n.Parse(os.DirFS("."))
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]bool{}
	for _, msgs := range all {
		for id := range msgs {
			ids[id] = true
		}
	}
	for id := range ids {
		var want []string
		wantFrom := ""
		for _, lang := range i18n.Languages {
			m, ok := all[lang][id]
			if !ok {
				t.Errorf("%s has no %s text", id, lang)
				continue
			}
			for _, text := range texts(m) {
				if strings.TrimSpace(text) == "" {
					t.Errorf("%s (%s) is empty", id, lang)
				}
				got := verbs(text)
				if wantFrom == "" {
					want, wantFrom = got, lang
				} else if !slices.Equal(got, want) {
					t.Errorf("%s: placeholders %v in %s but %v in %s (%q)", id, want, wantFrom, got, lang, text)
				}
			}
			for c := range m.Forms {
				if !categories(lang)[c] {
					t.Errorf("%s (%s): %q is not a plural category of this language", id, lang, c)
				}
			}
		}
	}
}

// categories are the CLDR cardinal categories a language uses, found by asking the
// rules about many numbers.
func categories(lang string) map[string]bool {
	names := map[plural.Form]string{plural.Other: "other", plural.Zero: "zero", plural.One: "one", plural.Two: "two", plural.Few: "few", plural.Many: "many"}
	out := map[string]bool{}
	out["other"] = true // required of every plural message (fractions use it in Russian)
	tag := language.MustParse(lang)
	for n := 0; n < 1000; n++ {
		out[names[plural.Cardinal.MatchPlural(tag, n, 0, 0, 0, 0)]] = true
	}
	return out
}

func TestPluralsNumbersAndDates(t *testing.T) {
	kk, ru, en := i18n.For("kk"), i18n.For("ru"), i18n.For("en")
	nb := "\u00a0" // CLDR groups kk and ru digits with a no-break space
	for _, tt := range []struct{ got, want string }{
		{ru.T("review.fields", 1), "1 поле"},
		{ru.T("review.fields", 2), "2 поля"},
		{ru.T("review.fields", 5), "5 полей"},
		{ru.T("review.fields", 21), "21 поле"},
		{ru.T("review.fields", 12974), "12" + nb + "974 поля"},
		{kk.T("review.fields", 5), "5 өріс"},
		{en.T("review.fields", 1), "1 field"},
		{en.T("review.fields", 2), "2 fields"},
		{ru.Number(12974), "12" + nb + "974"},
		{kk.Number(12974), "12" + nb + "974"},
		{en.Number(12974), "12,974"},
		{ru.Decimal(0.04, 3), "0,040"},
		{kk.Decimal(0.04, 3), "0,040"},
		{en.Decimal(0.04, 3), "0.040"},
		{kk.Percent(0.4), "40 %"},
	} {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
	// 20:30 UTC on 18 April is already 19 April in Kazakhstan.
	at := time.Date(2026, 4, 18, 20, 30, 0, 0, time.UTC)
	for _, tt := range []struct{ got, want string }{
		{kk.Date(at), "19.04.2026"},
		{kk.LongDate(at), "2026 жылғы 19 сәуір"},
		{ru.LongDate(at), "19 апреля 2026 г."},
		{en.LongDate(at), "19 April 2026"},
		{ru.Time(at), "01:30"},
		{kk.DateTime(at), "19.04.2026 01:30"},
	} {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
}

func TestMissingMessagesAreVisible(t *testing.T) {
	if got := i18n.T("ru", "no.such.message"); got != "no.such.message" {
		t.Errorf("a missing message printed %q, not its ID", got)
	}
	if err := i18n.Add("kk", "test.added", "қосылды"); err != nil {
		t.Fatal(err)
	}
	if err := i18n.Add("kk", "test.added", "басқа"); err == nil {
		t.Error("a second, different text for one ID was accepted")
	}
	// Russian falls back to … nothing here, so Kazakh is shown rather than the ID.
	if got := i18n.T("ru", "test.added"); got != "қосылды" {
		t.Errorf("fallback gave %q", got)
	}
	if got := i18n.T("kk", "app.name"); got != "таразы" {
		t.Errorf("app.name = %q", got)
	}
}

func TestMatch(t *testing.T) {
	for in, want := range map[string]string{"ru": "ru", "ru_RU.UTF-8": "ru", "kk-KZ": "kk", "kk_KZ.UTF-8@x": "kk", "en_US": "en", "C": "", "": "", "de": "", "rus": "ru", "kaz": "kk"} {
		if got := i18n.Match(in); got != want {
			t.Errorf("Match(%q) = %q, want %q", in, got, want)
		}
	}
}
