package imageproc

import (
	"image"
	"math"

	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"
)

// Watermark is a resolved watermark: text or a decoded image, its position
// and opacity. The zero Watermark draws nothing.
type Watermark struct {
	// Text is drawn in white with a dark shadow using the 7x13 bitmap font,
	// scaled by a whole factor so that it is about 1/20 of the shorter side
	// of the rendition (and fits its width).
	Text string
	// Image is scaled to at most a quarter of the rendition's width (never
	// upscaled) and drawn over it.
	Image image.Image
	// Position is one of the Position constants. Default: bottom-right.
	Position string
	// Opacity in (0, 1] multiplies the watermark's alpha. Zero means 1.
	Opacity float64
}

func (w *Watermark) empty() bool { return w == nil || (w.Text == "" && w.Image == nil) }

// draw composites the watermark onto dst (premultiplied RGBA).
func (w *Watermark) draw(dst *image.RGBA) {
	if w.empty() {
		return
	}
	op := w.Opacity
	if op <= 0 || op > 1 {
		op = 1
	}
	W, H := dst.Rect.Dx(), dst.Rect.Dy()
	margin := max(2, min(W, H)/50)
	if w.Image != nil {
		b := w.Image.Bounds()
		ww, wh := b.Dx(), b.Dy()
		if ww <= 0 || wh <= 0 {
			return
		}
		if limit := max(1, W/4); ww > limit {
			wh = max(1, int(math.Round(float64(wh)*float64(limit)/float64(ww))))
			ww = limit
		}
		mark := resize(w.Image, ww, wh)
		at := place(w.Position, W, H, ww, wh, margin)
		over(dst, mark, at, uint32(math.Round(op*255)))
		return
	}
	mask, tw, th := textMask(w.Text)
	scale := max(1, int(math.Round(float64(min(W, H))/20/float64(th))))
	for scale > 1 && tw*scale+scale > W-2*margin {
		scale--
	}
	shadow := max(1, scale/2)
	bw, bh := tw*scale+shadow, th*scale+shadow
	at := place(w.Position, W, H, bw, bh, margin)
	a := uint32(math.Round(op * 255))
	// Shadow first, offset down and right, then the white text.
	fillMask(dst, mask, scale, at.Add(image.Pt(shadow, shadow)), [3]uint32{0, 0, 0}, a*3/4)
	fillMask(dst, mask, scale, at, [3]uint32{255, 255, 255}, a)
}

// textMask renders s in the 7x13 bitmap font at 1x.
func textMask(s string) (*image.Alpha, int, int) {
	face := basicfont.Face7x13
	m := face.Metrics()
	tw := font.MeasureString(face, s).Ceil()
	th := (m.Ascent + m.Descent).Ceil()
	mask := image.NewAlpha(image.Rect(0, 0, max(tw, 1), th))
	d := font.Drawer{Dst: mask, Src: image.Opaque, Face: face, Dot: fixed.Point26_6{Y: m.Ascent}}
	d.DrawString(s)
	return mask, max(tw, 1), th
}

// place returns the top-left corner of a w x h box at pos within W x H.
func place(pos string, W, H, w, h, margin int) image.Point {
	switch pos {
	case TopLeft:
		return image.Pt(margin, margin)
	case TopRight:
		return image.Pt(W-w-margin, margin)
	case BottomLeft:
		return image.Pt(margin, H-h-margin)
	case Center:
		return image.Pt((W-w)/2, (H-h)/2)
	}
	return image.Pt(W-w-margin, H-h-margin)
}

// fillMask paints colour c with alpha a (0-255) through mask scaled up by a
// whole factor (nearest neighbour keeps the bitmap font crisp), at offset at.
func fillMask(dst *image.RGBA, mask *image.Alpha, scale int, at image.Point, c [3]uint32, a uint32) {
	mb := mask.Rect
	r := image.Rect(at.X, at.Y, at.X+mb.Dx()*scale, at.Y+mb.Dy()*scale).Intersect(dst.Rect)
	for y := r.Min.Y; y < r.Max.Y; y++ {
		my := (y - at.Y) / scale
		for x := r.Min.X; x < r.Max.X; x++ {
			m := uint32(mask.Pix[my*mask.Stride+(x-at.X)/scale])
			if m == 0 {
				continue
			}
			al := a * m / 255 // 0..255
			p := dst.Pix[dst.PixOffset(x, y):]
			p = p[:4:4]
			inv := 255 - al
			p[0] = uint8((c[0]*al + uint32(p[0])*inv + 127) / 255)
			p[1] = uint8((c[1]*al + uint32(p[1])*inv + 127) / 255)
			p[2] = uint8((c[2]*al + uint32(p[2])*inv + 127) / 255)
			p[3] = uint8((255*al + uint32(p[3])*inv + 127) / 255)
		}
	}
}

// over composites the premultiplied src onto dst at offset at, with its
// alpha multiplied by op (0-255).
func over(dst, src *image.RGBA, at image.Point, op uint32) {
	r := src.Rect.Add(at).Intersect(dst.Rect)
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			s := src.Pix[src.PixOffset(x-at.X, y-at.Y):]
			s = s[:4:4]
			sa := uint32(s[3]) * op / 255
			if sa == 0 {
				continue
			}
			d := dst.Pix[dst.PixOffset(x, y):]
			d = d[:4:4]
			inv := 255 - sa
			for i := 0; i < 4; i++ {
				v := (uint32(s[i])*op + uint32(d[i])*inv + 127) / 255
				d[i] = uint8(min(v, 255))
			}
		}
	}
}
