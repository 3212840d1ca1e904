package imageproc

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"os"
	"runtime"
	"strings"
	"testing"

	"golang.org/x/image/draw"

	"github.com/gureum-cdk/gureum/functions/imageproc/internal/testimage"
)

func mustProcess(t *testing.T, p *Processor, data []byte) []Output {
	t.Helper()
	outs, _, err := p.Process(data)
	if err != nil {
		t.Fatalf("Process: %v", err)
	}
	if len(outs) != len(p.Renditions) {
		t.Fatalf("Process returned %d outputs, want %d", len(outs), len(p.Renditions))
	}
	return outs
}

func decodeOut(t *testing.T, o Output) (image.Image, string) {
	t.Helper()
	img, format, err := image.Decode(bytes.NewReader(o.Data))
	if err != nil {
		t.Fatalf("rendition %q does not decode: %v", o.Rendition.Name, err)
	}
	return img, format
}

func TestRenditionSizes(t *testing.T) {
	renditions := []Rendition{
		{Name: "thumb", MaxWidth: 256, MaxHeight: 256, Format: FormatJPEG, Quality: 82},
		{Name: "wide", MaxWidth: 1024, MaxHeight: 1024, Format: FormatJPEG, Quality: 85},
		{Name: "tall", MaxHeight: 100, Format: FormatPNG},
		{Name: "narrow", MaxWidth: 50, Format: FormatJPEG, Quality: 70},
	}
	tests := []struct {
		w, h int
		want [][2]int // per rendition
	}{
		{1000, 500, [][2]int{{256, 128}, {1000, 500}, {200, 100}, {50, 25}}},
		{300, 800, [][2]int{{96, 256}, {300, 800}, {38, 100}, {50, 133}}},
		{100, 100, [][2]int{{100, 100}, {100, 100}, {100, 100}, {50, 50}}},
		{4000, 3000, [][2]int{{256, 192}, {1024, 768}, {133, 100}, {50, 38}}},
		{3001, 7, [][2]int{{256, 1}, {1024, 2}, {3001, 7}, {50, 1}}},
	}
	p := &Processor{Renditions: renditions}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%dx%d", tt.w, tt.h), func(t *testing.T) {
			// Left half red, right half blue: the split must stay in the middle.
			src := testimage.Solid(tt.w, tt.h, color.RGBA{220, 20, 20, 255})
			draw.Draw(src, image.Rect(tt.w/2, 0, tt.w, tt.h), image.NewUniform(color.RGBA{20, 20, 220, 255}), image.Point{}, draw.Src)
			outs := mustProcess(t, p, testimage.JPEG(src, 95))
			for i, o := range outs {
				img, _ := decodeOut(t, o)
				b := img.Bounds()
				if got := [2]int{b.Dx(), b.Dy()}; got != tt.want[i] || o.Width != got[0] || o.Height != got[1] {
					t.Errorf("%s: got %v (reported %dx%d), want %v", o.Rendition.Name, got, o.Width, o.Height, tt.want[i])
					continue
				}
				if b.Dx() < 8 {
					continue
				}
				l := rgbAt(img, b.Dx()/8, b.Dy()/2)
				r := rgbAt(img, b.Dx()-1-b.Dx()/8, b.Dy()/2)
				if !(l[0] > 150 && l[2] < 80 && r[2] > 150 && r[0] < 80) {
					t.Errorf("%s: left %v should be red and right %v blue", o.Rendition.Name, l, r)
				}
			}
		})
	}
}

func rgbAt(m image.Image, x, y int) [3]int {
	r, g, b, _ := m.At(m.Bounds().Min.X+x, m.Bounds().Min.Y+y).RGBA()
	return [3]int{int(r >> 8), int(g >> 8), int(b >> 8)}
}

