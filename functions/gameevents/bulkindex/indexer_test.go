package bulkindex

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/gureum-cdk/gureum/functions/gameevents/aggregate"
	"github.com/gureum-cdk/gureum/internal/testsvc"
)

var (
	s3srv    *testsvc.S3
	s3client *s3.Client
)

const bucket = "aggregates"

func TestMain(m *testing.M) {
	var err error
	s3srv, err = testsvc.StartS3()
	if err == nil {
		err = s3srv.CreateBucket(bucket)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		s3srv.Stop()
		os.Exit(1)
	}
	s3client = s3srv.Client()
	code := m.Run()
	s3srv.Stop()
	os.Exit(code)
}

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

func newIndexer(t *testing.T, srv *bulkServer, cfg Config) *Indexer {
	t.Helper()
	cfg.Endpoint = srv.URL
	cfg.Region = testRegion
	if cfg.Backoff == 0 {
		cfg.Backoff, cfg.MaxBackoff = time.Millisecond, 5*time.Millisecond
	}
	ix, err := New(cfg, s3client, credentials.NewStaticCredentialsProvider(testCreds.AccessKeyID, testCreds.SecretAccessKey, ""))
	if err != nil {
		t.Fatal(err)
	}
	ix.Logger = quiet
	return ix
}

// writeBatch stores an aggregate batch through the real stream processor and
// returns its key.
func writeBatch(t *testing.T, shard string, windows int) (string, aggregate.Batch) {
	t.Helper()
	m0 := time.Date(2026, 11, 25, 4, 0, 0, 0, time.UTC)
	var recs []events.KinesisEventRecord
	for i := 0; i < windows; i++ {
		data, _ := json.Marshal(map[string]any{"playerId": fmt.Sprintf("p%d", i%3), "eventType": "kill", "score": i * 10, "ts": m0.Add(time.Duration(i) * time.Minute).UnixMilli()})
		sn := fmt.Sprintf("495903382714902566085596925383615710959215759891365%05d", i)
		recs = append(recs, events.KinesisEventRecord{
			EventID: shard + ":" + sn,
			Kinesis: events.KinesisRecord{Data: data, SequenceNumber: sn, ApproximateArrivalTimestamp: events.SecondsEpochTime{Time: m0.Add(time.Second)}},
		})
	}
	p := &aggregate.Processor{S3: s3client, Bucket: bucket, Logger: quiet}
	ev := events.KinesisEvent{Records: recs}
	resp, err := p.Handle(context.Background(), ev)
	if err != nil || len(resp.BatchItemFailures) > 0 {
		t.Fatalf("write batch: %v %v", resp, err)
	}
	b := p.Aggregate(context.Background(), ev)
	return aggregate.ObjectKey(aggregate.DefaultPrefix, b), b
}

// s3Event builds the notification S3 sends, with its URL-encoded key.
func s3Event(t *testing.T, keys ...string) events.S3Event {
	t.Helper()
	var recs []map[string]any
	for _, k := range keys {
		recs = append(recs, map[string]any{
			"eventSource": "aws:s3", "eventName": "ObjectCreated:Put",
			"s3": map[string]any{"bucket": map[string]any{"name": bucket}, "object": map[string]any{"key": url.QueryEscape(k), "size": 100}},
		})
	}
	raw, _ := json.Marshal(map[string]any{"Records": recs})
	var ev events.S3Event
	if err := json.Unmarshal(raw, &ev); err != nil {
		t.Fatal(err)
	}
	return ev
}

