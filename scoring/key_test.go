package scoring_test

import (
	"errors"
	"strings"
	"testing"

	"tarazy/scoring"
)

// keyLine makes a key line of the right length for a grade from a repeating pattern.
func keyString(n int, pattern string) string {
	return strings.Repeat(pattern, n/len(pattern)+1)[:n]
}

func validKeyCSV() string {
	var b strings.Builder
	b.WriteString("grade,variant,answers\n")
	for _, g := range []struct {
		grade string
		n     int
	}{{"5", 40}, {"7", 75}} {
		for v, pat := range []string{"ABCDE", "EDCBA", "BADCE", "CEBDA"} {
			b.WriteString(g.grade + "," + string(rune('1'+v)) + "," + keyString(g.n, pat) + "\n")
		}
	}
	return b.String()
}

func TestParseKeysReadsEveryVariant(t *testing.T) {
	keys, err := scoring.ParseKeys(strings.NewReader(validKeyCSV()), "key.csv", nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := len(keys.All()); got != 8 {
		t.Fatalf("%d keys, want 8", got)
	}
	k, ok := keys.Lookup(7, "3")
	if !ok || len(k.Answers) != 75 || k.Answers[0] != "B" || k.Form.ID != "g7" {
		t.Fatalf("grade 7 variant 3 = %+v, %v", k, ok)
	}
	if _, ok := keys.Lookup(6, "1"); ok {
		t.Fatal("grade 6 was not in the file but has a key")
	}
}

func TestParseKeysAcceptsSpacesAndLowerCase(t *testing.T) {
	src := "grade,variant,answers\n"
	for v := 1; v <= 4; v++ {
		src += "5," + string(rune('0'+v)) + ",abcde abcde abcde abcde abcde abcde abcde abcde\n"
	}
	keys, err := scoring.ParseKeys(strings.NewReader(src), "key.csv", nil)
	if err != nil {
		t.Fatal(err)
	}
	if k, _ := keys.Lookup(5, "4"); k.Answers[39] != "E" {
		t.Fatalf("last answer %q", k.Answers[39])
	}
}

func TestParseKeysNamesEveryBadLine(t *testing.T) {
	good := func(v string) string { return "7," + v + "," + keyString(75, "ABCDE") + "\n" }
	cases := []struct {
		name string
		src  string
		want []string
	}{
		{"ShortKey", "grade,variant,answers\n" + good("1") + good("2") + good("3") + "7,4," + keyString(74, "ABCDE") + "\n",
			[]string{"line 5", "74 answers; form g7 has 75 questions"}},
		{"LetterNotOnForm", "grade,variant,answers\n" + good("1") + good("2") + good("3") + "7,4,F" + keyString(74, "ABCDE") + "\n",
			[]string{"line 5", `answer 1 is "F"`}},
		{"DuplicateVariant", "grade,variant,answers\n" + good("1") + good("2") + good("3") + good("4") + good("2"),
			[]string{"line 6", "variant 2 is already given on line 3"}},
		{"MissingVariant", "grade,variant,answers\n" + good("1") + good("2") + good("4"),
			[]string{"grade 7 has no key for variant 3"}},
		{"VariantOutOfRange", "grade,variant,answers\n" + good("1") + good("2") + good("3") + good("4") + good("5"),
			[]string{"line 6", `variant "5" is not one of 1–4`}},
		{"UnknownGrade", "grade,variant,answers\n9,1,ABC\n", []string{"line 2", "grade 9 has no answer-sheet form"}},
		{"NoHeader", good("1"), []string{"line 1", "header grade,variant,answers"}},
		{"WrongFieldCount", "grade,variant,answers\n7,1\n", []string{"line 2", "2 fields"}},
		{"Empty", "", []string{"empty"}},
		{"TwoProblemsAtOnce", "grade,variant,answers\n7,1,ABC\n7,2,XYZ\n",
			[]string{"line 2", "line 3"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := scoring.ParseKeys(strings.NewReader(tc.src), "key.csv", nil)
			if !errors.Is(err, scoring.ErrInvalidKeys) {
				t.Fatalf("error %v is not ErrInvalidKeys", err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error lacks %q:\n%v", w, err)
				}
			}
		})
	}
}
