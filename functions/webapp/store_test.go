package webapp

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// testTTL differs from the 24h default so the tests see it was applied.
const testTTL = 90 * time.Minute

// sharedStores are the stores that two instances of the app can share.
var sharedStores = []struct {
	name string
	open func(t *testing.T) Store
}{
	{"dynamodb", func(t *testing.T) Store {
		s, err := NewDynamoDBStore(ddbClient, testTable, testTTL)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}},
	{"redis", func(t *testing.T) Store {
		s, err := NewRedisStore(rds.Client(), testTTL)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}},
}

// instances is two app servers over HTTPS sharing one store, and a client
// whose cookie jar carries the session between them, as a browser behind a
// load balancer would.
type instances struct {
	a, b   *httptest.Server
	client *http.Client
}

func newInstances(t *testing.T, store Store) *instances {
	t.Helper()
	start := func(id string) *httptest.Server {
		// The concurrency tests queue hundreds of updates on one item of a local
		// server sharing two cores with the rest of the suite: they check
		// atomicity, not latency, so the store deadline is generous.
		h, err := NewHandler(Options{Store: store, InstanceID: id, SessionTTL: testTTL, Logger: discardLogger(), StoreTimeout: time.Minute})
		if err != nil {
			t.Fatal(err)
		}
		s := httptest.NewTLSServer(h)
		t.Cleanup(s.Close)
		return s
	}
	in := &instances{a: start("i-aaaa"), b: start("i-bbbb")}
	in.client = in.newClient(t)
	return in
}

// newClient returns a client with an empty cookie jar that trusts both
// servers (httptest servers share one certificate).
func (in *instances) newClient(t *testing.T) *http.Client {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	c := in.a.Client()
	tr := c.Transport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 64
	return &http.Client{Transport: tr, Jar: jar, Timeout: 30 * time.Second}
}

func call(t *testing.T, c *http.Client, method, url string) (counterResponse, *http.Response) {
	t.Helper()
	req, err := http.NewRequest(method, url+"/counter", nil)
	if err != nil {
		t.Fatal(err)
	}
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	return decodeCounter(t, res), res
}

func TestSessionSharedAcrossInstances(t *testing.T) {
	for _, st := range sharedStores {
		t.Run(st.name, func(t *testing.T) {
			in := newInstances(t, st.open(t))
			steps := []struct {
				method, url string
				want        counterResponse
			}{
				{"POST", in.a.URL, counterResponse{1, "i-aaaa"}},
				{"POST", in.b.URL, counterResponse{2, "i-bbbb"}},
				{"GET", in.a.URL, counterResponse{2, "i-aaaa"}},
				{"POST", in.a.URL, counterResponse{3, "i-aaaa"}},
				{"GET", in.b.URL, counterResponse{3, "i-bbbb"}},
			}
			for i, s := range steps {
				if got, _ := call(t, in.client, s.method, s.url); got != s.want {
					t.Fatalf("step %d: %s %s/counter = %+v, want %+v", i, s.method, s.url, got, s.want)
				}
			}
			// Another browser has its own session.
			other := in.newClient(t)
			if got, _ := call(t, other, "GET", in.b.URL); got.Count != 0 {
				t.Errorf("new client GET = %d, want 0", got.Count)
			}
			if got, _ := call(t, other, "POST", in.a.URL); got.Count != 1 {
				t.Errorf("new client POST = %d, want 1", got.Count)
			}
			if got, _ := call(t, in.client, "GET", in.b.URL); got.Count != 3 {
				t.Errorf("first client after the second wrote: %d, want 3", got.Count)
			}
		})
	}
}

func TestConcurrentIncrementsAreExact(t *testing.T) {
	const n = 200
	for _, st := range sharedStores {
		t.Run(st.name, func(t *testing.T) {
			in := newInstances(t, st.open(t))
			// Obtain a session (count 1): only a POST creates one.
			if got, _ := call(t, in.client, "POST", in.a.URL); got.Count != 1 {
				t.Fatalf("first POST = %d, want 1", got.Count)
			}

			counts := make([]int64, n)
			errs := make(chan error, n)
			var wg sync.WaitGroup
			for i := range n {
				wg.Add(1)
				go func() {
					defer wg.Done()
					url := in.a.URL
					if i%2 == 1 {
						url = in.b.URL
					}
					res, err := in.client.Post(url+"/counter", "", nil)
					if err != nil {
						errs <- err
						return
					}
					defer res.Body.Close()
					if res.StatusCode != http.StatusOK {
						errs <- fmt.Errorf("POST #%d: status %d", i, res.StatusCode)
						return
					}
					var c counterResponse
					if err := jsonDecode(res, &c); err != nil {
						errs <- err
						return
					}
					counts[i] = c.Count
				}()
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Fatal(err)
			}
			// Each increment saw a distinct value: 2..n+1 exactly once.
			seen := make(map[int64]bool, n)
			for _, c := range counts {
				if c < 2 || c > n+1 || seen[c] {
					t.Fatalf("increment returned %d (duplicate or out of 2..%d): increments are not atomic", c, n+1)
				}
				seen[c] = true
			}
			if got, _ := call(t, in.client, "GET", in.b.URL); got.Count != n+1 {
				t.Errorf("after 1+%d concurrent increments GET = %d", n, got.Count)
			}
		})
	}
}

