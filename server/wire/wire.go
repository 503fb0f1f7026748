// Package wire holds the shapes the HTTP API sends and receives, so that its clients
// (the scanner worker, the demo, the load generator) share them with the server
// without importing the server: no router, no metrics, no templates.
package wire

import (
	"tarazy/calibration"
	"tarazy/review"
	"tarazy/store"
)

// ErrorBody is the JSON every error answers with.
type ErrorBody struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

// IngestRequest is the "batch" part of an ingest upload (or the whole JSON body when
// every image was sent before with PUT …/blobs/{sha256}).
type IngestRequest struct {
	Batch  store.Batch        `json:"batch"`
	Sheets []store.IngestItem `json:"sheets"`
}

// IngestResponse tells the worker what became of each page, in request order.
type IngestResponse struct {
	Results []store.IngestResult `json:"results"`
	Summary map[string]int       `json:"summary"`
}

// BatchCalibrationRequest is what a worker sends before a batch's pages: who runs the
// batch and the thresholds and fill histogram it reads with.
type BatchCalibrationRequest struct {
	Operator    string              `json:"operator"`
	Scanner     string              `json:"scanner"`
	Calibration calibration.Summary `json:"calibration"`
}

// ReviewItem is a review item as a reviewer sees it. Double keying is blind: a
// reviewer sees whether others have keyed the field, not what they keyed, until the
// field is settled; the chair sees everything.
type ReviewItem struct {
	Field      string            `json:"field"`
	Machine    string            `json:"machine"`
	HasMachine bool              `json:"has_machine"`
	Candidates []string          `json:"candidates,omitempty"`
	Confidence float64           `json:"confidence"`
	Reason     string            `json:"reason,omitempty"`
	CropURL    string            `json:"crop_url,omitempty"`
	Outcome    review.Outcome    `json:"outcome"`
	Keyings    int               `json:"keyings"`
	YourValue  *string           `json:"your_value,omitempty"`
	Decisions  []review.Decision `json:"decisions,omitempty"`
}

// ReviewSheet is one sheet of the review queue with its open fields.
type ReviewSheet struct {
	Serial   string       `json:"serial"`
	Form     string       `json:"form"`
	Version  int          `json:"version"`
	ImageURL string       `json:"image_url"`
	Items    []ReviewItem `json:"items"`
}

// ReviewQueue is the answer of GET …/review.
type ReviewQueue struct {
	Sheets []ReviewSheet `json:"sheets"`
}

// DecisionRequest is one reviewer's value for a field (POST …/review/{serial}/{field}).
type DecisionRequest struct {
	Value   *string `json:"value"`
	AsChair bool    `json:"as_chair"`
}

// DecisionResponse is the field after the decision, and the sheet's new final
// version when the decision settled its last open field.
type DecisionResponse struct {
	Item         ReviewItem `json:"item"`
	SheetVersion int        `json:"sheet_version"`
}
