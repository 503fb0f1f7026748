// Package store is tarazy's storage in the contest's own words: contests, schools and
// their seats, commissions, candidates, answer keys, scanned sheets and their reading
// versions, review decisions, scores, rankings, tie decisions, protocols, users and
// tokens, and the audit log. store/sqlite (the embedded default) and store/postgres
// implement it; store/storetest is the contract both pass.
//
// Nothing is overwritten: a re-read, a correction, a new answer key or a new ranking is
// a new version and the old one stays. Every change that can affect a result writes an
// audit entry (who, when, what, before, after) in the same transaction as the change.
package store

import (
	"context"
	"strings"
	"time"

	"tarazy/calibration"
	"tarazy/contest"
	"tarazy/omr/reading"
	"tarazy/review"
)

// Roles a token can carry.
const (
	RoleCommission = "commission" // one school: upload, review, sign, publish there
	RoleDaryn      = "daryn"      // the Daryn centre: read every school, national export
	RolePublisher  = "publisher"  // one school: read its public protocol
	RoleAdmin      = "admin"      // everything
	RoleOffice     = "office"     // one school: the intake desk (issue 6)
	// RoleScanner is the scanner PC's worker: it may only upload its school's pages and
	// read the status of its own batches, so a token left on that PC can never review,
	// rank or publish.
	RoleScanner = "scanner"
)

// Roles lists every role, for validation and help texts.
var Roles = []string{RoleCommission, RoleDaryn, RolePublisher, RoleAdmin, RoleOffice, RoleScanner}

// ScopedRole reports whether a role is bound to one school.
func ScopedRole(role string) bool {
	return role == RoleCommission || role == RolePublisher || role == RoleOffice || role == RoleScanner
}

// Actor is who makes a change; every audit entry names one.
type Actor struct {
	Name   string `json:"name"`
	Role   string `json:"role"`
	School string `json:"school,omitempty"`
}

// System is the actor of changes made by tarazy itself (migrations, the CLI as admin).
var System = Actor{Name: "system", Role: RoleAdmin}

type Contest struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	Year      int       `json:"year"`
	CreatedAt time.Time `json:"created_at"`
}

type School struct {
	Code   string `json:"code"`
	NameKK string `json:"name_kk"`
	NameRU string `json:"name_ru"`
	Region string `json:"region"`
}

// The contest's records are declared once, in the domain (package contest), and the
// store persists those types; these names are the store's words for them.
type (
	// Seats of a school's grade and its approved "Мың бала" quota (§25).
	Seats = contest.Seats
	// Candidate registered for the contest (§17).
	Candidate = contest.Registration
	// Score is one candidate's result, a line of results.csv (the ranking's input).
	Score = contest.Candidate
	// Placement is one line of a ranking.
	Placement = contest.Row
)

// AnswerKey of one grade and test variant; Version grows with each upload.
type AnswerKey struct {
	Grade     int       `json:"grade"`
	Variant   string    `json:"variant"`
	Answers   string    `json:"answers"`
	Version   int       `json:"version"`
	CreatedBy string    `json:"created_by"`
	CreatedAt time.Time `json:"created_at"`
}

// Batch is one scanner run or hot-folder batch (issue 5).
type Batch struct {
	Name     string `json:"name"`
	Operator string `json:"operator"`
	Scanner  string `json:"scanner"`
}

// IngestItem is one read page as the worker uploads it. The image and crop bytes are
// already in the image store under their SHA-256; the database keeps the names.
type IngestItem struct {
	Reading     reading.Reading    `json:"reading"`
	Image       string             `json:"image"`                  // SHA-256 of the page image, hex
	Crops       map[string]string  `json:"crops,omitempty"`        // field -> SHA-256 of its PNG crop
	Confidence  map[string]float64 `json:"confidence,omitempty"`   // field -> the reader's confidence
	Reasons     map[string]string  `json:"reasons,omitempty"`      // field -> why a person must look, in plain words
	ReadSeconds float64            `json:"read_seconds,omitempty"` // how long the reader took
}

