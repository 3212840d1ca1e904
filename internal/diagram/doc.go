// Package diagram draws the architecture of a CloudFormation stack, as read by
// package assembly, in Graphviz DOT or Mermaid: where requests and data go,
// not which resource names which.
//
// Resources are grouped by the construct that made them (the aws:cdk:path
// metadata: one cluster per construct) and labelled with their construct
// name over their AWS service and type ("GetPollsId" over "Lambda
// Function"); a name that only repeats the type is left out, and a type that
// repeats its service's words says them once (AWS::AutoScaling::
// AutoScalingGroup is "Auto Scaling Group").
//
// What belongs to a resource is folded into it (Node.Folded): an alarm into
// what it watches, a role and its policies into the function or instances
// that use it (a role several resources use is not drawn; what it allows is
// drawn from each), a log group, key or launch template into its one user,
// an API's methods and stage into the API, a permission into its function,
// a subnet, route or security group into its VPC. Edges (Edge.Kind) are the
// flow: solid from a client on the internet to each entry point (a web ACL
// in front of an API, a DNS record, a CloudFront distribution, an
// internet-facing load balancer), through integrations, listeners and
// target groups, event sources, subscriptions, S3 notifications, rule and
// schedule targets, to what a resource's role allows it to read or write;
// dashed, with a label, for alarms to their topic, logs, failures to a
// dead-letter queue. Options.All draws instead every resource and an edge
// wherever one refers to another through Ref, Fn::GetAtt or Fn::Sub.
//
//	g := diagram.Build(stack, diagram.Options{})
//	diagram.WriteDOT(os.Stdout, g)
package diagram
