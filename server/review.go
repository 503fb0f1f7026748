package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/disintegration/imaging"
	"github.com/go-chi/chi/v5"

	"tarazy/i18n"
	"tarazy/omr/form"
	"tarazy/review"
	"tarazy/server/web"
	"tarazy/store"
	"tarazy/store/blob"
)

// SheetLayout places the fields of a form on its sheet (millimetres), for outlining a
// field on the page and drawing a reading over it; cmd/tarazy gives omr's geometry.
type SheetLayout func(form string) (review.Layout, error)

// SetSheetLayout tells the review screen where fields are printed. Without it the
// screen shows crops and pages but outlines nothing.
func (s *Server) SetSheetLayout(l SheetLayout) { s.layout = l }

func (s *Server) placeOf(formID, field string) (review.Place, bool) {
	if s.layout == nil {
		return review.Place{}, false
	}
	l, err := s.layout(formID)
	if err != nil {
		return review.Place{}, false
	}
	p, ok := l[field]
	return p, ok
}

// reasons turns the reader's and the store's plain-English reasons into message IDs,
// so that a reviewer reads them in their language. An unknown text is shown as it is.
var reasons = []struct {
	re *regexp.Regexp
	id string
}{
	{regexp.MustCompile(`^unclear mark on ([A-Z, ]+): a light mark`), "reason.unclear"},
	{regexp.MustCompile(`^unclear mark on ([A-Z, ]+)$`), "reason.unclear.short"},
	{regexp.MustCompile(`^more than one bubble filled: ([A-Z, ]+)$`), "reason.multi"},
	{regexp.MustCompile(`^this IIN digit is not filled in$`), "reason.blankdigit"},
	{regexp.MustCompile(`^no variant is filled in`), "reason.novariant"},
	{regexp.MustCompile(`^the QR code cannot be read`), "reason.qrunreadable"},
	{regexp.MustCompile(`^the QR code .* disagrees with the form code`), "reason.qrdisagrees"},
	{regexp.MustCompile(`^no IIN is filled in`), "reason.noiin"},
	{regexp.MustCompile(`^the filled-in IIN ([0-9?]+) is not valid`), "reason.iininvalid"},
	{regexp.MustCompile(`^the filled-in IIN is not valid`), "reason.iininvalid"},
	{regexp.MustCompile(`^the IIN filled in .* is not the IIN printed|^differs from the IIN printed`), "reason.iinnotprinted"},
	{regexp.MustCompile(`^the sheet was scanned again and read differently: (\S+) then (\S+)$`), "reason.rescan"},
	{regexp.MustCompile(`^the sheet was scanned again and the scans disagree: (.+)$`), "reason.rescans"},
	{regexp.MustCompile(`^the machine cannot vouch for`), "reason.page"},
}

// reasonText is a stored reason in a language; several reasons (an IIN's digits) are
// joined by "; ".
func reasonText(lang, why string) string {
	if why == "" {
		return ""
	}
	var out []string
	for _, part := range strings.Split(why, "; ") {
		out = append(out, reasonPart(lang, part))
	}
	return strings.Join(slices.Compact(out), "; ")
}

func reasonPart(lang, why string) string {
	for _, r := range reasons {
		m := r.re.FindStringSubmatch(why)
		if m == nil {
			continue
		}
		args := make([]any, 0, len(m)-1)
		for _, a := range m[1:] {
			args = append(args, strings.NewReplacer("blank", i18n.T(lang, "review.blank")).Replace(a))
		}
		if r.id == "reason.iininvalid" && len(args) == 0 {
			args = append(args, "")
		}
		return i18n.T(lang, r.id, args...)
	}
	return why
}

