// Package aggregate turns batches of gureum play events from a Kinesis stream
// into per-minute aggregates stored in S3.
//
// Each Kinesis record holds one JSON play event:
//
//	{"playerId": "p-42", "eventType": "kill", "score": 120, "ts": "2026-11-25T04:00:05Z"}
//
// "ts" is an RFC 3339 string or a number of Unix milliseconds; "score" is an
// integer within ±MaxScore (2^53-1). A record that does not decode or
// validate is malformed: it is logged (sequence number and reason), counted,
// and skipped; it never fails the batch, because retrying it would never
// succeed.
//
// Sums are exact: an event whose score would carry its window's sum past the
// int64 range is malformed too (ErrScoreSumOverflow), never wrapped.
//
// The valid events of a batch are grouped by event type and UTC minute of
// "ts" into Windows (count, score sum/min/max, unique players) and written as
// one JSON Batch object to
//
//	<prefix>year=YYYY/month=MM/day=DD/hour=HH/<shardId>-<firstSequenceNumber>.json
//
// where the time is the first record's arrival time. The key depends only on
// the batch, so when Lambda retries a batch the object is overwritten, not
// duplicated. If the write fails, Processor.Handle reports the batch's first
// sequence number as a batch item failure, and Kinesis retries the whole batch
// (the event source mapping needs ReportBatchItemFailures).
//
// With Processor.KMSKeyID set (env KMS_KEY_ID, which streampipeline sets when
// the bucket is encrypted with a KMS key), every write asks for SSE-KMS with
// that key and an S3 Bucket Key, as a gureum data lake zone's bucket policy
// requires.
package aggregate