// Outcomes of ingesting one page.
const (
	OutcomeStored    = "stored"    // a new sheet: version 1 (final, or with fields to review)
	OutcomeDuplicate = "duplicate" // the same sheet scanned again with the same reading
	OutcomeConflict  = "conflict"  // the same sheet scanned again with a different reading: review
	OutcomeRejected  = "rejected"  // not a readable sheet (the reader's reason), or refused (ours)
)

// IngestResult tells the worker what became of one page. Existing is true when the
// same image had been ingested before: the result is the first one, unchanged.
type IngestResult struct {
	Image    string `json:"image"`
	Serial   string `json:"serial,omitempty"`
	Version  int    `json:"version,omitempty"`
	Outcome  string `json:"outcome"`
	Reason   string `json:"reason,omitempty"`
	Existing bool   `json:"existing"`
	// Flag warns about a page that was stored but looks wrong: its IIN is on more
	// sheets of the school than one candidate can have written (scoring.MaxSheetsPerIIN).
	Flag string `json:"flag,omitempty"`
}

// BatchSummary is one batch as the dashboard shows it (issue 5).
type BatchSummary struct {
	Batch
	CreatedBy string         `json:"created_by"`
	CreatedAt time.Time      `json:"created_at"`
	Pages     int            `json:"pages"`
	Outcomes  map[string]int `json:"outcomes"` // stored, duplicate, conflict, rejected
	// Statuses counts the pages by what the reader said: ok, review, rejected.
	Statuses map[string]int `json:"statuses"`
	// InReview is the number of sheets first stored by this batch that still have
	// fields waiting for reviewers: the batch's progress towards final readings.
	InReview int `json:"in_review"`
	// Calibration is the thresholds and fill histogram the batch was read with, as
	// the worker sent them; nil when none was sent.
	Calibration *calibration.Summary `json:"calibration,omitempty"`
	FirstAt     time.Time            `json:"first_at"` // first and last page received
	LastAt      time.Time            `json:"last_at"`
	// ReadSeconds is the reader's mean time per page, as the worker reported it.
	ReadSeconds float64 `json:"read_seconds"`
}

// RejectedPage is a page that could not be stored as a sheet, with why.
type RejectedPage struct {
	Image  string    `json:"image"`
	File   string    `json:"file"`
	Page   int       `json:"page"`
	Reason string    `json:"reason"`
	At     time.Time `json:"at"`
}

// Sheet states.
const (
	SheetFinal  = "final"  // the current version can be scored
	SheetReview = "review" // fields await reviewers
)

// Sheet is one physical answer sheet, known by its printed serial.
type Sheet struct {
	Serial    string          `json:"serial"`
	School    string          `json:"school"`
	Form      string          `json:"form"`
	State     string          `json:"state"`
	Version   int             `json:"version"`
	Reading   reading.Reading `json:"reading"`
	UpdatedAt time.Time       `json:"updated_at"`
}

// Reading version sources.
const (
	SourceScan   = "scan"   // the first reading of the sheet
	SourceRescan = "rescan" // a later scan that disagreed with the current reading
	SourceReview = "review" // the reviewers' final values applied
)

// SheetVersion is one version of a sheet's reading; versions are never changed.
type SheetVersion struct {
	Serial    string          `json:"serial"`
	Version   int             `json:"version"`
	Source    string          `json:"source"`
	Image     string          `json:"image,omitempty"`
	Reading   reading.Reading `json:"reading"`
	CreatedBy string          `json:"created_by"`
	CreatedAt time.Time       `json:"created_at"`
}

// Page refusals: why a page was not stored as (a version of) a sheet.
const (
	RefusalReader   = "reader"   // the reader could not read it as a sheet
	RefusalIdentity = "identity" // its serial is another sheet's (another form) or its image another school's
	RefusalUnfit    = "unfit"    // its reading does not fit its form
	RefusalFrozen   = "frozen"   // its grade's results are published and no amendment is open
)