// TestResampleMatchesReference compares the fast resampler with
// x/image/draw's Catmull-Rom on photo-like content, across source types
// and scale factors (including ones that take the box pre-shrink).
func TestResampleMatchesReference(t *testing.T) {
	photo := testimage.Photo(900, 600)
	ycc, _ := jpeg.Decode(bytes.NewReader(testimage.JPEG(photo, 95)))
	nrgba := image.NewNRGBA(photo.Rect)
	draw.Draw(nrgba, nrgba.Rect, photo, image.Point{}, draw.Src)
	sources := map[string]image.Image{"rgba": photo, "ycbcr": ycc.(*image.YCbCr), "nrgba": nrgba}
	for name, src := range sources {
		for _, size := range [][2]int{{600, 400}, {300, 200}, {128, 85}, {40, 27}} {
			t.Run(fmt.Sprintf("%s/%dx%d", name, size[0], size[1]), func(t *testing.T) {
				got := resize(src, size[0], size[1])
				want := image.NewRGBA(image.Rect(0, 0, size[0], size[1]))
				draw.CatmullRom.Scale(want, want.Rect, src, src.Bounds(), draw.Src, nil)
				var sum, worst int
				for i := range got.Pix {
					d := int(got.Pix[i]) - int(want.Pix[i])
					if d < 0 {
						d = -d
					}
					sum += d
					worst = max(worst, d)
				}
				mean := float64(sum) / float64(len(got.Pix))
				t.Logf("mean abs difference %.3f, worst %d", mean, worst)
				// The box pre-shrink (scale >= 4) and 8-bit intermediates differ slightly.
				limit := 1.0
				if size[0] <= 128 {
					limit = 3.0
				}
				if mean > limit {
					t.Errorf("mean abs difference from draw.CatmullRom = %.2f levels (worst %d), want <= %.1f", mean, worst, limit)
				}
			})
		}
	}
}

// TestOrientation encodes, for every EXIF orientation, the stored form of a
// 64x32 display image with four coloured quadrants, and checks that the
// output shows the display image.
func TestOrientation(t *testing.T) {
	red, green, blue, white := [3]int{255, 0, 0}, [3]int{0, 255, 0}, [3]int{0, 0, 255}, [3]int{255, 255, 255}
	// Display image: TL red, TR green, BL blue, BR white. For each orientation,
	// the stored image's quadrants TL, TR, BL, BR (from the EXIF definitions:
	// e.g. 6 = "row 0 is the visual right side, column 0 the visual top", so
	// the stored image is the display rotated 90 degrees counter-clockwise).
	// ImageMagick's -auto-orient agrees with this table.
	tests := []struct {
		orientation int
		stored      [4][3]int
		swapped     bool
	}{
		{1, [4][3]int{red, green, blue, white}, false},
		{2, [4][3]int{green, red, white, blue}, false},
		{3, [4][3]int{white, blue, green, red}, false},
		{4, [4][3]int{blue, white, red, green}, false},
		{5, [4][3]int{red, blue, green, white}, true},
		{6, [4][3]int{green, white, red, blue}, true},
		{7, [4][3]int{white, green, blue, red}, true},
		{8, [4][3]int{blue, red, white, green}, true},
	}
	p := &Processor{Renditions: []Rendition{
		{Name: "same", MaxWidth: 64, MaxHeight: 64, Format: FormatPNG},
		{Name: "half", MaxWidth: 32, MaxHeight: 32, Format: FormatJPEG, Quality: 95},
	}}
	for _, tt := range tests {
		for _, big := range []bool{false, true} {
			t.Run(fmt.Sprintf("%d/bigEndian=%v", tt.orientation, big), func(t *testing.T) {
				sw, sh := 64, 32
				if tt.swapped {
					sw, sh = 32, 64
				}
				stored := image.NewRGBA(image.Rect(0, 0, sw, sh))
				for q, c := range tt.stored {
					r := image.Rect((q%2)*sw/2, (q/2)*sh/2, (q%2+1)*sw/2, (q/2+1)*sh/2)
					draw.Draw(stored, r, image.NewUniform(color.RGBA{uint8(c[0]), uint8(c[1]), uint8(c[2]), 255}), image.Point{}, draw.Src)
				}
				data := testimage.WithOrientation(testimage.JPEG(stored, 100), tt.orientation, big)
				if got := jpegOrientation(data); got != tt.orientation {
					t.Fatalf("jpegOrientation = %d, want %d", got, tt.orientation)
				}
				for _, o := range mustProcess(t, p, data) {
					img, _ := decodeOut(t, o)
					w, h := img.Bounds().Dx(), img.Bounds().Dy()
					if w != 2*h {
						t.Fatalf("%s: output %dx%d, want a 2:1 landscape image", o.Rendition.Name, w, h)
					}
					for q, want := range [4][3]int{red, green, blue, white} {
						got := rgbAt(img, (q%2)*w/2+w/4, (q/2)*h/2+h/4)
						if !near(got, want, 40) {
							t.Errorf("%s: quadrant %d is %v, want %v", o.Rendition.Name, q, got, want)
						}
					}
				}
			})
		}
	}
}

func near(a, b [3]int, tol int) bool {
	for i := range a {
		if d := a[i] - b[i]; d > tol || d < -tol {
			return false
		}
	}
	return true
}

