package blob

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path"
	"strings"
	"sync"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// S3 keeps files in a bucket of an S3-compatible object store, under the same names
// as the directory store (prefix/ab/cd/abcd…). Several servers, in several places,
// share one bucket: that is the national deployment. A file is received into a local
// spool file (hashed on the way), then uploaded with its signed payload hash, so the
// object store refuses damaged bytes: an object under a name holds the bytes that hash
// to it, and uploading them again changes nothing.
type S3 struct {
	c      *minio.Client
	bucket string
	prefix string
	spool  string
	desc   string
}

// S3Config is where the bucket is. ParseS3URL reads it from one URL.
type S3Config struct {
	Endpoint  string // host:port
	Secure    bool   // HTTPS
	Region    string
	Bucket    string
	Prefix    string // key prefix inside the bucket ("" or "dir/")
	AccessKey string
	SecretKey string
	// Spool is a local directory for files being received before upload.
	Spool string
}

// ParseS3URL reads s3://ACCESS:SECRET@host:port/bucket[/prefix][?tls=false&region=R].
// Missing credentials are taken from $AWS_ACCESS_KEY_ID and $AWS_SECRET_ACCESS_KEY,
// so that they need not appear on a command line.
func ParseS3URL(raw string) (S3Config, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "s3" || u.Host == "" {
		return S3Config{}, fmt.Errorf("image store URL %q: want s3://ACCESS:SECRET@host:port/bucket[/prefix]", Redact(raw))
	}
	c := S3Config{Endpoint: u.Host, Secure: true, Region: u.Query().Get("region")}
	if v := u.Query().Get("tls"); v == "false" || v == "0" {
		c.Secure = false
	}
	bucket, prefix, _ := strings.Cut(strings.Trim(u.Path, "/"), "/")
	if bucket == "" {
		return S3Config{}, fmt.Errorf("image store URL %q names no bucket", Redact(raw))
	}
	c.Bucket = bucket
	if prefix != "" {
		c.Prefix = strings.TrimSuffix(prefix, "/") + "/"
	}
	c.AccessKey, c.SecretKey = os.Getenv("AWS_ACCESS_KEY_ID"), os.Getenv("AWS_SECRET_ACCESS_KEY")
	if u.User != nil {
		c.AccessKey = u.User.Username()
		if p, ok := u.User.Password(); ok {
			c.SecretKey = p
		}
	}
	return c, nil
}

// Redact hides the secret of an s3:// URL for logs and banners.
func Redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		return raw
	}
	if _, has := u.User.Password(); has {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	return u.String()
}

// OpenS3 connects to the bucket, which must exist (the operator creates it, with its
// versioning, replication and lifecycle rules; see the README's runbook).
func OpenS3(ctx context.Context, cfg S3Config) (*S3, error) {
	if cfg.Spool == "" {
		return nil, errors.New("image store: S3 needs a local spool directory")
	}
	if err := os.MkdirAll(cfg.Spool, 0o750); err != nil {
		return nil, fmt.Errorf("image store spool %s: %w", cfg.Spool, noSpace(err))
	}
	tr, err := minio.DefaultTransport(cfg.Secure)
	if err != nil {
		return nil, err
	}
	tr.MaxIdleConnsPerHost = 64
	c, err := minio.New(cfg.Endpoint, &minio.Options{
		Creds:     credentials.NewStaticV4(cfg.AccessKey, cfg.SecretKey, ""),
		Secure:    cfg.Secure,
		Region:    cfg.Region,
		Transport: tr,
	})
	if err != nil {
		return nil, fmt.Errorf("image store %s: %w", cfg.Endpoint, err)
	}
	scheme := "https"
	if !cfg.Secure {
		scheme = "http"
	}
	s := &S3{c: c, bucket: cfg.Bucket, prefix: cfg.Prefix, spool: cfg.Spool,
		desc: fmt.Sprintf("s3 %s://%s/%s/%s", scheme, cfg.Endpoint, cfg.Bucket, cfg.Prefix)}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	ok, err := c.BucketExists(ctx, cfg.Bucket)
	if err != nil {
		return nil, fmt.Errorf("image store %s: %w", s.desc, s.classify(err))
	}
	if !ok {
		return nil, fmt.Errorf("image store %s: the bucket %q does not exist; create it first", s.desc, cfg.Bucket)
	}
	return s, nil
}

// String names the store for the start-up banner and logs (no secret).
func (s *S3) String() string { return s.desc }

func (s *S3) key(h string) string { return s.prefix + path.Join(h[:2], h[2:4], h) }

// classify marks what a retry may cure.
func (s *S3) classify(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, context.Canceled) {
		return err
	}
	resp := minio.ToErrorResponse(err)
	switch {
	case resp.StatusCode == http.StatusInsufficientStorage || resp.Code == "XMinioStorageFull":
		return fmt.Errorf("%w: %w", ErrNoSpace, err)
	case resp.StatusCode == 0, resp.StatusCode >= 500, resp.StatusCode == http.StatusTooManyRequests,
		resp.StatusCode == http.StatusForbidden, resp.StatusCode == http.StatusUnauthorized:
		// No answer, the store's own failure, throttling, or credentials it refuses:
		// the operator's to fix, the client's to retry later.
		return fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	return err
}