// Page is one page as a scanner delivered it and the reader read it.
type Page struct {
	Image     string          `json:"image"` // SHA-256 of the page image
	Batch     string          `json:"batch"`
	File      string          `json:"file"`
	Page      int             `json:"page"`
	Serial    string          `json:"serial,omitempty"`
	Version   int             `json:"version,omitempty"`
	Outcome   string          `json:"outcome"`
	Refusal   string          `json:"refusal,omitempty"`
	Reason    string          `json:"reason,omitempty"`
	Reading   reading.Reading `json:"reading"`
	CreatedAt time.Time       `json:"created_at"`
}

// ElsewherePage is a page at another school that carries an IIN asked about.
type ElsewherePage struct {
	IIN   string `json:"iin"`
	State string `json:"state"` // the sheet's state, or "refused"
}

// ReviewItem is one field of one sheet under review.
type ReviewItem struct {
	ID         int64             `json:"id"`
	Serial     string            `json:"serial"`
	Applied    bool              `json:"applied,omitempty"` // settled and written into a sheet version
	Field      string            `json:"field"`
	Version    int               `json:"version"` // the sheet version that raised it
	Machine    string            `json:"machine"`
	HasMachine bool              `json:"has_machine"`
	Candidates []string          `json:"candidates,omitempty"` // values seen in disagreeing scans
	Confidence float64           `json:"confidence"`
	Reason     string            `json:"reason,omitempty"` // why a person must look
	Crop       string            `json:"crop,omitempty"`   // SHA-256 of the PNG crop
	Outcome    review.Outcome    `json:"outcome"`
	Decisions  []review.Decision `json:"decisions"`
}

// ReviewSheet groups the open review items of one sheet for the review queue.
type ReviewSheet struct {
	Serial  string       `json:"serial"`
	Form    string       `json:"form"`
	Image   string       `json:"image"`
	Version int          `json:"version"`
	Items   []ReviewItem `json:"items"`
	// Scans are the page images this sheet was stored from (first scan, rescans that
	// disagreed), oldest first: where to find the paper and the evidence of a conflict.
	Scans []ReviewScan `json:"scans"`
}

// ReviewScan is one stored scan of a sheet under review.
type ReviewScan struct {
	Image   string            `json:"image"`
	Batch   string            `json:"batch"`
	File    string            `json:"file"`
	Page    int               `json:"page"`
	Version int               `json:"version"`
	Reading reading.Reading   `json:"reading"`
	Crops   map[string]string `json:"crops,omitempty"`
}

// Review queue tabs: what a field waits for, seen by one reviewer.
const (
	ReviewMine   = "mine"   // open, and this reviewer has not keyed it
	ReviewOthers = "others" // open, keyed by this reviewer: waits for a second one
	ReviewChair  = "chair"  // disputed: waits for the chair
)

// ReviewQuery selects part of a school's review queue for one reviewer.
type ReviewQuery struct {
	Reviewer string
	Tab      string // ReviewMine, ReviewOthers, ReviewChair; "" for every unsettled sheet
	After    string // serial to continue after
	Limit    int
	Serial   string // only this sheet, when set
}

// ReviewCounts are the unsettled fields of a school by tab, for one reviewer.
type ReviewCounts struct {
	Mine   int `json:"mine"`
	Others int `json:"others"`
	Chair  int `json:"chair"`
}

// DecisionResult is what recording a decision led to.
type DecisionResult struct {
	Item ReviewItem `json:"item"`
	// SheetVersion is the new final version when this decision settled the sheet's
	// last open field, else 0.
	SheetVersion int `json:"sheet_version,omitempty"`
}

