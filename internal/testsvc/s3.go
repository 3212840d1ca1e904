package testsvc

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// S3 credentials of the gateway's root account. They are local to the test
// server and grant nothing anywhere else.
const (
	s3AccessKey = "gureum-test"
	s3SecretKey = "gureum-test-secret"
	s3Region    = "us-east-1"
)

// S3 is a running Versity S3 Gateway (versitygw), a production S3 server, with
// its POSIX backend on a temporary directory. It implements the S3 REST API the
// AWS SDK speaks, including multipart uploads (Create/UploadPart/Complete/Abort,
// ListMultipartUploads) and ListObjectsV2. It does not implement KMS: the
// x-amz-server-side-encryption headers are accepted and not acted upon.
type S3 struct {
	// Endpoint is the server's base URL, e.g. http://127.0.0.1:41234.
	Endpoint string
	// Dir is the directory holding the buckets; each bucket is a subdirectory.
	Dir    string
	cmd    *exec.Cmd
	exited chan error
	log    *bytes.Buffer
}

// versitygwBinary finds the versitygw binary installed by scripts/setup under
// .cache/bin, or on PATH.
func versitygwBinary() (string, error) {
	root, err := ProjectRoot()
	if err != nil {
		return "", err
	}
	bin := filepath.Join(root, ".cache", "bin", "versitygw")
	if fi, err := os.Stat(bin); err == nil && !fi.IsDir() {
		return bin, nil
	}
	if p, err := exec.LookPath("versitygw"); err == nil {
		return p, nil
	}
	return "", fmt.Errorf("testsvc: the versitygw S3 server is not installed at %s nor on PATH: run ./scripts/setup (or make setup)", bin)
}

// StartS3 starts versitygw on a free loopback port with an empty temporary
// storage directory and waits until it answers S3 API calls.
func StartS3() (*S3, error) {
	bin, err := versitygwBinary()
	if err != nil {
		return nil, err
	}
	var lastErr error
	for attempt := 0; attempt < 3; attempt++ {
		port, err := FreePort()
		if err != nil {
			return nil, err
		}
		dir, err := os.MkdirTemp("", "gureum-s3-")
		if err != nil {
			return nil, fmt.Errorf("testsvc: S3 storage directory: %w", err)
		}
		s := &S3{
			Endpoint: "http://127.0.0.1:" + strconv.Itoa(port),
			Dir:      dir,
			exited:   make(chan error, 1),
			log:      &bytes.Buffer{},
		}
		s.cmd = exec.Command(bin,
			"--access", s3AccessKey, "--secret", s3SecretKey, "--region", s3Region,
			"--port", "127.0.0.1:"+strconv.Itoa(port), "--quiet",
			"posix", dir)
		// Credentials come from the flags only, never from the caller's environment.
		s.cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + dir}
		s.cmd.Stdout, s.cmd.Stderr = s.log, s.log
		if err := s.cmd.Start(); err != nil {
			os.RemoveAll(dir)
			return nil, fmt.Errorf("testsvc: start versitygw: %w", err)
		}
		go func() { s.exited <- s.cmd.Wait() }()
		if err := s.ready(30 * time.Second); err != nil {
			s.Stop()
			lastErr = fmt.Errorf("testsvc: versitygw: %w\n%s", err, s.log.String())
			continue
		}
		return s, nil
	}
	return nil, lastErr
}

func (s *S3) ready(timeout time.Duration) error {
	if err := waitTCP(s.Endpoint[len("http://"):], timeout, s.exited); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	for {
		_, err := s.Client().ListBuckets(ctx, &s3.ListBucketsInput{})
		if err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("not answering: %w", err)
		case err := <-s.exited:
			return fmt.Errorf("server exited: %v", err)
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// Config returns an AWS configuration that reaches this server in us-east-1
// with the server's static root credentials. S3 clients built from it must use
// path-style addressing; Client does.
func (s *S3) Config() aws.Config {
	return aws.Config{
		Region: s3Region,
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: s3AccessKey, SecretAccessKey: s3SecretKey, Source: "testsvc"}, nil
		}),
		BaseEndpoint: aws.String(s.Endpoint),
	}
}

// Client returns an S3 client for this server with path-style addressing
// (http://127.0.0.1:PORT/bucket/key).
func (s *S3) Client() *s3.Client {
	return s3.NewFromConfig(s.Config(), func(o *s3.Options) { o.UsePathStyle = true })
}

// CreateBucket creates a bucket on this server.
func (s *S3) CreateBucket(name string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := s.Client().CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(name)}); err != nil {
		return fmt.Errorf("testsvc: create bucket %q: %w", name, err)
	}
	return nil
}

// Stop ends the server process and removes its storage directory.
func (s *S3) Stop() {
	if s == nil {
		return
	}
	if s.cmd != nil && s.cmd.Process != nil {
		_ = s.cmd.Process.Kill()
		select {
		case <-s.exited:
		case <-time.After(5 * time.Second):
		}
	}
	if s.Dir != "" {
		if err := os.RemoveAll(s.Dir); err != nil && !errors.Is(err, os.ErrNotExist) {
			fmt.Fprintf(os.Stderr, "testsvc: remove S3 storage %s: %v\n", s.Dir, err)
		}
	}
}
