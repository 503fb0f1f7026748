package intake

import (
	_ "embed"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
)

// Text is a phrase in both languages of the receipts.
type Text struct {
	KK string `yaml:"kk" json:"kk"`
	RU string `yaml:"ru" json:"ru"`
}

// In picks the language ("kk" or "ru"), falling back to the other when one is empty.
func (t Text) In(lang string) string {
	if lang == "ru" && t.RU != "" || t.KK == "" {
		return t.RU
	}
	return t.KK
}

// Named is an id with names, used for channels, conditions and grounds.
type Named struct {
	ID     string `yaml:"id" json:"id"`
	NameKK string `yaml:"name_kk" json:"name_kk"`
	NameRU string `yaml:"name_ru" json:"name_ru"`
	Source string `yaml:"source,omitempty" json:"source,omitempty"`
}

// Name in the language asked for.
func (n Named) Name(lang string) string { return Text{n.NameKK, n.NameRU}.In(lang) }

// Provider is the school that runs the desk.
type Provider struct {
	NameKK   string `yaml:"name_kk" json:"name_kk"`
	NameRU   string `yaml:"name_ru" json:"name_ru"`
	Timezone string `yaml:"timezone" json:"timezone"`
}

// Document is one item of a service's document list.
type Document struct {
	ID     string `yaml:"id" json:"id"`
	NameKK string `yaml:"name_kk" json:"name_kk"`
	NameRU string `yaml:"name_ru" json:"name_ru"`
	// Channels limits the item to some channels (the portal takes electronic
	// documents); empty means every channel of the service.
	Channels []string `yaml:"channels,omitempty" json:"channels,omitempty"`
	// When makes the item required only if the application has one of these
	// conditions (a foreign citizen, a damaged document).
	When []string `yaml:"when,omitempty" json:"when,omitempty"`
	// OneOf groups items of which any one suffices (a foreigner's status document).
	OneOf string `yaml:"one_of,omitempty" json:"one_of,omitempty"`
	// ValidityDays, when set, makes a document expired that many days after its
	// issue date. The seed sets none; a school may.
	ValidityDays int `yaml:"validity_days,omitempty" json:"validity_days,omitempty"`
	// Priority marks the proof of a priority rather than a required document: without
	// it the applicant goes on without the priority (§18 sub. 5 and §38: the olympiad
	// diploma copy), never refused as incomplete.
	Priority bool   `yaml:"priority,omitempty" json:"priority,omitempty"`
	Source   string `yaml:"source,omitempty" json:"source,omitempty"`
}

// Name in the language asked for.
func (d Document) Name(lang string) string { return Text{d.NameKK, d.NameRU}.In(lang) }

// Term is how long the service takes, counted from registration.
type Term struct {
	WorkingDays int    `yaml:"working_days,omitempty" json:"working_days,omitempty"`
	Minutes     int    `yaml:"minutes,omitempty" json:"minutes,omitempty"`
	Note        Text   `yaml:"note,omitempty" json:"note,omitzero"`
	Source      string `yaml:"source,omitempty" json:"source,omitempty"`
}

// Set reports whether the catalogue gives a term at all.
func (t Term) Set() bool { return t.WorkingDays > 0 || t.Minutes > 0 }

// Window is the part of the year in which a service takes applications, both days
// included.
type Window struct {
	From MonthDay `yaml:"from" json:"from"`
	To   MonthDay `yaml:"to" json:"to"`
	// Grades limits the window to applications for these grades (first grade only).
	Grades []int `yaml:"grades,omitempty" json:"grades,omitempty"`
	// EmergencyTo is the later end allowed when restrictive measures or an emergency
	// are in force (§9-2 second paragraph: 20 August); staff must say why.
	EmergencyTo MonthDay `yaml:"emergency_to,omitempty" json:"emergency_to,omitzero"`
	// Rule is the paragraph that sets the window, printed on a refusal ("§9-2").
	Rule   string `yaml:"rule" json:"rule"`
	Source string `yaml:"source" json:"source"`
}

// Contains reports whether d is inside the window of its year.
func (w Window) Contains(d Date, emergency bool) bool {
	to := w.To
	if emergency && w.EmergencyTo != (MonthDay{}) {
		to = w.EmergencyTo
	}
	return !d.Before(w.From.In(d.Year)) && !d.After(to.In(d.Year))
}