func TestMalformedCookieGetsNewSession(t *testing.T) {
	stores := append([]struct {
		name string
		open func(t *testing.T) Store
	}{{"memory", func(t *testing.T) Store { s := NewMemoryStore(testTTL); t.Cleanup(func() { s.Close() }); return s }}}, sharedStores...)
	bad := []string{
		"",
		"abc",
		"ZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZ",
		dynamoDBPingKey,
		"0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF",
	}
	for _, st := range stores {
		t.Run(st.name, func(t *testing.T) {
			store := st.open(t)
			h := newMemoryHandler(t, Options{Store: store})
			for _, v := range bad {
				res := do(t, h, "POST", "/counter", nil, http.Header{"Cookie": {SessionCookie + "=" + v}})
				if got := decodeCounter(t, res); got.Count != 1 {
					t.Errorf("cookie %q: POST /counter = %d, want 1 (a new session)", v, got.Count)
				}
				c := sessionCookieOf(res)
				if c == nil || c.Value == v || !validSessionID(c.Value) {
					t.Errorf("cookie %q: Set-Cookie %q, want a new valid session id", v, res.Header.Get("Set-Cookie"))
				}
			}
		})
	}
}

// TestDynamoDBSessionTTL: a session created by a POST without a cookie
// lives DefaultNewSessionTTL (a cookieless client cannot fill the table with
// day-long items); the next POST bringing its cookie back gives it
// SESSION_TTL.
func TestDynamoDBSessionTTL(t *testing.T) {
	in := newInstances(t, sharedStores[0].open(t))
	item := func(id string) map[string]types.AttributeValue {
		out, err := ddbClient.GetItem(withTimeout(t), &dynamodb.GetItemInput{
			TableName:      aws.String(testTable),
			Key:            map[string]types.AttributeValue{"id": &types.AttributeValueMemberS{Value: id}},
			ConsistentRead: aws.Bool(true),
		})
		if err != nil {
			t.Fatal(err)
		}
		return out.Item
	}
	for i, ttl := range []time.Duration{DefaultNewSessionTTL, testTTL} {
		before := time.Now()
		_, res := call(t, in.client, "POST", in.a.URL)
		after := time.Now()
		c := sessionCookieOf(res)
		if c == nil {
			t.Fatal("no session cookie")
		}
		it := item(c.Value)
		exp, err := numberAttr(it, "expiresAt")
		if err != nil {
			t.Fatalf("session item %v: %v", it, err)
		}
		lo, hi := before.Add(ttl).Unix(), after.Add(ttl).Unix()
		if exp < lo || exp > hi {
			t.Errorf("POST #%d: expiresAt = %d, want within [%d, %d] (now + %s)", i+1, exp, lo, hi, ttl)
		}
		if n, _ := numberAttr(it, "count"); n != int64(i+1) {
			t.Errorf("POST #%d: count attribute = %d, want %d", i+1, n, i+1)
		}
	}
}

