// Package diagram draws the architecture of a CloudFormation stack, as read by
// package assembly, in Graphviz DOT or Mermaid.
//
// Resources are grouped by the construct that made them (the aws:cdk:path
// metadata: one cluster per construct), labelled with their construct name
// over their AWS service and type ("Handler" over "Lambda Function"), and
// joined by an edge wherever one resource refers to another through Ref,
// Fn::GetAtt or Fn::Sub. Nothing is said twice: a name that only repeats the
// type is left out ("Function" over "Lambda Function" is "Lambda Function"),
// and a type that repeats its service's words says them once
// (AWS::AutoScaling::AutoScalingGroup is "Auto Scaling Group"). Noise is
// folded away: the CDK's metadata resource, Lambda permissions and security
// group rules are left out, and an IAM policy's references are drawn from the
// role it is attached to.
//
//	g := diagram.Build(stack, diagram.Options{})
//	diagram.WriteDOT(os.Stdout, g)
package diagram