func TestHandleIndexesAggregateObjectIdempotently(t *testing.T) {
	srv := newBulkServer(t, "game-events")
	ix := newIndexer(t, srv, Config{})
	key, batch := writeBatch(t, "shardId-000000000001", 4)
	ev := s3Event(t, key)
	if !strings.Contains(ev.Records[0].S3.Object.Key, "%3D") {
		t.Fatalf("event key %q is not URL-encoded like S3's", ev.Records[0].S3.Object.Key)
	}

	if err := ix.Handle(context.Background(), ev); err != nil {
		t.Fatal(err)
	}
	docs, _, reqs, invalid := srv.snapshot()
	if len(invalid) > 0 {
		t.Fatalf("server rejected requests: %v", invalid)
	}
	if len(docs) != len(batch.Windows) || len(reqs) != 1 {
		t.Fatalf("%d documents in %d requests, want %d in 1", len(docs), len(reqs), len(batch.Windows))
	}
	for _, w := range batch.Windows {
		src, ok := docs[DocumentID(batch, w)]
		if !ok {
			t.Fatalf("no document for window %+v", w)
		}
		var got map[string]any
		if err := json.Unmarshal(src, &got); err != nil {
			t.Fatal(err)
		}
		if got["@timestamp"] != w.Minute.UTC().Format(time.RFC3339) || got["eventType"] != w.EventType ||
			got["count"] != float64(w.Count) || got["scoreSum"] != float64(w.ScoreSum) ||
			got["uniquePlayers"] != float64(w.UniquePlayers) || got["source"] != "s3://"+bucket+"/"+key {
			t.Errorf("document %s = %v, want window %+v", DocumentID(batch, w), got, w)
		}
	}

	// A second delivery of the same notification overwrites the same documents.
	if err := ix.Handle(context.Background(), ev); err != nil {
		t.Fatal(err)
	}
	docs2, attempts, reqs, _ := srv.snapshot()
	if len(docs2) != len(docs) || len(reqs) != 2 {
		t.Fatalf("after re-indexing: %d documents in %d requests, want %d in 2", len(docs2), len(reqs), len(docs))
	}
	for id, n := range attempts {
		if n != 2 {
			t.Errorf("document %s sent %d times, want 2", id, n)
		}
	}
}

func TestIndexRetriesThrottledItems(t *testing.T) {
	srv := newBulkServer(t, "game-events")
	ix := newIndexer(t, srv, Config{MaxAttempts: 4})
	docs := testDocs(6)
	srv.throttle[docs[1].ID] = 2
	srv.throttle[docs[4].ID] = 1
	if err := ix.Index(context.Background(), docs); err != nil {
		t.Fatal(err)
	}
	indexed, attempts, reqs, invalid := srv.snapshot()
	if len(invalid) > 0 {
		t.Fatal(invalid)
	}
	if len(indexed) != 6 {
		t.Errorf("%d documents indexed, want 6", len(indexed))
	}
	want := map[string]int{docs[1].ID: 3, docs[4].ID: 2}
	for _, d := range docs {
		w := want[d.ID]
		if w == 0 {
			w = 1
		}
		if attempts[d.ID] != w {
			t.Errorf("document %s sent %d times, want %d", d.ID, attempts[d.ID], w)
		}
	}
	// 6 documents, then the 2 throttled, then the 1 throttled twice.
	if got := docCounts(reqs); got != "[6 2 1]" {
		t.Errorf("request sizes %s, want [6 2 1]", got)
	}
}

func TestIndexFailsWhenItemsStillFail(t *testing.T) {
	tests := []struct {
		name         string
		setup        func(*bulkServer, []Document)
		wantErr      []string
		wantAttempts map[int]int
	}{
		{
			name:         "throttled past the last attempt",
			setup:        func(s *bulkServer, d []Document) { s.throttle[d[2].ID] = 100 },
			wantErr:      []string{"1 of 4 documents not indexed", "429 es_rejected_execution_exception"},
			wantAttempts: map[int]int{0: 1, 1: 1, 2: 3, 3: 1},
		},
		{
			name:         "mapping error is not retried",
			setup:        func(s *bulkServer, d []Document) { s.reject[d[0].ID] = true },
			wantErr:      []string{"1 of 4 documents not indexed", "400 mapper_parsing_exception"},
			wantAttempts: map[int]int{0: 1, 1: 1, 2: 1, 3: 1},
		},
		{
			name: "both",
			setup: func(s *bulkServer, d []Document) {
				s.reject[d[0].ID] = true
				s.throttle[d[3].ID] = 100
			},
			wantErr:      []string{"2 of 4 documents not indexed", "mapper_parsing_exception", "es_rejected_execution_exception"},
			wantAttempts: map[int]int{0: 1, 1: 1, 2: 1, 3: 3},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := newBulkServer(t, "game-events")
			ix := newIndexer(t, srv, Config{MaxAttempts: 3})
			docs := testDocs(4)
			tc.setup(srv, docs)
			err := ix.Index(context.Background(), docs)
			if err == nil {
				t.Fatal("Index succeeded, want an error")
			}
			for _, w := range tc.wantErr {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
			_, attempts, _, _ := srv.snapshot()
			for i, want := range tc.wantAttempts {
				if attempts[docs[i].ID] != want {
					t.Errorf("document %d sent %d times, want %d", i, attempts[docs[i].ID], want)
				}
			}
		})
	}
}

