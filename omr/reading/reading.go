// Package reading is the record of one read sheet page, as `tarazy scan` writes it (one
// JSON object per line) and as scoring, the store and the worker consume it. It is pure
// Go: consumers of readings need no OpenCV.
package reading

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
)

// Status of a page reading.
const (
	// StatusOK: every field was read with confidence; Review is empty.
	StatusOK = "ok"
	// StatusReview: the page is a readable sheet but a human must look at the fields
	// listed in Review before the reading is final.
	StatusReview = "review"
	// StatusRejected: not a readable sheet of a known form; Error says why.
	StatusRejected = "rejected"
)

// PageField is the name in Review that puts the whole page under review.
const PageField = "page"

// Reading is one sheet page. The JSON shape is a published contract (issue 2):
//
//	{"file":"…","page":1,"status":"ok|review|rejected","form":"g7","sheet":"…","iin":"…",
//	 "variant":"2","answers":["A","","AC",…],"review":["q3","iin5"],"error":"",
//	 "error_code":"…","align":{"width":2480,"height":3508,"h":[…]}}
//
// Answers[i] is question i+1: "" blank, one letter, or every marked letter of a
// multi-mark in option order. Review names fields as q<N>, iin<N> (1–12) and variant,
// plus "qr" when the QR code disagrees with the bubbled data or cannot be read.
//
// Review holds "page" (PageField) when the reader cannot vouch for any field of the
// page — its alignment could not be verified, or the printed sheet is not where the
// alignment says — though it read a best guess of every field. Then no field of the
// page is final on the reader's word, flagged or not: a person confirms or corrects the
// whole page over the scan (Align draws the reading on it). The other names in Review
// are the fields the reader found doubtful in themselves. Field-level review without
// "page" means every field not listed was read with confidence.
//
// ErrorCode is the stable code of Error on rejected pages (for translation); both are
// empty otherwise.
type Reading struct {
	File      string   `json:"file"`
	Page      int      `json:"page"`
	Status    string   `json:"status"`
	Form      string   `json:"form"`
	Sheet     string   `json:"sheet"`
	IIN       string   `json:"iin"`
	Variant   string   `json:"variant"`
	Answers   []string `json:"answers"`
	Review    []string `json:"review"`
	Error     string   `json:"error"`
	ErrorCode string   `json:"error_code,omitempty"`
	// Align maps sheet millimetres to pixels of the page image as stored (the decoded page at
	// its full resolution, before any rotation the reader applied), so a screen can draw the
	// reading over the scan. Nil on rejected pages.
	Align *Alignment `json:"align,omitempty"`
	// Reader says which reader made the reading, so that anyone holding the scan can
	// read it again the same way (tarazy verify); nil for readings made before it was
	// recorded, and for readings made by hand.
	Reader *Reader `json:"reader,omitempty"`
}

// Alignment is where the sheet lies in its page image.
type Alignment struct {
	Width  int        `json:"width"` // pixels of the stored page image
	Height int        `json:"height"`
	H      [9]float64 `json:"h"` // row-major homography: (x_mm, y_mm, 1) → pixel (x, y, w)
}

// Reader identifies the reader of a page: its version, the form it read the page as,
// and the calibration profile it decided the bubbles with.
type Reader struct {
	Version string `json:"version"` // omr.Version of the reader
	Form    string `json:"form"`    // the form definition read with, "g7@<SHA-256 of its definition>"
	Profile string `json:"profile"` // SHA-256 of the calibration profile (calibration.Profile.SHA256)
}

// PageReview reports whether the whole page is under review (Review holds "page").
func (r *Reading) PageReview() bool {
	for _, f := range r.Review {
		if f == PageField {
			return true
		}
	}
	return false
}

// Final reports whether the reading can be scored as it is.
func (r *Reading) Final() bool { return r.Status == StatusOK && len(r.Review) == 0 }

// ReadJSONL decodes one Reading per line. Blank lines are skipped; a malformed line is
// an error that names its line number, because a reading silently dropped is a
// candidate silently unscored.
func ReadJSONL(r io.Reader) ([]Reading, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 4*1024*1024)
	var out []Reading
	line := 0
	for sc.Scan() {
		line++
		b := sc.Bytes()
		if len(trimSpace(b)) == 0 {
			continue
		}
		var rd Reading
		if err := json.Unmarshal(b, &rd); err != nil {
			return nil, fmt.Errorf("readings line %d: %w", line, err)
		}
		switch rd.Status {
		case StatusOK, StatusReview, StatusRejected:
		default:
			return nil, fmt.Errorf("readings line %d: status %q is not ok, review or rejected", line, rd.Status)
		}
		out = append(out, rd)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("readings line %d: %w", line+1, err)
	}
	return out, nil
}

// WriteJSONL writes one Reading as a JSON line. Nil slices are written as [] so that
// consumers never see null.
func WriteJSONL(w io.Writer, rd Reading) error {
	if rd.Answers == nil {
		rd.Answers = []string{}
	}
	if rd.Review == nil {
		rd.Review = []string{}
	}
	b, err := json.Marshal(rd)
	if err != nil {
		return err
	}
	b = append(b, '\n')
	_, err = w.Write(b)
	return err
}

func trimSpace(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t' || b[0] == '\r') {
		b = b[1:]
	}
	for len(b) > 0 && (b[len(b)-1] == ' ' || b[len(b)-1] == '\t' || b[len(b)-1] == '\r') {
		b = b[:len(b)-1]
	}
	return b
}
