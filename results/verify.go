package results

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"tarazy/calibration"
	"tarazy/contest"
	"tarazy/omr/reading"
	"tarazy/review"
	"tarazy/store"
)

// Reader reads a stored page image again, as the scanner worker read it. The server's
// own packages never import OpenCV: cmd/tarazy wires the omr reader in.
type Reader interface {
	// Version is the reader's version (omr.Version), which every reading records.
	Version() string
	// Read reads one page image with a calibration profile; the reading names the file
	// and page given.
	Read(ctx context.Context, file string, page int, image []byte, profile *calibration.Profile) (reading.Reading, error)
}

// Kinds of difference Verify finds, from the scan to the published file.
const (
	DiffReader      = "reader"      // the scan was read by another reader version, or its profile is lost
	DiffReading     = "reading"     // the stored reading is not what the scan reads
	DiffReview      = "review"      // a stored version is not what the recorded review decisions give
	DiffScore       = "score"       // a stored score is not what the sheets, key, base and policy give
	DiffRanking     = "ranking"     // a stored place or outcome is not what the scores, seats and decisions give
	DiffPolicy      = "policy"      // the recorded policy is not the one the published protocol prints
	DiffProtocol    = "protocol"    // the published file is not what the results render to
	DiffPublication = "publication" // the publication's record is not what its protocol prints
)

var kindOrder = []string{DiffReader, DiffReading, DiffReview, DiffPolicy, DiffScore, DiffRanking, DiffPublication, DiffProtocol}

func kindRank(k string) int {
	if i := slices.Index(kindOrder, k); i >= 0 {
		return i
	}
	return len(kindOrder)
}

// Difference is one thing that is not what the evidence gives, in words.
type Difference struct {
	Kind    string `json:"kind"`
	Subject string `json:"subject"`
	Text    Text   `json:"text"`
}

// Verdict is the outcome of verifying a published protocol.
type Verdict struct {
	Contest         string       `json:"contest"`
	School          string       `json:"school"`
	Grade           int          `json:"grade"`
	Edition         int          `json:"edition"`
	OK              bool         `json:"ok"`
	Summary         Text         `json:"summary"`
	Pages           int          `json:"pages"`  // scans read again
	Sheets          int          `json:"sheets"` // sheets whose versions were replayed
	Candidates      int          `json:"candidates"`
	ResultsSHA256   string       `json:"results_sha256"`   // of the results computed again
	PublishedSHA256 string       `json:"published_sha256"` // printed in the published protocol
	Reader          string       `json:"reader"`
	Seconds         float64      `json:"seconds"`
	Differences     []Difference `json:"differences"`
}

func (v *Verdict) add(kind, subject string, t Text) {
	v.Differences = append(v.Differences, Difference{Kind: kind, Subject: subject, Text: t})
}

// MaxDifferences bounds a verdict: past it the cause is plain, and the rest is counted.
const MaxDifferences = 500

