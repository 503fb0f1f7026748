package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"tarazy/calibration"
	"tarazy/server"
	"tarazy/server/client"
	"tarazy/store"
	"tarazy/store/blob"
	"tarazy/worker"
)

// deliverer is where a worker's pages go: the server over HTTP, or the local store
// when the worker runs alone.
type deliverer interface {
	worker.Sink
	// Calibrate records the batch's thresholds and fill histogram.
	Calibrate(ctx context.Context, b worker.Batch, sum calibration.Summary) error
	// Outcomes says what the store made of the delivered pages.
	Outcomes() string
	Close() error
}

func openSink(ctx context.Context, f *workerFlags) (deliverer, string, error) {
	if f.serverURL != "" {
		s := &httpSink{c: client.New(f.serverURL, f.token), contest: f.contest, school: f.school, tally: newTally()}
		if err := s.check(ctx); err != nil {
			return nil, "", err
		}
		return s, f.serverURL, nil
	}
	st, err := f.db.openMigrated(ctx, &Env{Stdout: discard{}, Stderr: discard{}})
	if err != nil {
		return nil, "", err
	}
	if _, err := st.Contest(ctx, f.contest); err != nil {
		st.Close()
		return nil, "", fmt.Errorf("contest %q is not in %s: create it first (tarazy serve API, or tarazy demo): %w", f.contest, f.db.describe(), err)
	}
	if _, err := st.School(ctx, f.school); err != nil {
		st.Close()
		return nil, "", fmt.Errorf("school %q is not in %s: %w", f.school, f.db.describe(), err)
	}
	blobs, err := blob.Open(filepath.Join(f.db.data, "images"))
	if err != nil {
		st.Close()
		return nil, "", err
	}
	actor := store.Actor{Name: f.operator, Role: store.RoleCommission, School: f.school}
	return &storeSink{st: st, blobs: blobs, contest: f.contest, school: f.school, actor: actor, tally: newTally()}, f.db.describe(), nil
}

// tally counts ingest outcomes for the summary.
type tally struct {
	mu sync.Mutex
	n  map[string]int
}

func newTally() *tally { return &tally{n: map[string]int{}} }

func (t *tally) add(outcome string) {
	t.mu.Lock()
	t.n[outcome]++
	t.mu.Unlock()
}

func (t *tally) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.n) == 0 {
		return "nothing stored"
	}
	keys := make([]string, 0, len(t.n))
	for k := range t.n {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s %d", k, t.n[k])
	}
	return strings.Join(parts, ", ")
}

func ingestItem(p *worker.Page) (store.IngestItem, map[string][]byte) {
	it := store.IngestItem{Reading: p.Reading, Image: p.ImageSHA256, Confidence: p.Confidence, Reasons: p.Reasons, ReadSeconds: p.ReadSeconds}
	files := map[string][]byte{p.ImageSHA256: p.Image}
	if len(p.Crops) > 0 {
		it.Crops = map[string]string{}
		for field, crop := range p.Crops {
			h := client.Hash(crop)
			it.Crops[field] = h
			files[h] = crop
		}
	}
	return it, files
}

func storeBatch(b worker.Batch) store.Batch {
	return store.Batch{Name: b.Name, Operator: b.Operator, Scanner: b.Scanner}
}

// httpSink uploads to tarazy serve with the commission's token.
type httpSink struct {
	c               *client.Client
	contest, school string
	tally           *tally
}

// check fails early, before the scanner runs, when the token cannot write this school.
func (s *httpSink) check(ctx context.Context) error {
	var u store.User
	if err := s.c.Do(ctx, http.MethodGet, "/api/whoami", "", nil, &u); err != nil {
		return fmt.Errorf("server %s: %w", s.c.Base, err)
	}
	if u.Role != store.RoleAdmin && !(u.Role == store.RoleCommission && u.School == s.school) {
		return fmt.Errorf("the token belongs to %s (role %s, school %s) and cannot upload sheets of school %s; use a commission token of that school", u.Name, u.Role, u.School, s.school)
	}
	return nil
}

func (s *httpSink) classify(err error) error {
	var ae *client.Error
	switch {
	case errors.As(err, &ae) && (ae.Status == http.StatusUnauthorized || ae.Status == http.StatusForbidden):
		return worker.Fatal(err)
	case client.Permanent(err):
		return worker.Permanent(err)
	}
	return err
}

func (s *httpSink) Deliver(ctx context.Context, b worker.Batch, p *worker.Page) error {
	it, files := ingestItem(p)
	res, err := s.c.Ingest(ctx, s.contest, s.school, server.IngestRequest{Batch: storeBatch(b), Sheets: []store.IngestItem{it}}, files)
	if err != nil {
		return s.classify(err)
	}
	for _, r := range res.Results {
		s.tally.add(r.Outcome)
	}
	return nil
}

func (s *httpSink) Calibrate(ctx context.Context, b worker.Batch, sum calibration.Summary) error {
	if err := s.c.PutBatchCalibration(ctx, s.contest, s.school, storeBatch(b), sum); err != nil {
		return s.classify(err)
	}
	return nil
}

func (s *httpSink) Outcomes() string { return s.tally.String() }
func (s *httpSink) Close() error     { return nil }

// storeSink writes to the local store when the worker runs alone: the same ingest,
// the same idempotency by image hash, without a server.
type storeSink struct {
	st              migratingStore
	blobs           *blob.Store
	contest, school string
	actor           store.Actor
	tally           *tally
}

func (s *storeSink) classify(err error) error {
	switch store.ErrorCode(err) {
	case store.Invalid, store.NotFound, store.Conflict:
		return worker.Permanent(err)
	case store.Forbidden, store.Unauthorized:
		return worker.Fatal(err)
	}
	return err
}

func (s *storeSink) Deliver(ctx context.Context, b worker.Batch, p *worker.Page) error {
	it, files := ingestItem(p)
	staged := make([]*blob.Staged, 0, len(files))
	for h, data := range files {
		st, err := s.blobs.Stage(bytes.NewReader(data), 0, h)
		if err != nil {
			return fmt.Errorf("image store: %w", err)
		}
		staged = append(staged, st)
	}
	// Images first: a reading never points at an image that is not on disk.
	if err := s.blobs.Commit(ctx, staged...); err != nil {
		return fmt.Errorf("image store: %w", err)
	}
	res, err := s.st.Ingest(ctx, s.actor, s.contest, s.school, storeBatch(b), []store.IngestItem{it})
	if err != nil {
		return s.classify(err)
	}
	for _, r := range res {
		s.tally.add(r.Outcome)
	}
	return nil
}

func (s *storeSink) Calibrate(ctx context.Context, b worker.Batch, sum calibration.Summary) error {
	j, err := json.Marshal(sum)
	if err != nil {
		return err
	}
	if err := s.st.PutBatchCalibration(ctx, s.actor, s.contest, s.school, storeBatch(b), string(j)); err != nil {
		return s.classify(err)
	}
	return nil
}

func (s *storeSink) Outcomes() string { return s.tally.String() }
func (s *storeSink) Close() error     { return s.st.Close() }
