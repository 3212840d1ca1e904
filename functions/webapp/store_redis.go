package webapp

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// RedisKeyPrefix prefixes every session key the Redis store writes.
const RedisKeyPrefix = "gureum:session:"

// RedisStore keeps sessions in Redis (or ElastiCache for Redis/Valkey), one
// integer key per session with a TTL.
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

// Increment implements Store with INCR and EXPIRE in one MULTI/EXEC
// transaction, so the counter never lives without a TTL.
func (s *RedisStore) Increment(ctx context.Context, id string) (int64, error) {
	key := RedisKeyPrefix + id
	var incr *redis.IntCmd
	_, err := s.client.TxPipelined(ctx, func(p redis.Pipeliner) error {
		incr = p.Incr(ctx, key)
		p.Expire(ctx, key, s.ttl)
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("webapp: redis INCR session: %w", err)
	}
	return incr.Val(), nil
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