func notFound(err error) bool {
	r := minio.ToErrorResponse(err)
	return r.Code == "NoSuchKey" || r.StatusCode == http.StatusNotFound
}

// idKey is the object holding the bucket's identity (see ID).
const idKey = "tarazy-store-id"

// ID returns the bucket's identity, made on first use (the database records it; see
// Store.ID). It also checks that the bucket can be reached.
func (s *S3) ID(ctx context.Context) (string, error) {
	for attempt := 0; attempt < 2; attempt++ {
		obj, err := s.c.GetObject(ctx, s.bucket, s.prefix+idKey, minio.GetObjectOptions{})
		if err == nil {
			var b []byte
			b, err = io.ReadAll(io.LimitReader(obj, 256))
			obj.Close()
			if err == nil && len(strings.TrimSpace(string(b))) > 0 {
				return strings.TrimSpace(string(b)), nil
			}
		}
		if err != nil && !notFound(err) {
			return "", s.classify(err)
		}
		// None yet: create it unless another server does at the same moment.
		id := newID("s3")
		opts := minio.PutObjectOptions{ContentType: "text/plain"}
		opts.SetMatchETagExcept("*")
		_, err = s.c.PutObject(ctx, s.bucket, s.prefix+idKey, strings.NewReader(id+"\n"), int64(len(id)+1), opts)
		if err != nil && minio.ToErrorResponse(err).StatusCode != http.StatusPreconditionFailed {
			return "", s.classify(err)
		}
	}
	return "", fmt.Errorf("%w: the identity object %s cannot be read back", ErrUnavailable, s.prefix+idKey)
}

// Has reports whether a file with this hash is stored.
func (s *S3) Has(ctx context.Context, h string) (bool, error) {
	if !ValidHash(h) {
		return false, nil
	}
	_, err := s.c.StatObject(ctx, s.bucket, s.key(h), minio.StatObjectOptions{})
	if err != nil {
		if notFound(err) {
			return false, nil
		}
		return false, s.classify(err)
	}
	return true, nil
}

// Stage receives a file into the spool and hashes it; Commit uploads it.
func (s *S3) Stage(r io.Reader, max int64, want string) (*Staged, error) {
	return receive(s.spool, r, max, want)
}

// Commit uploads staged files, several at once, and removes their spool files. Until
// it returns nil, none of them may be relied on; on failure none is left in the spool.
func (s *S3) Commit(ctx context.Context, staged ...*Staged) error {
	defer s.Discard(staged...)
	errs := make([]error, len(staged))
	sem := make(chan struct{}, 48)
	var wg sync.WaitGroup
	for i, st := range staged {
		if st.tmp == "" {
			continue
		}
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			errs[i] = s.upload(ctx, st)
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("image store: %w", err)
	}
	return nil
}

func (s *S3) upload(ctx context.Context, st *Staged) error {
	f, err := os.Open(st.tmp)
	if err != nil {
		return err
	}
	defer f.Close()
	opts := minio.PutObjectOptions{ContentType: "application/octet-stream", DisableMultipart: st.Size < 64<<20}
	// No If-None-Match: the name is the bytes' SHA-256 and the upload is signed with
	// the payload's hash (or carries a checksum over TLS), so an object under this
	// name holds exactly these bytes, and writing them again changes nothing. (A
	// conditional write cost a third of ingest speed on versitygw.)
	_, err = s.c.PutObject(ctx, s.bucket, s.key(st.Hash), f, st.Size, opts)
	return s.classify(err)
}

// Discard removes staged files that will not be committed.
func (s *S3) Discard(staged ...*Staged) {
	for _, st := range staged {
		if st.tmp != "" {
			os.Remove(st.tmp)
			st.tmp = ""
		}
	}
}

// Put stores what r yields, up to max bytes (0: no limit), and returns its hash and
// size.
func (s *S3) Put(ctx context.Context, r io.Reader, max int64) (string, int64, error) {
	st, err := s.Stage(r, max, "")
	if err != nil {
		return "", 0, err
	}
	return st.Hash, st.Size, s.Commit(ctx, st)
}

// Open returns the stored file; ErrNotFound if there is none.
func (s *S3) Open(ctx context.Context, h string) (io.ReadSeekCloser, error) {
	if !ValidHash(h) {
		return nil, ErrNotFound
	}
	obj, err := s.c.GetObject(ctx, s.bucket, s.key(h), minio.GetObjectOptions{})
	if err == nil {
		_, err = obj.Stat()
	}
	if err != nil {
		if obj != nil {
			obj.Close()
		}
		if notFound(err) {
			return nil, ErrNotFound
		}
		return nil, s.classify(err)
	}
	return obj, nil
}

// CleanTemp removes spool files older than age (uploads a killed server never
// finished).
func (s *S3) CleanTemp(age time.Duration) (files int, bytes int64, err error) {
	return cleanDir(s.spool, age)
}
