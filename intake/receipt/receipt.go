// Package receipt renders the desk's receipts: the acceptance receipt with its number
// and due date, the refusal to accept with the missing and expired documents named
// (Law art. 19, 20), and the reasoned refusal of a service (art. 19-1), as plain
// text and as PDF, in Kazakh and in Russian.
package receipt

import (
	"fmt"
	"slices"
	"strings"

	"tarazy/intake"
)

// Kind of receipt, chosen from the application's status.
type Kind int

const (
	Acceptance      Kind = iota // registered, in progress or issued
	IntakeRefusal               // rejected on the spot
	ReasonedRefusal             // refused after review
)

// KindOf is the receipt an application's status calls for.
func KindOf(a *intake.Application) Kind {
	switch {
	case a.Status == intake.Rejected:
		return IntakeRefusal
	case a.Status == intake.Refused:
		return ReasonedRefusal
	}
	return Acceptance
}

// Languages of the receipts.
var Languages = []string{"kk", "ru"}

type line struct {
	title bool     // a heading line, centred and bold in the PDF
	label string   // "Service"; empty for a paragraph
	value string   // the text
	list  []string // numbered items under the label
}

var words = map[string]map[string]string{
	"kk": {
		"accept.title":   "Құжаттарды қабылдау туралы қолхат",
		"intake.title":   "Құжаттарды қабылдаудан бас тарту туралы қолхат",
		"refused.title":  "Мемлекеттік қызмет көрсетуден дәлелді бас тарту",
		"number":         "№",
		"service":        "Мемлекеттік қызмет",
		"applicant":      "Көрсетілетін қызметті алушы",
		"child":          "Кімге қатысты",
		"iin":            "ЖСН",
		"grade":          "Сынып",
		"channel":        "Жүгіну тәсілі",
		"received":       "Өтініш келіп түсті",
		"registered":     "Тіркелген күні",
		"moved":          "жұмыс уақытынан тыс немесе демалыс күні келіп түсті: келесі жұмыс күні тіркелді",
		"documents":      "Қабылданған құжаттар",
		"none":           "жоқ",
		"due":            "Нәтижені беру мерзімі",
		"wd":             "жұмыс күні",
		"minutes":        "минут",
		"noterm":         "каталогта мерзім белгіленбеген",
		"result":         "Қызмет нәтижесі",
		"grounds":        "Бас тарту негіздері",
		"missing":        "Ұсынылмаған құжаттар",
		"expired":        "Қолданылу мерзімі өткен құжаттар",
		"reason":         "Бас тарту себептері",
		"intake.basis":   "Негіз: \"Мемлекеттік көрсетілетін қызметтер туралы\" Заңның 19-бабы және 20-бабының 2-тармағы – құжаттар топтамасы толық ұсынылмаған және (немесе) қолданылу мерзімі өткен құжаттар ұсынылған жағдайда өтінішті қабылдаудан бас тартылады.",
		"window.basis":   "Негіз: Үлгілік қағидалардың %s-тармағы – құжаттар %s – %s аралығында қабылданады.",
		"p19.basis":      "Негіз: Үлгілік қағидалардың 19-тармағы – конкурсқа қатысу туралы өтінішті белгіленген мерзімнен кеш беру немесе құжаттар топтамасын толық ұсынбау құжаттарды қабылдаудан бас тарту үшін негіз бола алады. Бас тарту туралы шешімді %s қабылдады.",
		"decided":        "Шешім (Үлгілік қағидалардың 19-тармағы)",
		"decided.accept": "%s қабылдауға шешім қабылдады: %s",
		"nodiploma":      "Олимпиада дипломының көшірмесі ұсынылмады: үміткер 38-тармақтағы басымдықсыз тіркелді (Үлгілік қағидалардың 18-тармағының 5) тармақшасы).",
		"firstgrade":     "Бала %s күнінен бастап білім беру ұйымына қабылданады; бірінші сыныпқа қабылдау туралы бұйрық %s күнінен кейін шығарылады (Үлгілік қағидалардың 9-4, 9-6-тармақтары).",
		"admission":      "Қабылдау",
		"entered":        "Жүйеге енгізілді",
		"reapply":        "Бас тарту себептері жойылғаннан кейін қайта жүгінуге болады (\"Мемлекеттік көрсетілетін қызметтер туралы\" Заңның 19-1-бабының 3-тармағы).",
		"staff":          "Қызметкер",
		"signature":      "Қолы: ____________________",
		"applicant.sign": "Көрсетілетін қызметті алушы: ____________________",
		"olympiad":       "Олимпиада жеңімпазы/жүлдегері (облыстық кезең)",
		"mynbala":        "\"Мың бала\" жеңімпазы",
		"language":       "Оқыту тілі",
		"email":          "Электрондық мекенжай",
		"yes":            "иә",
		"contest.result": "Үміткер конкурсқа қатысушылардың электрондық базасына енгізілді.",
		"withdrawn":      "Өтінішті көрсетілетін қызметті алушы кері қайтарып алды",
	},
	"ru": {
		"accept.title":   "Расписка о приеме документов",
		"intake.title":   "Расписка об отказе в приеме документов",
		"refused.title":  "Мотивированный отказ в оказании государственной услуги",
		"number":         "№",
		"service":        "Государственная услуга",
		"applicant":      "Услугополучатель",
		"child":          "В отношении",
		"iin":            "ИИН",
		"grade":          "Класс",
		"channel":        "Способ обращения",
		"received":       "Заявление поступило",
		"registered":     "Дата регистрации",
		"moved":          "поступило после окончания рабочего времени или в выходной день: зарегистрировано следующим рабочим днем",
		"documents":      "Принятые документы",
		"none":           "нет",
		"due":            "Срок выдачи результата",
		"wd":             "рабочих дней",
		"minutes":        "минут",
		"noterm":         "срок в каталоге не установлен",
		"result":         "Результат услуги",
		"grounds":        "Основания отказа",
		"missing":        "Не представлены документы",
		"expired":        "Документы с истекшим сроком действия",
		"reason":         "Причины отказа",
		"intake.basis":   "Основание: статья 19 и пункт 2 статьи 20 Закона \"О государственных услугах\" – при представлении неполного пакета документов и (или) документов с истекшим сроком действия в приеме заявления отказывается.",
		"window.basis":   "Основание: пункт %s Типовых правил – документы принимаются в период %s – %s.",
		"p19.basis":      "Основание: пункт 19 Типовых правил – подача заявления на участие в конкурсе позже установленного срока или представление неполного пакета документов может быть основанием для отказа в приеме документов. Решение об отказе принял(а) %s.",
		"decided":        "Решение (пункт 19 Типовых правил)",
		"decided.accept": "%s принял(а) решение принять: %s",
		"nodiploma":      "Копия диплома олимпиады не представлена: претендент зарегистрирован без преимущества по пункту 38 (подпункт 5) пункта 18 Типовых правил).",
		"firstgrade":     "Ребенок принимается в организацию образования с %s; приказ о зачислении в первый класс издается после %s (пункты 9-4, 9-6 Типовых правил).",
		"admission":      "Зачисление",
		"entered":        "Внесено в систему",
		"reapply":        "После устранения причин отказа можно обратиться повторно (пункт 3 статьи 19-1 Закона \"О государственных услугах\").",
		"staff":          "Сотрудник",
		"signature":      "Подпись: ____________________",
		"applicant.sign": "Услугополучатель: ____________________",
		"olympiad":       "Победитель/призер олимпиады (областной этап)",
		"mynbala":        "Победитель \"Мың бала\"",
		"language":       "Язык обучения",
		"email":          "Электронный адрес",
		"yes":            "да",
		"contest.result": "Претендент внесен в электронную базу участников конкурса.",
		"withdrawn":      "Заявление отозвано услугополучателем",
	},
}

