package webapp

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// RedisKeyPrefix prefixes every session key the Redis store writes: the
// counter is <prefix><id> and the id of the request that last incremented it
// <prefix><id>:request, both with the session's TTL.
const RedisKeyPrefix = "gureum:session:"

// RedisStore keeps sessions in Redis (or ElastiCache for Redis/Valkey), one
// integer key per session and one key for its last request id, each with
// the session's TTL. Both keys of a session are written together by one Lua
// script, so a single Redis (or ElastiCache replication group) is required,
// not cluster mode.
type RedisStore struct {
	client redis.UniversalClient
	ttl    time.Duration
}

// NewRedisStore returns a store on client whose sessions live ttl after their
// last increment. Close closes client.
func NewRedisStore(client redis.UniversalClient, ttl time.Duration) (*RedisStore, error) {
	if client == nil {
		return nil, errors.New("webapp: redis store: client is nil")
	}
	if ttl < time.Second {
		return nil, fmt.Errorf("webapp: redis store: TTL %s is shorter than 1s", ttl)
	}
	return &RedisStore{client: client, ttl: ttl}, nil
}

// Count implements Store.
func (s *RedisStore) Count(ctx context.Context, id string) (int64, error) {
	n, err := s.client.Get(ctx, RedisKeyPrefix+id).Int64()
	if errors.Is(err, redis.Nil) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("webapp: redis GET session: %w", err)
	}
	return n, nil
}

// createScript sets a new session's counter to 1 and its last request,
// unless the counter exists (-1). KEYS: counter, request. ARGV: request id,
// TTL in ms.
var createScript = redis.NewScript(`
if not redis.call('SET', KEYS[1], 1, 'NX', 'PX', ARGV[2]) then
	return -1
end
redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[2])
return 1
`)

// incrementScript increments a live session unless ARGV[1] is its last
// request, and restarts both keys' TTL; -1 when the session does not exist.
// KEYS: counter, request. ARGV: request id, TTL in ms.
var incrementScript = redis.NewScript(`
local n = redis.call('GET', KEYS[1])
if not n then
	return -1
end
if redis.call('GET', KEYS[2]) == ARGV[1] then
	return tonumber(n)
end
n = redis.call('INCR', KEYS[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[2])
return n
`)

func redisKeys(id string) []string {
	return []string{RedisKeyPrefix + id, RedisKeyPrefix + id + ":request"}
}

// Create implements Store with one Lua script (SET NX of the counter, SET of
// the request id), atomic in Redis.
func (s *RedisStore) Create(ctx context.Context, id, requestID string, ttl time.Duration) (int64, error) {
	n, err := createScript.Run(ctx, s.client, redisKeys(id), requestID, max(ttl.Milliseconds(), 1)).Int64()
	if err != nil {
		return 0, fmt.Errorf("webapp: redis create session: %w", err)
	}
	if n < 0 {
		return 0, errors.New("webapp: redis create session: session id already in use")
	}
	return n, nil
}

// Increment implements Store with one Lua script, atomic in Redis: a
// retried request (go-redis resends a command whose reply timed out, and a
// client may repeat a request with the same Idempotency-Key) finds its id
// recorded and adds nothing.
func (s *RedisStore) Increment(ctx context.Context, id, requestID string) (int64, bool, error) {
	n, err := incrementScript.Run(ctx, s.client, redisKeys(id), requestID, s.ttl.Milliseconds()).Int64()
	if err != nil {
		return 0, false, fmt.Errorf("webapp: redis increment session: %w", err)
	}
	if n < 0 {
		return 0, false, nil
	}
	return n, true, nil
}

// Ping implements Store with the Redis PING command.
func (s *RedisStore) Ping(ctx context.Context) error {
	if err := s.client.Ping(ctx).Err(); err != nil {
		return fmt.Errorf("webapp: redis PING: %w", err)
	}
	return nil
}

// Close implements Store.
func (s *RedisStore) Close() error { return s.client.Close() }
