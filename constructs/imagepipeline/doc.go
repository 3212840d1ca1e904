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
// batch responses and a concurrency cap; a function role that may read only
// uploads under the prefix and write only under the output prefix; alarms on
// dead letters, backlog age and function errors.
//
// The smallest use takes every default (renditions "thumb" 256 px and
// "medium" 1024 px, uploads under "uploads/"):
//
//	images := imagepipeline.New(stack, "Images", nil)
//
// and a typical one names its renditions and a watermark:
//
//	images := imagepipeline.New(stack, "Images", &imagepipeline.Props{
//		Renditions: []imagepipeline.Rendition{
//			{Name: "thumb", MaxWidth: 256, MaxHeight: 256},
//			{Name: "web", MaxWidth: 1280, MaxHeight: 1280, Quality: 85},
//		},
//		Watermark: &imagepipeline.Watermark{Text: "© gureum", Opacity: 0.4},
//		Alarms:    imagepipeline.Alarms{Topic: topic},
//	})
//
// Upload uploads/a/b.jpg and the renditions appear in images.OutputBucket as
// renditions/thumb/uploads/a/b.jpg and renditions/web/uploads/a/b.jpg.
//
// The handler is functions/imageproc/lambda (Props.Entry), compiled at synth
// time for provided.al2023 on arm64; the construct passes its configuration
// in the environment (OUTPUT_BUCKET, OUTPUT_PREFIX, RENDITIONS, WATERMARK,
// WATERMARK_BUCKET, MAX_PIXELS, MAX_OBJECT_BYTES).
//
// Defaults live in defaults.go. A field set in Props always wins over the
// default; Existing* fields replace a resource the construct would create,
// and setting ExistingKey together with DisableCustomerManagedKey is an
// error. Every resource made is an exported field of ImagePipeline.
package imagepipeline
