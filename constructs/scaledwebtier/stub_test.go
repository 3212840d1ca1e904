package scaledwebtier_test

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/jsii-runtime-go"
)

// awsec2VpcStub is an imported VPC for validation tests (nothing is made).
func awsec2VpcStub(stack awscdk.Stack) awsec2.IVpc {
	return awsec2.Vpc_FromVpcAttributes(stack, jsii.String("Existing"), &awsec2.VpcAttributes{
		VpcId:             jsii.String("vpc-12345678"),
		AvailabilityZones: jsii.Strings(primary+"a", primary+"b"),
	})
}
