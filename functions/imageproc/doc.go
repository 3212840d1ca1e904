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
//     corrupt, in an unsupported format, whose header declares more than
//     MAX_PIXELS pixels, or whose header implies more memory than
//     MAX_IMAGE_MEMORY (see Memory below) is rejected for good: a JSON log line at level ERROR
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
//
// # Memory
//
// The Lambda's boot sets Go's soft memory limit (debug.SetMemoryLimit) to
// the function's memory (AWS_LAMBDA_FUNCTION_MEMORY_SIZE) less 10%, unless
// GOMEMLIMIT is set. Before decoding, Processor estimates from the header
// what the image needs: the decoded pixels at the decoder's bytes per pixel
// (TestMemoryEstimateMatchesDecoders checks each figure against the
// allocations the runtime measures), plus the renditions' buffers. Above
// MaxImageMemory (MAX_IMAGE_MEMORY; default half the memory limit, 1 GiB
// without one) the image is rejected. A 7000x7000 progressive CMYK JPEG of
// under 2 MB needs about 1155 MiB and is rejected in a 2048 MB function
// (budget 922 MiB); a 7000x7000 interlaced 16-bit PNG (781 MiB) is rejected
// in a 1024 MB one.
//
// Peak live heap per input kind for a 4000x3008 (12 MP) image and the
// default renditions (go test ./functions/imageproc -run '^$' -bench Memory
// -benchtime 1x), with the decoded bytes per pixel and the estimate:
//
//	kind                       B/px  estimate  peak heap
//	baseline 4:2:0 JPEG         1.5   53 MiB    54 MiB
//	progressive 4:2:0 JPEG      7.5  120 MiB   120 MiB
//	progressive 4:4:4 JPEG     15    206 MiB   206 MiB
//	grey JPEG                   1     45 MiB    45 MiB
//	CMYK JPEG                   8    126 MiB   126 MiB
//	progressive CMYK JPEG      24    309 MiB   309 MiB
//	8-bit RGB PNG               4     79 MiB    79 MiB
//	16-bit grey PNG             2     57 MiB    56 MiB
//	16-bit RGB PNG              8    125 MiB   125 MiB
//	interlaced 8-bit RGBA PNG   8    126 MiB   102 MiB
//	interlaced 16-bit RGB PNG  16    217 MiB   185 MiB
package imageproc
