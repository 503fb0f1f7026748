package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"time"

	"tarazy/calibration"
	"tarazy/omr/form"
	"tarazy/omr/reading"
	"tarazy/review"
	"tarazy/scoring"
	"tarazy/store"
	"tarazy/store/blob"
)

// sheetRow is a sheet as ingest works on it.
type sheetRow struct {
	school  string
	form    string
	state   string
	version int
	reading reading.Reading
	isNew   bool // inserted by this batch
	changed bool // state or version changed by this batch
}

// validateItem refuses a batch whose items are not what the protocol says (a worker
// bug: nothing sensible can be stored for them).
func validateItem(i int, it store.IngestItem) error {
	if !blob.ValidHash(it.Image) {
		return store.Errorf(store.Invalid, "sheet %d (%s): image must be the SHA-256 of the page image, 64 hex digits", i+1, it.Reading.File)
	}
	for f, h := range it.Crops {
		if !blob.ValidHash(h) {
			return store.Errorf(store.Invalid, "sheet %d (%s): crop of %s must be a SHA-256", i+1, it.Reading.File, f)
		}
	}
	return nil
}

// unfit says why a reading cannot stand as a sheet reading ("" when it can). Such a
// page is stored as rejected with this reason, and the rest of its batch goes on.
func unfit(rd reading.Reading) string {
	switch rd.Status {
	case reading.StatusOK, reading.StatusReview:
	case reading.StatusRejected:
		return ""
	default:
		return fmt.Sprintf("the reader gave status %q, which is not ok, review or rejected; read the page again", rd.Status)
	}
	f, err := form.Get(rd.Form)
	if err != nil {
		return fmt.Sprintf("%v; read the page again", err)
	}
	if len(rd.Answers) != f.Questions() {
		return fmt.Sprintf("%d answers for form %s of %d questions; read the page again", len(rd.Answers), f.ID, f.Questions())
	}
	for _, field := range rd.Review {
		if _, _, err := review.ParseField(field); err != nil {
			return fmt.Sprintf("field under review: %v; read the page again", err)
		}
	}
	if rd.Status == reading.StatusReview && len(rd.Review) == 0 {
		return "status review but no field is named for review; read the page again"
	}
	return ""
}

// serialOf is the sheet's identity. A page whose serial the reader could not read is
// its own sheet, named by its image, so that it can never be merged with another.
func serialOf(it store.IngestItem) string {
	if s := strings.TrimSpace(it.Reading.Sheet); s != "" {
		return s
	}
	return "img-" + it.Image[:16]
}

