package blob_test

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"tarazy/store/blob"
)

func sum(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

func TestPutIsContentAddressedAndIdempotent(t *testing.T) {
	s, err := blob.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	h1, n, err := s.Put(strings.NewReader("page one"), 0)
	if err != nil || h1 != sum("page one") || n != 8 {
		t.Fatalf("Put = %s %d %v", h1, n, err)
	}
	h2, _, err := s.Put(strings.NewReader("page one"), 0)
	if err != nil || h2 != h1 {
		t.Fatalf("second Put = %s %v, want %s", h2, err, h1)
	}
	f, err := s.Open(h1)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	b, _ := io.ReadAll(f)
	if string(b) != "page one" {
		t.Fatalf("read back %q", b)
	}
	if !s.Has(h1) || s.Has(sum("other")) || s.Has("../../etc/passwd") {
		t.Fatal("Has answers wrongly")
	}
	left, _ := os.ReadDir(filepath.Join(s.Dir(), "tmp"))
	if len(left) != 0 {
		t.Fatalf("%d temporary files left behind", len(left))
	}
}

func TestPutExpectRefusesDamagedBytes(t *testing.T) {
	s, _ := blob.Open(t.TempDir())
	if _, err := s.PutExpect(strings.NewReader("damaged"), 0, sum("original")); !errors.Is(err, blob.ErrMismatch) {
		t.Fatalf("err = %v, want ErrMismatch", err)
	}
	if s.Has(sum("damaged")) {
		t.Fatal("damaged bytes were kept")
	}
	if _, err := s.PutExpect(strings.NewReader("original"), 0, sum("original")); err != nil {
		t.Fatal(err)
	}
}

func TestPutLimit(t *testing.T) {
	s, _ := blob.Open(t.TempDir())
	if _, _, err := s.Put(strings.NewReader("0123456789"), 5); !errors.Is(err, blob.ErrTooLarge) {
		t.Fatalf("err = %v, want ErrTooLarge", err)
	}
	if _, _, err := s.Put(strings.NewReader("01234"), 5); err != nil {
		t.Fatalf("a file of exactly the limit: %v", err)
	}
}

func TestOpenUnknown(t *testing.T) {
	s, _ := blob.Open(t.TempDir())
	if _, err := s.Open(sum("nothing")); !errors.Is(err, blob.ErrNotFound) {
		t.Fatalf("err = %v", err)
	}
	if _, err := s.Open("not-a-hash"); !errors.Is(err, blob.ErrNotFound) {
		t.Fatalf("err = %v", err)
	}
}

func TestStageAndCommitMany(t *testing.T) {
	s, _ := blob.Open(t.TempDir())
	var staged []*blob.Staged
	for i := 0; i < 20; i++ {
		st, err := s.Stage(strings.NewReader(strings.Repeat("x", i+1)), 0, "")
		if err != nil {
			t.Fatal(err)
		}
		if s.Has(st.Hash) {
			t.Fatal("a staged file is visible before Commit")
		}
		staged = append(staged, st)
	}
	if err := s.Commit(staged...); err != nil {
		t.Fatal(err)
	}
	for _, st := range staged {
		if !s.Has(st.Hash) {
			t.Fatalf("%s missing after Commit", st.Hash)
		}
	}
	// Staging bytes already stored leaves nothing to commit; a discarded stage leaves
	// no trace.
	again, _ := s.Stage(strings.NewReader("x"), 0, "")
	gone, _ := s.Stage(strings.NewReader("never committed"), 0, "")
	s.Discard(again, gone)
	if s.Has(gone.Hash) {
		t.Fatal("a discarded file was stored")
	}
	left, _ := os.ReadDir(filepath.Join(s.Dir(), "tmp"))
	if len(left) != 0 {
		t.Fatalf("%d temporary files left behind", len(left))
	}
}
