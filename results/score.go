package results

import (
	"context"
	"fmt"
	"sort"

	"tarazy/contest"
	"tarazy/omr/form"
	"tarazy/omr/reading"
	"tarazy/scoring"
	"tarazy/store"
)

// Scored is what scoring a scope gave.
type Scored struct {
	Policy contest.Policy
	// Batch holds every result, every conflict (refused pages, pages elsewhere and
	// unread ones included) and the identical rescans counted once.
	Batch scoring.Batch
	// Results is the ranking's input: one line per scored registered candidate, by
	// school, grade and IIN.
	Results []contest.Candidate
	// Items is the item analysis; Flagged the questions that look miskeyed.
	Items   []scoring.Item
	Flagged []scoring.Item
	// Pages is how many readings were scored or reported.
	Pages int
}

// Blocking reports whether a conflict stops the results from being stored: a ranking
// without that candidate would be silently wrong.
func (s *Scored) Blocking() bool { return s.Batch.HasBlocking() }

// BlockingCount is the number of blocking conflicts.
func (s *Scored) BlockingCount() int {
	n := 0
	for _, c := range s.Batch.Conflicts {
		if c.Kind.Blocking() {
			n++
		}
	}
	return n
}

// ScoringPolicy is the part of the policy scoring uses.
func ScoringPolicy(p contest.Policy) scoring.Policy { return scoring.Policy{InvalidAs: p.InvalidAs} }

// Score scores every sheet of the scope with the contest's keys and the school's base
// (scoring.ScoreAll), and reports every page that could hide a candidate: a page
// refused as a sheet is a blocking conflict naming it, and a registered candidate is
// absent only when no page carrying their IIN exists anywhere, in any state.
func Score(ctx context.Context, src Source, scope Scope, p contest.Policy) (*Scored, error) {
	if err := p.Validate(); err != nil {
		return nil, store.Errorf(store.Invalid, "%v", err)
	}
	keys, err := src.Keys(ctx)
	if err != nil {
		return nil, err
	}
	regs, err := src.Registrations(ctx, scope)
	if err != nil {
		return nil, err
	}
	inScope := 0
	for _, r := range regs {
		if scope.has(r.School, r.Grade) {
			inScope++
		}
	}
	// Without a base (the command line scoring readings alone) nothing can be
	// registered; a school grade with no candidate is a step skipped.
	if inScope == 0 && scope != All {
		return nil, store.Errorf(store.NotFound, "%s", noCandidates(scope).String())
	}
	pages, err := src.Pages(ctx, scope)
	if err != nil {
		return nil, err
	}
	var readings []reading.Reading
	for _, rd := range pages.Sheets {
		if scope.Grade == 0 || gradeOf(rd.Form) == scope.Grade {
			readings = append(readings, rd)
		}
	}
	var base []scoring.Candidate
	if len(regs) > 0 {
		base = contest.ScoringCandidates(regs)
	}
	b := scoring.ScoreAll(readings, keys, base, ScoringPolicy(p))
	if err := findAbsent(ctx, src, scope, &b, regs, pages); err != nil {
		return nil, err
	}
	// A page refused as a sheet blocks every grade of the school: its form may be
	// misread, and the sheet it collided with may be of another grade. Only a late page
	// is its own grade's, and only listed.
	for _, rf := range pages.Refused {
		switch {
		case rf.Refusal == store.RefusalReader:
			b.Conflicts = append(b.Conflicts, scoring.Conflict{Kind: scoring.ConflictUnread, File: rf.File, Page: rf.Page}.Says(
				"«%s» партиясы: бетті парақ ретінде оқу мүмкін болмады (%s); егер бұл үміткердің парағы болса, қайта сканерлеңіз",
				"партия «%s»: страницу не удалось прочитать как лист (%s); если это лист кандидата, отсканируйте его заново",
				"batch %q: the reader could not read this page as a sheet (%s); if it is a candidate's sheet, scan it again", rf.Batch, rf.Reason))
		case rf.Refusal == store.RefusalFrozen && scope.Grade != 0 && gradeOf(rf.Form) != scope.Grade:
		case rf.Refusal == store.RefusalFrozen:
			b.Conflicts = append(b.Conflicts, scoring.Conflict{Kind: scoring.ConflictLate, IIN: rf.IIN, File: rf.File, Page: rf.Page, Sheet: rf.Serial}.Says(
				"«%s» партиясы: бет нәтижелер жарияланғаннан кейін келді және сақталмады; нәтижені өзгертуі керек болса, өзгеріс ашық кезде қайта сканерлеңіз",
				"партия «%s»: страница пришла после публикации результатов и не сохранена; если она должна их изменить, отсканируйте её снова, когда изменение открыто",
				"batch %q: the page arrived after the results were published and was not stored; if it must change them, scan it again while an amendment is open", rf.Batch))
		default:
			b.Conflicts = append(b.Conflicts, scoring.Conflict{Kind: scoring.ConflictRefused, IIN: rf.IIN, File: rf.File, Page: rf.Page, Sheet: rf.Serial}.Says(
				"«%s» партиясы: бет парақ ретінде сақталмады: %s; бұл үміткердің жалғыз парағы болуы мүмкін, есептеу алдында қайта сканерлеңіз",
				"партия «%s»: страница не сохранена как лист: %s; это может быть единственный лист кандидата, отсканируйте её снова до подсчёта",
				"batch %q: the page was not stored as a sheet: %s; it may be a candidate's only sheet, so scan it again before scoring", rf.Batch, rf.Reason))
		}
	}
	scoring.SortConflicts(b.Conflicts)
	var results []contest.Candidate
	for _, c := range contest.JoinResults(regs, b.Results) {
		if scope.has(c.School, c.Grade) {
			results = append(results, c)
		}
	}
	sort.Slice(results, func(i, j int) bool {
		a, c := results[i], results[j]
		if a.School != c.School {
			return a.School < c.School
		}
		if a.Grade != c.Grade {
			return a.Grade < c.Grade
		}
		return a.IIN < c.IIN
	})
	items := scoring.AnalyzeItems(b.Results, keys, ScoringPolicy(p), scoring.DefaultItemOptions())
	return &Scored{Policy: p, Batch: b, Results: results, Items: items, Flagged: scoring.Flagged(items), Pages: len(readings)}, nil
}

