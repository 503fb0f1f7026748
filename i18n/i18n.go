// Package i18n is how tarazy speaks to people: every text a user reads has a message
// ID with a Kazakh, a Russian and an English version, kept as data in messages/*.json
// (one file per language, so a translator reviews one file). Numbers, plurals, dates
// and times follow the language's CLDR rules through golang.org/x/text/message:
// "12 974 кружка", "0,040", «2026 жылғы 19 сәуір», «19 апреля 2026 г.».
//
// Pages render in the reader's language (server/web picks it); documents in the
// language asked for; logs for operators stay English and do not come through here.
//
// A message is plain text when it has no placeholders. With placeholders it is a
// format string: %s for text, %d for a count (localized: 12 974), %[2]s to reorder, and
// %% for a literal percent sign. Serials, years and codes are passed as strings, never
// as %d, which would group their digits. A plural message picks its form (one, few,
// many, other — the language's CLDR categories) by its first argument.
package i18n

import (
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/text/language"
	"golang.org/x/text/message"
	"golang.org/x/text/message/catalog"
	"golang.org/x/text/number"
)

// The languages tarazy speaks. Kazakh is the state language and the default.
const (
	KK = "kk"
	RU = "ru"
	EN = "en"
)

// Languages lists them, the default first.
var Languages = []string{KK, RU, EN}

var tags = map[string]language.Tag{KK: language.Kazakh, RU: language.Russian, EN: language.English}

// Zone is Kazakhstan's single time zone, UTC+5 since 1 March 2024. It is fixed here,
// not loaded from the machine's tzdata: a server with tzdata older than 2024a would
// print Almaty times an hour late. Times before that date are shown in UTC+5 too; the
// contest's records all postdate it.
var Zone = time.FixedZone("UTC+5", 5*60*60)

// Match picks a supported language from a tag as browsers, LANG or --lang spell it
// ("ru", "ru-RU", "kk_KZ.UTF-8", "rus"); "" when none fits.
func Match(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	if i := strings.IndexAny(s, ".@"); i >= 0 {
		s = s[:i]
	}
	s = strings.ReplaceAll(s, "_", "-")
	if s == "" || s == "c" || s == "posix" {
		return ""
	}
	tag, err := language.Parse(s)
	if err != nil {
		return ""
	}
	base, _ := tag.Base()
	for _, l := range Languages {
		if b, _ := tags[l].Base(); b == base {
			return l
		}
	}
	return ""
}

// MatchOr is Match with a default for when nothing fits.
func MatchOr(s, def string) string {
	if l := Match(s); l != "" {
		return l
	}
	return def
}

// store is every message: the catalog x/text formats with, and the raw texts for
// plain messages and for the tests that compare languages.
type store struct {
	mu      sync.RWMutex
	builder *catalog.Builder
	texts   map[string]map[string]Message // lang → id → message
}

var messages = &store{builder: catalog.NewBuilder(catalog.Fallback(language.Kazakh)), texts: map[string]map[string]Message{}}

func init() {
	if err := loadEmbedded(); err != nil {
		panic("i18n: " + err.Error())
	}
}

// Message is one language's version of a message: Text, or plural Forms by CLDR
// category ("one", "few", "many", "other").
type Message struct {
	Text  string
	Forms map[string]string
}

// Add registers a message at run time, for texts that live with their package until
// they move into the catalog files. A different text for an existing ID is an error.
func Add(lang, id, text string) error {
	if _, ok := tags[lang]; !ok {
		return fmt.Errorf("i18n: unknown language %q", lang)
	}
	messages.mu.Lock()
	defer messages.mu.Unlock()
	if old, ok := messages.texts[lang][id]; ok {
		if old.Forms == nil && old.Text == text {
			return nil
		}
		return fmt.Errorf("i18n: message %s (%s) is already defined differently", id, lang)
	}
	return messages.set(lang, id, Message{Text: text})
}

// set needs messages.mu held.
func (s *store) set(lang, id string, m Message) error {
	tag := tags[lang]
	var err error
	if m.Forms != nil {
		var cases []any
		for _, c := range pluralOrder {
			if f, ok := m.Forms[c]; ok {
				cases = append(cases, c, f)
			}
		}
		err = s.builder.Set(tag, id, pluralSelect(cases))
	} else {
		err = s.builder.SetString(tag, id, m.Text)
	}
	if err != nil {
		return fmt.Errorf("i18n: message %s (%s): %w", id, lang, err)
	}
	if s.texts[lang] == nil {
		s.texts[lang] = map[string]Message{}
	}
	s.texts[lang][id] = m
	return nil
}

