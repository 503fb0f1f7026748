package contest

import (
	"embed"
	"encoding/csv"
	"encoding/json"
	"html/template"
	"io"
	"strconv"
	"strings"
)

//go:embed templates/protocol.html
var templateFS embed.FS

var protocolHTML = template.Must(template.New("protocol.html").Funcs(template.FuncMap{
	"outcomeKK": func(o Outcome) string { kk, _ := OutcomeText(o); return kk },
	"outcomeRU": func(o Outcome) string { _, ru := OutcomeText(o); return ru },
	"hist":      histText,
	"yes": func(b bool) string {
		if b {
			return "иә / да"
		}
		return ""
	},
}).ParseFS(templateFS, "templates/protocol.html"))

func histText(h *int) string {
	if h == nil {
		return "—"
	}
	return strconv.Itoa(*h)
}

// WriteHTML writes the protocol as one standalone page (inline styles, no scripts, no
// outside resources) that a school can put on its website as it is.
func WriteHTML(w io.Writer, p *Protocol) error {
	return protocolHTML.Execute(w, p)
}

// WriteJSON writes the protocol as indented JSON.
func WriteJSON(w io.Writer, p *Protocol) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(p)
}

// ProtocolCSVHeader is the header of the candidates table in the protocol CSV.
var ProtocolCSVHeader = []string{"place", "name", "iin", "score", "math", "reading", "history", "olympiad", "myn_bala", "outcome", "reserve_place", "tie", "decided"}

// WriteCSV writes the protocol as CSV in two blocks separated by an empty line: the
// candidates table (ProtocolCSVHeader), then item,value lines with everything else
// (school, dates, seats, policies, ties and decisions, calendar issues, commission,
// hash, draft reasons).
func WriteCSV(w io.Writer, p *Protocol) error {
	cw := csv.NewWriter(w)
	_ = cw.Write(ProtocolCSVHeader)
	for _, r := range p.Rows {
		hist := ""
		if r.History != nil {
			hist = strconv.Itoa(*r.History)
		}
		rp, tie := "", ""
		if r.ReservePlace > 0 {
			rp = strconv.Itoa(r.ReservePlace)
		}
		if r.Tie > 0 {
			tie = strconv.Itoa(r.Tie)
		}
		_ = cw.Write([]string{strconv.Itoa(r.Place), r.Name, r.IIN, strconv.Itoa(r.Score), strconv.Itoa(r.Math), strconv.Itoa(r.Reading), hist,
			b01(r.Olympiad), b01(r.MynBala), string(r.Outcome), rp, tie, b01(r.Decided)})
	}
	cw.Flush()
	if _, err := io.WriteString(w, "\n"); err != nil {
		return err
	}
	kv := func(k string, v ...string) { _ = cw.Write(append([]string{k}, v...)) }
	kv("item", "value")
	kv("version", p.Version)
	kv("status", map[bool]string{true: "final", false: "draft"}[p.Final()])
	for _, r := range p.DraftReasons {
		kv("draft_reason", r)
	}
	kv("school", p.School)
	kv("school_name_kk", p.SchoolNameKK)
	kv("school_name_ru", p.SchoolNameRU)
	kv("grade", strconv.Itoa(p.Grade))
	kv("number", p.Number)
	kv("contest_date", p.ContestDate)
	kv("protocol_date", p.ProtocolDate)
	kv("seats", strconv.Itoa(p.Seats))
	kv("quota", strconv.Itoa(p.Quota))
	for _, o := range Outcomes {
		kv("count_"+string(o), strconv.Itoa(p.Counts[o]))
	}
	for _, pl := range p.Policies {
		kv("policy_"+pl.Key, pl.Value, pl.Source, pl.TextRU)
	}
	for _, t := range p.Ties {
		var stake []string
		for _, o := range t.AtStake {
			stake = append(stake, string(o))
		}
		status := "pending"
		if t.Decided {
			status = "decided"
		}
		kv("tie_"+strconv.Itoa(t.Number), status, strings.Join(t.IINs, " "), strings.Join(stake, " "), t.DecidedBy, t.Reason, t.DecidedOn)
	}
	for _, d := range p.Dependent {
		kv("depends_on_tie", d)
	}
	for _, is := range p.CalendarIssues {
		kv("calendar_issue", is.Field, is.Date, is.Window, is.Rule, is.Reason)
	}
	if p.Edition > 0 {
		kv("edition", strconv.Itoa(p.Edition))
	}
	for _, a := range p.Amendments {
		kv("amendment", strconv.Itoa(a.Edition), a.Reason, a.OpenedBy, a.OpenedOn, a.Previous)
	}
	kv("commission_chair", p.Commission.Chair)
	for _, m := range p.Commission.Members {
		kv("commission_member", m.Name, m.Position)
	}
	kv("results_sha256", p.ResultsSHA256)
	kv("hash_definition", p.HashDefinition)
	cw.Flush()
	return cw.Error()
}
