package polls

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// voterItems counts the voter items stored for a poll.
func voterItems(t *testing.T, table, pollID string) int {
	t.Helper()
	p := dynamodb.NewQueryPaginator(ddb, &dynamodb.QueryInput{
		TableName:              aws.String(table),
		KeyConditionExpression: aws.String("pk = :pk AND begins_with(sk, :vote)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":pk":   &types.AttributeValueMemberS{Value: pollPK(pollID)},
			":vote": &types.AttributeValueMemberS{Value: "VOTE#"},
		},
		ConsistentRead: aws.Bool(true),
		Select:         types.SelectCount,
	})
	n := 0
	for p.HasMorePages() {
		page, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatalf("query voter items: %v", err)
		}
		n += int(page.Count)
	}
	return n
}

// castConcurrently casts votes[i] = {voter, option} all at once and returns
// the status of each.
func castConcurrently(f *fixture, pollID string, votes [][2]string) []int {
	statuses := make([]int, len(votes))
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i, v := range votes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			resp, _ := f.h.CastVote(context.Background(), voteReq(pollID, voteBody(v[1], v[0])))
			statuses[i] = resp.StatusCode
		}()
	}
	close(start)
	wg.Wait()
	return statuses
}

// patient is a retry budget for the tests that cast hundreds of votes at
// once on one poll: every vote's transaction updates one of a few counter
// items, so on a loaded machine a vote can conflict more often than the
// production budget allows and answer 503 (which a client retries). The
// tests assert exact counts, not latency, so they give conflicts time.
var patient = WithRetry(Retry{MaxAttempts: 60, BaseDelay: 10 * time.Millisecond, MaxDelay: time.Second})

func TestConcurrentVotesFromDistinctVoters(t *testing.T) {
	f := newFixture(t, patient)
	options := []string{"red", "green", "blue", "yellow"}
	p := f.createPoll(t, "Favourite colour?", options...)

	const n = 500
	votes := make([][2]string, n)
	want := map[string]int{}
	for i := range votes {
		// Uneven on purpose (3:2:1:1), so counts swapped between options show.
		o := options[[]int{0, 0, 0, 1, 1, 2, 3}[i%7]]
		votes[i] = [2]string{fmt.Sprintf("voter-%03d", i), o}
		want[o]++
	}
	started := time.Now()
	statuses := castConcurrently(f, p.ID, votes)
	elapsed := time.Since(started)

	byStatus := map[int]int{}
	for _, s := range statuses {
		byStatus[s]++
	}
	if byStatus[http.StatusCreated] != n {
		t.Errorf("statuses = %v, want all %d votes 201", byStatus, n)
	}
	got := f.getPoll(t, p.ID)
	for _, o := range options {
		if got.Counts[o] != want[o] {
			t.Errorf("count of %q = %d, want %d", o, got.Counts[o], want[o])
		}
	}
	if got.TotalVotes != n {
		t.Errorf("total = %d, want %d", got.TotalVotes, n)
	}
	if items := voterItems(t, f.table, p.ID); items != n {
		t.Errorf("voter items = %d, want %d", items, n)
	}
	t.Logf("%d concurrent votes in %v (%.0f votes/s); counts %v", n, elapsed, n/elapsed.Seconds(), got.Counts)
}

func TestConcurrentRetriesByOneVoter(t *testing.T) {
	f := newFixture(t, patient)
	p := f.createPoll(t, "Coffee or tea?", "coffee", "tea")

	const n = 50
	votes := make([][2]string, n)
	for i := range votes {
		votes[i] = [2]string{"the-same-voter", "coffee"}
	}
	statuses := castConcurrently(f, p.ID, votes)

	byStatus := map[int]int{}
	for _, s := range statuses {
		byStatus[s]++
	}
	if byStatus[http.StatusCreated] != 1 || byStatus[http.StatusConflict] != n-1 {
		t.Errorf("statuses = %v, want exactly one 201 and %d 409", byStatus, n-1)
	}
	got := f.getPoll(t, p.ID)
	if got.Counts["coffee"] != 1 || got.TotalVotes != 1 {
		t.Errorf("counts = %v total %d, want coffee 1 total 1", got.Counts, got.TotalVotes)
	}
	if items := voterItems(t, f.table, p.ID); items != 1 {
		t.Errorf("voter items = %d, want 1", items)
	}
}

// TestNoRetryUnderContention allows a single attempt, so any vote cancelled
// by a conflicting transaction is answered 503 (DynamoDB Local serializes
// transactions and rarely cancels one; DynamoDB does under this load).
// Whatever the mix, every 201 is counted and nothing else is.
func TestNoRetryUnderContention(t *testing.T) {
	f := newFixture(t, WithRetry(Retry{MaxAttempts: 1}))
	p := f.createPoll(t, "Cats or dogs?", "cats", "dogs")

	const n = 200
	votes := make([][2]string, n)
	for i := range votes {
		votes[i] = [2]string{fmt.Sprintf("v%d", i), []string{"cats", "dogs"}[i%2]}
	}
	statuses := castConcurrently(f, p.ID, votes)
	ok := 0
	for i, s := range statuses {
		switch s {
		case http.StatusCreated:
			ok++
		case http.StatusServiceUnavailable:
		default:
			t.Errorf("vote %d: status %d, want 201 or 503", i, s)
		}
	}
	got := f.getPoll(t, p.ID)
	if got.TotalVotes != ok {
		t.Errorf("total = %d, want %d (one per 201)", got.TotalVotes, ok)
	}
	if items := voterItems(t, f.table, p.ID); items != ok {
		t.Errorf("voter items = %d, want %d (one per 201)", items, ok)
	}
	t.Logf("single attempt: %d of %d votes counted, %d answered 503", ok, n, n-ok)
}

