package devices

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// The device table's key schema and its index, as constructs/pushnotify
// creates them.
const (
	// PlayerKey is the partition key: the player's Cognito sub.
	PlayerKey = "player"
	// TokenKey is the sort key: the device token.
	TokenKey = "token"
	// EndpointIndex is a global secondary index keyed by EndpointAttr, to
	// find the registrations of a platform endpoint.
	EndpointIndex = "endpoint"
	// EndpointAttr holds the platform endpoint's ARN.
	EndpointAttr = "endpointArn"
)

// Device is one registered device token of a player.
type Device struct {
	Player      string    `dynamodbav:"player" json:"-"`
	Token       string    `dynamodbav:"token" json:"token"`
	Platform    string    `dynamodbav:"platform" json:"platform"`
	EndpointArn string    `dynamodbav:"endpointArn" json:"-"`
	CreatedAt   time.Time `dynamodbav:"createdAt" json:"createdAt"`
	UpdatedAt   time.Time `dynamodbav:"updatedAt" json:"updatedAt"`
}

// DynamoDB is the part of the DynamoDB client the store uses;
// *dynamodb.Client satisfies it.
type DynamoDB interface {
	GetItem(ctx context.Context, in *dynamodb.GetItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error)
	PutItem(ctx context.Context, in *dynamodb.PutItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error)
	DeleteItem(ctx context.Context, in *dynamodb.DeleteItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error)
	Query(ctx context.Context, in *dynamodb.QueryInput, optFns ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error)
	Scan(ctx context.Context, in *dynamodb.ScanInput, optFns ...func(*dynamodb.Options)) (*dynamodb.ScanOutput, error)
}

// Store reads and writes the device table.
type Store struct {
	DB    DynamoDB
	Table string
}

func key(player, token string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{
		PlayerKey: &types.AttributeValueMemberS{Value: player},
		TokenKey:  &types.AttributeValueMemberS{Value: token},
	}
}

// Get returns the player's registration of token, strongly consistent.
func (s *Store) Get(ctx context.Context, player, token string) (Device, bool, error) {
	out, err := s.DB.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(s.Table), Key: key(player, token), ConsistentRead: aws.Bool(true)})
	if err != nil {
		return Device{}, false, fmt.Errorf("devices: get: %w", err)
	}
	if out.Item == nil {
		return Device{}, false, nil
	}
	var d Device
	if err := attributevalue.UnmarshalMap(out.Item, &d); err != nil {
		return Device{}, false, fmt.Errorf("devices: decode: %w", err)
	}
	return d, true, nil
}

// Put writes d, keeping the CreatedAt of an existing item.
func (s *Store) Put(ctx context.Context, d Device) error {
	item, err := attributevalue.MarshalMap(d)
	if err != nil {
		return fmt.Errorf("devices: encode: %w", err)
	}
	if _, err := s.DB.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(s.Table), Item: item}); err != nil {
		return fmt.Errorf("devices: put: %w", err)
	}
	return nil
}

// Delete removes the player's registration of token. With endpointArn set it
// removes it only while it still points at that endpoint, so a concurrent
// re-registration is never undone. It reports whether an item was removed.
func (s *Store) Delete(ctx context.Context, player, token, endpointArn string) (bool, error) {
	in := &dynamodb.DeleteItemInput{TableName: aws.String(s.Table), Key: key(player, token), ReturnValues: types.ReturnValueAllOld}
	if endpointArn != "" {
		in.ConditionExpression = aws.String("#e = :e")
		in.ExpressionAttributeNames = map[string]string{"#e": EndpointAttr}
		in.ExpressionAttributeValues = map[string]types.AttributeValue{":e": &types.AttributeValueMemberS{Value: endpointArn}}
	}
	out, err := s.DB.DeleteItem(ctx, in)
	var cond *types.ConditionalCheckFailedException
	switch {
	case errors.As(err, &cond):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("devices: delete: %w", err)
	}
	return len(out.Attributes) > 0, nil
}

// ByPlayer returns the player's registrations.
func (s *Store) ByPlayer(ctx context.Context, player string) ([]Device, error) {
	return s.query(ctx, &dynamodb.QueryInput{
		TableName:                 aws.String(s.Table),
		KeyConditionExpression:    aws.String("#p = :p"),
		ExpressionAttributeNames:  map[string]string{"#p": PlayerKey},
		ExpressionAttributeValues: map[string]types.AttributeValue{":p": &types.AttributeValueMemberS{Value: player}},
		ConsistentRead:            aws.Bool(true),
	})
}

// ByEndpoint returns the registrations that point at a platform endpoint
// (eventually consistent: the index lags writes by a moment).
func (s *Store) ByEndpoint(ctx context.Context, endpointArn string) ([]Device, error) {
	return s.query(ctx, &dynamodb.QueryInput{
		TableName:                 aws.String(s.Table),
		IndexName:                 aws.String(EndpointIndex),
		KeyConditionExpression:    aws.String("#e = :e"),
		ExpressionAttributeNames:  map[string]string{"#e": EndpointAttr},
		ExpressionAttributeValues: map[string]types.AttributeValue{":e": &types.AttributeValueMemberS{Value: endpointArn}},
	})
}

func (s *Store) query(ctx context.Context, in *dynamodb.QueryInput) ([]Device, error) {
	var all []Device
	p := dynamodb.NewQueryPaginator(s.DB, in)
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("devices: query: %w", err)
		}
		var page []Device
		if err := attributevalue.UnmarshalListOfMaps(out.Items, &page); err != nil {
			return nil, fmt.Errorf("devices: decode: %w", err)
		}
		all = append(all, page...)
	}
	return all, nil
}

// Cursor is where a parallel scan of one segment goes on.
type Cursor struct {
	Segment int `json:"segment"`
	// After is the last key read ("" fields before the first page).
	After map[string]string `json:"after,omitempty"`
	// Done is set once the segment has been read to its end.
	Done bool `json:"done,omitempty"`
}

// ScanPage reads up to limit registrations of one segment of a parallel
// scan over total segments, after c, and returns the cursor that follows.
func (s *Store) ScanPage(ctx context.Context, c Cursor, total, limit int) ([]Device, Cursor, error) {
	in := &dynamodb.ScanInput{
		TableName:     aws.String(s.Table),
		Segment:       aws.Int32(int32(c.Segment)),
		TotalSegments: aws.Int32(int32(total)),
		Limit:         aws.Int32(int32(limit)),
	}
	if len(c.After) > 0 {
		in.ExclusiveStartKey = map[string]types.AttributeValue{}
		for k, v := range c.After {
			in.ExclusiveStartKey[k] = &types.AttributeValueMemberS{Value: v}
		}
	}
	out, err := s.DB.Scan(ctx, in)
	if err != nil {
		return nil, c, fmt.Errorf("devices: scan segment %d: %w", c.Segment, err)
	}
	var page []Device
	if err := attributevalue.UnmarshalListOfMaps(out.Items, &page); err != nil {
		return nil, c, fmt.Errorf("devices: decode: %w", err)
	}
	next := Cursor{Segment: c.Segment}
	if len(out.LastEvaluatedKey) == 0 {
		next.Done = true
		return page, next, nil
	}
	next.After = map[string]string{}
	for k, v := range out.LastEvaluatedKey {
		sv, ok := v.(*types.AttributeValueMemberS)
		if !ok {
			return nil, c, fmt.Errorf("devices: scan key %s is not a string", k)
		}
		next.After[k] = sv.Value
	}
	return page, next, nil
}
