// Package s3test gives tests a bucket of their own on a real S3-compatible server:
// versitygw (Apache-2.0, github.com/versity/versitygw), which scripts/deps.sh installs
// pinned, started here on a loopback port over a temporary directory and stopped when
// the test ends. No mock: the S3 image store is tested against what it will talk to.
package s3test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"tarazy/store/blob"
)

// Version is the versitygw release scripts/deps.sh installs (keep them in step).
const Version = "v1.8.0"

const (
	// EnvServer names the versitygw binary; by default the one scripts/deps.sh
	// installs (Binary), then one on PATH.
	EnvServer = "TARAZY_VERSITYGW"
	// EnvRequire makes a missing server fail the test instead of skipping it
	// (`make test` sets it).
	EnvRequire = "TARAZY_REQUIRE_S3"
)

// Binary is where scripts/deps.sh installs versitygw.
func Binary() string {
	if v := os.Getenv(EnvServer); v != "" {
		return v
	}
	cache, err := os.UserCacheDir()
	if err == nil {
		p := filepath.Join(cache, "tarazy", "versitygw-"+Version, "versitygw")
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	if p, err := exec.LookPath("versitygw"); err == nil {
		return p
	}
	return ""
}

// Server is a running versitygw.
type Server struct {
	Endpoint          string // 127.0.0.1:port
	AccessKey, Secret string
	Dir               string // its data
}

// Start runs versitygw for the test, stopped at its end.
func Start(tb testing.TB) *Server {
	tb.Helper()
	bin := Binary()
	if bin == "" {
		msg := "versitygw is not installed (scripts/deps.sh test installs it; or set " + EnvServer + ")"
		if os.Getenv(EnvRequire) != "" {
			tb.Fatal(msg)
		}
		tb.Skip(msg)
	}
	s := &Server{AccessKey: "tarazy", Secret: "tarazy-test-secret", Dir: tb.TempDir()}
	var last error
	for attempt := 0; attempt < 5; attempt++ {
		port, err := freePort()
		if err != nil {
			tb.Fatal(err)
		}
		s.Endpoint = fmt.Sprintf("127.0.0.1:%d", port)
		cmd := exec.Command(bin, "--access", s.AccessKey, "--secret", s.Secret, "--port", s.Endpoint, "--quiet", "--keep-alive", "posix", s.Dir)
		var out strings.Builder
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Start(); err != nil {
			tb.Fatalf("start %s: %v", bin, err)
		}
		exited := make(chan error, 1)
		go func() { exited <- cmd.Wait() }()
		if last = waitListening(s.Endpoint, exited); last == nil {
			tb.Cleanup(func() {
				cmd.Process.Kill()
				<-exited
			})
			return s
		}
		cmd.Process.Kill()
		<-exited
		last = fmt.Errorf("%w\n%s", last, out.String())
	}
	tb.Fatalf("versitygw did not start: %v", last)
	return nil
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

func waitListening(addr string, exited <-chan error) error {
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case err := <-exited:
			return fmt.Errorf("exited: %v", err)
		default:
		}
		if c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond); err == nil {
			c.Close()
			return nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	return fmt.Errorf("nothing listens on %s after 15 s", addr)
}

// Bucket creates a new bucket and returns its s3:// URL (plain HTTP on loopback).
func (s *Server) Bucket(tb testing.TB) string {
	tb.Helper()
	b := make([]byte, 5)
	rand.Read(b)
	name := "tarazy-" + hex.EncodeToString(b)
	c, err := minio.New(s.Endpoint, &minio.Options{Creds: credentials.NewStaticV4(s.AccessKey, s.Secret, "")})
	if err != nil {
		tb.Fatal(err)
	}
	if err := c.MakeBucket(context.Background(), name, minio.MakeBucketOptions{}); err != nil {
		tb.Fatalf("create bucket %s: %v", name, err)
	}
	return fmt.Sprintf("s3://%s:%s@%s/%s?tls=false", s.AccessKey, s.Secret, s.Endpoint, name)
}

// Open returns an S3 image store on a new bucket of a server started for the test,
// with its spool in a temporary directory.
func Open(tb testing.TB) *blob.S3 {
	tb.Helper()
	return OpenURL(tb, Start(tb).Bucket(tb))
}

// OpenURL opens the bucket at url with a spool of its own.
func OpenURL(tb testing.TB, url string) *blob.S3 {
	tb.Helper()
	cfg, err := blob.ParseS3URL(url)
	if err != nil {
		tb.Fatal(err)
	}
	cfg.Spool = tb.TempDir()
	st, err := blob.OpenS3(context.Background(), cfg)
	if err != nil {
		tb.Fatal(err)
	}
	return st
}
