// Package cfnspec answers, for a CloudFormation resource type, which property
// changes replace a resource and whether the type holds data.
//
// The answers come from a compact table generated from the AWS service
// specification that the AWS CDK itself uses (npm package
// @aws-cdk/aws-service-spec; see SourcePackage, SourceVersion, SourceDate).
// Regenerate it with:
//
//	go generate ./internal/cfnspec
//
//	t := cfnspec.Lookup("AWS::DynamoDB::Table")
//	t.Replacement("KeySchema") // cfnspec.Replace
//	t.Stateful                 // true
package cfnspec

//go:generate go run ./gen -version 0.1.216
