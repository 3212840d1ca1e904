package imageproc

import (
	"image"
	"image/color"
	"math"
)

// The resampler is separable: a horizontal pass turns each source row into a
// row of the output width (8.8 fixed point, uint16), and a vertical pass
// combines those rows into output rows. Weights are precomputed once per
// axis in 14-bit fixed point. When the image shrinks by more than 4x, the
// source is first reduced by an integer box filter (averaging k x k blocks)
// so that the Catmull-Rom filter still sees at least 2 source pixels per
// output pixel; that keeps quality while reading each source pixel once.
//
// All working rows are premultiplied RGBA, 8 bits per channel.

const (
	weightBits = 14
	weightOne  = 1 << weightBits
	// filterSupport is the radius of the Catmull-Rom kernel at scale 1.
	filterSupport = 2.0
)

// catmullRom is the Catmull-Rom cubic (B=0, C=0.5), a sharp interpolating filter.
func catmullRom(x float64) float64 {
	x = math.Abs(x)
	switch {
	case x < 1:
		return (1.5*x-2.5)*x*x + 1
	case x < 2:
		return ((-0.5*x+2.5)*x-4)*x + 2
	}
	return 0
}

// axisWeights holds, for every output index, the first source index and n
// fixed-point weights (zero-padded).
type axisWeights struct {
	n     int
	start []int
	w     []int32
}

// newAxisWeights computes the filter weights mapping srcLen samples to dstLen.
func newAxisWeights(srcLen, dstLen int) axisWeights {
	scale := float64(srcLen) / float64(dstLen)
	fscale := math.Max(scale, 1)
	support := filterSupport * fscale
	// n is the widest window [ceil(c-support), floor(c+support)] over all outputs.
	n := 1
	for i := 0; i < dstLen; i++ {
		center := (float64(i)+0.5)*scale - 0.5
		n = max(n, int(math.Floor(center+support))-int(math.Ceil(center-support))+1)
	}
	n = min(n, srcLen)
	aw := axisWeights{n: n, start: make([]int, dstLen), w: make([]int32, dstLen*n)}
	fw := make([]float64, n)
	for i := 0; i < dstLen; i++ {
		center := (float64(i)+0.5)*scale - 0.5
		lo := int(math.Ceil(center - support))
		hi := int(math.Floor(center + support))
		lo = max(lo, 0)
		hi = min(hi, srcLen-1)
		if hi-lo+1 > n {
			hi = lo + n - 1
		}
		start := lo
		if start+n > srcLen {
			start = srcLen - n
		}
		clear(fw)
		sum := 0.0
		for j := lo; j <= hi; j++ {
			v := catmullRom((float64(j) - center) / fscale)
			fw[j-start] = v
			sum += v
		}
		ws := aw.w[i*n : (i+1)*n]
		if sum == 0 { // cannot happen with a non-empty window; keep the nearest sample
			ws[min(max(int(center+0.5), start), start+n-1)-start] = weightOne
		} else {
			total, big := int32(0), 0
			for j := range ws {
				ws[j] = int32(math.Round(fw[j] / sum * weightOne))
				total += ws[j]
				if ws[j] > ws[big] {
					big = j
				}
			}
			ws[big] += weightOne - total // exact unit gain
		}
		aw.start[i] = start
	}
	return aw
}

// resize returns src scaled to dw x dh as premultiplied RGBA.
func resize(src image.Image, dw, dh int) *image.RGBA {
	b := src.Bounds()
	sw, sh := b.Dx(), b.Dy()
	k := min(sw/dw, sh/dh) / 2
	k = max(k, 1)
	rs := newRowSource(src, k)
	return resample(rs, dw, dh)
}

