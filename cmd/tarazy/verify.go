package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"sync"

	"tarazy/calibration"
	"tarazy/omr"
	"tarazy/omr/reading"
	"tarazy/results"
	"tarazy/server/client"
	"tarazy/store/blob"
)

func init() {
	register(&command{
		Name:    "verify",
		Summary: "check a published protocol against its scans and recorded decisions (the Daryn centre, or anyone holding the data)",
		Run:     runVerify,
	})
}

const verifyUsage = `verify --contest ID --school CODE --grade 7 [--data DIR | --db postgres://…] [--lang kk|ru|en] [--json FILE]
       verify --contest ID --school CODE --grade 7 --server URL --token TOKEN [--lang …] [--json FILE]

Reads every stored scan of the grade again with the reader and calibration profile
recorded with it, replays the recorded review decisions, scores again with the stored
key, base and recorded policy, ranks again with the stored seats and tie decisions,
renders the protocol again with the stored commission and calendar, and compares each
step and the published files byte for byte. It prints the verdict and every
difference in words, and exits 1 when the protocol does not match its evidence.

With --data/--db it works on a copy of the data (the database and its images folder);
with --server it asks the server to do it (a token of role daryn or admin).`

func runVerify(ctx context.Context, env *Env, args []string) error {
	fs := newFlags(env, "verify", verifyUsage)
	contestID := fs.String("contest", "", "the contest (required)")
	school := fs.String("school", "", "the school code (required)")
	grade := fs.Int("grade", 0, "the grade: 5, 6 or 7 (required)")
	lang := fs.String("lang", "kk", "language of the verdict: kk, ru or en")
	jsonPath := fs.String("json", "", "also write the verdict as JSON here")
	serverURL := fs.String("server", "", "ask this tarazy server to verify (instead of reading the data here)")
	token := fs.String("token", "", "API token for --server (role daryn or admin)")
	db := addDBFlags(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *contestID == "" || *school == "" || *grade == 0 {
		return usagef("--contest, --school and --grade are required")
	}
	switch *lang {
	case "kk", "ru", "en":
	default:
		return usagef("--lang %q: kk, ru or en", *lang)
	}
	var v *results.Verdict
	var err error
	if *serverURL != "" {
		v = &results.Verdict{}
		err = client.New(*serverURL, *token).Do(ctx, "POST", client.SchoolPath(*contestID, *school)+"/grades/"+strconv.Itoa(*grade)+"/verify", "", nil, v)
	} else {
		v, err = verifyLocal(ctx, db, *contestID, *school, *grade)
	}
	if err != nil {
		return err
	}
	if *jsonPath != "" {
		b, err := json.MarshalIndent(v, "", "  ")
		if err != nil {
			return err
		}
		if err := writeOut(env, *jsonPath, func(w io.Writer) error { _, err := w.Write(append(b, '\n')); return err }); err != nil {
			return err
		}
	}
	fmt.Fprintln(env.Stdout, v.Summary.In(*lang))
	for _, d := range v.Differences {
		fmt.Fprintf(env.Stdout, "  [%s] %s\n", d.Kind, d.Text.In(*lang))
	}
	fmt.Fprintf(env.Stdout, "%d pages read again, %d sheets replayed, %d candidates, reader %s, %.1fs\n", v.Pages, v.Sheets, v.Candidates, v.Reader, v.Seconds)
	if !v.OK {
		return errors.New(v.Summary.EN)
	}
	return nil
}

// verifyLocal verifies on the data here: the database (SQLite in --data, or --db) and
// the images folder beside it. It changes nothing.
func verifyLocal(ctx context.Context, db *dbFlags, contestID, school string, grade int) (*results.Verdict, error) {
	st, err := db.open(ctx)
	if err != nil {
		return nil, err
	}
	defer st.Close()
	if applied, known, err := st.Migrations(ctx); err != nil {
		return nil, err
	} else if applied != known {
		return nil, fmt.Errorf("%s has %d of the %d migrations this tarazy knows; verify with the tarazy that made it, or run tarazy migrate on a copy", db.describe(), applied, known)
	}
	blobs, err := blob.Open(filepath.Join(db.data, "images"))
	if err != nil {
		return nil, err
	}
	svc := &results.Service{Store: st, Blobs: blobs, Reader: newScanReader()}
	return svc.Verify(ctx, contestID, school, grade)
}

// scanReader is the omr reader as the results engine's Reader: one reader per
// calibration profile, made on first use and shared (an omr.Reader is safe for
// concurrent use).
type scanReader struct {
	mu sync.Mutex
	by map[string]*omr.Reader
}

func newScanReader() *scanReader { return &scanReader{by: map[string]*omr.Reader{}} }

func (s *scanReader) Version() string { return omr.Version }

func (s *scanReader) reader(p *calibration.Profile) (*omr.Reader, error) {
	key := p.SHA256()
	s.mu.Lock()
	defer s.mu.Unlock()
	if r, ok := s.by[key]; ok {
		return r, nil
	}
	r, err := omr.NewReader(omr.Options{Profile: p})
	if err != nil {
		return nil, err
	}
	s.by[key] = r
	return r, nil
}

func (s *scanReader) Read(ctx context.Context, file string, page int, image []byte, p *calibration.Profile) (reading.Reading, error) {
	r, err := s.reader(p)
	if err != nil {
		return reading.Reading{}, err
	}
	pages, err := r.ReadBytes(ctx, file, image)
	if err != nil {
		return reading.Reading{}, err
	}
	if len(pages) != 1 {
		return reading.Reading{}, fmt.Errorf("%s page %d: the stored image holds %d pages, not one", file, page, len(pages))
	}
	rd := pages[0].Reading
	rd.Page = page
	return rd, nil
}
