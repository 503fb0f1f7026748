// Package validation is a second, independently written corpus of answer-sheet scans
// with known truth, and the scorer that holds the reader to it (issue 9).
//
// The reader's thresholds were tuned on omr/synth, so a corpus from the same models
// cannot show where they are wrong. This package was written without reading omr/synth,
// the reader or calibration: it has its own models of how candidates mark and erase,
// of paper, printers, scanners and phones, and of files no scanner should produce. It
// uses only the sheet's public geometry and rendering (omr.NewLayout, omr.Render,
// omr.Personalise), the forms, iin.Make and the reading contract.
//
// It is never used to fit thresholds: it measures. Generate writes a corpus and its
// truth; Compare judges one reading against its truth; Report counts outcomes per
// condition. TestValidationCorpus reads the corpus with the reader in child processes
// and fails on any silent error or crash.
package validation