func TestJPEGOrientationMalformed(t *testing.T) {
	base := testimage.JPEG(testimage.Solid(8, 8, color.RGBA{1, 2, 3, 255}), 90)
	tests := map[string][]byte{
		"no exif":           base,
		"empty":             nil,
		"not jpeg":          []byte("hello world"),
		"value 9":           testimage.WithOrientation(base, 9, true),
		"truncated segment": testimage.WithOrientation(base, 6, true)[:30],
	}
	for name, data := range tests {
		if got := jpegOrientation(data); got != 1 {
			t.Errorf("%s: jpegOrientation = %d, want 1", name, got)
		}
	}
}

// differing returns the bounding box of pixels that differ by more than tol.
func differing(a, b image.Image, tol int) (image.Rectangle, int) {
	var box image.Rectangle
	n := 0
	r := a.Bounds()
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			if !near(rgbAt(a, x, y), rgbAt(b, x, y), tol) {
				box = box.Union(image.Rect(x, y, x+1, y+1))
				n++
			}
		}
	}
	return box, n
}

func TestWatermark(t *testing.T) {
	src := testimage.JPEG(testimage.Solid(800, 600, color.RGBA{90, 120, 150, 255}), 95)
	rend := []Rendition{{Name: "m", MaxWidth: 400, MaxHeight: 400, Format: FormatPNG}}
	plain := mustProcess(t, &Processor{Renditions: rend}, src)[0]
	plainImg, _ := decodeOut(t, plain)
	W, H := 400, 300
	logo := testimage.Solid(60, 40, color.RGBA{255, 0, 255, 255})
	regions := map[string]image.Rectangle{
		TopLeft:     image.Rect(0, 0, W/2, H/2),
		TopRight:    image.Rect(W/2, 0, W, H/2),
		BottomLeft:  image.Rect(0, H/2, W/2, H),
		BottomRight: image.Rect(W/2, H/2, W, H),
		Center:      image.Rect(W/4, H/4, 3*W/4, 3*H/4),
	}
	for _, kind := range []string{"text", "image"} {
		for pos, region := range regions {
			t.Run(kind+"/"+pos, func(t *testing.T) {
				wm := &Watermark{Position: pos, Opacity: 0.8}
				if kind == "text" {
					wm.Text = "gureum"
				} else {
					wm.Image = logo
				}
				out := mustProcess(t, &Processor{Renditions: rend, Watermark: wm}, src)[0]
				img, _ := decodeOut(t, out)
				box, n := differing(img, plainImg, 2)
				if n < 50 {
					t.Fatalf("only %d pixels changed by the watermark", n)
				}
				if !box.In(region) {
					t.Errorf("watermark pixels span %v, want within %v", box, region)
				}
				if kind == "image" {
					// 80% magenta over the background, at the box centre.
					c := box.Min.Add(box.Size().Div(2))
					got := rgbAt(img, c.X, c.Y)
					want := [3]int{int(0.8*255 + 0.2*90), int(0.2 * 120), int(0.8*255 + 0.2*150)}
					if !near(got, want, 3) {
						t.Errorf("watermark pixel %v, want %v (opacity 0.8)", got, want)
					}
				}
			})
		}
	}
}

// dqtDC returns the DC entry of the first quantisation table of a JPEG.
func dqtDC(t *testing.T, data []byte) int {
	t.Helper()
	i := bytes.Index(data, []byte{0xFF, 0xDB})
	if i < 0 || i+5 >= len(data) {
		t.Fatal("no DQT segment")
	}
	return int(data[i+5])
}

func TestFormatAndQuality(t *testing.T) {
	src := testimage.JPEG(testimage.Photo(640, 480), 95)
	p := &Processor{Renditions: []Rendition{
		{Name: "q30", MaxWidth: 320, Format: FormatJPEG, Quality: 30},
		{Name: "q82", MaxWidth: 320, Format: FormatJPEG, Quality: 82},
		{Name: "q95", MaxWidth: 320, Format: FormatJPEG, Quality: 95},
		{Name: "png", MaxWidth: 320, Format: FormatPNG},
	}}
	outs := mustProcess(t, p, src)
	for _, o := range outs {
		_, format := decodeOut(t, o)
		if want := map[string]string{FormatJPEG: "jpeg", FormatPNG: "png"}[o.Rendition.Format]; format != want {
			t.Errorf("%s: format %q, want %q", o.Rendition.Name, format, want)
		}
		if o.Rendition.Format != FormatJPEG {
			continue
		}
		// IJG scaling of the standard luminance DC quantiser (16).
		q := o.Rendition.Quality
		scale := 200 - 2*q
		if q < 50 {
			scale = 5000 / q
		}
		want := min(max((16*scale+50)/100, 1), 255)
		if got := dqtDC(t, o.Data); got != want {
			t.Errorf("%s: DC quantiser %d, want %d for quality %d", o.Rendition.Name, got, want, q)
		}
	}
	if !(len(outs[0].Data) < len(outs[1].Data) && len(outs[1].Data) < len(outs[2].Data)) {
		t.Errorf("sizes at quality 30/82/95 = %d/%d/%d, want increasing", len(outs[0].Data), len(outs[1].Data), len(outs[2].Data))
	}
}