// ResultSet describes one stored version of a school grade's scores or ranking.
type ResultSet struct {
	School    string    `json:"school"`
	Grade     int       `json:"grade"`
	Version   int       `json:"version"`
	SHA256    string    `json:"sha256"` // of the rows as stored
	Rows      int       `json:"rows"`
	CreatedBy string    `json:"created_by"`
	CreatedAt time.Time `json:"created_at"`
	// Policy is the policy the scores were made with, recorded once when the grade is
	// scored; the ranking and the protocol read it from here. Nil on a ranking.
	Policy *contest.Policy `json:"policy,omitempty"`
}

// Ranking is a stored ranking version with its rows in place order.
type Ranking struct {
	ResultSet
	Placements []Placement `json:"placements"`
}

// ExportCursor is where a page of the national export starts (after this row).
type ExportCursor struct {
	School string
	Grade  int
	Place  int
}

// TieDecision is the commission's recorded decision on a tie the machine would not
// break (§38, issue 3): which candidates were tied, their order as decided, and why.
type TieDecision struct {
	ID        int64     `json:"id"`
	School    string    `json:"school"`
	Grade     int       `json:"grade"`
	IINs      []string  `json:"iins"`  // the tied group
	Order     []string  `json:"order"` // the group in the commission's order
	Reason    string    `json:"reason"`
	DecidedBy string    `json:"decided_by"`
	DecidedAt time.Time `json:"decided_at"`
	// Replaces is the decision this one replaces (withdrawn with it), 0 for none.
	Replaces int64 `json:"replaces,omitempty"`
	// Withdrawn says when, by whom and why the chair withdrew the decision; a
	// withdrawn decision is kept, and no longer applies.
	WithdrawnAt    *time.Time `json:"withdrawn_at,omitempty"`
	WithdrawnBy    string     `json:"withdrawn_by,omitempty"`
	WithdrawReason string     `json:"withdraw_reason,omitempty"`
}

// Publication states.
const (
	PublicationOpen      = "open"      // an amendment is open: the grade may change
	PublicationPublished = "published" // the edition is public: the grade is frozen
)

// Publication is one edition of a school grade's published protocol: the first
// publication (edition 1) or an amendment (2, 3, …) opened with its reason and then
// published. While the latest edition is published, nothing that would change the
// grade's results is accepted (the grade is frozen).
type Publication struct {
	School        string     `json:"school"`
	Grade         int        `json:"grade"`
	Edition       int        `json:"edition"`
	State         string     `json:"state"`
	Reason        string     `json:"reason,omitempty"` // why the amendment was opened
	OpenedBy      string     `json:"opened_by"`
	OpenedAt      time.Time  `json:"opened_at"`
	PublishedBy   string     `json:"published_by,omitempty"`
	PublishedAt   *time.Time `json:"published_at,omitempty"`
	ResultsSHA256 string     `json:"results_sha256,omitempty"` // what the edition printed
}

// Protocol visibilities and formats.
const (
	VisibilityInternal = "internal" // full personal data, for the commission
	VisibilityPublic   = "public"   // personal data reduced, for the website
)

// ProtocolFormats are the formats issue 3 produces.
var ProtocolFormats = []string{"pdf", "html", "csv", "json"}

// Protocol is one stored protocol file; its bytes are in the image store.
type Protocol struct {
	School      string     `json:"school"`
	Grade       int        `json:"grade"`
	Visibility  string     `json:"visibility"`
	Format      string     `json:"format"`
	Version     int        `json:"version"`
	SHA256      string     `json:"sha256"`
	Size        int64      `json:"size"`
	CreatedBy   string     `json:"created_by"`
	CreatedAt   time.Time  `json:"created_at"`
	PublishedAt *time.Time `json:"published_at,omitempty"`
	Edition     int        `json:"edition,omitempty"` // the publication it was published as
}

// User holds a role, and a school for scoped roles. Chair marks the commission's chair,
// who settles disputed review fields.
type User struct {
	Name      string    `json:"name"`
	Role      string    `json:"role"`
	School    string    `json:"school,omitempty"`
	Chair     bool      `json:"chair"`
	CreatedAt time.Time `json:"created_at"`
}

