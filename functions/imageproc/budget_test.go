package imageproc

import (
	"bytes"
	"errors"
	"image"
	"image/gif"
	"os"
	"runtime"
	"strings"
	"testing"

	"github.com/gureum-cdk/gureum/functions/imageproc/internal/testimage"
	"github.com/gureum-cdk/gureum/functions/internal/boot"
)

// memoryKind is one kind of input whose decoded form costs a different
// number of bytes per pixel.
type memoryKind struct {
	name string
	gen  func(w, h int) []byte
}

var memoryKinds = []memoryKind{
	{"baseline-420-jpeg", func(w, h int) []byte { return testimage.JPEG(testimage.Photo(w, h), 90) }},
	{"progressive-420-jpeg", func(w, h int) []byte {
		return testimage.BlockJPEG(w, h, testimage.JPEGKind{Components: 3, Subsample420: true, Progressive: true})
	}},
	{"progressive-444-jpeg", func(w, h int) []byte {
		return testimage.BlockJPEG(w, h, testimage.JPEGKind{Components: 3, Progressive: true})
	}},
	{"grey-jpeg", func(w, h int) []byte { return testimage.BlockJPEG(w, h, testimage.JPEGKind{Components: 1}) }},
	{"cmyk-jpeg", func(w, h int) []byte { return testimage.BlockJPEG(w, h, testimage.JPEGKind{Components: 4}) }},
	{"progressive-cmyk-jpeg", func(w, h int) []byte {
		return testimage.BlockJPEG(w, h, testimage.JPEGKind{Components: 4, Progressive: true})
	}},
	{"8bit-rgb-png", func(w, h int) []byte { return testimage.GradientPNG(w, h, testimage.PNGKind{ColorType: 2, Depth: 8}) }},
	{"16bit-grey-png", func(w, h int) []byte { return testimage.GradientPNG(w, h, testimage.PNGKind{ColorType: 0, Depth: 16}) }},
	{"16bit-rgb-png", func(w, h int) []byte { return testimage.GradientPNG(w, h, testimage.PNGKind{ColorType: 2, Depth: 16}) }},
	{"interlaced-8bit-rgba-png", func(w, h int) []byte {
		return testimage.GradientPNG(w, h, testimage.PNGKind{ColorType: 6, Depth: 8, Interlaced: true})
	}},
	{"interlaced-16bit-rgb-png", func(w, h int) []byte {
		return testimage.GradientPNG(w, h, testimage.PNGKind{ColorType: 2, Depth: 16, Interlaced: true})
	}},
	{"gif", func(w, h int) []byte {
		var b bytes.Buffer
		if err := gif.Encode(&b, testimage.Photo(w, h), nil); err != nil {
			panic(err)
		}
		return b.Bytes()
	}},
}

// decodeAllocs returns the bytes the runtime counts as allocated while
// image.Decode decodes data.
func decodeAllocs(t testing.TB, data []byte) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	m, _, err := image.Decode(bytes.NewReader(data))
	runtime.ReadMemStats(&after)
	if err != nil {
		t.Fatal(err)
	}
	runtime.KeepAlive(m)
	return after.TotalAlloc - before.TotalAlloc
}

// TestMemoryEstimateMatchesDecoders checks the header-only estimate of
// decoding memory against the oracle of what the decoders really allocate,
// as the runtime counts it, for every kind of input: 16-bit and interlaced
// PNGs and progressive and CMYK JPEGs cost several times an 8-bit image.
func TestMemoryEstimateMatchesDecoders(t *testing.T) {
	const w, h = 1024, 768
	kinds := append(memoryKinds, memoryKind{"lossy-webp", func(int, int) []byte {
		b, err := os.ReadFile("testdata/halves.webp")
		if err != nil {
			t.Fatal(err)
		}
		return b
	}})
	for _, k := range kinds {
		t.Run(k.name, func(t *testing.T) {
			data := k.gen(w, h)
			cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
			if err != nil {
				t.Fatal(err)
			}
			est := estimateMemory(data, cfg, format, 1, nil)
			got := decodeAllocs(t, data)
			t.Logf("%s: estimate %d B (%.2f B/px), decoder allocated %d B (%.2f B/px)", est.kind, est.decode,
				est.bytesPerPixel(cfg.Width, cfg.Height), got, float64(got)/float64(cfg.Width*cfg.Height))
			// Within 5% below and 10% above, give or take the decoders'
			// fixed 64 KiB of tables and buffers.
			if lo, hi := float64(got)*0.95-64<<10, float64(got)*1.1+64<<10; float64(est.decode) < lo || float64(est.decode) > hi {
				t.Errorf("estimate %d bytes, decoder allocated %d", est.decode, got)
			}
		})
	}
}