// NotificationOrder is the first-grade order of §9-5, §9-6: Territory applicants from
// the school's service territory, then Outside applicants from outside, repeating.
type NotificationOrder struct {
	Grade     int    `yaml:"grade" json:"grade"`
	Territory int    `yaml:"territory" json:"territory"`
	Outside   int    `yaml:"outside" json:"outside"`
	Source    string `yaml:"source" json:"source"`
}

// Service is one public service the school provides, in the shape of a service
// standard (Law art. 14 p. 3-1: name, channels, term, result, fee, schedule,
// documents, refusal grounds).
type Service struct {
	ID     string `yaml:"id" json:"id"`
	Code   string `yaml:"code" json:"code"` // receipt number prefix, ADM-2026-00017
	ListNo int    `yaml:"list_no,omitempty" json:"list_no,omitempty"`
	NameKK string `yaml:"name_kk" json:"name_kk"`
	NameRU string `yaml:"name_ru" json:"name_ru"`
	// Standard names the act the rest of the entry is encoded from; empty means the
	// seed gives no standard and the school fills the checklist in.
	Standard       string             `yaml:"standard" json:"standard"`
	Channels       []string           `yaml:"channels" json:"channels"`
	Term           Term               `yaml:"term" json:"term"`
	Hours          *Hours             `yaml:"office_hours,omitempty" json:"office_hours,omitempty"`
	Result         Text               `yaml:"result" json:"result"`
	Fee            Text               `yaml:"fee" json:"fee"`
	Conditions     []Named            `yaml:"conditions,omitempty" json:"conditions,omitempty"`
	Documents      []Document         `yaml:"documents" json:"documents"`
	RefusalGrounds []Named            `yaml:"refusal_grounds" json:"refusal_grounds"`
	Window         *Window            `yaml:"window,omitempty" json:"window,omitempty"`
	Order          *NotificationOrder `yaml:"notification_order,omitempty" json:"notification_order,omitempty"`
	// Contest marks the specialized-school contest registration (§16–19), whose
	// accepted applications become the contest's candidates. Its acceptance window
	// comes from the season data (§16), not from Window.
	Contest bool `yaml:"contest,omitempty" json:"contest,omitempty"`
	// FirstGrade holds the first-grade rules of §9, §9-4 and §9-6 for the service
	// that admits to school.
	FirstGrade *FirstGrade `yaml:"first_grade,omitempty" json:"first_grade,omitempty"`
	// Appeal says where a decision of this service is appealed, printed on refusals;
	// empty means the catalogue's (the Law's).
	Appeal Text `yaml:"appeal,omitempty" json:"appeal,omitzero"`
	// RefusalNote is printed on every refusal of this service (admission: §8).
	RefusalNote Text `yaml:"refusal_note,omitempty" json:"refusal_note,omitzero"`
	Notes       Text `yaml:"notes,omitempty" json:"notes,omitzero"`
}

// FirstGrade is the first-grade admission of §9–§9-6: who is admitted (six-year-olds
// and those turning six in the calendar year), when the child is admitted from, and
// when the order may be issued.
type FirstGrade struct {
	Grade int `yaml:"grade" json:"grade"`
	// Age is the age §9 admits: children of that age, or reaching it in the year.
	Age int `yaml:"age" json:"age"`
	// AdmittedFrom is the day the child is admitted from (§9-4, §9-6: 1 September),
	// printed on the receipt and the due date of the application.
	AdmittedFrom MonthDay `yaml:"admitted_from" json:"admitted_from"`
	// OrderAfter: the admission order is issued after this day (§9-6: 25 August).
	OrderAfter MonthDay `yaml:"order_after" json:"order_after"`
	Source     string   `yaml:"source" json:"source"`
}

// Appeal is where a decision of s is appealed: the service's own text, or the
// catalogue's.
func (c *Catalogue) AppealFor(s *Service) Text {
	if s.Appeal != (Text{}) {
		return s.Appeal
	}
	return c.Appeal
}

// Name in the language asked for.
func (s *Service) Name(lang string) string { return Text{s.NameKK, s.NameRU}.In(lang) }

// HasChecklist reports whether the catalogue lists any documents for the service.
func (s *Service) HasChecklist() bool { return len(s.Documents) > 0 }

