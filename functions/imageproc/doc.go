// Package imageproc is gureum's image pipeline handler: for every image
// uploaded to a bucket it writes resized renditions (thumbnails, web sizes),
// optionally watermarked, to an output bucket.
//
// In production, S3 object-created notifications reach an SQS queue whose
// event source mapping invokes the Lambda in ./lambda with ReportBatchItemFailures
// enabled. Handler.HandleSQS processes the batch one message at a time:
//
//   - s3:TestEvent messages and non-creation events are ignored;
//   - an object that no longer exists (deleted or replaced before its message
//     was handled) is skipped: S3 answers 404 (the construct grants
//     s3:ListBucket under the upload prefix), and a 403 is confirmed as
//     "missing" with a one-key listing before it is skipped;
//   - an object larger than MAX_OBJECT_BYTES, not an image, truncated or
//     corrupt, in an unsupported format, or whose header declares more than
//     MAX_PIXELS pixels is rejected for good: a JSON log line at level ERROR
//     with "msg":"image rejected" (RejectedMessage) gives the key and the
//     reason, a Rejection record is written to
//     <OUTPUT_PREFIX>rejected/<key>.json and the message is not retried. The
//     construct counts those log lines with a metric filter and alarms on them;
//   - S3 errors, timeouts and panics (a bug, never blamed on the upload) are
//     retried: only that message is reported in BatchItemFailures so SQS
//     redelivers it alone, and after the queue's maxReceiveCount it moves to
//     the dead-letter queue, whose alarm surfaces it.
//
// Renditions go to <OUTPUT_PREFIX><rendition>/<source key>.<jpg|png> in
// OUTPUT_BUCKET: the whole source key is kept, so uploads that differ only in
// extension or case (a.jpg, a.JPG, a.png) never overwrite each other's
// renditions (a.jpg.jpg, a.JPG.jpg, a.png.jpg). Each carries the source's
// user metadata plus source-key, source-etag and rendition. Encoding is
// deterministic, so a redelivered message rewrites identical bytes;
// renditions whose source-etag already matches are skipped. A source key so
// long that a rendition's key would pass S3's 1024 bytes is rejected.
//
// The image core (Processor) needs no AWS: it decodes JPEG, PNG, GIF and
// WebP after checking the header's pixel count, applies the JPEG EXIF
// orientation, resizes with a separable Catmull-Rom filter (after an integer
// box pre-shrink for large reductions), draws the watermark and encodes JPEG
// or PNG:
//
//	p := &imageproc.Processor{Renditions: imageproc.DefaultRenditions()}
//	outs, info, err := p.Process(jpegBytes)
//
// bench/compare.sh times it against ImageMagick on one core.
package imageproc
