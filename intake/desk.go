package intake

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"slices"
	"sort"
	"strings"
	"time"

	"tarazy/iin"
	"tarazy/season"
)

// Desk is the intake desk: it applies the catalogue and the calendar to
// applications and complaints kept in a Repository.
type Desk struct {
	Catalogue *Catalogue
	Calendar  *Calendar
	Repo      Repository
	// Seasons gives the contest year's dates (§16, §20); nil means the built-in data.
	Seasons *season.Book
	// Now is the clock for audit times; tests fix it.
	Now func() time.Time
}

func (d *Desk) now() time.Time {
	if d.Now != nil {
		return d.Now()
	}
	return time.Now()
}

// Season is the contest dates of a year, from Seasons or the built-in data.
func (d *Desk) Season(year int) (season.Season, error) {
	b := d.Seasons
	if b == nil {
		var err error
		if b, err = season.Default(); err != nil {
			return season.Season{}, err
		}
	}
	return b.For(year)
}

// Submission is what the applicant hands in at the desk.
type Submission struct {
	Service    string
	Channel    string
	At         time.Time // when it came in; read in the office's zone
	Staff      string
	Applicant  Person
	Child      Person // the child, student or candidate the service is for
	Grade      int
	Territory  bool     // lives in the school's service territory (first grade)
	Conditions []string // ids of the service's conditions that apply
	Documents  []Presented
	// Emergency is the staff's reason for applying the emergency window of §9-2.
	Emergency string
	Candidate *Candidate // the contest registration fields
	// Decision is the staff's decision on an application the rules let the school
	// refuse but do not make it (§19, contest: late or incomplete). Without one such
	// an application is not stored: Submit answers ErrDecisionNeeded.
	Decision *Decision
	Note     string
}

func invalidf(format string, args ...any) error {
	return fmt.Errorf("%s: %w", fmt.Sprintf(format, args...), ErrInvalid)
}