// ReviewBody is a body that reviews complaints, with its term (Law art. 25).
type ReviewBody struct {
	ID          string `yaml:"id" json:"id"`
	NameKK      string `yaml:"name_kk" json:"name_kk"`
	NameRU      string `yaml:"name_ru" json:"name_ru"`
	WorkingDays int    `yaml:"working_days" json:"working_days"`
	// MaxExtension is the longest single extension in working days; 0 means the
	// body may not extend (art. 25 p. 4 lists the bodies that may).
	MaxExtension int `yaml:"max_extension" json:"max_extension"`
	// NoticeDays is how soon the complainant must be told of an extension.
	NoticeDays int    `yaml:"notice_days" json:"notice_days"`
	Source     string `yaml:"source" json:"source"`
}

// Catalogue is the school's list of services and the rules shared by all of them.
type Catalogue struct {
	Provider Provider `yaml:"provider" json:"provider"`
	Hours    Hours    `yaml:"office_hours" json:"office_hours"`
	Channels []Named  `yaml:"channels" json:"channels"`
	// IntakeGrounds are the refusals on the spot every service shares (Law art. 19,
	// art. 20 p. 2): incomplete, expired, outside_window.
	IntakeGrounds []Named `yaml:"intake_grounds" json:"intake_grounds"`
	// LawGrounds are the grounds of Law art. 19-1 p. 2 for refusing the service
	// itself, open to every service besides its own.
	LawGrounds []Named      `yaml:"law_grounds" json:"law_grounds"`
	Complaints []ReviewBody `yaml:"complaint_bodies" json:"complaint_bodies"`
	// Appeal is where a decision is appealed unless a service says otherwise (Law
	// art. 25, art. 4 p. 1 sub. 3 and 6), printed on refusals.
	Appeal   Text       `yaml:"appeal" json:"appeal"`
	Services []*Service `yaml:"services" json:"services"`
	loc      *time.Location
}

// Intake refusal ground ids the code relies on.
const (
	GroundIncomplete    = "incomplete"
	GroundExpired       = "expired"
	GroundOutsideWindow = "outside_window"
)

//go:embed data/catalogue.yaml
var builtinCatalogue []byte

// BuiltinCatalogue is the catalogue compiled into tarazy, the starting point for the
// school's own file.
func BuiltinCatalogue() []byte { return append([]byte(nil), builtinCatalogue...) }

// LoadCatalogue reads the built-in catalogue, or the school's file instead when one is
// given (a catalogue replaces the built-in one whole, so the school sees every rule
// it runs on in one file). A malformed file is rejected with the line and the reason.
func LoadCatalogue(file *DataFile) (*Catalogue, error) {
	f := DataFile{Name: "built-in catalogue.yaml", Data: builtinCatalogue}
	if file != nil {
		f = *file
	}
	var c Catalogue
	idx, err := decodeFile(f.Name, f.Data, &c)
	if err != nil {
		return nil, err
	}
	ch := &checker{file: f.Name, lines: idx}
	c.check(ch)
	if err := ch.err(); err != nil {
		return nil, err
	}
	return &c, nil
}

// Location is the office's time zone: times without a zone are read there.
func (c *Catalogue) Location() *time.Location { return c.loc }

// Service finds a service by id.
func (c *Catalogue) Service(id string) (*Service, error) {
	for _, s := range c.Services {
		if s.ID == id {
			return s, nil
		}
	}
	ids := make([]string, len(c.Services))
	for i, s := range c.Services {
		ids[i] = s.ID
	}
	return nil, fmt.Errorf("no service %q in the catalogue; services: %s: %w", id, strings.Join(ids, ", "), ErrNotFound)
}

// ContestService is the contest registration service.
func (c *Catalogue) ContestService() (*Service, error) {
	for _, s := range c.Services {
		if s.Contest {
			return s, nil
		}
	}
	return nil, fmt.Errorf("the catalogue has no contest registration service (contest: true): %w", ErrNotFound)
}

// HoursFor is the office hours that apply to a service.
func (c *Catalogue) HoursFor(s *Service) Hours {
	if s.Hours != nil {
		return *s.Hours
	}
	return c.Hours
}

// Channel finds a channel by id.
func (c *Catalogue) Channel(id string) (Named, bool) {
	for _, ch := range c.Channels {
		if ch.ID == id {
			return ch, true
		}
	}
	return Named{}, false
}

// IntakeGround finds a refusal-on-the-spot ground by id.
func (c *Catalogue) IntakeGround(id string) Named {
	for _, g := range c.IntakeGrounds {
		if g.ID == id {
			return g
		}
	}
	return Named{ID: id, NameKK: id, NameRU: id}
}

