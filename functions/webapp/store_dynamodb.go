package webapp

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// Attribute names of the DynamoDB session table. The table's partition key is
// DynamoDBKeyAttribute (String) and its TTL attribute is
// DynamoDBExpiresAttribute (Number, epoch seconds).
const (
	DynamoDBKeyAttribute     = "id"
	DynamoDBExpiresAttribute = "expiresAt"
	DynamoDBCountAttribute   = "count"
	// DynamoDBRequestAttribute holds the id of the request that last
	// incremented the session (String).
	DynamoDBRequestAttribute = "lastRequest"
)

// dynamoDBPingKey is read by Ping. It is not a valid session id, so it never
// names a real session.
const dynamoDBPingKey = "healthz"

// DynamoDBAPI is the part of the DynamoDB client the store calls.
type DynamoDBAPI interface {
	GetItem(ctx context.Context, in *dynamodb.GetItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error)
	UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error)
}

// DynamoDBStore keeps sessions in a DynamoDB table, one item per session. It
// calls only dynamodb:GetItem and dynamodb:UpdateItem.
//
// DynamoDB deletes expired items some time after expiresAt passes, so the
// store treats an item whose expiresAt is past as absent: Count returns 0 and
// Increment reports no session.
type DynamoDBStore struct {
	client DynamoDBAPI
	table  string
	ttl    time.Duration
	now    func() time.Time
}

// NewDynamoDBStore returns a store on table whose sessions live ttl after
// their last increment.
func NewDynamoDBStore(client DynamoDBAPI, table string, ttl time.Duration) (*DynamoDBStore, error) {
	if client == nil {
		return nil, errors.New("webapp: dynamodb store: client is nil")
	}
	if table == "" {
		return nil, errors.New("webapp: dynamodb store: table name is empty")
	}
	if ttl < time.Second {
		return nil, fmt.Errorf("webapp: dynamodb store: TTL %s is shorter than 1s", ttl)
	}
	return &DynamoDBStore{client: client, table: table, ttl: ttl, now: time.Now}, nil
}

var dynamoDBNames = map[string]string{
	"#id":    DynamoDBKeyAttribute,
	"#count": DynamoDBCountAttribute,
	"#exp":   DynamoDBExpiresAttribute,
	"#req":   DynamoDBRequestAttribute,
}

func (s *DynamoDBStore) key(id string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{DynamoDBKeyAttribute: &types.AttributeValueMemberS{Value: id}}
}

func epoch(t time.Time) types.AttributeValue {
	return &types.AttributeValueMemberN{Value: strconv.FormatInt(t.Unix(), 10)}
}

// Count implements Store with a strongly consistent GetItem, so a session
// written through one instance reads the same through every other.
func (s *DynamoDBStore) Count(ctx context.Context, id string) (int64, error) {
	out, err := s.client.GetItem(ctx, &dynamodb.GetItemInput{
		TableName:                aws.String(s.table),
		Key:                      s.key(id),
		ConsistentRead:           aws.Bool(true),
		ProjectionExpression:     aws.String("#count, #exp"),
		ExpressionAttributeNames: map[string]string{"#count": DynamoDBCountAttribute, "#exp": DynamoDBExpiresAttribute},
	})
	if err != nil {
		return 0, fmt.Errorf("webapp: dynamodb GetItem session: %w", err)
	}
	if out.Item == nil {
		return 0, nil
	}
	exp, err := numberAttr(out.Item, DynamoDBExpiresAttribute)
	if err != nil {
		return 0, err
	}
	if exp <= s.now().Unix() {
		return 0, nil
	}
	return numberAttr(out.Item, DynamoDBCountAttribute)
}

// Create implements Store with one UpdateItem, conditional on the item
// being absent.
func (s *DynamoDBStore) Create(ctx context.Context, id, requestID string, ttl time.Duration) (int64, error) {
	out, err := s.client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                aws.String(s.table),
		Key:                      s.key(id),
		UpdateExpression:         aws.String("SET #count = :one, #exp = :exp, #req = :req"),
		ConditionExpression:      aws.String("attribute_not_exists(#id)"),
		ExpressionAttributeNames: dynamoDBNames,
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":one": &types.AttributeValueMemberN{Value: "1"},
			":exp": epoch(s.now().Add(max(ttl, time.Second))),
			":req": &types.AttributeValueMemberS{Value: requestID},
		},
		ReturnValues: types.ReturnValueUpdatedNew,
	})
	if isConditionFailed(err) {
		return 0, errors.New("webapp: dynamodb create session: session id already in use")
	}
	if err != nil {
		return 0, fmt.Errorf("webapp: dynamodb UpdateItem new session: %w", err)
	}
	return numberAttr(out.Attributes, DynamoDBCountAttribute)
}