// Submit checks a submission against the catalogue and stores it: accepted with a
// number and a due date, or rejected on the spot with the grounds, the missing and the
// expired documents named (Law art. 19, 20). A refusal is a result, not an error: the
// error is for a submission that cannot be registered at all (an unknown document, a
// malformed IIN, an IIN already in the contest, a §19 case waiting for a decision).
func (d *Desk) Submit(ctx context.Context, s Submission) (*Application, error) {
	svc, err := d.Catalogue.Service(s.Service)
	if err != nil {
		return nil, err
	}
	if s.Channel == "" {
		s.Channel = svc.Channels[0]
	}
	if !slices.Contains(svc.Channels, s.Channel) {
		return nil, invalidf("service %s is not provided through channel %q; its channels: %s", svc.ID, s.Channel, strings.Join(svc.Channels, ", "))
	}
	if strings.TrimSpace(s.Staff) == "" {
		return nil, invalidf("say who registers the application (staff)")
	}
	if strings.TrimSpace(s.Applicant.Name) == "" {
		return nil, invalidf("the applicant's name is missing")
	}
	if s.At.IsZero() {
		return nil, invalidf("the time the application came in is missing")
	}
	loc := d.Catalogue.Location()
	s.At = s.At.In(loc)
	now := d.now()
	conds := map[string]bool{}
	for _, c := range s.Conditions {
		if !slices.ContainsFunc(svc.Conditions, func(n Named) bool { return n.ID == c }) {
			return nil, invalidf("service %s has no condition %q; its conditions: %s", svc.ID, c, namedIDs(svc.Conditions))
		}
		conds[c] = true
	}
	seen := map[string]bool{}
	for _, p := range s.Documents {
		if !slices.ContainsFunc(svc.Documents, func(doc Document) bool { return doc.ID == p.ID }) {
			return nil, invalidf("service %s has no document %q; its documents: %s", svc.ID, p.ID, docIDs(svc.Documents))
		}
		if seen[p.ID] {
			return nil, invalidf("document %q is listed twice", p.ID)
		}
		seen[p.ID] = true
	}

	a := &Application{
		Series:      fmt.Sprintf("%s-%d", svc.Code, s.At.Year()),
		Service:     svc.ID,
		Channel:     s.Channel,
		SubmittedAt: s.At,
		EnteredAt:   now,
		Applicant:   s.Applicant,
		Child:       s.Child,
		Grade:       s.Grade,
		Territory:   s.Territory,
		Conditions:  s.Conditions,
		Documents:   s.Documents,
		Emergency:   s.Emergency,
		Note:        s.Note,
		Staff:       s.Staff,
		Updated:     now,
	}
	audit := AuditEntry{At: now, Staff: s.Staff, Action: "submit"}
	var details []string
	if err := d.checkApplicantIIN(a); err != nil {
		return nil, err
	}
	if svc.Contest {
		if err := d.checkCandidate(svc, &s, a, conds, seen); err != nil {
			return nil, err
		}
		if a.Candidate.IINOverride != "" {
			details = append(details, fmt.Sprintf("IIN %s accepted although its check digit fails; staff's reason: %s", a.Child.IIN, a.Candidate.IINOverride))
		}
	} else if s.Child.IIN != "" {
		_, err := iin.Parse(s.Child.IIN)
		switch {
		case errors.Is(err, iin.ErrChecksum) || errors.Is(err, iin.ErrNotIssued):
			// Only the contest keys on the IIN; elsewhere a failing check digit is
			// noted for a person to verify against the birth certificate.
			a.Warnings = append(a.Warnings, msg("child_iin_checksum",
				Text{"Баланың ЖСН бақылау саны сәйкес келмейді (%s): туу туралы куәлікпен салыстырыңыз.",
					"Контрольный разряд ИИН ребёнка не сходится (%s): сверьте со свидетельством о рождении."}, s.Child.IIN))
		case err != nil:
			return nil, sayErr(ErrInvalid, "child_iin",
				Text{"Баланың ЖСН дұрыс емес (%q): ЖСН – 12 цифр, алғашқы алтауы – туған күні. Туу туралы куәліктен қайта енгізіңіз.",
					"ИИН ребёнка неверен (%q): ИИН – 12 цифр, первые шесть – дата рождения. Введите его заново по свидетельству о рождении."}, s.Child.IIN)
		}
	}
	if fg := svc.FirstGrade; fg != nil && s.Grade == fg.Grade {
		if w, ok := fg.ageWarning(s.Child.IIN, s.At.Year()); ok {
			a.Warnings = append(a.Warnings, w)
		}
	}

	hours := d.Catalogue.HoursFor(svc)
	reg, err := d.Calendar.Register(s.At, hours)
	if err != nil {
		return nil, err
	}
	a.Registered, a.RegisteredAt = reg.Date, reg.At
	if reg.Moved != "" {
		a.Warnings = append(a.Warnings, msg("registered_next_day",
			Text{"Жұмыс уақытынан тыс немесе демалыс күні келіп түсті: келесі жұмыс күні (%s) тіркелді.",
				"Поступило вне рабочего времени или в выходной день: зарегистрировано следующим рабочим днём (%s)."}, reg.Date))
	}

	// The window and expiry are judged on the day the applicant came, not on the
	// registration day an evening or a weekend pushed it to.
	day := DateOf(s.At)
	entered := DateOf(now.In(loc))
	ref := &Refusal{AtIntake: true, On: day}
	win, err := d.window(svc, s.Grade, day.Year, strings.TrimSpace(s.Emergency) != "")
	if err != nil {
		return nil, err
	}
	late, early := false, false
	if win != nil {
		late, early = day.After(win.To), day.Before(win.From)
		if late || early {
			ref.Grounds = append(ref.Grounds, GroundOutsideWindow)
			ref.Window = win
		}
	}
	ref.Missing, ref.Expired = svc.check(s.Channel, conds, s.Documents, day)
	if len(ref.Missing) > 0 {
		ref.Grounds = append(ref.Grounds, GroundIncomplete)
	}
	if len(ref.Expired) > 0 {
		ref.Grounds = append(ref.Grounds, GroundExpired)
	}
	if !svc.HasChecklist() {
		a.Warnings = append(a.Warnings, msg("no_checklist",
			Text{"Каталогта бұл қызметтің құжаттар тізбесі жоқ, сондықтан толықтығы тексерілмеді; тізбені мектеп толтырады.",
				"В каталоге нет перечня документов этой услуги, поэтому полнота не проверялась; перечень заполняет школа."}))
	}
	if day.Before(entered) {
		a.Backdated = true
		details = append(details, fmt.Sprintf("backdated: came in %s, entered %s", s.At.Format("2006-01-02 15:04"), now.In(loc).Format("2006-01-02 15:04")))
		if win != nil && !late && !early && entered.After(win.To) {
			a.Warnings = append(a.Warnings, msg("backdated_closed_window",
				Text{"Кейінгі күнмен енгізілді: өтініш %s күні келіп түсті деп жазылды, бірақ %s күні енгізілді – қабылдау кезеңі (%s – %s) сол кезде жабық болған. Бұл журналда сақталады.",
					"Внесено задним числом: заявление записано как поступившее %s, но внесено %s, когда период приёма (%s – %s) уже закрылся. Это сохранено в журнале."},
				day, entered, win.From, win.To))
		} else {
			a.Warnings = append(a.Warnings, msg("backdated",
				Text{"Кейінгі күнмен енгізілді: өтініш %s күні келіп түсті деп жазылды, %s күні енгізілді. Бұл журналда сақталады.",
					"Внесено задним числом: заявление записано как поступившее %s, внесено %s. Это сохранено в журнале."}, day, entered))
		}
	}

	// §19: for the contest, lateness and an incomplete set MAY refuse; a person
	// decides. Coming before the window opens is no case of §19: it opens on its date.
	if svc.Contest && len(ref.Grounds) > 0 && !early {
		dec := s.Decision
		if dec == nil || strings.TrimSpace(dec.Reason) == "" {
			return nil, decisionNeeded(svc, ref)
		}
		decided := &Decision{Accept: dec.Accept, Reason: strings.TrimSpace(dec.Reason), Staff: s.Staff, On: entered, Grounds: ref.Grounds}
		details = append(details, fmt.Sprintf("§19 decision by %s: accept=%v (%s), on grounds %s", s.Staff, dec.Accept, decided.Reason, strings.Join(ref.Grounds, ", ")))
		if dec.Accept {
			a.Discretion = decided
			a.Warnings = append(a.Warnings, msg("accepted_by_decision",
				Text{"Үлгілік қағидалардың 19-тармағы бойынша шешіммен қабылданды (%s): %s.",
					"Принято по решению согласно пункту 19 Типовых правил (%s): %s."}, s.Staff, decided.Reason))
			ref.Grounds = nil
		} else {
			ref.Discretion, ref.Reason, ref.Staff = true, decided.Reason, s.Staff
		}
	}

	if len(ref.Grounds) > 0 {
		a.Status = Rejected
		a.Refusal = ref
		a.UniqueKey = ""
		audit.Action, audit.To = "reject", string(Rejected)
		details = append(details, refusalSummary(ref))
	} else {
		a.Status = Registered
		audit.To = string(Registered)
		if err := d.setDue(a, svc, hours, s.At); err != nil {
			return nil, err
		}
		if svc.Contest {
			sent, err := d.lastDarynSending(ctx, a.Registered.Year, now)
			if err != nil {
				return nil, err
			}
			if sent != nil {
				a.Warnings = append(a.Warnings, msg("registered_after_daryn_sending",
					Text{"Бұл үміткер \"Дарын\" орталығына %s жіберілген базада жоқ: базаны қайта жіберіп, жіберілген уақытын жазыңыз (Үлгілік қағидалардың 20-тармағы).",
						"Этого претендента нет в базе, отправленной в центр «Дарын» %s: отправьте базу заново и отметьте время отправки (пункт 20 Типовых правил)."},
					d.clock(sent.SentAt)))
			}
		}
	}
	audit.Detail = strings.Join(details, "; ")
	if err := d.Repo.CreateApplication(ctx, a, audit); err != nil {
		var fe *FrozenError
		switch {
		case errors.As(err, &fe):
			return nil, frozenForRegistration(fe)
		case errors.Is(err, ErrDuplicate) && svc.Contest:
			return nil, fmt.Errorf("IIN %s is already registered in the %d contest, and a candidate is registered once (refuse or withdraw the first registration to register again): %w",
				a.Child.IIN, a.Registered.Year, err)
		}
		return nil, fmt.Errorf("store application: %w", err)
	}
	return a, nil
}

