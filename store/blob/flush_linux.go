package blob

import (
	"os"

	"golang.org/x/sys/unix"
)

// flush makes the named files durable. On Linux one syncfs(2) of the store's file
// system does it for a whole batch: per-file fsyncs cost a journal commit each, which
// capped ingest below a thousand pages a second on a virtual disk.
func (s *Store) flush(paths []string) error {
	if len(paths) < 8 {
		return syncEach(paths)
	}
	d, err := os.Open(s.dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := unix.Syncfs(int(d.Fd())); err != nil {
		return syncEach(paths)
	}
	return nil
}
