package polls

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	mathrand "math/rand/v2"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// Client is the part of the DynamoDB API the Store uses. *dynamodb.Client
// implements it.
type Client interface {
	PutItem(ctx context.Context, in *dynamodb.PutItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error)
	GetItem(ctx context.Context, in *dynamodb.GetItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error)
	TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, optFns ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error)
}

// Errors returned by the Store. Compare with errors.Is.
var (
	// ErrPollNotFound means no poll has the given id.
	ErrPollNotFound = errors.New("poll not found")
	// ErrInvalidOption means the poll exists but has no such option.
	ErrInvalidOption = errors.New("option is not one of the poll's options")
	// ErrAlreadyVoted means this voter has already voted in this poll.
	ErrAlreadyVoted = errors.New("voter has already voted in this poll")
	// ErrBusy means the vote was not counted because conflicting
	// transactions kept cancelling it until the attempts ran out (or the
	// context ended). Retrying later is safe.
	ErrBusy = errors.New("poll is busy, vote not counted")
)

// Retry bounds the retries of a vote cancelled by a conflicting transaction.
// Attempt n (from 1) that conflicts sleeps a random duration in
// [0, min(MaxDelay, BaseDelay*2^(n-1))] ("full jitter") before the next.
type Retry struct {
	// MaxAttempts is the total number of attempts. Default: 10.
	MaxAttempts int
	// BaseDelay is the backoff ceiling after the first conflict. Default: 10ms.
	BaseDelay time.Duration
	// MaxDelay caps the backoff ceiling. Default: 500ms.
	MaxDelay time.Duration
}

// DefaultRetry is the retry policy of a Store made without WithRetry. Its
// backoff sleeps at most 2.13s in total over the 9 retries, well inside a
// Lambda timeout.
var DefaultRetry = Retry{MaxAttempts: 10, BaseDelay: 10 * time.Millisecond, MaxDelay: 500 * time.Millisecond}

// Option configures a Store.
type Option func(*Store)

// WithRetry sets the retry policy for votes; zero fields take DefaultRetry's.
func WithRetry(r Retry) Option {
	return func(s *Store) {
		if r.MaxAttempts > 0 {
			s.retry.MaxAttempts = r.MaxAttempts
		}
		if r.BaseDelay > 0 {
			s.retry.BaseDelay = r.BaseDelay
		}
		if r.MaxDelay > 0 {
			s.retry.MaxDelay = r.MaxDelay
		}
	}
}

// Store keeps polls and votes in one DynamoDB table (see the package doc for
// the layout). It is safe for concurrent use.
type Store struct {
	client Client
	table  string
	retry  Retry
	now    func() time.Time
}

// NewStore returns a Store over the named table.
func NewStore(client Client, table string, opts ...Option) *Store {
	s := &Store{client: client, table: table, retry: DefaultRetry, now: time.Now}
	for _, o := range opts {
		o(s)
	}
	return s
}

// Poll is a poll with its vote counts.
type Poll struct {
	ID       string   `json:"id"`
	Question string   `json:"question"`
	Options  []string `json:"options"`
	// Counts maps every option to its number of votes.
	Counts     map[string]int `json:"counts"`
	TotalVotes int            `json:"totalVotes"`
	CreatedAt  time.Time      `json:"createdAt"`
}

// pollItem is the poll's DynamoDB item.
type pollItem struct {
	PK        string         `dynamodbav:"pk"`
	SK        string         `dynamodbav:"sk"`
	Question  string         `dynamodbav:"question"`
	Options   []string       `dynamodbav:"options"`
	Counts    map[string]int `dynamodbav:"counts"`
	CreatedAt string         `dynamodbav:"createdAt"`
}

const (
	pollSK      = "POLL"
	attrPK      = "pk"
	attrSK      = "sk"
	attrCounts  = "counts"
	attrOption  = "option"
	attrVotedAt = "votedAt"
)

func pollPK(id string) string           { return "POLL#" + id }
func voteSK(voter string) string        { return "VOTE#" + voter }
func str(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }

func pollKey(id string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{attrPK: str(pollPK(id)), attrSK: str(pollSK)}
}

// NewID returns a random 128-bit poll id as 32 lowercase hex digits.
func NewID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never returns an error.
	return hex.EncodeToString(b[:])
}

// CreatePoll stores a new poll with every count at zero. The question and
// options must already be valid (see ValidatePoll).
func (s *Store) CreatePoll(ctx context.Context, question string, options []string) (*Poll, error) {
	p := &Poll{
		ID:        NewID(),
		Question:  question,
		Options:   append([]string(nil), options...),
		Counts:    make(map[string]int, len(options)),
		CreatedAt: s.now().UTC().Truncate(time.Millisecond),
	}
	for _, o := range options {
		p.Counts[o] = 0
	}
	item, err := attributevalue.MarshalMap(pollItem{
		PK: pollPK(p.ID), SK: pollSK,
		Question: p.Question, Options: p.Options, Counts: p.Counts,
		CreatedAt: p.CreatedAt.Format(time.RFC3339Nano),
	})
	if err != nil {
		return nil, fmt.Errorf("marshal poll: %w", err)
	}
	_, err = s.client.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: aws.String(s.table),
		Item:      item,
		// A 128-bit random id does not collide; the condition makes sure an
		// existing poll could never be overwritten if it did.
		ConditionExpression:      aws.String("attribute_not_exists(#pk)"),
		ExpressionAttributeNames: map[string]string{"#pk": attrPK},
	})
	if err != nil {
		return nil, fmt.Errorf("put poll %s: %w", p.ID, err)
	}
	return p, nil
}

