package aggregate

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/gureum-cdk/gureum/internal/testsvc"
)

var (
	s3srv  *testsvc.S3
	client *s3.Client
)

func TestMain(m *testing.M) {
	var err error
	s3srv, err = testsvc.StartS3()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	client = s3srv.Client()
	code := m.Run()
	s3srv.Stop()
	os.Exit(code)
}

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

func newBucket(t *testing.T) string {
	t.Helper()
	name := strings.ToLower(strings.NewReplacer("/", "-", "_", "-").Replace(t.Name()))
	if len(name) > 50 {
		name = name[:50]
	}
	name = "agg-" + strings.Trim(name, "-")
	if err := s3srv.CreateBucket(name); err != nil {
		t.Fatal(err)
	}
	return name
}

func TestParsePlayEvent(t *testing.T) {
	tests := []struct {
		name    string
		data    string
		want    PlayEvent
		wantErr string
	}{
		{"rfc3339", `{"playerId":"p1","eventType":"kill","score":120,"ts":"2026-11-25T04:00:05Z"}`,
			PlayEvent{"p1", "kill", 120, time.Date(2026, 11, 25, 4, 0, 5, 0, time.UTC)}, ""},
		{"offset converted to UTC", `{"playerId":"p1","eventType":"kill","score":-3,"ts":"2026-11-25T13:00:05+09:00"}`,
			PlayEvent{"p1", "kill", -3, time.Date(2026, 11, 25, 4, 0, 5, 0, time.UTC)}, ""},
		{"unix millis", `{"playerId":"p1","eventType":"level.up","score":0,"ts":1764043205000}`,
			PlayEvent{"p1", "level.up", 0, time.UnixMilli(1764043205000).UTC()}, ""},
		{"score MaxScore", `{"playerId":"p1","eventType":"kill","score":9007199254740991,"ts":1764043205000}`,
			PlayEvent{"p1", "kill", 1<<53 - 1, time.UnixMilli(1764043205000).UTC()}, ""},
		{"score -MaxScore", `{"playerId":"p1","eventType":"kill","score":-9007199254740991,"ts":1764043205000}`,
			PlayEvent{"p1", "kill", -(1<<53 - 1), time.UnixMilli(1764043205000).UTC()}, ""},
		{"extra fields ignored", `{"playerId":"p1","eventType":"kill","score":1,"ts":1764043205000,"map":"desert"}`,
			PlayEvent{"p1", "kill", 1, time.UnixMilli(1764043205000).UTC()}, ""},
		{"not json", `kill p1 120`, PlayEvent{}, "not a JSON play event"},
		{"array", `[1,2]`, PlayEvent{}, "not a JSON play event"},
		{"trailing", `{"playerId":"p1","eventType":"kill","score":1,"ts":1764043205000}{}`, PlayEvent{}, "trailing data"},
		{"no player", `{"eventType":"kill","score":1,"ts":1764043205000}`, PlayEvent{}, `"playerId" is required`},
		{"player not string", `{"playerId":7,"eventType":"kill","score":1,"ts":1764043205000}`, PlayEvent{}, "not a JSON play event"},
		{"player control char", `{"playerId":"p\u0000","eventType":"kill","score":1,"ts":1764043205000}`, PlayEvent{}, `"playerId" must be`},
		{"no type", `{"playerId":"p1","score":1,"ts":1764043205000}`, PlayEvent{}, `"eventType" is required`},
		{"bad type", `{"playerId":"p1","eventType":"kill all","score":1,"ts":1764043205000}`, PlayEvent{}, `"eventType" "kill all"`},
		{"no score", `{"playerId":"p1","eventType":"kill","ts":1764043205000}`, PlayEvent{}, `"score" is required`},
		{"null score", `{"playerId":"p1","eventType":"kill","score":null,"ts":1764043205000}`, PlayEvent{}, `"score" is required`},
		{"fraction score", `{"playerId":"p1","eventType":"kill","score":1.5,"ts":1764043205000}`, PlayEvent{}, `"score" must be an integer`},
		{"string score", `{"playerId":"p1","eventType":"kill","score":"10","ts":1764043205000}`, PlayEvent{}, `"score" must be an integer`},
		{"no ts", `{"playerId":"p1","eventType":"kill","score":1}`, PlayEvent{}, `"ts" is required`},
		{"bad ts string", `{"playerId":"p1","eventType":"kill","score":1,"ts":"yesterday"}`, PlayEvent{}, "not an RFC 3339 time"},
		{"seconds not millis", `{"playerId":"p1","eventType":"kill","score":1,"ts":1764043205}`, PlayEvent{}, "is outside [2000, 2100)"},
		{"score beyond int64", `{"playerId":"p1","eventType":"kill","score":9223372036854775808,"ts":1764043205000}`, PlayEvent{}, `"score" must be an integer`},
		{"score int64 max", `{"playerId":"p1","eventType":"kill","score":9223372036854775807,"ts":1764043205000}`, PlayEvent{}, `"score" 9223372036854775807 is outside [-9007199254740991, 9007199254740991]`},
		{"score below -MaxScore", `{"playerId":"p1","eventType":"kill","score":-9007199254740992,"ts":1764043205000}`, PlayEvent{}, `is outside`},
		{"fraction ts", `{"playerId":"p1","eventType":"kill","score":1,"ts":1764043205000.5}`, PlayEvent{}, "integer Unix milliseconds"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParsePlayEvent([]byte(tc.data))
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want one containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}

// arrival is 2026-11-25 13:00:07 KST, i.e. 04:00:07 UTC.
var arrival = time.Date(2026, 11, 25, 4, 0, 7, 0, time.UTC)

func record(seq int, data string) events.KinesisEventRecord {
	sn := fmt.Sprintf("4959033827149025660855969253836157109592157598913658%04d", seq)
	return events.KinesisEventRecord{
		EventID:     "shardId-000000000003:" + sn,
		EventSource: "aws:kinesis",
		Kinesis: events.KinesisRecord{
			Data:                        []byte(data),
			SequenceNumber:              sn,
			PartitionKey:                "p",
			ApproximateArrivalTimestamp: events.SecondsEpochTime{Time: arrival.Add(time.Duration(seq) * time.Millisecond)},
		},
	}
}

func play(player, typ string, score int64, ts time.Time) string {
	b, _ := json.Marshal(map[string]any{"playerId": player, "eventType": typ, "score": score, "ts": ts.Format(time.RFC3339Nano)})
	return string(b)
}

func sampleBatch() events.KinesisEvent {
	m0 := time.Date(2026, 11, 25, 4, 0, 0, 0, time.UTC)
	m1 := m0.Add(time.Minute)
	return events.KinesisEvent{Records: []events.KinesisEventRecord{
		record(1, play("p1", "kill", 10, m0.Add(5*time.Second))),
		record(2, play("p2", "kill", 30, m0.Add(59*time.Second))),
		record(3, `{"playerId":"p3","eventType":"kill","score":"lots"}`),
		record(4, play("p1", "kill", -5, m0.Add(20*time.Second))),
		record(5, play("p1", "kill", 7, m1)),
		record(6, `not json at all`),
		record(7, play("p2", "death", 0, m0.Add(time.Second))),
	}}
}

func TestHandleWritesPartitionedAggregate(t *testing.T) {
	bucket := newBucket(t)
	p := &Processor{S3: client, Bucket: bucket, Logger: quiet}
	ev := sampleBatch()
	resp, err := p.Handle(context.Background(), ev)
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.BatchItemFailures) != 0 {
		t.Fatalf("batch item failures %v, want none (malformed records are skipped)", resp.BatchItemFailures)
	}

	wantKey := "events/year=2026/month=11/day=25/hour=04/shardId-000000000003-" + ev.Records[0].Kinesis.SequenceNumber + ".json"
	out, err := client.GetObject(context.Background(), &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(wantKey)})
	if err != nil {
		t.Fatalf("get %s: %v", wantKey, err)
	}
	defer out.Body.Close()
	if ct := aws.ToString(out.ContentType); ct != "application/json" {
		t.Errorf("content type %q", ct)
	}
	var got Batch
	if err := json.NewDecoder(out.Body).Decode(&got); err != nil {
		t.Fatal(err)
	}
	if got.Records != 7 || got.Valid != 5 || got.Malformed != 2 {
		t.Errorf("records/valid/malformed = %d/%d/%d, want 7/5/2", got.Records, got.Valid, got.Malformed)
	}
	if got.ShardID != "shardId-000000000003" || got.FirstSequenceNumber != ev.Records[0].Kinesis.SequenceNumber ||
		got.LastSequenceNumber != ev.Records[6].Kinesis.SequenceNumber {
		t.Errorf("batch identity %q %q %q", got.ShardID, got.FirstSequenceNumber, got.LastSequenceNumber)
	}
	m0 := time.Date(2026, 11, 25, 4, 0, 0, 0, time.UTC)
	want := []Window{
		{EventType: "death", Minute: m0, Count: 1, ScoreSum: 0, ScoreMin: 0, ScoreMax: 0, UniquePlayers: 1},
		{EventType: "kill", Minute: m0, Count: 3, ScoreSum: 35, ScoreMin: -5, ScoreMax: 30, UniquePlayers: 2},
		{EventType: "kill", Minute: m0.Add(time.Minute), Count: 1, ScoreSum: 7, ScoreMin: 7, ScoreMax: 7, UniquePlayers: 1},
	}
	if len(got.Windows) != len(want) {
		t.Fatalf("windows %+v, want %+v", got.Windows, want)
	}
	for i := range want {
		g := got.Windows[i]
		g.Minute = g.Minute.UTC()
		if g != want[i] {
			t.Errorf("window %d = %+v, want %+v", i, g, want[i])
		}
	}
}