// reviewField is one field under review as the page shows it.
type reviewField struct {
	reviewItemView
	Kind     string   // q, iin, variant, qr, page
	Keys     []string // the values a reviewer can key, in order
	Label    string   // the field's name in the page's language
	Start    string   // the value the page starts from
	Chosen   bool     // whether Start is a value chosen (else nothing is, and Enter waits)
	Settled  bool
	Tab      string // mine, others, chair or settled: where this field waits, for me
	ReadOnly bool   // disputed and I am not the chair
	Reason   string // in the page's language
	Crops    []cropView
	Choices  []choiceView // conflict: the scans' values; chair: the reviewers' values
	IIN      *iinView
	Page     *pageView
	Multi    bool // Start holds several letters
}

type cropView struct {
	URL     string
	Caption string
	Value   string // what this scan read, for a conflict
	Shown   bool
}

type choiceView struct {
	Value string
	Who   string // the reviewer who keyed it (the chair's view)
}

type iinView struct {
	Read        string
	Suggestions []store.Candidate
}

type pageView struct {
	Variant string
	IIN     string
	Answers []pageAnswer
}

type pageAnswer struct {
	Field string
	N     int
	Value string
}

type reviewSheetPage struct {
	Serial    string
	Form      string
	Grade     int
	Version   int
	Batch     string
	File      string
	PageNo    int
	PageURL   string
	Overlay   string // JSON the page view draws over the page
	Fields    []reviewField
	Collapsed bool // nothing of this sheet waits in this tab
}

type reviewPageData struct {
	Contest, School string
	API             string
	Chair           bool
	Tab             string
	Counts          store.ReviewCounts
	Sheets          []reviewSheetPage
	More            string // serial to continue after, when the page is full
	Names           []store.Candidate
	Messages        map[string]string // texts the script shows, in the page's language
}

// reviewPageSize bounds one page of the queue: a reviewer works through it, then
// loads the next.
const reviewPageSize = 25

func (s *Server) reviewPage(w http.ResponseWriter, r *http.Request) {
	contest, school := chi.URLParam(r, "contest"), chi.URLParam(r, "school")
	u := UserFrom(r.Context())
	lang := web.Lang(r)
	tab := r.URL.Query().Get("tab")
	if tab == "" {
		tab = store.ReviewMine
		if u.Chair {
			if c, err := s.store.ReviewCounts(r.Context(), contest, school, u.Name); err == nil && c.Mine == 0 && c.Chair > 0 {
				tab = store.ReviewChair
			}
		}
	}
	q, err := s.store.ReviewSheets(r.Context(), contest, school, store.ReviewQuery{Reviewer: u.Name, Tab: tab, After: r.URL.Query().Get("after"), Limit: reviewPageSize + 1})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	counts, err := s.store.ReviewCounts(r.Context(), contest, school, u.Name)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	cands, err := s.store.Candidates(r.Context(), contest, school)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	base := "/api/contests/" + contest + "/schools/" + school
	d := reviewPageData{Contest: contest, School: school, API: base, Chair: u.Chair, Tab: tab, Counts: counts, Names: cands, Messages: map[string]string{}}
	for _, id := range []string{"review.key.unknown", "review.key.chaironly", "review.key.settled", "review.mustchoose", "review.iin.ok", "review.iin.bad",
		"review.iin.unregistered", "review.iin.registered", "review.evidence.missing", "review.sending", "review.blank", "review.page.none",
		"state.open", "state.disputed", "state.final", "wait.first", "wait.second", "wait.chair", "review.nochoice", "review.yours", "review.settledvalue"} {
		d.Messages[id] = i18n.T(lang, id)
	}
	for n := 0; n <= 12; n++ {
		d.Messages["review.iin.count."+strconv.Itoa(n)] = i18n.T(lang, "review.iin.count", n)
	}
	if len(q) > reviewPageSize {
		d.More = q[reviewPageSize-1].Serial
		q = q[:reviewPageSize]
	}
	for _, rs := range q {
		d.Sheets = append(d.Sheets, s.reviewSheet(lang, base, u, tab, rs, cands))
	}
	s.web.Render(w, r, http.StatusOK, s.page(r, "review", "review.title", d))
}

