package scoring_test

import (
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"strconv"
	"strings"
	"testing"

	"tarazy/scoring"
)

// A key file whose first line is JSON (someone uploaded key.json) or a broken quote
// is a clear error, never a panic (issue 14: `tarazy score --key` crashed on it).
func TestParseKeysMalformedFirstLine(t *testing.T) {
	for _, src := range []string{`{"grade":7,"variant":"1"}` + "\n", "\"grade,variant,answers\n", "grade,\"variant\"x,answers\n"} {
		_, err := scoring.ParseKeys(strings.NewReader(src), "key.csv", nil)
		if !errors.Is(err, scoring.ErrInvalidKeys) || !strings.Contains(err.Error(), "key.csv line 1") {
			t.Errorf("%q: %v", src, err)
		}
	}
}

// FuzzParseKeys: whatever the file, ParseKeys returns keys or an error, never panics,
// and keys it accepts write back to a file it reads to the same keys.
func FuzzParseKeys(f *testing.F) {
	good := "grade,variant,answers\n"
	for v := 1; v <= 4; v++ {
		good += "5," + string(rune('0'+v)) + "," + strings.Repeat("ABCDE", 8) + "\n"
	}
	for _, s := range []string{good, "", "grade,variant,answers\n", `{"grade":7}`, "\ufeffgrade;variant;answers\n5;1;ABC\n",
		"grade,variant,answers\n5,1,\"AB\nCD\"\n", "grade,variant,answers\n5,99999999999,A\n", "answers,grade,variant\nABC,5,1,x\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		keys, err := scoring.ParseKeys(bytes.NewReader(data), "key.csv", nil)
		if err != nil {
			if !errors.Is(err, scoring.ErrInvalidKeys) {
				t.Fatalf("error %v is not ErrInvalidKeys", err)
			}
			return
		}
		var b bytes.Buffer
		if err := writeKeysCSV(&b, keys); err != nil {
			t.Fatal(err)
		}
		again, err := scoring.ParseKeys(&b, "again.csv", nil)
		if err != nil || len(again.All()) != len(keys.All()) {
			t.Fatalf("written keys do not read back: %v", err)
		}
	})
}

// writeKeysCSV writes keys as keys.csv, for the round trip the fuzzer checks.
func writeKeysCSV(w io.Writer, keys *scoring.Keys) error {
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"grade", "variant", "answers"})
	for _, k := range keys.All() {
		_ = cw.Write([]string{strconv.Itoa(k.Grade), k.Variant, strings.Join(k.Answers, "")})
	}
	cw.Flush()
	return cw.Error()
}
