package imageproc

import (
	"bytes"
	"fmt"
	"image"
	"runtime"
	"runtime/metrics"
	"sync"
	"testing"
	"time"

	"github.com/gureum-cdk/gureum/functions/imageproc/internal/testimage"
)

// benchSizes are the photo sizes of BenchmarkProcess, the same as bench/gen:
// 1, 6, 12 and 24 megapixels at 3:2.
var benchSizes = []struct {
	Name string
	W, H int
}{
	{"1MP", 1224, 816},
	{"6MP", 3000, 2000},
	{"12MP", 4242, 2828},
	{"24MP", 6000, 4000},
}

var benchImages sync.Map // name -> []byte

func benchJPEG(name string, w, h int) []byte {
	if v, ok := benchImages.Load(name); ok {
		return v.([]byte)
	}
	data := testimage.JPEG(testimage.Photo(w, h), 90)
	benchImages.Store(name, data)
	return data
}

// peakHeap samples the live heap every millisecond until stop is closed and
// returns the largest value seen.
func peakHeap(stop <-chan struct{}) <-chan uint64 {
	out := make(chan uint64, 1)
	go func() {
		s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
		var peak uint64
		t := time.NewTicker(time.Millisecond)
		defer t.Stop()
		for {
			metrics.Read(s)
			peak = max(peak, s[0].Value.Uint64())
			select {
			case <-stop:
				out <- peak
				return
			case <-t.C:
			}
		}
	}()
	return out
}

// BenchmarkProcess produces the default renditions (256 px and 1024 px
// JPEG) from generated JPEG photos. Metrics: images/s and the peak live heap
// during the run (which includes the encoded source kept by the benchmark).
func BenchmarkProcess(b *testing.B) {
	p := &Processor{Renditions: DefaultRenditions()}
	for _, s := range benchSizes {
		b.Run(s.Name, func(b *testing.B) {
			data := benchJPEG(s.Name, s.W, s.H)
			runtime.GC()
			stop := make(chan struct{})
			peak := peakHeap(stop)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, _, err := p.Process(data); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			close(stop)
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "images/s")
			b.ReportMetric(float64(<-peak)/(1<<20), "peak-heap-MiB")
		})
	}
}

// BenchmarkStages splits BenchmarkProcess's time into decoding and the rest.
func BenchmarkStages(b *testing.B) {
	p := &Processor{Renditions: DefaultRenditions()}
	for _, s := range benchSizes {
		data := benchJPEG(s.Name, s.W, s.H)
		b.Run(fmt.Sprintf("decode/%s", s.Name), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				if _, _, err := p.decode(data); err != nil {
					b.Fatal(err)
				}
			}
		})
		img, _, _ := p.decode(data)
		b.Run(fmt.Sprintf("render/%s", s.Name), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				if _, err := p.render(img, 1); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkMemory processes one 12-megapixel image of each kind in
// memoryKinds (GIF aside: 1 byte per pixel, and slow to generate) into the
// default renditions, and reports the peak live heap during Process beside
// the estimate MaxImageMemory is checked against, and the decoded bytes per
// pixel. The inputs are generated, not checked in.
//
//	go test ./functions/imageproc -run '^$' -bench Memory -benchtime 1x
func BenchmarkMemory(b *testing.B) {
	const w, h = 4000, 3008
	p := &Processor{Renditions: DefaultRenditions(), MaxImageMemory: 4 << 30}
	for _, k := range memoryKinds {
		if k.name == "gif" {
			continue
		}
		b.Run(k.name, func(b *testing.B) {
			data := k.gen(w, h)
			cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
			if err != nil {
				b.Fatal(err)
			}
			est := estimateMemory(data, cfg, format, 1, p.Renditions)
			runtime.GC()
			stop := make(chan struct{})
			peak := peakHeap(stop)
			b.ResetTimer()
			for b.Loop() {
				if _, _, err := p.Process(data); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			close(stop)
			b.ReportMetric(float64(<-peak)/(1<<20), "peak-heap-MiB")
			b.ReportMetric(float64(est.total())/(1<<20), "estimate-MiB")
			b.ReportMetric(est.bytesPerPixel(w, h), "decoded-B/px")
			b.ReportMetric(float64(len(data))/(1<<10), "input-KiB")
		})
	}
}
