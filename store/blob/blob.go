// Package blob is the content-addressed file store for scan images, review crops and
// protocol files: each file is named by the SHA-256 of its bytes, so storing the same
// bytes twice is a no-op and nothing stored is ever overwritten. Two stores keep the
// same contract: Store, a directory (the embedded default: files are written to a
// temporary name, synced, then renamed, so a crash leaves either the whole file or
// none of it), and S3, a bucket of any S3-compatible object storage, which several
// servers in several places share (the national deployment).
package blob

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"
)

// ErrNotFound is returned by Open for a hash that is not stored.
var ErrNotFound = errors.New("no stored file has this SHA-256")

// ErrMismatch is returned by PutExpect when the bytes do not hash to the name given.
var ErrMismatch = errors.New("the file's SHA-256 is not the one announced; it was damaged in transit, send it again")

// ErrTooLarge is returned when a file exceeds the limit given to Put.
var ErrTooLarge = errors.New("file too large")

// ErrNoSpace wraps a failure to write because a disk (the image store's or the
// temporary files') is full: nothing was stored, and a retry after the operator frees
// space succeeds.
var ErrNoSpace = errors.New("the image store's disk is full")

// ErrUnavailable wraps a failure to reach the image store (object storage down or
// refusing): nothing was stored; try again later.
var ErrUnavailable = errors.New("the image store cannot be reached")

// noSpace marks a write error caused by a full disk.
func noSpace(err error) error {
	if errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT) {
		return fmt.Errorf("%w: %w", ErrNoSpace, err)
	}
	return err
}

// Store keeps files under one directory.
type Store struct{ dir string }

// Open prepares dir (created if missing).
func Open(dir string) (*Store, error) {
	if err := os.MkdirAll(filepath.Join(dir, "tmp"), 0o750); err != nil {
		return nil, fmt.Errorf("image store %s: %w", dir, noSpace(err))
	}
	return &Store{dir: dir}, nil
}

// Dir is the store's root.
func (s *Store) Dir() string { return s.dir }

// String names the store for the start-up banner and logs.
func (s *Store) String() string { return "directory " + s.dir }

// idFile holds the store's identity (see ID).
const idFile = "store-id"

// ID returns the store's identity, made on first use: the database records the
// identity of the store its images live in, so a server given another directory
// says it is not ready instead of answering "missing" for every image. It also
// checks that the directory can be reached.
func (s *Store) ID(ctx context.Context) (string, error) {
	p := filepath.Join(s.dir, idFile)
	if b, err := os.ReadFile(p); err == nil && len(strings.TrimSpace(string(b))) > 0 {
		return strings.TrimSpace(string(b)), nil
	} else if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("%w: %s: %w", ErrUnavailable, s.dir, err)
	}
	// Several servers sharing the directory may start at once: write a temporary file
	// and link it into place, so exactly one identity wins and nobody reads a half.
	id := newID("dir")
	tmp, err := os.CreateTemp(filepath.Join(s.dir, "tmp"), "id-*")
	if err != nil {
		return "", fmt.Errorf("image store %s: %w", s.dir, noSpace(err))
	}
	defer os.Remove(tmp.Name())
	_, err = tmp.WriteString(id + "\n")
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return "", fmt.Errorf("image store %s: %w", s.dir, noSpace(err))
	}
	if err := os.Link(tmp.Name(), p); err != nil && !errors.Is(err, fs.ErrExist) {
		return "", fmt.Errorf("image store %s: %w", s.dir, noSpace(err))
	}
	b, err := os.ReadFile(p)
	if err != nil {
		return "", fmt.Errorf("image store %s: %w", s.dir, err)
	}
	return strings.TrimSpace(string(b)), nil
}

// newID is a random store identity with a readable kind.
func newID(kind string) string {
	b := make([]byte, 12)
	rand.Read(b)
	return kind + "-" + hex.EncodeToString(b)
}

// CleanTemp removes temporary files older than age: uploads a killed server never
// finished. Younger ones may belong to another server sharing the directory, still
// receiving.
func (s *Store) CleanTemp(age time.Duration) (files int, bytes int64, err error) {
	return cleanDir(filepath.Join(s.dir, "tmp"), age)
}

func cleanDir(dir string, age time.Duration) (files int, bytes int64, err error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return 0, 0, err
	}
	cut := time.Now().Add(-age)
	for _, e := range entries {
		info, err := e.Info()
		if err != nil || info.IsDir() || info.ModTime().After(cut) {
			continue
		}
		if os.Remove(filepath.Join(dir, e.Name())) == nil {
			files++
			bytes += info.Size()
		}
	}
	return files, bytes, nil
}