func TestDynamoDBExpiredItemIsAbsent(t *testing.T) {
	store := sharedStores[0].open(t).(*DynamoDBStore)
	id := newSessionID()
	_, err := ddbClient.PutItem(withTimeout(t), &dynamodb.PutItemInput{
		TableName: aws.String(testTable),
		Item: map[string]types.AttributeValue{
			"id":        &types.AttributeValueMemberS{Value: id},
			"count":     &types.AttributeValueMemberN{Value: "41"},
			"expiresAt": &types.AttributeValueMemberN{Value: strconv.FormatInt(time.Now().Add(-time.Minute).Unix(), 10)},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx := withTimeout(t)
	if n, err := store.Count(ctx, id); err != nil || n != 0 {
		t.Errorf("Count of an expired session = %d, %v; want 0", n, err)
	}
	if n, ok, err := store.Increment(ctx, id, "r1"); err != nil || ok {
		t.Errorf("Increment of an expired session = %d, %v, %v; want no session", n, ok, err)
	}
}

// TestRedisSessionTTL: as TestDynamoDBSessionTTL, for both keys of a Redis
// session.
func TestRedisSessionTTL(t *testing.T) {
	in := newInstances(t, sharedStores[1].open(t))
	rc := rds.Client()
	defer rc.Close()
	for i, want := range []time.Duration{DefaultNewSessionTTL, testTTL} {
		_, res := call(t, in.client, "POST", in.b.URL)
		c := sessionCookieOf(res)
		if c == nil {
			t.Fatal("no session cookie")
		}
		for _, key := range redisKeys(c.Value) {
			ttl, err := rc.TTL(withTimeout(t), key).Result()
			if err != nil {
				t.Fatal(err)
			}
			if ttl <= want-time.Minute || ttl > want {
				t.Errorf("POST #%d: TTL of %s = %s, want about %s", i+1, key, ttl, want)
			}
		}
	}
}

func jsonDecode(res *http.Response, v any) error { return json.NewDecoder(res.Body).Decode(v) }

func healthStatus(t *testing.T, url string) (int, time.Duration) {
	t.Helper()
	start := time.Now()
	res, err := http.Get(url + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode, time.Since(start)
}

func TestHealthzWhenRedisStops(t *testing.T) {
	own, err := startRedis()
	if err != nil {
		t.Fatal(err)
	}
	defer own.Stop()
	store, err := NewRedisStore(own.Client(), testTTL)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	h, err := NewHandler(Options{Store: store, Logger: discardLogger(), HealthCacheFor: time.Millisecond, HealthTimeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()

	if code, _ := healthStatus(t, srv.URL); code != http.StatusOK {
		t.Fatalf("/healthz with Redis up = %d, want 200", code)
	}
	own.Stop()
	time.Sleep(5 * time.Millisecond) // let the cached result age
	code, took := healthStatus(t, srv.URL)
	if code != http.StatusServiceUnavailable {
		t.Fatalf("/healthz with Redis stopped = %d, want 503", code)
	}
	if took > 3*time.Second {
		t.Errorf("/healthz with Redis stopped took %s; the ping must be bounded", took)
	}
	t.Logf("/healthz answered 503 in %s after Redis stopped", took)
	res, err := http.Post(srv.URL+"/counter", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("POST /counter with Redis stopped = %d, want 503", res.StatusCode)
	}
}

func TestHealthzDynamoDB(t *testing.T) {
	tests := []struct {
		table string
		want  int
	}{
		{testTable, http.StatusOK},
		{"no-such-table", http.StatusServiceUnavailable},
	}
	for _, tt := range tests {
		t.Run(tt.table, func(t *testing.T) {
			store, err := NewDynamoDBStore(ddbClient, tt.table, testTTL)
			if err != nil {
				t.Fatal(err)
			}
			srv := httptest.NewServer(newMemoryHandler(t, Options{Store: store}))
			defer srv.Close()
			if code, _ := healthStatus(t, srv.URL); code != tt.want {
				t.Errorf("/healthz = %d, want %d", code, tt.want)
			}
		})
	}
}

func TestHealthzCachesPing(t *testing.T) {
	own, err := startRedis()
	if err != nil {
		t.Fatal(err)
	}
	defer own.Stop()
	store, err := NewRedisStore(own.Client(), testTTL)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	h := newMemoryHandler(t, Options{Store: store, HealthCacheFor: time.Hour})
	srv := httptest.NewServer(h)
	defer srv.Close()
	if code, _ := healthStatus(t, srv.URL); code != http.StatusOK {
		t.Fatalf("/healthz = %d, want 200", code)
	}
	own.Stop()
	// Within HealthCacheFor the last result is reused: no ping is made.
	if code, _ := healthStatus(t, srv.URL); code != http.StatusOK {
		t.Errorf("/healthz within the cache period = %d, want the cached 200", code)
	}
}

func TestOpenStore(t *testing.T) {
	t.Setenv("AWS_ACCESS_KEY_ID", "local")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "local")
	t.Setenv("AWS_REGION", "us-east-1")
	t.Setenv("AWS_ENDPOINT_URL_DYNAMODB", ddb.Endpoint)
	tests := []struct {
		cfg  Config
		want string
	}{
		{Config{Store: StoreMemory, SessionTTL: testTTL}, "*webapp.MemoryStore"},
		{Config{Store: StoreDynamoDB, SessionTable: testTable, SessionTTL: testTTL}, "*webapp.DynamoDBStore"},
		{Config{Store: StoreRedis, RedisAddr: rds.Addr, SessionTTL: testTTL}, "*webapp.RedisStore"},
	}
	for _, tt := range tests {
		t.Run(tt.cfg.Store, func(t *testing.T) {
			s, err := OpenStore(context.Background(), tt.cfg)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			if got := fmt.Sprintf("%T", s); got != tt.want {
				t.Errorf("OpenStore(%s) = %s, want %s", tt.cfg.Store, got, tt.want)
			}
			ctx := withTimeout(t)
			id := newSessionID()
			if n, err := s.Create(ctx, id, "r1", time.Minute); err != nil || n != 1 {
				t.Errorf("Create = %d, %v; want 1", n, err)
			}
			if n, ok, err := s.Increment(ctx, id, "r2"); err != nil || !ok || n != 2 {
				t.Errorf("Increment = %d, %v, %v; want 2", n, ok, err)
			}
			if n, err := s.Count(ctx, id); err != nil || n != 2 {
				t.Errorf("Count = %d, %v; want 2", n, err)
			}
			if err := s.Ping(ctx); err != nil {
				t.Errorf("Ping: %v", err)
			}
		})
	}
}
