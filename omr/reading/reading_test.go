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
