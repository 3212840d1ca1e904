package imagepipeline_test

import (
	"fmt"
	"sort"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/gureum-cdk/gureum/constructs/imagepipeline"
)

// An image pipeline with two renditions and a text watermark; gureum's own
// handler (DefaultEntry, an import path) builds from any app that requires
// gureum. imagepipeline.New(stack, "Images", nil) takes every default. The
// alarms notify the stack's shared alarm topic (images.AlarmTopic) unless
// Alarms.Topic names another.
func ExampleNew() {
	app := awscdk.NewApp(nil)
	stack := awscdk.NewStack(app, jsii.String("Photos"), nil)

	images := imagepipeline.New(stack, "Images", &imagepipeline.Props{
		Renditions: []imagepipeline.Rendition{
			{Name: "thumb", MaxWidth: 256, MaxHeight: 256},
			{Name: "web", MaxWidth: 1280, MaxHeight: 1280, Quality: 85},
		},
		Watermark: &imagepipeline.Watermark{Text: "© gureum", Opacity: 0.4},
	})
	awscdk.NewCfnOutput(stack, jsii.String("Uploads"), &awscdk.CfnOutputProps{Value: images.UploadBucket.BucketName()})
	app.Synth(nil)

	alarms := make([]string, 0, len(images.Alarms))
	for name := range images.Alarms {
		alarms = append(alarms, name)
	}
	sort.Strings(alarms)
	fmt.Println("alarms:", alarms, "to", *images.AlarmTopic.Node().Path())
	// Output:
	// alarms: [DeadLetters Errors OldestMessage Rejections] to Photos/GureumAlarmTopic/Topic
}
