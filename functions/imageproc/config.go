package imageproc

import (
	"encoding/json"
	"errors"
	"fmt"
	"runtime/debug"
	"strconv"
	"strings"

	"github.com/gureum-cdk/gureum/functions/internal/boot"
)

// Defaults used when the corresponding environment variable is unset.
const (
	// DefaultMaxPixels is the largest width*height accepted before decoding.
	DefaultMaxPixels = 50_000_000
	// DefaultMaxObjectBytes is the largest source object downloaded (50 MiB).
	DefaultMaxObjectBytes = 50 << 20
	// DefaultOutputPrefix is prepended to every key written to the output bucket.
	DefaultOutputPrefix = "renditions/"
	// DefaultOpacity is the watermark opacity when WATERMARK leaves it out.
	DefaultOpacity = 0.5
)

// DefaultRenditions are produced when RENDITIONS is unset: a 256 px thumbnail
// and a 1024 px medium image, both JPEG.
func DefaultRenditions() []Rendition {
	return []Rendition{
		{Name: "thumb", MaxWidth: 256, MaxHeight: 256, Format: FormatJPEG, Quality: 82},
		{Name: "medium", MaxWidth: 1024, MaxHeight: 1024, Format: FormatJPEG, Quality: 85},
	}
}

// Output formats.
const (
	FormatJPEG = "jpeg"
	FormatPNG  = "png"
)

// Watermark positions.
const (
	BottomRight = "bottom-right"
	BottomLeft  = "bottom-left"
	TopRight    = "top-right"
	TopLeft     = "top-left"
	Center      = "center"
)

// Rendition is one output produced for every uploaded image.
type Rendition struct {
	// Name is the rendition's directory under the output prefix. Required:
	// letters, digits, '-' and '_' only.
	Name string `json:"name"`
	// MaxWidth and MaxHeight bound the output; the aspect ratio is kept and
	// images are never upscaled. Zero leaves that dimension unbounded; at
	// least one must be set.
	MaxWidth  int `json:"maxWidth"`
	MaxHeight int `json:"maxHeight"`
	// Format is "jpeg" or "png". Default: "jpeg".
	Format string `json:"format"`
	// Quality is the JPEG quality, 1-100. Default: 85. Ignored for PNG.
	Quality int `json:"quality"`
}

// Ext returns the file extension of the rendition's format, without the dot.
func (r Rendition) Ext() string {
	if r.Format == FormatPNG {
		return "png"
	}
	return "jpg"
}

// ContentType returns the MIME type of the rendition's format.
func (r Rendition) ContentType() string {
	if r.Format == FormatPNG {
		return "image/png"
	}
	return "image/jpeg"
}

// WatermarkConfig is the WATERMARK setting. Exactly one of Text and ImageKey is set.
type WatermarkConfig struct {
	// Text is drawn in white with a dark shadow, its height about 1/20 of the
	// rendition's shorter side.
	Text string `json:"text,omitempty"`
	// ImageKey is a PNG (or any supported format) in the watermark bucket,
	// scaled to at most a quarter of the rendition's width, never upscaled.
	ImageKey string `json:"imageKey,omitempty"`
	// Position is one of bottom-right, bottom-left, top-right, top-left,
	// center. Default: bottom-right.
	Position string `json:"position,omitempty"`
	// Opacity is in (0, 1]. Default: 0.5.
	Opacity *float64 `json:"opacity,omitempty"`
}