func (s *Server) reviewSheet(lang, base string, u store.User, tab string, rs store.ReviewSheet, cands []store.Candidate) reviewSheetPage {
	f, _ := form.Get(rs.Form)
	sp := reviewSheetPage{Serial: rs.Serial, Form: rs.Form, Version: rs.Version, Collapsed: true}
	if f != nil {
		sp.Grade = f.Grade
	}
	imgURL := func(q string) string { return base + "/review/" + rs.Serial + "/image?" + q }
	var current store.ReviewScan
	if n := len(rs.Scans); n > 0 {
		current = rs.Scans[n-1]
		first := rs.Scans[0]
		sp.Batch, sp.File, sp.PageNo = first.Batch, first.File, first.Page
		sp.PageURL = imgURL("blob=" + current.Image + "&w=1400")
		sp.Overlay = s.overlay(rs, current)
	}
	for _, it := range rs.Items {
		v := s.itemView(base, u, it)
		rf := reviewField{reviewItemView: v, Settled: v.Outcome.State == review.Final, Reason: reasonText(lang, it.Reason)}
		rf.Kind, rf.Keys, rf.Label = fieldKeys(lang, it.Field, f)
		switch {
		case rf.Settled:
			rf.Tab, rf.Start, rf.Chosen = "settled", v.Outcome.Value, true
		case v.Outcome.State == review.Disputed:
			rf.Tab, rf.ReadOnly = store.ReviewChair, !u.Chair
			// The chair chooses between the reviewers' values; nothing is preselected.
			seen := map[string]bool{}
			for _, dec := range it.Decisions {
				if !seen[dec.Value] && u.Chair {
					seen[dec.Value] = true
					rf.Choices = append(rf.Choices, choiceView{Value: dec.Value, Who: dec.Reviewer})
				}
			}
		case v.YourValue != nil:
			rf.Tab, rf.Start, rf.Chosen = store.ReviewOthers, *v.YourValue, true
		default:
			rf.Tab = store.ReviewMine
			// The machine's reading is where a reviewer starts only when the machine
			// has one; a rescan conflict, an unread IIN, a QR check and a whole page
			// start from nothing, so Enter cannot settle them by default.
			if it.HasMachine && rf.Kind != "qr" && rf.Kind != "page" {
				rf.Start, rf.Chosen = it.Machine, true
			}
		}
		if rf.Tab == tab {
			sp.Collapsed = false
		}
		rf.Multi = rf.Kind == "q" && len(rf.Start) > 1
		// Evidence: the crop of every scan that read this field differently, side by
		// side, or the field's own crop.
		if len(it.Candidates) > 0 && len(rs.Scans) > 1 {
			for i, sc := range rs.Scans {
				val, _ := review.Value(sc.Reading, it.Field)
				cv := cropView{Caption: i18n.T(lang, "review.scanno", strconv.Itoa(i+1)), Value: val, Shown: true}
				cv.URL = s.cropURL(imgURL, rs.Form, it.Field, sc)
				rf.Crops = append(rf.Crops, cv)
				if !slices.ContainsFunc(rf.Choices, func(c choiceView) bool { return c.Value == val }) && v.Outcome.State != review.Disputed {
					rf.Choices = append(rf.Choices, choiceView{Value: val})
				}
			}
		} else if len(rs.Scans) > 0 {
			sc := current
			for _, x := range rs.Scans {
				if x.Version == it.Version {
					sc = x
				}
			}
			if u := s.cropURL(imgURL, rs.Form, it.Field, sc); u != "" {
				rf.Crops = append(rf.Crops, cropView{URL: u})
			} else if it.Crop != "" {
				rf.Crops = append(rf.Crops, cropView{URL: imgURL("blob=" + it.Crop + "&h=160")})
			}
		} else if it.Crop != "" {
			rf.Crops = append(rf.Crops, cropView{URL: imgURL("blob=" + it.Crop + "&h=160")})
		}
		switch rf.Kind {
		case "iin":
			read := it.Machine
			if !it.HasMachine && len(current.Reading.IIN) == 12 {
				read = current.Reading.IIN
			}
			if rf.Start == "" && !rf.Settled && rf.Tab != store.ReviewChair {
				rf.Start = read // prefilled for typing over, but not chosen
			}
			var reg []string
			for _, c := range cands {
				reg = append(reg, c.IIN)
			}
			iv := &iinView{Read: read}
			for _, sug := range review.Suggest(read, reg) {
				for _, c := range cands {
					if c.IIN == sug {
						iv.Suggestions = append(iv.Suggestions, c)
					}
				}
			}
			rf.IIN = iv
		case "page":
			pv := &pageView{Variant: current.Reading.Variant, IIN: current.Reading.IIN}
			for i, a := range current.Reading.Answers {
				pv.Answers = append(pv.Answers, pageAnswer{Field: "q" + strconv.Itoa(i+1), N: i + 1, Value: a})
			}
			rf.Page = pv
		}
		sp.Fields = append(sp.Fields, rf)
	}
	return sp
}