// Verify checks the latest published edition of a school grade against its evidence:
// it reads every stored scan of the grade again with the reader version and
// calibration profile recorded with it, replays every sheet's versions with the
// recorded review decisions, scores again with the stored key, base and recorded
// policy, ranks again with the stored seats and tie decisions, renders again with the
// stored commission and calendar, and compares each stored step and the published
// files byte for byte. Every difference is named in words.
func (s *Service) Verify(ctx context.Context, contestID, school string, grade int) (*Verdict, error) {
	if s.Reader == nil {
		return nil, store.Errorf(store.Conflict, "%s", textf("бұл сервер сканерленген беттерді оқи алмайды; tarazy verify командасын қолданыңыз",
			"этот сервер не умеет читать сканы; используйте команду tarazy verify",
			"this server cannot read scans; run tarazy verify where the reader is installed").String())
	}
	start := time.Now()
	v := &Verdict{Contest: contestID, School: school, Grade: grade, Reader: s.Reader.Version(), Differences: []Difference{}}
	pubs, err := s.Store.Publications(ctx, contestID, school, grade)
	if err != nil {
		return nil, err
	}
	var pub *store.Publication
	for i := range pubs {
		if pubs[i].State == store.PublicationPublished {
			pub = &pubs[i]
		}
	}
	if pub == nil {
		return nil, store.Errorf(store.NotFound, "%s", textf("%s мектебінің %d-сынып хаттамасы әлі жарияланбаған", "протокол школы %s, %d класс, ещё не опубликован",
			"the protocol of school %s grade %d is not published yet", school, grade).String())
	}
	v.Edition, v.PublishedSHA256 = pub.Edition, pub.ResultsSHA256

	reread, err := s.reread(ctx, v, contestID, school, grade)
	if err != nil {
		return nil, err
	}
	finals, err := s.replay(ctx, v, contestID, school, grade, reread)
	if err != nil {
		return nil, err
	}
	if err := s.recompute(ctx, v, contestID, school, grade, finals); err != nil {
		return nil, err
	}
	// The cause first: a changed reading or decision explains the scores, ranks and
	// files that follow from it.
	sort.SliceStable(v.Differences, func(i, j int) bool { return kindRank(v.Differences[i].Kind) < kindRank(v.Differences[j].Kind) })
	if len(v.Differences) > MaxDifferences {
		more := len(v.Differences) - MaxDifferences
		v.Differences = append(v.Differences[:MaxDifferences], Difference{Kind: "more", Text: textf("тағы %d айырмашылық", "и ещё %d различий", "and %d more differences", more)})
	}
	v.OK = len(v.Differences) == 0
	v.Seconds = time.Since(start).Seconds()
	if v.OK {
		v.Summary = textf("РАСТАЛДЫ: %s мектебінің %d-сынып хаттамасы (№%d басылым) %d сканнан, жазылған шешімдерден және саясаттан қайта есептелгенде байт-байтқа бірдей шықты",
			"ПОДТВЕРЖДЕНО: протокол школы %s, %d класс (редакция %d), заново вычисленный из %d сканов, записанных решений и политики, совпадает байт в байт",
			"VERIFIED: the protocol of school %s grade %d (edition %d), computed again from %d scans, the recorded decisions and the policy, is the same byte for byte",
			school, grade, v.Edition, v.Pages)
	} else {
		v.Summary = textf("РАСТАЛМАДЫ: %s мектебінің %d-сынып хаттамасы (№%d басылым) дәлелдерге сәйкес емес — %d айырмашылық, төменде әрқайсысы",
			"НЕ ПОДТВЕРЖДЕНО: протокол школы %s, %d класс (редакция %d), не соответствует доказательствам — различий: %d, каждое ниже",
			"NOT VERIFIED: the protocol of school %s grade %d (edition %d) does not match its evidence: %d differences, each below",
			school, grade, v.Edition, len(v.Differences))
	}
	return v, nil
}