func (s *DB) Ingest(ctx context.Context, by store.Actor, contest, school string, b store.Batch, items []store.IngestItem) (res []store.IngestResult, err error) {
	defer store.Wrap(&err, "Ingest(%s, %s, batch %q)", contest, school, b.Name)
	if strings.TrimSpace(b.Name) == "" {
		return nil, store.Errorf(store.Invalid, "the batch needs a name (the scanner run or folder)")
	}
	for i, it := range items {
		if err := validateItem(i, it); err != nil {
			return nil, err
		}
	}
	err = s.tx(ctx, func(tx *sql.Tx) error {
		var err error
		res, err = s.ingest(ctx, tx, by, contest, school, b, items)
		return err
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}

// ingestion is one batch being ingested in its transaction. Its steps follow the
// order the locks and rows need: the batch, the images seen before, the sheets the
// batch touches (locked), each page decided, then every row written and the audit.
type ingestion struct {
	s               *DB
	tx              *sql.Tx
	by              store.Actor
	contest, school string
	b               store.Batch
	items           []store.IngestItem
	now             time.Time
	frozen          map[int]bool // grades whose results are published at this school

	res     []store.IngestResult
	done    []bool
	byImage map[string][]int // image → the items naming it

	sheets  map[string]*sheetRow // serial → the sheet as it stands (nil: new)
	serials []string             // the sheets the batch touches, in lock order

	scanRows, versionRows, itemRows [][]any
	candUpdates                     []candUpdate
	openFields                      map[string]map[string]bool // serial → fields under review, loaded lazily
	counts                          map[string]int
}

// candUpdate is another value seen for a field already under review.
type candUpdate struct{ serial, field, value string }

func (s *DB) ingest(ctx context.Context, tx *sql.Tx, by store.Actor, contest, school string, b store.Batch, items []store.IngestItem) ([]store.IngestResult, error) {
	if err := s.need(ctx, tx, contest, school); err != nil {
		return nil, err
	}
	frozenAll, err := s.frozenGrades(ctx, tx, contest, school)
	if err != nil {
		return nil, err
	}
	in := &ingestion{s: s, tx: tx, by: by, contest: contest, school: school, b: b, items: items, now: s.now(),
		frozen: frozenAll[school],
		res:    make([]store.IngestResult, len(items)), done: make([]bool, len(items)), byImage: map[string][]int{},
		sheets: map[string]*sheetRow{}, openFields: map[string]map[string]bool{}, counts: map[string]int{}}
	for _, step := range []func(context.Context) error{in.recordBatch, in.seenImages, in.lockSheets, in.decideAll, in.write, in.flagCrowded, in.audit} {
		if err := step(ctx); err != nil {
			return nil, err
		}
	}
	return in.res, nil
}

func (in *ingestion) recordBatch(ctx context.Context) error {
	_, err := in.tx.ExecContext(ctx, `INSERT INTO batches (contest, school, name, operator, scanner, created_by, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING`, in.contest, in.school, in.b.Name, in.b.Operator, in.b.Scanner, in.by.Name, in.now)
	return err
}

// seenImages answers, with their first result, the pages whose image was ingested
// before, in one query per chunk.
func (in *ingestion) seenImages(ctx context.Context) error {
	for i, it := range in.items {
		in.byImage[it.Image] = append(in.byImage[it.Image], i)
	}
	images := make([]string, 0, len(in.byImage))
	for h := range in.byImage {
		images = append(images, h)
	}
	sort.Strings(images)
	for start := 0; start < len(images); start += 500 {
		chunk := images[start:min(start+500, len(images))]
		args := make([]any, len(chunk))
		for i, h := range chunk {
			args[i] = h
		}
		rows, err := in.tx.QueryContext(ctx, `SELECT image_sha, contest, school, serial, version, outcome, reason FROM scans WHERE image_sha IN (`+placeholders(1, len(chunk))+`)`, args...)
		if err != nil {
			return err
		}
		for rows.Next() {
			var r store.IngestResult
			var c, sc string
			if err := rows.Scan(&r.Image, &c, &sc, &r.Serial, &r.Version, &r.Outcome, &r.Reason); err != nil {
				rows.Close()
				return err
			}
			r.Existing = true
			if c != in.contest || sc != in.school {
				// The first result belongs to someone else: say only that.
				r = store.IngestResult{Image: r.Image, Outcome: store.OutcomeRejected, Existing: true,
					Reason: "this exact image was already uploaded for another school or contest; check the scanner's output folder"}
			}
			for _, i := range in.byImage[r.Image] {
				in.res[i], in.done[i] = r, true
			}
		}
		if err := rows.Close(); err != nil {
			return err
		}
	}
	return nil
}

// lockSheets loads and locks the sheets the batch touches, in serial order so that
// two batches never wait for each other in a cycle.
func (in *ingestion) lockSheets(ctx context.Context) error {
	for i, it := range in.items {
		if !in.done[i] && it.Reading.Status != reading.StatusRejected && unfit(it.Reading) == "" {
			if _, ok := in.sheets[serialOf(it)]; !ok {
				in.sheets[serialOf(it)] = nil
				in.serials = append(in.serials, serialOf(it))
			}
		}
	}
	sort.Strings(in.serials)
	for start := 0; start < len(in.serials); start += 500 {
		chunk := in.serials[start:min(start+500, len(in.serials))]
		args := []any{in.contest, in.school}
		for _, sr := range chunk {
			args = append(args, sr)
		}
		rows, err := in.tx.QueryContext(ctx, `SELECT s.serial, s.school, s.form, s.state, s.current_version, v.reading
			FROM sheets s JOIN sheet_versions v ON v.contest = s.contest AND v.school = s.school AND v.serial = s.serial AND v.version = s.current_version
			WHERE s.contest = $1 AND s.school = $2 AND s.serial IN (`+placeholders(3, len(chunk))+`) ORDER BY s.serial`+in.s.d.ForUpdate, args...)
		if err != nil {
			return err
		}
		for rows.Next() {
			var sr string
			var row sheetRow
			var rd string
			if err := rows.Scan(&sr, &row.school, &row.form, &row.state, &row.version, &rd); err != nil {
				rows.Close()
				return err
			}
			if err := json.Unmarshal([]byte(rd), &row.reading); err != nil {
				rows.Close()
				return fmt.Errorf("sheet %s version %d: stored reading is damaged: %w", sr, row.version, err)
			}
			in.sheets[sr] = &row
		}
		if err := rows.Close(); err != nil {
			return err
		}
	}
	return nil
}

func (in *ingestion) decideAll(ctx context.Context) error {
	for i := range in.items {
		if in.done[i] {
			continue
		}
		if err := in.decide(ctx, i); err != nil {
			return err
		}
	}
	return nil
}

// decide says what becomes of one page (a new sheet, a duplicate, a conflicting
// rescan, or rejected) and adds the rows that record it.
func (in *ingestion) decide(ctx context.Context, i int) error {
	it := in.items[i]
	rd := it.Reading
	rd.Sheet = strings.TrimSpace(rd.Sheet)
	r := store.IngestResult{Image: it.Image}
	why := unfit(rd)
	refusal := ""
	switch {
	case rd.Status == reading.StatusRejected:
		r.Outcome, r.Serial, r.Reason, refusal = store.OutcomeRejected, rd.Sheet, rd.Error, store.RefusalReader
	case why != "":
		r.Outcome, r.Serial, r.Reason, refusal = store.OutcomeRejected, rd.Sheet, why, store.RefusalUnfit
	case in.frozen[gradeOfForm(rd.Form)]:
		r.Outcome, r.Serial, r.Reason, refusal = store.OutcomeRejected, rd.Sheet, frozenReason(gradeOfForm(rd.Form)), store.RefusalFrozen
	default:
		serial := serialOf(it)
		r.Serial = serial
		sh := in.sheets[serial]
		switch {
		case sh == nil:
			in.newSheet(it, rd, serial)
			r.Outcome, r.Version = store.OutcomeStored, 1
		case sh.form != rd.Form:
			r.Outcome, refusal = store.OutcomeRejected, store.RefusalIdentity
			r.Reason = fmt.Sprintf("sheet %s was first read as form %s, this page reads as form %s; rescan it", serial, sh.form, rd.Form)
		default:
			diff := review.Differences(sh.reading, rd)
			if len(diff) == 0 {
				r.Outcome, r.Version = store.OutcomeDuplicate, sh.version
				break
			}
			if err := in.rescan(ctx, it, rd, serial, sh, diff); err != nil {
				return err
			}
			r.Outcome, r.Version = store.OutcomeConflict, sh.version
		}
	}
	in.counts[r.Outcome]++
	in.res[i], in.done[i] = r, true
	for _, j := range in.byImage[it.Image] {
		if !in.done[j] { // the same image twice in one batch: same result
			rr := r
			rr.Existing = true
			in.res[j], in.done[j] = rr, true
		}
	}
	cropsJSON := "{}"
	if len(it.Crops) > 0 {
		cropsJSON = jsonString(it.Crops)
	}
	in.scanRows = append(in.scanRows, []any{it.Image, in.contest, in.school, in.b.Name, rd.File, rd.Page, rd.Status, r.Serial, r.Version, r.Outcome, r.Reason, jsonString(rd), cropsJSON, it.ReadSeconds, in.by.Name, in.now,
		strings.TrimSpace(rd.IIN), refusal})
	return nil
}

// newSheet is version 1 of a sheet, with its fields under review.
func (in *ingestion) newSheet(it store.IngestItem, rd reading.Reading, serial string) {
	sh := &sheetRow{school: in.school, form: rd.Form, version: 1, reading: rd, isNew: true, state: store.SheetFinal}
	if rd.Status == reading.StatusReview {
		sh.state = store.SheetReview
	}
	in.sheets[serial] = sh
	in.versionRows = append(in.versionRows, []any{in.contest, in.school, serial, 1, store.SourceScan, it.Image, jsonString(rd), in.by.Name, in.now})
	for _, field := range review.Fields(rd.Review) {
		v, ok := review.Value(rd, field)
		ev := evidenceOf(it, field)
		in.itemRows = append(in.itemRows, []any{in.contest, in.school, serial, field, 1, v, ok, "[]", ev.confidence, ev.crop, string(review.Open), "", false, in.now, ev.reason})
	}
}

// rescan records the same sheet read differently: both readings are kept, and people
// decide every field they disagree on.
func (in *ingestion) rescan(ctx context.Context, it store.IngestItem, rd reading.Reading, serial string, sh *sheetRow, diff []string) error {
	sh.version++
	sh.state = store.SheetReview
	sh.changed = true
	nr := rd
	nr.Status = reading.StatusReview
	nr.Review = diff
	in.versionRows = append(in.versionRows, []any{in.contest, in.school, serial, sh.version, store.SourceRescan, it.Image, jsonString(nr), in.by.Name, in.now})
	if in.openFields[serial] == nil {
		of, err := in.s.openFields(ctx, in.tx, in.contest, in.school, serial)
		if err != nil {
			return err
		}
		in.openFields[serial] = of
	}
	for _, field := range diff {
		nv, _ := review.Value(rd, field)
		if in.openFields[serial][field] {
			in.candUpdates = append(in.candUpdates, candUpdate{serial, field, nv})
			continue
		}
		ov, _ := review.Value(sh.reading, field)
		in.openFields[serial][field] = true
		why := fmt.Sprintf("the sheet was scanned again and read differently: %s then %s", shown(ov), shown(nv))
		ev := evidenceOf(it, field)
		in.itemRows = append(in.itemRows, []any{in.contest, in.school, serial, field, sh.version, "", false, jsonString([]string{ov, nv}), ev.confidence, ev.crop, string(review.Open), "", false, in.now, why})
	}
	sh.reading = nr
	return nil
}

// write stores every row the pages made; a sheet or image another batch stored
// meanwhile runs the transaction again.
func (in *ingestion) write(ctx context.Context) error {
	var newSheets [][]any
	for _, sr := range in.serials {
		sh := in.sheets[sr]
		if sh == nil {
			continue
		}
		if sh.isNew {
			newSheets = append(newSheets, []any{in.contest, sr, in.school, sh.form, sh.state, sh.version, in.now, sh.reading.IIN})
		} else if sh.changed {
			if _, err := in.tx.ExecContext(ctx, `UPDATE sheets SET state = $4, current_version = $5, updated_at = $6, iin = $7 WHERE contest = $1 AND school = $2 AND serial = $3`,
				in.contest, in.school, sr, sh.state, sh.version, in.now, sh.reading.IIN); err != nil {
				return err
			}
		}
	}
	s, tx := in.s, in.tx
	n, err := s.insertRows(ctx, tx, "sheets", []string{"contest", "serial", "school", "form", "state", "current_version", "updated_at", "iin"}, newSheets, "ON CONFLICT DO NOTHING")
	if err != nil {
		return err
	}
	if n != int64(len(newSheets)) {
		return errRetry // another batch created one of these sheets meanwhile
	}
	if _, err := s.insertRows(ctx, tx, "sheet_versions", []string{"contest", "school", "serial", "version", "source", "image_sha", "reading", "created_by", "created_at"}, in.versionRows, ""); err != nil {
		return err
	}
	if _, err := s.insertRows(ctx, tx, "review_items", []string{"contest", "school", "serial", "field", "version", "machine", "has_machine", "candidates", "confidence", "crop_sha", "state", "final_value", "applied", "created_at", "reason"}, in.itemRows, ""); err != nil {
		return err
	}
	for _, u := range in.candUpdates {
		if err := s.addCandidate(ctx, tx, in.contest, in.school, u.serial, u.field, u.value); err != nil {
			return err
		}
	}
	n, err = s.insertRows(ctx, tx, "scans", []string{"image_sha", "contest", "school", "batch", "file", "page", "status", "serial", "version", "outcome", "reason", "reading", "crops", "read_seconds", "created_by", "created_at", "iin", "refusal"}, in.scanRows, "ON CONFLICT DO NOTHING")
	if err != nil {
		return err
	}
	if n != int64(len(in.scanRows)) {
		return errRetry // the same image is being ingested by another worker
	}
	return nil
}

// flagCrowded warns about an IIN on more than a few sheets (issue 12).
func (in *ingestion) flagCrowded(ctx context.Context) error {
	return in.s.flagCrowded(ctx, in.tx, in.by, in.contest, in.school, in.items, in.res)
}

// audit records what the batch stored, when it stored anything.
func (in *ingestion) audit(ctx context.Context) error {
	if len(in.scanRows) == 0 {
		return nil
	}
	changed := map[string]int{}
	for _, r := range in.res {
		if !r.Existing && (r.Outcome == store.OutcomeStored || r.Outcome == store.OutcomeConflict) {
			changed[r.Serial] = r.Version
		}
	}
	return in.s.audit(ctx, in.tx, in.by, "sheets.ingest", in.contest, in.school, "batch "+in.b.Name, nil,
		map[string]any{"batch": in.b, "pages": len(in.scanRows), "outcomes": in.counts, "versions": changed})
}

func (s *DB) openFields(ctx context.Context, tx *sql.Tx, contest, school, serial string) (map[string]bool, error) {
	rows, err := tx.QueryContext(ctx, `SELECT field FROM review_items WHERE contest = $1 AND school = $2 AND serial = $3 AND NOT applied`, contest, school, serial)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var f string
		if err := rows.Scan(&f); err != nil {
			return nil, err
		}
		out[f] = true
	}
	return out, rows.Err()
}

// addCandidate records another value seen for a field already under review.
func (s *DB) addCandidate(ctx context.Context, tx *sql.Tx, contest, school, serial, field, value string) error {
	var id int64
	var cands string
	if err := tx.QueryRowContext(ctx, `SELECT id, candidates FROM review_items WHERE contest = $1 AND school = $2 AND serial = $3 AND field = $4 AND NOT applied`,
		contest, school, serial, field).Scan(&id, &cands); err != nil {
		return err
	}
	var list []string
	json.Unmarshal([]byte(cands), &list)
	for _, v := range list {
		if v == value {
			return nil
		}
	}
	list = append(list, value)
	// With two scans disagreeing there is no machine value a single confirmation
	// could agree with: the field now needs two reviewers.
	seen := make([]string, len(list))
	for i, v := range list {
		seen[i] = shown(v)
	}
	why := "the sheet was scanned again and the scans disagree: " + strings.Join(seen, ", ")
	_, err := tx.ExecContext(ctx, `UPDATE review_items SET candidates = $2, has_machine = false, machine = '', reason = $3 WHERE id = $1`, id, jsonString(list), why)
	return err
}

const currentVersion = `sheet_versions v ON v.contest = s.contest AND v.school = s.school AND v.serial = s.serial AND v.version = s.current_version`

func (s *DB) Sheet(ctx context.Context, contest, school, serial string) (sh store.Sheet, err error) {
	defer store.Wrap(&err, "Sheet(%s, %s, %s)", contest, school, serial)
	var rd string
	err = s.db.QueryRowContext(ctx, `SELECT s.serial, s.school, s.form, s.state, s.current_version, s.updated_at, v.reading
		FROM sheets s JOIN `+currentVersion+`
		WHERE s.contest = $1 AND s.school = $2 AND s.serial = $3`, contest, school, serial).Scan(&sh.Serial, &sh.School, &sh.Form, &sh.State, &sh.Version, &sh.UpdatedAt, &rd)
	if errors.Is(err, sql.ErrNoRows) {
		return sh, store.Errorf(store.NotFound, "no sheet with serial %s", serial)
	}
	if err != nil {
		return sh, s.classify(err)
	}
	sh.UpdatedAt = sh.UpdatedAt.UTC()
	return sh, json.Unmarshal([]byte(rd), &sh.Reading)
}

func (s *DB) SchoolSheets(ctx context.Context, contest, school string) (out []store.Sheet, err error) {
	defer store.Wrap(&err, "SchoolSheets(%s, %s)", contest, school)
	rows, err := s.db.QueryContext(ctx, `SELECT s.serial, s.school, s.form, s.state, s.current_version, s.updated_at, v.reading
		FROM sheets s JOIN `+currentVersion+` WHERE s.contest = $1 AND s.school = $2 ORDER BY s.serial`, contest, school)
	if err != nil {
		return nil, s.classify(err)
	}
	defer rows.Close()
	for rows.Next() {
		var sh store.Sheet
		var rd string
		if err := rows.Scan(&sh.Serial, &sh.School, &sh.Form, &sh.State, &sh.Version, &sh.UpdatedAt, &rd); err != nil {
			return nil, s.classify(err)
		}
		if err := json.Unmarshal([]byte(rd), &sh.Reading); err != nil {
			return nil, fmt.Errorf("sheet %s version %d: stored reading is damaged: %w", sh.Serial, sh.Version, err)
		}
		sh.UpdatedAt = sh.UpdatedAt.UTC()
		out = append(out, sh)
	}
	return out, s.classify(rows.Err())
}

func (s *DB) SheetVersions(ctx context.Context, contest, school, serial string) (out []store.SheetVersion, err error) {
	defer store.Wrap(&err, "SheetVersions(%s, %s, %s)", contest, school, serial)
	out, err = s.versions(ctx, `SELECT serial, version, source, image_sha, reading, created_by, created_at FROM sheet_versions
		WHERE contest = $1 AND school = $2 AND serial = $3 ORDER BY version`, contest, school, serial)
	if err == nil && len(out) == 0 {
		return nil, store.Errorf(store.NotFound, "no sheet with serial %s", serial)
	}
	return out, err
}

func (s *DB) SchoolVersions(ctx context.Context, contest, school string) (out []store.SheetVersion, err error) {
	defer store.Wrap(&err, "SchoolVersions(%s, %s)", contest, school)
	return s.versions(ctx, `SELECT serial, version, source, image_sha, reading, created_by, created_at FROM sheet_versions
		WHERE contest = $1 AND school = $2 ORDER BY serial, version`, contest, school)
}

func (s *DB) FinalSheets(ctx context.Context, contest, school string) (out []store.SheetVersion, err error) {
	defer store.Wrap(&err, "FinalSheets(%s, %s)", contest, school)
	return s.versions(ctx, `SELECT v.serial, v.version, v.source, v.image_sha, v.reading, v.created_by, v.created_at
		FROM sheets s JOIN `+currentVersion+`
		WHERE s.contest = $1 AND s.school = $2 AND s.state = 'final' ORDER BY s.serial`, contest, school)
}

func (s *DB) Pages(ctx context.Context, contest, school string) (out []store.Page, err error) {
	defer store.Wrap(&err, "Pages(%s, %s)", contest, school)
	rows, err := s.db.QueryContext(ctx, `SELECT image_sha, batch, file, page, serial, version, outcome, refusal, reason, reading, created_at
		FROM scans WHERE contest = $1 AND school = $2 ORDER BY created_at, file, page, image_sha`, contest, school)
	if err != nil {
		return nil, s.classify(err)
	}
	defer rows.Close()
	for rows.Next() {
		var p store.Page
		var rd string
		if err := rows.Scan(&p.Image, &p.Batch, &p.File, &p.Page, &p.Serial, &p.Version, &p.Outcome, &p.Refusal, &p.Reason, &rd, &p.CreatedAt); err != nil {
			return nil, s.classify(err)
		}
		if err := json.Unmarshal([]byte(rd), &p.Reading); err != nil {
			return nil, fmt.Errorf("page %s: stored reading is damaged: %w", p.Image, err)
		}
		p.CreatedAt = p.CreatedAt.UTC()
		out = append(out, p)
	}
	return out, s.classify(rows.Err())
}

func (s *DB) PagesElsewhere(ctx context.Context, contest, school string, iins []string) (out []store.ElsewherePage, err error) {
	defer store.Wrap(&err, "PagesElsewhere(%s, %s)", contest, school)
	for start := 0; start < len(iins); start += 500 {
		chunk := iins[start:min(start+500, len(iins))]
		args := []any{contest, school}
		for _, id := range chunk {
			args = append(args, id)
		}
		in := placeholders(3, len(chunk))
		rows, err := s.db.QueryContext(ctx, `SELECT iin, state FROM sheets WHERE contest = $1 AND school <> $2 AND iin IN (`+in+`)
			UNION ALL SELECT iin, 'refused' FROM scans WHERE contest = $1 AND school <> $2 AND outcome = 'rejected' AND iin IN (`+in+`)
			ORDER BY 1, 2`, args...)
		if err != nil {
			return nil, s.classify(err)
		}
		for rows.Next() {
			var p store.ElsewherePage
			if err := rows.Scan(&p.IIN, &p.State); err != nil {
				rows.Close()
				return nil, s.classify(err)
			}
			out = append(out, p)
		}
		if err := rows.Close(); err != nil {
			return nil, s.classify(err)
		}
	}
	return out, nil
}

func (s *DB) versions(ctx context.Context, q string, args ...any) ([]store.SheetVersion, error) {
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, s.classify(err)
	}
	defer rows.Close()
	var out []store.SheetVersion
	for rows.Next() {
		var v store.SheetVersion
		var rd string
		if err := rows.Scan(&v.Serial, &v.Version, &v.Source, &v.Image, &rd, &v.CreatedBy, &v.CreatedAt); err != nil {
			return nil, s.classify(err)
		}
		if err := json.Unmarshal([]byte(rd), &v.Reading); err != nil {
			return nil, fmt.Errorf("sheet %s version %d: stored reading is damaged: %w", v.Serial, v.Version, err)
		}
		v.CreatedAt = v.CreatedAt.UTC()
		out = append(out, v)
	}
	return out, s.classify(rows.Err())
}

