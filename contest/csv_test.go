package contest_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"tarazy/contest"
	"tarazy/scoring"
)

func TestReadSeats(t *testing.T) {
	seats, err := contest.ReadSeatsCSV(strings.NewReader("school,grade,seats,quota\nA,7,25,\nA,6,20,\nB,7,30,4\n"), "seats.csv")
	if err != nil {
		t.Fatal(err)
	}
	if len(seats) != 3 || seats[0].QuotaSeats() != 3 || seats[1].QuotaSeats() != 0 || seats[2].QuotaSeats() != 4 {
		t.Fatalf("%+v", seats)
	}
	// The quota column may be left out altogether.
	if s, err := contest.ReadSeatsCSV(strings.NewReader("school,grade,seats\nA,5,10\n"), "s"); err != nil || s[0].Seats != 10 {
		t.Fatalf("%+v %v", s, err)
	}
}

func TestMalformedCSVNamesTheLine(t *testing.T) {
	type reader func(string) error
	seats := func(s string) error { _, err := contest.ReadSeatsCSV(strings.NewReader(s), "seats.csv"); return err }
	results := func(s string) error {
		_, err := contest.ReadResultsCSV(strings.NewReader(s), "results.csv")
		return err
	}
	decisions := func(s string) error {
		_, err := contest.ReadDecisionsCSV(strings.NewReader(s), "decisions.csv")
		return err
	}
	cands := func(s string) error {
		_, err := contest.ReadCandidatesCSV(strings.NewReader(s), "candidates.csv")
		return err
	}
	const rh = "school,grade,iin,name,score,math,reading,history,olympiad,myn_bala\n"
	cases := []struct {
		name string
		read reader
		src  string
		want string
	}{
		{"SeatsUnknownColumn", seats, "grade,school,places\n", `line 1: the first line must be the header school,grade,seats (optional: quota); "places" is not one of its columns`},
		{"SeatsMissingColumn", seats, "grade,school\nA,7\n", `column "seats" is missing`},
		{"SeatsTwice", seats, "school,grade,seats\nA,7,10\nA,7,12\n", "line 3: school A grade 7 is already given on line 2"},
		{"SeatsQuotaAboveSeats", seats, "school,grade,seats,quota\nA,7,10,11\n", "line 2: the quota 11 is not between 0 and the 10 seats"},
		{"SeatsNotANumber", seats, "school,grade,seats\nA,7,many\n", `line 2: seats "many" is not a whole number`},
		{"SeatsUnknownGrade", seats, "school,grade,seats\nA,9,10\n", "line 2: grade 9 has no contest form"},
		{"ResultsEmpty", results, "", "results.csv: the file is empty"},
		{"ResultsSectionsDoNotAddUp", results, rh + "A,7,130502600014,Ann,10,5,5,5,0,0\n", "line 2: math 5 + reading 5 + history 5 is not the score 10"},
		{"ResultsScoreAboveMaximum", results, rh + "A,5,130502600014,Ann,161,161,0,,0,0\n", "line 2: score 161 is outside -40…160"},
		{"ResultsHistoryOnGrade5", results, rh + "A,5,130502600014,Ann,10,5,0,5,0,0\n", "grade 5 has no history section"},
		{"ResultsBadFlag", results, rh + "A,7,130502600014,Ann,10,10,0,0,maybe,0\n", `olympiad "maybe" must be 1 or 0`},
		{"ResultsBadIIN", results, rh + "A,7,1305,Ann,10,10,0,0,0,0\n", `IIN "1305" is not 12 digits`},
		{"ResultsTooManyFields", results, rh + "A,7,130502600014,Ann,10,10,0,0,0,0,extra\n", "line 2: 11 fields"},
		{"ResultsBrokenQuote", results, rh + "A,7,130502600014,\"Ann,10,10,0,0,0,0\n", "line 2"},
		{"DecisionOneIIN", decisions, "school,grade,order,decided_by,reason,decided_on\nA,7,130502600014,chair,lot,\n", "at least two IINs"},
		{"DecisionNoReason", decisions, "school,grade,order,decided_by,reason,decided_on\nA,7,1 2,chair,,\n", "why (reason)"},
		{"DecisionBadDate", decisions, "school,grade,order,decided_by,reason,decided_on\nA,7,1 2,chair,r,21.04.2026\n", "not a date"},
		{"CandidateNotAnIIN", cands, "iin,name\n1305026000,Ann\n", `line 2: IIN "1305026000"`},
		{"CandidateNoName", cands, "iin,name,grade\n130502600014,,7\n", "line 2: the name is empty"},
		{"CandidateBadLanguage", cands, "iin,name,language\n130502600014,Ann,en\n", `line 2: language "en" must be kk or ru`},
		{"CandidateTwice", cands, "school,grade,iin,name,olympiad,myn_bala\nA,7,130502600014,Ann,0,0\nA,7,130502600014,Bob,0,0\n", "line 3: IIN 130502600014 is already registered on line 2"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.read(tc.src)
			if !errors.Is(err, contest.ErrCSV) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v\nwant ErrCSV containing %q", err, tc.want)
			}
		})
	}
}

