package main

import (
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"tarazy/worker"
)

// workerProgress shows a batch's counters: a live line on a terminal, a line every
// few seconds otherwise (a log file or a service journal).
type workerProgress struct {
	env  *Env
	mu   sync.Mutex
	bar  *progressbar.ProgressBar
	last time.Time
	st   worker.Stats
}

func newWorkerProgress(env *Env) *workerProgress {
	p := &workerProgress{env: env}
	if f, ok := env.Stderr.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		p.bar = progressbar.NewOptions(-1,
			progressbar.OptionSetWriter(env.Stderr),
			progressbar.OptionSpinnerType(14),
			progressbar.OptionThrottle(200*time.Millisecond),
			progressbar.OptionClearOnFinish(),
		)
	}
	return p
}

func describe(st worker.Stats) string {
	return fmt.Sprintf("seen %d · read %d · review %d · rejected %d · delivered %d · waiting %d · %.1f pages/s",
		st.Seen, st.Pages, st.Review, st.Rejected, st.Delivered, st.Pending, st.PagesPerSecond())
}

func (p *workerProgress) update(st worker.Stats) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.st = st
	if p.bar != nil {
		p.bar.Describe(describe(st))
		p.bar.Add(0)
		return
	}
	if time.Since(p.last) >= 5*time.Second {
		p.last = time.Now()
		fmt.Fprintln(p.env.Stderr, describe(st))
	}
}

func (p *workerProgress) finish() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.bar != nil {
		p.bar.Finish()
	}
}