// findAbsent keeps an absent conflict only for a candidate of the scope with no page
// anywhere: a sheet of theirs on another form, a page refused as a sheet or a page at
// another school makes them a blocking conflict that names it.
func findAbsent(ctx context.Context, src Source, scope Scope, b *scoring.Batch, regs []contest.Registration, pages Pages) error {
	reg := map[string]contest.Registration{}
	for _, r := range regs {
		reg[r.IIN] = r
	}
	sheetOf := map[string]reading.Reading{}
	for _, rd := range pages.Sheets {
		if _, ok := sheetOf[rd.IIN]; !ok {
			sheetOf[rd.IIN] = rd
		}
	}
	refusedOf := map[string]Refused{}
	for _, rf := range pages.Refused {
		if rf.IIN != "" {
			refusedOf[rf.IIN] = rf
		}
	}
	var absent []string
	kept := b.Conflicts[:0]
	for _, c := range b.Conflicts {
		if c.Kind != scoring.ConflictAbsent {
			kept = append(kept, c)
			continue
		}
		r := reg[c.IIN]
		if !scope.has(r.School, r.Grade) {
			continue // another grade's candidate: its own scoring reports it
		}
		if rd, ok := sheetOf[c.IIN]; ok {
			kept = append(kept, scoring.Conflict{Kind: scoring.ConflictWrongGrade, IIN: c.IIN, File: rd.File, Page: rd.Page, Sheet: rd.Sheet}.Says(
				"үміткер %d-сыныпқа тіркелген, ал оның мұндағы жалғыз парағы — %s бланкі; комиссия қай тестті жазғанын тексереді",
				"кандидат зарегистрирован в %d класс, а его единственный лист здесь — бланк %s; комиссия проверяет, какой тест он писал",
				"the candidate is registered for grade %d, and their only sheet here is form %s; the commission checks which test they wrote", r.Grade, rd.Form))
			continue
		}
		if rf, ok := refusedOf[c.IIN]; ok && rf.Refusal != store.RefusalFrozen {
			continue // their page was refused as a sheet: that blocking conflict names it
		}
		absent = append(absent, c.IIN)
		kept = append(kept, c)
	}
	b.Conflicts = kept
	if len(absent) == 0 {
		return nil
	}
	elsewhere, err := src.Elsewhere(ctx, scope, absent)
	if err != nil {
		return err
	}
	unread := 0
	for _, rf := range pages.Refused {
		if rf.Refusal == store.RefusalReader {
			unread++
		}
	}
	for i := range b.Conflicts {
		c := &b.Conflicts[i]
		if c.Kind != scoring.ConflictAbsent {
			continue
		}
		if state, ok := elsewhere[c.IIN]; ok {
			*c = scoring.Conflict{Kind: scoring.ConflictElsewhere, IIN: c.IIN}.Says(
				"үміткердің мұнда парағы жоқ, бірақ оның ЖСН-і бар бет басқа мектепте сканерленген (онда: %s); «Дарын» орталығы оны табады: бет мұнда қайта сканерленеді немесе онда ЖСН түзетіледі",
				"здесь нет листа кандидата, но страница с его ИИН отсканирована в другой школе (там: %s); центр «Дарын» находит её: её сканируют здесь или исправляют ИИН там",
				"no page of the candidate is here, but a page carrying their IIN was scanned at another school (%s there); the Daryn centre finds it, and it is scanned again here or its IIN corrected there", state)
			continue
		}
		r := reg[c.IIN]
		*c = scoring.Conflict{Kind: scoring.ConflictAbsent, IIN: c.IIN}.Says(
			"%d-сыныпқа %s мектебінде тіркелген, бұл ЖСН бар бет еш жерде сканерленбеген; үміткердің келмегенін растаңыз",
			"зарегистрирован в %d класс в школе %s, страница с этим ИИН нигде не отсканирована; подтвердите, что кандидат не пришёл",
			"registered for grade %d at %s, and no page carrying this IIN was scanned anywhere; confirm the candidate was absent", r.Grade, r.School)
		if unread > 0 {
			c.DetailKK += fmt.Sprintf(" (мектептің %d беті мүлде оқылмады: олардың ешқайсысы оның парағы емес екенін тексеріңіз)", unread)
			c.DetailRU += fmt.Sprintf(" (%d страниц школы не прочитаны вовсе: проверьте, что среди них нет его листа)", unread)
			c.Detail += fmt.Sprintf(" (%d pages of this school could not be read at all: check none of them is theirs)", unread)
		}
	}
	return nil
}

