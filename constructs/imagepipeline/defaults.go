package imagepipeline

import (
	"cmp"
	"strings"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
)

// Every default of ImagePipeline, in one place.
const (
	// DefaultEntry is the image handler's import path: it builds from any
	// app whose module requires gureum (see golambda.Props.Entry).
	DefaultEntry = "github.com/gureum-cdk/gureum/functions/imageproc/lambda"
	// DefaultPrefix is the key prefix of uploads that are processed.
	DefaultPrefix = "uploads/"
	// DefaultOutputPrefix prefixes every key written to the output bucket
	// (<prefix><rendition>/<source key>.<jpg|png>).
	DefaultOutputPrefix = "renditions/"
	// DefaultMemoryMB fits a 24 MP photo decoded (about 100 MB as RGBA) with
	// room for the renditions, and buys a proportional share of vCPU.
	DefaultMemoryMB = 2048
	// DefaultTimeout bounds one batch.
	DefaultTimeout = 60 * time.Second
	// DefaultBatchSize is how many uploads one invocation receives. The
	// handler works through them one after another, so a small batch keeps
	// latency low and uploads spread over parallel invocations.
	DefaultBatchSize = 5
	// DefaultMaxConcurrency caps the concurrent invocations the queue can
	// start, so a burst of uploads cannot exhaust the account's concurrency.
	DefaultMaxConcurrency = 50
	// DefaultMaxReceiveCount is how many times a message is tried before it
	// moves to the dead-letter queue.
	DefaultMaxReceiveCount = 3
	// VisibilityTimeoutFactor times the function timeout (plus the batching
	// window) is the queue's visibility timeout, as AWS recommends for SQS
	// event sources.
	VisibilityTimeoutFactor = 6
	// DefaultQueueRetention keeps unprocessed notifications on the queue.
	DefaultQueueRetention = 4 * 24 * time.Hour
	// DeadLetterRetention is the longest SQS allows, so failed uploads can
	// be inspected and redriven.
	DeadLetterRetention = 14 * 24 * time.Hour
	// DefaultMaxPixels rejects images whose header declares more pixels
	// (decompression bombs) before they are decoded.
	DefaultMaxPixels = 50_000_000
	// DefaultMaxObjectBytes rejects larger uploads before download (50 MiB).
	DefaultMaxObjectBytes = 50 << 20
	// DefaultQuality is the JPEG quality of a rendition that sets none.
	DefaultQuality = 85
	// DefaultOpacity is the watermark opacity when Watermark.Opacity is 0.
	DefaultOpacity = 0.5
	// DefaultMaxMessageAge raises the backlog alarm when the oldest queued
	// upload has waited this long.
	DefaultMaxMessageAge = 15 * time.Minute
	// DefaultRejectionThreshold raises the rejections alarm when this many
	// uploads are rejected within RejectionPeriod: every rejected upload is
	// a photo that got no renditions.
	DefaultRejectionThreshold = 1
	// RejectionPeriod is the period over which rejected uploads are summed.
	RejectionPeriod = 5 * time.Minute
	// OutputNoncurrentExpiry deletes overwritten renditions (the output
	// bucket is versioned) after this long.
	OutputNoncurrentExpiry = 30 * 24 * time.Hour
)

// DefaultLogRetention applies to the function's logs.
const DefaultLogRetention = awslogs.RetentionDays_ONE_YEAR

// DefaultSuffixes are the image types processed, one S3 notification each,
// in lower and upper case: S3 matches suffixes case-sensitively, and cameras
// and phones name their files IMG_0001.JPG. No suffix ends with another, so
// the notifications (which share the prefix) never overlap, which S3 would
// refuse.
func DefaultSuffixes() []string {
	return []string{".jpg", ".jpeg", ".png", ".gif", ".webp", ".JPG", ".JPEG", ".PNG", ".GIF", ".WEBP"}
}

// RejectedMessage is the "msg" of the JSON log line the handler writes for
// every rejected upload (functions/imageproc.RejectedMessage); the
// RejectedUploads metric filter counts those lines.
const RejectedMessage = "image rejected"

// RejectedUploadsMetric is the name of the metric of rejected uploads, in
// the namespace "Gureum/ImagePipeline/<unique name of the construct>".
const RejectedUploadsMetric = "RejectedUploads"