func TestHandleRetryOverwrites(t *testing.T) {
	bucket := newBucket(t)
	p := &Processor{S3: client, Bucket: bucket, Prefix: "agg/", Logger: quiet}
	for i := 0; i < 3; i++ {
		if resp, err := p.Handle(context.Background(), sampleBatch()); err != nil || len(resp.BatchItemFailures) != 0 {
			t.Fatalf("invocation %d: %v %v", i, resp, err)
		}
	}
	list, err := client.ListObjectsV2(context.Background(), &s3.ListObjectsV2Input{Bucket: aws.String(bucket)})
	if err != nil {
		t.Fatal(err)
	}
	if len(list.Contents) != 1 {
		var keys []string
		for _, o := range list.Contents {
			keys = append(keys, aws.ToString(o.Key))
		}
		t.Fatalf("%d objects after three deliveries of one batch, want 1: %v", len(keys), keys)
	}
	if k := aws.ToString(list.Contents[0].Key); !strings.HasPrefix(k, "agg/year=2026/month=11/day=25/hour=04/") {
		t.Errorf("key %q does not use the custom prefix and partition", k)
	}
}

func TestHandleReportsFirstSequenceWhenWriteFails(t *testing.T) {
	// The bucket does not exist: the real server refuses the write.
	p := &Processor{S3: client, Bucket: "agg-no-such-bucket", Logger: quiet}
	ev := sampleBatch()
	resp, err := p.Handle(context.Background(), ev)
	if err != nil {
		t.Fatalf("Handle returned %v; want a partial batch response instead", err)
	}
	if len(resp.BatchItemFailures) != 1 || resp.BatchItemFailures[0].ItemIdentifier != ev.Records[0].Kinesis.SequenceNumber {
		t.Fatalf("failures %+v, want the first record's sequence number %s", resp.BatchItemFailures, ev.Records[0].Kinesis.SequenceNumber)
	}
}

