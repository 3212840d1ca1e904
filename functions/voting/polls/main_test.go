package polls

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/gureum-cdk/gureum/internal/testsvc"
)

// ddb is the DynamoDB Local client shared by the package's tests.
var ddb *dynamodb.Client

// tableSeq names a fresh table per test that wants one.
var tableSeq atomic.Int64

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	d, err := testsvc.StartDynamoDB()
	if err != nil {
		fmt.Fprintln(os.Stderr, "polls tests:", err)
		return 1
	}
	defer d.Stop()
	ddb = d.Client()
	return m.Run()
}

// newTable creates a table with the pk/sk key schema of the CDK construct.
func newTable(t testing.TB) string {
	t.Helper()
	name := fmt.Sprintf("polls-%d", tableSeq.Add(1))
	_, err := ddb.CreateTable(context.Background(), &dynamodb.CreateTableInput{
		TableName:   aws.String(name),
		BillingMode: types.BillingModePayPerRequest,
		AttributeDefinitions: []types.AttributeDefinition{
			{AttributeName: aws.String("pk"), AttributeType: types.ScalarAttributeTypeS},
			{AttributeName: aws.String("sk"), AttributeType: types.ScalarAttributeTypeS},
		},
		KeySchema: []types.KeySchemaElement{
			{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash},
			{AttributeName: aws.String("sk"), KeyType: types.KeyTypeRange},
		},
	})
	if err != nil {
		t.Fatalf("create table %s: %v", name, err)
	}
	return name
}

// syncBuffer is a log sink safe for concurrent handlers.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// fixture is a Handler over a fresh table, with its log captured.
type fixture struct {
	h     *Handler
	store *Store
	table string
	logs  *syncBuffer
}

func newFixture(t testing.TB, opts ...Option) *fixture {
	t.Helper()
	table := newTable(t)
	logs := &syncBuffer{}
	store := NewStore(ddb, table, opts...)
	return &fixture{h: NewHandler(store, slog.New(slog.NewJSONHandler(logs, nil))), store: store, table: table, logs: logs}
}

func jsonRequest(body string) events.APIGatewayProxyRequest {
	return events.APIGatewayProxyRequest{
		Headers: map[string]string{"content-type": "application/json"},
		Body:    body,
	}
}

func voteReq(pollID, body string) events.APIGatewayProxyRequest {
	r := jsonRequest(body)
	r.PathParameters = map[string]string{"id": pollID}
	return r
}

func voteBody(option, voter string) string {
	b, _ := json.Marshal(map[string]string{"option": option, "voterId": voter})
	return string(b)
}

// createPoll creates a poll through the handler and returns it.
func (f *fixture) createPoll(t testing.TB, question string, options ...string) *Poll {
	t.Helper()
	b, _ := json.Marshal(map[string]any{"question": question, "options": options})
	resp, _ := f.h.CreatePoll(context.Background(), jsonRequest(string(b)))
	if resp.StatusCode != 201 {
		t.Fatalf("CreatePoll: status %d, body %s", resp.StatusCode, resp.Body)
	}
	var p Poll
	decode(t, resp, &p)
	return &p
}

// getPoll reads a poll through the handler.
func (f *fixture) getPoll(t testing.TB, id string) *Poll {
	t.Helper()
	resp, _ := f.h.GetPoll(context.Background(), events.APIGatewayProxyRequest{PathParameters: map[string]string{"id": id}})
	if resp.StatusCode != 200 {
		t.Fatalf("GetPoll %s: status %d, body %s", id, resp.StatusCode, resp.Body)
	}
	var p Poll
	decode(t, resp, &p)
	return &p
}

// decode checks a response is JSON and decodes its body.
func decode(t testing.TB, resp events.APIGatewayProxyResponse, v any) {
	t.Helper()
	if ct := resp.Headers["Content-Type"]; ct != "application/json" {
		t.Errorf("Content-Type = %q, want application/json", ct)
	}
	if err := json.Unmarshal([]byte(resp.Body), v); err != nil {
		t.Fatalf("response body %q is not JSON: %v", resp.Body, err)
	}
}

// errorOf returns a response's {"error": ...} message.
func errorOf(t testing.TB, resp events.APIGatewayProxyResponse) string {
	t.Helper()
	var e struct {
		Error string `json:"error"`
	}
	decode(t, resp, &e)
	if e.Error == "" {
		t.Errorf("response %d %s has no error message", resp.StatusCode, resp.Body)
	}
	return e.Error
}

func sha256Hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

func slogJSON(w io.Writer) *slog.Logger { return slog.New(slog.NewJSONHandler(w, nil)) }