// window is the acceptance window that applies to a submission of year y, or nil:
// the contest's from the season data (§16), any other service's from the catalogue
// (first grade, §9-2, with its emergency end when staff give the reason).
func (d *Desk) window(svc *Service, grade, y int, emergency bool) (*Span, error) {
	if svc.Contest {
		se, err := d.Season(y)
		if err != nil {
			return nil, fmt.Errorf("contest registration window: %w", err)
		}
		r := se.Registration
		return &Span{From: Date(r.From), To: Date(r.To), Rule: r.Rule}, nil
	}
	w := svc.Window
	if w == nil || (len(w.Grades) > 0 && !slices.Contains(w.Grades, grade)) {
		return nil, nil
	}
	if emergency && w.EmergencyTo == (MonthDay{}) {
		return nil, invalidf("service %s has no emergency window", svc.ID)
	}
	to := w.To
	if emergency {
		to = w.EmergencyTo
	}
	return &Span{From: w.From.In(y), To: to.In(y), Rule: w.Rule}, nil
}

// setDue counts an accepted application's term: the first-grade admission date
// (§9-4, §9-6: admitted from 1 September, the order after 25 August), or working days
// or office minutes from registration. A term reaching a provisional calendar year
// says so.
func (d *Desk) setDue(a *Application, svc *Service, hours Hours, at time.Time) error {
	var err error
	switch fg := svc.FirstGrade; {
	case fg != nil && a.Grade == fg.Grade:
		a.Due = fg.AdmittedFrom.In(a.Registered.Year)
	case svc.Term.WorkingDays > 0:
		if a.Due, err = d.Calendar.AddWorkingDays(a.Registered, svc.Term.WorkingDays); err != nil {
			return err
		}
	case svc.Term.Minutes > 0:
		if a.DueAt, err = d.Calendar.AddWorkingMinutes(at, hours, svc.Term.Minutes); err != nil {
			return err
		}
		a.Due = DateOf(a.DueAt)
	default:
		a.Warnings = append(a.Warnings, msg("no_term",
			Text{"Каталогта бұл қызметтің мерзімі жоқ, сондықтан қолхатта нәтиже беру мерзімі көрсетілмейді.",
				"В каталоге не указан срок этой услуги, поэтому в расписке нет срока выдачи результата."}))
		return nil
	}
	if fg := svc.FirstGrade; fg != nil && a.Grade == fg.Grade {
		return nil // a fixed date, not a count of working days
	}
	a.DueProvisional = d.Calendar.ProvisionalYears(DateOf(at), a.Due)
	if len(a.DueProvisional) > 0 {
		var ps []Provisional
		for _, y := range a.DueProvisional {
			p, _ := d.Calendar.ProvisionalYear(y)
			ps = append(ps, p)
		}
		a.Warnings = append(a.Warnings, ProvisionalMessage(ps))
	}
	return nil
}