func TestHandleSkipsAllMalformedBatch(t *testing.T) {
	bucket := newBucket(t)
	p := &Processor{S3: client, Bucket: bucket, Logger: quiet}
	ev := events.KinesisEvent{Records: []events.KinesisEventRecord{record(1, `{}`), record(2, `[]`)}}
	resp, err := p.Handle(context.Background(), ev)
	if err != nil || len(resp.BatchItemFailures) != 0 {
		t.Fatalf("resp %+v err %v, want success", resp, err)
	}
	list, err := client.ListObjectsV2(context.Background(), &s3.ListObjectsV2Input{Bucket: aws.String(bucket)})
	if err != nil {
		t.Fatal(err)
	}
	if len(list.Contents) != 0 {
		t.Errorf("%d objects written for a batch without valid events", len(list.Contents))
	}
	b := p.Aggregate(context.Background(), ev)
	if b.Malformed != 2 || b.Valid != 0 {
		t.Errorf("malformed/valid = %d/%d, want 2/0", b.Malformed, b.Valid)
	}
}

func TestHandleEmptyEvent(t *testing.T) {
	p := &Processor{S3: client, Bucket: "unused", Logger: quiet}
	resp, err := p.Handle(context.Background(), events.KinesisEvent{})
	if err != nil || len(resp.BatchItemFailures) != 0 {
		t.Fatalf("resp %+v err %v", resp, err)
	}
}