func TestIndexRetriesUnavailableCluster(t *testing.T) {
	srv := newBulkServer(t, "game-events")
	srv.requestStatus = []int{503, 429}
	ix := newIndexer(t, srv, Config{})
	if err := ix.Index(context.Background(), testDocs(3)); err != nil {
		t.Fatal(err)
	}
	indexed, _, reqs, _ := srv.snapshot()
	if len(indexed) != 3 || len(reqs) != 3 {
		t.Errorf("%d documents after %d requests, want 3 after 3", len(indexed), len(reqs))
	}

	srv.requestStatus = []int{403}
	err := ix.Index(context.Background(), testDocs(1))
	if err == nil || !strings.Contains(err.Error(), "HTTP 403") {
		t.Fatalf("err = %v, want a non-retried HTTP 403", err)
	}
	if _, _, reqs2, _ := srv.snapshot(); len(reqs2) != len(reqs)+1 {
		t.Errorf("403 answered %d times, want once", len(reqs2)-len(reqs))
	}
}

func TestIndexBoundsBulkRequests(t *testing.T) {
	docs := testDocs(10)
	entryLen := len(entry("game-events", docs[0]))
	tests := []struct {
		name      string
		cfg       Config
		wantSizes string
	}{
		{"by documents", Config{MaxDocs: 3}, "[3 3 3 1]"},
		{"by bytes", Config{MaxBytes: 4*entryLen + 1}, "[4 4 2]"},
		{"both", Config{MaxDocs: 3, MaxBytes: 2 * entryLen}, "[2 2 2 2 2]"},
		{"document above byte limit goes alone", Config{MaxBytes: 10}, "[1 1 1 1 1 1 1 1 1 1]"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := newBulkServer(t, "game-events")
			ix := newIndexer(t, srv, tc.cfg)
			if err := ix.Index(context.Background(), docs); err != nil {
				t.Fatal(err)
			}
			indexed, _, reqs, invalid := srv.snapshot()
			if len(invalid) > 0 {
				t.Fatal(invalid)
			}
			if len(indexed) != len(docs) {
				t.Errorf("%d documents indexed, want %d", len(indexed), len(docs))
			}
			if got := docCounts(reqs); got != tc.wantSizes {
				t.Errorf("documents per request %s, want %s", got, tc.wantSizes)
			}
			for _, r := range reqs {
				if r.docs > 1 && r.bytes > ix.Config.MaxBytes {
					t.Errorf("request of %d documents has %d bytes, above the %d limit", r.docs, r.bytes, ix.Config.MaxBytes)
				}
			}
		})
	}
}

func TestHandleCustomIndexAndObjectErrors(t *testing.T) {
	srv := newBulkServer(t, "game-events-v2")
	ix := newIndexer(t, srv, Config{Index: "game-events-v2"})
	key, batch := writeBatch(t, "shardId-000000000002", 2)
	if _, err := s3client.PutObject(context.Background(), &s3.PutObjectInput{
		Bucket: aws.String(bucket), Key: aws.String("events/broken.json"), Body: strings.NewReader("{not json"),
	}); err != nil {
		t.Fatal(err)
	}
	err := ix.Handle(context.Background(), s3Event(t, "events/missing.json", "events/broken.json", key))
	if err == nil {
		t.Fatal("Handle succeeded with a missing and a broken object")
	}
	for _, w := range []string{"s3://aggregates/events/missing.json", "s3://aggregates/events/broken.json is not an aggregate batch"} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q does not mention %q", err, w)
		}
	}
	// The good object is indexed even though the others failed.
	indexed, _, _, invalid := srv.snapshot()
	if len(invalid) > 0 {
		t.Fatal(invalid)
	}
	if len(indexed) != len(batch.Windows) {
		t.Errorf("%d documents indexed, want %d from the good object", len(indexed), len(batch.Windows))
	}
}

