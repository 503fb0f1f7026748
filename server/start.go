package server

import (
	"context"
	"io"
	"log/slog"
	"net"

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
	done     chan error
}

// Start is the one way tarazy starts a server in-process — the demo, `tarazy load`
// and every test: it builds a server over st and blobs with cfg, a registry of its
// own and log (nil: discarded), lets setup add other areas' routes (the intake desk),
// and serves on cfg.Addr ("127.0.0.1:0": a free loopback port) until Stop.
func Start(st store.Store, blobs *blob.Store, cfg Config, log *slog.Logger, setup ...func(*Server) error) (*Running, error) {
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
	r := &Running{Server: srv, URL: "http://" + ln.Addr().String(), Registry: reg, stop: cancel, done: make(chan error, 1)}
	go func() { r.done <- srv.Serve(ctx, ln) }()
	return r, nil
}

// Stop asks the server to stop taking requests and returns at once; Done then yields
// how it ended.
func (r *Running) Stop() { r.stop() }

// Done yields Serve's result once, when the server has stopped.
func (r *Running) Done() <-chan error { return r.done }

// Close stops the server and waits until the requests in flight have finished.
func (r *Running) Close() error {
	r.stop()
	return <-r.done
}
