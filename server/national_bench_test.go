package server_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"tarazy/omr/reading"
	"tarazy/server"
	"tarazy/store"
	"tarazy/store/blob"
	"tarazy/store/blob/s3test"
	"tarazy/store/postgres"
	"tarazy/store/postgres/pgtest"
	"tarazy/store/storetest"
)

// BenchmarkNationalIngest measures ingest through 1 and 3 servers on one PostgreSQL
// database, with images in a local directory or in an S3 bucket (versitygw on this
// machine): the figures of the README's national-deployment section. Each run sends
// nationalPages pages (4 KB images, one in twenty under review with a crop) in
// batches of 100 from 6 concurrent uploaders spread over the servers, and reports
// pages/s. Run by `make bench-national`.
func BenchmarkNationalIngest(b *testing.B) {
	for _, c := range []struct {
		images  string
		servers int
	}{{"dir", 1}, {"s3", 1}, {"s3", 3}} {
		b.Run(fmt.Sprintf("images=%s/servers=%d", c.images, c.servers), func(b *testing.B) {
			var rate float64
			for i := 0; i < b.N; i++ {
				rate = nationalIngestRun(b, c.images, c.servers)
			}
			b.ReportMetric(rate, "pages/s")
			b.ReportMetric(0, "ns/op")
		})
	}
}

const nationalPages = 6000

func nationalIngestRun(b *testing.B, images string, servers int) float64 {
	b.StopTimer()
	ctx := context.Background()
	url := pgtest.URL(b)
	var bucket, dir string
	if images == "s3" {
		bucket = s3test.Start(b).Bucket(b)
	} else {
		dir = b.TempDir()
	}
	var envs []*env
	for i := 0; i < servers; i++ {
		st, err := postgres.Open(ctx, url)
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { st.Close() })
		if _, err := st.Migrate(ctx); err != nil {
			b.Fatal(err)
		}
		var im server.ImageStore
		if images == "s3" {
			im = s3test.OpenURL(b, bucket)
		} else {
			d, err := blob.Open(dir)
			if err != nil {
				b.Fatal(err)
			}
			im = d
		}
		var tokens map[string]string
		if i > 0 {
			tokens = envs[0].tokens
		}
		e := startServer(b, st, im, tokens, func(c *server.Config) { c.AccessLog = false }, nil)
		if i == 0 {
			e.seed(b)
		}
		envs = append(envs, e)
	}
	type job struct {
		req   server.IngestRequest
		files map[string][]byte
	}
	var jobs []job
	for start := 0; start < nationalPages; start += 100 {
		j := job{req: server.IngestRequest{Batch: store.Batch{Name: fmt.Sprintf("bench-%d", start)}}, files: map[string][]byte{}}
		for n := start; n < start+100; n++ {
			img := make([]byte, 4096)
			rand.Read(img)
			it := store.IngestItem{Reading: storetest.Reading(fmt.Sprintf("N%07d", n), n), Image: hash(img), ReadSeconds: 0.3}
			j.files[it.Image] = img
			if n%20 == 0 {
				it.Reading.Status = reading.StatusReview
				it.Reading.Review = []string{"q3"}
				crop := []byte(fmt.Sprintf("crop %d", n))
				it.Crops = map[string]string{"q3": hash(crop)}
				it.Confidence = map[string]float64{"q3": 0.4}
				j.files[hash(crop)] = crop
			}
			j.req.Sheets = append(j.req.Sheets, it)
		}
		jobs = append(jobs, j)
	}
	ch := make(chan job)
	var failed atomic.Int64
	var wg sync.WaitGroup
	b.StartTimer()
	t0 := time.Now()
	for w := 0; w < 6; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := envs[w%len(envs)].client("aigerim")
			for j := range ch {
				if _, err := c.Ingest(ctx, "C1", "S1", j.req, j.files); err != nil {
					failed.Add(1)
					b.Error(err)
				}
			}
		}()
	}
	for _, j := range jobs {
		ch <- j
	}
	close(ch)
	wg.Wait()
	took := time.Since(t0)
	b.StopTimer()
	if failed.Load() > 0 {
		b.Fatalf("%d batches failed", failed.Load())
	}
	if final, err := envs[0].Store.FinalSheets(ctx, "C1", "S1"); err != nil || len(final) != nationalPages-nationalPages/20 {
		b.Fatalf("%d final sheets stored, %v", len(final), err)
	}
	return float64(nationalPages) / took.Seconds()
}