// GetPoll reads a poll and its current counts with a strongly consistent
// read. It returns ErrPollNotFound for an unknown id.
func (s *Store) GetPoll(ctx context.Context, id string) (*Poll, error) {
	out, err := s.client.GetItem(ctx, &dynamodb.GetItemInput{
		TableName:      aws.String(s.table),
		Key:            pollKey(id),
		ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return nil, fmt.Errorf("get poll %s: %w", id, err)
	}
	if len(out.Item) == 0 {
		return nil, ErrPollNotFound
	}
	var it pollItem
	if err := attributevalue.UnmarshalMap(out.Item, &it); err != nil {
		return nil, fmt.Errorf("unmarshal poll %s: %w", id, err)
	}
	created, err := time.Parse(time.RFC3339Nano, it.CreatedAt)
	if err != nil {
		return nil, fmt.Errorf("poll %s: bad createdAt %q: %w", id, it.CreatedAt, err)
	}
	p := &Poll{ID: id, Question: it.Question, Options: it.Options, Counts: it.Counts, CreatedAt: created}
	if p.Options == nil {
		p.Options = []string{}
	}
	if p.Counts == nil {
		p.Counts = map[string]int{}
	}
	for _, n := range p.Counts {
		p.TotalVotes += n
	}
	return p, nil
}

// CastVote records voter's vote for option in poll id, exactly once. It
// returns ErrPollNotFound, ErrInvalidOption, ErrAlreadyVoted, ErrBusy, or
// another error for an unexpected DynamoDB failure. On any error the vote was
// not counted.
func (s *Store) CastVote(ctx context.Context, id, voter, option string) error {
	in := &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{Put: &types.Put{
			TableName: aws.String(s.table),
			Item: map[string]types.AttributeValue{
				attrPK:      str(pollPK(id)),
				attrSK:      str(voteSK(voter)),
				attrOption:  str(option),
				attrVotedAt: str(s.now().UTC().Format(time.RFC3339Nano)),
			},
			ConditionExpression:      aws.String("attribute_not_exists(#pk)"),
			ExpressionAttributeNames: map[string]string{"#pk": attrPK},
		}},
		{Update: &types.Update{
			TableName:           aws.String(s.table),
			Key:                 pollKey(id),
			UpdateExpression:    aws.String("SET #counts.#opt = #counts.#opt + :one"),
			ConditionExpression: aws.String("attribute_exists(#pk) AND attribute_exists(#counts.#opt)"),
			ExpressionAttributeNames: map[string]string{
				"#pk": attrPK, "#counts": attrCounts, "#opt": option,
			},
			ExpressionAttributeValues: map[string]types.AttributeValue{
				":one": &types.AttributeValueMemberN{Value: "1"},
			},
			// On a failed condition the old item tells a missing poll
			// (no item) from a missing option (item present).
			ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
		}},
	}}
	const putIdx, updateIdx = 0, 1

	for attempt := 1; ; attempt++ {
		// A fresh token per attempt: the SDK's own retries of one attempt
		// (after a lost response) reuse it, so they cannot count twice.
		in.ClientRequestToken = aws.String(NewID())
		_, err := s.client.TransactWriteItems(ctx, in)
		if err == nil {
			return nil
		}
		var tce *types.TransactionCanceledException
		if !errors.As(err, &tce) {
			return fmt.Errorf("vote in poll %s: %w", id, err)
		}
		reasons := tce.CancellationReasons
		code := func(i int) string {
			if i < len(reasons) && reasons[i].Code != nil {
				return *reasons[i].Code
			}
			return ""
		}
		switch {
		case code(updateIdx) == "ConditionalCheckFailed":
			if len(reasons[updateIdx].Item) == 0 {
				return ErrPollNotFound
			}
			return ErrInvalidOption
		case code(putIdx) == "ConditionalCheckFailed":
			return ErrAlreadyVoted
		case code(putIdx) == "TransactionConflict" || code(updateIdx) == "TransactionConflict":
			if attempt >= s.retry.MaxAttempts {
				return fmt.Errorf("%w: %d attempts conflicted", ErrBusy, attempt)
			}
			if err := sleep(ctx, s.backoff(attempt)); err != nil {
				return fmt.Errorf("%w: %v", ErrBusy, err)
			}
		default:
			return fmt.Errorf("vote in poll %s: transaction cancelled (reasons %s, %s): %w", id, code(putIdx), code(updateIdx), err)
		}
	}
}

// backoff returns the full-jitter delay after the given failed attempt.
func (s *Store) backoff(attempt int) time.Duration {
	ceil := s.retry.BaseDelay
	for i := 1; i < attempt && ceil < s.retry.MaxDelay; i++ {
		ceil *= 2
	}
	ceil = min(ceil, s.retry.MaxDelay)
	return time.Duration(mathrand.Int64N(int64(ceil) + 1))
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
