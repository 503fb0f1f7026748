// Package client calls the tarazy HTTP API: the scanner worker (issue 5) uploads its
// batches with it, and the load generator and the API tests use it too.
package client

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"time"

	"tarazy/calibration"
	"tarazy/omr/reading"
	"tarazy/server/wire"
	"tarazy/store"
)

// Client talks to one server with one token.
type Client struct {
	Base  string // such as http://127.0.0.1:8080
	Token string
	HTTP  *http.Client
}

// New returns a client with a sensible timeout.
func New(base, token string) *Client {
	return &Client{Base: strings.TrimRight(base, "/"), Token: token, HTTP: &http.Client{Timeout: 5 * time.Minute}}
}

// Error is an error answer of the API.
type Error struct {
	Status  int
	Code    string
	Message string
}

func (e *Error) Error() string {
	return fmt.Sprintf("%d %s: %s", e.Status, e.Code, e.Message)
}

// Retryable reports whether the same request may succeed later unchanged: the
// server or its database was unreachable. Nothing was stored in that case.
func Retryable(err error) bool {
	var e *Error
	if errors.As(err, &e) {
		return e.Status == http.StatusServiceUnavailable || e.Status == http.StatusBadGateway || e.Status == http.StatusGatewayTimeout
	}
	return err != nil && !errors.Is(err, context.Canceled)
}

// Do sends a request and decodes a JSON answer into out (when not nil).
func (c *Client) Do(ctx context.Context, method, path, contentType string, body io.Reader, out any) error {
	req, err := http.NewRequestWithContext(ctx, method, c.Base+path, body)
	if err != nil {
		return err
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if c.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 400 {
		var eb wire.ErrorBody
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		if json.Unmarshal(b, &eb) != nil || eb.Error.Code == "" {
			return &Error{Status: resp.StatusCode, Code: "http", Message: strings.TrimSpace(string(b))}
		}
		return &Error{Status: resp.StatusCode, Code: eb.Error.Code, Message: eb.Error.Message}
	}
	if out == nil {
		io.Copy(io.Discard, resp.Body)
		return nil
	}
	if w, ok := out.(io.Writer); ok {
		_, err = io.Copy(w, resp.Body)
		return err
	}
	return json.NewDecoder(resp.Body).Decode(out)
}

// SchoolPath is the API path of a school in a contest.
func SchoolPath(contest, school string) string {
	return "/api/contests/" + url.PathEscape(contest) + "/schools/" + url.PathEscape(school)
}

// Ingest uploads a batch. files maps SHA-256 names to bytes for the images and crops
// the server may not have yet; it may be empty on a retry of a batch whose files were
// delivered. The answer lists each page's outcome in request order.
func (c *Client) Ingest(ctx context.Context, contest, school string, req wire.IngestRequest, files map[string][]byte) (*wire.IngestResponse, error) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	part, err := mw.CreateFormField("batch")
	if err != nil {
		return nil, err
	}
	if err := json.NewEncoder(part).Encode(req); err != nil {
		return nil, err
	}
	for name, b := range files {
		fw, err := mw.CreateFormFile("file", name)
		if err != nil {
			return nil, err
		}
		fw.Write(b)
	}
	if err := mw.Close(); err != nil {
		return nil, err
	}
	var out wire.IngestResponse
	err = c.Do(ctx, http.MethodPost, SchoolPath(contest, school)+"/ingest", mw.FormDataContentType(), &buf, &out)
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// Hash names a file as the server does: the hex SHA-256 of its bytes.
func Hash(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// IngestPage uploads one read page with its image and the crops of its fields under
// review, naming every file by its SHA-256. It is safe to call again after any error:
// the server stores a page once, by its image's hash.
func (c *Client) IngestPage(ctx context.Context, contest, school string, b store.Batch, rd reading.Reading, image []byte,
	crops map[string][]byte, confidence map[string]float64) (*store.IngestResult, error) {
	it := store.IngestItem{Reading: rd, Image: Hash(image), Confidence: confidence}
	files := map[string][]byte{it.Image: image}
	if len(crops) > 0 {
		it.Crops = map[string]string{}
		for field, crop := range crops {
			h := Hash(crop)
			it.Crops[field] = h
			files[h] = crop
		}
	}
	res, err := c.Ingest(ctx, contest, school, wire.IngestRequest{Batch: b, Sheets: []store.IngestItem{it}}, files)
	if err != nil {
		return nil, err
	}
	return &res.Results[0], nil
}

// Permanent reports whether retrying the same request cannot succeed: the server
// refused it as it is (a malformed page, a damaged image, an unknown contest).
func Permanent(err error) bool {
	var e *Error
	return errors.As(err, &e) && (e.Status == http.StatusBadRequest || e.Status == http.StatusNotFound ||
		e.Status == http.StatusRequestEntityTooLarge || e.Status == http.StatusConflict)
}

// PutBatchCalibration records the thresholds and fill histogram a batch is read with;
// it creates the batch, so a worker sends it before the batch's first page.
func (c *Client) PutBatchCalibration(ctx context.Context, contest, school string, b store.Batch, sum calibration.Summary) error {
	body, err := json.Marshal(wire.BatchCalibrationRequest{Operator: b.Operator, Scanner: b.Scanner, Calibration: sum})
	if err != nil {
		return err
	}
	return c.Do(ctx, http.MethodPut, SchoolPath(contest, school)+"/batches/"+url.PathEscape(b.Name)+"/calibration",
		"application/json", bytes.NewReader(body), nil)
}