// resample runs the separable filter over the rows produced by rs.
func resample(rs *rowSource, dw, dh int) *image.RGBA {
	sw, sh := rs.w, rs.h
	dst := image.NewRGBA(image.Rect(0, 0, dw, dh))
	row := make([]uint8, 4*sw)

	// Horizontal pass into an sh x dw intermediate (8.8 fixed point).
	inter := make([]uint16, 4*dw*sh)
	if dw == sw {
		for y := 0; y < sh; y++ {
			rs.fill(y, row)
			out := inter[4*dw*y : 4*dw*(y+1)]
			for i, v := range row {
				out[i] = uint16(v) << 8
			}
		}
	} else {
		hw := newAxisWeights(sw, dw)
		h := horizontal
		if rs.opaque {
			h = horizontalOpaque
		}
		for y := 0; y < sh; y++ {
			rs.fill(y, row)
			h(inter[4*dw*y:4*dw*(y+1)], row, &hw)
		}
	}
	row = nil

	// Vertical pass.
	if dh == sh {
		for y := 0; y < dh; y++ {
			in := inter[4*dw*y : 4*dw*(y+1)]
			out := dst.Pix[y*dst.Stride : y*dst.Stride+4*dw]
			for i, v := range in {
				out[i] = uint8((v + 0x80) >> 8)
			}
			fixPremul(out)
		}
		return dst
	}
	vw := newAxisWeights(sh, dh)
	acc := make([]int32, 4*dw)
	stride := 4 * dw
	for y := 0; y < dh; y++ {
		clear(acc)
		s := vw.start[y]
		for j, wj := range vw.w[y*vw.n : (y+1)*vw.n] {
			if wj == 0 {
				continue
			}
			in := inter[(s+j)*stride : (s+j+1)*stride]
			in = in[:len(acc)]
			for i := range acc {
				acc[i] += wj * int32(in[i])
			}
		}
		out := dst.Pix[y*dst.Stride : y*dst.Stride+stride]
		out = out[:len(acc)]
		const shift = weightBits + 8
		for i, v := range acc {
			v = (v + 1<<(shift-1)) >> shift
			if v < 0 {
				v = 0
			} else if v > 255 {
				v = 255
			}
			out[i] = uint8(v)
		}
		fixPremul(out)
	}
	return dst
}

// horizontal filters one premultiplied RGBA row into an 8.8 fixed-point row.
func horizontal(out []uint16, row []uint8, hw *axisWeights) {
	n := hw.n
	for x, s := range hw.start {
		ws := hw.w[x*n : (x+1)*n]
		p := row[4*s : 4*(s+n)]
		var r, g, b, a int32
		for j, w := range ws {
			q := p[4*j : 4*j+4 : 4*j+4]
			r += w * int32(q[0])
			g += w * int32(q[1])
			b += w * int32(q[2])
			a += w * int32(q[3])
		}
		o := out[4*x : 4*x+4 : 4*x+4]
		o[0] = clamp16(r)
		o[1] = clamp16(g)
		o[2] = clamp16(b)
		o[3] = clamp16(a)
	}
}

// horizontalOpaque is horizontal for rows whose alpha is all 255.
func horizontalOpaque(out []uint16, row []uint8, hw *axisWeights) {
	n := hw.n
	for x, s := range hw.start {
		ws := hw.w[x*n : (x+1)*n]
		p := row[4*s : 4*(s+n)]
		var r, g, b int32
		for j, w := range ws {
			q := p[4*j : 4*j+3 : 4*j+3]
			r += w * int32(q[0])
			g += w * int32(q[1])
			b += w * int32(q[2])
		}
		o := out[4*x : 4*x+4 : 4*x+4]
		o[0] = clamp16(r)
		o[1] = clamp16(g)
		o[2] = clamp16(b)
		o[3] = 255 << 8
	}
}

// clamp16 converts a 14-bit-weighted sum of 8-bit values to 8.8 fixed point.
func clamp16(v int32) uint16 {
	const shift = weightBits - 8
	v = (v + 1<<(shift-1)) >> shift
	if v < 0 {
		return 0
	}
	if v > 255<<8 {
		return 255 << 8
	}
	return uint16(v)
}

// fixPremul keeps each colour channel at or below alpha, as premultiplied
// colour requires (filter overshoot can break it).
func fixPremul(p []uint8) {
	for i := 0; i+3 < len(p); i += 4 {
		a := p[i+3]
		if a == 255 {
			continue
		}
		p[i] = min(p[i], a)
		p[i+1] = min(p[i+1], a)
		p[i+2] = min(p[i+2], a)
	}
}

// rowSource yields rows of the source reduced by an integer box factor k, as
// premultiplied RGBA. Edge blocks that are cut short are averaged over the
// pixels they hold.
type rowSource struct {
	w, h   int
	opaque bool // every alpha is 255
	fill   func(y int, dst []uint8)
}

