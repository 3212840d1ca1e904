package testimage

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"hash/crc32"
	"io"
)

// JPEGKind selects the layout written by BlockJPEG.
type JPEGKind struct {
	// Components is 1 (grey), 3 (Y'CbCr) or 4 (CMYK, marked with an Adobe
	// APP14 segment, transform 0).
	Components int
	// Subsample420 samples luma at 2x2 and chroma at 1x1 (3 components only).
	Subsample420 bool
	// Progressive writes SOF2 with a DC scan and one AC scan per component,
	// as progressive encoders do; otherwise SOF0 and one interleaved scan.
	Progressive bool
}

// BlockJPEG encodes a w x h JPEG whose 8x8 blocks are each one flat colour
// (a smooth gradient across blocks), the image encoders of this package cannot
// write: progressive scans and 4-component (CMYK) JPEGs, which image/jpeg
// decodes but never encodes. Every AC coefficient is zero, so the file is
// small (about 2 bits per block and component) however large the image: what
// a decompression bomb looks like. w and h must be multiples of the MCU size
// (8, or 16 for 4:2:0).
func BlockJPEG(w, h int, kind JPEGKind) []byte {
	type comp struct{ id, hs, vs int }
	var comps []comp
	switch kind.Components {
	case 1:
		comps = []comp{{1, 1, 1}}
	case 3:
		comps = []comp{{1, 1, 1}, {2, 1, 1}, {3, 1, 1}}
		if kind.Subsample420 {
			comps[0].hs, comps[0].vs = 2, 2
		}
	case 4:
		comps = []comp{{1, 1, 1}, {2, 1, 1}, {3, 1, 1}, {4, 1, 1}}
	default:
		panic("testimage: BlockJPEG needs 1, 3 or 4 components")
	}
	hmax, vmax := comps[0].hs, comps[0].vs
	if w%(8*hmax) != 0 || h%(8*vmax) != 0 {
		panic("testimage: BlockJPEG size must be a multiple of the MCU size")
	}
	mxx, myy := w/(8*hmax), h/(8*vmax)

	var out bytes.Buffer
	seg := func(marker byte, payload []byte) {
		out.Write([]byte{0xFF, marker})
		binary.Write(&out, binary.BigEndian, uint16(len(payload)+2))
		out.Write(payload)
	}
	out.Write([]byte{0xFF, 0xD8})
	if kind.Components == 4 {
		// "Adobe", version 100, flags0, flags1, transform 0 (CMYK).
		seg(0xEE, []byte{'A', 'd', 'o', 'b', 'e', 0, 100, 0, 0, 0, 0, 0})
	}
	// Every quantiser is 8, so a block of level v has DC coefficient v-128.
	dqt := make([]byte, 65)
	for i := 1; i < 65; i++ {
		dqt[i] = 8
	}
	seg(0xDB, dqt)
	sof := byte(0xC0)
	if kind.Progressive {
		sof = 0xC2
	}
	sofp := []byte{8, byte(h >> 8), byte(h), byte(w >> 8), byte(w), byte(len(comps))}
	for _, c := range comps {
		sofp = append(sofp, byte(c.id), byte(c.hs<<4|c.vs), 0)
	}
	seg(sof, sofp)
	// DC table 0: the standard luminance table (ITU T.81 Table K.3).
	dht := []byte{0x00, 0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0}
	dht = append(dht, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11)
	// AC table 0: EOB and EOBRUN symbols 0x00, 0x10, ..., 0xE0, 4 bits each.
	dht = append(dht, 0x10, 0, 0, 0, 15, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
	for r := 0; r < 15; r++ {
		dht = append(dht, byte(r<<4))
	}
	seg(0xC4, dht)
	dcCodes := huffCodes([]int{0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0}, 12)
	acCodes := huffCodes([]int{0, 0, 0, 15, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, 15) // index r: symbol r<<4

	level := func(ci, bx, by int) int {
		return (bx*3 + by*5 + ci*60) % 224
	}
	scan := func(ns []int, ss, se int, body func(bw *bitWriter)) {
		p := []byte{byte(len(ns))}
		for _, ci := range ns {
			p = append(p, byte(comps[ci].id), 0x00)
		}
		p = append(p, byte(ss), byte(se), 0)
		seg(0xDA, p)
		bw := &bitWriter{w: &out}
		body(bw)
		bw.flush()
	}
	all := make([]int, len(comps))
	for i := range all {
		all[i] = i
	}
	// The interleaved scan: every block's DC (and, for a baseline JPEG, an
	// EOB for its AC coefficients), MCU by MCU.
	se := 63
	if kind.Progressive {
		se = 0
	}
	scan(all, 0, se, func(bw *bitWriter) {
		pred := make([]int, len(comps))
		for my := 0; my < myy; my++ {
			for mx := 0; mx < mxx; mx++ {
				for ci, c := range comps {
					for v := 0; v < c.vs; v++ {
						for hh := 0; hh < c.hs; hh++ {
							dc := level(ci, mx*c.hs+hh, my*c.vs+v) - 128
							diff := dc - pred[ci]
							pred[ci] = dc
							n := bitLen(diff)
							bw.code(dcCodes[n])
							if n > 0 {
								if diff < 0 {
									diff += 1<<n - 1
								}
								bw.bits(uint32(diff), n)
							}
							if !kind.Progressive {
								bw.code(acCodes[0])
							}
						}
					}
				}
			}
		}
	})
	if kind.Progressive {
		for ci, c := range comps {
			scan([]int{ci}, 1, 63, func(bw *bitWriter) {
				for n := mxx * c.hs * myy * c.vs; n > 0; {
					run := min(n, 32767)
					r := bitLen(run) - 1
					bw.code(acCodes[r])
					bw.bits(uint32(run-1<<r), r)
					n -= run
				}
			})
		}
	}
	out.Write([]byte{0xFF, 0xD9})
	return out.Bytes()
}

type huffCode struct {
	code uint32
	n    int
}

// huffCodes assigns canonical codes (ITU T.81 Annex C) to nsym symbols
// given the number of codes of each length 1..16.
func huffCodes(counts []int, nsym int) []huffCode {
	codes := make([]huffCode, 0, nsym)
	code := uint32(0)
	for l, c := range counts {
		for range c {
			codes = append(codes, huffCode{code, l + 1})
			code++
		}
		code <<= 1
	}
	return codes
}

func bitLen(v int) int {
	if v < 0 {
		v = -v
	}
	n := 0
	for v > 0 {
		n++
		v >>= 1
	}
	return n
}

// bitWriter writes entropy-coded data MSB first, stuffing 0x00 after 0xFF.
type bitWriter struct {
	w    *bytes.Buffer
	acc  uint32
	nacc int
}

func (b *bitWriter) code(c huffCode) { b.bits(c.code, c.n) }

func (b *bitWriter) bits(v uint32, n int) {
	for i := n - 1; i >= 0; i-- {
		b.acc = b.acc<<1 | (v>>i)&1
		b.nacc++
		if b.nacc == 8 {
			b.w.WriteByte(byte(b.acc))
			if byte(b.acc) == 0xFF {
				b.w.WriteByte(0)
			}
			b.acc, b.nacc = 0, 0
		}
	}
}

// flush pads the last byte with 1 bits.
func (b *bitWriter) flush() {
	for b.nacc != 0 {
		b.bits(1, 1)
	}
}

// PNGKind selects the layout written by GradientPNG.
type PNGKind struct {
	// ColorType is the PNG colour type: 0 grey, 2 RGB, 4 grey+alpha, 6 RGBA.
	ColorType byte
	// Depth is 8 or 16 bits per sample.
	Depth byte
	// Interlaced writes Adam7 passes, which image/png decodes but never encodes.
	Interlaced bool
}

// GradientPNG encodes a w x h PNG of a gradient in flat 32x32 tiles, row by
// row, without holding the image. The tiles compress well, so a large image
// is a small file: what a decompression bomb looks like.
func GradientPNG(w, h int, kind PNGKind) []byte {
	channels := map[byte]int{0: 1, 2: 3, 4: 2, 6: 4}[kind.ColorType]
	if channels == 0 || (kind.Depth != 8 && kind.Depth != 16) {
		panic("testimage: GradientPNG needs colour type 0, 2, 4 or 6 and depth 8 or 16")
	}
	bpp := channels * int(kind.Depth) / 8
	var out bytes.Buffer
	out.WriteString("\x89PNG\r\n\x1a\n")
	chunk := func(typ string, data []byte) {
		binary.Write(&out, binary.BigEndian, uint32(len(data)))
		crc := crc32.NewIEEE()
		io.WriteString(crc, typ)
		crc.Write(data)
		out.WriteString(typ)
		out.Write(data)
		binary.Write(&out, binary.BigEndian, crc.Sum32())
	}
	ihdr := binary.BigEndian.AppendUint32(nil, uint32(w))
	ihdr = binary.BigEndian.AppendUint32(ihdr, uint32(h))
	interlace := byte(0)
	if kind.Interlaced {
		interlace = 1
	}
	chunk("IHDR", append(ihdr, kind.Depth, kind.ColorType, 0, 0, interlace))

	var idat bytes.Buffer
	zw, _ := zlib.NewWriterLevel(&idat, zlib.BestSpeed)
	type pass struct{ x0, y0, dx, dy int }
	passes := []pass{{0, 0, 1, 1}}
	if kind.Interlaced {
		passes = []pass{{0, 0, 8, 8}, {4, 0, 8, 8}, {0, 4, 4, 8}, {2, 0, 4, 4}, {0, 2, 2, 4}, {1, 0, 2, 2}, {0, 1, 1, 2}}
	}
	row, prev, up := make([]byte, 1+w*bpp), make([]byte, 1+w*bpp), make([]byte, 1+w*bpp)
	for _, p := range passes {
		clear(prev)
		for y := p.y0; y < h; y += p.dy {
			n := 1
			for x := p.x0; x < w; x += p.dx {
				for c := 0; c < channels; c++ {
					v := uint16((x>>5)*1999 + (y>>5)*997 + c*12345)
					if channels%2 == 0 && c == channels-1 {
						v = 0xFFFF // opaque alpha
					}
					if kind.Depth == 16 {
						row[n], row[n+1] = byte(v>>8), byte(v)
						n += 2
					} else {
						row[n] = byte(v >> 8)
						n++
					}
				}
			}
			if n > 1 {
				// Filter type 2 (Up): a row equal to the one above is all zeros.
				up[0] = 2
				for i := 1; i < n; i++ {
					up[i] = row[i] - prev[i]
				}
				zw.Write(up[:n])
				prev, row = row, prev
			}
		}
	}
	zw.Close()
	for b := idat.Bytes(); len(b) > 0; {
		n := min(len(b), 1<<20)
		chunk("IDAT", b[:n])
		b = b[n:]
	}
	chunk("IEND", nil)
	return out.Bytes()
}