// cropURL is the image a reviewer reads a field from: cut from the page when the
// reading carries its alignment, else the reader's crop (the IIN: its digits' crops
// side by side), enlarged so that a 14-pixel column is readable.
func (s *Server) cropURL(imgURL func(string) string, formID, field string, sc store.ReviewScan) string {
	if sc.Reading.Align != nil {
		if _, ok := s.placeOf(formID, field); ok && field != "page" {
			return imgURL("blob=" + sc.Image + "&field=" + field + "&h=160")
		}
	}
	if c := sc.Crops[field]; c != "" {
		return imgURL("blob=" + c + "&h=160")
	}
	if field == "iin" {
		var parts []string
		for i := 1; i <= 12; i++ {
			if c := sc.Crops["iin"+strconv.Itoa(i)]; c != "" {
				parts = append(parts, c)
			}
		}
		if len(parts) > 0 {
			return imgURL("blob=" + strings.Join(parts, ",") + "&h=200")
		}
	}
	return ""
}

// overlay is what the page view draws over the page image, in its pixels: the fields
// under review outlined and, for a page-level review, every read mark circled with
// each question's value beside it.
type overlayData struct {
	W, H  int
	Boxes []overlayBox  `json:"boxes"`
	Marks []overlayMark `json:"marks"`
	Texts []overlayText `json:"texts"`
}

type overlayBox struct {
	Field  string `json:"field"`
	Points string `json:"points"`
}

type overlayMark struct {
	Field string  `json:"field"`
	X     float64 `json:"x"`
	Y     float64 `json:"y"`
	R     float64 `json:"r"`
}

type overlayText struct {
	Field string  `json:"field"`
	X     float64 `json:"x"`
	Y     float64 `json:"y"`
	Text  string  `json:"text"`
}

func (s *Server) overlay(rs store.ReviewSheet, sc store.ReviewScan) string {
	a := sc.Reading.Align
	if a == nil || s.layout == nil {
		return ""
	}
	l, err := s.layout(rs.Form)
	if err != nil {
		return ""
	}
	o := overlayData{W: a.Width, H: a.Height}
	box := func(field string, p review.Place) {
		var pts []string
		for _, c := range [][2]float64{{p.X, p.Y}, {p.X + p.W, p.Y}, {p.X + p.W, p.Y + p.H}, {p.X, p.Y + p.H}} {
			x, y, ok := review.Project(a, c[0], c[1])
			if !ok {
				return
			}
			pts = append(pts, fmt.Sprintf("%.0f,%.0f", x, y))
		}
		o.Boxes = append(o.Boxes, overlayBox{Field: field, Points: strings.Join(pts, " ")})
	}
	page := false
	for _, it := range rs.Items {
		if it.Field == "page" {
			page = true
			continue
		}
		if p, ok := l[it.Field]; ok {
			box(it.Field, p)
		}
	}
	if page {
		rd := sc.Reading
		values := map[string]string{"variant": rd.Variant}
		for i, ans := range rd.Answers {
			values["q"+strconv.Itoa(i+1)] = ans
		}
		for i := 0; i < len(rd.IIN) && i < 12; i++ {
			values["iin"+strconv.Itoa(i+1)] = rd.IIN[i : i+1]
		}
		for field, v := range values {
			p, ok := l[field]
			if !ok {
				continue
			}
			for _, b := range p.Bubbles {
				if v != "" && strings.Contains(v, b.Value) && (len(b.Value) == len(v) || field[0] == 'q') {
					x, y, ok1 := review.Project(a, b.X, b.Y)
					x2, _, ok2 := review.Project(a, b.X+b.R, b.Y)
					if ok1 && ok2 {
						o.Marks = append(o.Marks, overlayMark{Field: field, X: x, Y: y, R: x2 - x + 2})
					}
				}
			}
			if field[0] == 'q' || field == "variant" {
				x, y, ok := review.Project(a, p.X+p.W+1, p.Y+p.H*0.75)
				if ok {
					t := v
					if t == "" {
						t = "∅"
					}
					o.Texts = append(o.Texts, overlayText{Field: field, X: x, Y: y, Text: t})
				}
			}
		}
		slices.SortFunc(o.Texts, func(x, y overlayText) int { return strings.Compare(x.Field, y.Field) })
		slices.SortFunc(o.Marks, func(x, y overlayMark) int { return strings.Compare(x.Field, y.Field) })
	}
	b, _ := json.Marshal(o)
	return string(b)
}

