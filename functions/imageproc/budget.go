package imageproc

import (
	"encoding/binary"
	"fmt"
	"image"
	"image/color"
	"math"
)

// DefaultMaxImageMemory is the image memory budget when the memory limit is
// unknown (not on Lambda, GOMEMLIMIT unset): 1 GiB.
const DefaultMaxImageMemory = 1 << 30

// ImageMemoryBudget returns the default MaxImageMemory under a Go memory
// limit of limit bytes: half of it, leaving the rest for the garbage the
// decoders leave behind before the collector reclaims it, the S3 client and
// the runtime. A limit of 0 or math.MaxInt64 (none) gives
// DefaultMaxImageMemory.
func ImageMemoryBudget(limit int64) int64 {
	if limit <= 0 || limit == math.MaxInt64 {
		return DefaultMaxImageMemory
	}
	return limit / 2
}

// memoryEstimate is what one image costs to process, worked out from its
// header alone.
type memoryEstimate struct {
	// kind describes the decoded form, e.g. "progressive 4-component (CMYK) JPEG".
	kind string
	// decode is the bytes the decoder allocates: the decoded pixels at its
	// bytes per pixel, plus progressive JPEG coefficients, colour
	// conversions and interlaced PNG passes.
	decode int64
	// render is the bytes the renditions need (resize buffers, oriented and
	// encoded copies), and source the encoded object itself.
	render, source int64
}

func (e memoryEstimate) total() int64 { return e.source + e.decode + e.render }

// bytesPerPixel is the decode cost per source pixel.
func (e memoryEstimate) bytesPerPixel(w, h int) float64 {
	return float64(e.decode) / float64(int64(w)*int64(h))
}

// estimateMemory estimates, before decoding, the memory Process needs for
// data whose header is cfg. The decode figures follow what image/jpeg,
// image/png, image/gif and x/image/webp allocate (TestMemoryEstimateMatchesDecoders
// compares them with the allocations measured by the runtime).
func estimateMemory(data []byte, cfg image.Config, format string, orientation int, renditions []Rendition) memoryEstimate {
	w, h := int64(cfg.Width), int64(cfg.Height)
	px := w * h
	e := memoryEstimate{source: int64(len(data))}
	switch format {
	case "jpeg":
		e.kind, e.decode = jpegCost(data, cfg)
	case "png":
		bpp := modelBytes(cfg.ColorModel)
		e.decode = px * bpp
		e.kind = fmt.Sprintf("%d-bit %s PNG", pngDepth(data), modelName(cfg.ColorModel))
		if pngInterlaced(data) {
			// Each Adam7 pass is decoded into an image of its own and then
			// copied into the final one: the passes add up to a second image.
			e.decode *= 2
			e.kind = "interlaced " + e.kind
		}
	case "webp":
		switch cfg.ColorModel {
		case color.NRGBAModel: // VP8L: ARGB words, then NRGBA
			e.kind, e.decode = "lossless WebP", px*8
		case color.NYCbCrAModel: // VP8 4:2:0 plus an alpha plane
			e.kind, e.decode = "lossy WebP with alpha", px*5/2
		default:
			e.kind, e.decode = "lossy WebP", px*3/2
		}
	default: // gif: one paletted frame
		e.kind, e.decode = format, px*modelBytes(cfg.ColorModel)
	}
	e.render = renderCost(cfg.Width, cfg.Height, orientation, renditions)
	return e
}

// modelBytes is the bytes per pixel of the image type a decoder returns for
// a colour model.
func modelBytes(m color.Model) int64 {
	switch m {
	case color.GrayModel, color.AlphaModel:
		return 1
	case color.Gray16Model, color.Alpha16Model:
		return 2
	case color.RGBA64Model, color.NRGBA64Model:
		return 8
	case color.YCbCrModel:
		return 3
	}
	if _, ok := m.(color.Palette); ok {
		return 1
	}
	return 4 // RGBA, NRGBA, CMYK, NYCbCrA and anything unknown
}

func modelName(m color.Model) string {
	switch m {
	case color.GrayModel, color.Gray16Model:
		return "grey"
	case color.RGBAModel, color.RGBA64Model:
		return "RGB"
	case color.NRGBAModel, color.NRGBA64Model:
		return "RGBA"
	}
	if _, ok := m.(color.Palette); ok {
		return "paletted"
	}
	return "colour"
}

// pngDepth and pngInterlaced read the IHDR chunk, which image.DecodeConfig
// has already checked to come first.
func pngDepth(data []byte) int {
	if len(data) < 33 {
		return 8
	}
	return int(data[24])
}

func pngInterlaced(data []byte) bool { return len(data) >= 33 && data[28] == 1 }