// One dialect for every file: what a Kazakh or Russian spreadsheet saves (';', the
// byte-order mark, columns in its own order, yes/no words) reads as the plain file.
func TestEveryFileReadsTheSpreadsheetDialect(t *testing.T) {
	const bom = "\ufeff"
	seats, err := contest.ReadSeatsCSV(strings.NewReader(bom+"Seats;School;Grade;Quota\n25;A;7;\n"), "seats.csv")
	if err != nil || len(seats) != 1 || seats[0].School != "A" || seats[0].Seats != 25 || seats[0].Quota != nil {
		t.Errorf("seats: %+v %v", seats, err)
	}
	res, err := contest.ReadResultsCSV(strings.NewReader(bom+"iin;school;grade;name;score;math;reading;history;olympiad;myn_bala\n130502600014;A;7;Ann;10;10;0;0;иә;нет\n"), "results.csv")
	if err != nil || len(res) != 1 || !res[0].Olympiad || res[0].MynBala {
		t.Errorf("results: %+v %v", res, err)
	}
	regs, err := contest.ReadCandidatesCSV(strings.NewReader(bom+"name;iin;grade;school;olympiad;myn_bala;language;email\nÄnn;130502600014;7;A;да;yes;kk;a@b.kz\n"), "candidates.csv")
	if err != nil || len(regs) != 1 || !regs[0].Olympiad || !regs[0].MynBala || regs[0].Grade != 7 || regs[0].Line != 2 || regs[0].Language != "kk" {
		t.Errorf("candidates: %+v %v", regs, err)
	}
	ds, err := contest.ReadDecisionsCSV(strings.NewReader("reason;order;school;grade;decided_by;decided_on\nlot;1 2;A;7;chair;2026-04-20\n"), "decisions.csv")
	if err != nil || len(ds) != 1 || len(ds[0].Order) != 2 {
		t.Errorf("decisions: %+v %v", ds, err)
	}
}

func TestResultsRoundTrip(t *testing.T) {
	in := []contest.Candidate{
		{School: "A", Grade: 5, IIN: "130502600014", Name: "Әлиев, Нұрлан", Score: 20, Math: 15, Reading: 5, MynBala: true},
		{School: "A", Grade: 7, IIN: "130503600026", Name: `Sarah "Sally" Ng`, Score: 21, Math: 11, Reading: 5, History: 5, Olympiad: true},
	}
	var buf bytes.Buffer
	if err := contest.WriteResultsCSV(&buf, in); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "A,5,130502600014,\"Әлиев, Нұрлан\",20,15,5,,0,1\n") {
		t.Fatalf("grade 5 history must be empty:\n%s", buf.String())
	}
	out, err := contest.ReadResultsCSV(&buf, "r")
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(in, out); d != "" {
		t.Fatalf("(-want +got):\n%s", d)
	}
}

func TestRankingCSVRoundTripAndTiesTemplate(t *testing.T) {
	rk, err := contest.Rank([]contest.Seats{{School: "S", Grade: 7, Seats: 2, Quota: intp(0)}},
		[]contest.Candidate{cand("130502600014", 120), cand("130503600026", 100), cand("130504600035", 100)}, contest.DefaultPolicy(), nil)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := contest.WriteRankingCSV(&buf, rk.Rows()); err != nil {
		t.Fatal(err)
	}
	want := "school,grade,place,iin,name,score,outcome\n" +
		"S,7,1,130502600014,Name 130502600014,120,admitted\n" +
		"S,7,2,130503600026,Name 130503600026,100,tie_pending\n" +
		"S,7,3,130504600035,Name 130504600035,100,tie_pending\n"
	if d := cmp.Diff(want, buf.String()); d != "" {
		t.Fatalf("ranking.csv (-want +got):\n%s", d)
	}
	rows, err := contest.ReadRankingCSV(&buf, "ranking.csv")
	if err != nil || len(rows) != 3 || rows[2].Outcome != contest.TiePending {
		t.Fatalf("%+v %v", rows, err)
	}
	buf.Reset()
	if err := contest.WriteTiesCSV(&buf, rk); err != nil {
		t.Fatal(err)
	}
	// The commission fills in the template and it is read back as a decision.
	filled := strings.Replace(buf.String(), "130503600026 130504600035,,,", "130504600035 130503600026,\"vote 4–3, chair A. Bekova\",more olympiad medals,2026-04-21", 1)
	ds, err := contest.ReadDecisionsCSV(strings.NewReader(filled), "decisions.csv")
	if err != nil || len(ds) != 1 || ds[0].Order[0] != "130504600035" {
		t.Fatalf("%+v %v\n%s", ds, err, filled)
	}
}

func TestJoinResults(t *testing.T) {
	regs := []contest.Registration{{School: "A", Grade: 7, IIN: "1", Name: "Ann", Olympiad: true}, {School: "A", Grade: 7, IIN: "2", Name: "Bob", MynBala: true}}
	res := []scoring.Result{{IIN: "2", Grade: 7, Score: 9, Sections: map[string]int{"math": 4, "reading": 4, "history": 1}}, {IIN: "3", Grade: 7}}
	got := contest.JoinResults(regs, res)
	want := []contest.Candidate{{School: "A", Grade: 7, IIN: "2", Name: "Bob", Score: 9, Math: 4, Reading: 4, History: 1, MynBala: true}}
	if d := cmp.Diff(want, got); d != "" {
		t.Fatalf("(-want +got):\n%s", d)
	}
}