// fieldKeys tells the page which keys a field takes: option letters for a question
// (several for a multi-mark), digits for the IIN, variant numbers for the variant.
func fieldKeys(lang, field string, f *form.Form) (kind string, keys []string, label string) {
	kind, n, err := review.ParseField(field)
	if err != nil {
		return "other", nil, field
	}
	switch kind {
	case "q":
		keys = []string{"A", "B", "C", "D", "E"}
		if f != nil {
			keys = f.Options
		}
		return kind, keys, i18n.T(lang, "review.field.q", strconv.Itoa(n))
	case "iin":
		if n > 0 {
			return "iindigit", strings.Split("0123456789", ""), i18n.T(lang, "review.field.iin") + " " + strconv.Itoa(n)
		}
		return kind, strings.Split("0123456789", ""), i18n.T(lang, "review.field.iin")
	case "variant":
		variants := 4
		if f != nil {
			variants = f.Variants
		}
		for i := 1; i <= variants; i++ {
			keys = append(keys, strconv.Itoa(i))
		}
		return kind, keys, i18n.T(lang, "review.field.variant")
	case "qr":
		return kind, nil, i18n.T(lang, "review.field.qr")
	case "page":
		keys = []string{"A", "B", "C", "D", "E"}
		if f != nil {
			keys = f.Options
		}
		return kind, keys, i18n.T(lang, "review.field.page")
	}
	return kind, nil, field
}

// reviewCounts is the live counters of the queue's tabs for the caller.
func (s *Server) reviewCounts(w http.ResponseWriter, r *http.Request) {
	c, err := s.store.ReviewCounts(r.Context(), chi.URLParam(r, "contest"), chi.URLParam(r, "school"), UserFrom(r.Context()).Name)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, c)
}

