// Package loadtest is `tarazy load`: it drives a server started on a loopback port
// over a scratch database with bounded work (counts and a time cap) and measures
// ingest, the scanner worker's delivery from a hot folder, the national export and
// cached rankings under concurrency.
package loadtest

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"text/tabwriter"
	"time"

	"tarazy/contest"
	"tarazy/iin"
	"tarazy/omr/form"
	"tarazy/omr/reading"
	"tarazy/server"
	"tarazy/server/client"
	"tarazy/server/wire"
	"tarazy/store"
	"tarazy/worker"
)

// Config bounds a run.
type Config struct {
	Sheets      int           // sheet readings to ingest
	Batch       int           // readings per ingest request
	Workers     int           // concurrent uploading clients
	ImageBytes  int           // bytes of each synthetic page image
	HotPages    int           // pages the worker delivers from a hot folder, each way
	ExportRows  int           // candidates in the national export
	Schools     int           // schools the export's candidates are spread over
	Clients     int           // concurrent clients asking for per-school rankings
	Requests    int           // ranking requests in each ranking run
	Think       time.Duration // each ranking client's pause between requests (±50 %)
	Description string        // the database, for the report
}

type figure struct{ name, value, target string }

// Run seeds st (migrated, empty) with a contest L and cfg.Schools schools, starts a
// server over it and dir's images, runs every phase and prints the figures to out.
func Run(ctx context.Context, st store.Store, dir string, cfg Config, out io.Writer) error {
	srv, err := server.StartLocal(st, dir)
	if err != nil {
		return err
	}
	defer srv.Close()
	fmt.Fprintf(out, "load: server on %s, database %s\n", srv.URL, cfg.Description)

	// Seed: a contest, the schools, a commission and a scanner token per school.
	if _, err := st.CreateContest(ctx, store.System, store.Contest{ID: "L", Name: "load", Year: 2026}); err != nil {
		return err
	}
	var sc []store.School
	for i := 1; i <= cfg.Schools; i++ {
		sc = append(sc, store.School{Code: fmt.Sprintf("S%03d", i), NameKK: "Мектеп", NameRU: "Школа"})
	}
	if err := st.PutSchools(ctx, store.System, sc); err != nil {
		return err
	}
	tokens, scanners := map[string]string{}, map[string]string{}
	for _, s := range sc {
		if tokens[s.Code], err = newToken(ctx, st, store.User{Name: "commission " + s.Code, Role: store.RoleCommission, School: s.Code}); err != nil {
			return err
		}
		if scanners[s.Code], err = newToken(ctx, st, store.User{Name: "scanner " + s.Code, Role: store.RoleScanner, School: s.Code}); err != nil {
			return err
		}
	}
	darynSecret, err := newToken(ctx, st, store.User{Name: "daryn", Role: store.RoleDaryn})
	if err != nil {
		return err
	}
	httpc := &http.Client{Timeout: 2 * time.Minute, Transport: &http.Transport{MaxIdleConns: 512, MaxIdleConnsPerHost: 512, MaxConnsPerHost: 512}}
	newClient := func(token string) *client.Client {
		c := client.New(srv.URL, token)
		c.HTTP = httpc
		return c
	}
	var figures []figure

	// 1. Ingest.
	rate, rejected, err := loadIngest(ctx, newClient, tokens, sc, cfg.Sheets, cfg.Batch, cfg.Workers, cfg.ImageBytes)
	if err != nil {
		return fmt.Errorf("ingest: %w", err)
	}
	figures = append(figures, figure{"ingest", fmt.Sprintf("%.0f readings/s (%d readings, batches of %d, %d workers, %d-byte images; %d refused)", rate, cfg.Sheets, cfg.Batch, cfg.Workers, cfg.ImageBytes, rejected), "≥ 1000 readings/s"})

	// 2. The scanner worker, hot folder to database: one page per request (as before
	// issue 15) and the pages waiting in the spool delivered together.
	if cfg.HotPages > 0 {
		school := sc[len(sc)-1].Code
		for _, maxBatch := range []int{1, 200} {
			runtime.GC()
			res, err := workerDelivery(ctx, newClient(scanners[school]), school, filepath.Join(dir, fmt.Sprintf("worker-%d", maxBatch)), cfg.HotPages, cfg.ImageBytes, maxBatch)
			if err != nil {
				return fmt.Errorf("worker: %w", err)
			}
			name := "worker, hot folder → database, one page per request"
			if maxBatch > 1 {
				name = fmt.Sprintf("worker, hot folder → database, batches of up to %d", maxBatch)
			}
			figures = append(figures, figure{name, fmt.Sprintf("%.0f pages/s (%d pages in %d requests, %d-byte images)", res.rate, cfg.HotPages, res.requests, cfg.ImageBytes), ""})
		}
	}

	// 3. National export.
	runtime.GC()
	if err := seedRankings(ctx, st, sc, cfg.ExportRows); err != nil {
		return fmt.Errorf("seed rankings: %w", err)
	}
	dc := newClient(darynSecret)
	for _, format := range []string{"json", "csv"} {
		took, rows, pages, err := loadExport(ctx, dc, format, MaxExportPageFor(cfg.ExportRows))
		if err != nil {
			return fmt.Errorf("export: %w", err)
		}
		figures = append(figures, figure{"export " + format + " (one page)", fmt.Sprintf("%.3f s for %d candidates in %d page", took.Seconds(), rows, pages), "< 2 s"})
		took, rows, pages, err = loadExport(ctx, dc, format, 10000)
		if err != nil {
			return fmt.Errorf("export: %w", err)
		}
		figures = append(figures, figure{"export " + format + " (pages of 10000)", fmt.Sprintf("%.3f s for %d candidates in %d pages", took.Seconds(), rows, pages), "< 2 s"})
	}

	// 4. Cached per-school ranking under concurrency: clients that pause between
	// requests as people and pollers do, then clients that never pause (saturation).
	for _, pause := range []time.Duration{cfg.Think, 0} {
		runtime.GC() // start each run without the previous phase's garbage
		lat, wall, err := loadRanking(ctx, newClient, tokens, sc, cfg.Clients, cfg.Requests, pause)
		if err != nil {
			return fmt.Errorf("ranking: %w", err)
		}
		slices.Sort(lat)
		pct := func(p float64) time.Duration { return lat[min(len(lat)-1, int(p*float64(len(lat))))] }
		name, target := fmt.Sprintf("ranking p99, %d clients, pause %v", cfg.Clients, pause), "< 20 ms"
		if pause == 0 {
			name, target = fmt.Sprintf("ranking p99, %d clients, no pause", cfg.Clients), "(saturation: latency = clients / throughput)"
		}
		figures = append(figures, figure{name, fmt.Sprintf("%.2f ms (p50 %.2f, p95 %.2f, max %.2f ms; %d requests, %.0f req/s)",
			ms(pct(0.99)), ms(pct(0.50)), ms(pct(0.95)), ms(lat[len(lat)-1]), len(lat), float64(len(lat))/wall.Seconds()), target})
	}

	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "\nload figures (%s, %d cores shared)\n", cfg.Description, runtime.NumCPU())
	fmt.Fprintln(tw, "MEASURE\tRESULT\tTARGET")
	for _, f := range figures {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", f.name, f.value, f.target)
	}
	return tw.Flush()
}

