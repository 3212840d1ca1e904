//go:build unix

// Command gorun times imageproc.Processor.Process on JPEG files and prints,
// per file, the CPU and wall time per image and the output sizes, as
// tab-separated values. bench/compare.sh runs it with GOMAXPROCS=1.
//
//	gorun -n 5 -renditions '[{"name":"thumb","maxWidth":256,"maxHeight":256,"quality":82}]' a.jpg b.jpg
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/gureum-cdk/gureum/functions/imageproc"
)

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		log.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func main() {
	n := flag.Int("n", 5, "timed runs per file (after one warm-up run)")
	rj := flag.String("renditions", "", "renditions as in RENDITIONS (default: imageproc.DefaultRenditions)")
	out := flag.String("out", "", "directory to write the last run's outputs into (optional)")
	flag.Parse()
	cfg := imageproc.Config{OutputBucket: "bench", Renditions: imageproc.DefaultRenditions()}
	if *rj != "" {
		cfg.Renditions = nil
		if err := json.Unmarshal([]byte(*rj), &cfg.Renditions); err != nil {
			log.Fatalf("-renditions: %v", err)
		}
	}
	if err := cfg.Validate(); err != nil {
		log.Fatal(err)
	}
	p := &imageproc.Processor{Renditions: cfg.Renditions}
	fmt.Println("file\tcpu_ms\twall_ms\toutputs")
	for _, f := range flag.Args() {
		data, err := os.ReadFile(f)
		if err != nil {
			log.Fatal(err)
		}
		outs, _, err := p.Process(data) // warm-up
		if err != nil {
			log.Fatalf("%s: %v", f, err)
		}
		c0, t0 := cpuTime(), time.Now()
		for i := 0; i < *n; i++ {
			if outs, _, err = p.Process(data); err != nil {
				log.Fatal(err)
			}
		}
		cpu, wall := cpuTime()-c0, time.Since(t0)
		var sizes []string
		for _, o := range outs {
			sizes = append(sizes, fmt.Sprintf("%s=%dx%d", o.Rendition.Name, o.Width, o.Height))
			if *out != "" {
				name := strings.TrimSuffix(filepath.Base(f), filepath.Ext(f)) + "-" + o.Rendition.Name + "." + o.Rendition.Ext()
				if err := os.WriteFile(filepath.Join(*out, name), o.Data, 0o644); err != nil {
					log.Fatal(err)
				}
			}
		}
		fmt.Printf("%s\t%.1f\t%.1f\t%s\n", filepath.Base(f),
			float64(cpu.Microseconds())/1000/float64(*n), float64(wall.Microseconds())/1000/float64(*n), strings.Join(sizes, ","))
	}
}
