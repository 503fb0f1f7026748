package intake

import (
	"encoding/json"
	"fmt"
	"strings"
)

// Message is something the desk tells a person — a warning on an application, a
// refusal of a request — in Kazakh and Russian, with a code a program can branch on.
type Message struct {
	Code string `json:"code"`
	KK   string `json:"kk"`
	RU   string `json:"ru"`
}

// In is the message in one language ("kk" or "ru").
func (m Message) In(lang string) string { return Text{m.KK, m.RU}.In(lang) }

// String is both languages, Kazakh first, for the command line and logs.
func (m Message) String() string {
	if m.KK == m.RU {
		return m.KK
	}
	return m.KK + " / " + m.RU
}

// UnmarshalJSON also reads the plain-text warnings stored before warnings had two
// languages, so older records stay readable.
func (m *Message) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		*m = Message{Code: "note", KK: s, RU: s}
		return nil
	}
	type plain Message
	return json.Unmarshal(b, (*plain)(m))
}

// msg fills a Message's two texts with the same arguments (indexed verbs such as
// %[2]d let the languages order them differently).
func msg(code string, t Text, args ...any) Message {
	return Message{Code: code, KK: fmt.Sprintf(t.KK, args...), RU: fmt.Sprintf(t.RU, args...)}
}

// MessageError is an error whose message a person at the desk reads, in Kazakh and
// Russian; Err is what a caller branches on (ErrInvalid, ErrFrozen…).
type MessageError struct {
	Message
	Err error
}

func (e *MessageError) Error() string { return e.Message.String() }
func (e *MessageError) Unwrap() error { return e.Err }

func sayErr(err error, code string, t Text, args ...any) error {
	return &MessageError{Message: msg(code, t, args...), Err: err}
}

// ProvisionalMessage says that a term rests on years whose calendar is provisional,
// and why: the movable holiday's date and the transfer order are not entered yet.
func ProvisionalMessage(ps []Provisional) Message {
	if len(ps) == 0 {
		return Message{}
	}
	years := make([]string, len(ps))
	movable := false
	for i, p := range ps {
		years[i] = fmt.Sprint(p.Year)
		movable = movable || len(p.Movable) > 0
	}
	y := strings.Join(years, ", ")
	kkYear, ruYear := y+" жылғы", "на "+y+" год"
	if len(ps) > 1 {
		kkYear, ruYear = y+" жылдардағы", "на "+y+" годы"
	}
	whatKK, whatRU := "демалыс күндерін ауыстыру туралы бұйрық", "приказ о переносе выходных дней ещё не внесён"
	if movable {
		whatKK, whatRU = "Құрбан айттың күні және "+whatKK, "дата Курбан айта и приказ о переносе выходных дней ещё не внесены"
	}
	return msg("calendar_provisional",
		Text{"Мерзім болжалды: %[1]s жұмыс күндерінің күнтізбесі әлі бекітілмеген (%[2]s әлі енгізілмеген), сондықтан мерзім өзгеруі мүмкін.",
			"Срок предварительный: производственный календарь %[3]s ещё не подтверждён (%[4]s), поэтому срок может измениться."},
		kkYear, whatKK, ruYear, whatRU)
}