// Token is an API token as stored: only the SHA-256 of its secret.
type Token struct {
	ID        string     `json:"id"`
	User      User       `json:"user"`
	CreatedAt time.Time  `json:"created_at"`
	ExpiresAt *time.Time `json:"expires_at,omitempty"`
	RevokedAt *time.Time `json:"revoked_at,omitempty"`
}

// AuditEntry is one line of the audit log. Before and After are JSON.
type AuditEntry struct {
	ID      int64     `json:"id"`
	At      time.Time `json:"at"`
	Actor   string    `json:"actor"`
	Role    string    `json:"role"`
	Action  string    `json:"action"`
	Contest string    `json:"contest,omitempty"`
	School  string    `json:"school,omitempty"`
	Subject string    `json:"subject,omitempty"`
	Before  string    `json:"before,omitempty"`
	After   string    `json:"after,omitempty"`
}

// AuditFilter selects audit entries; empty fields match everything. Entries come
// newest first, before BeforeID when it is set.
type AuditFilter struct {
	Contest  string
	School   string
	Action   string
	BeforeID int64
	Limit    int
}

// Contests keeps the yearly contests.
type Contests interface {
	// CreateContest returns Conflict if the id is taken, Invalid for an empty id.
	CreateContest(ctx context.Context, by Actor, c Contest) (Contest, error)
	// Contest returns NotFound for an unknown id.
	Contest(ctx context.Context, id string) (Contest, error)
	ListContests(ctx context.Context) ([]Contest, error)
}

// Schools keeps the schools, their seats and their commissions.
type Schools interface {
	// PutSchools adds or renames schools.
	PutSchools(ctx context.Context, by Actor, schools []School) error
	// School returns NotFound for an unknown code.
	School(ctx context.Context, code string) (School, error)
	ListSchools(ctx context.Context) ([]School, error)
	// PutSeats sets seats per school and grade; NotFound for an unknown contest or school.
	PutSeats(ctx context.Context, by Actor, contest string, seats []Seats) error
	// Seats lists a contest's seats, of one school when school is not empty.
	Seats(ctx context.Context, contest, school string) ([]Seats, error)
	// PutCommission replaces a school's commission for a contest; Conflict while a
	// grade of the school is published (frozen).
	PutCommission(ctx context.Context, by Actor, contest, school string, c contest.Commission) error
	Commission(ctx context.Context, contest, school string) (contest.Commission, error)
	// PutSitting records the school's protocol number, city and contest calendar (the
	// rest of contest.Sitting is the school's names and the commission, kept apart);
	// Conflict while a grade of the school is frozen.
	PutSitting(ctx context.Context, by Actor, contest, school string, s contest.Sitting) error
	// Sitting returns what PutSitting recorded; NotFound when nothing was.
	Sitting(ctx context.Context, contest, school string) (contest.Sitting, error)
}

// Candidates keeps the registered candidates.
type Candidates interface {
	// PutCandidates adds or updates candidates by IIN; Conflict when an IIN is already
	// registered at another school.
	PutCandidates(ctx context.Context, by Actor, contest string, cs []Candidate) error
	// Candidates of one school (every school when school is empty), by grade and IIN.
	Candidates(ctx context.Context, contest, school string) ([]Candidate, error)
}

// Keys keeps answer keys; each upload of a grade and variant is a new version.
type Keys interface {
	PutKeys(ctx context.Context, by Actor, contest string, keys []AnswerKey) ([]AnswerKey, error)
	// Keys returns the current version of every grade and variant.
	Keys(ctx context.Context, contest string) ([]AnswerKey, error)
}