// jpegFrame is what estimateMemory needs from a JPEG's headers.
type jpegFrame struct {
	progressive bool
	comps       []struct{ id, h, v int }
	jfif, adobe bool
	transform   byte
}

// parseJPEGFrame reads the segments up to the first scan. ok is false when
// no frame header is found (image.DecodeConfig then has already failed).
func parseJPEGFrame(data []byte) (f jpegFrame, ok bool) {
	if len(data) < 4 || data[0] != 0xFF || data[1] != 0xD8 {
		return f, false
	}
	for p := 2; p+4 <= len(data); {
		if data[p] != 0xFF {
			return f, ok
		}
		marker := data[p+1]
		switch {
		case marker == 0xFF:
			p++
			continue
		case marker == 0x01 || (marker >= 0xD0 && marker <= 0xD8):
			p += 2
			continue
		case marker == 0xDA || marker == 0xD9:
			return f, ok
		}
		n := int(binary.BigEndian.Uint16(data[p+2:]))
		if n < 2 || p+2+n > len(data) {
			return f, ok
		}
		seg := data[p+4 : p+2+n]
		switch {
		case marker == 0xE0 && len(seg) >= 5 && string(seg[:5]) == "JFIF\x00":
			f.jfif = true
		case marker == 0xEE && len(seg) >= 12 && string(seg[:5]) == "Adobe":
			f.adobe, f.transform = true, seg[11]
		case marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC && !ok:
			if len(seg) < 6 || len(seg) < 6+3*int(seg[5]) {
				return f, false
			}
			f.progressive = marker == 0xC2 || marker == 0xC6 || marker == 0xCA || marker == 0xCE
			for i := 0; i < int(seg[5]); i++ {
				c := seg[6+3*i:]
				f.comps = append(f.comps, struct{ id, h, v int }{int(c[0]), max(int(c[1]>>4), 1), max(int(c[1]&15), 1)})
			}
			ok = len(f.comps) > 0
		}
		p += 2 + n
	}
	return f, ok
}

// jpegCost follows image/jpeg: every component is decoded into a plane of
// its own (one byte per sample, padded to whole MCUs); a progressive JPEG
// also keeps every block's 64 coefficients as int32 (4 bytes per sample)
// between scans; a 4-component (CMYK or YCCK) image is then converted into
// a 4-byte-per-pixel image, as is a 3-component RGB (not Y'CbCr) one.
func jpegCost(data []byte, cfg image.Config) (string, int64) {
	w, h := int64(cfg.Width), int64(cfg.Height)
	f, ok := parseJPEGFrame(data)
	if !ok {
		return "JPEG", w * h * (modelBytes(cfg.ColorModel) + 4)
	}
	hmax, vmax := 1, 1
	for _, c := range f.comps {
		hmax, vmax = max(hmax, c.h), max(vmax, c.v)
	}
	mxx := (w + 8*int64(hmax) - 1) / (8 * int64(hmax))
	myy := (h + 8*int64(vmax) - 1) / (8 * int64(vmax))
	var samples int64
	for _, c := range f.comps {
		samples += 64 * int64(c.h*c.v) * mxx * myy
	}
	cost := samples
	kind := "JPEG"
	if f.progressive {
		cost += 4 * samples
		kind = "progressive JPEG"
	}
	switch n := len(f.comps); {
	case n == 4:
		cost += 4 * w * h
		if f.adobe && f.transform == 0 {
			kind = "4-component (CMYK) " + kind
		} else {
			kind = "4-component (YCCK) " + kind
		}
	case n == 3 && !f.jfif && ((f.adobe && f.transform == 0) || (f.comps[0].id == 'R' && f.comps[1].id == 'G' && f.comps[2].id == 'B')):
		cost += 4 * w * h
		kind = "RGB " + kind
	case n == 1:
		kind = "grey " + kind
	}
	return kind, cost
}

// renderCost estimates render's memory for a w x h source: every resized
// rendition (4 bytes per pixel) stays alive as a possible source for the
// smaller ones, with its encoded output; the largest rendition's resize
// buffer (the box-reduced source rows at the output width, 8 bytes per
// sample) and its oriented or watermarked copy come on top.
func renderCost(w, h, orientation int, renditions []Rendition) int64 {
	b := image.Rect(0, 0, w, h)
	var kept, peak int64
	for _, r := range renditions {
		s := storedSize(b, orientation, r)
		dw, dh := int64(s[0]), int64(s[1])
		area := dw * dh
		encoded := area // a JPEG stays well under 1 byte per pixel
		if r.Format == FormatPNG {
			encoded = 4 * area
		}
		kept += 4*area + encoded
		k := max(min(w/s[0], h/s[1])/2, 1)
		inter := 8 * dw * int64((h+k-1)/k)
		peak = max(peak, inter+8*area)
	}
	return kept + peak
}