// decisionNeeded is the answer to a late or incomplete contest application that
// came without the staff's decision: what the case is, and what to do.
func decisionNeeded(svc *Service, ref *Refusal) error {
	var kk, ru []string
	if ref.Window != nil {
		kk = append(kk, fmt.Sprintf("өтініш қабылдау кезеңінен (%s – %s) кеш берілді", ref.Window.From, ref.Window.To))
		ru = append(ru, fmt.Sprintf("заявление подано позже периода приёма (%s – %s)", ref.Window.From, ref.Window.To))
	}
	if len(ref.Missing) > 0 {
		kk = append(kk, "ұсынылмаған құжаттар: "+strings.Join(svc.DocumentNames(ref.Missing, "kk"), "; "))
		ru = append(ru, "не представлены: "+strings.Join(svc.DocumentNames(ref.Missing, "ru"), "; "))
	}
	if len(ref.Expired) > 0 {
		kk = append(kk, "мерзімі өткен құжаттар: "+strings.Join(svc.DocumentNames(ref.Expired, "kk"), "; "))
		ru = append(ru, "с истекшим сроком: "+strings.Join(svc.DocumentNames(ref.Expired, "ru"), "; "))
	}
	return sayErr(ErrDecisionNeeded, "decision_needed",
		Text{"Шешім қажет: %[1]s. Үлгілік қағидалардың 19-тармағы бойынша бұл құжаттарды қабылдаудан бас тарту үшін негіз БОЛА АЛАДЫ, бірақ автоматты түрде бас тартылмайды: қабылдау немесе бас тарту туралы шешімді себебімен жазыңыз.",
			"Нужно решение: %[2]s. По пункту 19 Типовых правил это МОЖЕТ быть основанием для отказа в приёме документов, но отказ не автоматический: запишите решение принять или отказать и его причину."},
		strings.Join(kk, "; "), strings.Join(ru, "; "))
}

// frozenForRegistration says why a registration cannot join the base now, and what
// to do instead.
func frozenForRegistration(fe *FrozenError) error {
	return &MessageError{Err: fe, Message: msg("candidate_base_frozen",
		Text{"Үміткерді енді тіркеу мүмкін емес: %s конкурсының %d-сынып жауап парақтары жүйеге енгізілген, үміткерлер базасы жабық. Егер бала тіркелмей конкурсқа қатысса, бұл мәселені конкурстық комиссия шешеді: жауап парағын төрағаға беріңіз.",
			"Зарегистрировать претендента уже нельзя: листы ответов %[2]d класса конкурса %[1]s загружены, база претендентов закрыта. Если ребёнок участвовал в конкурсе без регистрации, вопрос решает конкурсная комиссия: передайте лист ответов председателю."},
		fe.Contest, fe.Grade)}
}

// frozenForRemoval says why a registration cannot leave the base now, and what to do
// instead.
func frozenForRemoval(fe *FrozenError) error {
	return &MessageError{Err: fe, Message: msg("candidate_base_frozen",
		Text{"Үміткерді конкурс базасынан шығару мүмкін емес: %s конкурсының %d-сынып жауап парақтары жүйеге енгізілген, нәтижелер осы базадан есептеледі. Үміткер нәтижелерде қалады; отбасы орыннан бас тартса, бұл қабылдау туралы бұйрықпен ресімделеді және орын резервтік тізімге өтеді (Үлгілік қағидалардың 42–44-тармақтары). Конкурстық комиссияға жүгініңіз.",
			"Исключить претендента из базы конкурса нельзя: листы ответов %[2]d класса конкурса %[1]s загружены, и результаты считаются по этой базе. Претендент остаётся в результатах; если семья отказывается от места, это оформляется приказом о зачислении, а место переходит к резервному списку (пункты 42–44 Типовых правил). Обратитесь к конкурсной комиссии."},
		fe.Contest, fe.Grade)}
}