// Config is the handler's configuration, read from the environment by
// LoadConfig.
type Config struct {
	// OutputBucket receives the renditions and rejection records (OUTPUT_BUCKET). Required.
	OutputBucket string
	// OutputPrefix prefixes every output key (OUTPUT_PREFIX). Default: "renditions/".
	OutputPrefix string
	// Renditions are produced for each image (RENDITIONS, a JSON array).
	// Default: DefaultRenditions().
	Renditions []Rendition
	// Watermark is composited onto every rendition (WATERMARK, JSON). Default: none.
	Watermark *WatermarkConfig
	// WatermarkBucket holds Watermark.ImageKey (WATERMARK_BUCKET). Default:
	// the bucket of the uploaded object.
	WatermarkBucket string
	// MaxPixels rejects images whose header claims more pixels (MAX_PIXELS).
	// Default: 50,000,000.
	MaxPixels int64
	// MaxObjectBytes rejects larger objects before download (MAX_OBJECT_BYTES).
	// Default: 50 MiB.
	MaxObjectBytes int64
	// MaxImageMemory rejects images whose header implies that decoding and
	// rendering them needs more memory (MAX_IMAGE_MEMORY, bytes): the
	// decoded pixels at the decoder's bytes per pixel (8 for 16-bit RGB, 24
	// for a progressive CMYK JPEG, twice that for interlaced PNG passes) plus
	// the rendition buffers; see Processor.MaxImageMemory. Default from
	// LoadConfig: half the Go memory limit (ImageMemoryBudget), which the
	// Lambda sets from the function's memory (AWS_LAMBDA_FUNCTION_MEMORY_SIZE
	// less 10%) unless GOMEMLIMIT is set; 1 GiB when no limit is known.
	MaxImageMemory int64
}

// LoadConfig reads and validates the configuration from getenv (os.Getenv
// in production). All problems are reported together.
func LoadConfig(getenv func(string) string) (Config, error) {
	cfg := Config{
		OutputBucket:    strings.TrimSpace(getenv("OUTPUT_BUCKET")),
		OutputPrefix:    getenv("OUTPUT_PREFIX"),
		WatermarkBucket: strings.TrimSpace(getenv("WATERMARK_BUCKET")),
		MaxPixels:       DefaultMaxPixels,
		MaxObjectBytes:  DefaultMaxObjectBytes,
	}
	var errs []error
	if cfg.OutputPrefix == "" {
		cfg.OutputPrefix = DefaultOutputPrefix
	}
	if v := strings.TrimSpace(getenv("RENDITIONS")); v != "" {
		dec := json.NewDecoder(strings.NewReader(v))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&cfg.Renditions); err != nil {
			errs = append(errs, fmt.Errorf("RENDITIONS: not a JSON array of renditions: %v", err))
		}
	} else {
		cfg.Renditions = DefaultRenditions()
	}
	if v := strings.TrimSpace(getenv("WATERMARK")); v != "" {
		var wm WatermarkConfig
		dec := json.NewDecoder(strings.NewReader(v))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&wm); err != nil {
			errs = append(errs, fmt.Errorf("WATERMARK: not a JSON watermark object: %v", err))
		} else {
			cfg.Watermark = &wm
		}
	}
	for _, p := range []struct {
		name string
		dst  *int64
	}{{"MAX_PIXELS", &cfg.MaxPixels}, {"MAX_OBJECT_BYTES", &cfg.MaxObjectBytes}, {"MAX_IMAGE_MEMORY", &cfg.MaxImageMemory}} {
		v := strings.TrimSpace(getenv(p.name))
		if v == "" {
			continue
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 {
			errs = append(errs, fmt.Errorf("%s: %q is not a positive integer", p.name, v))
			continue
		}
		*p.dst = n
	}
	if cfg.MaxImageMemory == 0 {
		limit, err := boot.MemoryLimit(getenv)
		if err != nil {
			errs = append(errs, err)
		}
		if limit <= 0 {
			limit = debug.SetMemoryLimit(-1) // GOMEMLIMIT as the runtime read it, or none
		}
		cfg.MaxImageMemory = ImageMemoryBudget(limit)
	}
	if err := cfg.Validate(); err != nil {
		errs = append(errs, err)
	}
	if len(errs) > 0 {
		return Config{}, fmt.Errorf("imageproc: invalid configuration: %w", errors.Join(errs...))
	}
	return cfg, nil
}

