package webapp

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// Keys of the guestbook's items in the DynamoDB data table (partition key
// "pk", sort key "sk", both String, as the ScaledWebTier construct makes
// it). Entries share one partition, sorted by an id that starts with the
// time in nanoseconds; each post key has an item of its own that names its
// entry, so a repeated post stores nothing.
const (
	DynamoDBGuestbookPK   = "GUESTBOOK"
	dynamoDBEntryPrefix   = "ENTRY#"
	dynamoDBPostKeyPrefix = "GUESTBOOK#POSTKEY#"
	dynamoDBPingPK        = "GUESTBOOK#PING"
)

// dynamoDBEntryIDRE is the shape of an entry id: 16 hex digits of Unix
// nanoseconds and 8 random hex digits.
var dynamoDBEntryIDRE = regexp.MustCompile(`^[0-9a-f]{24}$`)

// DynamoDBGuestbookAPI is the part of the DynamoDB client the guestbook calls.
type DynamoDBGuestbookAPI interface {
	GetItem(ctx context.Context, in *dynamodb.GetItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error)
	Query(ctx context.Context, in *dynamodb.QueryInput, optFns ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error)
	TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, optFns ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error)
}

// DynamoDBGuestbook keeps entries in the construct's DynamoDB data table
// (DATA_TABLE). All entries share one partition: one partition takes 1,000
// writes per second, far more than a guestbook sees.
type DynamoDBGuestbook struct {
	client DynamoDBGuestbookAPI
	table  string
	now    func() time.Time
}

// NewDynamoDBGuestbook returns the guestbook in table.
func NewDynamoDBGuestbook(client DynamoDBGuestbookAPI, table string) (*DynamoDBGuestbook, error) {
	if client == nil {
		return nil, errors.New("webapp: dynamodb guestbook: client is nil")
	}
	if table == "" {
		return nil, errors.New("webapp: dynamodb guestbook: table name is empty")
	}
	return &DynamoDBGuestbook{client: client, table: table, now: time.Now}, nil
}

func ddbS(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }

func pkSK(pk, sk string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{"pk": ddbS(pk), "sk": ddbS(sk)}
}

func (g *DynamoDBGuestbook) newEntryID() string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return fmt.Sprintf("%016x", uint64(g.now().UnixNano())) + hex.EncodeToString(b[:])
}