// checkApplicantIIN refuses a malformed applicant IIN (such as "12345") and notes one
// whose check digit fails.
func (d *Desk) checkApplicantIIN(a *Application) error {
	v := strings.TrimSpace(a.Applicant.IIN)
	if v == "" {
		return nil
	}
	a.Applicant.IIN = v
	_, err := iin.Parse(v)
	switch {
	case err == nil:
	case errors.Is(err, iin.ErrChecksum) || errors.Is(err, iin.ErrNotIssued):
		a.Warnings = append(a.Warnings, msg("applicant_iin_checksum",
			Text{"Өтініш берушінің ЖСН бақылау саны сәйкес келмейді (%s): жеке куәлікпен салыстырыңыз.",
				"Контрольный разряд ИИН заявителя не сходится (%s): сверьте с удостоверением личности."}, v))
	default:
		return sayErr(ErrInvalid, "applicant_iin",
			Text{"Өтініш берушінің ЖСН дұрыс емес (%q): ЖСН – 12 цифр, алғашқы алтауы – туған күні. Жеке куәліктен қайта енгізіңіз немесе бос қалдырыңыз.",
				"ИИН заявителя неверен (%q): ИИН – 12 цифр, первые шесть – дата рождения. Введите его по удостоверению личности или оставьте поле пустым."}, v)
	}
	return nil
}

// check returns the documents missing from a submission and those expired on day.
func (s *Service) check(channel string, conds map[string]bool, presented []Presented, day Date) (missing, expired []string) {
	have := map[string]Presented{}
	for _, p := range presented {
		have[p.ID] = p
	}
	groups := map[string]bool{} // one_of group → satisfied
	var groupOrder []string
	for _, doc := range s.Documents {
		if len(doc.Channels) > 0 && !slices.Contains(doc.Channels, channel) {
			continue
		}
		if len(doc.When) > 0 && !slices.ContainsFunc(doc.When, func(c string) bool { return conds[c] }) {
			continue
		}
		p, ok := have[doc.ID]
		if ok && isExpired(doc, p, day) {
			expired = append(expired, doc.ID)
		}
		if doc.Priority {
			// It proves a priority; without it the child goes on without the
			// priority (checkCandidate), so it is never missing.
			continue
		}
		if doc.OneOf != "" {
			if _, known := groups[doc.OneOf]; !known {
				groupOrder = append(groupOrder, doc.OneOf)
			}
			groups[doc.OneOf] = groups[doc.OneOf] || ok
			continue
		}
		if !ok {
			missing = append(missing, doc.ID)
		}
	}
	for _, g := range groupOrder {
		if !groups[g] {
			missing = append(missing, "one_of:"+g)
		}
	}
	return missing, expired
}

func isExpired(doc Document, p Presented, day Date) bool {
	if !p.ValidUntil.IsZero() && p.ValidUntil.Before(day) {
		return true
	}
	return doc.ValidityDays > 0 && !p.Issued.IsZero() && p.Issued.AddDays(doc.ValidityDays).Before(day)
}

// DocumentNames names a refusal's missing items in one language, a one_of group as
// "A or B or C".
func (s *Service) DocumentNames(ids []string, lang string) []string {
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		if g, ok := strings.CutPrefix(id, "one_of:"); ok {
			var alts []string
			for _, doc := range s.Documents {
				if doc.OneOf == g {
					alts = append(alts, doc.Name(lang))
				}
			}
			or := " немесе "
			if lang == "ru" {
				or = " или "
			}
			out = append(out, strings.Join(alts, or))
			continue
		}
		name := id
		for _, doc := range s.Documents {
			if doc.ID == id {
				name = doc.Name(lang)
			}
		}
		out = append(out, name)
	}
	return out
}

func refusalSummary(r *Refusal) string {
	parts := []string{"grounds: " + strings.Join(r.Grounds, ", ")}
	if len(r.Missing) > 0 {
		parts = append(parts, "missing: "+strings.Join(r.Missing, ", "))
	}
	if len(r.Expired) > 0 {
		parts = append(parts, "expired: "+strings.Join(r.Expired, ", "))
	}
	if r.Reason != "" {
		parts = append(parts, "reason: "+r.Reason)
	}
	return strings.Join(parts, "; ")
}

