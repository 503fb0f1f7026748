package server

import (
	"context"
	"io"
	"log/slog"
	"net"
	"path/filepath"

	"github.com/prometheus/client_golang/prometheus"

	"tarazy/store"
	"tarazy/store/blob"
)

// Running is a server answering on a listener of its own, until Stop.
type Running struct {
	*Server
	URL      string // http://host:port
	Registry *prometheus.Registry
	stop     context.CancelFunc
	stopped  chan struct{}
	err      error
}

// Start is the one way tarazy starts a server in-process — the demo, `tarazy load`
// and every test: it builds a server over st and blobs with cfg, a registry of its
// own and log (nil: discarded), lets setup add other areas' routes (the intake desk),
// and serves on cfg.Addr ("127.0.0.1:0": a free loopback port) until Stop.
func Start(st store.Store, blobs ImageStore, cfg Config, log *slog.Logger, setup ...func(*Server) error) (*Running, error) {
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	reg := prometheus.NewRegistry()
	srv, err := New(st, blobs, cfg, log, reg, reg)
	if err != nil {
		return nil, err
	}
	for _, f := range setup {
		if err := f(srv); err != nil {
			return nil, err
		}
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	r := &Running{Server: srv, URL: "http://" + ln.Addr().String(), Registry: reg, stop: cancel, stopped: make(chan struct{})}
	go func() {
		r.err = srv.Serve(ctx, ln)
		close(r.stopped)
	}()
	return r, nil
}

// Stop asks the server to stop taking requests and returns at once; the requests in
// flight get ShutdownTimeout to finish, and Stopped is closed then.
func (r *Running) Stop() { r.stop() }

// Stopped is closed once the server has stopped; Err then says how it ended.
func (r *Running) Stopped() <-chan struct{} { return r.stopped }

// Err is Serve's result once Stopped is closed (nil for a clean shutdown).
func (r *Running) Err() error { return r.err }

// Close stops the server and waits until the requests in flight have finished.
func (r *Running) Close() error {
	r.stop()
	<-r.stopped
	return r.err
}

// StartLocal serves st with the default settings on a free loopback port, its images
// in dir/images: the demo's and `tarazy load`'s server.
func StartLocal(st store.Store, dir string, setup ...func(*Server) error) (*Running, error) {
	blobs, err := blob.Open(filepath.Join(dir, "images"))
	if err != nil {
		return nil, err
	}
	cfg := Defaults()
	cfg.Addr = "127.0.0.1:0"
	return Start(st, blobs, cfg, nil, setup...)
}
