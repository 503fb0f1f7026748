// Package blob is the content-addressed file store for scan images, review crops and
// protocol files: each file is named by the SHA-256 of its bytes, so storing the same
// bytes twice is a no-op and nothing stored is ever overwritten. Files are written to
// a temporary name, synced, then renamed, so a crash leaves either the whole file or
// none of it.
package blob

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
)

// ErrNotFound is returned by Open for a hash that is not stored.
var ErrNotFound = errors.New("no stored file has this SHA-256")

// ErrMismatch is returned by PutExpect when the bytes do not hash to the name given.
var ErrMismatch = errors.New("the file's SHA-256 is not the one announced; it was damaged in transit, send it again")

// ErrTooLarge is returned when a file exceeds the limit given to Put.
var ErrTooLarge = errors.New("file too large")

// Store keeps files under one directory.
type Store struct{ dir string }

// Open prepares dir (created if missing).
func Open(dir string) (*Store, error) {
	if err := os.MkdirAll(filepath.Join(dir, "tmp"), 0o750); err != nil {
		return nil, fmt.Errorf("image store %s: %w", dir, err)
	}
	return &Store{dir: dir}, nil
}

// Dir is the store's root.
func (s *Store) Dir() string { return s.dir }

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
func (s *Store) Has(h string) bool {
	if !ValidHash(h) {
		return false
	}
	_, err := os.Stat(s.path(h))
	return err == nil
}

// Put stores what r yields, up to max bytes (0: no limit), and returns its hash and
// size.
func (s *Store) Put(r io.Reader, max int64) (hash string, size int64, err error) {
	st, err := s.Stage(r, max, "")
	if err != nil {
		return "", 0, err
	}
	return st.Hash, st.Size, s.Commit(st)
}

// PutExpect is Put that fails with ErrMismatch unless the bytes hash to want.
func (s *Store) PutExpect(r io.Reader, max int64, want string) (size int64, err error) {
	st, err := s.Stage(r, max, want)
	if err != nil {
		return 0, err
	}
	return st.Size, s.Commit(st)
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
	tmp, err := os.CreateTemp(filepath.Join(s.dir, "tmp"), "up-*")
	if err != nil {
		return nil, fmt.Errorf("image store: %w", err)
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
		return nil, fmt.Errorf("image store: receive: %w", err)
	}
	if max > 0 && n > max {
		return nil, fmt.Errorf("%w: more than %d bytes", ErrTooLarge, max)
	}
	sum := hex.EncodeToString(h.Sum(nil))
	if want != "" && sum != want {
		return nil, fmt.Errorf("%w (announced %s, got %s)", ErrMismatch, want, sum)
	}
	if _, err := os.Stat(s.path(sum)); err == nil {
		return &Staged{Hash: sum, Size: n}, nil // same bytes already stored: nothing to do
	}
	ok = true
	return &Staged{Hash: sum, Size: n, tmp: tmp.Name()}, nil
}

// Commit makes staged files durable and puts them under their names. Until it
// returns nil, none of them may be relied on. The data is flushed before the renames
// and the renames after, so a power cut never leaves a damaged file under a good name.
func (s *Store) Commit(staged ...*Staged) error {
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
		return fmt.Errorf("image store: sync: %w", err)
	}
	dirs := make([]string, 0, len(pending))
	for _, st := range pending {
		dst := s.path(st.Hash)
		if err := os.MkdirAll(filepath.Dir(dst), 0o750); err != nil {
			s.Discard(staged...)
			return fmt.Errorf("image store: %w", err)
		}
		if err := os.Rename(st.tmp, dst); err != nil {
			s.Discard(staged...)
			return fmt.Errorf("image store: %w", err)
		}
		st.tmp = ""
		dirs = append(dirs, filepath.Dir(dst))
	}
	if err := s.flush(dirs); err != nil {
		return fmt.Errorf("image store: sync: %w", err)
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
func (s *Store) Open(h string) (*os.File, error) {
	if !ValidHash(h) {
		return nil, ErrNotFound
	}
	f, err := os.Open(s.path(h))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, ErrNotFound
	}
	return f, err
}
