package aggregate

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// PutObjectAPI is the part of the S3 client Processor uses; *s3.Client
// satisfies it.
type PutObjectAPI interface {
	PutObject(ctx context.Context, in *s3.PutObjectInput, optFns ...func(*s3.Options)) (*s3.PutObjectOutput, error)
}

// DefaultPrefix is the key prefix used when Processor.Prefix is empty.
const DefaultPrefix = "events/"

// maxMalformedLogs bounds the per-record log lines for one batch; the count
// in the summary line covers the rest.
const maxMalformedLogs = 20

// Processor handles Kinesis batches of play events.
type Processor struct {
	// S3 writes the aggregate objects. Required.
	S3 PutObjectAPI
	// Bucket receives the aggregate objects. Required.
	Bucket string
	// Prefix starts every object key. Default: "events/".
	Prefix string
	// KMSKeyID, when set, makes every write request SSE-KMS with this key
	// and an S3 Bucket Key (headers x-amz-server-side-encryption: aws:kms,
	// x-amz-server-side-encryption-aws-kms-key-id and
	// x-amz-server-side-encryption-bucket-key-enabled: true). Give the key
	// ARN: a gureum data lake's bucket policy denies uploads that do not ask
	// for aws:kms, or that name a key other than the lake key's ARN. The
	// caller needs kms:GenerateDataKey on the key. Default: "" (no SSE
	// headers: the bucket's default encryption applies). Env: KMS_KEY_ID.
	KMSKeyID string
	// Logger receives malformed-record and summary lines. Default: slog.Default().
	Logger *slog.Logger
}

// Aggregate builds the Batch for a Kinesis event without writing it.
func (p *Processor) Aggregate(ctx context.Context, ev events.KinesisEvent) Batch {
	var b Batch
	if len(ev.Records) == 0 {
		return b
	}
	first, last := ev.Records[0], ev.Records[len(ev.Records)-1]
	b.ShardID = shardID(first)
	b.FirstSequenceNumber = first.Kinesis.SequenceNumber
	b.LastSequenceNumber = last.Kinesis.SequenceNumber
	b.ArrivedAt = first.Kinesis.ApproximateArrivalTimestamp.UTC()
	b.Records = len(ev.Records)

	var agg Aggregator
	for _, r := range ev.Records {
		pe, err := ParsePlayEvent(r.Kinesis.Data)
		if err == nil {
			err = agg.Add(pe)
		}
		if err != nil {
			b.Malformed++
			if b.Malformed <= maxMalformedLogs {
				p.logger().WarnContext(ctx, "skipping malformed play event",
					"shardId", b.ShardID, "sequenceNumber", r.Kinesis.SequenceNumber, "bytes", len(r.Kinesis.Data), "reason", err.Error())
			}
			continue
		}
		b.Valid++
	}
	b.Windows = agg.Windows()
	if b.ArrivedAt.IsZero() && len(b.Windows) > 0 {
		// Records without an arrival time (hand-made test events): partition
		// by the earliest event instead, which is just as deterministic.
		b.ArrivedAt = b.Windows[0].Minute
	}
	return b
}

// Handle aggregates a Kinesis batch and writes it to S3. Malformed records
// are skipped and counted; when the S3 write fails, the batch's first
// sequence number is reported as an item failure so that Kinesis retries the
// batch.
func (p *Processor) Handle(ctx context.Context, ev events.KinesisEvent) (events.KinesisEventResponse, error) {
	resp := events.KinesisEventResponse{BatchItemFailures: []events.KinesisBatchItemFailure{}}
	b := p.Aggregate(ctx, ev)
	if b.Records == 0 {
		return resp, nil
	}
	log := p.logger().With("shardId", b.ShardID, "firstSequenceNumber", b.FirstSequenceNumber,
		"records", b.Records, "valid", b.Valid, "malformed", b.Malformed)
	if b.Valid == 0 {
		log.WarnContext(ctx, "batch has no valid play events; nothing written")
		return resp, nil
	}
	key, err := p.write(ctx, b)
	if err != nil {
		log.ErrorContext(ctx, "aggregate not written; asking Kinesis to retry the batch", "error", err.Error())
		resp.BatchItemFailures = append(resp.BatchItemFailures, events.KinesisBatchItemFailure{ItemIdentifier: b.FirstSequenceNumber})
		return resp, nil
	}
	log.InfoContext(ctx, "aggregate written", "bucket", p.Bucket, "key", key, "windows", len(b.Windows))
	return resp, nil
}

func (p *Processor) write(ctx context.Context, b Batch) (string, error) {
	if p.Bucket == "" {
		return "", errors.New("aggregate: no bucket (set BUCKET)")
	}
	prefix := p.Prefix
	if prefix == "" {
		prefix = DefaultPrefix
	}
	body, err := json.Marshal(b)
	if err != nil {
		return "", fmt.Errorf("aggregate: encode batch: %w", err)
	}
	key := ObjectKey(prefix, b)
	in := &s3.PutObjectInput{
		Bucket:        aws.String(p.Bucket),
		Key:           aws.String(key),
		Body:          bytes.NewReader(body),
		ContentLength: aws.Int64(int64(len(body))),
		ContentType:   aws.String("application/json"),
	}
	if p.KMSKeyID != "" {
		in.ServerSideEncryption = types.ServerSideEncryptionAwsKms
		in.SSEKMSKeyId = aws.String(p.KMSKeyID)
		in.BucketKeyEnabled = aws.Bool(true)
	}
	_, err = p.S3.PutObject(ctx, in)
	if err != nil {
		return "", fmt.Errorf("aggregate: put s3://%s/%s: %w", p.Bucket, key, err)
	}
	return key, nil
}

// shardID takes the shard from the record's event ID
// ("shardId-000000000000:49590338271490256608559692538361571095921575989136588898").
func shardID(r events.KinesisEventRecord) string {
	if id, _, ok := strings.Cut(r.EventID, ":"); ok && id != "" {
		return id
	}
	return ""
}

func (p *Processor) logger() *slog.Logger {
	if p.Logger != nil {
		return p.Logger
	}
	return slog.Default()
}
