package results

import "fmt"

// Text is one message a person reads, in each language tarazy speaks.
type Text struct {
	KK string `json:"kk"`
	RU string `json:"ru"`
	EN string `json:"en"`
}

// In returns the message in a language (kk, ru, en; English otherwise).
func (t Text) In(lang string) string {
	switch lang {
	case "kk":
		return t.KK
	case "ru":
		return t.RU
	}
	return t.EN
}

// String is the message in all three languages, for an error a caller shows as it is.
func (t Text) String() string { return t.KK + " / " + t.RU + " / " + t.EN }

func textf(kk, ru, en string, args ...any) Text {
	return Text{KK: fmt.Sprintf(kk, args...), RU: fmt.Sprintf(ru, args...), EN: fmt.Sprintf(en, args...)}
}

// textl is textf with each language's own arguments: the first third of args for
// Kazakh, the second for Russian, the last for English (a field's name differs by
// language).
func textl(kk, ru, en string, args ...any) Text {
	n := len(args) / 3
	return Text{KK: fmt.Sprintf(kk, args[:n]...), RU: fmt.Sprintf(ru, args[n:2*n]...), EN: fmt.Sprintf(en, args[2*n:]...)}
}