// List implements Guestbook with one strongly consistent Query, newest
// first; cursors are entry ids.
func (g *DynamoDBGuestbook) List(ctx context.Context, before string, limit int) (Page, error) {
	// Every sort key of the partition starts with "ENTRY#"; "ENTRY$" sorts
	// after all of them.
	upper := "ENTRY$"
	if before != "" {
		if !dynamoDBEntryIDRE.MatchString(before) {
			return Page{}, ErrBadCursor
		}
		upper = dynamoDBEntryPrefix + before
	}
	out, err := g.client.Query(ctx, &dynamodb.QueryInput{
		TableName:                 aws.String(g.table),
		KeyConditionExpression:    aws.String("pk = :pk AND sk < :upper"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": ddbS(DynamoDBGuestbookPK), ":upper": ddbS(upper)},
		ScanIndexForward:          aws.Bool(false),
		ConsistentRead:            aws.Bool(true),
		Limit:                     aws.Int32(int32(limit + 1)),
	})
	if err != nil {
		return Page{}, fmt.Errorf("webapp: dynamodb Query guestbook: %w", err)
	}
	var p Page
	for _, item := range out.Items {
		e, err := entryFromItem(item)
		if err != nil {
			return Page{}, err
		}
		p.Entries = append(p.Entries, e)
	}
	if len(p.Entries) > limit {
		p.Entries = p.Entries[:limit]
		p.Next = p.Entries[limit-1].ID
	}
	return p, nil
}

func entryFromItem(item map[string]types.AttributeValue) (Entry, error) {
	str := func(name string) (string, error) {
		v, ok := item[name].(*types.AttributeValueMemberS)
		if !ok {
			return "", fmt.Errorf("webapp: dynamodb guestbook item: attribute %q is missing or not a string", name)
		}
		return v.Value, nil
	}
	sk, err := str("sk")
	if err != nil {
		return Entry{}, err
	}
	var e Entry
	e.ID = sk[len(dynamoDBEntryPrefix):]
	if e.Name, err = str("name"); err != nil {
		return Entry{}, err
	}
	if e.Message, err = str("message"); err != nil {
		return Entry{}, err
	}
	created, err := str("createdAt")
	if err != nil {
		return Entry{}, err
	}
	if e.CreatedAt, err = time.Parse(time.RFC3339Nano, created); err != nil {
		return Entry{}, fmt.Errorf("webapp: dynamodb guestbook item: createdAt: %w", err)
	}
	return e, nil
}

// Post implements Guestbook with one TransactWriteItems: the post key's item
// and the entry, each put only if absent. When the post key exists, the
// entry it names is returned instead.
func (g *DynamoDBGuestbook) Post(ctx context.Context, postKey, name, message string) (Entry, error) {
	now := g.now().UTC()
	id := g.newEntryID()
	entry := pkSK(DynamoDBGuestbookPK, dynamoDBEntryPrefix+id)
	entry["name"], entry["message"], entry["createdAt"] = ddbS(name), ddbS(message), ddbS(now.Format(time.RFC3339Nano))
	keyItem := pkSK(dynamoDBPostKeyPrefix+postKey, "POSTKEY")
	keyItem["entry"] = ddbS(id)
	_, err := g.client.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{
		TransactItems: []types.TransactWriteItem{
			{Put: &types.Put{TableName: aws.String(g.table), Item: keyItem, ConditionExpression: aws.String("attribute_not_exists(pk)")}},
			{Put: &types.Put{TableName: aws.String(g.table), Item: entry, ConditionExpression: aws.String("attribute_not_exists(pk)")}},
		},
	})
	if err == nil {
		return Entry{ID: id, Name: name, Message: message, CreatedAt: now}, nil
	}
	var canceled *types.TransactionCanceledException
	if !errors.As(err, &canceled) || len(canceled.CancellationReasons) == 0 ||
		aws.ToString(canceled.CancellationReasons[0].Code) != "ConditionalCheckFailed" {
		return Entry{}, fmt.Errorf("webapp: dynamodb TransactWriteItems guestbook: %w", err)
	}
	// The key was posted before: return its entry.
	got, err := g.client.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(g.table), Key: pkSK(dynamoDBPostKeyPrefix+postKey, "POSTKEY"), ConsistentRead: aws.Bool(true)})
	if err != nil {
		return Entry{}, fmt.Errorf("webapp: dynamodb GetItem guestbook post key: %w", err)
	}
	prev, ok := got.Item["entry"].(*types.AttributeValueMemberS)
	if !ok {
		return Entry{}, errors.New("webapp: dynamodb guestbook post key item names no entry")
	}
	got, err = g.client.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(g.table), Key: pkSK(DynamoDBGuestbookPK, dynamoDBEntryPrefix+prev.Value), ConsistentRead: aws.Bool(true)})
	if err != nil {
		return Entry{}, fmt.Errorf("webapp: dynamodb GetItem guestbook entry: %w", err)
	}
	if got.Item == nil {
		return Entry{}, fmt.Errorf("webapp: dynamodb guestbook entry %s is missing", prev.Value)
	}
	return entryFromItem(got.Item)
}

// Ping implements Guestbook with an eventually consistent GetItem of a key
// no entry uses.
func (g *DynamoDBGuestbook) Ping(ctx context.Context) error {
	_, err := g.client.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(g.table), Key: pkSK(dynamoDBPingPK, "PING"), ProjectionExpression: aws.String("pk")})
	if err != nil {
		return fmt.Errorf("webapp: dynamodb GetItem on table %q: %w", g.table, err)
	}
	return nil
}

// Close implements Guestbook.
func (g *DynamoDBGuestbook) Close() error { return nil }
