package sqlstore

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"tarazy/omr/form"
	"tarazy/store"
)

// Published means frozen (issue 10): while a grade's latest edition is published and
// no amendment is open, every change that could change its results — a page, a review
// decision, a candidate, seats, a key, the commission or calendar, scores, a ranking,
// a tie decision — is refused in the transaction that would make it, so no race can
// slip one in after publication.

// frozenGrades returns the grades of a school (of every school when school is "")
// whose latest edition is published, as school → grades.
func (s *DB) frozenGrades(ctx context.Context, q queryer, contest, school string) (map[string]map[int]bool, error) {
	rows, err := q.QueryContext(ctx, `SELECT p.school, p.grade FROM publications p
		WHERE p.contest = $1 AND ($2 = '' OR p.school = $2) AND p.state = 'published'
		AND p.edition = (SELECT max(edition) FROM publications m WHERE m.contest = p.contest AND m.school = p.school AND m.grade = p.grade)`,
		contest, school)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]map[int]bool{}
	for rows.Next() {
		var sc string
		var g int
		if err := rows.Scan(&sc, &g); err != nil {
			return nil, err
		}
		if out[sc] == nil {
			out[sc] = map[int]bool{}
		}
		out[sc][g] = true
	}
	return out, rows.Err()
}

// mustBeOpen refuses a change to any of the grades of a school (every grade when none
// is given) while it is frozen.
func (s *DB) mustBeOpen(ctx context.Context, q queryer, contest, school string, grades ...int) error {
	frozen, err := s.frozenGrades(ctx, q, contest, school)
	if err != nil {
		return err
	}
	var hit []int
	for g := range frozen[school] {
		if len(grades) == 0 || containsInt(grades, g) {
			hit = append(hit, g)
		}
	}
	if len(hit) == 0 {
		return nil
	}
	sort.Ints(hit)
	return frozenError(school, hit)
}

func containsInt(list []int, v int) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// frozenError says, in English, Kazakh and Russian, why a change is refused and what
// to do.
func frozenError(school string, grades []int) error {
	gs := make([]string, len(grades))
	for i, g := range grades {
		gs[i] = strconv.Itoa(g)
	}
	list := strings.Join(gs, ", ")
	return store.Errorf(store.Conflict, "the results of grade %s at school %s are published and frozen; the chair opens an amendment with its reason first (POST …/grades/{grade}/amendments), then the change is made and published again"+
		" / %s мектебінің %s-сынып нәтижелері жарияланған, өзгертуге болмайды: алдымен төраға себебін жазып, өзгеріс енгізуді ашады, содан кейін қайта жарияланады"+
		" / результаты %s класса школы %s опубликованы и заморожены: сначала председатель открывает изменение с указанием причины, затем изменение вносится и публикуется заново",
		list, school, school, list, list, school)
}

// gradeOfForm is the grade of a form id, 0 when unknown.
func gradeOfForm(id string) int {
	if f, err := form.Get(id); err == nil {
		return f.Grade
	}
	return 0
}

// frozenReason is the reason a page of a frozen grade is refused.
func frozenReason(grade int) string {
	return fmt.Sprintf("the results of grade %d are published; this page was not stored as a sheet. If it must change them, the chair opens an amendment first, then scan it again"+
		" / %d-сынып нәтижелері жарияланған; парақ сақталмады, өзгеріс ашылғаннан кейін қайта сканерлеңіз"+
		" / результаты %d класса опубликованы; страница не сохранена, отсканируйте её снова после открытия изменения", grade, grade, grade)
}

// candidateOpen refuses a change of the base (a registration accepted, withdrawn or
// changed at the intake desk) that touches a frozen grade.
func (s *DB) candidateOpen(ctx context.Context, q queryer, contest, school string, before, after *store.Candidate) error {
	var grades []int
	if before != nil && (after == nil || *before != *after) {
		grades = append(grades, before.Grade)
	}
	if after != nil && (before == nil || *before != *after) {
		grades = append(grades, after.Grade)
	}
	if len(grades) == 0 {
		return nil
	}
	return s.mustBeOpen(ctx, q, contest, school, grades...)
}
