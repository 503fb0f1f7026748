package intake

import (
	"errors"

	"tarazy/iin"
)

// ageWarning checks §9 against the date of birth the child's IIN carries: "алты
// жастағы және күнтізбелік жылда алты жасқа толатын балаларды бірінші сыныпқа
// қабылдауды қамтамасыз етеді" — six-year-olds and children turning six in the
// calendar year. "Six-year-old" is read on the day the child is admitted from (1
// September), so a child born from 2 September six years before last through 31
// December of the year six before is admitted without a warning. Anything else is a
// warning for a person to check, never a refusal: the rules ensure the admission of
// these children, they do not forbid others.
func (fg *FirstGrade) ageWarning(childIIN string, year int) (Message, bool) {
	info, err := iin.Parse(childIIN)
	if err != nil && !errors.Is(err, iin.ErrChecksum) && !errors.Is(err, iin.ErrNotIssued) {
		return Message{}, false // no date of birth to read
	}
	b := DateOf(info.Birth)
	admitted := fg.AdmittedFrom.In(year)
	age := admitted.Year - b.Year
	if admitted.Month < b.Month || (admitted.Month == b.Month && admitted.Day < b.Day) {
		age--
	}
	if age == fg.Age || b.Year == year-fg.Age {
		return Message{}, false
	}
	if b.Year > year-fg.Age {
		return msg("first_grade_age",
			Text{"ЖСН бойынша бала %[1]s күні туған және %[2]d жылы әлі %[3]d жасқа толмайды (Үлгілік қағидалардың 9-тармағы: бірінші сыныпқа %[3]d жастағы және күнтізбелік жылда %[3]d жасқа толатын балалар қабылданады). Туу туралы куәлікпен тексеріңіз.",
				"По ИИН ребёнок родился %[1]s и в %[2]d году ещё не достигнет %[3]d лет (пункт 9 Типовых правил: в первый класс принимаются дети %[3]d лет и достигающие %[3]d лет в календарном году). Сверьте со свидетельством о рождении."},
			b, year, fg.Age), true
	}
	return msg("first_grade_age",
		Text{"ЖСН бойынша бала %[1]s күні туған: %[2]s күні оған %[3]d жас болады (Үлгілік қағидалардың 9-тармағы: бірінші сыныпқа %[4]d жастағы және күнтізбелік жылда %[4]d жасқа толатын балалар қабылданады). Туу туралы куәлікпен тексеріңіз.",
			"По ИИН ребёнок родился %[1]s: на %[2]s ребёнку будет %[3]d лет (пункт 9 Типовых правил: в первый класс принимаются дети %[4]d лет и достигающие %[4]d лет в календарном году). Сверьте со свидетельством о рождении."},
		b, admitted, age, fg.Age), true
}