func TestTransparentInput(t *testing.T) {
	// A PNG with a transparent left half: JPEG output is flattened onto
	// white, PNG output keeps the alpha.
	m := image.NewNRGBA(image.Rect(0, 0, 200, 100))
	draw.Draw(m, image.Rect(100, 0, 200, 100), image.NewUniform(color.NRGBA{0, 0, 200, 255}), image.Point{}, draw.Src)
	var buf bytes.Buffer
	if err := png.Encode(&buf, m); err != nil {
		t.Fatal(err)
	}
	p := &Processor{Renditions: []Rendition{
		{Name: "j", MaxWidth: 100, Format: FormatJPEG, Quality: 90},
		{Name: "p", MaxWidth: 100, Format: FormatPNG},
	}}
	outs := mustProcess(t, p, buf.Bytes())
	j, _ := decodeOut(t, outs[0])
	if got := rgbAt(j, 10, 25); !near(got, [3]int{255, 255, 255}, 6) {
		t.Errorf("JPEG transparent area = %v, want white", got)
	}
	pi, _ := decodeOut(t, outs[1])
	if _, _, _, a := pi.At(10, 25).RGBA(); a != 0 {
		t.Errorf("PNG transparent area alpha = %d, want 0", a>>8)
	}
	if got := rgbAt(pi, 90, 25); !near(got, [3]int{0, 0, 200}, 2) {
		t.Errorf("PNG opaque area = %v, want blue", got)
	}
}

func TestGIFAndWebPInput(t *testing.T) {
	pal := image.NewPaletted(image.Rect(0, 0, 120, 60), color.Palette{color.RGBA{255, 0, 0, 255}, color.RGBA{0, 0, 255, 255}})
	for i := range pal.Pix {
		if i%120 >= 60 {
			pal.Pix[i] = 1
		}
	}
	var g bytes.Buffer
	if err := gif.Encode(&g, pal, nil); err != nil {
		t.Fatal(err)
	}
	// testdata/halves.webp: 64x48 lossy WebP, red left half, blue right half (see testdata/README).
	webp, err := os.ReadFile("testdata/halves.webp")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name          string
		data          []byte
		format        string
		w, h          int
		left, right   [3]int
		leftX, rightX int
	}{
		{"gif", g.Bytes(), "gif", 60, 30, [3]int{255, 0, 0}, [3]int{0, 0, 255}, 5, 55},
		{"webp", webp, "webp", 32, 24, [3]int{255, 0, 0}, [3]int{0, 0, 255}, 2, 29},
	}
	p := &Processor{Renditions: []Rendition{{Name: "half", MaxWidth: 60, MaxHeight: 30, Format: FormatPNG}}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p.Renditions[0].MaxWidth, p.Renditions[0].MaxHeight = tt.w, tt.h
			outs, info, err := p.Process(tt.data)
			if err != nil {
				t.Fatal(err)
			}
			if info.Format != tt.format {
				t.Errorf("format %q, want %q", info.Format, tt.format)
			}
			img, _ := decodeOut(t, outs[0])
			if b := img.Bounds(); b.Dx() != tt.w || b.Dy() != tt.h {
				t.Errorf("output %dx%d, want %dx%d", b.Dx(), b.Dy(), tt.w, tt.h)
			}
			if got := rgbAt(img, tt.leftX, tt.h/2); !near(got, tt.left, 40) {
				t.Errorf("left pixel %v, want %v", got, tt.left)
			}
			if got := rgbAt(img, tt.rightX, tt.h/2); !near(got, tt.right, 40) {
				t.Errorf("right pixel %v, want %v", got, tt.right)
			}
		})
	}
}