// reread reads every scan of the grade that became a sheet version again, and
// compares each reading with the one stored when it was delivered.
func (s *Service) reread(ctx context.Context, v *Verdict, contestID, school string, grade int) (map[string]reading.Reading, error) {
	profiles := map[string]*calibration.Profile{}
	def := calibration.Default()
	profiles[def.SHA256()] = def
	byBatch := map[string]*calibration.Profile{}
	batches, err := s.Store.Batches(ctx, contestID, school)
	if err != nil {
		return nil, err
	}
	for _, b := range batches {
		if b.Calibration == nil {
			continue
		}
		p := b.Calibration.Profile
		profiles[p.SHA256()] = &p
		byBatch[b.Name] = &p
	}
	pages, err := s.Store.Pages(ctx, contestID, school)
	if err != nil {
		return nil, err
	}
	type job struct {
		p       store.Page
		profile *calibration.Profile
	}
	var jobs []job
	versions := map[string]bool{}
	for _, p := range pages {
		if p.Outcome == store.OutcomeRejected || gradeOf(p.Reading.Form) != grade {
			continue
		}
		prof := def
		if r := p.Reading.Reader; r != nil {
			if r.Version != s.Reader.Version() && !versions[r.Version] {
				versions[r.Version] = true
				v.add(DiffReader, r.Version, textf("беттер %s нұсқасымен оқылған, қазір %s тексереді; айырмашылықтар оқу құралының өзгерісінен болуы мүмкін",
					"страницы прочитаны версией %s, проверяет %s; различия могут объясняться сменой средства чтения",
					"the pages were read by reader %s and are checked by %s; differences may come from the reader's change", r.Version, s.Reader.Version()))
			}
			var ok bool
			if prof, ok = profiles[r.Profile]; !ok {
				v.add(DiffReader, pageName(p), textf("%s: жазылған калибровка профилі (%s) сақталмаған, бетті сол күйінде қайта оқу мүмкін емес",
					"%s: записанный профиль калибровки (%s) не сохранён, перечитать страницу так же нельзя",
					"%s: the calibration profile it was read with (%s) is not stored, so it cannot be read the same way again", pageName(p), short(r.Profile)))
				continue
			}
		} else if bp := byBatch[p.Batch]; bp != nil {
			prof = bp
		}
		jobs = append(jobs, job{p, prof})
	}
	out := make(map[string]reading.Reading, len(jobs))
	var mu sync.Mutex
	var firstErr error
	work := make(chan job)
	var wg sync.WaitGroup
	for w := 0; w < runtime.GOMAXPROCS(0); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range work {
				rd, diff, err := s.readOne(ctx, j.p, j.profile)
				mu.Lock()
				switch {
				case err != nil && firstErr == nil:
					firstErr = err
				case diff != nil:
					v.Differences = append(v.Differences, *diff)
				case err == nil:
					out[j.p.Image] = rd
				}
				mu.Unlock()
			}
		}()
	}
	for _, j := range jobs {
		if ctx.Err() != nil {
			break
		}
		work <- j
	}
	close(work)
	wg.Wait()
	if firstErr != nil {
		return nil, firstErr
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	v.Pages = len(out)
	for _, j := range jobs {
		rd, ok := out[j.p.Image]
		if !ok {
			continue
		}
		for _, d := range readingDiffs(j.p.Reading, rd) {
			v.add(DiffReading, pageName(j.p), textl("%s: сақталған оқылымда %s, ал скан %s", "%s: в сохранённом чтении %s, а скан даёт %s",
				"%s: the stored reading has %s, the scan reads %s", pageName(j.p), d.field.KK+" "+d.stored, d.fresh, pageName(j.p), d.field.RU+" "+d.stored, d.fresh,
				pageName(j.p), d.field.EN+" "+d.stored, d.fresh))
		}
	}
	return out, nil
}

// readOne reads one page again; a missing image is a difference, not an error.
func (s *Service) readOne(ctx context.Context, p store.Page, prof *calibration.Profile) (reading.Reading, *Difference, error) {
	f, err := s.Blobs.Open(ctx, p.Image)
	if err != nil && !errors.Is(err, ErrNoBlob) {
		return reading.Reading{}, nil, fmt.Errorf("open the scan %s: %w", p.Image, err)
	}
	if err != nil {
		d := Difference{Kind: DiffReading, Subject: pageName(p), Text: textf("%s: сканның суреті (%s) жоқ", "%s: изображения скана (%s) нет",
			"%s: the scan's image (%s) is missing", pageName(p), short(p.Image))}
		return reading.Reading{}, &d, nil
	}
	img, err := io.ReadAll(f)
	f.Close()
	if err != nil {
		return reading.Reading{}, nil, fmt.Errorf("read the scan %s: %w", p.Image, err)
	}
	rd, err := s.Reader.Read(ctx, p.File, p.Page, img, prof)
	if err != nil {
		return reading.Reading{}, nil, fmt.Errorf("read %s again: %w", pageName(p), err)
	}
	return rd, nil, nil
}

func pageName(p store.Page) string {
	if p.Serial != "" {
		return fmt.Sprintf("sheet %s (%s p%d)", p.Serial, p.File, p.Page)
	}
	return fmt.Sprintf("%s p%d", p.File, p.Page)
}

