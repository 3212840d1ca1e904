// Package imageproc is gureum's image pipeline handler: for every image
// uploaded to a bucket it writes resized renditions (thumbnails, web sizes),
// optionally watermarked, to an output bucket.
//
// In production, S3 object-created notifications reach an SQS queue whose
// event source mapping invokes the Lambda in ./lambda with ReportBatchItemFailures
// enabled. Handler.HandleSQS processes the batch one message at a time:
//
//   - s3:TestEvent messages and non-creation events are ignored;
//   - an object larger than MAX_OBJECT_BYTES, not an image, truncated or
//     corrupt, in an unsupported format, or whose header declares more than
//     MAX_PIXELS pixels is rejected for good: a JSON log line gives the key and
//     the reason, a Rejection record is written to
//     <OUTPUT_PREFIX>rejected/<key>.json and the message is not retried;
//   - S3 errors and timeouts are transient: only that message is reported in
//     BatchItemFailures so SQS redelivers it alone.
//
// Renditions go to <OUTPUT_PREFIX><rendition>/<key without extension>.<jpg|png>
// in OUTPUT_BUCKET with the source's user metadata plus source-key,
// source-etag and rendition. Encoding is deterministic, so a redelivered
// message rewrites identical bytes; renditions whose source-etag already
// matches are skipped.
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
