package imageproc_test

import (
	"fmt"

	"github.com/gureum-cdk/gureum/functions/imageproc"
	"github.com/gureum-cdk/gureum/functions/imageproc/internal/testimage"
)

func ExampleProcessor_Process() {
	photo := testimage.JPEG(testimage.Photo(3000, 2000), 90)
	p := &imageproc.Processor{
		Renditions: imageproc.DefaultRenditions(),
		Watermark:  &imageproc.Watermark{Text: "gureum", Position: imageproc.BottomRight, Opacity: 0.5},
	}
	outs, info, err := p.Process(photo)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(info.Format, info.Width, info.Height)
	for _, o := range outs {
		fmt.Printf("%s: %dx%d %s\n", o.Rendition.Name, o.Width, o.Height, o.Rendition.ContentType())
	}
	// Output:
	// jpeg 3000 2000
	// thumb: 256x171 image/jpeg
	// medium: 1024x683 image/jpeg
}
