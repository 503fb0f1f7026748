package validation

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"tarazy/calibration"
	"tarazy/omr"
	"tarazy/omr/reading"
)

// The reader runs in child processes (this test binary, re-executed), because a reader
// that crashes in OpenCV takes its process with it: a child that dies costs the file
// it was reading, which is counted as a crash, and a new child goes on with the rest.

const (
	childEnv       = "TARAZY_VALIDATION_CHILD"        // "read" or "calibrate"
	childProfile   = "TARAZY_VALIDATION_PROFILE_FILE" // profile to read with, or to write
	childMemoryEnv = "TARAZY_VALIDATION_MEMORY"       // address-space limit, bytes
)

// childResult is one file's readings as a child reports them.
type childResult struct {
	I     int               `json:"i"`
	Pages []reading.Reading `json:"pages"`
	Panic string            `json:"panic,omitempty"`
	Err   string            `json:"err,omitempty"`
}

// readerChild is the child's main: read the files named on stdin, one JSON line each.
func readerChild() int {
	if lim := os.Getenv(childMemoryEnv); lim != "" {
		var n uint64
		fmt.Sscan(lim, &n)
		// A reader that trusts a lying header must fail here, not take the machine.
		syscall.Setrlimit(syscall.RLIMIT_AS, &syscall.Rlimit{Cur: n, Max: n})
	}
	var paths []string
	sc := bufio.NewScanner(os.Stdin)
	for sc.Scan() {
		if s := strings.TrimSpace(sc.Text()); s != "" {
			paths = append(paths, s)
		}
	}
	ctx := context.Background()
	if os.Getenv(childEnv) == "calibrate" {
		return calibrateChild(ctx, paths)
	}
	opt := omr.Options{}
	if pf := os.Getenv(childProfile); pf != "" {
		p, err := calibration.Load(pf)
		if err != nil {
			fmt.Fprintln(os.Stderr, "load profile:", err)
			return 3
		}
		opt.Profile = p
	}
	r, err := omr.NewReader(opt)
	if err != nil {
		fmt.Fprintln(os.Stderr, "reader:", err)
		return 3
	}
	enc := json.NewEncoder(os.Stdout)
	for i, p := range paths {
		res := childResult{I: i}
		func() {
			defer func() {
				if v := recover(); v != nil {
					res.Panic = fmt.Sprint(v)
				}
			}()
			pages, err := r.ReadFile(ctx, p)
			if err != nil {
				res.Err = err.Error()
			}
			for _, pg := range pages {
				res.Pages = append(res.Pages, pg.Reading)
			}
		}()
		if err := enc.Encode(res); err != nil {
			return 4
		}
	}
	return 0
}

// calibrateChild learns a profile from the files as `tarazy scan` does from a batch:
// read with the default thresholds, fit to the bubbles of every readable page, and keep
// the default when the batch teaches nothing.
func calibrateChild(ctx context.Context, paths []string) int {
	r, err := omr.NewReader(omr.Options{})
	if err != nil {
		fmt.Fprintln(os.Stderr, "reader:", err)
		return 3
	}
	var samples []calibration.Sample
	pages := 0
	for _, p := range paths {
		ps, err := r.ReadFile(ctx, p)
		if err != nil {
			fmt.Fprintln(os.Stderr, "calibrate:", err)
			return 3
		}
		for _, pg := range ps {
			if pg.Reading.Status != reading.StatusRejected {
				samples = append(samples, pg.Samples...)
				pages++
			}
		}
	}
	prof, err := calibration.Fit("validation batch", pages, samples)
	if err != nil {
		fmt.Printf("calibration: %v; the default thresholds stay\n", err)
		prof = calibration.Default()
	} else {
		fmt.Printf("calibration from %d pages: blank ≤ %.3f, marked ≥ %.3f (default %.3f / %.3f)\n",
			pages, prof.BlankMax, prof.MarkMin, calibration.Default().BlankMax, calibration.Default().MarkMin)
	}
	f, err := os.Create(os.Getenv(childProfile))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 3
	}
	if err := prof.Write(f); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 3
	}
	if err := f.Close(); err != nil {
		return 3
	}
	return 0
}

// readerRun is how the parent drives children.
type readerRun struct {
	env     []string
	timeout time.Duration // per file, before a child counts as hung
	memory  uint64
}

// fileResult is one file's fate: its readings, or how reading it failed.
type fileResult struct {
	pages []reading.Reading
	crash string
}

// readAll reads the files on workers children at once and returns a result per file.
func (rr readerRun) readAll(paths []string, workers int) []fileResult {
	out := make([]fileResult, len(paths))
	var wg sync.WaitGroup
	for w := 0; w < max(1, workers); w++ {
		var mine []int
		for i := w; i < len(paths); i += max(1, workers) {
			mine = append(mine, i)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			rr.readSome(paths, mine, out)
		}()
	}
	wg.Wait()
	return out
}

