package intake

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// ComplaintSeriesCode starts complaint numbers: CPL-2026-00003.
const ComplaintSeriesCode = "CPL"

// ComplaintInput is a complaint as it comes in.
type ComplaintInput struct {
	Body        string // reviewing body id from the catalogue (provider, quality_authority…)
	Application string // the application it is about, when there is one
	Complainant Person
	Subject     string
	Electronic  bool
	At          time.Time
	Staff       string
}

// FileComplaint registers a complaint and counts its term from the registration day
// (Law art. 25 p. 2: 5 working days at the provider, 15 at the quality authority).
func (d *Desk) FileComplaint(ctx context.Context, in ComplaintInput) (*Complaint, error) {
	body, err := d.Catalogue.ReviewBody(in.Body)
	if err != nil {
		return nil, err
	}
	switch {
	case strings.TrimSpace(in.Staff) == "":
		return nil, invalidf("say who registers the complaint (staff)")
	case strings.TrimSpace(in.Complainant.Name) == "":
		return nil, invalidf("the complainant's name is missing")
	case strings.TrimSpace(in.Subject) == "":
		return nil, invalidf("say what the complaint is about (subject)")
	case in.At.IsZero():
		return nil, invalidf("the time the complaint came in is missing")
	}
	if in.Application != "" {
		if _, err := d.Repo.Application(ctx, in.Application); err != nil {
			return nil, fmt.Errorf("complaint about application %s: %w", in.Application, err)
		}
	}
	in.At = in.At.In(d.Catalogue.Location())
	reg, due, err := d.Calendar.Deadline(in.At, d.Catalogue.Hours, body.WorkingDays)
	if err != nil {
		return nil, err
	}
	c := &Complaint{
		Series:      fmt.Sprintf("%s-%d", ComplaintSeriesCode, in.At.Year()),
		Body:        body.ID,
		Application: in.Application,
		Complainant: in.Complainant,
		Subject:     in.Subject,
		Electronic:  in.Electronic,
		ReceivedAt:  in.At,
		Registered:  reg.Date,
		Due:         due,
		Status:      ComplaintOpen,
		Staff:       in.Staff,
		Updated:     d.now(),
	}
	d.markProvisional(c, DateOf(in.At))
	e := AuditEntry{At: d.now(), Staff: in.Staff, Action: "complaint", To: string(ComplaintOpen),
		Detail: fmt.Sprintf("to %s, due %s (%d working days, %s)", body.ID, due, body.WorkingDays, body.Source)}
	if err := d.Repo.CreateComplaint(ctx, c, e); err != nil {
		return nil, fmt.Errorf("store complaint: %w", err)
	}
	return c, nil
}

// ExtendComplaint extends an open complaint's term once, by at most the body's
// maximum (Law art. 25 p. 4: 10 working days, for further study, an inspection or
// more information), and sets the day by which the complainant must be told
// (3 working days from the extension).
func (d *Desk) ExtendComplaint(ctx context.Context, number string, days int, reason string, on Date, staff string) (*Complaint, error) {
	return d.updateComplaint(ctx, number, staff, func(c *Complaint, body ReviewBody) (AuditEntry, error) {
		switch {
		case c.Status != ComplaintOpen:
			return AuditEntry{}, fmt.Errorf("complaint %s is already answered: %w", number, ErrTransition)
		case body.MaxExtension == 0:
			return AuditEntry{}, fmt.Errorf("complaints to %s cannot be extended (%s; art. 25 p. 4 lets only the quality authority, a central state body and a local executive body extend): %w",
				body.ID, body.Source, ErrTransition)
		case c.Extension != nil:
			return AuditEntry{}, fmt.Errorf("complaint %s was already extended on %s; the term is extended once: %w", number, c.Extension.On, ErrTransition)
		case days < 1 || days > body.MaxExtension:
			return AuditEntry{}, invalidf("an extension is 1 to %d working days, not %d", body.MaxExtension, days)
		case strings.TrimSpace(reason) == "":
			return AuditEntry{}, invalidf("an extension needs its reason (the complainant is told it)")
		case on.After(c.Due):
			return AuditEntry{}, fmt.Errorf("the term of complaint %s ended on %s; it can no longer be extended on %s: %w", number, c.Due, on, ErrTransition)
		case on.Before(c.Registered):
			return AuditEntry{}, invalidf("the extension date %s is before the complaint was registered (%s)", on, c.Registered)
		}
		newDue, err := d.Calendar.AddWorkingDays(c.Due, days)
		if err != nil {
			return AuditEntry{}, err
		}
		notice, err := d.Calendar.AddWorkingDays(on, body.NoticeDays)
		if err != nil {
			return AuditEntry{}, err
		}
		c.Extension = &Extension{Days: days, Reason: reason, On: on, NoticeDue: notice, OldDue: c.Due}
		e := AuditEntry{Action: "extend", From: c.Due.String(), To: newDue.String(),
			Detail: fmt.Sprintf("+%d working days: %s; notify the complainant by %s", days, reason, notice)}
		c.Due = newDue
		d.markProvisional(c, c.Registered)
		return e, nil
	})
}

