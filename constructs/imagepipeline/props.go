package imagepipeline

import (
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
)

// Props configures an ImagePipeline. The zero value of every field is the
// secure default; a nil *Props is the zero value.
type Props struct {
	// Entry is the image handler's main package: a directory, or an import
	// path. Default: gureum's own handler,
	// "github.com/gureum-cdk/gureum/functions/imageproc/lambda".
	Entry string

	// Prefix selects the uploads that are processed: only keys under it
	// raise a notification. Default: "uploads/".
	Prefix string
	// Suffixes selects uploads by the end of their key, one S3 notification
	// per suffix. S3 matches case-sensitively: list every spelling you
	// expect. No suffix may end with another (S3 refuses overlapping
	// notifications). Default: .jpg .jpeg .png .gif .webp and the same in
	// upper case (.JPG ...). A non-nil empty list is an error.
	Suffixes []string

	// Renditions are produced for every upload. Default: DefaultRenditions()
	// (thumb 256 px and medium 1024 px, JPEG).
	Renditions []Rendition
	// Watermark is composited onto every rendition. Default: nil (none).
	Watermark *Watermark
	// OutputPrefix prefixes every key written to the output bucket.
	// Default: "renditions/".
	OutputPrefix string
	// MaxPixels rejects images whose header declares more pixels. Default:
	// 50,000,000.
	MaxPixels int64
	// MaxObjectBytes rejects larger uploads before download. Default: 50 MiB.
	MaxObjectBytes int64

	// MemoryMB of the function. Default: 2048 (a 24 MP photo).
	MemoryMB int
	// Timeout of one invocation (one batch). Default: 60s. The queue's
	// visibility timeout is 6 times this plus MaxBatchingWindow.
	Timeout time.Duration
	// LogLevel is the handler's log level (TRACE, DEBUG, INFO, WARN or
	// ERROR; FATAL would drop the rejection lines the RejectedUploads metric
	// counts). Default: INFO.
	LogLevel string
	// LogRetention of the function's logs. Default: one year.
	LogRetention awslogs.RetentionDays
	// LogEncryptionKey encrypts every CloudWatch log group the construct creates
	// (the processor's function logs). A key created in the app (awskms.NewKey)
	// gets the key policy statement CloudWatch Logs needs; the owner of an
	// imported key must add it (docs/log-encryption.md). Default: nil
	// (CloudWatch Logs' own encryption).
	LogEncryptionKey awskms.IKey

	// BatchSize is how many uploads one invocation gets: 1..10, or up to
	// 10,000 with a MaxBatchingWindow. Default: 5.
	BatchSize int
	// MaxBatchingWindow waits up to this long to fill a batch. Default: 0
	// (invoke as soon as an upload lands).
	MaxBatchingWindow time.Duration
	// MaxConcurrency caps the concurrent invocations (2..1000). Default: 50.
	MaxConcurrency int
	// MaxReceiveCount is how many times an upload is tried before its
	// notification moves to the dead-letter queue (1..1000). Default: 3.
	MaxReceiveCount int

	// ExistingKey encrypts the new buckets instead of a new customer-managed
	// key. Setting it with DisableCustomerManagedKey is an error.
	ExistingKey awskms.IKey
	// DisableCustomerManagedKey uses S3-managed (SSE-S3) and SQS-managed
	// encryption instead of customer-managed KMS keys. Default: false (one
	// new key with yearly rotation encrypts the new buckets, another the
	// queues).
	DisableCustomerManagedKey bool
	// ExistingUploadBucket is watched instead of creating an upload bucket.
	// Its KMS key, if the IBucket carries one, is granted for decryption.
	ExistingUploadBucket awss3.IBucket
	// ExistingOutputBucket receives the renditions instead of a new bucket.
	// It must differ from the upload bucket.
	ExistingOutputBucket awss3.IBucket

	// Alarms tunes the alarms; Alarms.Topic receives their notifications.
	Alarms Alarms
}

// Format is a rendition's output format.
type Format string

// Output formats.
const (
	// JPEG is the default format.
	JPEG Format = "jpeg"
	PNG  Format = "png"
)

// Rendition is one output made for every upload.
type Rendition struct {
	// Name is the rendition's folder under OutputPrefix: letters, digits,
	// '-' and '_'; "rejected" is reserved. Required and unique.
	Name string
	// MaxWidth and MaxHeight bound the output in pixels (at most 16384); the
	// aspect ratio is kept and images are never upscaled. Zero leaves that
	// side unbounded; at least one is required.
	MaxWidth, MaxHeight int
	// Format is JPEG or PNG. Default: JPEG.
	Format Format
	// Quality is the JPEG quality, 1..100. Default: 85. Ignored for PNG.
	Quality int
}

// Position places the watermark.
type Position string

// Watermark positions.
const (
	// BottomRight is the default position.
	BottomRight Position = "bottom-right"
	BottomLeft  Position = "bottom-left"
	TopRight    Position = "top-right"
	TopLeft     Position = "top-left"
	Center      Position = "center"
)

// Watermark is drawn on every rendition. Exactly one of Text and ImageKey is
// required.
type Watermark struct {
	// Text is drawn in white with a dark shadow.
	Text string
	// ImageKey is the key of an image (PNG with transparency works best),
	// scaled to at most a quarter of the rendition's width.
	ImageKey string
	// Bucket holds ImageKey. Default: the upload bucket. Only with ImageKey.
	Bucket awss3.IBucket
	// Position. Default: BottomRight.
	Position Position
	// Opacity in (0, 1]. Default (0): 0.5.
	Opacity float64
}

// Alarms tunes ImagePipeline's alarms.
type Alarms struct {
	// Topic receives alarm and recovery notifications. Default: the stack's
	// shared alarm topic (alarmtopic.Shared), encrypted, created once per
	// stack.
	Topic awssns.ITopic
	// MaxMessageAge raises the backlog alarm when the oldest queued upload
	// has waited longer (at least 1 minute). Default: 15 minutes.
	MaxMessageAge time.Duration
	// RejectionThreshold raises the rejections alarm when at least this many
	// uploads are rejected (not an image, truncated, a decompression bomb,
	// too large) within 5 minutes. Raise it if uploads come from clients you
	// do not control. Default: 1.
	RejectionThreshold int
}
