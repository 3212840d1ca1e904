package fleet

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
)

// API is the part of the Auto Scaling client Scale uses; *autoscaling.Client
// satisfies it.
type API interface {
	DescribeAutoScalingGroups(ctx context.Context, in *autoscaling.DescribeAutoScalingGroupsInput, optFns ...func(*autoscaling.Options)) (*autoscaling.DescribeAutoScalingGroupsOutput, error)
	UpdateAutoScalingGroup(ctx context.Context, in *autoscaling.UpdateAutoScalingGroupInput, optFns ...func(*autoscaling.Options)) (*autoscaling.UpdateAutoScalingGroupOutput, error)
}

// MaxCapacity is the largest size any field of a Request may name. It guards
// against a mistyped schedule payload launching thousands of instances.
const MaxCapacity = 1000

// Request is the schedule's payload. DesiredCapacity and Desired are
// synonyms; at least one is required, and when both are given they must be
// equal. MinSize and MaxSize are optional; when left out the group's current
// bound applies.
type Request struct {
	DesiredCapacity *int32 `json:"desiredCapacity,omitempty"`
	Desired         *int32 `json:"desired,omitempty"`
	MinSize         *int32 `json:"minSize,omitempty"`
	MaxSize         *int32 `json:"maxSize,omitempty"`
}

// ParseRequest decodes a schedule payload, rejecting unknown fields so that a
// misspelt key ("desiredCapcity") fails loudly instead of being ignored.
func ParseRequest(payload []byte) (Request, error) {
	var r Request
	dec := json.NewDecoder(bytes.NewReader(payload))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&r); err != nil {
		return Request{}, fmt.Errorf("fleet: decode payload: %w", err)
	}
	if dec.More() {
		return Request{}, errors.New("fleet: decode payload: trailing data after the JSON object")
	}
	return r, nil
}

// desired returns the requested desired capacity.
func (r Request) desired() (int32, error) {
	switch {
	case r.DesiredCapacity == nil && r.Desired == nil:
		return 0, errors.New(`fleet: payload needs "desiredCapacity" (or "desired")`)
	case r.DesiredCapacity != nil && r.Desired != nil && *r.DesiredCapacity != *r.Desired:
		return 0, fmt.Errorf(`fleet: "desiredCapacity" (%d) and "desired" (%d) disagree`, *r.DesiredCapacity, *r.Desired)
	case r.DesiredCapacity != nil:
		return *r.DesiredCapacity, nil
	default:
		return *r.Desired, nil
	}
}

// Validate checks the request on its own, without the group's current state.
func (r Request) Validate() error {
	d, err := r.desired()
	if err != nil {
		return err
	}
	for _, f := range []struct {
		name string
		v    *int32
	}{{"desired capacity", &d}, {"minSize", r.MinSize}, {"maxSize", r.MaxSize}} {
		if f.v == nil {
			continue
		}
		if *f.v < 0 || *f.v > MaxCapacity {
			return fmt.Errorf("fleet: %s %d is outside [0, %d]", f.name, *f.v, MaxCapacity)
		}
	}
	if r.MinSize != nil && r.MaxSize != nil && *r.MinSize > *r.MaxSize {
		return fmt.Errorf("fleet: minSize %d is greater than maxSize %d", *r.MinSize, *r.MaxSize)
	}
	return nil
}

// Capacity is a group's size bounds and desired capacity.
type Capacity struct {
	Min     int32 `json:"minSize"`
	Max     int32 `json:"maxSize"`
	Desired int32 `json:"desiredCapacity"`
}

// Result reports what Scale found and did.
type Result struct {
	Group    string   `json:"group"`
	Previous Capacity `json:"previous"`
	Target   Capacity `json:"target"`
	// Changed is false when the group already had the target capacity and no
	// update was made.
	Changed bool `json:"changed"`
}

// Scaler scales one Auto Scaling group.
type Scaler struct {
	// API is the Auto Scaling client. Required.
	API API
	// Group is the Auto Scaling group's name. Required.
	Group string
	// Logger receives one line per invocation. Default: slog.Default().
	Logger *slog.Logger
}

// Scale validates req against the group's current bounds and applies it.
func (s *Scaler) Scale(ctx context.Context, req Request) (Result, error) {
	if s.Group == "" {
		return Result{}, errors.New("fleet: no Auto Scaling group name (set ASG_NAME)")
	}
	if err := req.Validate(); err != nil {
		return Result{}, err
	}
	desired, _ := req.desired()

	out, err := s.API.DescribeAutoScalingGroups(ctx, &autoscaling.DescribeAutoScalingGroupsInput{
		AutoScalingGroupNames: []string{s.Group},
	})
	if err != nil {
		return Result{}, fmt.Errorf("fleet: describe Auto Scaling group %q: %w", s.Group, err)
	}
	if len(out.AutoScalingGroups) != 1 {
		return Result{}, fmt.Errorf("fleet: Auto Scaling group %q not found", s.Group)
	}
	g := out.AutoScalingGroups[0]
	prev := Capacity{Min: aws.ToInt32(g.MinSize), Max: aws.ToInt32(g.MaxSize), Desired: aws.ToInt32(g.DesiredCapacity)}

	target := Capacity{Min: prev.Min, Max: prev.Max, Desired: desired}
	if req.MinSize != nil {
		target.Min = *req.MinSize
	}
	if req.MaxSize != nil {
		target.Max = *req.MaxSize
	}
	if target.Min > target.Max {
		return Result{}, fmt.Errorf("fleet: group %q: minSize %d would exceed maxSize %d", s.Group, target.Min, target.Max)
	}
	if desired < target.Min || desired > target.Max {
		return Result{}, fmt.Errorf("fleet: group %q: desired capacity %d is outside [%d, %d]", s.Group, desired, target.Min, target.Max)
	}

	res := Result{Group: s.Group, Previous: prev, Target: target}
	if target == prev {
		s.logger().InfoContext(ctx, "fleet already at target capacity", "group", s.Group, "min", target.Min, "max", target.Max, "desired", target.Desired)
		return res, nil
	}
	in := &autoscaling.UpdateAutoScalingGroupInput{
		AutoScalingGroupName: aws.String(s.Group),
		DesiredCapacity:      aws.Int32(target.Desired),
	}
	if target.Min != prev.Min {
		in.MinSize = aws.Int32(target.Min)
	}
	if target.Max != prev.Max {
		in.MaxSize = aws.Int32(target.Max)
	}
	if _, err := s.API.UpdateAutoScalingGroup(ctx, in); err != nil {
		return Result{}, fmt.Errorf("fleet: update Auto Scaling group %q: %w", s.Group, err)
	}
	res.Changed = true
	s.logger().InfoContext(ctx, "fleet scaled", "group", s.Group,
		"fromMin", prev.Min, "fromMax", prev.Max, "fromDesired", prev.Desired,
		"min", target.Min, "max", target.Max, "desired", target.Desired)
	return res, nil
}

func (s *Scaler) logger() *slog.Logger {
	if s.Logger != nil {
		return s.Logger
	}
	return slog.Default()
}
