package contest_test

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"sort"
	"testing"

	"github.com/google/go-cmp/cmp"
	"pgregory.net/rapid"

	"tarazy/contest"
)

// TestMain runs the property tests over thousands of random contests unless
// -rapid.checks says otherwise.
func TestMain(m *testing.M) {
	flag.Parse()
	set := false
	flag.Visit(func(f *flag.Flag) { set = set || f.Name == "rapid.checks" })
	if !set {
		_ = flag.Set("rapid.checks", "2000")
	}
	os.Exit(m.Run())
}

type contestCase struct {
	Seats  []contest.Seats
	Cands  []contest.Candidate
	Policy contest.Policy
}

// genContest draws a small national contest whose scores come from narrow ranges, so
// that ties across every boundary are common.
func genContest(t *rapid.T) contestCase {
	var cc contestCase
	serial := 0
	nSchools := rapid.IntRange(1, 3).Draw(t, "schools")
	for s := 0; s < nSchools; s++ {
		school := fmt.Sprintf("S%d", s+1)
		for _, grade := range []int{5, 7} {
			if !rapid.Bool().Draw(t, "hasGrade") {
				continue
			}
			seats := contest.Seats{School: school, Grade: grade, Seats: rapid.IntRange(0, 14).Draw(t, "seats")}
			if grade == 7 && rapid.IntRange(0, 3).Draw(t, "approved") == 0 {
				q := rapid.IntRange(0, seats.Seats).Draw(t, "quota")
				seats.Quota = &q
			}
			cc.Seats = append(cc.Seats, seats)
			n := rapid.IntRange(0, 28).Draw(t, "candidates")
			for i := 0; i < n; i++ {
				serial++
				c := contest.Candidate{School: school, Grade: grade, IIN: fmt.Sprintf("%012d", 100000+serial*7919%99991),
					Name:     fmt.Sprintf("Candidate %d", serial),
					Math:     rapid.IntRange(0, 5).Draw(t, "math"),
					Reading:  rapid.IntRange(-1, 2).Draw(t, "reading"),
					Olympiad: rapid.IntRange(0, 5).Draw(t, "olympiad") == 0,
					MynBala:  rapid.IntRange(0, 2).Draw(t, "mynbala") == 0,
				}
				if grade == 7 {
					c.History = rapid.IntRange(0, 1).Draw(t, "history")
				}
				c.Score = c.Math + c.Reading + c.History
				cc.Cands = append(cc.Cands, c)
			}
		}
	}
	cc.Policy = contest.DefaultPolicy()
	cc.Policy.QuotaOrder = rapid.SampledFrom([]contest.QuotaOrder{contest.MeritFirst, contest.QuotaFirst}).Draw(t, "order")
	all := []string{"math", "reading", "history"}
	k := rapid.IntRange(0, 3).Draw(t, "tiebreaks")
	cc.Policy.TieBreaks = rapid.Permutation(all).Draw(t, "perm")[:k]
	cc.Policy.ReserveSize = rapid.IntRange(0, 10).Draw(t, "reserve")
	return cc
}

func equalKeys(a, b contest.Row, tbs []string) bool {
	if a.Score != b.Score || a.Olympiad != b.Olympiad {
		return false
	}
	sec := func(r contest.Row, k string) int {
		return map[string]int{"math": r.Math, "reading": r.Reading, "history": r.History}[k]
	}
	for _, tb := range tbs {
		if sec(a, tb) != sec(b, tb) {
			return false
		}
	}
	return true
}

func TestRankInvariants(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		cc := genContest(t)
		rk, err := contest.Rank(cc.Seats, cc.Cands, cc.Policy, nil)
		if err != nil {
			t.Fatal(err)
		}
		total := 0
		for _, res := range rk.Results {
			total += len(res.Rows)
			checkResult(t, res, cc.Policy)
		}
		if total != len(cc.Cands) {
			t.Fatalf("%d rows for %d candidates", total, len(cc.Cands))
		}
	})
}

