package webapp

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/gureum-cdk/gureum/internal/testsvc"
)

// Servers shared by the package's tests, started once in TestMain.
var (
	ddb       *testsvc.DynamoDB
	ddbClient *dynamodb.Client
	rds       *redisServer
	pg        *testsvc.Postgres
	maria     *testsvc.MariaDB
)

// testTable is the session table created in DynamoDB Local, with the key
// schema the ScaledWebTier construct creates.
const testTable = "gureum-sessions"

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	var err error
	ddb, err = testsvc.StartDynamoDB()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer ddb.Stop()
	ddbClient = ddb.Client()
	if err := createSessionTable(context.Background(), ddbClient, testTable); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	rds, err = startRedis()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer rds.Stop()
	if err := createDataTable(context.Background(), ddbClient, testDataTable); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	// The SQL servers start side by side: each takes seconds.
	var pgErr, mariaErr error
	done := make(chan struct{})
	go func() { pg, pgErr = testsvc.StartPostgres(); close(done) }()
	maria, mariaErr = testsvc.StartMariaDB()
	<-done
	defer pg.Stop()
	defer maria.Stop()
	if err := errors.Join(pgErr, mariaErr); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return m.Run()
}

func createSessionTable(ctx context.Context, c *dynamodb.Client, name string) error {
	_, err := c.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName:            aws.String(name),
		BillingMode:          types.BillingModePayPerRequest,
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String(DynamoDBKeyAttribute), AttributeType: types.ScalarAttributeTypeS}},
		KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String(DynamoDBKeyAttribute), KeyType: types.KeyTypeHash}},
	})
	if err != nil {
		return fmt.Errorf("create table %s: %w", name, err)
	}
	_, err = c.UpdateTimeToLive(ctx, &dynamodb.UpdateTimeToLiveInput{
		TableName: aws.String(name),
		TimeToLiveSpecification: &types.TimeToLiveSpecification{
			AttributeName: aws.String(DynamoDBExpiresAttribute),
			Enabled:       aws.Bool(true),
		},
	})
	if err != nil {
		return fmt.Errorf("enable TTL on %s: %w", name, err)
	}
	return nil
}

// testDataTable is the DynamoDB data table, with the keys the ScaledWebTier
// construct gives it (pk and sk, both String).
const testDataTable = "gureum-data"

func createDataTable(ctx context.Context, c *dynamodb.Client, name string) error {
	_, err := c.CreateTable(ctx, &dynamodb.CreateTableInput{
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
		return fmt.Errorf("create table %s: %w", name, err)
	}
	return nil
}

// discardLogger drops log output; tests that check the log use their own.
func discardLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// withTimeout returns a context for store calls made directly by a test.
func withTimeout(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}
