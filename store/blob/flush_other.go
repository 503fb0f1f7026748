//go:build !linux

package blob

// flush makes the named files durable.
func (s *Store) flush(paths []string) error { return syncEach(paths) }