// ComplaintNoticeSent records the day the complainant was told of the extension.
func (d *Desk) ComplaintNoticeSent(ctx context.Context, number string, on Date, staff string) (*Complaint, error) {
	return d.updateComplaint(ctx, number, staff, func(c *Complaint, _ ReviewBody) (AuditEntry, error) {
		if c.Extension == nil {
			return AuditEntry{}, fmt.Errorf("complaint %s was not extended, so there is no notice to record: %w", number, ErrTransition)
		}
		if !c.Extension.NoticeOn.IsZero() {
			return AuditEntry{}, fmt.Errorf("the notice for complaint %s was already recorded on %s: %w", number, c.Extension.NoticeOn, ErrTransition)
		}
		if on.Before(c.Extension.On) {
			return AuditEntry{}, invalidf("the notice date %s is before the extension (%s)", on, c.Extension.On)
		}
		c.Extension.NoticeOn = on
		detail := "in writing"
		if c.Electronic {
			detail = "electronically"
		}
		if on.After(c.Extension.NoticeDue) {
			detail += fmt.Sprintf("; LATE: due by %s", c.Extension.NoticeDue)
		}
		return AuditEntry{Action: "notice", To: on.String(), Detail: detail}, nil
	})
}

// AnswerComplaint closes a complaint with its outcome.
func (d *Desk) AnswerComplaint(ctx context.Context, number string, on Date, outcome, staff string) (*Complaint, error) {
	return d.updateComplaint(ctx, number, staff, func(c *Complaint, _ ReviewBody) (AuditEntry, error) {
		if c.Status != ComplaintOpen {
			return AuditEntry{}, fmt.Errorf("complaint %s is already answered: %w", number, ErrTransition)
		}
		if strings.TrimSpace(outcome) == "" {
			return AuditEntry{}, invalidf("say what the answer was (outcome)")
		}
		if on.Before(c.Registered) {
			return AuditEntry{}, invalidf("the answer date %s is before the complaint was registered (%s)", on, c.Registered)
		}
		c.Status, c.AnsweredOn, c.Outcome = ComplaintAnswered, on, outcome
		detail := outcome
		if on.After(c.Due) {
			detail += fmt.Sprintf(" (LATE: due %s)", c.Due)
		}
		return AuditEntry{Action: "answer", From: string(ComplaintOpen), To: string(ComplaintAnswered), Detail: detail}, nil
	})
}

func (d *Desk) updateComplaint(ctx context.Context, number, staff string, change func(*Complaint, ReviewBody) (AuditEntry, error)) (*Complaint, error) {
	if strings.TrimSpace(staff) == "" {
		return nil, invalidf("say who records this (staff)")
	}
	for try := 0; ; try++ {
		c, err := d.Repo.Complaint(ctx, number)
		if err != nil {
			return nil, err
		}
		body, err := d.Catalogue.ReviewBody(c.Body)
		if err != nil {
			return nil, err
		}
		e, err := change(c, body)
		if err != nil {
			return nil, err
		}
		e.At, e.Staff, e.Subject = d.now(), staff, c.Number
		c.Updated = d.now()
		err = d.Repo.UpdateComplaint(ctx, c, e)
		if errors.Is(err, ErrConflict) && try < 3 {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("update complaint %s: %w", number, err)
		}
		return c, nil
	}
}

// markProvisional notes on a complaint the provisional calendar years its due date
// was counted in (item 13: every deadline in such a year says so).
func (d *Desk) markProvisional(c *Complaint, from Date) {
	c.DueProvisional, c.Note = d.Calendar.ProvisionalYears(from, c.Due), nil
	var ps []Provisional
	for _, y := range c.DueProvisional {
		p, _ := d.Calendar.ProvisionalYear(y)
		ps = append(ps, p)
	}
	if len(ps) > 0 {
		m := ProvisionalMessage(ps)
		c.Note = &m
	}
}