// School is the school that issues the receipt, as the store knows it: receipts name
// the school that registered the application, never the catalogue's sample provider.
type School struct {
	Code   string
	NameKK string
	NameRU string
}

func (sc School) name(lang string) (string, error) {
	if n := (intake.Text{KK: sc.NameKK, RU: sc.NameRU}).In(lang); n != "" {
		return n, nil
	}
	if sc.Code != "" {
		return sc.Code, nil
	}
	return "", fmt.Errorf("the receipt needs the school's name (the school in the store has none)")
}

// rulePar turns "§9-2" into the paragraph number the sentences print ("9-2").
func rulePar(rule string) string { return strings.TrimSpace(strings.TrimPrefix(rule, "§")) }

// build lays a receipt out in one language.
func build(cat *intake.Catalogue, school School, a *intake.Application, lang string) ([]line, error) {
	w, ok := words[lang]
	if !ok {
		return nil, fmt.Errorf("receipt language %q: kk or ru", lang)
	}
	svc, err := cat.Service(a.Service)
	if err != nil {
		return nil, err
	}
	provider, err := school.name(lang)
	if err != nil {
		return nil, err
	}
	kind := KindOf(a)
	title := map[Kind]string{Acceptance: w["accept.title"], IntakeRefusal: w["intake.title"], ReasonedRefusal: w["refused.title"]}[kind]
	ls := []line{
		{title: true, value: provider},
		{title: true, value: title},
		{title: true, value: w["number"] + " " + a.Number},
		{label: w["service"], value: svc.Name(lang)},
		{label: w["applicant"], value: a.Applicant.Name},
	}
	if a.Child.Name != "" {
		v := a.Child.Name
		if a.Child.IIN != "" {
			v += ", " + w["iin"] + " " + a.Child.IIN
		}
		ls = append(ls, line{label: w["child"], value: v})
	}
	if a.Grade > 0 {
		ls = append(ls, line{label: w["grade"], value: fmt.Sprint(a.Grade)})
	}
	if c := a.Candidate; c != nil {
		ls = append(ls, line{label: w["language"], value: c.Language}, line{label: w["email"], value: c.Email})
		if c.Olympiad {
			ls = append(ls, line{label: w["olympiad"], value: w["yes"]})
		}
		if c.MynBala {
			ls = append(ls, line{label: w["mynbala"], value: w["yes"]})
		}
	}
	if ch, ok := cat.Channel(a.Channel); ok {
		ls = append(ls, line{label: w["channel"], value: ch.Name(lang)})
	}
	ls = append(ls, line{label: w["received"], value: a.SubmittedAt.Format("2006-01-02 15:04")})
	if a.Backdated {
		ls = append(ls, line{label: w["entered"], value: a.EnteredAt.In(cat.Location()).Format("2006-01-02 15:04")})
	}
	reg := a.Registered.String()
	if a.Registered != intake.DateOf(a.SubmittedAt) {
		reg += " (" + w["moved"] + ")"
	}
	ls = append(ls, line{label: w["registered"], value: reg})

	var docs []string
	for _, p := range a.Documents {
		docs = append(docs, svc.DocumentNames([]string{p.ID}, lang)[0])
	}
	switch kind {
	case Acceptance:
		ls = append(ls, line{label: w["documents"], list: docs, value: orNone(docs, w)})
		if fg := svc.FirstGrade; fg != nil && a.Grade == fg.Grade {
			y := a.Registered.Year
			ls = append(ls, line{label: w["admission"], value: fmt.Sprintf(w["firstgrade"], fg.AdmittedFrom.In(y), fg.OrderAfter.In(y))})
		} else {
			due := w["noterm"]
			switch {
			case svc.Term.Minutes > 0:
				due = fmt.Sprintf("%s (%d %s)", a.DueAt.Format("2006-01-02 15:04"), svc.Term.Minutes, w["minutes"])
			case !a.Due.IsZero():
				due = fmt.Sprintf("%s (%d %s)", a.Due, svc.Term.WorkingDays, w["wd"])
			}
			ls = append(ls, line{label: w["due"], value: due})
			for _, m := range a.Warnings {
				if m.Code == "calendar_provisional" {
					ls = append(ls, line{value: m.In(lang)})
				}
			}
		}
		if c := a.Candidate; c != nil && c.OlympiadNoDiploma {
			ls = append(ls, line{value: w["nodiploma"]})
		}
		if d := a.Discretion; d != nil {
			ls = append(ls, line{label: w["decided"], value: fmt.Sprintf(w["decided.accept"], d.Staff, d.Reason)})
		}
		switch {
		case a.Withdrawal != nil:
			ls = append(ls, line{label: w["withdrawn"], value: a.Withdrawal.On.String() + ": " + a.Withdrawal.Reason})
		case svc.Contest:
			ls = append(ls, line{label: w["result"], value: w["contest.result"]})
		default:
			if r := svc.Result.In(lang); r != "" {
				ls = append(ls, line{label: w["result"], value: r})
			}
		}
	case IntakeRefusal, ReasonedRefusal:
		ref := a.Refusal
		var grounds []string
		for _, g := range ref.Grounds {
			n, ok := cat.Ground(svc, g)
			if !ok {
				n = cat.IntakeGround(g)
			}
			grounds = append(grounds, n.Name(lang))
		}
		ls = append(ls, line{label: w["grounds"], list: grounds})
		if m := svc.DocumentNames(ref.Missing, lang); len(m) > 0 {
			ls = append(ls, line{label: w["missing"], list: m})
		}
		if e := svc.DocumentNames(ref.Expired, lang); len(e) > 0 {
			ls = append(ls, line{label: w["expired"], list: e})
		}
		if ref.Reason != "" {
			ls = append(ls, line{label: w["reason"], value: ref.Reason})
		}
		if kind == IntakeRefusal {
			ls = append(ls, line{label: w["documents"], list: docs, value: orNone(docs, w)})
			ls = append(ls, basis(w, ref)...)
		}
		if !svc.Contest {
			// Law art. 19-1 p. 3 is about the public services; a contest registration
			// refused for lateness cannot "remove the cause".
			ls = append(ls, line{value: w["reapply"]})
		}
		if n := svc.RefusalNote.In(lang); n != "" {
			ls = append(ls, line{value: n})
		}
		ls = append(ls, line{value: cat.AppealFor(svc).In(lang)})
	}
	staff := a.Staff
	if kind == ReasonedRefusal && a.Refusal.Staff != "" {
		staff = a.Refusal.Staff
	}
	ls = append(ls, line{label: w["staff"], value: staff + "    " + w["signature"]}, line{value: w["applicant.sign"]})
	return ls, nil
}