// items loads review items with their decisions; where filters review_items r.
func (s *DB) items(ctx context.Context, q queryer, where string, args ...any) ([]store.ReviewItem, error) {
	rows, err := q.QueryContext(ctx, `SELECT r.id, r.serial, r.field, r.version, r.machine, r.has_machine, r.candidates, r.confidence, r.crop_sha, r.reason, r.applied
		FROM review_items r `+where+` ORDER BY r.serial, r.id`, args...)
	if err != nil {
		return nil, s.classify(err)
	}
	var out []store.ReviewItem
	byID := map[int64]int{}
	for rows.Next() {
		var it store.ReviewItem
		var cands string
		if err := rows.Scan(&it.ID, &it.Serial, &it.Field, &it.Version, &it.Machine, &it.HasMachine, &cands, &it.Confidence, &it.Crop, &it.Reason, &it.Applied); err != nil {
			rows.Close()
			return nil, s.classify(err)
		}
		json.Unmarshal([]byte(cands), &it.Candidates)
		it.Decisions = []review.Decision{}
		byID[it.ID] = len(out)
		out = append(out, it)
	}
	if err := rows.Close(); err != nil {
		return nil, s.classify(err)
	}
	// Decisions in chunks: a school's whole history can hold more items than one
	// statement may have placeholders.
	for start := 0; start < len(out); start += 500 {
		chunk := out[start:min(start+500, len(out))]
		ids := make([]any, 0, len(chunk))
		for _, it := range chunk {
			ids = append(ids, it.ID)
		}
		rows, err := q.QueryContext(ctx, `SELECT item_id, reviewer, value, chair, decided_at FROM review_decisions
			WHERE item_id IN (`+placeholders(1, len(ids))+`) ORDER BY id`, ids...)
		if err != nil {
			return nil, s.classify(err)
		}
		for rows.Next() {
			var id int64
			var d review.Decision
			if err := rows.Scan(&id, &d.Reviewer, &d.Value, &d.Chair, &d.At); err != nil {
				rows.Close()
				return nil, s.classify(err)
			}
			d.At = d.At.UTC()
			i := byID[id]
			out[i].Decisions = append(out[i].Decisions, d)
		}
		if err := rows.Close(); err != nil {
			return nil, s.classify(err)
		}
	}
	for i := range out {
		out[i].Outcome = review.Evaluate(fieldOf(out[i]))
	}
	return out, nil
}

