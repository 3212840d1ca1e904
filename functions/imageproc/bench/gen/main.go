// Command gen writes the photo-like JPEGs that bench/compare.sh times
// (1, 6, 12 and 24 megapixels, quality 90) into a directory.
//
//	go run ./functions/imageproc/bench/gen -out /tmp/imageproc-bench
package main

import (
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/gureum-cdk/gureum/functions/imageproc/internal/testimage"
)

var sizes = []struct {
	name string
	w, h int
}{
	{"1MP", 1224, 816},
	{"6MP", 3000, 2000},
	{"12MP", 4242, 2828},
	{"24MP", 6000, 4000},
}

func main() {
	out := flag.String("out", "imageproc-bench", "directory to write the images into")
	quality := flag.Int("quality", 90, "JPEG quality of the generated images")
	flag.Parse()
	if err := os.MkdirAll(*out, 0o755); err != nil {
		log.Fatal(err)
	}
	for _, s := range sizes {
		p := filepath.Join(*out, s.name+".jpg")
		if err := os.WriteFile(p, testimage.JPEG(testimage.Photo(s.w, s.h), *quality), 0o644); err != nil {
			log.Fatal(err)
		}
		fmt.Printf("%s\t%dx%d\n", p, s.w, s.h)
	}
}
