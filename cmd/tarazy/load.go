package main

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	mrand "math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"runtime"
	"runtime/pprof"
	"slices"
	"sync"
	"sync/atomic"
	"text/tabwriter"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/prometheus/client_golang/prometheus"

	"tarazy/contest"
	"tarazy/iin"
	"tarazy/omr/form"
	"tarazy/omr/reading"
	"tarazy/server"
	"tarazy/server/client"
	"tarazy/store"
	"tarazy/store/blob"
)

func init() {
	register(&command{
		Name:    "load",
		Summary: "measure ingest, national export and ranking latency on a loopback server",
		Run:     runLoad,
	})
}

// runLoad starts its own server on a loopback port over a scratch database and data
// directory, drives it with bounded work (counts and a time cap; it stops by itself),
// prints the figures the issue asks for, and removes what it created. It has no flag
// for a target address: it can only ever load itself.
func runLoad(ctx context.Context, env *Env, args []string) error {
	fs := newFlags(env, "load", "load [--db postgres://…] [--sheets N] [--batch N] [--workers N] [--export N] [--schools N] [--clients N] [--requests N]")
	dbURL := fs.String("db", os.Getenv("TARAZY_DB"), "PostgreSQL URL to create a scratch schema in; empty: a scratch SQLite file (env TARAZY_DB)")
	sheets := fs.Int("sheets", 20000, "sheet readings to ingest")
	batchSize := fs.Int("batch", 200, "readings per ingest request")
	workers := fs.Int("workers", 4, "concurrent uploading workers")
	imageBytes := fs.Int("image-bytes", 4096, "bytes of each synthetic page image")
	exportRows := fs.Int("export", 100000, "candidates in the national export")
	schools := fs.Int("schools", 150, "schools the export's candidates are spread over")
	clients := fs.Int("clients", 200, "concurrent clients asking for per-school rankings")
	requests := fs.Int("requests", 20000, "ranking requests in each ranking run")
	think := fs.Duration("think", 100*time.Millisecond, "each ranking client's pause between requests (±50 %), as a person or a poller would")
	capTime := fs.Duration("cap", 10*time.Minute, "stop everything after this long")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the whole run to this file")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	ctx, cancel := context.WithTimeout(ctx, *capTime)
	defer cancel()

	dir, err := os.MkdirTemp("", "tarazy-load-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	db := &dbFlags{data: dir}
	if *dbURL != "" {
		scratch, drop, err := scratchSchema(ctx, *dbURL)
		if err != nil {
			return err
		}
		defer drop()
		db.db = scratch
	}
	st, err := db.openMigrated(ctx, env)
	if err != nil {
		return err
	}
	defer st.Close()
	blobs, err := blob.Open(dir + "/images")
	if err != nil {
		return err
	}
	cfg := server.Defaults()
	reg := prometheus.NewRegistry()
	srv, err := server.New(st, blobs, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), reg, reg)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	sctx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(sctx, ln) }()
	defer func() { stop(); <-done }()
	base := "http://" + ln.Addr().String()
	fmt.Fprintf(env.Stdout, "load: server on %s, database %s\n", base, db.describe())

	// Seed: a contest, the schools, a commission token per school.
	if _, err := st.CreateContest(ctx, store.System, store.Contest{ID: "L", Name: "load", Year: 2026}); err != nil {
		return err
	}
	var sc []store.School
	for i := 1; i <= *schools; i++ {
		sc = append(sc, store.School{Code: fmt.Sprintf("S%03d", i), NameKK: "Мектеп", NameRU: "Школа"})
	}
	if err := st.PutSchools(ctx, store.System, sc); err != nil {
		return err
	}
	tokens := map[string]string{}
	for _, s := range sc {
		id, secret, hash := server.NewToken()
		if _, err := st.CreateToken(ctx, store.System, store.User{Name: "commission " + s.Code, Role: store.RoleCommission, School: s.Code}, id, hash, nil); err != nil {
			return err
		}
		tokens[s.Code] = secret
	}
	id, darynSecret, hash := server.NewToken()
	if _, err := st.CreateToken(ctx, store.System, store.User{Name: "daryn", Role: store.RoleDaryn}, id, hash, nil); err != nil {
		return err
	}
	httpc := &http.Client{Timeout: 2 * time.Minute, Transport: &http.Transport{MaxIdleConns: 512, MaxIdleConnsPerHost: 512, MaxConnsPerHost: 512}}
	newClient := func(token string) *client.Client {
		c := client.New(base, token)
		c.HTTP = httpc
		return c
	}

	type figure struct{ name, value, target, cmd string }
	var figures []figure

	// 1. Ingest.
	rate, rejected, err := loadIngest(ctx, newClient, tokens, sc, *sheets, *batchSize, *workers, *imageBytes)
	if err != nil {
		return fmt.Errorf("ingest: %w", err)
	}
	figures = append(figures, figure{"ingest", fmt.Sprintf("%.0f readings/s (%d readings, batches of %d, %d workers, %d-byte images; %d refused)", rate, *sheets, *batchSize, *workers, *imageBytes, rejected), "≥ 1000 readings/s", ""})

	// 2. National export.
	runtime.GC()
	if err := seedRankings(ctx, st, sc, *exportRows); err != nil {
		return fmt.Errorf("seed rankings: %w", err)
	}
	dc := newClient(darynSecret)
	for _, format := range []string{"json", "csv"} {
		took, rows, pages, err := loadExport(ctx, dc, format, MaxExportPageFor(*exportRows))
		if err != nil {
			return fmt.Errorf("export: %w", err)
		}
		figures = append(figures, figure{"export " + format + " (one page)", fmt.Sprintf("%.3f s for %d candidates in %d page", took.Seconds(), rows, pages), "< 2 s", ""})
		took, rows, pages, err = loadExport(ctx, dc, format, 10000)
		if err != nil {
			return fmt.Errorf("export: %w", err)
		}
		figures = append(figures, figure{"export " + format + " (pages of 10000)", fmt.Sprintf("%.3f s for %d candidates in %d pages", took.Seconds(), rows, pages), "< 2 s", ""})
	}

	// 3. Cached per-school ranking under concurrency: clients that pause between
	// requests as people and pollers do, then clients that never pause (saturation).
	for _, pause := range []time.Duration{*think, 0} {
		runtime.GC() // start each run without the previous phase's garbage
		lat, wall, err := loadRanking(ctx, newClient, tokens, sc, *clients, *requests, pause)
		if err != nil {
			return fmt.Errorf("ranking: %w", err)
		}
		slices.Sort(lat)
		pct := func(p float64) time.Duration { return lat[min(len(lat)-1, int(p*float64(len(lat))))] }
		name, target := fmt.Sprintf("ranking p99, %d clients, pause %v", *clients, pause), "< 20 ms"
		if pause == 0 {
			name, target = fmt.Sprintf("ranking p99, %d clients, no pause", *clients), "(saturation: latency = clients / throughput)"
		}
		figures = append(figures, figure{name, fmt.Sprintf("%.2f ms (p50 %.2f, p95 %.2f, max %.2f ms; %d requests, %.0f req/s)",
			ms(pct(0.99)), ms(pct(0.50)), ms(pct(0.95)), ms(lat[len(lat)-1]), len(lat), float64(len(lat))/wall.Seconds()), target, ""})
	}

	tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "\nload figures (%s, %d cores shared)\n", db.describe(), runtimeCPUs())
	fmt.Fprintln(tw, "MEASURE\tRESULT\tTARGET")
	for _, f := range figures {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", f.name, f.value, f.target)
	}
	return tw.Flush()
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// MaxExportPageFor is the page size that fetches n candidates in one request.
func MaxExportPageFor(n int) int { return min(max(n, 1), server.MaxExportPage) }