func TestBadInput(t *testing.T) {
	good := testimage.JPEG(testimage.Photo(400, 300), 90)
	tests := []struct {
		name   string
		data   []byte
		reason string
	}{
		{"empty", nil, "empty object"},
		{"text", []byte("this is not an image, just some text\n"), "unsupported or unrecognised image format"},
		{"bmp", append([]byte("BM"), make([]byte, 64)...), "unsupported or unrecognised image format"},
		{"truncated jpeg", good[:len(good)/2], "corrupt or truncated jpeg"},
		{"jpeg header only", good[:200], "jpeg"},
		{"bomb png", testimage.PNGHeader(100000, 100000), "decompression bomb: png header declares 100000x100000"},
		{"bomb png just over", testimage.PNGHeader(10001, 5000), "decompression bomb"},
	}
	p := &Processor{Renditions: DefaultRenditions(), MaxPixels: 50_000_000}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			outs, _, err := p.Process(tt.data)
			runtime.ReadMemStats(&after)
			var ie *InputError
			if !errors.As(err, &ie) {
				t.Fatalf("Process error = %v (outputs %d), want an *InputError", err, len(outs))
			}
			if !strings.Contains(ie.Reason, tt.reason) {
				t.Errorf("reason %q, want it to contain %q", ie.Reason, tt.reason)
			}
			if alloc := after.TotalAlloc - before.TotalAlloc; strings.HasPrefix(tt.name, "bomb") && alloc > 1<<20 {
				t.Errorf("rejecting a bomb allocated %d bytes; the header check must come first", alloc)
			}
		})
	}
}

func TestDeterministic(t *testing.T) {
	src := testimage.JPEG(testimage.Photo(1200, 900), 90)
	p := &Processor{
		Renditions: append(DefaultRenditions(), Rendition{Name: "p", MaxWidth: 300, Format: FormatPNG}),
		Watermark:  &Watermark{Text: "gureum", Position: Center, Opacity: 0.5},
	}
	a := mustProcess(t, p, src)
	b := mustProcess(t, p, bytes.Clone(src))
	for i := range a {
		if !bytes.Equal(a[i].Data, b[i].Data) {
			t.Errorf("%s: two runs gave different bytes (%d vs %d)", a[i].Rendition.Name, len(a[i].Data), len(b[i].Data))
		}
	}
}

func TestFitSize(t *testing.T) {
	tests := []struct{ w, h, mw, mh, ww, wh int }{
		{1000, 500, 256, 256, 256, 128},
		{500, 1000, 256, 256, 128, 256},
		{100, 50, 256, 256, 100, 50},
		{1000, 10, 100, 100, 100, 1},
		{1000, 999, 0, 100, 100, 100},
		{1000, 999, 100, 0, 100, 100},
	}
	for _, tt := range tests {
		if w, h := FitSize(tt.w, tt.h, tt.mw, tt.mh); w != tt.ww || h != tt.wh {
			t.Errorf("FitSize(%d, %d, %d, %d) = %dx%d, want %dx%d", tt.w, tt.h, tt.mw, tt.mh, w, h, tt.ww, tt.wh)
		}
	}
}

// TestCascadeMatchesDirect checks that a thumbnail resized from a larger
// rendition (as Process does when one is at least 3x larger) matches one
// resized from the source.
func TestCascadeMatchesDirect(t *testing.T) {
	src := testimage.JPEG(testimage.Photo(3000, 2000), 92)
	thumb := Rendition{Name: "thumb", MaxWidth: 256, MaxHeight: 256, Format: FormatPNG}
	both := mustProcess(t, &Processor{Renditions: []Rendition{thumb, {Name: "big", MaxWidth: 1024, Format: FormatPNG}}}, src)
	alone := mustProcess(t, &Processor{Renditions: []Rendition{thumb}}, src)
	a, _ := decodeOut(t, both[0])
	b, _ := decodeOut(t, alone[0])
	if a.Bounds() != b.Bounds() {
		t.Fatalf("sizes differ: %v vs %v", a.Bounds(), b.Bounds())
	}
	var sum, n int
	for y := 0; y < a.Bounds().Dy(); y++ {
		for x := 0; x < a.Bounds().Dx(); x++ {
			p, q := rgbAt(a, x, y), rgbAt(b, x, y)
			for c := range p {
				sum += max(p[c]-q[c], q[c]-p[c])
				n++
			}
		}
	}
	mean := float64(sum) / float64(n)
	t.Logf("mean difference %.3f levels", mean)
	if mean > 2 {
		t.Errorf("cascaded thumbnail differs from the direct one by %.2f levels on average, want <= 2", mean)
	}
}