// readSome reads the files at idx in one child after another: when a child dies or
// hangs, the file it was on is a crash and a new child takes the rest.
func (rr readerRun) readSome(paths []string, idx []int, out []fileResult) {
	for len(idx) > 0 {
		k := 0
		done, why := rr.child("read", paths, idx, func(line []byte) bool {
			var res childResult
			if json.Unmarshal(line, &res) != nil {
				return false // not ours: a library printing to standard output
			}
			switch {
			case res.Panic != "":
				out[idx[k]] = fileResult{crash: "panic: " + res.Panic}
			case res.Err != "":
				out[idx[k]] = fileResult{crash: "error: " + res.Err}
			default:
				out[idx[k]] = fileResult{pages: res.Pages}
			}
			k++
			return true
		})
		if done >= len(idx) {
			return
		}
		out[idx[done]] = fileResult{crash: why}
		idx = idx[done+1:]
	}
}

// child runs one child over the files at idx, handing each line it prints to line
// (which says whether the line finished a file), and returns how many files it
// finished and, when it stopped early, why. A calibrating child finishes all of them
// or none.
func (rr readerRun) child(mode string, paths []string, idx []int, line func([]byte) bool) (int, string) {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(append(os.Environ(), childEnv+"="+mode, fmt.Sprintf("%s=%d", childMemoryEnv, rr.memory)), rr.env...)
	var in bytes.Buffer
	for _, i := range idx {
		fmt.Fprintln(&in, paths[i])
	}
	cmd.Stdin = &in
	var stderr tailBuffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return 0, err.Error()
	}
	if err := cmd.Start(); err != nil {
		return 0, err.Error()
	}
	lines := make(chan []byte)
	go func() {
		sc := bufio.NewScanner(stdout)
		sc.Buffer(make([]byte, 0, 1<<20), 64<<20)
		for sc.Scan() {
			lines <- append([]byte(nil), sc.Bytes()...)
		}
		close(lines)
	}()
	done := 0
	hung := false
	limit := rr.timeout
	if mode == "calibrate" {
		limit *= time.Duration(max(1, len(idx)/4)) // it prints only at the end
	}
	timer := time.NewTimer(limit)
	defer timer.Stop()
loop:
	for {
		select {
		case b, ok := <-lines:
			if !ok {
				break loop
			}
			if line(b) {
				done++
			}
			timer.Reset(limit)
		case <-timer.C:
			hung = true
			cmd.Process.Kill()
			for range lines {
			}
			break loop
		}
	}
	err = cmd.Wait()
	if done >= len(idx) || (mode != "read" && err == nil) {
		return len(idx), ""
	}
	why := "the reader's process ended"
	switch {
	case hung:
		why = fmt.Sprintf("no answer in %s (hung)", limit)
	case err != nil:
		why = err.Error()
		if ee, ok := err.(*exec.ExitError); ok {
			if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
				why = "killed by " + ws.Signal().String()
			}
		}
	}
	if tail := stderr.last(); tail != "" {
		why += ": " + tail
	}
	return done, why
}

// tailBuffer keeps the start of a child's standard error (where a Go panic, a
// signal or a C++ exception says what happened) and its last lines.
type tailBuffer struct {
	mu   sync.Mutex
	head []byte
	tail []byte
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if room := 16384 - len(t.head); room > 0 {
		t.head = append(t.head, p[:min(room, len(p))]...)
	}
	t.tail = append(t.tail, p...)
	if len(t.tail) > 4096 {
		t.tail = t.tail[len(t.tail)-4096:]
	}
	return len(p), nil
}

// last says in one line what the child said about its end: the first line naming a
// panic, a signal, a fatal error or an exception, else its last line.
func (t *tailBuffer) last() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	s := ""
	for _, l := range strings.Split(string(t.head), "\n") {
		for _, key := range []string{"panic:", "SIG", "fatal error", "terminate called", "what():", "runtime: out of memory", "Error:"} {
			if strings.Contains(l, key) && s == "" {
				s = strings.TrimSpace(l)
			}
		}
	}
	if s == "" {
		lines := strings.Split(strings.TrimSpace(string(t.tail)), "\n")
		s = strings.TrimSpace(lines[len(lines)-1])
	}
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}

// calibrate learns a batch profile in a child and returns the file it is in.
func (rr readerRun) calibrate(dir string, paths []string) (string, string, error) {
	pf := filepath.Join(dir, "batch-profile.json")
	run := rr
	run.env = append(append([]string(nil), rr.env...), childProfile+"="+pf)
	var summary string
	idx := make([]int, len(paths))
	for i := range idx {
		idx[i] = i
	}
	done, why := run.child("calibrate", paths, idx, func(b []byte) bool { summary += string(b); return false })
	if done < len(paths) {
		return "", "", fmt.Errorf("calibration child failed: %s", why)
	}
	return pf, summary, nil
}
