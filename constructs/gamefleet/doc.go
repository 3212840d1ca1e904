// Package gamefleet provides Fleet: a private Auto Scaling group of game
// servers that a scheduled Lambda (the fleet scaler) sizes around planned
// events, such as a mobile game's daily raid.
//
// ExampleNew is the smallest use, in the form an app copies: a VPC with
// isolated subnets and the schedules.
//
// The group launches from a launch template with IMDSv2 required (hop limit
// 1), an encrypted gp3 root volume, detailed monitoring, an instance role with
// no permission (grant what the servers call to Fleet.Role) and a security
// group with no inbound rule and HTTPS-only outbound. It starts empty
// (MinCapacity 0) in the VPC's private isolated subnets, reports all group
// metrics and sends every scaling event to Alarms.Topic, or to the stack's
// shared alarm topic (alarmtopic.Shared) when none is given (Fleet.AlarmTopic).
// The topic's key (its own, or Alarms.TopicKey for an imported topic) then
// lets Auto Scaling's service-linked role use it. VpcSubnets must select
// subnets of the VPC: the default asks for isolated ones, which a VPC made
// with awsec2.NewVpc's defaults lacks (New says so, naming the prop).
//
// The scaler is a scheduledjob.Job running the fleetscaler handler
// (functions/gameevents/fleetscaler) with ASG_NAME set to the group; each
// ScaleSchedule becomes one EventBridge Scheduler schedule whose payload is
// {"minSize", "maxSize", "desiredCapacity"}. Its role may call
// autoscaling:DescribeAutoScalingGroups (no resource-level permission exists)
// and autoscaling:UpdateAutoScalingGroup on this group only.
//
// The CPU architecture follows the instance type: Graviton types (a1, or a
// family whose generation digit is followed by "g": c7g, m7gd, t4g, c6gn,
// im4gn, g5g) get an arm64 Amazon Linux 2023 image, every other type x86_64.
//
// Defaults live in defaults.go; a field set in Props always wins over its
// default. Every resource made is an exported field of Fleet.
package gamefleet
