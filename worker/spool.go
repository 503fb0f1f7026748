package worker

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"

	"tarazy/internal/atomicfile"
	"tarazy/omr/reading"
)

// Spool is the worker's durable queue on local disk. A page is written to it before its
// file leaves the hot folder and removed only after the sink has acknowledged it, so a
// crash, a reboot or a dead server between the two loses nothing.
//
//	items/<image sha>.json   one page waiting for delivery (reading, crops, batch)
//	blobs/<image sha>        its image bytes
//	failed/<image sha>.json  pages the sink refused for good, with a .why.txt
//	reading/<file sha>.json  a file being read right now (see Begin)
//	files.log                SHA-256 of every file whose pages are all spooled, or that
//	                         was quarantined for stopping the reader ("sha ! name")
//	crash.txt                the Go runtime's report if this run dies of a crash
type Spool struct {
	dir string

	mu          sync.Mutex
	pending     map[string]time.Time // key → spooled at
	files       map[string]bool
	quarantined map[string]bool
	log         *os.File
	lock        *os.File // held (flock) while the spool is open: one worker per spool
	crash       *os.File
	// crashed is the report the previous run left when it died of a crash (an abort in
	// a decoder, a runtime fault) rather than a kill; "" otherwise.
	crashed string
}

// InProgress is a file that was being read when the worker stopped without finishing
// it (see Spool.Begin).
type InProgress struct {
	SHA256   string    `json:"sha256"`
	Path     string    `json:"path"`
	Attempts int       `json:"attempts"` // reads begun, this one included
	Started  time.Time `json:"started"`
}

type spoolItem struct {
	Batch       Batch              `json:"batch"`
	Reading     reading.Reading    `json:"reading"`
	ImageSHA256 string             `json:"image_sha256"`
	ImageType   string             `json:"image_type"`
	Crops       map[string][]byte  `json:"crops,omitempty"`
	Confidence  map[string]float64 `json:"confidence,omitempty"`
	Reasons     map[string]string  `json:"reasons,omitempty"`
	ReadSeconds float64            `json:"read_seconds,omitempty"`
	Spooled     time.Time          `json:"spooled"`
}

// OpenSpool opens or creates a spool folder and resumes what it holds.
func OpenSpool(dir string) (*Spool, error) {
	for _, d := range []string{"items", "blobs", "failed", "reading"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			return nil, fmt.Errorf("spool %s: %w", dir, err)
		}
	}
	lock, err := os.OpenFile(filepath.Join(dir, "lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("spool %s: %w", dir, err)
	}
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		lock.Close()
		return nil, fmt.Errorf("spool %s is in use by another tarazy worker; give each worker its own --spool: %w", dir, err)
	}
	s := &Spool{dir: dir, pending: map[string]time.Time{}, files: map[string]bool{}, quarantined: map[string]bool{}, lock: lock}
	ok := false
	defer func() {
		if !ok {
			lock.Close()
		}
	}()
	entries, err := os.ReadDir(filepath.Join(dir, "items"))
	if err != nil {
		return nil, fmt.Errorf("spool %s: %w", dir, err)
	}
	for _, e := range entries {
		name := e.Name()
		if strings.HasPrefix(name, ".") {
			// A temporary file from a write that never finished: the page it held was
			// not acknowledged to anyone, and its file is still in the hot folder.
			_ = os.Remove(filepath.Join(dir, "items", name))
			continue
		}
		if !strings.HasSuffix(name, ".json") {
			continue
		}
		info, err := e.Info()
		if err != nil {
			continue
		}
		s.pending[strings.TrimSuffix(name, ".json")] = info.ModTime()
	}
	if err := s.loadFiles(); err != nil {
		return nil, err
	}
	s.log, err = os.OpenFile(filepath.Join(dir, "files.log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return nil, fmt.Errorf("spool %s: %w", dir, err)
	}
	s.collectBlobs()
	if err := s.watchCrash(); err != nil {
		s.log.Close()
		return nil, err
	}
	ok = true
	return s, nil
}

// watchCrash keeps the previous run's crash report, if it left one, and asks the Go
// runtime to write this run's there: a run killed from outside (SIGKILL, a power cut)
// leaves none, a decoder that aborts the process (SIGABRT) or a fault does.
func (s *Spool) watchCrash() error {
	path := filepath.Join(s.dir, "crash.txt")
	if b, err := os.ReadFile(path); err == nil && len(b) > 0 {
		s.crashed = string(b)
		_ = os.Rename(path, filepath.Join(s.dir, "crash-"+time.Now().Format("20060102-150405")+".txt"))
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o644)
	if err != nil {
		return fmt.Errorf("spool %s: %w", s.dir, err)
	}
	if err := debug.SetCrashOutput(f, debug.CrashOptions{}); err != nil {
		f.Close()
		return fmt.Errorf("spool %s: %w", s.dir, err)
	}
	s.crash = f
	return nil
}