func newRowSource(src image.Image, k int) *rowSource {
	b := src.Bounds()
	sw, sh := b.Dx(), b.Dy()
	rs := &rowSource{w: (sw + k - 1) / k, h: (sh + k - 1) / k}
	if m, ok := src.(*image.YCbCr); ok && knownRatio(m.SubsampleRatio) {
		rs.fill = ycbcrRows(m, k, rs.w)
		rs.opaque = true
		return rs
	}
	switch m := src.(type) {
	case *image.Gray, *image.Gray16, *image.CMYK:
		rs.opaque = true
	case interface{ Opaque() bool }: // *image.RGBA, *image.NRGBA, *image.Paletted, ...
		rs.opaque = m.Opaque()
	}
	conv := rgbaRowConverter(src)
	if k == 1 {
		rs.fill = func(y int, dst []uint8) { conv(b.Min.Y+y, dst) }
		return rs
	}
	tmp := make([]uint8, 4*sw)
	sums := make([]uint32, 4*rs.w)
	rs.fill = func(y int, dst []uint8) {
		clear(sums)
		y0, y1 := b.Min.Y+y*k, min(b.Min.Y+(y+1)*k, b.Max.Y)
		for sy := y0; sy < y1; sy++ {
			conv(sy, tmp)
			for ox := 0; ox < rs.w; ox++ {
				x0, x1 := ox*k, min((ox+1)*k, sw)
				var r, g, bb, a uint32
				px := tmp[4*x0 : 4*x1]
				for i := 0; i+3 < len(px); i += 4 {
					q := px[i : i+4 : i+4]
					r += uint32(q[0])
					g += uint32(q[1])
					bb += uint32(q[2])
					a += uint32(q[3])
				}
				s := sums[4*ox : 4*ox+4 : 4*ox+4]
				s[0] += r
				s[1] += g
				s[2] += bb
				s[3] += a
			}
		}
		rows := uint32(y1 - y0)
		for ox := 0; ox < rs.w; ox++ {
			n := rows * uint32(min((ox+1)*k, sw)-ox*k)
			s := sums[4*ox : 4*ox+4 : 4*ox+4]
			d := dst[4*ox : 4*ox+4 : 4*ox+4]
			d[0] = uint8((s[0] + n/2) / n)
			d[1] = uint8((s[1] + n/2) / n)
			d[2] = uint8((s[2] + n/2) / n)
			d[3] = uint8((s[3] + n/2) / n)
		}
	}
	return rs
}

func knownRatio(r image.YCbCrSubsampleRatio) bool {
	switch r {
	case image.YCbCrSubsampleRatio444, image.YCbCrSubsampleRatio422, image.YCbCrSubsampleRatio420,
		image.YCbCrSubsampleRatio440, image.YCbCrSubsampleRatio411, image.YCbCrSubsampleRatio410:
		return true
	}
	return false
}

// chromaShift returns the horizontal and vertical chroma subsampling shifts.
func chromaShift(r image.YCbCrSubsampleRatio) (sx, sy uint) {
	switch r {
	case image.YCbCrSubsampleRatio422:
		return 1, 0
	case image.YCbCrSubsampleRatio420:
		return 1, 1
	case image.YCbCrSubsampleRatio440:
		return 0, 1
	case image.YCbCrSubsampleRatio411:
		return 2, 0
	case image.YCbCrSubsampleRatio410:
		return 2, 1
	}
	return 0, 0
}