func gradeOf(formID string) int {
	if f, err := form.Get(formID); err == nil {
		return f.Grade
	}
	return 0
}

func noCandidates(s Scope) Text {
	if s.School == "" {
		return textf("тізімде үміткер жоқ; алдымен үміткерлер базасын жүктеңіз", "в базе нет кандидатов; сначала загрузите базу кандидатов",
			"the candidates' base lists no candidate; load it first")
	}
	return textf("%s мектебінде %d-сыныпқа үміткер тіркелмеген; алдымен үміткерлерді жүктеңіз",
		"в школе %s не зарегистрированы кандидаты в %d класс; сначала загрузите кандидатов",
		"no candidates are registered at school %s for grade %d; upload them first", s.School, s.Grade)
}

// ConflictPage is one page of a conflict list, and where the next starts.
type ConflictPage struct {
	Conflicts []scoring.Conflict `json:"conflicts"`
	Total     int                `json:"total"`
	ByKind    map[string]int     `json:"by_kind"`
	Next      string             `json:"next,omitempty"` // pass as after= for the next page
}

// MaxConflictPage bounds one page of conflicts: thousands of conflicts are never one
// answer.
const MaxConflictPage = 1000

// PageConflicts returns up to limit conflicts after the cursor (the position a
// previous page gave), with the counts by kind of all of them.
func PageConflicts(cs []scoring.Conflict, after string, limit int) ConflictPage {
	if limit <= 0 || limit > MaxConflictPage {
		limit = 100
	}
	start := 0
	if after != "" {
		fmt.Sscan(after, &start)
		start = max(0, min(start, len(cs)))
	}
	end := min(len(cs), start+limit)
	p := ConflictPage{Conflicts: append([]scoring.Conflict{}, cs[start:end]...), Total: len(cs), ByKind: map[string]int{}}
	for _, c := range cs {
		p.ByKind[string(c.Kind)]++
	}
	if end < len(cs) {
		p.Next = fmt.Sprint(end)
	}
	return p
}