func TestDocumentIDIsDeterministicAndDistinct(t *testing.T) {
	m := time.Date(2026, 11, 25, 4, 0, 0, 0, time.UTC)
	b := aggregate.Batch{ShardID: "shardId-1", FirstSequenceNumber: "100"}
	w := aggregate.Window{EventType: "kill", Minute: m}
	id := DocumentID(b, w)
	if len(id) != 40 {
		t.Errorf("id %q has %d characters, want 40", id, len(id))
	}
	if again := DocumentID(b, aggregate.Window{EventType: "kill", Minute: m.In(time.FixedZone("KST", 9*3600)), Count: 99}); again != id {
		t.Errorf("same window in another zone has id %s, want %s", again, id)
	}
	seen := map[string]string{id: "base"}
	for name, other := range map[string]string{
		"other minute": DocumentID(b, aggregate.Window{EventType: "kill", Minute: m.Add(time.Minute)}),
		"other type":   DocumentID(b, aggregate.Window{EventType: "death", Minute: m}),
		"other batch":  DocumentID(aggregate.Batch{ShardID: "shardId-1", FirstSequenceNumber: "101"}, w),
		"other shard":  DocumentID(aggregate.Batch{ShardID: "shardId-2", FirstSequenceNumber: "100"}, w),
	} {
		if prev, dup := seen[other]; dup {
			t.Errorf("%s has the same id as %s", name, prev)
		}
		seen[other] = name
	}
}

func TestBodyFraming(t *testing.T) {
	docs := []Document{{ID: "a", Source: json.RawMessage("{\n  \"n\": 1\n}")}, {ID: "b", Source: json.RawMessage(`{"n":2}`)}}
	lines := readLines(Body("idx", docs))
	want := []string{`{"index":{"_index":"idx","_id":"a"}}`, `{"n":1}`, `{"index":{"_index":"idx","_id":"b"}}`, `{"n":2}`}
	if strings.Join(lines, "|") != strings.Join(want, "|") {
		t.Errorf("body lines\n got %q\nwant %q", lines, want)
	}
}

func TestConfigFromEnv(t *testing.T) {
	env := func(kv ...string) func(string) string {
		m := map[string]string{}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return func(k string) string { return m[k] }
	}
	c, err := ConfigFromEnv(env("OPENSEARCH_ENDPOINT", "search-game.ap-northeast-2.es.amazonaws.com/", "AWS_REGION", "ap-northeast-2", "BULK_MAX_DOCS", "50"))
	if err != nil {
		t.Fatal(err)
	}
	if c.Endpoint != "https://search-game.ap-northeast-2.es.amazonaws.com" || c.Index != "game-events" || c.Service != "es" ||
		c.MaxDocs != 50 || c.MaxBytes != DefaultMaxBytes || c.MaxAttempts != DefaultMaxAttempts {
		t.Errorf("config %+v", c)
	}
	for _, tc := range []struct {
		name    string
		env     func(string) string
		wantErr string
	}{
		{"no endpoint", env("AWS_REGION", "x"), "OPENSEARCH_ENDPOINT"},
		{"no region", env("OPENSEARCH_ENDPOINT", "https://h"), "AWS_REGION"},
		{"bad number", env("OPENSEARCH_ENDPOINT", "https://h", "AWS_REGION", "x", "BULK_MAX_BYTES", "5MB"), `BULK_MAX_BYTES="5MB"`},
		{"bad index", env("OPENSEARCH_ENDPOINT", "https://h", "AWS_REGION", "x", "INDEX", "Game Events"), "not a valid OpenSearch index name"},
		{"bad scheme", env("OPENSEARCH_ENDPOINT", "ftp://h", "AWS_REGION", "x"), "not an http(s) URL"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := ConfigFromEnv(tc.env); err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("err = %v, want one containing %q", err, tc.wantErr)
			}
		})
	}
}

func testDocs(n int) []Document {
	m := time.Date(2026, 11, 25, 4, 0, 0, 0, time.UTC)
	b := aggregate.Batch{ShardID: "shardId-000000000000", FirstSequenceNumber: "1"}
	for i := 0; i < n; i++ {
		b.Windows = append(b.Windows, aggregate.Window{EventType: "kill", Minute: m.Add(time.Duration(i) * time.Minute), Count: 5, ScoreSum: 35}) // equal sizes
	}
	docs, err := Documents("b", "k.json", b)
	if err != nil {
		panic(err)
	}
	return docs
}

func docCounts(reqs []bulkRequest) string {
	var n []int
	for _, r := range reqs {
		n = append(n, r.docs)
	}
	return fmt.Sprint(n)
}