// Increment implements Store with one UpdateItem (ADD to the count, SET of
// the expiry and last request), conditional on the item being live and its
// last request being another. When the condition fails, a strongly
// consistent GetItem tells an absent or expired session (ok false) from a
// retried request (its count as it stands); a session incremented by
// another request in between is tried again. Every write is atomic, so
// concurrent increments are exact.
func (s *DynamoDBStore) Increment(ctx context.Context, id, requestID string) (int64, bool, error) {
	for range 8 {
		now := s.now()
		out, err := s.client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
			TableName:                aws.String(s.table),
			Key:                      s.key(id),
			UpdateExpression:         aws.String("ADD #count :one SET #exp = :exp, #req = :req"),
			ConditionExpression:      aws.String("attribute_exists(#id) AND #exp > :now AND (attribute_not_exists(#req) OR #req <> :req)"),
			ExpressionAttributeNames: dynamoDBNames,
			ExpressionAttributeValues: map[string]types.AttributeValue{
				":one": &types.AttributeValueMemberN{Value: "1"},
				":exp": epoch(now.Add(s.ttl)),
				":now": epoch(now),
				":req": &types.AttributeValueMemberS{Value: requestID},
			},
			ReturnValues: types.ReturnValueUpdatedNew,
		})
		if err == nil {
			n, err := numberAttr(out.Attributes, DynamoDBCountAttribute)
			return n, err == nil, err
		}
		if !isConditionFailed(err) {
			return 0, false, fmt.Errorf("webapp: dynamodb UpdateItem session: %w", err)
		}
		got, err := s.client.GetItem(ctx, &dynamodb.GetItemInput{
			TableName:                aws.String(s.table),
			Key:                      s.key(id),
			ConsistentRead:           aws.Bool(true),
			ProjectionExpression:     aws.String("#count, #exp, #req"),
			ExpressionAttributeNames: map[string]string{"#count": DynamoDBCountAttribute, "#exp": DynamoDBExpiresAttribute, "#req": DynamoDBRequestAttribute},
		})
		if err != nil {
			return 0, false, fmt.Errorf("webapp: dynamodb GetItem session: %w", err)
		}
		if got.Item == nil {
			return 0, false, nil
		}
		exp, err := numberAttr(got.Item, DynamoDBExpiresAttribute)
		if err != nil {
			return 0, false, err
		}
		if exp <= s.now().Unix() {
			return 0, false, nil
		}
		if req, ok := got.Item[DynamoDBRequestAttribute].(*types.AttributeValueMemberS); ok && req.Value == requestID {
			n, err := numberAttr(got.Item, DynamoDBCountAttribute)
			return n, err == nil, err
		}
		// The session changed between the two calls: try again.
	}
	return 0, false, errors.New("webapp: dynamodb UpdateItem session: too much contention on one session")
}

// Ping implements Store with an eventually consistent GetItem of a key that
// no session uses: half a read capacity unit, and it checks the table exists
// and the instance may read it.
func (s *DynamoDBStore) Ping(ctx context.Context) error {
	_, err := s.client.GetItem(ctx, &dynamodb.GetItemInput{
		TableName:                aws.String(s.table),
		Key:                      s.key(dynamoDBPingKey),
		ProjectionExpression:     aws.String("#id"),
		ExpressionAttributeNames: map[string]string{"#id": DynamoDBKeyAttribute},
	})
	if err != nil {
		return fmt.Errorf("webapp: dynamodb GetItem on table %q: %w", s.table, err)
	}
	return nil
}

// Close implements Store; the DynamoDB client holds nothing to release.
func (s *DynamoDBStore) Close() error { return nil }

func isConditionFailed(err error) bool {
	var ccf *types.ConditionalCheckFailedException
	return errors.As(err, &ccf)
}

func numberAttr(item map[string]types.AttributeValue, name string) (int64, error) {
	v, ok := item[name].(*types.AttributeValueMemberN)
	if !ok {
		return 0, fmt.Errorf("webapp: dynamodb session item: attribute %q is missing or not a number", name)
	}
	n, err := strconv.ParseInt(v.Value, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("webapp: dynamodb session item: attribute %q: %w", name, err)
	}
	return n, nil
}
