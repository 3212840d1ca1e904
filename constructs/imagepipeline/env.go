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

// renditions returns Props.Renditions, or the defaults when empty.
func (p *Props) renditions() []Rendition {
	if len(p.Renditions) == 0 {
		return DefaultRenditions()
	}
	return p.Renditions
}

// renditionsJSON serializes renditions with every default spelled out, so
// the function's configuration reads the same in the console as in Props.
func renditionsJSON(rs []Rendition) string {
	out := make([]renditionEnv, len(rs))
	for i, r := range rs {
		e := renditionEnv{Name: r.Name, MaxWidth: r.MaxWidth, MaxHeight: r.MaxHeight, Format: string(r.Format), Quality: r.Quality}
		if e.Format == "" {
			e.Format = string(JPEG)
		}
		if e.Format == string(PNG) {
			e.Quality = 0
		} else if e.Quality == 0 {
			e.Quality = DefaultQuality
		}
		out[i] = e
	}
	b, _ := json.Marshal(out)
	return string(b)
}

// watermarkJSON serializes w with defaults applied, or "" for none.
func watermarkJSON(w *Watermark) string {
	if w == nil {
		return ""
	}
	e := watermarkEnv{Text: w.Text, ImageKey: w.ImageKey, Position: string(w.Position), Opacity: w.Opacity}
	if e.Position == "" {
		e.Position = string(BottomRight)
	}
	if e.Opacity == 0 {
		e.Opacity = DefaultOpacity
	}
	b, _ := json.Marshal(e)
	return string(b)
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
