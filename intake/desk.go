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
)

// Desk is the intake desk: it applies the catalogue and the calendar to
// applications and complaints kept in a Repository.
type Desk struct {
	Catalogue *Catalogue
	Calendar  *Calendar
	Repo      Repository
	// Now is the clock for audit times; tests fix it.
	Now func() time.Time
}

func (d *Desk) now() time.Time {
	if d.Now != nil {
		return d.Now()
	}
	return time.Now()
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
	Note      string
}

func invalidf(format string, args ...any) error {
	return fmt.Errorf("%s: %w", fmt.Sprintf(format, args...), ErrInvalid)
}

// Submit checks a submission against the catalogue and stores it: accepted with a
// number and a due date, or rejected on the spot with the grounds, the missing and the
// expired documents named (Law art. 19, 20). A refusal is a result, not an error: the
// error is for a submission that cannot be registered at all (an unknown document, a
// malformed IIN, an IIN already in the contest).
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
	s.At = s.At.In(d.Catalogue.Location())
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
		Applicant:   s.Applicant,
		Child:       s.Child,
		Grade:       s.Grade,
		Territory:   s.Territory,
		Conditions:  s.Conditions,
		Documents:   s.Documents,
		Emergency:   s.Emergency,
		Note:        s.Note,
		Staff:       s.Staff,
		Updated:     d.now(),
	}
	audit := AuditEntry{At: d.now(), Staff: s.Staff, Action: "submit"}
	if svc.Contest {
		if err := d.checkCandidate(svc, &s, a, conds); err != nil {
			return nil, err
		}
		if a.Candidate.IINOverride != "" {
			audit.Detail = fmt.Sprintf("IIN %s accepted although its check digit fails; staff's reason: %s", a.Child.IIN, a.Candidate.IINOverride)
		}
	} else if s.Child.IIN != "" {
		_, err := iin.Parse(s.Child.IIN)
		switch {
		case errors.Is(err, iin.ErrChecksum) || errors.Is(err, iin.ErrNotIssued):
			// Only the contest keys on the IIN; elsewhere a failing check digit is
			// noted for a person to verify against the birth certificate.
			a.Warnings = append(a.Warnings, fmt.Sprintf("the child's %v: check it against the birth certificate", err))
		case err != nil:
			return nil, invalidf("the child's IIN: %v", err)
		}
	}

	hours := d.Catalogue.HoursFor(svc)
	reg, err := d.Calendar.Register(s.At, hours)
	if err != nil {
		return nil, err
	}
	a.Registered, a.RegisteredAt = reg.Date, reg.At
	if reg.Moved != "" {
		a.Warnings = append(a.Warnings, "registered on the next working day: came in "+reg.Moved)
	}

	// The window and expiry are judged on the day the applicant came, not on the
	// registration day an evening or a weekend pushed it to.
	day := DateOf(s.At)
	ref := &Refusal{AtIntake: true, On: day}
	if w := svc.Window; w != nil && (len(w.Grades) == 0 || slices.Contains(w.Grades, s.Grade)) {
		emergency := strings.TrimSpace(s.Emergency) != ""
		if emergency && w.EmergencyTo == (MonthDay{}) {
			return nil, invalidf("service %s has no emergency window", svc.ID)
		}
		if !w.Contains(day, emergency) {
			ref.Grounds = append(ref.Grounds, GroundOutsideWindow)
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
		a.Warnings = append(a.Warnings, "the catalogue lists no documents for this service, so completeness was not checked; the school fills the checklist in")
	}

	if len(ref.Grounds) > 0 {
		a.Status = Rejected
		a.Refusal = ref
		a.UniqueKey = ""
		audit.Action, audit.To = "reject", string(Rejected)
		audit.Detail = strings.TrimSpace(audit.Detail + " " + refusalSummary(ref))
	} else {
		a.Status = Registered
		audit.To = string(Registered)
		switch {
		case svc.Term.WorkingDays > 0:
			if a.Due, err = d.Calendar.AddWorkingDays(reg.Date, svc.Term.WorkingDays); err != nil {
				return nil, err
			}
		case svc.Term.Minutes > 0:
			if a.DueAt, err = d.Calendar.AddWorkingMinutes(s.At, hours, svc.Term.Minutes); err != nil {
				return nil, err
			}
			a.Due = DateOf(a.DueAt)
		default:
			a.Warnings = append(a.Warnings, "the catalogue gives no term for this service, so the receipt has no due date")
		}
	}
	if err := d.Repo.CreateApplication(ctx, a, audit); err != nil {
		if errors.Is(err, ErrDuplicate) && svc.Contest {
			return nil, fmt.Errorf("IIN %s is already registered in the %d contest, and a candidate is registered once (refuse or withdraw the first registration to register again): %w",
				a.Child.IIN, a.Registered.Year, err)
		}
		return nil, fmt.Errorf("store application: %w", err)
	}
	return a, nil
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

// checkCandidate validates the §17 fields and the IIN, and sets the contest key.
func (d *Desk) checkCandidate(svc *Service, s *Submission, a *Application, conds map[string]bool) error {
	c := s.Candidate
	if c == nil {
		return invalidf("a contest registration needs the candidate's fields (grade, language, e-mail)")
	}
	cc := *c
	if strings.TrimSpace(a.Child.Name) == "" {
		return invalidf("the candidate's full name is missing")
	}
	if cc.School == "" {
		cc.School = d.Catalogue.Provider.NameKK
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
		// A claimed diploma makes its copy part of the required set (§18 sub. 5).
		conds["olympiad"] = true
		a.Conditions = append(a.Conditions, "olympiad")
	}
	_, err := iin.Parse(a.Child.IIN)
	switch {
	case err == nil:
		cc.IINOverride = ""
	case errors.Is(err, iin.ErrChecksum) || errors.Is(err, iin.ErrNotIssued):
		if strings.TrimSpace(cc.IINOverride) == "" {
			return fmt.Errorf("the candidate's %v. If the number is written so on the birth certificate, register again with the reason for accepting it (older IINs that fail the check exist, Law No. 223 art. 9): %w", err, ErrIINChecksum)
		}
		a.Warnings = append(a.Warnings, "IIN check digit fails; accepted by "+s.Staff+": "+cc.IINOverride)
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
			a.Result = ch.Result
			e.Detail = ch.Result
		}
		a.Status = ch.To
		a.Updated = d.now()
		err = d.Repo.UpdateApplication(ctx, a, e)
		if errors.Is(err, ErrConflict) && try < 3 {
			continue
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
