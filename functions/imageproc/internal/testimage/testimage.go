// Package testimage generates deterministic images for imageproc's tests and
// benchmarks: photo-like content (smooth gradients with fine texture, so
// that JPEG decoding costs what it costs on real photos), EXIF-tagged JPEGs
// and crafted headers.
package testimage

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
)

// Photo returns a w x h opaque image with gradients, soft shapes and a fine
// pseudo-random texture. The same size always gives the same pixels.
func Photo(w, h int) *image.RGBA {
	m := image.NewRGBA(image.Rect(0, 0, w, h))
	seed := uint32(2463534242)
	cx, cy, r2 := w/3, h/2, (min(w, h)/4)*(min(w, h)/4)
	for y := 0; y < h; y++ {
		row := m.Pix[y*m.Stride : y*m.Stride+4*w]
		gy := uint32(y * 255 / max(h-1, 1))
		for x := 0; x < w; x++ {
			seed ^= seed << 13
			seed ^= seed >> 17
			seed ^= seed << 5
			noise := int(seed&15) - 8
			gx := uint32(x * 255 / max(w-1, 1))
			r, g, b := int(gx), int(gy), int(255-(gx+gy)/2)
			if dx, dy := x-cx, y-cy; dx*dx+dy*dy < r2 {
				r, g, b = 230, 180, 60
			}
			if (x/max(w/16, 1)+y/max(h/12, 1))%7 == 0 {
				r, g, b = r/2, g/2, b/2
			}
			p := row[4*x : 4*x+4 : 4*x+4]
			p[0], p[1], p[2], p[3] = clamp(r+noise), clamp(g+noise), clamp(b+noise), 255
		}
	}
	return m
}

func clamp(v int) uint8 {
	return uint8(min(max(v, 0), 255))
}

// Solid returns a w x h image of one colour.
func Solid(w, h int, c color.RGBA) *image.RGBA {
	m := image.NewRGBA(image.Rect(0, 0, w, h))
	for i := 0; i < len(m.Pix); i += 4 {
		m.Pix[i], m.Pix[i+1], m.Pix[i+2], m.Pix[i+3] = c.R, c.G, c.B, c.A
	}
	return m
}

// JPEG encodes m at quality q.
func JPEG(m image.Image, q int) []byte {
	var b bytes.Buffer
	if err := jpeg.Encode(&b, m, &jpeg.Options{Quality: q}); err != nil {
		panic(err)
	}
	return b.Bytes()
}

// WithOrientation inserts an APP1 Exif segment holding orientation (tag
// 0x0112 in IFD0) right after the SOI marker of a JPEG, in big-endian ("MM")
// or little-endian ("II") TIFF byte order.
func WithOrientation(jpg []byte, orientation int, bigEndian bool) []byte {
	var bo binary.AppendByteOrder = binary.LittleEndian
	tiff := []byte("II")
	if bigEndian {
		bo, tiff = binary.BigEndian, []byte("MM")
	}
	tiff = bo.AppendUint16(tiff, 42)
	tiff = bo.AppendUint32(tiff, 8) // IFD0 right after the header
	tiff = bo.AppendUint16(tiff, 2) // two entries: a decoy, then orientation
	// ImageDescription (0x010E), ASCII, 4 bytes inline: "abc\0".
	tiff = bo.AppendUint16(tiff, 0x010E)
	tiff = bo.AppendUint16(tiff, 2)
	tiff = bo.AppendUint32(tiff, 4)
	tiff = append(tiff, 'a', 'b', 'c', 0)
	// Orientation, SHORT, one value, left-justified in the 4-byte field.
	tiff = bo.AppendUint16(tiff, 0x0112)
	tiff = bo.AppendUint16(tiff, 3)
	tiff = bo.AppendUint32(tiff, 1)
	tiff = bo.AppendUint16(tiff, uint16(orientation))
	tiff = bo.AppendUint16(tiff, 0)
	tiff = bo.AppendUint32(tiff, 0) // no next IFD

	payload := append([]byte("Exif\x00\x00"), tiff...)
	seg := []byte{0xFF, 0xE1}
	seg = binary.BigEndian.AppendUint16(seg, uint16(len(payload)+2))
	seg = append(seg, payload...)
	out := append([]byte{}, jpg[:2]...)
	out = append(out, seg...)
	return append(out, jpg[2:]...)
}

// PNGHeader returns a PNG signature and IHDR chunk (8-bit RGB) declaring a
// w x h image, followed by nothing: a decompression-bomb probe.
func PNGHeader(w, h uint32) []byte {
	out := []byte("\x89PNG\r\n\x1a\n")
	ihdr := []byte("IHDR")
	ihdr = binary.BigEndian.AppendUint32(ihdr, w)
	ihdr = binary.BigEndian.AppendUint32(ihdr, h)
	ihdr = append(ihdr, 8, 2, 0, 0, 0) // depth 8, truecolour, deflate, no filter, no interlace
	out = binary.BigEndian.AppendUint32(out, 13)
	out = append(out, ihdr...)
	return binary.BigEndian.AppendUint32(out, crc32.ChecksumIEEE(ihdr))
}
