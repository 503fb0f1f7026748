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
	return s.put(r, max, "")
}

// PutExpect is Put that fails with ErrMismatch unless the bytes hash to want.
func (s *Store) PutExpect(r io.Reader, max int64, want string) (size int64, err error) {
	_, size, err = s.put(r, max, want)
	return size, err
}

func (s *Store) put(r io.Reader, max int64, want string) (string, int64, error) {
	tmp, err := os.CreateTemp(filepath.Join(s.dir, "tmp"), "up-*")
	if err != nil {
		return "", 0, fmt.Errorf("image store: %w", err)
	}
	defer func() {
		tmp.Close()
		os.Remove(tmp.Name()) // no-op once renamed
	}()
	h := sha256.New()
	src := r
	if max > 0 {
		src = io.LimitReader(r, max+1)
	}
	n, err := io.Copy(io.MultiWriter(tmp, h), src)
	if err != nil {
		return "", 0, fmt.Errorf("image store: receive: %w", err)
	}
	if max > 0 && n > max {
		return "", 0, fmt.Errorf("%w: more than %d bytes", ErrTooLarge, max)
	}
	sum := hex.EncodeToString(h.Sum(nil))
	if want != "" && sum != want {
		return "", 0, fmt.Errorf("%w (announced %s, got %s)", ErrMismatch, want, sum)
	}
	dst := s.path(sum)
	if _, err := os.Stat(dst); err == nil {
		return sum, n, nil // same bytes already stored: nothing to do
	}
	if err := tmp.Sync(); err != nil {
		return "", 0, fmt.Errorf("image store: sync: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return "", 0, fmt.Errorf("image store: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o750); err != nil {
		return "", 0, fmt.Errorf("image store: %w", err)
	}
	if err := os.Rename(tmp.Name(), dst); err != nil {
		return "", 0, fmt.Errorf("image store: %w", err)
	}
	// The rename is durable only once its directory is synced.
	if d, err := os.Open(filepath.Dir(dst)); err == nil {
		d.Sync()
		d.Close()
	}
	return sum, n, nil
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