// ValidHash reports whether h looks like a hex SHA-256.
func ValidHash(h string) bool {
	if len(h) != 64 {
		return false
	}
	for i := 0; i < len(h); i++ {
		c := h[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

func (s *Store) path(h string) string {
	return filepath.Join(s.dir, h[:2], h[2:4], h)
}

// Has reports whether a file with this hash is stored.
func (s *Store) Has(ctx context.Context, h string) (bool, error) {
	if !ValidHash(h) {
		return false, nil
	}
	_, err := os.Stat(s.path(h))
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	return err == nil, err
}

// Put stores what r yields, up to max bytes (0: no limit), and returns its hash and
// size.
func (s *Store) Put(ctx context.Context, r io.Reader, max int64) (hash string, size int64, err error) {
	st, err := s.Stage(r, max, "")
	if err != nil {
		return "", 0, err
	}
	return st.Hash, st.Size, s.Commit(ctx, st)
}

// PutExpect is Put that fails with ErrMismatch unless the bytes hash to want.
func (s *Store) PutExpect(r io.Reader, max int64, want string) (size int64, err error) {
	st, err := s.Stage(r, max, want)
	if err != nil {
		return 0, err
	}
	return st.Size, s.Commit(context.Background(), st)
}

// Staged is a received file not yet in the store. Receiving a batch's files one by
// one and committing them together lets their fsyncs run at once: on this kind of
// disk that is several times faster than one after the other.
type Staged struct {
	Hash string
	Size int64
	tmp  string // "" when the same bytes are already stored
}

// Stage receives a file into a temporary name and hashes it.
func (s *Store) Stage(r io.Reader, max int64, want string) (*Staged, error) {
	st, err := receive(filepath.Join(s.dir, "tmp"), r, max, want)
	if err != nil {
		return nil, err
	}
	if _, err := os.Stat(s.path(st.Hash)); err == nil {
		os.Remove(st.tmp) // same bytes already stored: nothing to do
		st.tmp = ""
	}
	return st, nil
}

// receive copies r into a new temporary file in dir, hashing it on the way.
func receive(dir string, r io.Reader, max int64, want string) (*Staged, error) {
	tmp, err := os.CreateTemp(dir, "up-*")
	if err != nil {
		return nil, fmt.Errorf("image store: %w", noSpace(err))
	}
	ok := false
	defer func() {
		tmp.Close()
		if !ok {
			os.Remove(tmp.Name())
		}
	}()
	h := sha256.New()
	src := r
	if max > 0 {
		src = io.LimitReader(r, max+1)
	}
	n, err := io.Copy(io.MultiWriter(tmp, h), src)
	if err != nil {
		return nil, fmt.Errorf("image store: receive: %w", noSpace(err))
	}
	if max > 0 && n > max {
		return nil, fmt.Errorf("%w: more than %d bytes", ErrTooLarge, max)
	}
	sum := hex.EncodeToString(h.Sum(nil))
	if want != "" && sum != want {
		return nil, fmt.Errorf("%w (announced %s, got %s)", ErrMismatch, want, sum)
	}
	ok = true
	return &Staged{Hash: sum, Size: n, tmp: tmp.Name()}, nil
}

// Commit makes staged files durable and puts them under their names. Until it
// returns nil, none of them may be relied on. The data is flushed before the renames
// and the renames after, so a power cut never leaves a damaged file under a good name.
func (s *Store) Commit(ctx context.Context, staged ...*Staged) error {
	var pending []*Staged
	for _, st := range staged {
		if st.tmp != "" {
			pending = append(pending, st)
		}
	}
	if len(pending) == 0 {
		return nil
	}
	tmps := make([]string, len(pending))
	for i, st := range pending {
		tmps[i] = st.tmp
	}
	if err := s.flush(tmps); err != nil {
		s.Discard(staged...)
		return fmt.Errorf("image store: sync: %w", noSpace(err))
	}
	dirs := make([]string, 0, len(pending))
	for _, st := range pending {
		dst := s.path(st.Hash)
		if err := os.MkdirAll(filepath.Dir(dst), 0o750); err != nil {
			s.Discard(staged...)
			return fmt.Errorf("image store: %w", noSpace(err))
		}
		if err := os.Rename(st.tmp, dst); err != nil {
			s.Discard(staged...)
			return fmt.Errorf("image store: %w", noSpace(err))
		}
		st.tmp = ""
		dirs = append(dirs, filepath.Dir(dst))
	}
	if err := s.flush(dirs); err != nil {
		return fmt.Errorf("image store: sync: %w", noSpace(err))
	}
	return nil
}

// syncEach fsyncs files or directories, many at once: concurrent fsyncs share the
// file system's journal commits.
func syncEach(paths []string) error {
	seen := map[string]bool{}
	errs := make([]error, len(paths))
	var wg sync.WaitGroup
	sem := make(chan struct{}, 32)
	for i, p := range paths {
		if seen[p] {
			continue
		}
		seen[p] = true
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			f, err := os.Open(p)
			if err == nil {
				err = f.Sync()
				f.Close()
			}
			errs[i] = err
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// Discard removes staged files that will not be committed.
func (s *Store) Discard(staged ...*Staged) {
	for _, st := range staged {
		if st.tmp != "" {
			os.Remove(st.tmp)
			st.tmp = ""
		}
	}
}

// Open returns the stored file; ErrNotFound if there is none.
func (s *Store) Open(ctx context.Context, h string) (io.ReadSeekCloser, error) {
	if !ValidHash(h) {
		return nil, ErrNotFound
	}
	f, err := os.Open(s.path(h))
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, ErrNotFound
	case err != nil:
		return nil, fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	return f, nil
}
