package crawler

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"
)

func awscdkDays(n float64) awscdk.Duration { return awscdk.Duration_Days(jsii.Number(n)) }
