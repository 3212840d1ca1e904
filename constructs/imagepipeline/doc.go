// Package imagepipeline provides ImagePipeline: every image uploaded to a
// bucket is turned into renditions (thumbnails, web sizes, optionally
// watermarked) the moment it lands, in parallel, by a Go Lambda function:
//
//	upload bucket ─(object created: prefix + suffix)─▶ SQS queue ─▶ Lambda ─▶ output bucket
//	                                                      └─(3 failures)─▶ dead-letter queue
//
// The production defaults: upload and output buckets that block public
// access, require TLS, log server access, are versioned and retained;
// buckets and queues encrypted with a customer-managed KMS key rotated
// yearly; a queue whose visibility timeout is six times the function's
// timeout, with a 14-day dead-letter queue; an event source with partial
// batch responses and a concurrency cap; a function role that may read (and
// list) only uploads under the prefix and write only under the output
// prefix; alarms on dead letters, backlog age, function errors and rejected
// uploads. Uploads are selected by suffix in lower and upper case (.jpg and
// .JPG: S3 matches case-sensitively).
//
// What happens to an upload: renditions, or, for bad input (not an image,
// truncated, a decompression bomb, too large), a rejection that is final: the
// handler logs one JSON line at level ERROR with "msg":"image rejected", the
// key and the reason, and writes a record under <output prefix>rejected/. A
// metric filter counts those lines (RejectedUploads) and the Rejections
// alarm fires at Alarms.RejectionThreshold per 5 minutes. Anything else that
// fails (S3 errors, timeouts, a panic in the handler) is retried and, after
// MaxReceiveCount tries, dead-lettered, which the DeadLetters alarm reports.
// An upload deleted before it was processed is skipped: the role's
// s3:ListBucket (under the prefix) makes S3 answer 404 for it, not 403.
//
// The smallest use takes every default (renditions "thumb" 256 px and
// "medium" 1024 px, uploads under "uploads/"): New(stack, "Images", nil).
// ExampleNew names its renditions and a watermark.
//
// Upload uploads/a/b.jpg and the renditions appear in OutputBucket as
// renditions/thumb/uploads/a/b.jpg.jpg and renditions/web/uploads/a/b.jpg.jpg:
// <output prefix><rendition>/<whole source key>.<jpg|png>. The source key is
// kept whole, extension and case included, so uploads/a/b.png and
// uploads/a/b.JPG get renditions of their own (b.png.jpg, b.JPG.jpg) instead
// of overwriting b.jpg's; a rendition's key is its source key plus one
// extension, and the source-key metadata names it too.
//
// The handler is functions/imageproc/lambda (Props.Entry), compiled at synth
// time for provided.al2023 on arm64; the construct passes its configuration
// in the environment (OUTPUT_BUCKET, OUTPUT_PREFIX, RENDITIONS, WATERMARK,
// WATERMARK_BUCKET, MAX_PIXELS, MAX_OBJECT_BYTES).
//
// The alarms notify Alarms.Topic, or the stack's shared alarm topic
// (alarmtopic.Shared) when none is given (ImagePipeline.AlarmTopic). S3
// notifications are written by the CDK's bucket-notifications handler, one
// per stack: the pipeline records the handler's cdk-nag suppressions only
// when it made the handler, never on one the app's own notifications made.
//
// Defaults live in defaults.go (withDefaults resolves them once). A field
// set in Props always wins over the default; Existing* fields replace a
// resource the construct would create,
// and setting ExistingKey together with DisableCustomerManagedKey is an
// error. Every resource made is an exported field of ImagePipeline.
package imagepipeline
