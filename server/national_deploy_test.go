package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"tarazy/server"
	"tarazy/store"
	"tarazy/store/blob/s3test"
	"tarazy/store/postgres"
	"tarazy/store/postgres/pgtest"
	"tarazy/store/storetest"
)

// The national deployment as issue 16 asks to prove it: three servers on one
// PostgreSQL database and one S3 bucket (a real S3-compatible server), ingesting
// through all three, reviewing across them, ranking on one and reading the ranking
// on another after an idle pause, and one server rolled to a build with an extra
// compatible migration and back — while the others stay ready and correct.
func TestNationalDeployment(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dbURL := pgtest.URL(t)
	bucket := s3test.Start(t).Bucket(t)
	expand := fstest.MapFS{"168_test_expand.sql": {Data: []byte(storetest.CompatibleMigration)}}
	contract := fstest.MapFS{"169_test_contract.sql": {Data: []byte("-- changes what older builds read\nALTER TABLE tarazy_test_expand ADD COLUMN y INTEGER;\n")}}
	// build opens the store a server of a build carrying extra migrations would, and
	// migrates on start as `tarazy serve` does.
	build := func(extra ...fs.FS) *postgres.Store {
		var opts []postgres.Option
		for _, e := range extra {
			opts = append(opts, postgres.WithMigrations(e))
		}
		st, err := postgres.Open(ctx, dbURL, opts...)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		if _, err := st.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		return st
	}
	const fresh = 300 * time.Millisecond
	cfg := func(c *server.Config) { c.RankingFreshness = fresh }
	start := func(st store.Store, tokens map[string]string) *env {
		return startServer(t, st, s3test.OpenURL(t, bucket), tokens, cfg, nil)
	}
	a := start(build(), nil)
	a.seed(t)
	b := start(build(), a.tokens)
	c := start(build(), a.tokens)
	for _, s := range []*env{a, b, c} {
		if body := s.must(t, 200, "", "GET", "/readyz", "", ""); !strings.Contains(body, "s3 http://") {
			t.Fatalf("/readyz does not name the bucket: %s", body)
		}
	}

	// The contest's data, each file through another server.
	g := "/api/contests/C1/schools/S1/grades/5"
	a.must(t, 200, "aigerim", "PUT", "/api/contests/C1/schools/S1/seats", "text/csv", "school,grade,seats\nS1,5,2\n")
	cands := "school,grade,iin,name,olympiad,myn_bala\n"
	for _, n := range []int{5, 1, 2, 3, 4} {
		cands += fmt.Sprintf("S1,5,%s,Candidate %d,0,0\n", storetest.IIN(n), n)
	}
	b.must(t, 200, "aigerim", "PUT", "/api/contests/C1/schools/S1/candidates", "text/csv", cands)
	c.must(t, 200, "daryn", "PUT", "/api/contests/C1/keys", "text/csv", keyCSV())

	// Ingest through all three: each server one sheet, the page under review through
	// the third, and one batch sent to all three at once (stored once).
	for i, n := range []int{5, 1, 2} {
		req, files := server.IngestRequest{Batch: store.Batch{Name: "run-1"}}, map[string][]byte{}
		it, img := page(fmt.Sprintf("%06d", n), n)
		req.Sheets, files[it.Image] = []store.IngestItem{it}, img
		if _, err := []*env{a, b, c}[i].client("aigerim").Ingest(ctx, "C1", "S1", req, files); err != nil {
			t.Fatal(err)
		}
	}
	it, files := reviewPage("000004", 4)
	three, img3 := page("000003", 3)
	files[three.Image] = img3
	req := server.IngestRequest{Batch: store.Batch{Name: "run-2"}, Sheets: []store.IngestItem{it, three}}
	var wg sync.WaitGroup
	stored := make([]int, 3)
	for i, s := range []*env{a, b, c} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, err := s.client("bolat").Ingest(ctx, "C1", "S1", req, files)
			if err != nil {
				t.Error(err)
				return
			}
			stored[i] = res.Summary["stored"]
		}()
	}
	wg.Wait()
	if stored[0]+stored[1]+stored[2] != 2 {
		t.Fatalf("one batch sent to three servers at once stored %v times", stored)
	}
	// Every server serves every image and crop, whichever received it.
	for _, s := range []*env{a, b, c} {
		for _, h := range []string{it.Image, it.Crops["q3"], three.Image} {
			s.must(t, 200, "aigerim", "GET", "/api/contests/C1/schools/S1/blobs/"+h, "", "")
		}
	}

	// Review across servers: two reviewers disagree on two servers, the chair settles
	// it on the third.
	rv := "/api/contests/C1/schools/S1/review/000004/q3"
	a.must(t, 200, "aigerim", "POST", rv, "application/json", `{"value":"D"}`)
	b.must(t, 200, "bolat", "POST", rv, "application/json", `{"value":"B"}`)
	c.must(t, 200, "chair", "POST", rv, "application/json", `{"value":"B","as_chair":true}`)

	// Rank on one server, read on another; a tie decided on the third, ranked again on
	// the first; after an idle pause the other server shows the new version at once.
	a.must(t, 200, "aigerim", "POST", g+"/score", "", "")
	var rr server.RankResponse
	json.Unmarshal([]byte(a.must(t, 200, "aigerim", "POST", g+"/rank", "", "")), &rr)
	if !rr.Pending || rr.Set.Version == 0 || len(rr.Result.Ties) == 0 {
		t.Fatalf("first ranking: %+v", rr)
	}
	rankingVersion := func(s *env) int {
		var rk store.Ranking
		json.Unmarshal([]byte(s.must(t, 200, "daryn", "GET", g+"/ranking", "", "")), &rk)
		return rk.Version
	}
	if v := rankingVersion(b); v != rr.Set.Version {
		t.Fatalf("server B shows ranking version %d, server A stored %d", v, rr.Set.Version)
	}
	tied := rr.Result.Ties[0].IINs
	body, _ := json.Marshal(map[string]any{"iins": tied, "order": tied, "reason": "жеребе, хаттама №3"})
	c.must(t, 201, "chair", "POST", g+"/ties", "application/json", string(body))
	var rr2 server.RankResponse
	json.Unmarshal([]byte(a.must(t, 200, "aigerim", "POST", g+"/rank", "", "")), &rr2)
	if rr2.Pending || rr2.Set.Version != rr.Set.Version+1 {
		t.Fatalf("second ranking: %+v", rr2)
	}
	time.Sleep(2 * fresh) // idle: nobody asks server B anything
	if v := rankingVersion(b); v != rr2.Set.Version {
		t.Fatalf("after an idle pause server B still shows version %d; server A stored %d", v, rr2.Set.Version)
	}

	// Protocols made on one server are published and downloaded through the others.
	c.must(t, 200, "aigerim", "PUT", "/api/contests/C1/schools/S1/commission", "application/json", commissionJSON)
	b.must(t, 200, "aigerim", "PUT", "/api/contests/C1/schools/S1/sitting", "application/json", sittingJSON)
	a.must(t, 201, "aigerim", "POST", g+"/protocols", "", "")
	b.must(t, 200, "chair", "POST", g+"/publish", "", "")
	if pdf := c.must(t, 200, "", "GET", "/api/public/contests/C1/schools/S1/grades/5/protocol.pdf", "", ""); !strings.HasPrefix(pdf, "%PDF") {
		t.Fatalf("public protocol through server C: %.20q", pdf)
	}

	// Roll server C to a build with an extra, compatible migration: the others stay
	// ready and go on serving; then roll it back.
	c.stop()
	c2 := start(build(expand), a.tokens)
	for _, s := range []*env{a, b, c2} {
		s.must(t, 200, "", "GET", "/readyz", "", "")
	}
	if body := a.must(t, 200, "", "GET", "/readyz", "", ""); !strings.Contains(body, "168_test_expand.sql") {
		t.Errorf("the older servers' /readyz does not name the newer migration: %s", body)
	}
	req5, files5 := batch("run-3", 10, 3)
	if _, err := c2.client("aigerim").Ingest(ctx, "C1", "S1", req5, files5); err != nil {
		t.Fatal(err)
	}
	a.must(t, 200, "aigerim", "GET", "/api/contests/C1/schools/S1/blobs/"+req5.Sheets[0].Image, "", "")
	if v := rankingVersion(b); v != rr2.Set.Version {
		t.Fatalf("server B during the upgrade: ranking version %d", v)
	}
	c2.stop()
	c3 := start(build(), a.tokens)
	c3.must(t, 200, "", "GET", "/readyz", "", "")
	if v := rankingVersion(c3); v != rr2.Set.Version {
		t.Fatalf("server C rolled back: ranking version %d", v)
	}

	// A newer build whose migration is not marked compatible: the older servers say
	// so, and refuse to answer instead of answering wrongly.
	build(expand, contract)
	for _, s := range []*env{a, c3} {
		body := s.must(t, 503, "", "GET", "/readyz", "", "")
		if !strings.Contains(body, "169_test_contract.sql") || !strings.Contains(body, "upgrade this server") {
			t.Errorf("/readyz of an older server on an incompatible schema: %s", body)
		}
		s.must(t, 503, "daryn", "GET", g+"/ranking", "", "")
	}
}
