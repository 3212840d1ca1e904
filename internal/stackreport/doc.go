// Package stackreport summarises the stacks of a cloud assembly against
// CloudFormation's quotas (resources per stack, template size, outputs,
// parameters, mappings) and counts the cdk-nag findings the synthesis wrote
// (*-NagReport.csv files in the assembly directory).
//
//	a, _ := assembly.Load("cdk.out")
//	r, err := stackreport.Build(a)
//	stackreport.WriteText(os.Stdout, r)
package stackreport
