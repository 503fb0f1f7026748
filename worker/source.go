package worker

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/fsnotify/fsnotify"

	"tarazy/omr/scanfile"
)

// Source gives the files of a batch. The files channel closes when the source is
// exhausted (never, for a hot folder, until ctx ends); the error channel then yields
// one value (nil on a clean end) and closes.
type Source interface {
	Files(ctx context.Context) (<-chan string, <-chan error)
}

// Scannable reports whether a file name looks like a scan the reader takes (the
// reader's own list: omr/scanfile, pure Go). Editors' and scanners' temporary files
// are not.
func Scannable(name string) bool { return scanfile.Scannable(name) }

// Paths is a list of files and folders given once. Folders are walked recursively;
// files inside them are taken in name order (the scanner's page order).
type Paths []string

func (ps Paths) Files(ctx context.Context) (<-chan string, <-chan error) {
	out := make(chan string)
	errc := make(chan error, 1)
	go func() {
		defer close(errc)
		defer close(out)
		for _, p := range ps {
			files, _, err := listScans(p)
			if err != nil {
				errc <- err
				return
			}
			for _, f := range files {
				select {
				case out <- f:
				case <-ctx.Done():
					errc <- ctx.Err()
					return
				}
			}
		}
		errc <- nil
	}()
	return out, errc
}

// ListScans lists the scans to read: a file as given (named explicitly, the reader
// judges it), and the scans inside a folder, recursively, in name order. A path that
// does not exist is an error before anything is read. skipped names the files inside
// folders that were left out because they are not scans.
func ListScans(paths ...string) (files, skipped []string, err error) {
	for _, p := range paths {
		f, sk, err := listScans(p)
		if err != nil {
			return nil, nil, err
		}
		files = append(files, f...)
		skipped = append(skipped, sk...)
	}
	return files, skipped, nil
}

func listScans(p string) (files, skipped []string, err error) {
	info, err := os.Stat(p)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", p, err)
	}
	if !info.IsDir() {
		return []string{p}, nil, nil // named explicitly: let the reader judge it
	}
	err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && path != p && strings.HasPrefix(d.Name(), ".") {
			return filepath.SkipDir
		}
		switch {
		case d.IsDir():
		case Scannable(path):
			files = append(files, path)
		case !strings.HasPrefix(d.Name(), "."):
			skipped = append(skipped, path) // said aloud: a scan saved as .bmp must not vanish
		}
		return nil
	})
	sort.Strings(files)
	sort.Strings(skipped)
	return files, skipped, err
}

// HotFolder watches a folder the scanner's software writes into. A file is taken only
// once it is complete: its size and modification time have not changed for Settle and
// it is not empty. Events can be missed (network shares, bursts), so the folder is also
// rescanned every Poll. Subfolders are not watched: the worker moves processed and
// rejected files into subfolders of its own.
type HotFolder struct {
	Dir    string
	Settle time.Duration // default 1s
	Poll   time.Duration // default 5s
}

type fileState struct {
	size    int64
	mod     time.Time
	stable  time.Time // when size and mtime were last seen to change
	emitted bool
}