// checkCandidate validates the §17 fields and the IIN, and sets the contest key. A
// diploma claimed without its copy registers the child without the §38 priority
// (§18 sub. 5 makes the copy the proof of the priority, not a condition of taking
// part): never a refusal.
func (d *Desk) checkCandidate(svc *Service, s *Submission, a *Application, conds, presented map[string]bool) error {
	c := s.Candidate
	if c == nil {
		return invalidf("a contest registration needs the candidate's fields (grade, language, e-mail)")
	}
	cc := *c
	cc.OlympiadNoDiploma = false
	if strings.TrimSpace(a.Child.Name) == "" {
		return invalidf("the candidate's full name is missing")
	}
	switch cc.Grade {
	case 5, 6, 7:
	default:
		return invalidf("grade %d: the contest admits to grades 5, 6 and 7 (§33)", cc.Grade)
	}
	if cc.Language != "kk" && cc.Language != "ru" {
		return invalidf("language of instruction %q: kk or ru", cc.Language)
	}
	if cc.Email == "" {
		return invalidf("the candidate's e-mail is missing (§17, §18 sub. 3)")
	}
	if addr, err := mail.ParseAddress(cc.Email); err != nil || addr.Address != cc.Email {
		return invalidf("e-mail %q is not an address such as name@example.kz", cc.Email)
	}
	if cc.MynBala && cc.Grade != 7 {
		return invalidf("the \"Мың бала\" quota is for grade 7 only (§25), not grade %d", cc.Grade)
	}
	if cc.Olympiad && !conds["olympiad"] {
		conds["olympiad"] = true
		a.Conditions = append(a.Conditions, "olympiad")
	}
	if cc.Olympiad {
		if copyGiven := slices.ContainsFunc(svc.Documents, func(doc Document) bool { return doc.Priority && presented[doc.ID] }); !copyGiven {
			cc.Olympiad, cc.OlympiadNoDiploma = false, true
			a.Warnings = append(a.Warnings, msg("olympiad_without_diploma",
				Text{"Олимпиада дипломының көшірмесі ұсынылмады: үміткер 38-тармақтағы басымдықсыз тіркелді (18-тармақтың 5) тармақшасы). Бұл тіркеуден бас тарту емес.",
					"Копия диплома олимпиады не представлена: претендент зарегистрирован без преимущества по пункту 38 (подпункт 5) пункта 18). Это не отказ в регистрации."}))
		}
	}
	_, err := iin.Parse(a.Child.IIN)
	switch {
	case err == nil:
		cc.IINOverride = ""
	case errors.Is(err, iin.ErrChecksum) || errors.Is(err, iin.ErrNotIssued):
		if strings.TrimSpace(cc.IINOverride) == "" {
			return fmt.Errorf("the candidate's %v. If the number is written so on the birth certificate, register again with the reason for accepting it (older IINs that fail the check exist, Law No. 223 art. 9): %w", err, ErrIINChecksum)
		}
		a.Warnings = append(a.Warnings, msg("iin_override",
			Text{"ЖСН бақылау саны сәйкес келмейді; %s қабылдады: %s",
				"Контрольный разряд ИИН не сходится; принял(а) %s: %s"}, s.Staff, cc.IINOverride))
	default:
		return invalidf("the candidate's %v", err)
	}
	a.Grade = cc.Grade
	a.Candidate = &cc
	a.UniqueKey = fmt.Sprintf("%s/%d/%s", svc.ID, s.At.Year(), a.Child.IIN)
	return nil
}

func namedIDs(ns []Named) string {
	ids := make([]string, len(ns))
	for i, n := range ns {
		ids[i] = n.ID
	}
	if len(ids) == 0 {
		return "(none)"
	}
	return strings.Join(ids, ", ")
}

func docIDs(ds []Document) string {
	ids := make([]string, len(ds))
	for i, doc := range ds {
		ids[i] = doc.ID
	}
	if len(ids) == 0 {
		return "(none: the checklist is empty)"
	}
	return strings.Join(ids, ", ")
}

// Change is a status change asked for by staff.
type Change struct {
	To     Status
	Staff  string
	Ground string // for Refused: a ground id of the service or of the Law
	// Reason: for Refused, the reasons in words (Law art. 19-1 p. 1); for Withdrawn,
	// the applicant's request (its date, how it came).
	Reason string
	Result string // for Issued: what was issued (an order number, the duplicate's number)
	At     time.Time
}