// reviewImage serves the evidence of a sheet under review, resized on the server so
// that a browser gets few bytes and a 14-pixel crop becomes readable: blob=<sha>
// (several, comma-separated, side by side: an IIN's digits), h=<pixels high> for a
// crop, w=<pixels wide> for the page, field=<name> to cut that field out of a page
// whose reading carries its alignment. Only the sheet's own scans and crops are served.
func (s *Server) reviewImage(w http.ResponseWriter, r *http.Request) {
	contest, school, serial := chi.URLParam(r, "contest"), chi.URLParam(r, "school"), chi.URLParam(r, "serial")
	q := r.URL.Query()
	list, err := s.store.ReviewSheets(r.Context(), contest, school, store.ReviewQuery{Serial: serial, Limit: 1})
	if err == nil && len(list) == 0 {
		err = store.Errorf(store.NotFound, "sheet %s is not under review at this school", serial)
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	rs := list[0]
	owned := map[string]*store.ReviewScan{}
	for i := range rs.Scans {
		owned[rs.Scans[i].Image] = &rs.Scans[i]
		for _, c := range rs.Scans[i].Crops {
			owned[c] = nil
		}
	}
	for _, it := range rs.Items {
		if it.Crop != "" {
			owned[it.Crop] = nil
		}
	}
	shas := strings.Split(q.Get("blob"), ",")
	if len(shas) > 13 {
		s.writeError(w, r, invalidf("at most 13 images side by side"))
		return
	}
	var imgs []image.Image
	for _, sha := range shas {
		if _, ok := owned[sha]; !ok {
			s.writeError(w, r, store.Errorf(store.NotFound, "no image %s of sheet %s", sha, serial))
			return
		}
		img, err := s.decodeBlob(r.Context(), sha)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		if field := q.Get("field"); field != "" && len(shas) == 1 {
			sc := owned[sha]
			p, ok := s.placeOf(rs.Form, field)
			if sc == nil || !ok {
				s.writeError(w, r, store.Errorf(store.NotFound, "the place of %s on this page is unknown", field))
				return
			}
			x0, y0, x1, y1, ok := review.PixelBox(sc.Reading.Align, p.X, p.Y, p.W, p.H, 2.5)
			if !ok {
				s.writeError(w, r, store.Errorf(store.NotFound, "the place of %s on this page is unknown", field))
				return
			}
			img = imaging.Crop(img, image.Rect(x0, y0, x1, y1))
		}
		imgs = append(imgs, img)
	}
	img := imgs[0]
	if len(imgs) > 1 {
		img = sideBySide(imgs)
	}
	if h, _ := strconv.Atoi(q.Get("h")); h > 0 {
		h = min(max(h, 40), 600)
		if img.Bounds().Dy() != h {
			img = imaging.Resize(img, 0, h, imaging.Lanczos)
		}
	}
	wd, _ := strconv.Atoi(q.Get("w"))
	if wd > 0 {
		wd = min(max(wd, 200), 2400)
		if img.Bounds().Dx() > wd {
			img = imaging.Resize(img, wd, 0, imaging.Lanczos)
		}
	}
	w.Header().Set("Cache-Control", "private, max-age=86400")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	if wd > 0 {
		w.Header().Set("Content-Type", "image/jpeg")
		jpeg.Encode(w, img, &jpeg.Options{Quality: 85})
		return
	}
	w.Header().Set("Content-Type", "image/png")
	png.Encode(w, img)
}

func (s *Server) decodeBlob(ctx context.Context, sha string) (image.Image, error) {
	f, err := s.blobs.Open(ctx, sha)
	if errors.Is(err, blob.ErrNotFound) {
		s.log.Error("a recorded file is missing from the image store", "sha256", sha, "images", s.blobs.String())
		return nil, store.Errorf(store.NotFound, "the image is recorded but missing from the image store; tell the operator")
	}
	if err != nil {
		return nil, err // an unreachable image store: the error table answers 503
	}
	defer f.Close()
	img, err := imaging.Decode(f, imaging.AutoOrientation(true))
	if err != nil {
		return nil, store.Errorf(store.Invalid, "the stored image %s cannot be decoded: %v", sha[:12], err)
	}
	return img, nil
}

// sideBySide puts images in a row at the height of the tallest, with a white gap, so
// that an IIN's twelve digit crops read as one grid.
func sideBySide(imgs []image.Image) image.Image {
	h := 0
	for _, im := range imgs {
		h = max(h, im.Bounds().Dy())
	}
	const gap = 4
	w := 0
	scaled := make([]image.Image, len(imgs))
	for i, im := range imgs {
		if im.Bounds().Dy() != h {
			im = imaging.Resize(im, 0, h, imaging.Lanczos)
		}
		scaled[i] = im
		w += im.Bounds().Dx() + gap
	}
	out := imaging.New(w, h, color.White)
	x := 0
	for _, im := range scaled {
		out = imaging.Paste(out, im, image.Pt(x, 0))
		x += im.Bounds().Dx() + gap
	}
	return out
}
