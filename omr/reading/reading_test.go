package reading_test

import (
	"bytes"
	"strings"
	"testing"

	"tarazy/omr/reading"
)

func TestRoundTripKeepsTheContractShape(t *testing.T) {
	var buf bytes.Buffer
	in := reading.Reading{File: "a.jpg", Page: 1, Status: reading.StatusOK, Form: "g5", IIN: "000229500127", Variant: "2", Answers: []string{"A", "", "AC"}}
	if err := reading.WriteJSONL(&buf, in); err != nil {
		t.Fatal(err)
	}
	want := `{"file":"a.jpg","page":1,"status":"ok","form":"g5","sheet":"","iin":"000229500127","variant":"2","answers":["A","","AC"],"review":[],"error":""}` + "\n"
	if buf.String() != want {
		t.Fatalf("got  %s\nwant %s", buf.String(), want)
	}
	out, err := reading.ReadJSONL(&buf)
	if err != nil || len(out) != 1 || out[0].Answers[2] != "AC" || !out[0].Final() {
		t.Fatalf("read back %+v, %v", out, err)
	}
}

func TestMalformedLineNamesTheLine(t *testing.T) {
	src := `{"file":"a","page":1,"status":"ok"}` + "\n\n" + `{"file":"b","page":1,"status":"maybe"}` + "\n"
	_, err := reading.ReadJSONL(strings.NewReader(src))
	if err == nil || !strings.Contains(err.Error(), "line 3") {
		t.Fatalf("error = %v, want one naming line 3", err)
	}
	_, err = reading.ReadJSONL(strings.NewReader("{not json\n"))
	if err == nil || !strings.Contains(err.Error(), "line 1") {
		t.Fatalf("error = %v, want one naming line 1", err)
	}
}

func TestReviewIsNotFinal(t *testing.T) {
	r := reading.Reading{Status: reading.StatusReview, Review: []string{"q3"}}
	if r.Final() {
		t.Fatal("a reading under review must not be final")
	}
}

// The optional fields appear only when set, so readings of other pages keep the
// published shape; "page" in review is the whole page.
func TestOptionalFieldsAndPageReview(t *testing.T) {
	var buf bytes.Buffer
	rd := reading.Reading{File: "a.jpg", Page: 1, Status: reading.StatusReview, Form: "g7", Answers: []string{"A"}, Review: []string{"page", "q1"},
		Align: &reading.Alignment{Width: 2480, Height: 3508, H: [9]float64{11.8, 0, 40, 0, 11.8, 30, 0, 0, 1}}}
	rej := reading.Reading{File: "b.jpg", Page: 1, Status: reading.StatusRejected, Error: "the file is empty", ErrorCode: "file-empty"}
	for _, r := range []reading.Reading{rd, rej} {
		if err := reading.WriteJSONL(&buf, r); err != nil {
			t.Fatal(err)
		}
	}
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if !strings.HasSuffix(lines[0], `"error":"","align":{"width":2480,"height":3508,"h":[11.8,0,40,0,11.8,30,0,0,1]}}`) {
		t.Errorf("line with alignment: %s", lines[0])
	}
	if !strings.HasSuffix(lines[1], `"error":"the file is empty","error_code":"file-empty"}`) {
		t.Errorf("rejected line: %s", lines[1])
	}
	out, err := reading.ReadJSONL(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if !out[0].PageReview() || out[1].PageReview() || out[0].Align == nil || out[0].Align.H[2] != 40 || out[1].ErrorCode != "file-empty" {
		t.Errorf("read back %+v", out)
	}
}