func fieldOf(it store.ReviewItem) review.Field {
	return review.Field{Name: it.Field, Machine: it.Machine, HasMachine: it.HasMachine, Decisions: it.Decisions}
}

func (s *DB) RecordDecision(ctx context.Context, by store.Actor, contest, school, serial, field string, d review.Decision, isChair bool) (res store.DecisionResult, err error) {
	defer store.Wrap(&err, "RecordDecision(%s, %s, %s)", contest, serial, field)
	err = s.tx(ctx, func(tx *sql.Tx) error {
		res = store.DecisionResult{}
		var formID string
		var version int
		err := tx.QueryRowContext(ctx, `SELECT form, current_version FROM sheets WHERE contest = $1 AND school = $2 AND serial = $3`+s.d.ForUpdate,
			contest, school, serial).Scan(&formID, &version)
		if errors.Is(err, sql.ErrNoRows) {
			return store.Errorf(store.NotFound, "no sheet %s under review at school %s", serial, school)
		}
		if err != nil {
			return err
		}
		if err := s.mustBeOpen(ctx, tx, contest, school, gradeOfForm(formID)); err != nil {
			return err
		}
		items, err := s.items(ctx, tx, `WHERE r.contest = $1 AND r.school = $2 AND r.serial = $3 AND NOT r.applied`, contest, school, serial)
		if err != nil {
			return err
		}
		var it *store.ReviewItem
		for i := range items {
			if items[i].Field == field {
				it = &items[i]
			}
		}
		if it == nil {
			return store.Errorf(store.NotFound, "field %s of sheet %s is not under review", field, serial)
		}
		f, _ := form.Get(formID)
		reg := s.register(ctx, tx, contest)
		if err := review.ValidValue(field, d.Value, f); err != nil && !(errors.Is(err, review.ErrInvalidIIN) && reg.accepts(d.Value)) {
			if reg.err != nil {
				return reg.err
			}
			return store.Errorf(store.Invalid, "%v", err)
		}
		d.At = s.now()
		rf := fieldOf(*it)
		rf.Registered = reg.has
		err = review.Check(rf, d, isChair)
		if reg.err != nil {
			return reg.err
		}
		if err != nil {
			if errors.Is(err, review.ErrNoValue) || errors.Is(err, review.ErrBadValue) || errors.Is(err, review.ErrBadFormat) {
				return store.Errorf(store.Invalid, "%v", err)
			}
			return store.Errorf(store.Conflict, "%v", err)
		}
		before := it.Outcome
		if _, err := tx.ExecContext(ctx, `INSERT INTO review_decisions (item_id, reviewer, value, chair, decided_at) VALUES ($1, $2, $3, $4, $5)`,
			it.ID, d.Reviewer, d.Value, d.Chair, d.At); err != nil {
			return err
		}
		it.Decisions = append(it.Decisions, d)
		it.Outcome = review.Evaluate(fieldOf(*it))
		if _, err := tx.ExecContext(ctx, `UPDATE review_items SET state = $2, final_value = $3 WHERE id = $1`,
			it.ID, string(it.Outcome.State), it.Outcome.Value); err != nil {
			return err
		}
		if err := s.audit(ctx, tx, by, "review.decide", contest, school, serial+" "+field, before,
			map[string]any{"decision": d, "outcome": it.Outcome}); err != nil {
			return err
		}
		res.Item = *it
		finals := map[string]string{}
		for _, x := range items {
			if x.Outcome.State != review.Final {
				return nil // the sheet still waits for other fields
			}
			finals[x.Field] = x.Outcome.Value
		}
		// Every field is settled: the sheet's next version carries the decided values.
		var rdText string
		if err := tx.QueryRowContext(ctx, `SELECT reading FROM sheet_versions WHERE contest = $1 AND school = $2 AND serial = $3 AND version = $4`,
			contest, school, serial, version).Scan(&rdText); err != nil {
			return err
		}
		var cur reading.Reading
		if err := json.Unmarshal([]byte(rdText), &cur); err != nil {
			return err
		}
		next, err := review.Settle(cur, finals, reg.has)
		if reg.err != nil {
			return reg.err
		}
		if errors.Is(err, review.ErrInvalidIIN) {
			return store.Errorf(store.Invalid, "%v", err)
		}
		if err != nil {
			return err
		}
		now := s.now()
		if _, err := tx.ExecContext(ctx, `INSERT INTO sheet_versions (contest, school, serial, version, source, image_sha, reading, created_by, created_at)
			VALUES ($1, $2, $3, $4, $5, '', $6, $7, $8)`, contest, school, serial, version+1, store.SourceReview, jsonString(next), by.Name, now); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE sheets SET state = 'final', current_version = $4, updated_at = $5, iin = $6 WHERE contest = $1 AND school = $2 AND serial = $3`,
			contest, school, serial, version+1, now, next.IIN); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE review_items SET applied = true WHERE contest = $1 AND school = $2 AND serial = $3 AND NOT applied`, contest, school, serial); err != nil {
			return err
		}
		res.SheetVersion = version + 1
		return s.audit(ctx, tx, by, "sheet.final", contest, school, serial,
			map[string]any{"version": version}, map[string]any{"version": version + 1, "values": finals})
	})
	return res, err
}

