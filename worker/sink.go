package worker

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"sync"

	"tarazy/calibration"
	"tarazy/server/client"
	"tarazy/server/wire"
	"tarazy/store"
	"tarazy/store/blob"
)

// Calibrator records the thresholds and fill histogram a batch is read with.
type Calibrator interface {
	Calibrate(ctx context.Context, b Batch, sum calibration.Summary) error
}

// Tally counts what the store made of delivered pages (stored, duplicate, conflict,
// rejected), for the batch's summary.
type Tally struct {
	mu sync.Mutex
	n  map[string]int
}

func (t *Tally) add(outcome string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.n == nil {
		t.n = map[string]int{}
	}
	t.n[outcome]++
}

func (t *Tally) String() string {
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

// ingestItems turns pages into the store's items and the files they name, each image
// and crop once by its SHA-256.
func ingestItems(pages []*Page) ([]store.IngestItem, map[string][]byte) {
	items := make([]store.IngestItem, len(pages))
	files := map[string][]byte{}
	for i, p := range pages {
		it := store.IngestItem{Reading: p.Reading, Image: p.ImageSHA256, Confidence: p.Confidence, Reasons: p.Reasons, ReadSeconds: p.ReadSeconds}
		files[p.ImageSHA256] = p.Image
		if len(p.Crops) > 0 {
			it.Crops = map[string]string{}
			for field, crop := range p.Crops {
				h := client.Hash(crop)
				it.Crops[field] = h
				files[h] = crop
			}
		}
		items[i] = it
	}
	return items, files
}

func storeBatch(b Batch) store.Batch {
	return store.Batch{Name: b.Name, Operator: b.Operator, Scanner: b.Scanner}
}

// HTTPSink uploads pages to tarazy serve with a scanner's (or the commission's) token:
// each delivery is one ingest request, one transaction on the server.
type HTTPSink struct {
	Client          *client.Client
	Contest, School string
	Tally           Tally
}

// Check fails early, before the scanner runs, when the token cannot upload to the
// school.
func (s *HTTPSink) Check(ctx context.Context) error {
	var u store.User
	if err := s.Client.Do(ctx, http.MethodGet, "/api/whoami", "", nil, &u); err != nil {
		return fmt.Errorf("server %s: %w", s.Client.Base, err)
	}
	mayUpload := u.Role == store.RoleAdmin || ((u.Role == store.RoleScanner || u.Role == store.RoleCommission) && u.School == s.School)
	if !mayUpload {
		return fmt.Errorf("the token belongs to %s (role %s, school %s) and cannot upload sheets of school %s; use a scanner token of that school (tarazy token create --role scanner --school %s)",
			u.Name, u.Role, u.School, s.School, s.School)
	}
	return nil
}

func (s *HTTPSink) classify(err error) error {
	var ae *client.Error
	switch {
	case errors.As(err, &ae) && (ae.Status == http.StatusUnauthorized || ae.Status == http.StatusForbidden):
		return Fatal(err)
	case client.Permanent(err):
		return Permanent(err)
	}
	return err
}

// Deliver sends the pages and their files in one ingest request.
func (s *HTTPSink) Deliver(ctx context.Context, b Batch, pages []*Page) error {
	items, files := ingestItems(pages)
	res, err := s.Client.Ingest(ctx, s.Contest, s.School, wire.IngestRequest{Batch: storeBatch(b), Sheets: items}, files)
	if err != nil {
		return s.classify(err)
	}
	for _, r := range res.Results {
		s.Tally.add(r.Outcome)
	}
	return nil
}

// Calibrate records the batch's calibration on the server.
func (s *HTTPSink) Calibrate(ctx context.Context, b Batch, sum calibration.Summary) error {
	if err := s.Client.PutBatchCalibration(ctx, s.Contest, s.School, storeBatch(b), sum); err != nil {
		return s.classify(err)
	}
	return nil
}

// Ingester is the part of the store a StoreSink writes to.
type Ingester interface {
	Ingest(ctx context.Context, by store.Actor, contest, school string, b store.Batch, items []store.IngestItem) ([]store.IngestResult, error)
	PutBatchCalibration(ctx context.Context, by store.Actor, contest, school string, b store.Batch, sum calibration.Summary) error
}

// StoreSink writes to the local store when the worker runs alone: the same ingest,
// the same idempotency by image hash, without a server.
type StoreSink struct {
	Store           Ingester
	Blobs           *blob.Store
	Contest, School string
	Actor           store.Actor
	Tally           Tally
}

func (s *StoreSink) classify(err error) error {
	switch store.ErrorCode(err) {
	case store.Invalid, store.NotFound, store.Conflict:
		return Permanent(err)
	case store.Forbidden, store.Unauthorized:
		return Fatal(err)
	}
	return err
}

// Deliver commits the pages' files to the image store, then ingests them in one
// transaction: a reading never points at an image that is not on disk.
func (s *StoreSink) Deliver(ctx context.Context, b Batch, pages []*Page) error {
	items, files := ingestItems(pages)
	staged := make([]*blob.Staged, 0, len(files))
	for h, data := range files {
		st, err := s.Blobs.Stage(bytes.NewReader(data), 0, h)
		if err != nil {
			s.Blobs.Discard(staged...)
			return fmt.Errorf("image store: %w", err)
		}
		staged = append(staged, st)
	}
	if err := s.Blobs.Commit(ctx, staged...); err != nil {
		return fmt.Errorf("image store: %w", err)
	}
	res, err := s.Store.Ingest(ctx, s.Actor, s.Contest, s.School, storeBatch(b), items)
	if err != nil {
		return s.classify(err)
	}
	for _, r := range res {
		s.Tally.add(r.Outcome)
	}
	return nil
}

// Calibrate records the batch's calibration in the store.
func (s *StoreSink) Calibrate(ctx context.Context, b Batch, sum calibration.Summary) error {
	if err := s.Store.PutBatchCalibration(ctx, s.Actor, s.Contest, s.School, storeBatch(b), sum); err != nil {
		return s.classify(err)
	}
	return nil
}