// Sheets keeps scanned pages and the reading versions of each physical sheet.
type Sheets interface {
	// Ingest stores a batch of read pages in one transaction, idempotently by image
	// hash: a page already ingested returns its first result. A sheet scanned again
	// with a different reading becomes a conflict for review, never an overwrite.
	// Pages that cannot be stored (a serial of another school) are rejected with a
	// reason while the rest of the batch goes on. NotFound for an unknown contest or
	// school; Unavailable when the database cannot be reached (nothing is written).
	Ingest(ctx context.Context, by Actor, contest, school string, b Batch, items []IngestItem) ([]IngestResult, error)
	// Sheet returns the current state of a school's sheet; NotFound if unknown. A
	// sheet is known by its school and serial: every school prints from 000001.
	Sheet(ctx context.Context, contest, school, serial string) (Sheet, error)
	// SheetVersions lists every version of a sheet, oldest first.
	SheetVersions(ctx context.Context, contest, school, serial string) ([]SheetVersion, error)
	// FinalSheets lists the current final reading of every sheet of a school.
	FinalSheets(ctx context.Context, contest, school string) ([]SheetVersion, error)
	// SchoolSheets lists every sheet of a school with its state and current reading.
	SchoolSheets(ctx context.Context, contest, school string) ([]Sheet, error)
	// SchoolVersions lists every version of every sheet of a school, by serial and
	// version.
	SchoolVersions(ctx context.Context, contest, school string) ([]SheetVersion, error)
	// Pages lists every page ingested for a school, stored or refused, in arrival
	// order: what the scanners delivered, as the reader read it.
	Pages(ctx context.Context, contest, school string) ([]Page, error)
	// PagesElsewhere lists the pages at other schools of the contest that carry one
	// of these IINs (as the page was read, or as its sheet now reads), without saying
	// which school: a candidate with such a page is not absent.
	PagesElsewhere(ctx context.Context, contest, school string, iins []string) ([]ElsewherePage, error)
	// Batches summarises a school's batches, newest first.
	Batches(ctx context.Context, contest, school string) ([]BatchSummary, error)
	// PutBatchCalibration records the calibration a batch is read with, creating the
	// batch if no page of it has arrived yet; a later call replaces it (audited).
	// NotFound for an unknown contest or school; Invalid for a batch without a name or
	// a calibration whose profile or histogram is not one tarazy makes.
	PutBatchCalibration(ctx context.Context, by Actor, contest, school string, b Batch, sum calibration.Summary) error
	// RejectedPages lists the rejected pages of a school's batch, in arrival order.
	RejectedPages(ctx context.Context, contest, school, batch string) ([]RejectedPage, error)
	// UnownedBlobs returns those of shas the school does not own in the contest, in
	// the order given. A school owns the images of its scans, the crops of its sheets'
	// review fields and the files it uploaded (ClaimBlob): knowing a hash is not
	// owning the file, and another school owning the same bytes changes nothing.
	UnownedBlobs(ctx context.Context, contest, school string, shas []string) ([]string, error)
	// ClaimBlob records that the school uploaded the file named sha (its bytes are in
	// the image store). NotFound for an unknown contest or school.
	ClaimBlob(ctx context.Context, by Actor, contest, school, sha string) error
}

// Deployment keeps what every server on one database must agree on.
type Deployment interface {
	// BindImageStore records id as the identity of the image store this database's
	// files live in, unless one is recorded already, and returns the recorded one: a
	// server whose image store answers another identity must not serve.
	BindImageStore(ctx context.Context, id string) (string, error)
}

