// Package bulkindex indexes gureum's per-minute game-event aggregates into
// Amazon OpenSearch Service.
//
// The indexer Lambda is invoked by S3 object-created notifications on the
// aggregate objects written by package aggregate. For each object, Handle
// reads it, turns every aggregate.Window into one document, and sends the
// documents to the domain's _bulk API as NDJSON (an action line and a source
// line per document, newline-terminated, Content-Type application/x-ndjson),
// in requests bounded both in documents and in bytes.
//
// Document IDs are derived from the batch's shard, first sequence number,
// event type and minute, so re-indexing the same object (an S3 notification
// delivered twice, a Lambda retry) overwrites documents instead of duplicating
// them.
//
// Requests are signed with AWS Signature Version 4 for service "es" using the
// Lambda's credentials. The bulk response is checked item by item: items
// rejected with 429 or a 5xx status (and whole requests answered with those
// statuses) are retried with exponential backoff; any item still failing
// after the last attempt, or failing with another status, fails the
// invocation with an error naming the object and the failures.
package bulkindex