func short(h string) string {
	if len(h) > 12 {
		return h[:12]
	}
	return h
}

// replay rebuilds every sheet's versions of the grade from the scans read again and
// the recorded review decisions, compares each with the stored version, and returns
// the current reading of every sheet of the school as the evidence gives it.
func (s *Service) replay(ctx context.Context, v *Verdict, contestID, school string, grade int, reread map[string]reading.Reading) ([]reading.Reading, error) {
	versions, err := s.Store.SchoolVersions(ctx, contestID, school)
	if err != nil {
		return nil, err
	}
	history, err := s.Store.ReviewHistory(ctx, contestID, school)
	if err != nil {
		return nil, err
	}
	items := map[string][]store.ReviewItem{}
	for _, it := range history {
		items[it.Serial] = append(items[it.Serial], it)
	}
	bySerial := map[string][]store.SheetVersion{}
	var serials []string
	for _, sv := range versions {
		if _, ok := bySerial[sv.Serial]; !ok {
			serials = append(serials, sv.Serial)
		}
		bySerial[sv.Serial] = append(bySerial[sv.Serial], sv)
	}
	sort.Strings(serials)
	var out []reading.Reading
	for _, serial := range serials {
		vs := bySerial[serial]
		if gradeOf(vs[0].Reading.Form) != grade {
			out = append(out, vs[len(vs)-1].Reading) // another grade: as stored
			continue
		}
		v.Sheets++
		its := items[serial]
		sort.Slice(its, func(i, j int) bool { return its[i].ID < its[j].ID })
		consumed := map[int64]bool{}
		var cur reading.Reading
		for k, sv := range vs {
			name := fmt.Sprintf("sheet %s version %d", serial, sv.Version)
			var expected reading.Reading
			switch sv.Source {
			case store.SourceScan, store.SourceRescan:
				fresh, ok := reread[sv.Image]
				if !ok {
					expected = sv.Reading // its scan could not be read again: already named
					break
				}
				expected = fresh
				if sv.Source == store.SourceRescan {
					expected.Status, expected.Review = reading.StatusReview, review.Differences(cur, fresh)
					if len(expected.Review) == 0 {
						v.add(DiffReview, name, textf("%s: қайта сканерленген бет алдыңғы нұсқамен бірдей оқылады, жаңа нұсқа болмауы керек еді",
							"%s: повторный скан читается так же, как прежняя версия; новой версии быть не должно",
							"%s: the rescan reads the same as the version before it; it should not have made a version", name))
					}
				}
			case store.SourceReview:
				finals := map[string]string{}
				for _, it := range its {
					if consumed[it.ID] || !it.Applied || it.Version >= sv.Version {
						continue
					}
					consumed[it.ID] = true
					out := review.Evaluate(review.Field{Name: it.Field, Machine: it.Machine, HasMachine: it.HasMachine, Decisions: it.Decisions})
					if out.State != review.Final {
						v.add(DiffReview, name, textl("%s: %s өрісі бойынша жазылған шешімдер оны шешпейді (%s)", "%s: записанные решения по полю %s его не решают (%s)",
							"%s: the recorded decisions on field %s do not settle it (%s)", name, it.Field, out.State, name, it.Field, out.State, name, it.Field, out.State))
						continue
					}
					finals[it.Field] = out.Value
				}
				next, err := review.Apply(cur, finals)
				if err != nil {
					v.add(DiffReview, name, textl("%s: жазылған шешімдер қолданылмайды: %v", "%s: записанные решения не применяются: %v",
						"%s: the recorded decisions cannot be applied: %v", name, err, name, err, name, err))
					next = sv.Reading
				}
				expected = next
			default:
				expected = sv.Reading
			}
			kind := DiffReading
			if sv.Source == store.SourceReview {
				kind = DiffReview
			}
			for _, d := range readingDiffs(sv.Reading, expected) {
				if kind == DiffReview {
					v.add(kind, name, textl("%s: сақталған нұсқада %s, ал жазылған шешімдер бойынша %s", "%s: в сохранённой версии %s, а по записанным решениям %s",
						"%s: the stored version has %s, the recorded decisions give %s", name, d.field.KK+" "+d.stored, d.fresh, name, d.field.RU+" "+d.stored, d.fresh,
						name, d.field.EN+" "+d.stored, d.fresh))
				} else if k > 0 || sv.Image != "" {
					v.add(kind, name, textl("%s: сақталған нұсқада %s, ал скан %s", "%s: в сохранённой версии %s, а скан даёт %s",
						"%s: the stored version has %s, the scan reads %s", name, d.field.KK+" "+d.stored, d.fresh, name, d.field.RU+" "+d.stored, d.fresh,
						name, d.field.EN+" "+d.stored, d.fresh))
				}
			}
			cur = expected
		}
		out = append(out, cur)
	}
	return out, nil
}