func (s *DB) ReviewHistory(ctx context.Context, contest, school string) (out []store.ReviewItem, err error) {
	defer store.Wrap(&err, "ReviewHistory(%s, %s)", contest, school)
	return s.items(ctx, s.db, `WHERE r.contest = $1 AND r.school = $2`, contest, school)
}

func (s *DB) OpenReviewFields(ctx context.Context) (n int, err error) {
	defer store.Wrap(&err, "OpenReviewFields")
	err = s.db.QueryRowContext(ctx, `SELECT count(*) FROM review_items WHERE state <> 'final'`).Scan(&n)
	return n, s.classify(err)
}

func (s *DB) Batches(ctx context.Context, contest, school string) (out []store.BatchSummary, err error) {
	defer store.Wrap(&err, "Batches(%s, %s)", contest, school)
	rows, err := s.db.QueryContext(ctx, `SELECT name, operator, scanner, created_by, created_at, calibration FROM batches
		WHERE contest = $1 AND school = $2 ORDER BY created_at DESC, name`, contest, school)
	if err != nil {
		return nil, s.classify(err)
	}
	idx := map[string]int{}
	for rows.Next() {
		var b store.BatchSummary
		var cal []byte
		if err := rows.Scan(&b.Name, &b.Operator, &b.Scanner, &b.CreatedBy, &b.CreatedAt, &cal); err != nil {
			rows.Close()
			return nil, s.classify(err)
		}
		if len(cal) > 0 {
			b.Calibration = &calibration.Summary{}
			if err := json.Unmarshal(cal, b.Calibration); err != nil {
				rows.Close()
				return nil, fmt.Errorf("batch %s: stored calibration is damaged: %w", b.Name, err)
			}
		}
		b.CreatedAt = b.CreatedAt.UTC()
		b.Outcomes = map[string]int{}
		b.Statuses = map[string]int{}
		idx[b.Name] = len(out)
		out = append(out, b)
	}
	if err := rows.Close(); err != nil {
		return nil, s.classify(err)
	}
	rows, err = s.db.QueryContext(ctx, `SELECT batch, outcome, status, count(*), min(created_at), max(created_at), coalesce(sum(read_seconds), 0)
		FROM scans WHERE contest = $1 AND school = $2 GROUP BY batch, outcome, status`, contest, school)
	if err != nil {
		return nil, s.classify(err)
	}
	sums := map[string]float64{}
	for rows.Next() {
		var batch, outcome, status string
		var n int
		var first, last any
		var secs float64
		if err := rows.Scan(&batch, &outcome, &status, &n, &first, &last, &secs); err != nil {
			rows.Close()
			return nil, s.classify(err)
		}
		i, ok := idx[batch]
		if !ok {
			continue
		}
		b := &out[i]
		b.Pages += n
		b.Outcomes[outcome] += n
		b.Statuses[status] += n
		sums[batch] += secs
		f, l := asTime(first), asTime(last)
		if b.FirstAt.IsZero() || f.Before(b.FirstAt) {
			b.FirstAt = f
		}
		if l.After(b.LastAt) {
			b.LastAt = l
		}
	}
	if err := rows.Err(); err != nil {
		rows.Close()
		return nil, s.classify(err)
	}
	if err := rows.Close(); err != nil {
		return nil, s.classify(err)
	}
	for i := range out {
		if out[i].Pages > 0 {
			out[i].ReadSeconds = sums[out[i].Name] / float64(out[i].Pages)
		}
	}
	// A sheet belongs to the batch that first stored it (version 1).
	rows, err = s.db.QueryContext(ctx, `SELECT sc.batch, count(*) FROM scans sc
		JOIN sheets sh ON sh.contest = sc.contest AND sh.school = sc.school AND sh.serial = sc.serial
		WHERE sc.contest = $1 AND sc.school = $2 AND sc.outcome = 'stored' AND sc.version = 1 AND sh.state = 'review'
		GROUP BY sc.batch`, contest, school)
	if err != nil {
		return nil, s.classify(err)
	}
	defer rows.Close()
	for rows.Next() {
		var batch string
		var n int
		if err := rows.Scan(&batch, &n); err != nil {
			return nil, s.classify(err)
		}
		if i, ok := idx[batch]; ok {
			out[i].InReview = n
		}
	}
	return out, s.classify(rows.Err())
}