// SetStatus moves an application to a new status, audited. A refusal needs a ground
// from the catalogue and the reasons in words; a withdrawal the applicant's request.
// A concurrent change is retried on the fresh record, so no update is lost.
func (d *Desk) SetStatus(ctx context.Context, number string, ch Change) (*Application, error) {
	if strings.TrimSpace(ch.Staff) == "" {
		return nil, invalidf("say who changes the status (staff)")
	}
	if ch.At.IsZero() {
		ch.At = d.now()
	}
	for try := 0; ; try++ {
		a, err := d.Repo.Application(ctx, number)
		if err != nil {
			return nil, err
		}
		svc, err := d.Catalogue.Service(a.Service)
		if err != nil {
			return nil, err
		}
		if !ch.To.Valid() {
			return nil, invalidf("status %q: one of %s", ch.To, statusList(a.Status.Next()))
		}
		if !slices.Contains(transitions[a.Status], ch.To) {
			if a.Status.Final() {
				return nil, fmt.Errorf("application %s is %s, which is final; it cannot become %s: %w", number, a.Status, ch.To, ErrTransition)
			}
			return nil, fmt.Errorf("application %s is %s; it can become %s, not %s: %w", number, a.Status, statusList(a.Status.Next()), ch.To, ErrTransition)
		}
		e := AuditEntry{At: d.now(), Staff: ch.Staff, Subject: a.Number, Action: "status", From: string(a.Status), To: string(ch.To)}
		switch ch.To {
		case Refused:
			g, ok := d.Catalogue.Ground(svc, ch.Ground)
			if !ok {
				var ids []string
				for _, g := range svc.RefusalGrounds {
					ids = append(ids, g.ID)
				}
				for _, g := range d.Catalogue.LawGrounds {
					ids = append(ids, g.ID)
				}
				return nil, invalidf("a refusal needs a ground; for %s: %s", svc.ID, strings.Join(ids, ", "))
			}
			if strings.TrimSpace(ch.Reason) == "" {
				return nil, invalidf("a refusal must state its reasons in words (Law art. 19-1 p. 1)")
			}
			a.Refusal = &Refusal{Grounds: []string{g.ID}, Reason: ch.Reason, On: DateOf(ch.At.In(d.Catalogue.Location())), Staff: ch.Staff}
			a.UniqueKey = ""
			e.Detail = refusalSummary(a.Refusal)
		case Withdrawn:
			if strings.TrimSpace(ch.Reason) == "" {
				return nil, invalidf("a withdrawal needs the applicant's request (when and how the applicant asked)")
			}
			a.Withdrawal = &Withdrawal{Reason: ch.Reason, On: DateOf(ch.At.In(d.Catalogue.Location())), Staff: ch.Staff}
			// The same candidate may then register again.
			a.UniqueKey = ""
			e.Detail = "at the applicant's request: " + ch.Reason
		case Issued:
			if strings.TrimSpace(ch.Result) == "" {
				return nil, sayErr(ErrInvalid, "result_needed",
					Text{"«Берілді» мәртебесіне нәтиже қажет: не берілгенін жазыңыз (бұйрықтың немесе телнұсқаның нөмірі мен күні).",
						"Для статуса «выдано» нужен результат: укажите, что выдано (номер и дата приказа или дубликата)."})
			}
			if fg := svc.FirstGrade; fg != nil && a.Grade == fg.Grade {
				day := DateOf(ch.At.In(d.Catalogue.Location()))
				if after := fg.OrderAfter.In(day.Year); !day.After(after) {
					return nil, sayErr(ErrInvalid, "first_grade_order_early",
						Text{"Бірінші сыныпқа қабылдау туралы бұйрық %s күнінен кейін шығарылады (Үлгілік қағидалардың 9-6-тармағы): оны %s күнінен бастап енгізіңіз. Өтініш мерзімі өткен жоқ – бала %s күнінен бастап қабылданады.",
							"Приказ о зачислении в первый класс издаётся после %s (пункт 9-6 Типовых правил): внесите его начиная с %s. Заявление не просрочено – ребёнок принимается с %s."},
						after, after.AddDays(1), fg.AdmittedFrom.In(day.Year))
				}
			}
			a.Result = ch.Result
			e.Detail = ch.Result
		}
		leaves := a.Candidate != nil && a.Status.Accepted() && !ch.To.Accepted()
		a.Status = ch.To
		a.Updated = d.now()
		if leaves {
			sent, err := d.lastDarynSending(ctx, a.Registered.Year, a.Updated)
			if err != nil {
				return nil, err
			}
			if sent != nil {
				a.Warnings = append(a.Warnings, msg("left_after_daryn_sending",
					Text{"Үміткер базадан шықты, бірақ \"Дарын\" орталығына %s жіберілген базада ол әлі бар: базаны қайта жіберіп, жіберілген уақытын жазыңыз (Үлгілік қағидалардың 20-тармағы).",
						"Претендент выбыл из базы, но в базе, отправленной в центр «Дарын» %s, он ещё есть: отправьте базу заново и отметьте время отправки (пункт 20 Типовых правил)."},
					d.clock(sent.SentAt)))
			}
		}
		err = d.Repo.UpdateApplication(ctx, a, e)
		if errors.Is(err, ErrConflict) && try < 3 {
			continue
		}
		var fe *FrozenError
		if errors.As(err, &fe) {
			return nil, frozenForRemoval(fe)
		}
		if err != nil {
			return nil, fmt.Errorf("update application %s: %w", number, err)
		}
		return a, nil
	}
}

