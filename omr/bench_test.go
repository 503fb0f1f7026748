package omr_test

import (
	"context"
	"image"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"gocv.io/x/gocv"

	"tarazy/omr"
	"tarazy/omr/reading"
	"tarazy/omr/synth"
)

// bench300 is one filled-in, lightly degraded 300-dpi A4 JPEG (quality 85) as a
// production scanner writes it.
func bench300(b testing.TB) []byte {
	f := mustForm(b, "g7")
	c := synth.RandomCandidate(f, 77)
	s, err := synth.New(synth.Options{DPI: 300, JPEGQuality: 85, Upright: true}).Generate(f, c, 77)
	if err != nil {
		b.Fatal(err)
	}
	return s.Data
}

// BenchmarkRead300dpi times, in the same loop so that machine noise hits both alike,
// a full-size grey JPEG decode of the file and the reader's whole read of it, and
// reports their ratio (target ≤ 1.5) and sheets per second per core (target ≥ 25).
// It reports the ratio twice: of wall-clock time, and of the process's CPU time (all
// threads, OpenCV's included), which other work on a shared machine disturbs less.
func BenchmarkRead300dpi(b *testing.B) {
	data := bench300(b)
	r := newReader(b, omr.Options{})
	ctx := context.Background()
	var dec, read, decCPU, readCPU time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t0, c0 := time.Now(), cpuTime()
		m, err := gocv.IMDecode(data, gocv.IMReadGrayScale)
		if err != nil {
			b.Fatal(err)
		}
		m.Close()
		t1, c1 := time.Now(), cpuTime()
		pages, err := r.ReadBytes(ctx, "bench.jpg", data)
		if err != nil || pages[0].Reading.Status == "rejected" {
			b.Fatalf("%v %+v", err, pages)
		}
		dec += t1.Sub(t0)
		read += time.Since(t1)
		decCPU += c1 - c0
		readCPU += cpuTime() - c1
	}
	b.ReportMetric(float64(dec.Microseconds())/float64(b.N)/1000, "decode-ms")
	b.ReportMetric(float64(read.Microseconds())/float64(b.N)/1000, "read-ms")
	b.ReportMetric(float64(read)/float64(dec), "read/decode")
	b.ReportMetric(float64(readCPU)/float64(decCPU), "read/decode-cpu")
	b.ReportMetric(float64(b.N)/read.Seconds(), "sheets/s/core")
}

// cpuTime is the CPU time the process has used, user and system, all threads.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkBatchMemory reads 1,000 sheets one after another and reports the process's
// peak resident memory after the first 100 and after all 1,000: a reader that holds
// on to anything per sheet shows growth between the two.
func BenchmarkBatchMemory(b *testing.B) {
	f := mustForm(b, "g7")
	g := synth.New(synth.Options{DPI: 200})
	var stack [][]byte
	for i := uint64(0); i < 20; i++ {
		s, err := g.Generate(f, synth.RandomCandidate(f, i), i)
		if err != nil {
			b.Fatal(err)
		}
		stack = append(stack, s.Data)
	}
	r := newReader(b, omr.Options{})
	ctx := context.Background()
	for n := 0; n < b.N; n++ {
		var at100 float64
		for i := 0; i < 1000; i++ {
			if _, err := r.ReadBytes(ctx, "s.jpg", stack[i%len(stack)]); err != nil {
				b.Fatal(err)
			}
			if i == 99 {
				runtime.GC()
				at100 = peakRSSMB(b)
			}
		}
		runtime.GC()
		b.ReportMetric(at100, "peakRSS-MB@100")
		b.ReportMetric(peakRSSMB(b), "peakRSS-MB@1000")
	}
}

func peakRSSMB(b *testing.B) float64 {
	st, err := os.ReadFile("/proc/self/status")
	if err != nil {
		b.Skip("no /proc: peak memory is measured on Linux")
	}
	for _, line := range strings.Split(string(st), "\n") {
		if strings.HasPrefix(line, "VmHWM:") {
			f := strings.Fields(line)
			kb, _ := strconv.ParseFloat(f[1], 64)
			return kb / 1024
		}
	}
	return 0
}