// Validate fills in defaults inside renditions and the watermark and reports
// every invalid setting.
func (c *Config) Validate() error {
	var errs []error
	if c.OutputBucket == "" {
		errs = append(errs, errors.New("OUTPUT_BUCKET is required"))
	}
	if c.OutputPrefix == "" {
		c.OutputPrefix = DefaultOutputPrefix
	}
	if strings.HasPrefix(c.OutputPrefix, "/") {
		errs = append(errs, fmt.Errorf("OUTPUT_PREFIX %q must not start with '/'", c.OutputPrefix))
	}
	if c.MaxPixels <= 0 {
		c.MaxPixels = DefaultMaxPixels
	}
	if c.MaxObjectBytes <= 0 {
		c.MaxObjectBytes = DefaultMaxObjectBytes
	}
	if c.MaxImageMemory <= 0 {
		c.MaxImageMemory = DefaultMaxImageMemory
	}
	if len(c.Renditions) == 0 {
		errs = append(errs, errors.New("RENDITIONS: at least one rendition is required"))
	}
	seen := map[string]bool{}
	for i := range c.Renditions {
		r := &c.Renditions[i]
		if err := r.validate(); err != nil {
			errs = append(errs, fmt.Errorf("RENDITIONS[%d] %q: %w", i, r.Name, err))
		}
		if seen[r.Name] {
			errs = append(errs, fmt.Errorf("RENDITIONS[%d]: duplicate name %q", i, r.Name))
		}
		seen[r.Name] = true
	}
	if seen["rejected"] {
		errs = append(errs, errors.New(`RENDITIONS: the name "rejected" is reserved for rejection records`))
	}
	if c.Watermark != nil {
		if err := c.Watermark.validate(); err != nil {
			errs = append(errs, fmt.Errorf("WATERMARK: %w", err))
		}
	}
	return errors.Join(errs...)
}

func (r *Rendition) validate() error {
	var errs []error
	if r.Name == "" {
		errs = append(errs, errors.New("name is required"))
	}
	for _, c := range r.Name {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			errs = append(errs, errors.New("name may contain only letters, digits, '-' and '_'"))
			break
		}
	}
	if r.MaxWidth < 0 || r.MaxHeight < 0 {
		errs = append(errs, errors.New("maxWidth and maxHeight must not be negative"))
	}
	if r.MaxWidth == 0 && r.MaxHeight == 0 {
		errs = append(errs, errors.New("at least one of maxWidth and maxHeight is required"))
	}
	if r.MaxWidth > 16384 || r.MaxHeight > 16384 {
		errs = append(errs, errors.New("maxWidth and maxHeight must be at most 16384"))
	}
	switch strings.ToLower(r.Format) {
	case "", "jpg", FormatJPEG:
		r.Format = FormatJPEG
	case FormatPNG:
		r.Format = FormatPNG
	default:
		errs = append(errs, fmt.Errorf("format %q is not jpeg or png", r.Format))
	}
	if r.Quality == 0 {
		r.Quality = 85
	}
	if r.Quality < 1 || r.Quality > 100 {
		errs = append(errs, fmt.Errorf("quality %d is not in 1..100", r.Quality))
	}
	return errors.Join(errs...)
}

func (w *WatermarkConfig) validate() error {
	var errs []error
	if (w.Text == "") == (w.ImageKey == "") {
		errs = append(errs, errors.New("exactly one of text and imageKey is required"))
	}
	switch w.Position {
	case "":
		w.Position = BottomRight
	case BottomRight, BottomLeft, TopRight, TopLeft, Center:
	default:
		errs = append(errs, fmt.Errorf("position %q is not one of bottom-right, bottom-left, top-right, top-left, center", w.Position))
	}
	if w.Opacity == nil {
		o := DefaultOpacity
		w.Opacity = &o
	} else if !(*w.Opacity > 0 && *w.Opacity <= 1) {
		errs = append(errs, fmt.Errorf("opacity %v is not in (0, 1]", *w.Opacity))
	}
	return errors.Join(errs...)
}
