package imageproc

import (
	"encoding/binary"
	"image"
)

// jpegOrientation returns the EXIF orientation (1-8) stored in a JPEG's APP1
// Exif segment (TIFF IFD0, tag 0x0112), or 1 when there is none or it is
// malformed. Only the segments before the first scan are read.
func jpegOrientation(data []byte) int {
	if len(data) < 4 || data[0] != 0xFF || data[1] != 0xD8 {
		return 1
	}
	p := 2
	for p+4 <= len(data) {
		if data[p] != 0xFF {
			return 1
		}
		marker := data[p+1]
		switch {
		case marker == 0xFF: // fill byte
			p++
			continue
		case marker == 0xD8 || marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7):
			p += 2 // markers without a length
			continue
		case marker == 0xDA || marker == 0xD9: // start of scan, end of image
			return 1
		}
		n := int(binary.BigEndian.Uint16(data[p+2:]))
		if n < 2 || p+2+n > len(data) {
			return 1
		}
		seg := data[p+4 : p+2+n]
		if marker == 0xE1 && len(seg) >= 6 && string(seg[:6]) == "Exif\x00\x00" {
			if o := tiffOrientation(seg[6:]); o != 0 {
				return o
			}
		}
		p += 2 + n
	}
	return 1
}

// tiffOrientation reads tag 0x0112 from IFD0 of a TIFF structure; 0 if absent.
func tiffOrientation(t []byte) int {
	if len(t) < 8 {
		return 0
	}
	var bo binary.ByteOrder
	switch string(t[:2]) {
	case "II":
		bo = binary.LittleEndian
	case "MM":
		bo = binary.BigEndian
	default:
		return 0
	}
	if bo.Uint16(t[2:]) != 42 {
		return 0
	}
	ifd := int64(bo.Uint32(t[4:]))
	if ifd < 8 || ifd+2 > int64(len(t)) {
		return 0
	}
	count := int64(bo.Uint16(t[ifd:]))
	for i := int64(0); i < count; i++ {
		e := ifd + 2 + 12*i
		if e+12 > int64(len(t)) {
			return 0
		}
		if bo.Uint16(t[e:]) != 0x0112 {
			continue
		}
		typ, n := bo.Uint16(t[e+2:]), bo.Uint32(t[e+4:])
		if typ != 3 || n != 1 { // SHORT, one value, stored inline
			return 0
		}
		if v := int(bo.Uint16(t[e+8:])); v >= 1 && v <= 8 {
			return v
		}
		return 0
	}
	return 0
}

// swapsAxes reports whether an EXIF orientation displays the stored image
// rotated by 90 degrees, so that its width and height trade places.
func swapsAxes(orientation int) bool { return orientation >= 5 && orientation <= 8 }

// orient returns src transformed for display according to an EXIF
// orientation. Orientation 1 (or an unknown value) returns src itself.
func orient(src *image.RGBA, orientation int) *image.RGBA {
	if orientation < 2 || orientation > 8 {
		return src
	}
	w, h := src.Rect.Dx(), src.Rect.Dy()
	dw, dh := w, h
	if swapsAxes(orientation) {
		dw, dh = h, w
	}
	dst := image.NewRGBA(image.Rect(0, 0, dw, dh))
	// For each display pixel (dx, dy), the stored pixel (sx, sy) is
	// sx = x0 + dx*ax + dy*ay, sy = y0 + dx*bx + dy*by.
	var x0, ax, ay, y0, bx, by int
	switch orientation {
	case 2: // mirrored horizontally
		x0, ax, y0, by = w-1, -1, 0, 1
	case 3: // rotated 180
		x0, ax, y0, by = w-1, -1, h-1, -1
	case 4: // mirrored vertically
		x0, ax, y0, by = 0, 1, h-1, -1
	case 5: // transposed
		x0, ay, y0, bx = 0, 1, 0, 1
	case 6: // rotate 90 clockwise to display
		x0, ay, y0, bx = 0, 1, h-1, -1
	case 7: // transversed
		x0, ay, y0, bx = w-1, -1, h-1, -1
	case 8: // rotate 90 counter-clockwise to display
		x0, ay, y0, bx = w-1, -1, 0, 1
	}
	sp, ss := src.Pix, src.Stride
	for dy := 0; dy < dh; dy++ {
		row := dst.Pix[dy*dst.Stride : dy*dst.Stride+4*dw]
		sx, sy := x0+dy*ay, y0+dy*by
		for dx := 0; dx < dw; dx++ {
			o := sy*ss + 4*sx
			copy(row[4*dx:4*dx+4], sp[o:o+4])
			sx += ax
			sy += bx
		}
	}
	return dst
}
