// Package stacks composes gureum's constructs into the reference stacks, one
// file per session of the cloud-computing day they mirror.
package stacks

import (
	"path/filepath"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

// Options configure every reference stack.
type Options struct {
	// Root is the project directory that holds functions/. Default: ".".
	Root string
	// Env pins the stacks to an account and region. Default: nil
	// (environment-agnostic).
	Env *awscdk.Environment
}

// entry returns the directory of a handler under functions/.
func (o Options) entry(parts ...string) string {
	root := o.Root
	if root == "" {
		root = "."
	}
	return filepath.Join(append([]string{root, "functions"}, parts...)...)
}

func (o Options) stackProps(description string) *awscdk.StackProps {
	return &awscdk.StackProps{Env: o.Env, Description: jsii.String(description)}
}

// Reference is one reference stack: its stack id and how to build it.
type Reference struct {
	ID    string
	Build func(scope constructs.Construct, id string, o Options) awscdk.Stack
}

// References lists every reference stack, in the order of the sessions.
var References = []Reference{
	{ID: "GureumVoting", Build: NewVotingStack},
	{ID: "GureumImages", Build: NewImagesStack},
	{ID: "GureumGameEvents", Build: NewGameEventsStack},
	{ID: "GureumCrawler", Build: NewCrawlerStack},
	{ID: "GureumHPC", Build: NewHPCStack},
	{ID: "GureumWebDeploy", Build: NewWebDeployStack},
	ScalingReferences[0], ScalingReferences[1], ScalingReferences[2], ScalingReferences[3], ScalingReferences[4], ScalingReferences[5],
	{ID: "GureumDataLake", Build: NewDataLakeStack},
}

// All adds every reference stack to app.
func All(app awscdk.App, o Options) []awscdk.Stack {
	out := make([]awscdk.Stack, 0, len(References))
	for _, r := range References {
		out = append(out, r.Build(app, r.ID, o))
	}
	return out
}

// ApplyNag runs cdk-nag's AwsSolutions rule pack on everything under scope,
// writing a CSV report per stack into the assembly.
func ApplyNag(scope constructs.IConstruct) {
	awscdk.Aspects_Of(scope).Add(cdknag.NewAwsSolutionsChecks(&cdknag.NagPackProps{
		Verbose: jsii.Bool(true),
		Reports: jsii.Bool(true),
	}), nil)
}