func (h HotFolder) Files(ctx context.Context) (<-chan string, <-chan error) {
	out := make(chan string)
	errc := make(chan error, 1)
	settle, poll := h.Settle, h.Poll
	if settle <= 0 {
		settle = time.Second
	}
	if poll <= 0 {
		poll = 5 * time.Second
	}
	go func() {
		defer close(errc)
		defer close(out)
		w, err := fsnotify.NewWatcher()
		if err != nil {
			errc <- fmt.Errorf("watch %s: %w", h.Dir, err)
			return
		}
		defer w.Close()
		if err := w.Add(h.Dir); err != nil {
			errc <- fmt.Errorf("watch %s: %w", h.Dir, err)
			return
		}
		seen := map[string]*fileState{}
		check := time.NewTicker(settle / 4)
		defer check.Stop()
		rescan := time.NewTicker(poll)
		defer rescan.Stop()
		note := func(path string) {
			if !Scannable(path) {
				return
			}
			if _, ok := seen[path]; !ok {
				seen[path] = &fileState{stable: time.Now(), size: -1}
			}
		}
		scan := func() {
			entries, err := os.ReadDir(h.Dir)
			if err != nil {
				return
			}
			for _, e := range entries {
				if !e.IsDir() {
					note(filepath.Join(h.Dir, e.Name()))
				}
			}
		}
		scan()
		for {
			select {
			case <-ctx.Done():
				errc <- ctx.Err()
				return
			case ev, ok := <-w.Events:
				if !ok {
					errc <- errors.New("the folder watcher stopped")
					return
				}
				if ev.Op&(fsnotify.Create|fsnotify.Write) != 0 {
					note(ev.Name)
					if st := seen[ev.Name]; st != nil {
						st.stable = time.Now()
					}
				}
			case err, ok := <-w.Errors:
				if !ok {
					errc <- errors.New("the folder watcher stopped")
					return
				}
				_ = err // an overflow loses events; the rescan below recovers them
				scan()
			case <-rescan.C:
				scan()
			case now := <-check.C:
				for path, st := range seen {
					info, err := os.Stat(path)
					if err != nil {
						delete(seen, path) // moved away (by us) or deleted
						continue
					}
					if st.emitted {
						continue
					}
					if info.Size() != st.size || !info.ModTime().Equal(st.mod) {
						st.size, st.mod, st.stable = info.Size(), info.ModTime(), now
						continue
					}
					if info.Size() == 0 || now.Sub(st.stable) < settle {
						continue
					}
					st.emitted = true
					select {
					case out <- path:
					case <-ctx.Done():
						errc <- ctx.Err()
						return
					}
				}
			}
		}
	}()
	return out, errc
}

// SANE drives a scanner directly with scanimage (Debian's sane-utils) in batch mode,
// one file per page in Dir, and gives each page as soon as scanimage reports it written.
type SANE struct {
	Device     string
	Dir        string
	Resolution int    // dpi; default 300
	Mode       string // default "Gray"
	Source     string // e.g. "ADF", "ADF Duplex"; empty keeps the device default
	Command    string // default "scanimage"; tests point it at a fake
}

// Args is the scanimage command line, exposed so the operator can see what runs.
func (s SANE) Args() []string {
	res, mode := s.Resolution, s.Mode
	if res <= 0 {
		res = 300
	}
	if mode == "" {
		mode = "Gray"
	}
	stamp := time.Now().Format("20060102-150405")
	args := []string{
		"--device-name=" + s.Device,
		"--batch=" + filepath.Join(s.Dir, "scan-"+stamp+"-%04d.tif"),
		"--batch-print",
		"--format=tiff",
		fmt.Sprintf("--resolution=%d", res),
		"--mode=" + mode,
	}
	if s.Source != "" {
		args = append(args, "--source="+s.Source)
	}
	return args
}

func (s SANE) Files(ctx context.Context) (<-chan string, <-chan error) {
	out := make(chan string)
	errc := make(chan error, 1)
	go func() {
		defer close(errc)
		defer close(out)
		if err := os.MkdirAll(s.Dir, 0o755); err != nil {
			errc <- err
			return
		}
		name := s.Command
		if name == "" {
			name = "scanimage"
		}
		cmd := exec.CommandContext(ctx, name, s.Args()...)
		var stderr strings.Builder
		cmd.Stderr = &stderr
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			errc <- err
			return
		}
		if err := cmd.Start(); err != nil {
			errc <- fmt.Errorf("start %s (install Debian's sane-utils): %w", name, err)
			return
		}
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			path := strings.TrimSpace(sc.Text())
			if path == "" {
				continue
			}
			select {
			case out <- path:
			case <-ctx.Done():
			}
		}
		err = cmd.Wait()
		msg := strings.TrimSpace(stderr.String())
		switch {
		case ctx.Err() != nil:
			errc <- ctx.Err()
		case err != nil && !strings.Contains(msg, "out of documents") && !strings.Contains(msg, "Document feeder out"):
			errc <- fmt.Errorf("scanimage: %v: %s", err, msg)
		default:
			errc <- nil // an empty feeder is how a batch ends
		}
	}()
	return out, errc
}
