package imagepipeline

import (
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/aws/constructs-go/constructs/v10"

	"github.com/gureum-cdk/gureum/constructs/internal/golambda"
	"github.com/gureum-cdk/gureum/constructs/internal/validate"
)

var (
	renditionNameRE = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)
	positions       = map[Position]bool{"": true, BottomRight: true, BottomLeft: true, TopRight: true, TopLeft: true, Center: true}
	formats         = map[Format]bool{"": true, JPEG: true, PNG: true}
	logLevels       = map[string]bool{"": true, "TRACE": true, "DEBUG": true, "INFO": true, "WARN": true, "ERROR": true, "FATAL": true}
)

// Validate reports every invalid prop of an ImagePipeline that would be
// created as id under scope, without creating anything.
func Validate(scope constructs.Construct, id string, props *Props) error {
	_, err := resolve(scope, id, props)
	return err
}

// resolve applies the defaults (withDefaults) and reports every invalid
// prop at once. Checks of what a caller set read the props; checks of what
// the pipeline will use read the config.
func resolve(scope constructs.Construct, id string, props *Props) (*config, error) {
	v := validate.New("imagepipeline", scope, id)
	p := Props{}
	if props != nil {
		p = *props
	}
	c := withDefaults(props)
	if err := golambda.CheckEntry(c.Entry); err != nil {
		v.Addf("Entry", "%v", err)
	}

	checkPrefix(v, "Prefix", p.Prefix)
	checkPrefix(v, "OutputPrefix", p.OutputPrefix)
	checkSuffixes(v, p.Suffixes)

	seen := map[string]int{}
	for i, r := range p.Renditions {
		prop := fmt.Sprintf("Renditions[%d]", i)
		switch {
		case r.Name == "":
			v.Addf(prop+".Name", "is required")
		case !renditionNameRE.MatchString(r.Name):
			v.Addf(prop+".Name", "%q may contain only letters, digits, '-' and '_'", r.Name)
		case r.Name == "rejected":
			v.Addf(prop+".Name", `"rejected" is reserved for the records of rejected uploads`)
		}
		if j, dup := seen[r.Name]; dup && r.Name != "" {
			v.Addf(prop+".Name", "%q duplicates Renditions[%d]", r.Name, j)
		} else {
			seen[r.Name] = i
		}
		if r.MaxWidth == 0 && r.MaxHeight == 0 {
			v.Addf(prop, "needs a size: set MaxWidth, MaxHeight or both")
		}
		v.Check(r.MaxWidth >= 0 && r.MaxWidth <= MaxDimension, prop+".MaxWidth", "%d is outside 0..%d pixels", r.MaxWidth, MaxDimension)
		v.Check(r.MaxHeight >= 0 && r.MaxHeight <= MaxDimension, prop+".MaxHeight", "%d is outside 0..%d pixels", r.MaxHeight, MaxDimension)
		v.Check(formats[r.Format], prop+".Format", "%q is not jpeg or png", r.Format)
		v.Check(r.Quality >= 0 && r.Quality <= 100, prop+".Quality", "%d is outside 1..100 (0 means %d)", r.Quality, DefaultQuality)
	}

	if w := p.Watermark; w != nil {
		v.Check((w.Text == "") != (w.ImageKey == ""), "Watermark", "set exactly one of Text and ImageKey")
		v.Check(w.Bucket == nil || w.ImageKey != "", "Watermark.Bucket", "applies to an ImageKey watermark only")
		v.Check(!strings.HasPrefix(w.ImageKey, "/"), "Watermark.ImageKey", "%q must not start with \"/\"", w.ImageKey)
		v.Check(positions[w.Position], "Watermark.Position", "%q is not one of bottom-right, bottom-left, top-right, top-left, center", w.Position)
		v.Check(w.Opacity >= 0 && w.Opacity <= 1, "Watermark.Opacity", "%g is outside (0, 1] (0 means %g)", w.Opacity, DefaultOpacity)
	}
	v.Check(p.MaxPixels >= 0, "MaxPixels", "must not be negative, got %d", p.MaxPixels)
	v.Check(p.MaxObjectBytes >= 0, "MaxObjectBytes", "must not be negative, got %d", p.MaxObjectBytes)

	v.Check(p.MemoryMB == 0 || (p.MemoryMB >= 128 && p.MemoryMB <= 10240), "MemoryMB", "%d is outside Lambda's range 128..10240", p.MemoryMB)
	if v.Check(p.Timeout >= 0 && p.Timeout <= 15*time.Minute, "Timeout", "%s is outside Lambda's range (0, 15m]", p.Timeout) {
		v.Check(p.Timeout == 0 || p.Timeout >= time.Second, "Timeout", "%s is below Lambda's 1s granularity", p.Timeout)
	}
	if v.Check(logLevels[strings.ToUpper(p.LogLevel)], "LogLevel", "%q is not one of TRACE, DEBUG, INFO, WARN, ERROR", p.LogLevel) {
		v.Check(strings.ToUpper(p.LogLevel) != "FATAL", "LogLevel", "FATAL would drop the handler's ERROR lines, among them the rejected uploads the %s metric counts: use ERROR or lower", RejectedUploadsMetric)
	}

	window := p.MaxBatchingWindow
	if v.Check(window >= 0 && window <= MaxBatchingWindow, "MaxBatchingWindow", "%s is outside Lambda's range 0..5m", window) {
		v.Check(window%time.Second == 0, "MaxBatchingWindow", "%s is not a whole number of seconds", window)
	}
	switch b := p.BatchSize; {
	case b < 0:
		v.Addf("BatchSize", "must not be negative, got %d", b)
	case b > MaxBatchSizeNoWindow && window == 0:
		v.Addf("BatchSize", "%d needs a MaxBatchingWindow: SQS allows 1..%d without one", b, MaxBatchSizeNoWindow)
	case b > MaxBatchSize:
		v.Addf("BatchSize", "%d is outside SQS's range 1..%d", b, MaxBatchSize)
	}
	v.Check(p.MaxConcurrency == 0 || (p.MaxConcurrency >= MinMaxConcurrency && p.MaxConcurrency <= MaxMaxConcurrency),
		"MaxConcurrency", "%d is outside Lambda's range %d..%d", p.MaxConcurrency, MinMaxConcurrency, MaxMaxConcurrency)
	v.Check(p.MaxReceiveCount >= 0 && p.MaxReceiveCount <= 1000, "MaxReceiveCount", "%d is outside SQS's range 1..1000", p.MaxReceiveCount)

	v.Check(p.ExistingKey == nil || !p.DisableCustomerManagedKey, "ExistingKey", "is set together with DisableCustomerManagedKey: use one or the other")
	v.Check(p.ExistingKey == nil || p.ExistingUploadBucket == nil || p.ExistingOutputBucket == nil,
		"ExistingKey", "encrypts new buckets only, and both ExistingUploadBucket and ExistingOutputBucket are set")
	if p.ExistingUploadBucket != nil && p.ExistingUploadBucket == p.ExistingOutputBucket {
		v.Addf("ExistingOutputBucket", "is the upload bucket: renditions written there would be processed again")
	}
	a := p.Alarms
	v.Check(a.MaxMessageAge == 0 || a.MaxMessageAge >= time.Minute, "Alarms.MaxMessageAge", "%s is below 1m", a.MaxMessageAge)
	v.Check(a.RejectionThreshold >= 0, "Alarms.RejectionThreshold", "must not be negative, got %d (0 means %d)", a.RejectionThreshold, DefaultRejectionThreshold)

	if env := len(renditionsJSON(c.Renditions)) + len(watermarkJSON(c.Watermark)); env > envLimit-512 {
		v.Addf("Renditions", "with Watermark take %d bytes of environment variables; Lambda allows %d in all", env, envLimit)
	}
	return c, v.Err()
}

func checkPrefix(v *validate.Problems, prop, prefix string) {
	v.Check(!strings.HasPrefix(prefix, "/"), prop, "%q must not start with \"/\": S3 keys have no leading slash", prefix)
	v.Check(len(prefix) <= 1024, prop, "is longer than S3's 1024-byte key limit")
}

func checkSuffixes(v *validate.Problems, suffixes []string) {
	if suffixes != nil && len(suffixes) == 0 {
		v.Addf("Suffixes", "is empty: leave it nil for the default image suffixes, or list at least one")
		return
	}
	for i, s := range suffixes {
		prop := fmt.Sprintf("Suffixes[%d]", i)
		if s == "" {
			v.Addf(prop, "is empty: it would match every key")
			continue
		}
		for j, o := range suffixes[:i] {
			if o != "" && (strings.HasSuffix(s, o) || strings.HasSuffix(o, s)) {
				v.Addf(prop, "%q overlaps Suffixes[%d] %q: S3 rejects overlapping notifications", s, j, o)
			}
		}
	}
}