func TestObjectKey(t *testing.T) {
	b := Batch{ShardID: "shardId-000000000001", FirstSequenceNumber: "123", ArrivedAt: time.Date(2026, 1, 2, 3, 4, 5, 0, time.FixedZone("KST", 9*3600))}
	// 03:04 KST on 2 January is 18:04 UTC on 1 January.
	if got, want := ObjectKey("events/", b), "events/year=2026/month=01/day=01/hour=18/shardId-000000000001-123.json"; got != want {
		t.Errorf("ObjectKey = %q, want %q", got, want)
	}
	b.ShardID = ""
	if got := ObjectKey("", b); got != "year=2026/month=01/day=01/hour=18/unknown-123.json" {
		t.Errorf("ObjectKey without shard = %q", got)
	}
}

// TestAggregateScoreSumNeverWraps feeds the scores a hostile producer would
// send: int64's maximum followed by small scores (which used to wrap the sum
// to -9223372036854775805), then more MaxScore events in one window than its
// int64 sum can hold. Every ScoreSum written must equal the arbitrary-precision
// sum of the events the batch counts as valid.
func TestAggregateScoreSumNeverWraps(t *testing.T) {
	m0 := time.Date(2026, 11, 25, 4, 0, 0, 0, time.UTC)
	var ev events.KinesisEvent
	seq := 0
	add := func(typ string, score string) {
		seq++
		ev.Records = append(ev.Records, record(seq, fmt.Sprintf(`{"playerId":"p%d","eventType":%q,"score":%s,"ts":%q}`,
			seq%7, typ, score, m0.Add(time.Duration(seq)*time.Millisecond).Format(time.RFC3339Nano))))
	}
	add("wrap", "9223372036854775807")
	add("wrap", "1")
	add("wrap", "1")
	add("wrap", "1")
	// 1,024 x (2^53-1) = 2^63-1024 fits in int64; the 1,025th does not.
	for i := 0; i < 1030; i++ {
		add("max", "9007199254740991")
	}
	for i := 0; i < 1030; i++ {
		add("min", "-9007199254740991")
	}
	b := (&Processor{Logger: quiet}).Aggregate(context.Background(), ev)
	if want := 1 + 6 + 6; b.Malformed != want {
		t.Errorf("malformed = %d, want %d (int64 max score, and the 6 events past each window's int64 range)", b.Malformed, want)
	}
	want := map[string]struct {
		count int64
		sum   *big.Int
	}{
		"wrap": {3, big.NewInt(3)},
		"max":  {1024, new(big.Int).Mul(big.NewInt(1024), big.NewInt(MaxScore))},
		"min":  {1024, new(big.Int).Mul(big.NewInt(-1024), big.NewInt(MaxScore))},
	}
	if len(b.Windows) != len(want) {
		t.Fatalf("windows %+v", b.Windows)
	}
	for _, w := range b.Windows {
		wt := want[w.EventType]
		if w.Count != wt.count || big.NewInt(w.ScoreSum).Cmp(wt.sum) != 0 {
			t.Errorf("window %s: count %d sum %d, want count %d sum %s", w.EventType, w.Count, w.ScoreSum, wt.count, wt.sum)
		}
	}
}
