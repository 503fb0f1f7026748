package blob_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"tarazy/store/blob"
	"tarazy/store/blob/s3test"
)

func sum(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

// images is what the server asks of an image store; both stores keep it.
type images interface {
	ID(ctx context.Context) (string, error)
	Has(ctx context.Context, h string) (bool, error)
	Put(ctx context.Context, r io.Reader, max int64) (string, int64, error)
	Stage(r io.Reader, max int64, want string) (*blob.Staged, error)
	Commit(ctx context.Context, staged ...*blob.Staged) error
	Discard(staged ...*blob.Staged)
	Open(ctx context.Context, h string) (io.ReadSeekCloser, error)
	CleanTemp(age time.Duration) (int, int64, error)
}

var ctx = context.Background()

// each runs a test on the directory store and on an S3 bucket of a real server.
func each(t *testing.T, fn func(t *testing.T, s images, temp string)) {
	t.Run("dir", func(t *testing.T) {
		t.Parallel()
		dir := t.TempDir()
		s, err := blob.Open(dir)
		if err != nil {
			t.Fatal(err)
		}
		fn(t, s, filepath.Join(dir, "tmp"))
	})
	t.Run("s3", func(t *testing.T) {
		t.Parallel()
		cfg, err := blob.ParseS3URL(s3test.Start(t).Bucket(t))
		if err != nil {
			t.Fatal(err)
		}
		cfg.Spool = t.TempDir()
		s, err := blob.OpenS3(ctx, cfg)
		if err != nil {
			t.Fatal(err)
		}
		fn(t, s, cfg.Spool)
	})
}

func noTemp(t *testing.T, dir string) {
	t.Helper()
	left, _ := os.ReadDir(dir)
	if len(left) != 0 {
		t.Fatalf("%d temporary files left behind", len(left))
	}
}

func TestPutIsContentAddressedAndIdempotent(t *testing.T) {
	each(t, func(t *testing.T, s images, temp string) {
		h1, n, err := s.Put(ctx, strings.NewReader("page one"), 0)
		if err != nil || h1 != sum("page one") || n != 8 {
			t.Fatalf("Put = %s %d %v", h1, n, err)
		}
		h2, _, err := s.Put(ctx, strings.NewReader("page one"), 0)
		if err != nil || h2 != h1 {
			t.Fatalf("second Put = %s %v, want %s", h2, err, h1)
		}
		f, err := s.Open(ctx, h1)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(f)
		if string(b) != "page one" {
			t.Fatalf("read back %q", b)
		}
		// http.ServeContent seeks to the end for the size, then back.
		if end, err := f.Seek(0, io.SeekEnd); err != nil || end != 8 {
			t.Fatalf("Seek(end) = %d, %v", end, err)
		}
		f.Close()
		for h, want := range map[string]bool{h1: true, sum("other"): false, "../../etc/passwd": false} {
			if got, err := s.Has(ctx, h); err != nil || got != want {
				t.Errorf("Has(%s) = %v, %v", h, got, err)
			}
		}
		noTemp(t, temp)
	})
}

func TestStagedBytesThatDoNotMatchTheirNameAreRefused(t *testing.T) {
	each(t, func(t *testing.T, s images, temp string) {
		if _, err := s.Stage(strings.NewReader("damaged"), 0, sum("original")); !errors.Is(err, blob.ErrMismatch) {
			t.Fatalf("err = %v, want ErrMismatch", err)
		}
		if has, _ := s.Has(ctx, sum("damaged")); has {
			t.Fatal("damaged bytes were kept")
		}
		noTemp(t, temp)
	})
}

func TestPutLimit(t *testing.T) {
	each(t, func(t *testing.T, s images, temp string) {
		if _, _, err := s.Put(ctx, strings.NewReader("0123456789"), 5); !errors.Is(err, blob.ErrTooLarge) {
			t.Fatalf("err = %v, want ErrTooLarge", err)
		}
		if _, _, err := s.Put(ctx, strings.NewReader("01234"), 5); err != nil {
			t.Fatalf("a file of exactly the limit: %v", err)
		}
	})
}

func TestOpenUnknown(t *testing.T) {
	each(t, func(t *testing.T, s images, temp string) {
		if _, err := s.Open(ctx, sum("nothing")); !errors.Is(err, blob.ErrNotFound) {
			t.Fatalf("err = %v", err)
		}
		if _, err := s.Open(ctx, "not-a-hash"); !errors.Is(err, blob.ErrNotFound) {
			t.Fatalf("err = %v", err)
		}
	})
}

func TestStageAndCommitMany(t *testing.T) {
	each(t, func(t *testing.T, s images, temp string) {
		var staged []*blob.Staged
		for i := 0; i < 20; i++ {
			st, err := s.Stage(strings.NewReader(strings.Repeat("x", i+1)), 0, "")
			if err != nil {
				t.Fatal(err)
			}
			if has, _ := s.Has(ctx, st.Hash); has {
				t.Fatal("a staged file is visible before Commit")
			}
			staged = append(staged, st)
		}
		if err := s.Commit(ctx, staged...); err != nil {
			t.Fatal(err)
		}
		for _, st := range staged {
			if has, err := s.Has(ctx, st.Hash); !has || err != nil {
				t.Fatalf("%s missing after Commit: %v", st.Hash, err)
			}
		}
		// Staging bytes already stored commits nothing new; a discarded stage leaves
		// no trace.
		again, _ := s.Stage(strings.NewReader("x"), 0, "")
		if err := s.Commit(ctx, again); err != nil {
			t.Fatalf("committing bytes already stored: %v", err)
		}
		gone, _ := s.Stage(strings.NewReader("never committed"), 0, "")
		s.Discard(gone)
		if has, _ := s.Has(ctx, gone.Hash); has {
			t.Fatal("a discarded file was stored")
		}
		noTemp(t, temp)
	})
}

// Servers starting together on one store agree on its identity, and it stays.
func TestIdentityIsMadeOnceAndKept(t *testing.T) {
	each(t, func(t *testing.T, s images, temp string) {
		ids := make([]string, 8)
		var wg sync.WaitGroup
		for i := range ids {
			wg.Add(1)
			go func() {
				defer wg.Done()
				id, err := s.ID(ctx)
				if err != nil {
					t.Error(err)
				}
				ids[i] = id
			}()
		}
		wg.Wait()
		for _, id := range ids {
			if id == "" || id != ids[0] {
				t.Fatalf("identities %q", ids)
			}
		}
		if id, _ := s.ID(ctx); id != ids[0] {
			t.Fatalf("identity changed from %s to %s", ids[0], id)
		}
		noTemp(t, temp)
	})
}

// Uploads a killed server left in the temporary directory go at the next start;
// younger ones (another server's, still receiving) stay.
func TestCleanTempRemovesOnlyStaleUploads(t *testing.T) {
	each(t, func(t *testing.T, s images, temp string) {
		stale := filepath.Join(temp, "up-stale")
		fresh := filepath.Join(temp, "up-fresh")
		os.WriteFile(stale, make([]byte, 1000), 0o640)
		os.WriteFile(fresh, []byte("x"), 0o640)
		old := time.Now().Add(-2 * time.Hour)
		os.Chtimes(stale, old, old)
		n, size, err := s.CleanTemp(time.Hour)
		if err != nil || n != 1 || size != 1000 {
			t.Fatalf("CleanTemp = %d files, %d bytes, %v", n, size, err)
		}
		if _, err := os.Stat(fresh); err != nil {
			t.Fatal("a fresh upload was removed")
		}
	})
}

// The S3 URL carries the endpoint, bucket, prefix and credentials; the secret never
// reaches a banner.
func TestParseS3URL(t *testing.T) {
	c, err := blob.ParseS3URL("s3://key:secret@s3.example.kz:9000/tarazy/images/2026?tls=false&region=kz-1")
	if err != nil {
		t.Fatal(err)
	}
	if c.Endpoint != "s3.example.kz:9000" || c.Bucket != "tarazy" || c.Prefix != "images/2026/" || c.Secure || c.Region != "kz-1" || c.AccessKey != "key" || c.SecretKey != "secret" {
		t.Fatalf("%+v", c)
	}
	if r := blob.Redact("s3://key:secret@h/b"); strings.Contains(r, "secret") {
		t.Fatalf("Redact = %s", r)
	}
	for _, bad := range []string{"http://h/b", "s3://h", "s3:///b"} {
		if _, err := blob.ParseS3URL(bad); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
}

// BenchmarkCommit100 stores batches of 100 new 4 KiB files, as an ingest of 100 pages
// does: the image store's share of ingest time.
func BenchmarkCommit100(b *testing.B) {
	for _, kind := range []string{"dir", "s3"} {
		b.Run(kind, func(b *testing.B) {
			var s images
			if kind == "dir" {
				d, err := blob.Open(b.TempDir())
				if err != nil {
					b.Fatal(err)
				}
				s = d
			} else {
				s = s3test.Open(b)
			}
			buf := make([]byte, 4096)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				staged := make([]*blob.Staged, 100)
				for j := range staged {
					rand.Read(buf)
					st, err := s.Stage(bytes.NewReader(buf), 0, "")
					if err != nil {
						b.Fatal(err)
					}
					staged[j] = st
				}
				if err := s.Commit(ctx, staged...); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(100*b.N)/b.Elapsed().Seconds(), "files/s")
		})
	}
}