func lookup(lang, id string) (Message, bool) {
	messages.mu.RLock()
	defer messages.mu.RUnlock()
	m, ok := messages.texts[lang][id]
	return m, ok
}

// Has reports whether a message exists in a language.
func Has(lang, id string) bool {
	_, ok := lookup(lang, id)
	return ok
}

// IDs lists the message IDs of a language, for tests.
func IDs(lang string) []string {
	messages.mu.RLock()
	defer messages.mu.RUnlock()
	out := make([]string, 0, len(messages.texts[lang]))
	for id := range messages.texts[lang] {
		out = append(out, id)
	}
	return out
}

// Get returns a language's raw message, for tests that compare languages.
func Get(lang, id string) (Message, bool) { return lookup(lang, id) }

// Printer formats messages, numbers and dates in one language.
type Printer struct {
	lang string
	p    *message.Printer
}

var printers sync.Map // lang → *Printer

// For returns the printer of a language; an unknown language gets Kazakh.
func For(lang string) *Printer {
	if _, ok := tags[lang]; !ok {
		lang = KK
	}
	if p, ok := printers.Load(lang); ok {
		return p.(*Printer)
	}
	p := &Printer{lang: lang, p: message.NewPrinter(tags[lang], message.Catalog(messages.builder))}
	printers.Store(lang, p)
	return p
}

// Lang is the printer's language.
func (p *Printer) Lang() string { return p.lang }

// T is message id in the printer's language, formatted with args. A message missing
// in this language falls back to Russian, then Kazakh, and at last prints its ID, so a
// missing text is seen rather than silently blank (the catalog test forbids it).
func (p *Printer) T(id string, args ...any) string {
	lang := p.lang
	m, ok := lookup(lang, id)
	for _, fb := range []string{RU, KK} {
		if ok {
			break
		}
		lang = fb
		m, ok = lookup(lang, id)
	}
	if !ok {
		return id
	}
	if len(args) == 0 && m.Forms == nil {
		return m.Text
	}
	return For(lang).p.Sprintf(id, args...)
}

// T is For(lang).T(id, args...).
func T(lang, id string, args ...any) string { return For(lang).T(id, args...) }

// Number writes an integer with the language's digit grouping: 12 974 (kk, ru), 12,974 (en).
func (p *Printer) Number(n int) string { return p.p.Sprint(number.Decimal(n)) }

// Decimal writes x with exactly digits decimals: 0,040 (kk, ru), 0.040 (en).
func (p *Printer) Decimal(x float64, digits int) string {
	return p.p.Sprint(number.Decimal(x, number.MinFractionDigits(digits), number.MaxFractionDigits(digits)))
}

// Percent writes a share (0.4) as a whole percentage: 40 %.
func (p *Printer) Percent(share float64) string {
	return p.T("fmt.percent", p.Number(int(share*100+0.5)))
}

// Local is t in Kazakhstan's time zone.
func Local(t time.Time) time.Time { return t.In(Zone) }

// Date is the numeric date documents use, the same in every language: 19.04.2026.
func Date(t time.Time) string { return Local(t).Format("02.01.2006") }

// Date is Date(t).
func (p *Printer) Date(t time.Time) string { return Date(t) }

// LongDate is the written date: «2026 жылғы 19 сәуір», «19 апреля 2026 г.», "19 April 2026".
func (p *Printer) LongDate(t time.Time) string {
	t = Local(t)
	month := p.T("month." + strconv.Itoa(int(t.Month())))
	return p.T("fmt.longdate", strconv.Itoa(t.Day()), month, strconv.Itoa(t.Year()))
}

// Time is the time of day in Kazakhstan: 14:05.
func (p *Printer) Time(t time.Time) string { return Local(t).Format("15:04") }

// DateTime is date and time in Kazakhstan: 19.04.2026 14:05.
func (p *Printer) DateTime(t time.Time) string { return Local(t).Format("02.01.2006 15:04") }
