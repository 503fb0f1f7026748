// Package filestore keeps the intake desk's records in one JSON file under a data
// folder, so the CLI keeps its work between calls before the SQL store exists.
//
// Safety: every operation takes an exclusive lock on a lock file (flock), reads the
// file, changes it, and writes it back atomically (a temporary file, fsync, rename,
// fsync of the folder), keeping the previous version as intake.json.bak. Two processes
// never interleave, a crash leaves either the old or the new file, and the version
// check of the Repository turns a stale read into ErrConflict instead of a lost update.
package filestore

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"

	"tarazy/intake"
	"tarazy/intake/memstore"
)

// FileName is the data file inside the data folder.
const FileName = "intake.json"

// format marks the file so a future layout can be told apart.
const format = "tarazy-intake/1"

type file struct {
	Format string `json:"format"`
	memstore.State
}

// Store is an intake.Repository in a JSON file.
type Store struct {
	dir  string
	path string
}

var _ intake.Repository = (*Store)(nil)

// Open uses dir as the data folder, creating it when missing, and checks that an
// existing data file can be read.
func Open(dir string) (*Store, error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("data folder %s: %w", dir, err)
	}
	s := &Store{dir: dir, path: filepath.Join(dir, FileName)}
	err := s.with(context.Background(), false, func(*memstore.State) error { return nil })
	if err != nil {
		return nil, err
	}
	return s, nil
}

// Path is the data file.
func (s *Store) Path() string { return s.path }

// ErrDamaged means the data file cannot be read as the desk's records.
var ErrDamaged = errors.New("the intake data file is damaged")

func (s *Store) with(ctx context.Context, write bool, f func(*memstore.State) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	lock, err := os.OpenFile(filepath.Join(s.dir, FileName+".lock"), os.O_CREATE|os.O_RDWR, 0o640)
	if err != nil {
		return fmt.Errorf("lock %s: %w", s.dir, err)
	}
	defer lock.Close()
	how := syscall.LOCK_SH
	if write {
		how = syscall.LOCK_EX
	}
	if err := syscall.Flock(int(lock.Fd()), how); err != nil {
		return fmt.Errorf("lock %s: %w", s.dir, err)
	}
	defer syscall.Flock(int(lock.Fd()), syscall.LOCK_UN)

	var st file
	data, err := os.ReadFile(s.path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return fmt.Errorf("read %s: %w", s.path, err)
	default:
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&st); err != nil {
			return fmt.Errorf("%s: %w (%v); nothing was changed. The previous version is %s.bak: compare the two, or restore it", s.path, ErrDamaged, err, FileName)
		}
		if st.Format != format {
			return fmt.Errorf("%s: %w: format %q, this tarazy reads %q", s.path, ErrDamaged, st.Format, format)
		}
	}
	if err := f(&st.State); err != nil {
		return err
	}
	if !write {
		return nil
	}
	st.Format = format
	return s.save(&st)
}

func (s *Store) save(st *file) error {
	data, err := json.MarshalIndent(st, "", " ")
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(s.dir, FileName+".tmp*")
	if err != nil {
		return fmt.Errorf("write %s: %w", s.path, err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(append(data, '\n')); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", s.path, err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", s.path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", s.path, err)
	}
	// Keep the version being replaced, for a person to compare or restore.
	bak := s.path + ".bak"
	if _, err := os.Stat(s.path); err == nil {
		_ = os.Remove(bak)
		if err := os.Link(s.path, bak); err != nil {
			return fmt.Errorf("keep %s: %w", bak, err)
		}
	}
	if err := os.Rename(tmp.Name(), s.path); err != nil {
		return fmt.Errorf("write %s: %w", s.path, err)
	}
	d, err := os.Open(s.dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// The write methods work on a copy and hand back the number and version only once
// the file is safely written, so a failed write leaves the caller's record as it was.

func (s *Store) CreateApplication(ctx context.Context, a *intake.Application, e intake.AuditEntry) error {
	cp := *a
	if err := s.with(ctx, true, func(st *memstore.State) error { return st.CreateApplication(&cp, e) }); err != nil {
		return err
	}
	*a = cp
	return nil
}

func (s *Store) Application(ctx context.Context, number string) (a *intake.Application, err error) {
	err = s.with(ctx, false, func(st *memstore.State) error { a, err = st.Application(number); return err })
	return a, err
}

func (s *Store) UpdateApplication(ctx context.Context, a *intake.Application, e intake.AuditEntry) error {
	cp := *a
	if err := s.with(ctx, true, func(st *memstore.State) error { return st.UpdateApplication(&cp, e) }); err != nil {
		return err
	}
	*a = cp
	return nil
}

func (s *Store) Applications(ctx context.Context, f intake.Filter) (out []*intake.Application, err error) {
	err = s.with(ctx, false, func(st *memstore.State) error { out = st.ApplicationsMatching(f); return nil })
	return out, err
}

func (s *Store) CreateComplaint(ctx context.Context, c *intake.Complaint, e intake.AuditEntry) error {
	cp := *c
	if err := s.with(ctx, true, func(st *memstore.State) error { return st.CreateComplaint(&cp, e) }); err != nil {
		return err
	}
	*c = cp
	return nil
}

func (s *Store) Complaint(ctx context.Context, number string) (c *intake.Complaint, err error) {
	err = s.with(ctx, false, func(st *memstore.State) error { c, err = st.Complaint(number); return err })
	return c, err
}

func (s *Store) UpdateComplaint(ctx context.Context, c *intake.Complaint, e intake.AuditEntry) error {
	cp := *c
	if err := s.with(ctx, true, func(st *memstore.State) error { return st.UpdateComplaint(&cp, e) }); err != nil {
		return err
	}
	*c = cp
	return nil
}

func (s *Store) Complaints(ctx context.Context) (out []*intake.Complaint, err error) {
	err = s.with(ctx, false, func(st *memstore.State) error { out = st.AllComplaints(); return nil })
	return out, err
}

func (s *Store) Audit(ctx context.Context, subject string) (out []intake.AuditEntry, err error) {
	err = s.with(ctx, false, func(st *memstore.State) error { out = st.AuditOf(subject); return nil })
	return out, err
}