// TestMemoryBudgetRejectsBeforeDecoding uploads the inputs that took a
// 2048 MB function to 76% of its memory: a 7000x7000 progressive CMYK JPEG
// (24 bytes per pixel decoded, under 2 MB encoded) and a 7000x7000
// interlaced 16-bit PNG (16 bytes per pixel with its passes). Under the
// budget a 2048 MB function gets (half its 1843 MiB Go memory limit) the JPEG
// is rejected; under a 1024 MB function's, both are. A rejection must come
// from the header: the runtime must see no decoded-size allocation.
func TestMemoryBudgetRejectsBeforeDecoding(t *testing.T) {
	cmyk := testimage.BlockJPEG(7000, 7000, testimage.JPEGKind{Components: 4, Progressive: true})
	png16 := testimage.GradientPNG(7000, 7000, testimage.PNGKind{ColorType: 2, Depth: 16, Interlaced: true})
	budget := func(memoryMB int64) int64 { return ImageMemoryBudget(boot.LambdaMemoryLimit(memoryMB)) }
	tests := []struct {
		name     string
		data     []byte
		memoryMB int64
		reason   string // "" for accepted
	}{
		{"progressive CMYK JPEG, 2048 MB", cmyk, 2048,
			"too much memory: 4-component (CMYK) progressive JPEG 7000x7000 needs an estimated 1155 MiB to decode and render (24.0 bytes/pixel decoded), more than the image memory budget of 922 MiB"},
		{"progressive CMYK JPEG, 1024 MB", cmyk, 1024, "(24.0 bytes/pixel decoded), more than the image memory budget of 461 MiB"},
		{"interlaced 16-bit PNG, 1024 MB", png16, 1024,
			"too much memory: interlaced 16-bit RGB PNG 7000x7000 needs an estimated 781 MiB to decode and render (16.0 bytes/pixel decoded), more than the image memory budget of 461 MiB"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := &Processor{Renditions: DefaultRenditions(), MaxPixels: 50_000_000, MaxImageMemory: budget(tt.memoryMB)}
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			_, info, err := p.Process(tt.data)
			runtime.ReadMemStats(&after)
			var ie *InputError
			if !errors.As(err, &ie) {
				t.Fatalf("Process = %v, want a rejection", err)
			}
			if !strings.Contains(ie.Reason, tt.reason) {
				t.Errorf("reason %q\nwant it to contain %q", ie.Reason, tt.reason)
			}
			if info.Width != 7000 || info.Height != 7000 {
				t.Errorf("info %+v", info)
			}
			if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 16<<20 {
				t.Errorf("rejecting allocated %d MiB: the image was decoded", alloc>>20)
			}
		})
	}
}

// TestRowConvertersMatchColorPackage checks the allocation-free row
// converters for the decoders' 16-bit and CMYK images against the oracle of
// image/color's own conversions, on every combination of extreme and random
// samples.
func TestRowConvertersMatchColorPackage(t *testing.T) {
	const w, h = 67, 5
	r := image.Rect(3, 2, 3+w, 2+h)
	seed := uint32(7)
	next := func() uint8 {
		seed ^= seed << 13
		seed ^= seed >> 17
		seed ^= seed << 5
		switch seed % 5 {
		case 0:
			return 0
		case 1:
			return 255
		}
		return uint8(seed >> 8)
	}
	images := []image.Image{image.NewGray16(r), image.NewRGBA64(r), image.NewNRGBA64(r), image.NewCMYK(r)}
	for _, m := range images {
		var pix []uint8
		switch m := m.(type) {
		case *image.Gray16:
			pix = m.Pix
		case *image.RGBA64:
			pix = m.Pix
		case *image.NRGBA64:
			pix = m.Pix
		case *image.CMYK:
			pix = m.Pix
		}
		for i := range pix {
			pix[i] = next()
		}
		if m, ok := m.(*image.RGBA64); ok { // premultiplied: colour <= alpha
			for i := 0; i < len(m.Pix); i += 8 {
				for c := 0; c < 6; c += 2 {
					if m.Pix[i+c] > m.Pix[i+6] {
						m.Pix[i+c], m.Pix[i+c+1] = m.Pix[i+6], m.Pix[i+7]
					}
				}
			}
		}
		fast, slow := rgbaRowConverter(m), genericRowConverter(m)
		got, want := make([]uint8, 4*w), make([]uint8, 4*w)
		for y := r.Min.Y; y < r.Max.Y; y++ {
			fast(y, got)
			slow(y, want)
			if !bytes.Equal(got, want) {
				t.Fatalf("%T row %d:\n got %v\nwant %v", m, y, got, want)
			}
		}
	}
}