// scratchSchema creates a schema of its own on the given PostgreSQL and returns a URL
// that uses it, and a function that drops it.
func scratchSchema(ctx context.Context, dbURL string) (string, func(), error) {
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		return "", nil, fmt.Errorf("connect to %s: %w", redactURL(dbURL), err)
	}
	defer conn.Close(ctx)
	b := make([]byte, 6)
	rand.Read(b)
	schema := "tarazy_load_" + hex.EncodeToString(b)
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		return "", nil, err
	}
	drop := func() {
		c, err := pgx.Connect(context.Background(), dbURL)
		if err != nil {
			return
		}
		defer c.Close(context.Background())
		c.Exec(context.Background(), "DROP SCHEMA "+schema+" CASCADE")
	}
	u, err := url.Parse(dbURL)
	if err != nil {
		drop()
		return "", nil, err
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String(), drop, nil
}

// loadIngest uploads n g7 readings (one in twenty under review, with a crop) through
// the API and returns readings per second.
func loadIngest(ctx context.Context, newClient func(string) *client.Client, tokens map[string]string, schools []store.School, n, batch, workers, imageBytes int) (float64, int, error) {
	g7, err := form.Get("g7")
	if err != nil {
		return 0, 0, err
	}
	type job struct {
		school string
		req    server.IngestRequest
		files  map[string][]byte
	}
	// Build every batch before the clock starts: the figure is the server's.
	var jobs []job
	for start := 0; start < n; start += batch {
		school := schools[(start/batch)%min(len(schools), workers*2)].Code
		j := job{school: school, req: server.IngestRequest{Batch: store.Batch{Name: fmt.Sprintf("load-%d", start/batch), Operator: "load", Scanner: "load"}}, files: map[string][]byte{}}
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
	ch := make(chan job)
	var rejected atomic.Int64
	var firstErr error
	var once sync.Once
	var wg sync.WaitGroup
	start := time.Now()
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range ch {
				res, err := newClient(tokens[j.school]).Ingest(ctx, "L", j.school, j.req, j.files)
				if err != nil {
					once.Do(func() { firstErr = err })
					continue
				}
				rejected.Add(int64(res.Summary["rejected"]))
			}
		}()
	}
	for _, j := range jobs {
		ch <- j
	}
	close(ch)
	wg.Wait()
	took := time.Since(start)
	if firstErr != nil {
		return 0, 0, firstErr
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

func runtimeCPUs() int { return runtime.NumCPU() }