// conflictingClient is the real DynamoDB Local client with fault injection:
// its first conflicts TransactWriteItems calls are answered, without reaching
// the server, with the cancellation DynamoDB returns when another transaction
// holds the poll item.
type conflictingClient struct {
	Client
	conflicts atomic.Int32
	calls     atomic.Int32
}

func (c *conflictingClient) TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, optFns ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	c.calls.Add(1)
	if c.conflicts.Add(-1) >= 0 {
		return nil, &types.TransactionCanceledException{
			Message: aws.String("Transaction cancelled, please refer cancellation reasons for specific reasons [None, TransactionConflict]"),
			CancellationReasons: []types.CancellationReason{
				{Code: aws.String("None")},
				{Code: aws.String("TransactionConflict"), Message: aws.String("Transaction is ongoing for the item")},
			},
		}
	}
	return c.Client.TransactWriteItems(ctx, in, optFns...)
}

func TestCastVoteRetriesConflicts(t *testing.T) {
	retry := Retry{MaxAttempts: 4, BaseDelay: time.Millisecond, MaxDelay: 4 * time.Millisecond}
	tests := []struct {
		name       string
		conflicts  int32
		wantStatus int
		wantCalls  int32
		wantCount  int
	}{
		{"no conflict", 0, http.StatusCreated, 1, 1},
		{"conflicts then success", 3, http.StatusCreated, 4, 1},
		{"conflicts exhaust attempts", 4, http.StatusServiceUnavailable, 4, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			p := f.createPoll(t, "q", "a", "b")
			c := &conflictingClient{Client: ddb}
			c.conflicts.Store(tc.conflicts)
			h := NewHandler(NewStore(c, f.table, WithRetry(retry)), slogJSON(f.logs))

			resp, _ := h.CastVote(context.Background(), voteReq(p.ID, voteBody("a", "v1")))
			if resp.StatusCode != tc.wantStatus {
				t.Fatalf("status = %d, want %d (body %s)", resp.StatusCode, tc.wantStatus, resp.Body)
			}
			if got := c.calls.Load(); got != tc.wantCalls {
				t.Errorf("TransactWriteItems calls = %d, want %d", got, tc.wantCalls)
			}
			if got := f.getPoll(t, p.ID); got.TotalVotes != tc.wantCount {
				t.Errorf("total = %d, want %d", got.TotalVotes, tc.wantCount)
			}
			if tc.wantStatus == http.StatusServiceUnavailable {
				if msg := errorOf(t, resp); msg != "poll is busy, vote not counted; retry later" {
					t.Errorf("error = %q", msg)
				}
				if resp.Headers["Retry-After"] == "" {
					t.Error("503 without Retry-After")
				}
				// The vote was not counted, so the voter may vote again.
				resp, _ := f.h.CastVote(context.Background(), voteReq(p.ID, voteBody("a", "v1")))
				if resp.StatusCode != http.StatusCreated {
					t.Errorf("vote after 503: status %d, want 201 (body %s)", resp.StatusCode, resp.Body)
				}
			}
		})
	}
}

func TestCastVoteStopsRetryingWhenContextEnds(t *testing.T) {
	f := newFixture(t)
	p := f.createPoll(t, "q", "a", "b")
	c := &conflictingClient{Client: ddb}
	c.conflicts.Store(1 << 30)
	s := NewStore(c, f.table, WithRetry(Retry{MaxAttempts: 1 << 20, BaseDelay: time.Millisecond, MaxDelay: 5 * time.Millisecond}))
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	started := time.Now()
	err := s.CastVote(ctx, p.ID, "client:v1", "a")
	if !errors.Is(err, ErrBusy) {
		t.Fatalf("CastVote = %v, want ErrBusy", err)
	}
	if d := time.Since(started); d > time.Second {
		t.Errorf("CastVote kept retrying %v after its context ended", d)
	}
}

func TestBackoffIsBoundedAndJittered(t *testing.T) {
	s := NewStore(nil, "t", WithRetry(Retry{MaxAttempts: 5, BaseDelay: 10 * time.Millisecond, MaxDelay: 50 * time.Millisecond}))
	for attempt, ceil := range map[int]time.Duration{1: 10 * time.Millisecond, 2: 20 * time.Millisecond, 3: 40 * time.Millisecond, 4: 50 * time.Millisecond, 30: 50 * time.Millisecond} {
		seen := map[time.Duration]bool{}
		for range 200 {
			d := s.backoff(attempt)
			if d < 0 || d > ceil {
				t.Fatalf("backoff(%d) = %v, want within [0, %v]", attempt, d, ceil)
			}
			seen[d] = true
		}
		if len(seen) < 100 {
			t.Errorf("backoff(%d) took only %d distinct values in 200 draws; want jitter", attempt, len(seen))
		}
	}
}

func BenchmarkCastVote(b *testing.B) {
	f := newFixture(b)
	p := f.createPoll(b, "Bench?", "a", "b")
	ctx := context.Background()
	b.ResetTimer()
	for i := range b.N {
		resp, _ := f.h.CastVote(ctx, voteReq(p.ID, voteBody("a", fmt.Sprintf("bench-%d", i))))
		if resp.StatusCode != http.StatusCreated {
			b.Fatalf("vote %d: status %d, body %s", i, resp.StatusCode, resp.Body)
		}
	}
}