// asTime reads an aggregate of a timestamp column: PostgreSQL gives a time, SQLite the
// text it stored (an aggregate has no declared type to convert by).
func asTime(v any) time.Time {
	switch t := v.(type) {
	case time.Time:
		return t.UTC()
	case []byte:
		return asTime(string(t))
	case string:
		for _, layout := range []string{"2006-01-02 15:04:05.999999999-07:00", time.RFC3339Nano, "2006-01-02 15:04:05.999999999"} {
			if p, err := time.Parse(layout, t); err == nil {
				return p.UTC()
			}
		}
	}
	return time.Time{}
}

func (s *DB) RejectedPages(ctx context.Context, contest, school, batch string) (out []store.RejectedPage, err error) {
	defer store.Wrap(&err, "RejectedPages(%s, %s, %s)", contest, school, batch)
	rows, err := s.db.QueryContext(ctx, `SELECT image_sha, file, page, reason, created_at FROM scans
		WHERE contest = $1 AND school = $2 AND batch = $3 AND outcome = 'rejected' ORDER BY created_at, file, page`, contest, school, batch)
	if err != nil {
		return nil, s.classify(err)
	}
	defer rows.Close()
	for rows.Next() {
		var p store.RejectedPage
		if err := rows.Scan(&p.Image, &p.File, &p.Page, &p.Reason, &p.At); err != nil {
			return nil, s.classify(err)
		}
		p.At = p.At.UTC()
		out = append(out, p)
	}
	return out, s.classify(rows.Err())
}

