package contest_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"pgregory.net/rapid"

	"tarazy/contest"
)

func intp(n int) *int { return &n }

// cand makes a grade-7 candidate whose whole score is in math unless sections are given.
func cand(iin string, score int, opts ...string) contest.Candidate {
	c := contest.Candidate{School: "S", Grade: 7, IIN: iin, Name: "Name " + iin, Score: score, Math: score}
	for _, o := range opts {
		switch o {
		case "olympiad":
			c.Olympiad = true
		case "myn":
			c.MynBala = true
		}
	}
	return c
}

func outcomes(t *testing.T, res *contest.Result) string {
	t.Helper()
	var b strings.Builder
	for _, r := range res.Rows {
		fmt.Fprintf(&b, "%s:%s ", r.IIN, r.Outcome)
	}
	return strings.TrimSpace(b.String())
}

func rankOne(t *testing.T, seats contest.Seats, cands []contest.Candidate, p contest.Policy, ds ...contest.Decision) *contest.Result {
	t.Helper()
	rk, err := contest.Rank([]contest.Seats{seats}, cands, p, ds)
	if err != nil {
		t.Fatal(err)
	}
	return &rk.Results[0]
}

func TestQuotaIsTenPercentRoundedHalfUp(t *testing.T) {
	for seats, want := range map[int]int{0: 0, 4: 0, 5: 1, 14: 1, 15: 2, 24: 2, 25: 3, 100: 10} {
		if got := (contest.Seats{Grade: 7, Seats: seats}).QuotaSeats(); got != want {
			t.Errorf("%d seats: quota %d, want %d", seats, got, want)
		}
	}
	if got := (contest.Seats{Grade: 7, Seats: 25, Quota: intp(5)}).QuotaSeats(); got != 5 {
		t.Errorf("approved quota 5 gives %d", got)
	}
	if got := (contest.Seats{Grade: 6, Seats: 25}).QuotaSeats(); got != 0 {
		t.Errorf("grade 6 has a quota of %d", got)
	}
}

func TestRankScenarios(t *testing.T) {
	def := contest.DefaultPolicy()
	quotaFirst := def
	quotaFirst.QuotaOrder = contest.QuotaFirst
	reserve2 := def
	reserve2.ReserveSize = 2
	cases := []struct {
		name   string
		seats  contest.Seats
		cands  []contest.Candidate
		policy contest.Policy
		want   string
	}{
		{"HighestScoresTakeTheSeats", contest.Seats{School: "S", Grade: 7, Seats: 2, Quota: intp(0)},
			[]contest.Candidate{cand("c", 100), cand("a", 120), cand("b", 110)}, def,
			"a:admitted b:admitted c:reserve"},
		{"OlympiadBreaksAnEqualScore", contest.Seats{School: "S", Grade: 7, Seats: 1, Quota: intp(0)},
			[]contest.Candidate{cand("a", 100), cand("b", 100, "olympiad")}, def,
			"b:admitted a:reserve"},
		{"MathBreaksAnEqualScoreAfterOlympiad", contest.Seats{School: "S", Grade: 7, Seats: 1, Quota: intp(0)},
			[]contest.Candidate{{School: "S", Grade: 7, IIN: "a", Score: 100, Math: 60, Reading: 40}, {School: "S", Grade: 7, IIN: "b", Score: 100, Math: 70, Reading: 30}}, def,
			"b:admitted a:reserve"},
		{"ATieAcrossTheLastSeatWaits", contest.Seats{School: "S", Grade: 7, Seats: 2, Quota: intp(0)},
			[]contest.Candidate{cand("a", 120), cand("b", 100), cand("c", 100), cand("d", 90)}, def,
			"a:admitted b:tie_pending c:tie_pending d:reserve"},
		{"ATieInsideTheSeatsIsNoTie", contest.Seats{School: "S", Grade: 7, Seats: 2, Quota: intp(0)},
			[]contest.Candidate{cand("b", 100), cand("c", 100), cand("d", 90)}, def,
			"b:admitted c:admitted d:reserve"},
		{"MeritFirstQuotaHolderOnScoreUsesNoQuotaSeat", contest.Seats{School: "S", Grade: 7, Seats: 3, Quota: intp(1)},
			[]contest.Candidate{cand("a", 120, "myn"), cand("b", 110), cand("c", 100), cand("d", 90, "myn"), cand("e", 80)}, def,
			"a:admitted b:admitted c:reserve d:admitted_quota e:reserve"},
		{"QuotaFirstGivesTheQuotaSeatToTheBestHolder", contest.Seats{School: "S", Grade: 7, Seats: 3, Quota: intp(1)},
			[]contest.Candidate{cand("a", 120, "myn"), cand("b", 110), cand("c", 100), cand("d", 90, "myn"), cand("e", 80)}, quotaFirst,
			"a:admitted_quota b:admitted c:admitted d:reserve e:reserve"},
		{"UnfilledQuotaSeatsReturnToTheGeneralList", contest.Seats{School: "S", Grade: 7, Seats: 3, Quota: intp(2)},
			[]contest.Candidate{cand("a", 120), cand("b", 110), cand("c", 100, "myn"), cand("d", 90)}, def,
			"a:admitted b:admitted c:admitted_quota d:reserve"},
		{"NoQuotaHoldersAtAll", contest.Seats{School: "S", Grade: 7, Seats: 3, Quota: intp(2)},
			[]contest.Candidate{cand("a", 120), cand("b", 110), cand("c", 100), cand("d", 90)}, def,
			"a:admitted b:admitted c:admitted d:reserve"},
		{"ReserveStopsAtItsSize", contest.Seats{School: "S", Grade: 7, Seats: 1, Quota: intp(0)},
			[]contest.Candidate{cand("a", 5), cand("b", 4), cand("c", 3), cand("d", 2)}, reserve2,
			"a:admitted b:reserve c:reserve d:not_admitted"},
		{"ATieAcrossTheLastReservePlaceWaits", contest.Seats{School: "S", Grade: 7, Seats: 1, Quota: intp(0)},
			[]contest.Candidate{cand("a", 5), cand("b", 4), cand("c", 3), cand("d", 3)}, reserve2,
			"a:admitted b:reserve c:tie_pending d:tie_pending"},
		{"ATieAcrossTheLastQuotaSeatWaits", contest.Seats{School: "S", Grade: 7, Seats: 2, Quota: intp(1)},
			[]contest.Candidate{cand("a", 120), cand("b", 90, "myn"), cand("c", 90, "myn"), cand("d", 80)}, reserve2,
			"a:admitted b:tie_pending c:tie_pending d:reserve"},
		{"MynBalaOutsideGrade7CompetesOnScore", contest.Seats{School: "S", Grade: 6, Seats: 1},
			[]contest.Candidate{{School: "S", Grade: 6, IIN: "a", Score: 10, Math: 10}, {School: "S", Grade: 6, IIN: "b", Score: 5, Math: 5, MynBala: true}}, def,
			"a:admitted b:reserve"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := rankOne(t, tc.seats, tc.cands, tc.policy)
			if got := outcomes(t, res); got != tc.want {
				t.Fatalf("got  %s\nwant %s", got, tc.want)
			}
		})
	}
}