func checkResult(t *rapid.T, res contest.Result, p contest.Policy) {
	admitted, quota, reserve, pending := 0, 0, 0, 0
	for i, r := range res.Rows {
		if r.Place != i+1 {
			t.Fatalf("%s/%d: row %d has place %d", res.School, res.Grade, i, r.Place)
		}
		switch r.Outcome {
		case contest.Admitted:
			admitted++
		case contest.AdmittedQuota:
			quota++
			if !r.MynBala || res.Grade != 7 {
				t.Fatalf("%s/%d: quota seat to %s, who is not a grade-7 Мың бала winner", res.School, res.Grade, r.IIN)
			}
		case contest.Reserve:
			reserve++
		case contest.TiePending:
			pending++
		}
		if i > 0 {
			prev := res.Rows[i-1]
			if equalKeys(prev, r, p.TieBreaks) {
				if !prev.Decided && prev.IIN > r.IIN {
					t.Fatalf("%s/%d: tied %s before %s", res.School, res.Grade, prev.IIN, r.IIN)
				}
			} else if prev.Score < r.Score || (prev.Score == r.Score && !prev.Olympiad && r.Olympiad) {
				t.Fatalf("%s/%d: %s (%d) ranked above %s (%d)", res.School, res.Grade, prev.IIN, prev.Score, r.IIN, r.Score)
			}
		}
	}
	if admitted+quota > res.Seats {
		t.Fatalf("%s/%d: %d admitted for %d seats", res.School, res.Grade, admitted+quota, res.Seats)
	}
	if quota > res.Quota {
		t.Fatalf("%s/%d: %d quota seats used, quota is %d", res.School, res.Grade, quota, res.Quota)
	}
	if reserve > p.ReserveSize || reserve > contest.MaxReserve {
		t.Fatalf("%s/%d: reserve of %d", res.School, res.Grade, reserve)
	}
	if pending == 0 {
		want := min(res.Seats, len(res.Rows))
		if admitted+quota != want {
			t.Fatalf("%s/%d: %d admitted, want every seat filled: %d", res.School, res.Grade, admitted+quota, want)
		}
		if wantR := min(p.ReserveSize, len(res.Rows)-want); reserve != wantR {
			t.Fatalf("%s/%d: reserve %d, want %d", res.School, res.Grade, reserve, wantR)
		}
	}
	if res.Pending() != (pending > 0) {
		t.Fatalf("%s/%d: %d tie_pending rows but Pending() = %v", res.School, res.Grade, pending, res.Pending())
	}
	for _, a := range res.Rows {
		for _, b := range res.Rows {
			// Everyone admitted on score outranks everyone without a seat; a quota seat
			// is the only reason to be admitted below someone left out, and then only
			// over someone who is not a better quota holder.
			out := b.Outcome == contest.Reserve || b.Outcome == contest.NotAdmitted
			if a.Outcome == contest.Admitted && out && a.Place > b.Place {
				t.Fatalf("%s/%d: admitted %s (place %d) below %s %s (place %d)", res.School, res.Grade, a.IIN, a.Place, b.Outcome, b.IIN, b.Place)
			}
			if a.Outcome == contest.AdmittedQuota && out && b.MynBala && a.Place > b.Place {
				t.Fatalf("%s/%d: quota seat to %s (place %d) over the better quota holder %s (place %d)", res.School, res.Grade, a.IIN, a.Place, b.IIN, b.Place)
			}
			if a.Outcome == contest.Reserve && b.Outcome == contest.NotAdmitted && a.Place > b.Place {
				t.Fatalf("%s/%d: reserve %s (place %d) below not admitted %s (place %d)", res.School, res.Grade, a.IIN, a.Place, b.IIN, b.Place)
			}
			// Candidates equal on every key share their outcome, unless one of them may
			// take a quota seat and the other may not.
			if a.Tie != 0 && a.Tie == b.Tie && a.Outcome != b.Outcome && !a.Decided && (a.MynBala == b.MynBala || res.Grade != 7) {
				t.Fatalf("%s/%d: tied %s and %s got %s and %s", res.School, res.Grade, a.IIN, b.IIN, a.Outcome, b.Outcome)
			}
		}
	}
}

