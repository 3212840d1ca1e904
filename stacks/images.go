package stacks

// Session 1, scenario 2: image processing on upload. A game studio's in-game
// photos took 3-4 hours to process on servers; processed the moment each one
// lands, in parallel, the same work takes 15 seconds:
//
//	player ─▶ S3 uploads/ ─(object created)─▶ SQS ─▶ Lambda (Go, ≤50 at once) ─▶ S3 renditions/{thumb,web}/
//	                                           └─▶ dead-letter queue ─▶ alarm ─▶ SNS
//
// Every photo gets a 256 px thumbnail and a 1280 px web image, both JPEG and
// watermarked with the studio's name: uploads/p/IMG_0001.JPG becomes
// renditions/thumb/uploads/p/IMG_0001.JPG.jpg. A rejected upload (not an
// image, truncated, a decompression bomb) raises the rejections alarm.

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/gureum-cdk/gureum/constructs/alarmtopic"
	"github.com/gureum-cdk/gureum/constructs/imagepipeline"
)

// NewImagesStack builds the image pipeline.
func NewImagesStack(scope constructs.Construct, id string, o Options) awscdk.Stack {
	stack := awscdk.NewStack(scope, jsii.String(id), o.stackProps("gureum: image renditions on upload (S3, SQS, Lambda)"))

	topic := alarmtopic.New(stack, "Alarms", nil)
	images := imagepipeline.New(stack, "Images", &imagepipeline.Props{
		Entry: o.entry("imageproc", "lambda"),
		Renditions: []imagepipeline.Rendition{
			{Name: "thumb", MaxWidth: 256, MaxHeight: 256, Format: imagepipeline.JPEG, Quality: 80},
			{Name: "web", MaxWidth: 1280, MaxHeight: 1280, Format: imagepipeline.JPEG, Quality: 85},
		},
		Watermark: &imagepipeline.Watermark{Text: "gureum games", Position: imagepipeline.BottomRight, Opacity: 0.4},
		Alarms:    imagepipeline.Alarms{Topic: topic.Topic},
	})

	awscdk.NewCfnOutput(stack, jsii.String("UploadBucket"), &awscdk.CfnOutputProps{
		Value: images.UploadBucket.BucketName(), Description: jsii.String("Upload photos under uploads/ (.jpg, .jpeg, .png, .gif, .webp, in lower or upper case)"),
	})
	awscdk.NewCfnOutput(stack, jsii.String("OutputBucket"), &awscdk.CfnOutputProps{
		Value: images.OutputBucket.BucketName(), Description: jsii.String("Renditions under renditions/thumb/ and renditions/web/"),
	})
	awscdk.NewCfnOutput(stack, jsii.String("DeadLetterQueue"), &awscdk.CfnOutputProps{Value: images.DeadLetterQueue.QueueUrl()})
	return stack
}