// Reviews keeps the review queue and the reviewers' decisions.
type Reviews interface {
	// ReviewQueue lists sheets of a school with open or disputed fields, by serial,
	// after the serial given.
	ReviewQueue(ctx context.Context, contest, school, after string, limit int) ([]ReviewSheet, error)
	// ReviewSheets lists sheets of a school with a field in the query's tab, by serial,
	// each with all its unsettled fields and its scans.
	ReviewSheets(ctx context.Context, contest, school string, q ReviewQuery) ([]ReviewSheet, error)
	// ReviewCounts counts a school's unsettled fields by tab for one reviewer.
	ReviewCounts(ctx context.Context, contest, school, reviewer string) (ReviewCounts, error)
	// RecordDecision records one reviewer's value for one field (rule: package review).
	// NotFound when the sheet has no such field under review; Conflict when the field
	// is final, or disputed and the reviewer is not acting as chair; Invalid for a
	// value the field cannot take. When it settles the sheet's last open field, a new
	// final reading version is written in the same transaction.
	RecordDecision(ctx context.Context, by Actor, contest, school, serial, field string, d review.Decision, isChair bool) (DecisionResult, error)
	// OpenReviewFields counts fields awaiting a decision, over all contests.
	OpenReviewFields(ctx context.Context) (int, error)
	// ReviewHistory lists every review item of a school, settled or not, with every
	// decision, oldest first: what verification replays.
	ReviewHistory(ctx context.Context, contest, school string) ([]ReviewItem, error)
}

// Results keeps scores, rankings, tie decisions, protocols and their publications;
// each put is a version. Every change is refused (Conflict) while the grade it would
// change is published and no amendment is open: published means frozen.
type Results interface {
	// PutScores stores a grade's scores and the policy they were made with.
	PutScores(ctx context.Context, by Actor, contest, school string, grade int, rows []Score, policy contest.Policy) (ResultSet, error)
	// Scores returns the current scores and, in the set, their policy.
	Scores(ctx context.Context, contest, school string, grade int) (ResultSet, []Score, error)
	PutRanking(ctx context.Context, by Actor, contest, school string, grade int, rows []Placement) (ResultSet, error)
	// Ranking returns the current ranking; NotFound when none was stored.
	Ranking(ctx context.Context, contest, school string, grade int) (Ranking, error)
	// RankingVersion is the current ranking version (0 when none); cheap, for caches.
	RankingVersion(ctx context.Context, contest, school string, grade int) (int, error)
	// ExportPage returns up to limit placements of the current rankings of every
	// school, in school, grade, place order, after the cursor.
	ExportPage(ctx context.Context, contest string, after ExportCursor, limit int) ([]Placement, error)
	// ExportTag changes whenever any school's current ranking changes.
	ExportTag(ctx context.Context, contest string) (string, error)
	// RecordTieDecision records the chair's order of a tie; with Replaces set, the
	// replaced decision is withdrawn in the same transaction (NotFound when it is not
	// an active decision of the grade).
	RecordTieDecision(ctx context.Context, by Actor, contest string, d TieDecision) (TieDecision, error)
	// WithdrawTieDecision withdraws an active decision with the reason; NotFound for
	// an unknown or already withdrawn one.
	WithdrawTieDecision(ctx context.Context, by Actor, contest, school string, grade int, id int64, reason string) (TieDecision, error)
	// TieDecisions lists every decision of a grade, withdrawn ones included, oldest
	// first.
	TieDecisions(ctx context.Context, contest, school string, grade int) ([]TieDecision, error)
	// PutProtocol records a protocol file whose bytes are in the image store.
	PutProtocol(ctx context.Context, by Actor, contest string, p Protocol) (Protocol, error)
	// Protocols lists every stored protocol file of a school grade, newest first.
	Protocols(ctx context.Context, contest, school string, grade int) ([]Protocol, error)
	// Publish publishes the public protocol files of these versions as the grade's
	// next edition (the first publication, or the open amendment) and freezes the
	// grade. NotFound when a version is not a public file of the grade; Conflict when
	// the grade is already published and no amendment is open.
	Publish(ctx context.Context, by Actor, contest, school string, grade int, versions map[string]int, resultsSHA256 string) ([]Protocol, Publication, error)
	// OpenAmendment opens the next edition of a published grade, with its reason; the
	// grade may change until it is published again. Conflict when the grade is not
	// published or an amendment is already open.
	OpenAmendment(ctx context.Context, by Actor, contest, school string, grade int, reason string) (Publication, error)
	// Publications lists a grade's editions, oldest first.
	Publications(ctx context.Context, contest, school string, grade int) ([]Publication, error)
	// PublishedProtocol returns a published public file: the latest, or of one edition
	// (edition > 0); NotFound if none.
	PublishedProtocol(ctx context.Context, contest, school string, grade int, format string, edition int) (Protocol, error)
}