func TestAPendingTieHoldsBackWhoeverItDecides(t *testing.T) {
	// One general seat, one quota seat. a (quota holder) and b tie for the general seat.
	// If a wins it, the quota seat goes to c; if b wins, a takes the quota seat and c is
	// left out. So c's outcome waits too.
	res := rankOne(t, contest.Seats{School: "S", Grade: 7, Seats: 2, Quota: intp(1)},
		[]contest.Candidate{cand("a", 100, "myn"), cand("b", 100), cand("c", 80, "myn")}, contest.DefaultPolicy())
	if got, want := outcomes(t, res), "a:tie_pending b:tie_pending c:tie_pending"; got != want {
		t.Fatalf("got %s, want %s", got, want)
	}
	if len(res.Ties) != 1 || len(res.Dependent) != 1 || res.Dependent[0] != "c" {
		t.Fatalf("ties %+v, dependent %v", res.Ties, res.Dependent)
	}
	if got := fmt.Sprint(res.Ties[0].AtStake); got != "[admitted admitted_quota reserve]" {
		t.Errorf("at stake %s", got)
	}
}

func TestADecisionResolvesTheTieAndIsKept(t *testing.T) {
	seats := contest.Seats{School: "S", Grade: 7, Seats: 2, Quota: intp(0)}
	cands := []contest.Candidate{cand("a", 120), cand("b", 100), cand("c", 100), cand("d", 90)}
	d := contest.Decision{School: "S", Grade: 7, Order: []string{"c", "b"}, DecidedBy: "commission vote 5–2", Reason: "interview of §46 type", DecidedOn: "2026-04-21"}
	res := rankOne(t, seats, cands, contest.DefaultPolicy(), d)
	if got, want := outcomes(t, res), "a:admitted c:admitted b:reserve d:reserve"; got != want {
		t.Fatalf("got %s, want %s", got, want)
	}
	if res.Pending() || len(res.Ties) != 1 || res.Ties[0].Decision == nil || res.Ties[0].Decision.DecidedBy != d.DecidedBy {
		t.Fatalf("ties %+v", res.Ties)
	}
	if !res.Rows[1].Decided || res.Rows[1].Place != 2 {
		t.Fatalf("row 2 %+v", res.Rows[1])
	}
}