func statusList(ss []Status) string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = string(s)
	}
	return strings.Join(out, ", ")
}

// OrderRow is one line of the first-grade notification order.
type OrderRow struct {
	Place       int       `json:"place"`
	Number      string    `json:"number"`
	Child       string    `json:"child"`
	Applicant   string    `json:"applicant"`
	Territory   bool      `json:"territory"`
	Registered  time.Time `json:"registered"`
	Status      Status    `json:"status"`
	Cycle       int       `json:"cycle"`        // which 3+1 round it falls in
	FromOutside bool      `json:"from_outside"` // filled an outside place
}

// FirstGradeOrder is the order in which admission notifications go out (§9-5, §9-6):
// the first three applicants from the service territory, then the first one from
// outside it, in registration order, repeating; when one group runs out the other
// continues in its own order. Rejected, refused and withdrawn applications take no
// place.
func (d *Desk) FirstGradeOrder(ctx context.Context, year int) ([]OrderRow, *NotificationOrder, error) {
	var svc *Service
	for _, s := range d.Catalogue.Services {
		if s.Order != nil {
			svc = s
		}
	}
	if svc == nil {
		return nil, nil, fmt.Errorf("no service in the catalogue has a notification_order: %w", ErrNotFound)
	}
	apps, err := d.Repo.Applications(ctx, Filter{Service: svc.ID, Year: year})
	if err != nil {
		return nil, nil, err
	}
	var in, out []*Application
	for _, a := range apps {
		if a.Grade != svc.Order.Grade || !a.Status.Accepted() {
			continue
		}
		if a.Territory {
			in = append(in, a)
		} else {
			out = append(out, a)
		}
	}
	byRegistration := func(x, y *Application) int {
		if c := x.RegisteredAt.Compare(y.RegisteredAt); c != 0 {
			return c
		}
		return x.Seq - y.Seq
	}
	slices.SortStableFunc(in, byRegistration)
	slices.SortStableFunc(out, byRegistration)
	o := svc.Order
	var rows []OrderRow
	add := func(a *Application, cycle int) {
		rows = append(rows, OrderRow{Place: len(rows) + 1, Number: a.Number, Child: a.Child.Name, Applicant: a.Applicant.Name,
			Territory: a.Territory, Registered: a.RegisteredAt, Status: a.Status, Cycle: cycle, FromOutside: !a.Territory})
	}
	for cycle := 1; len(in) > 0 || len(out) > 0; cycle++ {
		for i := 0; i < o.Territory && len(in) > 0; i++ {
			add(in[0], cycle)
			in = in[1:]
		}
		for i := 0; i < o.Outside && len(out) > 0; i++ {
			add(out[0], cycle)
			out = out[1:]
		}
	}
	return rows, o, nil
}

// Overdue is an open item past its term on a given day.
type Overdue struct {
	Kind    string `json:"kind"` // application, complaint, extension_notice
	Number  string `json:"number"`
	Service string `json:"service,omitempty"`
	Due     Date   `json:"due"`
	Late    int    `json:"late_working_days"`
	Who     string `json:"who"`
}

// Overdue lists open applications and complaints past their due date on day, and
// extension notices not sent in time, most late first.
func (d *Desk) Overdue(ctx context.Context, day Date) ([]Overdue, error) {
	var out []Overdue
	late := func(due Date) (int, error) { return d.Calendar.WorkingDaysBetween(due, day) }
	apps, err := d.Repo.Applications(ctx, Filter{})
	if err != nil {
		return nil, err
	}
	for _, a := range apps {
		if !a.OverdueOn(day) {
			continue
		}
		n, err := late(a.Due)
		if err != nil {
			return nil, err
		}
		out = append(out, Overdue{Kind: "application", Number: a.Number, Service: a.Service, Due: a.Due, Late: n, Who: a.Applicant.Name})
	}
	cs, err := d.Repo.Complaints(ctx)
	if err != nil {
		return nil, err
	}
	for _, c := range cs {
		if c.Status != ComplaintOpen {
			continue
		}
		if c.Due.Before(day) {
			n, err := late(c.Due)
			if err != nil {
				return nil, err
			}
			out = append(out, Overdue{Kind: "complaint", Number: c.Number, Due: c.Due, Late: n, Who: c.Complainant.Name})
		}
		if x := c.Extension; x != nil && x.NoticeOn.IsZero() && x.NoticeDue.Before(day) {
			n, err := late(x.NoticeDue)
			if err != nil {
				return nil, err
			}
			out = append(out, Overdue{Kind: "extension_notice", Number: c.Number, Due: x.NoticeDue, Late: n, Who: c.Complainant.Name})
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Late != out[j].Late {
			return out[i].Late > out[j].Late
		}
		return out[i].Number < out[j].Number
	})
	return out, nil
}
