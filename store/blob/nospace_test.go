package blob

import (
	"errors"
	"os"
	"syscall"
	"testing"
)

// A full disk is told apart from a bug, so the server can answer "try again later"
// (issue 12, item 11); other failures keep their own meaning.
func TestFullDiskIsErrNoSpace(t *testing.T) {
	for _, errno := range []syscall.Errno{syscall.ENOSPC, syscall.EDQUOT} {
		err := noSpace(&os.PathError{Op: "write", Path: "tmp/up-1", Err: errno})
		if !errors.Is(err, ErrNoSpace) || !errors.Is(err, errno) {
			t.Errorf("%v: %v is not ErrNoSpace", errno, err)
		}
	}
	if err := noSpace(&os.PathError{Op: "open", Path: "x", Err: syscall.EACCES}); errors.Is(err, ErrNoSpace) {
		t.Errorf("EACCES became %v", err)
	}
}