// Users keeps users and their tokens.
type Users interface {
	// CreateToken creates the user if new (Conflict if it exists with another role
	// or school) and stores a token by the SHA-256 of its secret.
	CreateToken(ctx context.Context, by Actor, u User, id string, secretHash []byte, expires *time.Time) (Token, error)
	// TokenByHash returns Unauthorized for an unknown, revoked or expired token.
	TokenByHash(ctx context.Context, secretHash []byte) (Token, error)
	RevokeToken(ctx context.Context, by Actor, id string) error
	ListTokens(ctx context.Context) ([]Token, error)
}

// Audit reads and appends the audit log.
type Audit interface {
	// AppendAudit records an event that is not itself a change, such as a refused
	// request.
	AppendAudit(ctx context.Context, e AuditEntry) error
	AuditLog(ctx context.Context, f AuditFilter) ([]AuditEntry, error)
}

// Store is all of it, plus the database's own health.
type Store interface {
	Contests
	Schools
	Candidates
	Keys
	Sheets
	Reviews
	Results
	Users
	Audit
	Deployment
	// Ping returns Unavailable when the database cannot be reached.
	Ping(ctx context.Context) error
	// Migrations reports how many of the migrations this build knows are applied, and
	// how many it knows.
	Migrations(ctx context.Context) (applied, known int, err error)
	// Schema compares the database's migrations with this build's (readiness, rolling
	// upgrades); a database never migrated has nothing applied.
	Schema(ctx context.Context) (Schema, error)
	// Backend names the implementation ("sqlite", "postgres").
	Backend() string
	Close() error
}

// Schema compares a database's migrations with the ones this build carries.
type Schema struct {
	Known   int         // migrations this build carries
	Applied int         // of those, how many the database has
	Missing []string    // this build's migrations the database lacks (`tarazy migrate` applies them)
	Newer   []Migration // migrations the database has and this build does not know
}

// Migration is one applied migration as the database records it.
type Migration struct {
	Version int
	Name    string
	// Compatible marks an expand-only migration: servers built without it may run on a
	// database that has it (rolling upgrades and roll-backs).
	Compatible bool
}

// Current reports a database that has exactly this build's migrations.
func (s Schema) Current() bool { return len(s.Missing) == 0 && len(s.Newer) == 0 }

// Incompatible lists the newer migrations not marked compatible.
func (s Schema) Incompatible() []string {
	var out []string
	for _, m := range s.Newer {
		if !m.Compatible {
			out = append(out, m.Name)
		}
	}
	return out
}

// Servable returns nil when a server of this build may answer on the database: none
// of its migrations is missing and every newer one is marked compatible. Otherwise an
// Unavailable error that says what to do.
func (s Schema) Servable() error {
	if len(s.Missing) > 0 {
		return Errorf(Unavailable, "the database lacks %d of this build's %d migrations (%s); run `tarazy migrate`",
			len(s.Missing), s.Known, strings.Join(s.Missing, ", "))
	}
	if bad := s.Incompatible(); len(bad) > 0 {
		return Errorf(Unavailable, "the database was migrated by a newer tarazy (%s) that older servers cannot run beside; upgrade this server",
			strings.Join(bad, ", "))
	}
	return nil
}

// PoolStats describes a store's connection pool, for metrics.
type PoolStats struct {
	MaxConns    int     // the configured bound
	OpenConns   int     // open now, busy or idle
	InUse       int     // handed out to requests now
	Idle        int     // open and idle now
	WaitCount   int64   // requests that had to wait for a connection, since start
	WaitSeconds float64 // total time they waited
}
