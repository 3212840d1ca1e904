package devices

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/gureum-cdk/gureum/internal/snsquery"
	"github.com/gureum-cdk/gureum/internal/testsvc"
)

// ddb is the DynamoDB Local client shared by the package's tests.
var ddb *dynamodb.Client

var tableSeq atomic.Int64

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	d, err := testsvc.StartDynamoDB()
	if err != nil {
		fmt.Fprintln(os.Stderr, "devices tests:", err)
		return 1
	}
	defer d.Stop()
	ddb = d.Client()
	return m.Run()
}

// newTable creates a device table with the key schema and index of
// constructs/pushnotify.
func newTable(t testing.TB) string {
	t.Helper()
	name := fmt.Sprintf("devices-%d", tableSeq.Add(1))
	_, err := ddb.CreateTable(context.Background(), &dynamodb.CreateTableInput{
		TableName:   aws.String(name),
		BillingMode: types.BillingModePayPerRequest,
		AttributeDefinitions: []types.AttributeDefinition{
			{AttributeName: aws.String(PlayerKey), AttributeType: types.ScalarAttributeTypeS},
			{AttributeName: aws.String(TokenKey), AttributeType: types.ScalarAttributeTypeS},
			{AttributeName: aws.String(EndpointAttr), AttributeType: types.ScalarAttributeTypeS},
		},
		KeySchema: []types.KeySchemaElement{
			{AttributeName: aws.String(PlayerKey), KeyType: types.KeyTypeHash},
			{AttributeName: aws.String(TokenKey), KeyType: types.KeyTypeRange},
		},
		GlobalSecondaryIndexes: []types.GlobalSecondaryIndex{{
			IndexName:  aws.String(EndpointIndex),
			KeySchema:  []types.KeySchemaElement{{AttributeName: aws.String(EndpointAttr), KeyType: types.KeyTypeHash}},
			Projection: &types.Projection{ProjectionType: types.ProjectionTypeAll},
		}},
	})
	if err != nil {
		t.Fatalf("create table %s: %v", name, err)
	}
	return name
}

// env is one test's device table, SNS server and registry.
type env struct {
	sns      *snsquery.Server
	registry *Registry
	handler  *Handler
	logs     *syncBuffer
}

func newEnv(t *testing.T) *env {
	t.Helper()
	srv := snsquery.Start()
	t.Cleanup(func() {
		srv.Close()
		if v := srv.Violations(); len(v) > 0 {
			t.Errorf("requests that break the SNS API Reference:\n%s", strings.Join(v, "\n"))
		}
	})
	apps := map[string]string{
		PlatformFCM:  srv.AddApp("GCM", "game-fcm"),
		PlatformAPNS: srv.AddApp("APNS", "game-apns"),
	}
	logs := &syncBuffer{}
	reg := &Registry{
		Store:     &Store{DB: ddb, Table: newTable(t)},
		Endpoints: &Endpoints{API: NewSNS(srv.Config()), Apps: apps},
	}
	return &env{sns: srv, registry: reg, logs: logs,
		handler: &Handler{Registry: reg, Logger: slog.New(slog.NewJSONHandler(logs, nil))}}
}

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

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// apiRequest is an API Gateway proxy request from a Cognito-authorized
// player ("" for none).
func apiRequest(player, body string, pathToken string) events.APIGatewayProxyRequest {
	req := events.APIGatewayProxyRequest{
		Body:    body,
		Headers: map[string]string{"content-type": "application/json"},
	}
	if player != "" {
		req.RequestContext.Authorizer = map[string]any{"claims": map[string]any{"sub": player, "email": player + "@example.com"}}
	}
	if pathToken != "" {
		req.PathParameters = map[string]string{"token": pathToken}
	}
	return req
}

// Tokens of the shapes the platforms issue.
func apnsToken(i int) string { return fmt.Sprintf("%064x", 0xa0000000+i) }
func fcmToken(i int) string {
	return fmt.Sprintf("cX9vXN-2Qk6yS0y8gV4sQx:APA91bH%06d_Lm0oQ7uV-4eTz5pF3rYk8wJc2dN1sB6xA9hG0qK", i)
}
