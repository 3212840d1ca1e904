package imagepipeline

import (
	"encoding/json"
	"strconv"
)

// The handler's configuration (functions/imageproc, LoadConfig) is read from
// these environment variables.
const (
	EnvOutputBucket    = "OUTPUT_BUCKET"
	EnvOutputPrefix    = "OUTPUT_PREFIX"
	EnvRenditions      = "RENDITIONS"
	EnvWatermark       = "WATERMARK"
	EnvWatermarkBucket = "WATERMARK_BUCKET"
	EnvMaxPixels       = "MAX_PIXELS"
	EnvMaxObjectBytes  = "MAX_OBJECT_BYTES"
)

// renditionEnv is one element of RENDITIONS, with the handler's JSON names.
type renditionEnv struct {
	Name      string `json:"name"`
	MaxWidth  int    `json:"maxWidth"`
	MaxHeight int    `json:"maxHeight"`
	Format    string `json:"format"`
	Quality   int    `json:"quality,omitempty"`
}

// watermarkEnv is WATERMARK, with the handler's JSON names.
type watermarkEnv struct {
	Text     string  `json:"text,omitempty"`
	ImageKey string  `json:"imageKey,omitempty"`
	Position string  `json:"position"`
	Opacity  float64 `json:"opacity"`
}

// renditionsJSON serializes renditions whose defaults are applied
// (withDefaults), so the function's configuration reads the same in the
// console as in Props.
func renditionsJSON(rs []Rendition) string {
	out := make([]renditionEnv, len(rs))
	for i, r := range rs {
		out[i] = renditionEnv{Name: r.Name, MaxWidth: r.MaxWidth, MaxHeight: r.MaxHeight, Format: string(r.Format), Quality: r.Quality}
	}
	b, _ := json.Marshal(out)
	return string(b)
}

// watermarkJSON serializes a watermark whose defaults are applied, or ""
// for none.
func watermarkJSON(w *Watermark) string {
	if w == nil {
		return ""
	}
	b, _ := json.Marshal(watermarkEnv{Text: w.Text, ImageKey: w.ImageKey, Position: string(w.Position), Opacity: w.Opacity})
	return string(b)
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