// Ground finds a ground for refusing the service: the service's own, then the Law's.
func (c *Catalogue) Ground(s *Service, id string) (Named, bool) {
	for _, g := range s.RefusalGrounds {
		if g.ID == id {
			return g, true
		}
	}
	for _, g := range c.LawGrounds {
		if g.ID == id {
			return g, true
		}
	}
	return Named{}, false
}

// ReviewBody finds a complaint body by id.
func (c *Catalogue) ReviewBody(id string) (ReviewBody, error) {
	for _, b := range c.Complaints {
		if b.ID == id {
			return b, nil
		}
	}
	ids := make([]string, len(c.Complaints))
	for i, b := range c.Complaints {
		ids[i] = b.ID
	}
	return ReviewBody{}, fmt.Errorf("no complaint body %q; bodies: %s: %w", id, strings.Join(ids, ", "), ErrNotFound)
}

var idRE = regexp.MustCompile(`^[a-z][a-z0-9_-]*$`)
var codeRE = regexp.MustCompile(`^[A-Z]{2,5}$`)

func (c *Catalogue) check(ch *checker) {
	if c.Provider.NameKK == "" && c.Provider.NameRU == "" {
		ch.errf("provider", "the provider (the school) needs a name: provider.name_kk, provider.name_ru")
	}
	tz := c.Provider.Timezone
	if tz == "" {
		tz = "Asia/Almaty"
	}
	loc, err := time.LoadLocation(tz)
	if err != nil {
		ch.errf("provider.timezone", "time zone %q: %v", tz, err)
	}
	c.loc = loc
	if err := c.Hours.check(); err != nil {
		ch.errf("office_hours", "%v", err)
	}
	channels := uniqueIDs(ch, "channels", c.Channels)
	uniqueIDs(ch, "intake_grounds", c.IntakeGrounds)
	for _, id := range []string{GroundIncomplete, GroundExpired, GroundOutsideWindow} {
		if !slices.ContainsFunc(c.IntakeGrounds, func(g Named) bool { return g.ID == id }) {
			ch.errf("intake_grounds", "intake_grounds must define %q (the receipts name it)", id)
		}
	}
	uniqueIDs(ch, "law_grounds", c.LawGrounds)
	if c.Appeal.KK == "" || c.Appeal.RU == "" {
		ch.errf("appeal", "appeal needs kk and ru: where a refusal is appealed (printed on refusal receipts)")
	}
	bodies := map[string]bool{}
	for i, b := range c.Complaints {
		p := fmt.Sprintf("complaint_bodies[%d]", i)
		if !idRE.MatchString(b.ID) || bodies[b.ID] {
			ch.errf(p, "complaint body id %q is empty, repeated or not lower-case latin", b.ID)
		}
		bodies[b.ID] = true
		if b.WorkingDays <= 0 {
			ch.errf(p, "complaint body %q needs working_days > 0", b.ID)
		}
		if b.MaxExtension < 0 || (b.MaxExtension > 0 && b.NoticeDays <= 0) {
			ch.errf(p, "complaint body %q: max_extension must be ≥ 0 and, when set, notice_days > 0", b.ID)
		}
	}
	ids, codes := map[string]bool{}, map[string]bool{}
	contests := 0
	for i, s := range c.Services {
		p := fmt.Sprintf("services[%d]", i)
		if s == nil {
			ch.errf(p, "empty service entry")
			continue
		}
		if !idRE.MatchString(s.ID) || ids[s.ID] {
			ch.errf(p+".id", "service id %q is empty, repeated or not lower-case latin", s.ID)
		}
		ids[s.ID] = true
		if !codeRE.MatchString(s.Code) || codes[s.Code] {
			ch.errf(p+".code", "service %s: code %q must be 2–5 capital latin letters, different for every service (it starts the receipt numbers)", s.ID, s.Code)
		}
		codes[s.Code] = true
		if s.NameKK == "" || s.NameRU == "" {
			ch.errf(p, "service %s needs name_kk and name_ru (receipts are in both languages)", s.ID)
		}
		if len(s.Channels) == 0 {
			ch.errf(p, "service %s has no channels", s.ID)
		}
		for j, chn := range s.Channels {
			if !channels[chn] {
				ch.errf(fmt.Sprintf("%s.channels[%d]", p, j), "service %s: unknown channel %q", s.ID, chn)
			}
		}
		if s.Term.WorkingDays < 0 || s.Term.Minutes < 0 || (s.Term.WorkingDays > 0 && s.Term.Minutes > 0) {
			ch.errf(p+".term", "service %s: give the term either in working_days or in minutes, not both, and not negative", s.ID)
		}
		if s.Hours != nil {
			if err := s.Hours.check(); err != nil {
				ch.errf(p+".office_hours", "service %s: %v", s.ID, err)
			}
		}
		conds := uniqueIDs(ch, p+".conditions", s.Conditions)
		docs := map[string]bool{}
		groups := map[string]int{}
		for j, d := range s.Documents {
			dp := fmt.Sprintf("%s.documents[%d]", p, j)
			if !idRE.MatchString(d.ID) || docs[d.ID] {
				ch.errf(dp, "service %s: document id %q is empty, repeated or not lower-case latin", s.ID, d.ID)
			}
			docs[d.ID] = true
			if d.NameKK == "" || d.NameRU == "" {
				ch.errf(dp, "service %s: document %s needs name_kk and name_ru", s.ID, d.ID)
			}
			for _, w := range d.When {
				if !conds[w] {
					ch.errf(dp, "service %s: document %s depends on condition %q, which the service does not declare under conditions", s.ID, d.ID, w)
				}
			}
			for _, chn := range d.Channels {
				if !slices.Contains(s.Channels, chn) {
					ch.errf(dp, "service %s: document %s is for channel %q, which the service does not use", s.ID, d.ID, chn)
				}
			}
			if d.ValidityDays < 0 {
				ch.errf(dp, "service %s: document %s has negative validity_days", s.ID, d.ID)
			}
			if d.OneOf != "" {
				groups[d.OneOf]++
			}
		}
		for g, n := range groups {
			if n < 2 {
				ch.errf(p+".documents", "service %s: one_of group %q has a single document; a group offers a choice", s.ID, g)
			}
		}
		uniqueIDs(ch, p+".refusal_grounds", s.RefusalGrounds)
		if w := s.Window; w != nil {
			if w.From == (MonthDay{}) || w.To == (MonthDay{}) || w.To.In(2024).Before(w.From.In(2024)) {
				ch.errf(p+".window", "service %s: window needs from and to within one year (from ≤ to)", s.ID)
			}
			if w.EmergencyTo != (MonthDay{}) && w.EmergencyTo.In(2024).Before(w.To.In(2024)) {
				ch.errf(p+".window", "service %s: emergency_to is before the window's end", s.ID)
			}
		}
		if o := s.Order; o != nil && (o.Territory < 1 || o.Outside < 1 || o.Grade < 1) {
			ch.errf(p+".notification_order", "service %s: notification_order needs grade, territory ≥ 1 and outside ≥ 1", s.ID)
		}
		if s.Contest {
			contests++
			if s.Window != nil {
				ch.errf(p+".window", "service %s: the contest's registration window comes from the season data (§16; `tarazy intake season`), not from the catalogue; remove window here", s.ID)
			}
		}
		if w := s.Window; w != nil && strings.TrimSpace(w.Rule) == "" {
			ch.errf(p+".window", "service %s: window needs rule, the paragraph that sets it (such as \"§9-2\"), for the refusal receipt", s.ID)
		}
		if fg := s.FirstGrade; fg != nil && (fg.Grade < 1 || fg.Age < 1 || fg.AdmittedFrom == (MonthDay{}) || fg.OrderAfter == (MonthDay{})) {
			ch.errf(p+".first_grade", "service %s: first_grade needs grade, age, admitted_from and order_after", s.ID)
		}
		if (s.Appeal.KK == "") != (s.Appeal.RU == "") || (s.RefusalNote.KK == "") != (s.RefusalNote.RU == "") {
			ch.errf(p, "service %s: appeal and refusal_note need both kk and ru", s.ID)
		}
	}
	if contests > 1 {
		ch.errf("services", "%d services are marked contest: true; the contest registration is one service", contests)
	}
}

func uniqueIDs(ch *checker, path string, items []Named) map[string]bool {
	seen := map[string]bool{}
	for i, it := range items {
		if !idRE.MatchString(it.ID) || seen[it.ID] {
			ch.errf(fmt.Sprintf("%s[%d]", path, i), "id %q is empty, repeated or not lower-case latin", it.ID)
		}
		seen[it.ID] = true
		if it.NameKK == "" || it.NameRU == "" {
			ch.errf(fmt.Sprintf("%s[%d]", path, i), "%s needs name_kk and name_ru", it.ID)
		}
	}
	return seen
}