// PreviousRunCrashed returns the crash report of the previous run on this spool, or
// "" when it ended normally or was killed from outside.
func (s *Spool) PreviousRunCrashed() string { return s.crashed }

// Begin records, durably, that the file with this content is about to be read from
// path. If the process dies before End, the next run finds it in Interrupted: a file
// that kills the reader cannot kill the worker on every restart.
func (s *Spool) Begin(sha, path string) error {
	p := filepath.Join(s.dir, "reading", sha+".json")
	ip := InProgress{SHA256: sha, Path: path, Attempts: 1, Started: time.Now()}
	if b, err := os.ReadFile(p); err == nil {
		var prev InProgress
		if json.Unmarshal(b, &prev) == nil {
			ip.Attempts = prev.Attempts + 1
		}
	}
	data, err := json.Marshal(ip)
	if err != nil {
		return err
	}
	return writeFileAtomic(p, data)
}

// End forgets a file recorded by Begin.
func (s *Spool) End(sha string) {
	_ = os.Remove(filepath.Join(s.dir, "reading", sha+".json"))
}

// Interrupted lists the files that were being read when a previous run stopped.
func (s *Spool) Interrupted() []InProgress {
	entries, err := os.ReadDir(filepath.Join(s.dir, "reading"))
	if err != nil {
		return nil
	}
	var out []InProgress
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") || !strings.HasSuffix(e.Name(), ".json") {
			continue
		}
		b, err := os.ReadFile(filepath.Join(s.dir, "reading", e.Name()))
		var ip InProgress
		if err != nil || json.Unmarshal(b, &ip) != nil || len(ip.SHA256) != 64 {
			_ = os.Remove(filepath.Join(s.dir, "reading", e.Name()))
			continue
		}
		out = append(out, ip)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Started.Before(out[j].Started) })
	return out
}

func (s *Spool) loadFiles() error {
	f, err := os.Open(filepath.Join(s.dir, "files.log"))
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("spool journal: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		// A torn last line (crash mid-append) is shorter than a hash and is ignored:
		// that file is simply read again.
		if sha, rest, ok := strings.Cut(sc.Text(), " "); ok && len(sha) == 64 {
			s.files[sha] = true
			if strings.HasPrefix(rest, "! ") {
				s.quarantined[sha] = true
			}
		}
	}
	return sc.Err()
}

// collectBlobs removes images no pending page refers to (left by a crash between
// acknowledging a page and deleting its image).
func (s *Spool) collectBlobs() {
	entries, err := os.ReadDir(filepath.Join(s.dir, "blobs"))
	if err != nil {
		return
	}
	for _, e := range entries {
		if _, ok := s.pending[e.Name()]; !ok {
			_ = os.Remove(filepath.Join(s.dir, "blobs", e.Name()))
		}
	}
}

// Close releases the journal and the spool's lock; a run that ends here did not crash.
func (s *Spool) Close() error {
	err := s.log.Close()
	if s.crash != nil {
		_ = debug.SetCrashOutput(nil, debug.CrashOptions{})
		s.crash.Close()
		_ = os.Remove(s.crash.Name())
	}
	s.lock.Close()
	return err
}

// Len is the number of pages waiting for delivery.
func (s *Spool) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.pending)
}

// Pending lists waiting pages, oldest first.
func (s *Spool) Pending() []string {
	s.mu.Lock()
	keys := make([]string, 0, len(s.pending))
	for k := range s.pending {
		keys = append(keys, k)
	}
	at := make(map[string]time.Time, len(keys))
	for _, k := range keys {
		at[k] = s.pending[k]
	}
	s.mu.Unlock()
	sort.Slice(keys, func(i, j int) bool {
		if !at[keys[i]].Equal(at[keys[j]]) {
			return at[keys[i]].Before(at[keys[j]])
		}
		return keys[i] < keys[j]
	})
	return keys
}

