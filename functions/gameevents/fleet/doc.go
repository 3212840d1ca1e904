// Package fleet scales gureum's game-server Auto Scaling group ahead of a
// scheduled game event.
//
// An EventBridge Scheduler schedule invokes the fleet-scaler Lambda with a JSON
// payload naming the capacity wanted:
//
//	{"desiredCapacity": 10}
//	{"minSize": 4, "maxSize": 20, "desired": 10}
//
// Scale reads the group's current bounds with DescribeAutoScalingGroups,
// refuses a desired capacity outside the effective [min, max] (the payload's
// bounds where given, the group's otherwise), and calls
// UpdateAutoScalingGroup only when something changes, so a repeated
// invocation of the same schedule is a no-op.
//
// The smallest use:
//
//	s := &fleet.Scaler{API: autoscaling.NewFromConfig(cfg), Group: os.Getenv("ASG_NAME")}
//	res, err := s.Scale(ctx, req)
package fleet