// ycbcrRows box-reduces a Y'CbCr image directly from its planes and converts
// the averages to RGB (the conversion is affine, so averaging first is exact
// up to rounding and clipping).
func ycbcrRows(m *image.YCbCr, k, w int) func(int, []uint8) {
	b := m.Rect
	sw := b.Dx()
	csx, csy := chromaShift(m.SubsampleRatio)
	// cx[x] is the chroma column of source column x, relative to the row start.
	cx := make([]int32, sw)
	cx0 := b.Min.X >> csx
	for x := range cx {
		cx[x] = int32((b.Min.X+x)>>csx - cx0)
	}
	if k == 1 {
		return func(y int, dst []uint8) {
			sy := b.Min.Y + y
			yrow := m.Y[(sy-m.Rect.Min.Y)*m.YStride:]
			yrow = yrow[:sw]
			co := (sy>>csy-m.Rect.Min.Y>>csy)*m.CStride + 0
			cbrow, crrow := m.Cb[co:], m.Cr[co:]
			dst = dst[:4*sw]
			for x, yv := range yrow {
				c := cx[x]
				ycbcrToRGBA(dst[4*x:4*x+4:4*x+4], int32(yv)<<8, int32(cbrow[c])<<8, int32(crrow[c])<<8)
			}
		}
	}
	// Each output column covers luma columns [ox*k, min((ox+1)*k, sw)) and
	// the chroma columns [cs, ce) that those touch. Chroma is averaged at its
	// own resolution, so a chroma sample on a block edge counts for both blocks.
	cs, ce := make([]int, w), make([]int, w)
	for ox := range cs {
		x0, x1 := ox*k, min((ox+1)*k, sw)
		cs[ox] = int(cx[x0])
		ce[ox] = int(cx[x1-1]) + 1
	}
	cy0 := m.Rect.Min.Y >> csy
	sy, scb, scr := make([]uint32, w), make([]uint32, w), make([]uint32, w)
	return func(y int, dst []uint8) {
		clear(sy)
		clear(scb)
		clear(scr)
		y0, y1 := b.Min.Y+y*k, min(b.Min.Y+(y+1)*k, b.Max.Y)
		for r := y0; r < y1; r++ {
			yrow := m.Y[(r-m.Rect.Min.Y)*m.YStride:]
			yrow = yrow[:sw]
			for ox := range sy {
				var a uint32
				for _, v := range yrow[ox*k : min((ox+1)*k, sw)] {
					a += uint32(v)
				}
				sy[ox] += a
			}
		}
		c0, c1 := y0>>csy, (y1-1)>>csy
		for r := c0; r <= c1; r++ {
			co := (r - cy0) * m.CStride
			cbrow, crrow := m.Cb[co:], m.Cr[co:]
			for ox := range scb {
				var a, c uint32
				s, e := cs[ox], ce[ox]
				for _, v := range cbrow[s:e] {
					a += uint32(v)
				}
				for _, v := range crrow[s:e] {
					c += uint32(v)
				}
				scb[ox] += a
				scr[ox] += c
			}
		}
		rows, crows := uint32(y1-y0), uint32(c1-c0+1)
		for ox := 0; ox < w; ox++ {
			n := rows * uint32(min((ox+1)*k, sw)-ox*k)
			cn := crows * uint32(ce[ox]-cs[ox])
			// Averages in 8.8 fixed point keep sub-level precision for the conversion.
			yy := int32((sy[ox]<<8 + n/2) / n)
			cb := int32((scb[ox]<<8 + cn/2) / cn)
			cr := int32((scr[ox]<<8 + cn/2) / cn)
			ycbcrToRGBA(dst[4*ox:4*ox+4:4*ox+4], yy, cb, cr)
		}
	}
}

// ycbcrToRGBA converts JFIF Y'CbCr given in 8.8 fixed point to opaque RGBA,
// with the same coefficients as image/color.
func ycbcrToRGBA(d []uint8, y, cb, cr int32) {
	// Scale Y from 8.8 to 16.16 and apply the color package's 16-bit coefficients.
	yy := int64(y) * 0x101
	c1 := int64(cb) - 128<<8
	c2 := int64(cr) - 128<<8
	d[0] = clip8(yy + (91881*c2)>>8)
	d[1] = clip8(yy - (22554*c1+46802*c2)>>8)
	d[2] = clip8(yy + (116130*c1)>>8)
	d[3] = 255
}

// clip8 clips a 16.16 fixed-point value to 0..255.
func clip8(v int64) uint8 {
	v = (v + 0x8000) >> 16
	if v < 0 {
		return 0
	}
	if v > 255 {
		return 255
	}
	return uint8(v)
}

