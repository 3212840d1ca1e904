package imagepipeline_test

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/gureum-cdk/gureum/constructs/alarmtopic"
	"github.com/gureum-cdk/gureum/constructs/imagepipeline"
)

// An image pipeline with two renditions, a text watermark and alarms sent
// to an encrypted topic. (Compiled, not run: it needs the module root as
// the working directory to find the handler.)
func Example() {
	app := awscdk.NewApp(nil)
	stack := awscdk.NewStack(app, jsii.String("Images"), nil)
	topic := alarmtopic.New(stack, "Alarms", nil)
	images := imagepipeline.New(stack, "Images", &imagepipeline.Props{
		Renditions: []imagepipeline.Rendition{
			{Name: "thumb", MaxWidth: 256, MaxHeight: 256},
			{Name: "web", MaxWidth: 1280, MaxHeight: 1280, Quality: 85},
		},
		Watermark: &imagepipeline.Watermark{Text: "© gureum", Opacity: 0.4},
		Alarms:    imagepipeline.Alarms{Topic: topic.Topic},
	})
	awscdk.NewCfnOutput(stack, jsii.String("Uploads"), &awscdk.CfnOutputProps{Value: images.UploadBucket.BucketName()})
	app.Synth(nil)
}