// evidence is the store as a Source, with the sheets as the evidence gives them and,
// once scored again, those scores.
type evidence struct {
	*storeSource
	sheets []reading.Reading
	scores []contest.Candidate
	policy contest.Policy
}

func (e *evidence) Pages(ctx context.Context, sc Scope) (Pages, error) {
	p, err := e.storeSource.Pages(ctx, sc)
	p.Sheets = e.sheets
	return p, err
}

func (e *evidence) Scores(ctx context.Context, sc Scope) ([]contest.Candidate, contest.Policy, error) {
	return e.scores, e.policy, nil
}

// recompute scores, ranks and renders again from the replayed sheets and compares
// each with what is stored and published.
func (s *Service) recompute(ctx context.Context, v *Verdict, contestID, school string, grade int, sheets []reading.Reading) error {
	scope := Scope{School: school, Grade: grade}
	rs, stored, err := s.Store.Scores(ctx, contestID, school, grade)
	if err != nil {
		return err
	}
	if rs.Policy == nil {
		v.add(DiffPolicy, "policy", textf("нәтижелермен бірге саясат жазылмаған", "политика не записана вместе с результатами", "no policy is recorded with the scores"))
		return nil
	}
	ev := &evidence{storeSource: &storeSource{st: s.Store, contest: contestID, edition: v.Edition}, sheets: sheets, policy: *rs.Policy}
	sc, err := Score(ctx, ev, scope, *rs.Policy)
	if err != nil {
		return err
	}
	for _, c := range sc.Batch.Conflicts {
		if c.Kind.Blocking() {
			v.add(DiffScore, firstNonEmpty(c.Sheet, c.IIN, c.File), textl("қайта есептеу шешілмеген жағдай табады (%s): %s", "пересчёт находит нерешённый случай (%s): %s",
				"scoring again finds an unresolved conflict (%s): %s", c.Kind, c.Detail, c.Kind, c.Detail, c.Kind, c.Detail))
		}
	}
	v.Candidates = len(sc.Results)
	compareScores(v, stored, sc.Results)
	ev.scores = sc.Results
	pr, err := Protocol(ctx, ev, school, grade)
	if err != nil {
		var se *StaleError
		if errAs(err, &se) {
			for _, st := range se.Stale {
				v.add(DiffRanking, "tie decision "+strconv.FormatInt(st.Decision.ID, 10), st.Why)
			}
			return nil
		}
		if store.ErrorCode(err) == store.Conflict || store.ErrorCode(err) == store.Invalid {
			v.add(DiffRanking, "ranking", textl("қайта рейтинг жасалмайды: %v", "рейтинг не строится заново: %v", "the ranking cannot be made again: %v", err, err, err))
			return nil
		}
		return err
	}
	v.ResultsSHA256 = pr.Public.ResultsSHA256
	if rk, err := s.Store.Ranking(ctx, contestID, school, grade); err == nil {
		compareRanking(v, rk.Placements, pr.Result.Rows)
	} else if store.ErrorCode(err) != store.NotFound {
		return err
	}
	if v.PublishedSHA256 != "" && v.PublishedSHA256 != v.ResultsSHA256 {
		v.add(DiffPublication, fmt.Sprintf("edition %d", v.Edition), textl("жарияланымда нәтижелердің бақылау қосындысы %s, қайта есептегенде %s",
			"в публикации контрольная сумма результатов %s, при пересчёте %s", "the publication records the results SHA-256 %s, computed again it is %s",
			short(v.PublishedSHA256), short(v.ResultsSHA256), short(v.PublishedSHA256), short(v.ResultsSHA256), short(v.PublishedSHA256), short(v.ResultsSHA256)))
	}
	for _, f := range Formats {
		p, err := s.Store.PublishedProtocol(ctx, contestID, school, grade, f, v.Edition)
		if store.ErrorCode(err) == store.NotFound {
			continue
		}
		if err != nil {
			return err
		}
		published, err := s.readBlob(ctx, p.SHA256)
		if err != nil {
			v.add(DiffProtocol, "public."+f, textl("жарияланған %s файлы жоқ: %v", "опубликованного файла %s нет: %v", "the published %s file is missing: %v", f, err, f, err, f, err))
			continue
		}
		again := pr.File(store.VisibilityPublic, f)
		if bytes.Equal(published, again) {
			continue
		}
		v.add(DiffProtocol, "public."+f, textl("жарияланған %s файлы (%d байт) қайта жасалған файлмен (%d байт) бірдей емес",
			"опубликованный файл %s (%d байт) не совпадает с созданным заново (%d байт)",
			"the published %s file (%d bytes) is not the one the results render to (%d bytes)", f, len(published), len(again), f, len(published), len(again), f, len(published), len(again)))
		if f == "json" {
			var pub contest.Protocol
			if err := json.Unmarshal(published, &pub); err == nil {
				compareProtocols(v, &pub, pr.Public)
			}
		}
	}
	return nil
}