func TestRankRefusesInputItWouldHaveToGuessAbout(t *testing.T) {
	seats := []contest.Seats{{School: "S", Grade: 7, Seats: 2}}
	cases := []struct {
		name  string
		seats []contest.Seats
		cands []contest.Candidate
		ds    []contest.Decision
		want  string
	}{
		{"NoSeatsLine", seats, []contest.Candidate{{School: "T", Grade: 7, IIN: "x"}}, nil, "has no seats line"},
		{"TwiceInOneSchool", seats, []contest.Candidate{cand("a", 1), cand("a", 1)}, nil, "listed twice"},
		{"SectionsDoNotAddUp", seats, []contest.Candidate{{School: "S", Grade: 7, IIN: "a", Score: 10, Math: 3}}, nil, "do not add up"},
		{"QuotaOutsideGrade7", []contest.Seats{{School: "S", Grade: 6, Seats: 2, Quota: intp(1)}}, nil, nil, "grade 7 only"},
		{"QuotaAboveSeats", []contest.Seats{{School: "S", Grade: 7, Seats: 2, Quota: intp(3)}}, nil, nil, "not between 0 and the 2 seats"},
		{"SeatsTwice", []contest.Seats{seats[0], seats[0]}, nil, nil, "two seat lines"},
		{"DecisionWithoutReason", seats, []contest.Candidate{cand("a", 1), cand("b", 1)},
			[]contest.Decision{{School: "S", Grade: 7, Order: []string{"a", "b"}, DecidedBy: "chair"}}, "who decided and why"},
		{"TwoDecisionsOnOneTie", seats, []contest.Candidate{cand("a", 1), cand("b", 1)},
			[]contest.Decision{{School: "S", Grade: 7, Order: []string{"a", "b"}, DecidedBy: "chair", Reason: "r"},
				{School: "S", Grade: 7, Order: []string{"b", "a"}, DecidedBy: "vice-chair", Reason: "r"}}, "has two decisions (one by vice-chair); keep one"},
		{"StaleDecision", seats, []contest.Candidate{cand("a", 1), cand("b", 2)},
			[]contest.Decision{{School: "S", Grade: 7, Order: []string{"a", "b"}, DecidedBy: "chair", Reason: "r"}}, "matches no tie"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := contest.Rank(tc.seats, tc.cands, contest.DefaultPolicy(), tc.ds)
			if !errors.Is(err, contest.ErrInput) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want ErrInput with %q", err, tc.want)
			}
		})
	}
	bad := contest.DefaultPolicy()
	bad.ReserveSize = 11
	if _, err := contest.Rank(nil, nil, bad, nil); !errors.Is(err, contest.ErrPolicy) {
		t.Fatalf("reserve of 11: %v", err)
	}
}

// TestDecisionsAreApplied: deciding every tie of a random contest leaves nothing
// pending, and the outcomes are those of that order.
func TestDecisionsAreApplied(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		cc := genContest(t)
		rk, err := contest.Rank(cc.Seats, cc.Cands, cc.Policy, nil)
		if err != nil {
			t.Fatal(err)
		}
		var ds []contest.Decision
		for _, res := range rk.Results {
			byTie := map[int][]string{}
			for _, r := range res.Rows {
				if r.Tie != 0 {
					byTie[r.Tie] = append(byTie[r.Tie], r.IIN)
				}
			}
			for n := 1; n <= len(byTie); n++ {
				order := rapid.Permutation(byTie[n]).Draw(t, "decision")
				ds = append(ds, contest.Decision{School: res.School, Grade: res.Grade, Order: order, DecidedBy: "commission", Reason: "lot"})
			}
		}
		rk2, err := contest.Rank(cc.Seats, cc.Cands, cc.Policy, ds)
		if err != nil {
			t.Fatal(err)
		}
		for _, res := range rk2.Results {
			if res.Pending() || len(res.Dependent) > 0 {
				t.Fatalf("%s/%d still pending after every tie was decided", res.School, res.Grade)
			}
			order := make([]int, len(res.Rows))
			flags := make([]bool, len(res.Rows))
			for i, r := range res.Rows {
				order[i] = i
				flags[i] = r.MynBala && res.Grade == 7
			}
			want := contest.Allocate(order, flags, res.Seats, res.Quota, cc.Policy.QuotaOrder, cc.Policy.ReserveSize)
			for i, r := range res.Rows {
				if r.Outcome != want[i] {
					t.Fatalf("%s/%d: %s is %s, the decided order gives %s", res.School, res.Grade, r.IIN, r.Outcome, want[i])
				}
			}
			checkResult(t, res, cc.Policy)
		}
	})
}