func (s *DB) PutBatchCalibration(ctx context.Context, by store.Actor, contest, school string, b store.Batch, sum calibration.Summary) (err error) {
	defer store.Wrap(&err, "PutBatchCalibration(%s, %s, %q)", contest, school, b.Name)
	if strings.TrimSpace(b.Name) == "" {
		return store.Errorf(store.Invalid, "the batch needs a name (the scanner run or folder)")
	}
	if err := sum.Profile.Validate(); err != nil {
		return store.Errorf(store.Invalid, "calibration profile: %v", err)
	}
	if n := len(sum.Counts); n != 0 && n != calibration.SummaryBins {
		return store.Errorf(store.Invalid, "calibration histogram has %d bins; tarazy sends %d", n, calibration.SummaryBins)
	}
	after, err := json.Marshal(sum)
	if err != nil {
		return err
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		if err := s.need(ctx, tx, contest, school); err != nil {
			return err
		}
		var before []byte
		err := tx.QueryRowContext(ctx, `SELECT calibration FROM batches WHERE contest = $1 AND school = $2 AND name = $3`,
			contest, school, b.Name).Scan(&before)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			if _, err := tx.ExecContext(ctx, `INSERT INTO batches (contest, school, name, operator, scanner, created_by, created_at, calibration)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, contest, school, b.Name, b.Operator, b.Scanner, by.Name, s.now(), string(after)); err != nil {
				return err
			}
		case err != nil:
			return err
		default:
			var was calibration.Summary
			if len(before) > 0 && json.Unmarshal(before, &was) == nil && reflect.DeepEqual(was, sum) {
				return nil
			}
			if _, err := tx.ExecContext(ctx, `UPDATE batches SET calibration = $4 WHERE contest = $1 AND school = $2 AND name = $3`,
				contest, school, b.Name, string(after)); err != nil {
				return err
			}
		}
		var bj any
		if len(before) > 0 {
			bj = json.RawMessage(before)
		}
		return s.audit(ctx, tx, by, "batch.calibration", contest, school, b.Name, bj, json.RawMessage(after))
	})
}

// flagCrowded warns about the pages whose IIN is now on more sheets of the school than
// one candidate writes (scoring.MaxSheetsPerIIN): a misread IIN, a worker that sends
// copies, or someone's token filling the school with sheets. The pages are stored as
// usual; the flag on each and an audit entry tell the commission at once, long before
// scoring lists them.
func (s *DB) flagCrowded(ctx context.Context, tx *sql.Tx, by store.Actor, contest, school string, items []store.IngestItem, res []store.IngestResult) error {
	seen := map[string]bool{}
	var args []any
	for i, r := range res {
		id := strings.TrimSpace(items[i].Reading.IIN)
		if r.Existing || (r.Outcome != store.OutcomeStored && r.Outcome != store.OutcomeConflict) || len(id) != 12 || seen[id] {
			continue
		}
		seen[id] = true
		args = append(args, id)
	}
	crowded := map[string]int{}
	for start := 0; start < len(args); start += 500 {
		chunk := args[start:min(start+500, len(args))]
		rows, err := tx.QueryContext(ctx, `SELECT iin, count(*) FROM sheets WHERE contest = $1 AND school = $2 AND iin IN (`+placeholders(4, len(chunk))+`)
			GROUP BY iin HAVING count(*) > $3`, append([]any{contest, school, scoring.MaxSheetsPerIIN}, chunk...)...)
		if err != nil {
			return err
		}
		for rows.Next() {
			var id string
			var n int
			if err := rows.Scan(&id, &n); err != nil {
				rows.Close()
				return err
			}
			crowded[id] = n
		}
		if err := rows.Close(); err != nil {
			return err
		}
	}
	if len(crowded) == 0 {
		return nil
	}
	for i := range res {
		if n, ok := crowded[strings.TrimSpace(items[i].Reading.IIN)]; ok && !res[i].Existing {
			res[i].Flag = fmt.Sprintf("IIN %s is now on %d sheets of this school; one candidate writes one sheet. Check the bubbled IINs: scoring will not score any of them until the commission settles it"+
				" / ЖСН %s мектептің %d парағында бар; бір үміткер бір парақ толтырады, ЖСН-ді тексеріңіз"+
				" / ИИН %s стоит на %d листах школы; один кандидат заполняет один лист, проверьте ИИН",
				items[i].Reading.IIN, n, items[i].Reading.IIN, n, items[i].Reading.IIN, n)
		}
	}
	return s.audit(ctx, tx, by, "sheets.crowded_iin", contest, school, fmt.Sprintf("%d IINs", len(crowded)), nil, crowded)
}

// shown quotes a field value for a reason text; a blank reads as "blank".
func shown(v string) string {
	if v == "" {
		return "blank"
	}
	return "«" + v + "»"
}
