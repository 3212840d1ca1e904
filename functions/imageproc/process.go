package imageproc

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/jpeg"
	"image/png"
	"math"
	"runtime/debug"
	"sort"

	_ "image/gif" // register the GIF decoder

	_ "golang.org/x/image/webp" // register the WebP decoder
)

// InputError reports an object that can never be processed as an image: not
// an image, an unsupported format, a truncated or corrupt file, too many
// pixels or too many bytes. Retrying it cannot help.
type InputError struct {
	// Reason is a short human-readable explanation, safe to log and store.
	Reason string
}

func (e *InputError) Error() string { return "imageproc: rejected input: " + e.Reason }

func reject(format string, args ...any) error {
	return &InputError{Reason: fmt.Sprintf(format, args...)}
}

// IsInputError reports whether err (or an error it wraps) is an *InputError.
func IsInputError(err error) bool {
	var ie *InputError
	return errors.As(err, &ie)
}

// Processor turns one encoded image into its renditions. It is safe for
// concurrent use once configured.
type Processor struct {
	// Renditions to produce, validated (see Config.Validate).
	Renditions []Rendition
	// Watermark is drawn on every rendition. Nil: no watermark.
	Watermark *Watermark
	// MaxPixels rejects images whose header declares more pixels, before
	// any pixel is decoded. Zero: DefaultMaxPixels.
	MaxPixels int64
	// MaxImageMemory rejects images whose header implies that decoding and
	// rendering them needs more bytes (decoded pixels at the decoder's bytes
	// per pixel: 16-bit samples, CMYK, progressive JPEG coefficients,
	// interlaced PNG passes; plus the rendition buffers), before any pixel
	// is decoded. Zero: DefaultMaxImageMemory.
	MaxImageMemory int64
}

// Output is one encoded rendition.
type Output struct {
	Rendition     Rendition
	Width, Height int
	Data          []byte
}

// Info describes a decoded source image.
type Info struct {
	Format        string // "jpeg", "png", "gif" or "webp"
	Width, Height int    // as stored, before EXIF orientation
	Orientation   int    // EXIF orientation, 1-8 (1 when absent)
}

// PanicError is returned by Process when decoding or rendering panicked. A
// panic is a bug (here or in a decoder), not a verdict on the input, so it is
// not an *InputError: the handler retries the upload and lets it reach the
// dead-letter queue rather than reject it for good.
type PanicError struct {
	Value any    // what was passed to panic
	Stack []byte // the goroutine's stack at the panic
}

func (e *PanicError) Error() string {
	return fmt.Sprintf("imageproc: panic while processing: %v", e.Value)
}

// Process decodes data and returns one output per rendition, in the order
// of p.Renditions. The same data always yields the same bytes. Errors about
// the input are *InputError; a panic is recovered and returned as a
// *PanicError, so Process itself never panics.
func (p *Processor) Process(data []byte) (outs []Output, info Info, err error) {
	defer func() {
		if r := recover(); r != nil {
			outs, err = nil, &PanicError{Value: r, Stack: debug.Stack()}
		}
	}()
	img, info, err := p.decode(data)
	if err != nil {
		return nil, info, err
	}
	if outs, err = p.render(img, info.Orientation); err != nil {
		return nil, info, err
	}
	return outs, info, nil
}

// decode checks the header against the pixel limit, then decodes.
func (p *Processor) decode(data []byte) (image.Image, Info, error) {
	limit := p.MaxPixels
	if limit <= 0 {
		limit = DefaultMaxPixels
	}
	if len(data) == 0 {
		return nil, Info{}, reject("empty object")
	}
	cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
	if errors.Is(err, image.ErrFormat) {
		return nil, Info{}, reject("unsupported or unrecognised image format (want JPEG, PNG, GIF or WebP)")
	}
	if err != nil {
		return nil, Info{}, reject("unreadable %s header: %v", orUnknown(format), err)
	}
	info := Info{Format: format, Width: cfg.Width, Height: cfg.Height, Orientation: 1}
	if cfg.Width <= 0 || cfg.Height <= 0 {
		return nil, info, reject("%s header declares an empty image (%dx%d)", format, cfg.Width, cfg.Height)
	}
	if px := int64(cfg.Width) * int64(cfg.Height); px > limit {
		return nil, info, reject("decompression bomb: %s header declares %dx%d = %d pixels, limit is %d",
			format, cfg.Width, cfg.Height, px, limit)
	}
	if format == "jpeg" {
		info.Orientation = jpegOrientation(data)
	}
	budget := p.MaxImageMemory
	if budget <= 0 {
		budget = DefaultMaxImageMemory
	}
	if est := estimateMemory(data, cfg, format, info.Orientation, p.Renditions); est.total() > budget {
		return nil, info, reject("too much memory: %s %dx%d needs an estimated %d MiB to decode and render (%.1f bytes/pixel decoded), more than the image memory budget of %d MiB",
			est.kind, cfg.Width, cfg.Height, mib(est.total()), est.bytesPerPixel(cfg.Width, cfg.Height), mib(budget))
	}
	img, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, info, reject("corrupt or truncated %s: %v", format, err)
	}
	b := img.Bounds()
	if b.Empty() || int64(b.Dx())*int64(b.Dy()) > limit {
		return nil, info, reject("%s decoded to %dx%d pixels, outside 1..%d", format, b.Dx(), b.Dy(), limit)
	}
	info.Width, info.Height = b.Dx(), b.Dy()
	return img, info, nil
}

