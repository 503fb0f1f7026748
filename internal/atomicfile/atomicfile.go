// Package atomicfile writes a file so that a reader, or the next run after a crash or
// a power cut, sees the old content or the new one, never half of it: a temporary file
// in the same folder, fsync, rename, fsync of the folder.
package atomicfile

import (
	"os"
	"path/filepath"
)

// Write replaces path with data, readable by perm.
func Write(path string, data []byte, perm os.FileMode) error {
	dir := filepath.Dir(path)
	// A leading dot keeps half-written files out of folder listings (hot folders,
	// spools) that skip hidden names.
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Chmod(tmp.Name(), perm); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
	return nil
}