func (s *Service) readBlob(ctx context.Context, sha string) ([]byte, error) {
	f, err := s.Blobs.Open(ctx, sha)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(f)
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

type fieldDiff struct {
	field         Text
	stored, fresh string
}

func shown(v string) string {
	if v == "" {
		return "«—»"
	}
	return "«" + v + "»"
}

// readingDiffs lists the fields two readings of one page disagree on, in words.
func readingDiffs(stored, fresh reading.Reading) []fieldDiff {
	var out []fieldDiff
	add := func(t Text, a, b string) {
		if a != b {
			out = append(out, fieldDiff{t, shown(a), shown(b)})
		}
	}
	add(Text{"күйі", "статус", "status"}, stored.Status, fresh.Status)
	add(Text{"бланк", "бланк", "form"}, stored.Form, fresh.Form)
	add(Text{"парақ нөмірі", "номер листа", "serial"}, stored.Sheet, fresh.Sheet)
	add(Text{"ЖСН", "ИИН", "IIN"}, stored.IIN, fresh.IIN)
	add(Text{"нұсқа", "вариант", "variant"}, stored.Variant, fresh.Variant)
	for q := 0; q < max(len(stored.Answers), len(fresh.Answers)); q++ {
		a, b := at(stored.Answers, q), at(fresh.Answers, q)
		add(textl("%d-сұрақ", "вопрос %d", "question %d", q+1, q+1, q+1), a, b)
	}
	add(Text{"тексерілетін өрістер", "поля на проверке", "fields under review"}, strings.Join(stored.Review, " "), strings.Join(fresh.Review, " "))
	return out
}

func at(s []string, i int) string {
	if i < len(s) {
		return s[i]
	}
	return ""
}

func yesNo(b bool) Text {
	if b {
		return Text{"иә", "да", "yes"}
	}
	return Text{"жоқ", "нет", "no"}
}

// compareScores names every candidate whose stored result differs from the one
// computed again.
func compareScores(v *Verdict, stored, again []contest.Candidate) {
	byIIN := map[string]contest.Candidate{}
	for _, c := range stored {
		byIIN[c.IIN] = c
	}
	seen := map[string]bool{}
	for _, c := range again {
		seen[c.IIN] = true
		subject := "candidate " + c.IIN
		old, ok := byIIN[c.IIN]
		if !ok {
			v.add(DiffScore, subject, textl("%s (%s) қайта есептегенде бар (%d балл), бірақ сақталған нәтижелерде жоқ", "%s (%s) есть при пересчёте (%d баллов), но нет в сохранённых результатах",
				"%s (%s) is scored again (%d points) but missing from the stored results", c.IIN, c.Name, c.Score, c.IIN, c.Name, c.Score, c.IIN, c.Name, c.Score))
			continue
		}
		type f struct {
			name      Text
			old, want string
		}
		fields := []f{
			{Text{"балл", "балл", "score"}, strconv.Itoa(old.Score), strconv.Itoa(c.Score)},
			{Text{"математика", "математика", "math"}, strconv.Itoa(old.Math), strconv.Itoa(c.Math)},
			{Text{"оқу сауаттылығы", "грамотность чтения", "reading"}, strconv.Itoa(old.Reading), strconv.Itoa(c.Reading)},
			{Text{"тарих", "история", "history"}, strconv.Itoa(old.History), strconv.Itoa(c.History)},
			{Text{"аты-жөні", "ФИО", "name"}, old.Name, c.Name},
		}
		for _, x := range fields {
			if x.old != x.want {
				v.add(DiffScore, subject, textl("%s: сақталған %s — %s, қайта есептегенде %s", "%s: сохранено %s — %s, при пересчёте %s",
					"%s: the stored %s is %s, computed again %s", c.IIN, x.name.KK, x.old, x.want, c.IIN, x.name.RU, x.old, x.want, c.IIN, x.name.EN, x.old, x.want))
			}
		}
		flags := []struct {
			name      Text
			old, want bool
		}{
			{Text{"олимпиада белгісі (§38)", "отметка олимпиады (§38)", "olympiad flag (§38)"}, old.Olympiad, c.Olympiad},
			{Text{"«Мың бала» белгісі (§25)", "отметка «Мың бала» (§25)", "«Мың бала» flag (§25)"}, old.MynBala, c.MynBala},
		}
		for _, x := range flags {
			if x.old != x.want {
				o, w := yesNo(x.old), yesNo(x.want)
				v.add(DiffScore, subject, textl("%s: сақталған нәтижелерде %s — %s, үміткерлер базасында қазір %s", "%s: в сохранённых результатах %s — %s, в базе кандидатов сейчас %s",
					"%s: the stored results have %s %s, the candidates' base now says %s", c.IIN, x.name.KK, o.KK, w.KK, c.IIN, x.name.RU, o.RU, w.RU, c.IIN, x.name.EN, o.EN, w.EN))
			}
		}
	}
	for _, c := range stored {
		if !seen[c.IIN] {
			v.add(DiffScore, "candidate "+c.IIN, textl("%s (%s) сақталған нәтижелерде бар, бірақ сканнан қайта есептегенде жоқ", "%s (%s) есть в сохранённых результатах, но не получается из сканов",
				"%s (%s) is in the stored results but not in the results computed from the scans", c.IIN, c.Name, c.IIN, c.Name, c.IIN, c.Name))
		}
	}
}

func compareRanking(v *Verdict, stored, again []contest.Row) {
	byIIN := map[string]contest.Row{}
	for _, r := range stored {
		byIIN[r.IIN] = r
	}
	for _, r := range again {
		old, ok := byIIN[r.IIN]
		if !ok {
			continue // named by the scores
		}
		if old.Place != r.Place || old.Outcome != r.Outcome {
			ok1, ok2 := contest.OutcomeText(old.Outcome)
			nk1, nk2 := contest.OutcomeText(r.Outcome)
			v.add(DiffRanking, "candidate "+r.IIN, textl("%s: сақталған рейтингте %d-орын, %s; қайта есептегенде %d-орын, %s",
				"%s: в сохранённом рейтинге место %d, %s; при пересчёте место %d, %s",
				"%s: the stored ranking has place %d, %s; computed again place %d, %s",
				r.IIN, old.Place, ok1, r.Place, nk1, r.IIN, old.Place, ok2, r.Place, nk2, r.IIN, old.Place, old.Outcome, r.Place, r.Outcome))
		}
	}
	if len(stored) != len(again) {
		v.add(DiffRanking, "ranking", textl("сақталған рейтингте %d үміткер, қайта есептегенде %d", "в сохранённом рейтинге %d кандидатов, при пересчёте %d",
			"the stored ranking lists %d candidates, computed again %d", len(stored), len(again), len(stored), len(again), len(stored), len(again)))
	}
}

// compareProtocols names what the published protocol prints otherwise than the one
// the evidence renders to: policies, rows, the commission.
func compareProtocols(v *Verdict, pub, again *contest.Protocol) {
	pol := map[string]contest.PolicyLine{}
	for _, p := range again.Policies {
		pol[p.Key] = p
	}
	for _, p := range pub.Policies {
		if a, ok := pol[p.Key]; ok && a.Value != p.Value {
			v.add(DiffPolicy, "policy "+p.Key, textl("жарияланған хаттамада «%s» — %s (%s), ал жазылған саясат бойынша — %s (%s)",
				"в опубликованном протоколе «%s» — %s (%s), а по записанной политике — %s (%s)",
				"the published protocol prints %q as %s (%s); the recorded policy gives %s (%s)",
				p.NameKK, p.Value, p.TextKK, a.Value, a.TextKK, p.NameRU, p.Value, p.TextRU, a.Value, a.TextRU, p.NameRU, p.Value, p.TextRU, a.Value, a.TextRU))
		}
	}
	rows := map[int]contest.ProtocolRow{}
	for _, r := range again.Rows {
		rows[r.Place] = r
	}
	for _, r := range pub.Rows {
		a, ok := rows[r.Place]
		if !ok {
			continue
		}
		if a.IIN != r.IIN || a.Score != r.Score || a.Outcome != r.Outcome || a.ReservePlace != r.ReservePlace || a.Olympiad != r.Olympiad {
			v.add(DiffProtocol, fmt.Sprintf("place %d", r.Place), textl("%d-орын: жарияланғаны %s %s, %d балл, %s; қайта есептегені %s %s, %d балл, %s",
				"место %d: опубликовано %s %s, %d баллов, %s; при пересчёте %s %s, %d баллов, %s",
				"place %d: published %s %s, %d points, %s; computed again %s %s, %d points, %s",
				r.Place, r.Name, r.IIN, r.Score, r.Outcome, a.Name, a.IIN, a.Score, a.Outcome,
				r.Place, r.Name, r.IIN, r.Score, r.Outcome, a.Name, a.IIN, a.Score, a.Outcome,
				r.Place, r.Name, r.IIN, r.Score, r.Outcome, a.Name, a.IIN, a.Score, a.Outcome))
		}
	}
	if len(pub.Rows) != len(again.Rows) {
		v.add(DiffProtocol, "rows", textl("жарияланған хаттамада %d үміткер, қайта есептегенде %d", "в опубликованном протоколе %d кандидатов, при пересчёте %d",
			"the published protocol lists %d candidates, computed again %d", len(pub.Rows), len(again.Rows), len(pub.Rows), len(again.Rows), len(pub.Rows), len(again.Rows)))
	}
	if pub.Commission.Chair != again.Commission.Chair || !slices.Equal(pub.Commission.Members, again.Commission.Members) {
		v.add(DiffProtocol, "commission", textf("жарияланған хаттамадағы комиссия сақталған комиссиямен бірдей емес", "комиссия в опубликованном протоколе не совпадает с сохранённой",
			"the commission printed in the published protocol is not the stored commission"))
	}
	if pub.ResultsSHA256 != again.ResultsSHA256 {
		v.add(DiffProtocol, "results_sha256", textl("жарияланған бақылау қосындысы %s, қайта есептегені %s", "опубликованная контрольная сумма %s, при пересчёте %s",
			"the published results SHA-256 is %s, computed again %s", short(pub.ResultsSHA256), short(again.ResultsSHA256), short(pub.ResultsSHA256), short(again.ResultsSHA256),
			short(pub.ResultsSHA256), short(again.ResultsSHA256)))
	}
}