// mib rounds n bytes up to whole MiB.
func mib(n int64) int64 { return (n + 1<<20 - 1) >> 20 }

func orUnknown(s string) string {
	if s == "" {
		return "image"
	}
	return s
}

// FitSize returns the size of a w x h image scaled to fit maxW x maxH
// (zero: unbounded), keeping the aspect ratio and never upscaling.
func FitSize(w, h, maxW, maxH int) (int, int) {
	scale := 1.0
	if maxW > 0 {
		scale = math.Min(scale, float64(maxW)/float64(w))
	}
	if maxH > 0 {
		scale = math.Min(scale, float64(maxH)/float64(h))
	}
	if scale >= 1 {
		return w, h
	}
	dw := max(1, int(math.Round(float64(w)*scale)))
	dh := max(1, int(math.Round(float64(h)*scale)))
	if maxW > 0 {
		dw = min(dw, maxW)
	}
	if maxH > 0 {
		dh = min(dh, maxH)
	}
	return dw, dh
}

// render produces every rendition of a decoded image.
func (p *Processor) render(img image.Image, orientation int) ([]Output, error) {
	// Larger renditions first: a smaller one is resized from an earlier
	// result at least cascadeMin times its size instead of from the source.
	order := make([]int, len(p.Renditions))
	for i := range order {
		order[i] = i
	}
	sizes := make([][2]int, len(p.Renditions))
	for i, r := range p.Renditions {
		sizes[i] = storedSize(img.Bounds(), orientation, r)
	}
	sort.SliceStable(order, func(a, b int) bool {
		return sizes[order[a]][0]*sizes[order[a]][1] > sizes[order[b]][0]*sizes[order[b]][1]
	})
	outs := make([]Output, len(p.Renditions))
	var done []*image.RGBA
	for _, i := range order {
		r := p.Renditions[i]
		src := img
		w, h := sizes[i][0], sizes[i][1]
		for _, d := range done {
			if d.Rect.Dx() >= cascadeMin*w && d.Rect.Dy() >= cascadeMin*h {
				src = d // done is sorted by decreasing size: keep the smallest fit
			}
		}
		m := resize(src, w, h)
		done = append(done, m)
		o, err := p.finish(m, orientation, r)
		if err != nil {
			return nil, fmt.Errorf("imageproc: rendition %q: %w", r.Name, err)
		}
		outs[i] = o
	}
	return outs, nil
}

// cascadeMin is how many times larger than a rendition an earlier result
// must be, in both dimensions, to serve as its source.
const cascadeMin = 3

// storedSize returns the size to resize the stored (not yet oriented) image
// to, so that after orientation it fits rendition r.
func storedSize(b image.Rectangle, orientation int, r Rendition) [2]int {
	sw, sh := b.Dx(), b.Dy()
	if swapsAxes(orientation) {
		sw, sh = sh, sw
	}
	dw, dh := FitSize(sw, sh, r.MaxWidth, r.MaxHeight)
	if swapsAxes(orientation) {
		return [2]int{dh, dw}
	}
	return [2]int{dw, dh}
}

// finish orients, watermarks and encodes a resized image. m itself is left
// unchanged (it may serve as the source of a smaller rendition).
func (p *Processor) finish(m *image.RGBA, orientation int, r Rendition) (Output, error) {
	d := orient(m, orientation)
	if d == m {
		d = &image.RGBA{Pix: bytes.Clone(m.Pix), Stride: m.Stride, Rect: m.Rect}
	}
	p.Watermark.draw(d)
	var buf bytes.Buffer
	switch r.Format {
	case FormatPNG:
		var enc png.Encoder
		if err := enc.Encode(&buf, pngImage(d)); err != nil {
			return Output{}, err
		}
	default:
		flattenWhite(d)
		q := r.Quality
		if q == 0 {
			q = 85
		}
		if err := jpeg.Encode(&buf, d, &jpeg.Options{Quality: q}); err != nil {
			return Output{}, err
		}
	}
	return Output{Rendition: r, Width: d.Rect.Dx(), Height: d.Rect.Dy(), Data: buf.Bytes()}, nil
}

// flattenWhite composites premultiplied m onto white in place, for formats
// without alpha.
func flattenWhite(m *image.RGBA) {
	p := m.Pix
	for i := 0; i+3 < len(p); i += 4 {
		if a := p[i+3]; a != 255 {
			t := 255 - a
			p[i] += t
			p[i+1] += t
			p[i+2] += t
			p[i+3] = 255
		}
	}
}

// pngImage returns m itself when opaque (encoded as 8-bit RGB), else its
// non-premultiplied copy (encoded as RGBA).
func pngImage(m *image.RGBA) image.Image {
	if m.Opaque() {
		return m
	}
	n := image.NewNRGBA(m.Rect)
	for i := 0; i+3 < len(m.Pix); i += 4 {
		a := uint32(m.Pix[i+3])
		n.Pix[i+3] = uint8(a)
		if a == 0 {
			continue
		}
		for c := 0; c < 3; c++ {
			n.Pix[i+c] = uint8(min(255, (uint32(m.Pix[i+c])*255+a/2)/a))
		}
	}
	return n
}