// DefaultRenditions are produced when Props.Renditions is empty: a 256 px
// thumbnail and a 1024 px medium image, both JPEG.
func DefaultRenditions() []Rendition {
	return []Rendition{
		{Name: "thumb", MaxWidth: 256, MaxHeight: 256, Format: JPEG, Quality: 82},
		{Name: "medium", MaxWidth: 1024, MaxHeight: 1024, Format: JPEG, Quality: DefaultQuality},
	}
}

// Limits of the services and of the handler, checked by Validate.
const (
	// MaxDimension is the largest rendition width or height.
	MaxDimension = 16384
	// MaxBatchSizeNoWindow is SQS's batch limit without a batching window,
	// MaxBatchSize the limit with one.
	MaxBatchSizeNoWindow = 10
	MaxBatchSize         = 10_000
	// MaxBatchingWindow is the longest batching window Lambda allows.
	MaxBatchingWindow = 5 * time.Minute
	// MinMaxConcurrency and MaxMaxConcurrency bound the event source's
	// maximum concurrency.
	MinMaxConcurrency = 2
	MaxMaxConcurrency = 1000
	// envLimit is Lambda's limit on the total size of environment variables.
	envLimit = 4096
)

// config is Props with every default applied: withDefaults makes it once,
// and validation and the builders read it.
type config struct {
	Props
}

// withDefaults resolves every default of p (nil for all of them): each
// rendition's format and quality and the watermark's position and opacity
// included, so the handler's environment spells every default out.
func withDefaults(p *Props) *config {
	c := &config{}
	if p != nil {
		c.Props = *p
	}
	c.Entry = cmp.Or(c.Entry, DefaultEntry)
	c.Prefix = cmp.Or(c.Prefix, DefaultPrefix)
	c.OutputPrefix = cmp.Or(c.OutputPrefix, DefaultOutputPrefix)
	if c.Suffixes == nil {
		c.Suffixes = DefaultSuffixes()
	}
	renditions := c.Renditions
	if len(renditions) == 0 {
		renditions = DefaultRenditions()
	}
	c.Renditions = make([]Rendition, len(renditions))
	for i, r := range renditions {
		r.Format = cmp.Or(r.Format, JPEG)
		if r.Format == PNG {
			r.Quality = 0 // PNG is lossless
		} else {
			r.Quality = cmp.Or(r.Quality, DefaultQuality)
		}
		c.Renditions[i] = r
	}
	if c.Watermark != nil {
		w := *c.Watermark
		w.Position = cmp.Or(w.Position, BottomRight)
		w.Opacity = cmp.Or(w.Opacity, DefaultOpacity)
		c.Watermark = &w
	}
	c.MaxPixels = cmp.Or(c.MaxPixels, DefaultMaxPixels)
	c.MaxObjectBytes = cmp.Or(c.MaxObjectBytes, DefaultMaxObjectBytes)
	c.MemoryMB = cmp.Or(c.MemoryMB, DefaultMemoryMB)
	c.Timeout = cmp.Or(c.Timeout, DefaultTimeout)
	c.LogLevel = strings.ToUpper(c.LogLevel)
	c.LogRetention = cmp.Or(c.LogRetention, DefaultLogRetention)
	c.BatchSize = cmp.Or(c.BatchSize, DefaultBatchSize)
	c.MaxConcurrency = cmp.Or(c.MaxConcurrency, DefaultMaxConcurrency)
	c.MaxReceiveCount = cmp.Or(c.MaxReceiveCount, DefaultMaxReceiveCount)
	c.Alarms.MaxMessageAge = cmp.Or(c.Alarms.MaxMessageAge, DefaultMaxMessageAge)
	c.Alarms.RejectionThreshold = cmp.Or(c.Alarms.RejectionThreshold, DefaultRejectionThreshold)
	return c
}

// visibilityTimeout is 6 times the function timeout plus the batching
// window, as AWS recommends for a queue that feeds a Lambda function.
func (c *config) visibilityTimeout() time.Duration {
	return VisibilityTimeoutFactor*c.Timeout + c.MaxBatchingWindow
}