// BenchmarkTIFF200Memory reads a 200-page black-and-white TIFF (300 dpi, as a
// sheet-fed scanner in document mode writes a stack) page by page from disk and reports
// the process's peak resident memory after the first 20 pages and after all 200: each
// page is decoded on its own from the open file, so the two are the same.
func BenchmarkTIFF200Memory(b *testing.B) {
	f := mustForm(b, "g7")
	g := synth.New(synth.Options{DPI: 300, Upright: true, Conditions: []string{synth.CondBitonal}})
	var pages []*image.Gray
	for i := uint64(0); i < 10; i++ {
		s, err := g.Generate(f, synth.RandomCandidate(f, i), i)
		if err != nil {
			b.Fatal(err)
		}
		m, err := gocv.IMDecode(s.Data, gocv.IMReadGrayScale)
		if err != nil {
			b.Fatal(err)
		}
		px, _ := m.DataPtrUint8()
		pages = append(pages, &image.Gray{Pix: append([]uint8(nil), px...), Stride: m.Cols(), Rect: image.Rect(0, 0, m.Cols(), m.Rows())})
		m.Close()
	}
	stack := make([]*image.Gray, 200)
	for i := range stack {
		stack[i] = pages[i%len(pages)]
	}
	data, err := synth.EncodeTIFF(stack, true)
	if err != nil {
		b.Fatal(err)
	}
	pages, stack = nil, nil
	path := filepath.Join(b.TempDir(), "stack.tif")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		b.Fatal(err)
	}
	fileMB := float64(len(data)) / (1 << 20)
	data = nil
	r := newReader(b, omr.Options{})
	b.ResetTimer()
	for n := 0; n < b.N; n++ {
		// Forget the peak of making the file: from here it is the reading's.
		runtime.GC()
		debug.FreeOSMemory()
		resetPeakRSS()
		file := omr.OpenFile(path)
		if file.Pages() != 200 {
			b.Fatalf("%d pages", file.Pages())
		}
		var at20 float64
		read := 0
		for i := 1; i <= file.Pages(); i++ {
			if p := r.ReadPage(file, i); p.Reading.Status != reading.StatusRejected {
				read++
			}
			if i == 20 {
				runtime.GC()
				at20 = peakRSSMB(b)
			}
		}
		file.Close()
		runtime.GC()
		b.ReportMetric(at20, "peakRSS-MB@20")
		b.ReportMetric(peakRSSMB(b), "peakRSS-MB@200")
		b.ReportMetric(float64(read), "pages-read")
		b.ReportMetric(fileMB, "file-MB")
	}
}

// resetPeakRSS starts the kernel's peak-memory count afresh (Linux: clear_refs 5).
func resetPeakRSS() {
	_ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0o200)
}

// BenchmarkRead600dpiPNG times a 600-dpi grey PNG (35 megapixels) against its plain
// decode: PNG has no reduced decode, so the reader's shrink comes on top of it.
func BenchmarkRead600dpiPNG(b *testing.B) {
	f := mustForm(b, "g7")
	s, err := synth.New(synth.Options{DPI: 600, PNG: true, Upright: true}).Generate(f, synth.RandomCandidate(f, 78), 78)
	if err != nil {
		b.Fatal(err)
	}
	r := newReader(b, omr.Options{})
	ctx := context.Background()
	var dec, read time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		m, err := gocv.IMDecode(s.Data, gocv.IMReadGrayScale)
		if err != nil {
			b.Fatal(err)
		}
		m.Close()
		t1 := time.Now()
		if _, err := r.ReadBytes(ctx, "bench.png", s.Data); err != nil {
			b.Fatal(err)
		}
		dec += t1.Sub(t0)
		read += time.Since(t1)
	}
	b.ReportMetric(float64(dec.Milliseconds())/float64(b.N), "decode-ms")
	b.ReportMetric(float64(read.Milliseconds())/float64(b.N), "read-ms")
}