// Put stores a page durably and reports whether it was new. Putting the same image
// again replaces nothing of value: the key is the image's hash.
func (s *Spool) Put(b Batch, p *Page) (bool, error) {
	key := p.ImageSHA256
	if len(key) != 64 {
		return false, fmt.Errorf("spool: page has no image hash")
	}
	if err := writeFileAtomic(filepath.Join(s.dir, "blobs", key), p.Image); err != nil {
		return false, fmt.Errorf("spool image: %w", err)
	}
	now := time.Now()
	item := spoolItem{Batch: b, Reading: p.Reading, ImageSHA256: key, ImageType: p.ImageType,
		Crops: p.Crops, Confidence: p.Confidence, Reasons: p.Reasons, ReadSeconds: p.ReadSeconds, Spooled: now}
	data, err := json.Marshal(item)
	if err != nil {
		return false, fmt.Errorf("spool page: %w", err)
	}
	if err := writeFileAtomic(filepath.Join(s.dir, "items", key+".json"), data); err != nil {
		return false, fmt.Errorf("spool page: %w", err)
	}
	s.mu.Lock()
	_, had := s.pending[key]
	if !had {
		s.pending[key] = now
	}
	s.mu.Unlock()
	return !had, nil
}

// Load reads a waiting page back.
func (s *Spool) Load(key string) (*Page, Batch, error) {
	data, err := os.ReadFile(filepath.Join(s.dir, "items", key+".json"))
	if err != nil {
		return nil, Batch{}, err
	}
	var it spoolItem
	if err := json.Unmarshal(data, &it); err != nil {
		return nil, Batch{}, err
	}
	img, err := os.ReadFile(filepath.Join(s.dir, "blobs", key))
	if err != nil {
		return nil, Batch{}, err
	}
	return &Page{Reading: it.Reading, ImageSHA256: it.ImageSHA256, Image: img, ImageType: it.ImageType,
		Crops: it.Crops, Confidence: it.Confidence, Reasons: it.Reasons, ReadSeconds: it.ReadSeconds}, it.Batch, nil
}

// Done forgets a delivered page.
func (s *Spool) Done(key string) error {
	if err := os.Remove(filepath.Join(s.dir, "items", key+".json")); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	_ = os.Remove(filepath.Join(s.dir, "blobs", key))
	s.mu.Lock()
	delete(s.pending, key)
	s.mu.Unlock()
	return nil
}

// SetAside moves a page the sink refused for good to failed/, with the reason beside it.
func (s *Spool) SetAside(key, why string) {
	src := filepath.Join(s.dir, "items", key+".json")
	dst := filepath.Join(s.dir, "failed", key+".json")
	_ = os.Rename(src, dst)
	_ = os.Rename(filepath.Join(s.dir, "blobs", key), filepath.Join(s.dir, "failed", key+".image"))
	_ = os.WriteFile(filepath.Join(s.dir, "failed", key+".why.txt"), []byte(why+"\n"), 0o644)
	s.mu.Lock()
	delete(s.pending, key)
	s.mu.Unlock()
}

// FileDone reports whether a file with this content was already read and spooled.
func (s *Spool) FileDone(sha string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.files[sha]
}

// MarkFileDone records that every page of a file is spooled.
func (s *Spool) MarkFileDone(sha, name string) error { return s.markFile(sha, name, false) }

// MarkFileQuarantined records that a file was set aside for stopping the reader: it is
// never read again, whichever source gives it.
func (s *Spool) MarkFileQuarantined(sha, name string) error { return s.markFile(sha, name, true) }

// FileQuarantined reports whether a file with this content was set aside for stopping
// the reader.
func (s *Spool) FileQuarantined(sha string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.quarantined[sha]
}

func (s *Spool) markFile(sha, name string, quarantined bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.files[sha] {
		return nil
	}
	name = strings.ReplaceAll(name, "\n", " ")
	if quarantined {
		name = "! " + name
	}
	if _, err := fmt.Fprintf(s.log, "%s %s\n", sha, name); err != nil {
		return err
	}
	if err := s.log.Sync(); err != nil {
		return err
	}
	s.files[sha] = true
	s.quarantined[sha] = quarantined
	return nil
}

// writeFileAtomic writes so that a crash leaves the old content or the new, never half.
func writeFileAtomic(path string, data []byte) error { return atomicfile.Write(path, data, 0o644) }

// moveFile renames, falling back to copy and delete across file systems.
func moveFile(src, dst string) error {
	if err := os.Rename(src, dst); err == nil {
		return nil
	}
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	data, err := io.ReadAll(in)
	if err != nil {
		return err
	}
	if err := writeFileAtomic(dst, data); err != nil {
		return err
	}
	return os.Remove(src)
}

// uniquePath adds -2, -3 … before the extension until the name is free, so a second
// file called page0001.tif never replaces the first one in quarantine.
func uniquePath(path string) string {
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		return path
	}
	ext := filepath.Ext(path)
	base := strings.TrimSuffix(path, ext)
	for i := 2; ; i++ {
		p := fmt.Sprintf("%s-%d%s", base, i, ext)
		if _, err := os.Stat(p); errors.Is(err, os.ErrNotExist) {
			return p
		}
	}
}