// rgbaRowConverter returns a function writing row y of src (absolute
// coordinate) as premultiplied RGBA, with fast paths for the types the
// decoders produce.
func rgbaRowConverter(src image.Image) func(y int, dst []uint8) {
	b := src.Bounds()
	sw := b.Dx()
	switch m := src.(type) {
	case *image.RGBA:
		return func(y int, dst []uint8) {
			copy(dst[:4*sw], m.Pix[m.PixOffset(b.Min.X, y):])
		}
	case *image.NRGBA:
		return func(y int, dst []uint8) {
			s := m.Pix[m.PixOffset(b.Min.X, y):]
			s = s[:4*sw]
			for i := 0; i < len(s); i += 4 {
				q := s[i : i+4 : i+4]
				d := dst[i : i+4 : i+4]
				a := uint32(q[3])
				if a == 255 {
					copy(d, q)
					continue
				}
				d[0] = uint8((uint32(q[0])*a + 127) / 255)
				d[1] = uint8((uint32(q[1])*a + 127) / 255)
				d[2] = uint8((uint32(q[2])*a + 127) / 255)
				d[3] = uint8(a)
			}
		}
	case *image.Gray:
		return func(y int, dst []uint8) {
			s := m.Pix[m.PixOffset(b.Min.X, y):]
			for x, v := range s[:sw] {
				d := dst[4*x : 4*x+4 : 4*x+4]
				d[0], d[1], d[2], d[3] = v, v, v, 255
			}
		}
	case *image.Paletted:
		var lut [256][4]uint8
		for i, c := range m.Palette {
			r, g, bb, a := c.RGBA()
			lut[i] = [4]uint8{uint8(r >> 8), uint8(g >> 8), uint8(bb >> 8), uint8(a >> 8)}
		}
		return func(y int, dst []uint8) {
			s := m.Pix[m.PixOffset(b.Min.X, y):]
			for x, v := range s[:sw] {
				copy(dst[4*x:4*x+4], lut[v][:])
			}
		}
	case *image.Gray16:
		return func(y int, dst []uint8) {
			s := m.Pix[m.PixOffset(b.Min.X, y):]
			s = s[:2*sw]
			for x := 0; x < sw; x++ {
				v := s[2*x] // the high byte of a big-endian sample
				d := dst[4*x : 4*x+4 : 4*x+4]
				d[0], d[1], d[2], d[3] = v, v, v, 255
			}
		}
	case *image.RGBA64:
		return func(y int, dst []uint8) {
			s := m.Pix[m.PixOffset(b.Min.X, y):]
			s = s[:8*sw]
			for x := 0; x < sw; x++ {
				q := s[8*x : 8*x+8 : 8*x+8]
				d := dst[4*x : 4*x+4 : 4*x+4]
				d[0], d[1], d[2], d[3] = q[0], q[2], q[4], q[6]
			}
		}
	case *image.NRGBA64:
		return func(y int, dst []uint8) {
			s := m.Pix[m.PixOffset(b.Min.X, y):]
			s = s[:8*sw]
			for x := 0; x < sw; x++ {
				q := s[8*x : 8*x+8 : 8*x+8]
				d := dst[4*x : 4*x+4 : 4*x+4]
				a := uint32(q[6])<<8 | uint32(q[7])
				for c := 0; c < 3; c++ { // as color.NRGBA64.RGBA
					v := uint32(q[2*c])<<8 | uint32(q[2*c+1])
					d[c] = uint8(v * a / 0xffff >> 8)
				}
				d[3] = q[6]
			}
		}
	case *image.CMYK:
		return func(y int, dst []uint8) {
			s := m.Pix[m.PixOffset(b.Min.X, y):]
			s = s[:4*sw]
			for x := 0; x < sw; x++ {
				q := s[4*x : 4*x+4 : 4*x+4]
				d := dst[4*x : 4*x+4 : 4*x+4]
				w := 0xffff - uint32(q[3])*0x101 // as color.CMYK.RGBA
				d[0] = uint8((0xffff - uint32(q[0])*0x101) * w / 0xffff >> 8)
				d[1] = uint8((0xffff - uint32(q[1])*0x101) * w / 0xffff >> 8)
				d[2] = uint8((0xffff - uint32(q[2])*0x101) * w / 0xffff >> 8)
				d[3] = 255
			}
		}
	}
	return genericRowConverter(src)
}

// genericRowConverter converts through the image/color package, pixel by
// pixel; the fast paths of rgbaRowConverter must give the same bytes.
func genericRowConverter(src image.Image) func(y int, dst []uint8) {
	b := src.Bounds()
	sw := b.Dx()
	return func(y int, dst []uint8) {
		for x := 0; x < sw; x++ {
			c := color.RGBA64Model.Convert(src.At(b.Min.X+x, y)).(color.RGBA64)
			d := dst[4*x : 4*x+4 : 4*x+4]
			d[0], d[1], d[2], d[3] = uint8(c.R>>8), uint8(c.G>>8), uint8(c.B>>8), uint8(c.A>>8)
		}
	}
}
