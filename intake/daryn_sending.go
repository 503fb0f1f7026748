package intake

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// DarynSending records that the school's candidate base went to the Daryn centre:
// §20, "Құжаттарды қабылдау аяқталғаннан кейін 3 сәуірге дейін әрбір мамандандырылған
// білім беру ұйымының жауапты тұлғасы ... үміткерлердің электрондық базасын "Дарын"
// орталығына ... тапсырады" — after acceptance closes and by 3 April (the dates come
// from the season data).
type DarynSending struct {
	Seq        int       `json:"seq"`     // 1, 2… per school and contest
	Contest    string    `json:"contest"` // the contest whose base it is
	Year       int       `json:"year"`
	SentAt     time.Time `json:"sent_at"`            // when it was sent, as the staff says
	Candidates int       `json:"candidates"`         // rows of the base sent
	SHA256     string    `json:"sha256,omitempty"`   // of candidates.csv as exported then
	Note       string    `json:"note,omitempty"`     // how it went (portal, e-mail…)
	Staff      string    `json:"staff"`              // who recorded it
	RecordedAt time.Time `json:"recorded_at"`        // when it was recorded
	Warnings   []Message `json:"warnings,omitempty"` // sent before acceptance closed, or late
	Window     *Span     `json:"window,omitempty"`   // acceptance that had to close first (§16)
	By         Date      `json:"by"`                 // the last day of §20
	Rule       string    `json:"rule,omitempty"`     // "§20"
}

// Subject is the sending's name in the audit log.
func (s *DarynSending) Subject() string { return fmt.Sprintf("DRN-%s-%d", s.Contest, s.Seq) }

// DarynSendingInput is a sending as staff report it.
type DarynSendingInput struct {
	Contest    string
	Year       int // the contest's year
	SentAt     time.Time
	Candidates int
	SHA256     string
	Note       string
	Staff      string
}

// RecordDarynSending records that the base went to the Daryn centre, with a warning
// (kk/ru) when it went before acceptance closed — the office's closing time on the
// last day of the §16 window — or after the §20 day. Neither is refused: the sending
// happened, and the record says what the rules expected.
func (d *Desk) RecordDarynSending(ctx context.Context, in DarynSendingInput) (*DarynSending, error) {
	switch {
	case strings.TrimSpace(in.Staff) == "":
		return nil, invalidf("say who records the sending (staff)")
	case strings.TrimSpace(in.Contest) == "" || in.Year == 0:
		return nil, invalidf("say which contest's base was sent")
	case in.SentAt.IsZero():
		return nil, invalidf("say when the base was sent")
	case in.Candidates < 0:
		return nil, invalidf("the number of candidates sent cannot be negative")
	}
	loc := d.Catalogue.Location()
	now := d.now()
	sentAt := in.SentAt.In(loc)
	if sentAt.After(now.Add(time.Minute)) {
		return nil, sayErr(ErrInvalid, "sent_in_future",
			Text{"Жіберу уақыты (%s) әлі келген жоқ: базаны жібергеннен кейін жазыңыз.",
				"Время отправки (%s) ещё не наступило: отметьте отправку после того, как база отправлена."}, d.clock(sentAt))
	}
	se, err := d.Season(in.Year)
	if err != nil {
		return nil, err
	}
	svc, err := d.Catalogue.ContestService()
	if err != nil {
		return nil, err
	}
	r := se.Registration
	s := &DarynSending{Contest: in.Contest, Year: in.Year, SentAt: sentAt, Candidates: in.Candidates, SHA256: in.SHA256,
		Note: strings.TrimSpace(in.Note), Staff: in.Staff, RecordedAt: now,
		Window: &Span{From: Date(r.From), To: Date(r.To), Rule: r.Rule}, By: Date(se.DarynBase.By), Rule: se.DarynBase.Rule}
	closes := s.Window.To.At(d.Catalogue.HoursFor(svc).Close, loc)
	if sentAt.Before(closes) {
		s.Warnings = append(s.Warnings, msg("daryn_sent_before_close",
			Text{"База құжаттарды қабылдау аяқталғанға дейін (%s) жіберілді: Үлгілік қағидалардың 20-тармағы бойынша ол қабылдау аяқталғаннан кейін тапсырылады, кейін тіркелген үміткерлер онда жоқ. Қабылдау аяқталған соң базаны қайта жіберіңіз.",
				"База отправлена до окончания приёма документов (%s): по пункту 20 Типовых правил она передаётся после окончания приёма, и претенденты, зарегистрированные позже, в неё не вошли. Отправьте базу заново после окончания приёма."},
			d.clock(closes)))
	}
	if DateOf(sentAt).After(s.By) {
		s.Warnings = append(s.Warnings, msg("daryn_sent_late",
			Text{"База %s жіберілді, ал Үлгілік қағидалардың 20-тармағы бойынша оны %s күніне дейін тапсыру керек еді.",
				"База отправлена %s, а по пункту 20 Типовых правил её нужно было передать до %s включительно."}, d.clock(sentAt), s.By))
	}
	var ws []string
	for _, w := range s.Warnings {
		ws = append(ws, w.Code)
	}
	e := AuditEntry{At: now, Staff: in.Staff, Action: "daryn_sent",
		Detail: fmt.Sprintf("base of %s sent %s: %d candidates, candidates.csv sha256 %s; %s %s", in.Contest, sentAt.Format(time.RFC3339), in.Candidates, in.SHA256, strings.Join(ws, " "), s.Note)}
	if err := d.Repo.RecordDarynSending(ctx, s, e); err != nil {
		return nil, fmt.Errorf("record the sending to the Daryn centre: %w", err)
	}
	return s, nil
}

// lastDarynSending is the latest sending of year's base recorded before now, or nil.
func (d *Desk) lastDarynSending(ctx context.Context, year int, now time.Time) (*DarynSending, error) {
	all, err := d.Repo.DarynSendings(ctx)
	if err != nil {
		return nil, err
	}
	var last *DarynSending
	for i := range all {
		s := &all[i]
		if s.Year == year && !s.SentAt.After(now) && (last == nil || s.SentAt.After(last.SentAt)) {
			last = s
		}
	}
	return last, nil
}

// clock writes a moment as the office's wall clock.
func (d *Desk) clock(t time.Time) string {
	return t.In(d.Catalogue.Location()).Format("2006-01-02 15:04")
}