func TestRankDoesNotDependOnInputOrder(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		cc := genContest(t)
		want, err := contest.Rank(cc.Seats, cc.Cands, cc.Policy, nil)
		if err != nil {
			t.Fatal(err)
		}
		seats := rapid.Permutation(cc.Seats).Draw(t, "seatsOrder")
		cands := rapid.Permutation(cc.Cands).Draw(t, "candsOrder")
		got, err := contest.Rank(seats, cands, cc.Policy, nil)
		if err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(want, got); d != "" {
			t.Fatalf("shuffled input ranks differently (-want +got):\n%s", d)
		}
	})
}

// TestTiePendingIsExact checks the tie handling against brute force: for every order
// of every tie (candidates equal on every key), the outcome of each candidate Rank did
// not mark tie_pending is the same, and each tie_pending candidate's outcome does change
// with the order. So the machine never decides a tie, and never holds back an outcome
// the tie cannot change.
func TestTiePendingIsExact(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		cc := genContest(t)
		rk, err := contest.Rank(cc.Seats, cc.Cands, cc.Policy, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, res := range rk.Results {
			rows := res.Rows
			var classes [][2]int
			for i := 0; i < len(rows); {
				j := i + 1
				for j < len(rows) && equalKeys(rows[i], rows[j], cc.Policy.TieBreaks) {
					j++
				}
				if j-i > 1 {
					classes = append(classes, [2]int{i, j})
				}
				i = j
			}
			combos := 1
			for _, c := range classes {
				for k := 2; k <= c[1]-c[0]; k++ {
					combos *= k
				}
				if combos > 720 {
					break
				}
			}
			if combos > 720 {
				continue // too many orders to enumerate; the other properties still hold
			}
			flags := make([]bool, len(rows))
			for i, r := range rows {
				flags[i] = r.MynBala && res.Grade == 7
			}
			seen := make([]map[contest.Outcome]bool, len(rows))
			for i := range seen {
				seen[i] = map[contest.Outcome]bool{}
			}
			order := make([]int, len(rows))
			for i := range order {
				order[i] = i
			}
			var walk func(k int)
			walk = func(k int) {
				if k == len(classes) {
					out := contest.Allocate(order, flags, res.Seats, res.Quota, cc.Policy.QuotaOrder, cc.Policy.ReserveSize)
					for i, o := range out {
						seen[i][o] = true
					}
					return
				}
				c := classes[k]
				sub := slices.Clone(order[c[0]:c[1]])
				permute(sub, func(p []int) {
					copy(order[c[0]:c[1]], p)
					walk(k + 1)
				})
				copy(order[c[0]:c[1]], sub)
			}
			walk(0)
			for i, r := range rows {
				varies := len(seen[i]) > 1
				switch {
				case r.Outcome == contest.TiePending && !varies:
					t.Fatalf("%s/%d: %s is tie_pending but is %v in every order of the ties", res.School, res.Grade, r.IIN, keys(seen[i]))
				case r.Outcome != contest.TiePending && varies:
					t.Fatalf("%s/%d: %s is %s but a tie's order makes it %v", res.School, res.Grade, r.IIN, r.Outcome, keys(seen[i]))
				case r.Outcome != contest.TiePending && !seen[i][r.Outcome]:
					t.Fatalf("%s/%d: %s is %s, brute force says %v", res.School, res.Grade, r.IIN, r.Outcome, keys(seen[i]))
				}
			}
		}
	})
}

func keys(m map[contest.Outcome]bool) []contest.Outcome {
	var out []contest.Outcome
	for k := range m {
		out = append(out, k)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// permute calls f with every permutation of a (Heap's algorithm).
func permute(a []int, f func([]int)) {
	a = slices.Clone(a)
	var gen func(k int)
	gen = func(k int) {
		if k <= 1 {
			f(a)
			return
		}
		for i := 0; i < k-1; i++ {
			gen(k - 1)
			if k%2 == 0 {
				a[i], a[k-1] = a[k-1], a[i]
			} else {
				a[0], a[k-1] = a[k-1], a[0]
			}
		}
		gen(k - 1)
	}
	gen(len(a))
}

var _ = rand.N[int]
