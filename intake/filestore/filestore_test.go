package filestore_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"tarazy/intake"
	"tarazy/intake/filestore"
	"tarazy/intake/intaketest"
)

func TestContract(t *testing.T) {
	intaketest.RunRepositoryContract(t, func(t *testing.T) intake.Repository {
		s, err := filestore.Open(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

func app() *intake.Application {
	at := time.Date(2026, 4, 2, 10, 0, 0, 0, time.UTC)
	return &intake.Application{Series: "ADM-2026", Service: "school-admission", Status: intake.Registered,
		Applicant: intake.Person{Name: "Айгүл"}, Registered: intake.DateOf(at), RegisteredAt: at, Staff: "clerk"}
}

func TestRecordsSurviveReopening(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	s, _ := filestore.Open(dir)
	a := app()
	if err := s.CreateApplication(ctx, a, intake.AuditEntry{Action: "submit"}); err != nil {
		t.Fatal(err)
	}
	s2, err := filestore.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	got, err := s2.Application(ctx, a.Number)
	if err != nil || got.Applicant.Name != "Айгүл" {
		t.Fatalf("after reopening: %+v, %v", got, err)
	}
}

// Separate Store values on one folder stand for separate CLI processes: the flock
// serialises them, so no submission is lost and no number is given twice.
func TestParallelProcessesLoseNothing(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	const n = 12
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, err := filestore.Open(dir)
			if err != nil {
				t.Error(err)
				return
			}
			if err := s.CreateApplication(ctx, app(), intake.AuditEntry{Action: "submit"}); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	s, _ := filestore.Open(dir)
	list, _ := s.Applications(ctx, intake.Filter{})
	if len(list) != n {
		t.Fatalf("%d applications after %d parallel submissions", len(list), n)
	}
}

func TestDamagedFileIsRefusedAndKept(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	s, _ := filestore.Open(dir)
	for i := 0; i < 2; i++ {
		if err := s.CreateApplication(ctx, app(), intake.AuditEntry{Action: "submit"}); err != nil {
			t.Fatal(err)
		}
	}
	path := filepath.Join(dir, filestore.FileName)
	if err := os.WriteFile(path, []byte(`{"format":"tarazy-intake/1","applications":[{"number":`), 0o640); err != nil {
		t.Fatal(err)
	}
	err := s.CreateApplication(ctx, app(), intake.AuditEntry{Action: "submit"})
	if !errors.Is(err, filestore.ErrDamaged) || !strings.Contains(err.Error(), "intake.json.bak") {
		t.Fatalf("writing over a damaged file = %v, want ErrDamaged naming the backup", err)
	}
	if b, _ := os.ReadFile(path); !strings.HasSuffix(string(b), `"number":`) {
		t.Fatal("the damaged file was overwritten; a person must see it as it was")
	}
	if _, err := filestore.Open(dir); !errors.Is(err, filestore.ErrDamaged) {
		t.Fatalf("Open on a damaged file = %v", err)
	}
	// The backup holds the last good version.
	bak, err := os.ReadFile(path + ".bak")
	if err != nil || !strings.Contains(string(bak), `"format": "tarazy-intake/1"`) {
		t.Fatalf("backup: %v %q", err, bak)
	}
}
