package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/gureum-cdk/gureum/functions/lakeloader"
	"github.com/gureum-cdk/gureum/internal/testsvc"
)

var srv *testsvc.S3

func TestMain(m *testing.M) {
	var err error
	srv, err = testsvc.StartS3()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	srv.Stop()
	os.Exit(code)
}

// useServer points the default AWS configuration at the test server.
func useServer(t *testing.T) {
	creds, err := srv.Config().Credentials.Retrieve(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for k, v := range map[string]string{
		"AWS_ENDPOINT_URL_S3":         srv.Endpoint,
		"AWS_ACCESS_KEY_ID":           creds.AccessKeyID,
		"AWS_SECRET_ACCESS_KEY":       creds.SecretAccessKey,
		"AWS_REGION":                  srv.Config().Region,
		"AWS_CONFIG_FILE":             filepath.Join(dir, "config"),
		"AWS_SHARED_CREDENTIALS_FILE": filepath.Join(dir, "credentials"),
		"AWS_PROFILE":                 "",
		"AWS_SESSION_TOKEN":           "",
	} {
		t.Setenv(k, v)
	}
}

func TestRunLoadsFilesAndStdin(t *testing.T) {
	useServer(t)
	if err := srv.CreateBucket("cli"); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "day1.json")
	if err := os.WriteFile(file, []byte(`{"meta":{"at":"2026-03-01T10:00:00Z"},"n":1}`), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		args  []string
		stdin string
		want  map[string]int // partition -> records
	}{
		{"file", []string{"-bucket", "cli", "-prefix", "raw/cli", "-time-field", "meta.at", file}, "",
			map[string]int{"year=2026/month=03/day=01/": 1}},
		{"stdin", []string{"-bucket", "cli", "-prefix", "raw/cli/", "-time-field", "meta.at", "-kms-key-id", "alias/lake"},
			`{"meta":{"at":"2026-03-02T10:00:00Z"}}` + "\n" + `{"meta":{"at":"2026-03-03T10:00:00Z"}}` + "\n" + `{"meta":{"at":"2026-03-03T11:00:00Z"}}`,
			map[string]int{"year=2026/month=03/day=02/": 1, "year=2026/month=03/day=03/": 2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, stderr bytes.Buffer
			if err := run(context.Background(), tt.args, strings.NewReader(tt.stdin), &out, &stderr); err != nil {
				t.Fatal(err)
			}
			records, objects := 0, 0
			for _, n := range tt.want {
				records += n
				objects++
			}
			if got, want := stderr.String(), fmt.Sprintf("lakeload: %d records in %d partitions, %d objects written\n", records, len(tt.want), objects); got != want {
				t.Errorf("summary %q, want %q", got, want)
			}
			got := map[string]int{}
			dec := json.NewDecoder(&out)
			for dec.More() {
				var o lakeloader.Object
				if err := dec.Decode(&o); err != nil {
					t.Fatal(err)
				}
				if !strings.HasPrefix(o.Key, "raw/cli/"+o.Partition) {
					t.Errorf("object %s is not under raw/cli/%s", o.Key, o.Partition)
				}
				if _, err := srv.Client().HeadObject(context.Background(), &s3.HeadObjectInput{Bucket: aws.String("cli"), Key: aws.String(o.Key)}); err != nil {
					t.Errorf("reported object %s: %v", o.Key, err)
				}
				got[o.Partition] += o.Records
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("records per partition = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestRunRejectsBadArguments(t *testing.T) {
	useServer(t)
	tests := []struct {
		name    string
		args    []string
		wantErr string
	}{
		{"no bucket", []string{"-prefix", "raw/"}, "-bucket and -prefix are required"},
		{"no prefix", []string{"-bucket", "b"}, "-bucket and -prefix are required"},
		{"escaping prefix", []string{"-bucket", "b", "-prefix", "raw/../../x"}, `contains a ".." segment`},
		{"absolute prefix", []string{"-bucket", "b", "-prefix", "/raw"}, `must be relative`},
		{"missing file", []string{"-bucket", "b", "-prefix", "raw/", filepath.Join(t.TempDir(), "nope.json")}, "no such file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			err := run(context.Background(), tt.args, strings.NewReader(""), &out, io.Discard)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("run(%q) error = %v, want one containing %q", tt.args, err, tt.wantErr)
			}
		})
	}
}