func newToken(ctx context.Context, st store.Store, u store.User) (string, error) {
	id, secret, hash := server.NewToken()
	_, err := st.CreateToken(ctx, store.System, u, id, hash, nil)
	return secret, err
}

type delivery struct {
	rate     float64
	requests int
}

// workerDelivery writes n page files into a hot folder and measures the scanner
// worker taking them to the server until every page is stored. The pages are read by
// a reader that knows each file's reading, so the figure is the worker's spool and
// delivery and the server's ingest, not the OMR reader's (that is `make bench`).
func workerDelivery(ctx context.Context, c *client.Client, school, dir string, n, imageBytes, maxBatch int) (delivery, error) {
	hot, spool := filepath.Join(dir, "hot"), filepath.Join(dir, "spool")
	if err := os.MkdirAll(hot, 0o755); err != nil {
		return delivery{}, err
	}
	g7, err := form.Get("g7")
	if err != nil {
		return delivery{}, err
	}
	readings := map[string]reading.Reading{}
	for i := 0; i < n; i++ {
		name := fmt.Sprintf("scan-%06d.jpg", i)
		img := make([]byte, imageBytes)
		rand.Read(img)
		rd := loadReading(g7, i)
		rd.File, rd.Sheet = name, fmt.Sprintf("W%d-%06d", maxBatch, i)
		readings[name] = rd
		if err := os.WriteFile(filepath.Join(hot, name), img, 0o644); err != nil {
			return delivery{}, err
		}
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	sink := &worker.HTTPSink{Client: c, Contest: "L", School: school}
	var once sync.Once
	w, err := worker.New(worker.Options{
		Reader: knownReader(readings), Sink: sink, Spool: spool, MaxBatchPages: maxBatch,
		Processed: filepath.Join(hot, "processed"), Quarantine: filepath.Join(hot, "quarantine"),
		Batch: worker.Batch{ID: fmt.Sprintf("load %d", maxBatch), Name: fmt.Sprintf("load %d", maxBatch), Operator: "load", Scanner: "load"},
		Progress: func(st worker.Stats) {
			if st.Delivered+st.Failed >= n {
				once.Do(cancel)
			}
		},
	})
	if err != nil {
		return delivery{}, err
	}
	defer w.Close()
	start := time.Now()
	st, err := w.Run(ctx, worker.HotFolder{Dir: hot, Settle: 10 * time.Millisecond, Poll: 50 * time.Millisecond})
	took := time.Since(start)
	if st.Delivered != n {
		return delivery{}, fmt.Errorf("%d of %d pages delivered (%d refused): %v", st.Delivered, n, st.Failed, err)
	}
	return delivery{rate: float64(n) / took.Seconds(), requests: st.Deliveries}, nil
}

// knownReader gives each file the reading made for it.
type knownReader map[string]reading.Reading

func (k knownReader) Read(ctx context.Context, name string, data []byte) ([]worker.Page, error) {
	rd, ok := k[name]
	if !ok {
		return nil, errors.New("not a file of this run")
	}
	return []worker.Page{{Reading: rd, Image: data, ImageType: "image/jpeg", ReadSeconds: 0.25}}, nil
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// MaxExportPageFor is the page size that fetches n candidates in one request.
func MaxExportPageFor(n int) int { return min(max(n, 1), server.MaxExportPage) }

// loadIngest uploads n g7 readings (one in twenty under review, with a crop) through
// the API and returns readings per second.
func loadIngest(ctx context.Context, newClient func(string) *client.Client, tokens map[string]string, schools []store.School, n, batch, workers, imageBytes int) (float64, int, error) {
	g7, err := form.Get("g7")
	if err != nil {
		return 0, 0, err
	}
	type job struct {
		school string
		req    wire.IngestRequest
		files  map[string][]byte
	}
	// Build every batch before the clock starts: the figure is the server's.
	var jobs []job
	for start := 0; start < n; start += batch {
		school := schools[(start/batch)%min(len(schools), workers*2)].Code
		j := job{school: school, req: wire.IngestRequest{Batch: store.Batch{Name: fmt.Sprintf("load-%d", start/batch), Operator: "load", Scanner: "load"}}, files: map[string][]byte{}}
		for i := start; i < min(start+batch, n); i++ {
			img := make([]byte, imageBytes)
			rand.Read(img)
			h := sha256.Sum256(img)
			it := store.IngestItem{Image: hex.EncodeToString(h[:]), ReadSeconds: 0.25 + mrand.Float64()*0.2, Reading: loadReading(g7, i)}
			j.files[it.Image] = img
			if i%20 == 0 {
				it.Reading.Status = reading.StatusReview
				it.Reading.Review = []string{"q7"}
				crop := []byte(fmt.Sprintf("crop %d", i))
				ch := sha256.Sum256(crop)
				it.Crops = map[string]string{"q7": hex.EncodeToString(ch[:])}
				j.files[it.Crops["q7"]] = crop
			}
			j.req.Sheets = append(j.req.Sheets, it)
		}
		jobs = append(jobs, j)
	}
	var rejected atomic.Int64
	start := time.Now()
	err = worker.Each(ctx, workers, slices.Values(jobs), func(ctx context.Context, j job) (struct{}, error) {
		res, err := newClient(tokens[j.school]).Ingest(ctx, "L", j.school, j.req, j.files)
		if err == nil {
			rejected.Add(int64(res.Summary["rejected"]))
		}
		return struct{}{}, err
	}, nil)
	took := time.Since(start)
	if err != nil {
		return 0, 0, err
	}
	return float64(n) / took.Seconds(), int(rejected.Load()), nil
}

func loadReading(f *form.Form, i int) reading.Reading {
	ans := make([]string, f.Questions())
	for q := range ans {
		ans[q] = f.Options[(i*7+q*3)%len(f.Options)]
		if (i+q)%17 == 0 {
			ans[q] = ""
		}
	}
	return reading.Reading{File: fmt.Sprintf("scan-%06d.png", i), Page: 1, Status: reading.StatusOK, Form: f.ID,
		Sheet: fmt.Sprintf("G7-%07d", i), IIN: loadIIN(i), Variant: fmt.Sprint(1 + i%f.Variants), Answers: ans, Review: []string{}}
}

func loadIIN(i int) string {
	for serial := i % 9000; ; serial = (serial + 9001) % 10000 {
		s, err := iin.Make(time.Date(2012+i%2, time.Month(1+i%12), 1+i%28, 0, 0, 0, 0, time.UTC), iin.Sex([]byte{'M', 'F'}[i%2]), serial)
		if err == nil {
			return s
		}
	}
}

// seedRankings stores rankings for n candidates spread over the schools and grades
// 5, 6 and 7, straight into the store: the figure measured is the export.
func seedRankings(ctx context.Context, st store.Store, schools []store.School, n int) error {
	groups := len(schools) * 3
	i := 0
	for g := 0; g < groups; g++ {
		school, grade := schools[g/3].Code, 5+g%3
		size := n / groups
		if g < n%groups {
			size++
		}
		rows := make([]store.Placement, size)
		for p := range rows {
			outcome := "not_admitted"
			switch {
			case p < size/4:
				outcome = "admitted"
			case p < size/4+10:
				outcome = "reserve"
			}
			rows[p] = store.Placement{School: school, Grade: grade, Place: p + 1, IIN: loadIIN(i), Name: fmt.Sprintf("Кандидат %d", i), Score: 300 - p, Outcome: contest.Outcome(outcome)}
			i++
		}
		if _, err := st.PutRanking(ctx, store.System, "L", school, grade, rows); err != nil {
			return err
		}
	}
	return nil
}

func loadExport(ctx context.Context, c *client.Client, format string, limit int) (time.Duration, int, int, error) {
	start := time.Now()
	rows, pages := 0, 0
	after := ""
	for {
		q := url.Values{"format": {format}, "limit": {fmt.Sprint(limit)}}
		if after != "" {
			q.Set("after", after)
		}
		req, _ := http.NewRequestWithContext(ctx, "GET", c.Base+"/api/contests/L/export?"+q.Encode(), nil)
		req.Header.Set("Authorization", "Bearer "+c.Token)
		resp, err := c.HTTP.Do(req)
		if err != nil {
			return 0, 0, 0, err
		}
		n, _ := io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			return 0, 0, 0, fmt.Errorf("status %d", resp.StatusCode)
		}
		pages++
		var got int
		fmt.Sscan(resp.Header.Get("X-Rows"), &got)
		rows += got
		_ = n
		after = resp.Header.Get("X-Next-Cursor")
		if after == "" {
			break
		}
	}
	return time.Since(start), rows, pages, nil
}

func loadRanking(ctx context.Context, newClient func(string) *client.Client, tokens map[string]string, schools []store.School, clients, requests int, pause time.Duration) ([]time.Duration, time.Duration, error) {
	// Warm the cache (and the token cache) first: the figure is for the cached ranking.
	for i, s := range schools {
		for g := 5; g <= 7; g++ {
			if err := newClient(tokens[s.Code]).Do(ctx, "GET", client.SchoolPath("L", s.Code)+fmt.Sprintf("/grades/%d/ranking", g), "", nil, io.Discard); err != nil {
				return nil, 0, fmt.Errorf("warm-up %d: %w", i, err)
			}
		}
	}
	// And open the clients' connections: the figure is for requests, not TCP set-up.
	var warm sync.WaitGroup
	for c := 0; c < clients; c++ {
		warm.Add(1)
		go func() {
			defer warm.Done()
			s := schools[c%len(schools)].Code
			newClient(tokens[s]).Do(ctx, "GET", client.SchoolPath("L", s)+"/grades/7/ranking", "", nil, io.Discard)
		}()
	}
	warm.Wait()
	lat := make([]time.Duration, requests)
	var next atomic.Int64
	var failed atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for c := 0; c < clients; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= requests || ctx.Err() != nil {
					return
				}
				s := schools[i%len(schools)].Code
				cl := newClient(tokens[s])
				t0 := time.Now()
				err := cl.Do(ctx, "GET", client.SchoolPath("L", s)+fmt.Sprintf("/grades/%d/ranking", 5+i%3), "", nil, io.Discard)
				lat[i] = time.Since(t0)
				if err != nil {
					failed.Add(1)
				}
				if pause > 0 {
					time.Sleep(pause/2 + time.Duration(mrand.Int64N(int64(pause))))
				}
			}
		}()
	}
	wg.Wait()
	if f := failed.Load(); f > 0 {
		return nil, 0, fmt.Errorf("%d of %d ranking requests failed", f, requests)
	}
	if ctx.Err() != nil {
		return nil, 0, errors.New("stopped by the time cap")
	}
	return lat, time.Since(start), nil
}