// basis cites the rule behind each ground of a refusal at intake: lateness the window's
// paragraph (§9-2, §16), an incomplete or expired set the Law (art. 19, art. 20 p. 2)
// — or, where the rules only say it MAY refuse (§19, the contest), §19 and the person
// who decided.
func basis(w map[string]string, ref *intake.Refusal) []line {
	var out []line
	if ref.Window != nil && slices.Contains(ref.Grounds, intake.GroundOutsideWindow) {
		out = append(out, line{value: fmt.Sprintf(w["window.basis"], rulePar(ref.Window.Rule), ref.Window.From, ref.Window.To)})
	}
	documents := slices.Contains(ref.Grounds, intake.GroundIncomplete) || slices.Contains(ref.Grounds, intake.GroundExpired)
	switch {
	case ref.Discretion:
		out = append(out, line{value: fmt.Sprintf(w["p19.basis"], ref.Staff)})
	case documents:
		out = append(out, line{value: w["intake.basis"]})
	}
	return out
}

func orNone(list []string, w map[string]string) string {
	if len(list) == 0 {
		return w["none"]
	}
	return ""
}

// Text writes the receipt as plain text, one language after the other.
func Text(cat *intake.Catalogue, school School, a *intake.Application, langs ...string) (string, error) {
	if len(langs) == 0 {
		langs = Languages
	}
	var b strings.Builder
	for i, lang := range langs {
		if i > 0 {
			b.WriteString("\n" + strings.Repeat("-", 72) + "\n\n")
		}
		ls, err := build(cat, school, a, lang)
		if err != nil {
			return "", err
		}
		for _, l := range ls {
			switch {
			case l.title:
				b.WriteString(l.value + "\n")
			case l.label == "":
				b.WriteString("\n" + l.value + "\n")
			case len(l.list) > 0:
				b.WriteString(l.label + ":\n")
				for j, it := range l.list {
					fmt.Fprintf(&b, "  %d. %s\n", j+1, it)
				}
			default:
				b.WriteString(l.label + ": " + l.value + "\n")
			}
		}
	}
	return b.String(), nil
}
