package webapp

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/redis/go-redis/v9"
	"github.com/redis/go-redis/v9/maintnotifications"
)

// Store keeps one counter per session. Implementations are safe for
// concurrent use. A session exists only once the server has created it: the
// store never adopts an id it did not create (session fixation), and an
// expired session stays gone.
type Store interface {
	// Count returns the session's counter: 0 for an unknown or expired
	// session (a live session has counted at least once).
	Count(ctx context.Context, id string) (int64, error)
	// Create starts session id, a fresh id from the server, with a count of
	// 1 that lives ttl, and records requestID as its last increment.
	Create(ctx context.Context, id, requestID string, ttl time.Duration) (int64, error)
	// Increment adds one to a live session's counter atomically, records
	// requestID as its last increment and restarts the session's TTL, and
	// returns the new value. When requestID is already the session's last
	// increment (a retry of a request whose answer was lost), nothing is
	// added and the count is returned as it stands. ok is false, and nothing
	// is written, when the session does not exist or has expired.
	Increment(ctx context.Context, id, requestID string) (n int64, ok bool, err error)
	// Ping reports whether the store answers. It is cheap: the health check
	// calls it.
	Ping(ctx context.Context) error
	// Close releases the store's connections and goroutines.
	Close() error
}

// OpenStore builds the session store that cfg names. The DynamoDB store uses
// the default AWS credential chain; its region comes from AWS_REGION or, on
// EC2, from instance metadata.
func OpenStore(ctx context.Context, cfg Config) (Store, error) {
	switch cfg.Store {
	case StoreMemory, "":
		return NewMemoryStore(cfg.SessionTTL), nil
	case StoreDynamoDB:
		awsCfg, err := config.LoadDefaultConfig(ctx, config.WithEC2IMDSRegion())
		if err != nil {
			return nil, fmt.Errorf("webapp: load AWS configuration: %w", err)
		}
		return NewDynamoDBStore(dynamodb.NewFromConfig(awsCfg), cfg.SessionTable, cfg.SessionTTL)
	case StoreRedis:
		return NewRedisStore(NewRedisClient(cfg), cfg.SessionTTL)
	default:
		return nil, fmt.Errorf("webapp: unknown session store %q", cfg.Store)
	}
}

// NewRedisClient returns a Redis client for cfg.RedisAddr with short timeouts,
// so that a Redis outage fails requests and health checks quickly instead of
// holding them.
func NewRedisClient(cfg Config) *redis.Client {
	opts := &redis.Options{
		Addr:                  cfg.RedisAddr,
		Username:              cfg.RedisUsername,
		Password:              cfg.RedisPassword,
		DialTimeout:           2 * time.Second,
		DialerRetries:         1,
		DialerRetryTimeout:    50 * time.Millisecond,
		ReadTimeout:           time.Second,
		WriteTimeout:          time.Second,
		ContextTimeoutEnabled: true,
		MaxRetries:            1,
		DisableIdentity:       true,
		MaintNotificationsConfig: &maintnotifications.Config{
			Mode: maintnotifications.ModeDisabled,
		},
	}
	if cfg.RedisTLS {
		host, _, _ := net.SplitHostPort(cfg.RedisAddr)
		opts.TLSConfig = &tls.Config{MinVersion: tls.VersionTLS12, ServerName: host}
	}
	return redis.NewClient(opts)
}

// MemoryStore keeps sessions in the process. Sessions are lost on restart and
// are not shared between instances: use it for a single server or with
// sticky sessions.
type MemoryStore struct {
	ttl  time.Duration
	now  func() time.Time
	mu   sync.Mutex
	m    map[string]memoryEntry
	stop chan struct{}
	once sync.Once
}

type memoryEntry struct {
	count       int64
	expires     time.Time
	lastRequest string
}

// NewMemoryStore returns an in-process store whose sessions live ttl after
// their last increment (DefaultSessionTTL when ttl is not positive). A
// background sweep removes expired sessions; Close stops it.
func NewMemoryStore(ttl time.Duration) *MemoryStore {
	if ttl <= 0 {
		ttl = DefaultSessionTTL
	}
	s := &MemoryStore{ttl: ttl, now: time.Now, m: make(map[string]memoryEntry), stop: make(chan struct{})}
	sweep := min(max(ttl/2, time.Second), time.Minute)
	go s.sweep(sweep)
	return s
}

func (s *MemoryStore) sweep(every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
			now := s.now()
			s.mu.Lock()
			for id, e := range s.m {
				if !now.Before(e.expires) {
					delete(s.m, id)
				}
			}
			s.mu.Unlock()
		}
	}
}

// Count implements Store.
func (s *MemoryStore) Count(_ context.Context, id string) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.m[id]
	if !ok || !s.now().Before(e.expires) {
		return 0, nil
	}
	return e.count, nil
}

// Create implements Store.
func (s *MemoryStore) Create(_ context.Context, id, requestID string, ttl time.Duration) (int64, error) {
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	if e, ok := s.m[id]; ok && now.Before(e.expires) {
		return 0, errors.New("webapp: memory store: session id already in use")
	}
	s.m[id] = memoryEntry{count: 1, expires: now.Add(ttl), lastRequest: requestID}
	return 1, nil
}

// Increment implements Store.
func (s *MemoryStore) Increment(_ context.Context, id, requestID string) (int64, bool, error) {
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.m[id]
	if !ok || !now.Before(e.expires) {
		return 0, false, nil
	}
	if e.lastRequest == requestID {
		return e.count, true, nil
	}
	e.count++
	e.expires = now.Add(s.ttl)
	e.lastRequest = requestID
	s.m[id] = e
	return e.count, true, nil
}

// Ping implements Store; memory always answers.
func (s *MemoryStore) Ping(context.Context) error { return nil }

// Close implements Store.
func (s *MemoryStore) Close() error {
	s.once.Do(func() { close(s.stop) })
	return nil
}

// OpenGuestbook builds the guestbook that cfg.DB names. It connects lazily:
// an unreachable database does not fail it. The AWS configuration (default
// credential chain, region from AWS_REGION or instance metadata) is loaded
// only when the guestbook needs AWS: DynamoDB, a Secrets Manager secret or
// IAM authentication.
func OpenGuestbook(ctx context.Context, cfg Config) (Guestbook, error) {
	d := cfg.DB
	if d.Engine == EngineMemory || d.Engine == "" {
		return NewMemoryGuestbook(), nil
	}
	var awsCfg aws.Config
	if d.Engine == EngineDynamoDB || d.SecretARN != "" || d.IAMAuth {
		var err error
		if awsCfg, err = config.LoadDefaultConfig(ctx, config.WithEC2IMDSRegion()); err != nil {
			return nil, fmt.Errorf("webapp: load AWS configuration: %w", err)
		}
	}
	switch d.Engine {
	case EngineDynamoDB:
		return NewDynamoDBGuestbook(dynamodb.NewFromConfig(awsCfg), d.Table)
	case EnginePostgres, EngineMySQL:
		var secrets SecretsAPI
		if d.SecretARN != "" {
			secrets = secretsmanager.NewFromConfig(awsCfg)
		}
		var token AuthTokenFunc
		if d.IAMAuth {
			token = IAMAuthToken(awsCfg)
		}
		return OpenSQLGuestbook(d, secrets, token)
	}
	return nil, fmt.Errorf("webapp: unknown database engine %q", d.Engine)
}
