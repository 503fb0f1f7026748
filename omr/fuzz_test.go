package omr_test

import (
	"bytes"
	"context"
	"image"
	"image/jpeg"
	"testing"

	"tarazy/omr"
	"tarazy/omr/reading"
	"tarazy/omr/synth"
)

// Whatever the bytes, reading them gives pages each with a status of the contract, a
// rejected page says why with a code, and nothing panics or aborts the process (an
// abort inside OpenCV would end the fuzzer with it). The seeds are small images,
// headers declaring huge pictures, a multi-page TIFF and a PDF; `go test` runs them.
func FuzzReadBytes(f *testing.F) {
	small := image.NewGray(image.Rect(0, 0, 40, 56))
	var jb bytes.Buffer
	jpeg.Encode(&jb, small, nil)
	f.Add(jb.Bytes())
	tif, _ := synth.EncodeTIFF([]*image.Gray{small, small}, true)
	f.Add(tif)
	f.Add([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR\x00\x00\xea\x60\x00\x00\xea\x60\x08\x00\x00\x00\x00"))
	f.Add([]byte("%PDF-1.4\n1 0 obj <<>>\nendobj\ntrailer <<>>\n"))
	f.Add([]byte("BM"))
	r, err := omr.NewReader(omr.Options{})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		pages, err := r.ReadBytes(context.Background(), "fuzz", data)
		if err != nil || len(pages) == 0 {
			t.Fatalf("%d pages, %v", len(pages), err)
		}
		for _, p := range pages {
			switch p.Reading.Status {
			case reading.StatusOK, reading.StatusReview:
			case reading.StatusRejected:
				if p.Reading.Error == "" || p.Reading.ErrorCode == "" {
					t.Fatalf("page %d rejected without a reason or code: %+v", p.Reading.Page, p.Reading)
				}
			default:
				t.Fatalf("status %q", p.Reading.Status)
			}
		}
	})
}
