package fleet

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling/types"
)

// recorder answers DescribeAutoScalingGroups with a fixed group and records
// every UpdateAutoScalingGroup input; no local Auto Scaling server exists.
type recorder struct {
	group       *types.AutoScalingGroup
	describeErr error
	updateErr   error
	described   []*autoscaling.DescribeAutoScalingGroupsInput
	updates     []*autoscaling.UpdateAutoScalingGroupInput
}

func (r *recorder) DescribeAutoScalingGroups(_ context.Context, in *autoscaling.DescribeAutoScalingGroupsInput, _ ...func(*autoscaling.Options)) (*autoscaling.DescribeAutoScalingGroupsOutput, error) {
	r.described = append(r.described, in)
	if r.describeErr != nil {
		return nil, r.describeErr
	}
	out := &autoscaling.DescribeAutoScalingGroupsOutput{}
	if r.group != nil {
		out.AutoScalingGroups = []types.AutoScalingGroup{*r.group}
	}
	return out, nil
}

func (r *recorder) UpdateAutoScalingGroup(_ context.Context, in *autoscaling.UpdateAutoScalingGroupInput, _ ...func(*autoscaling.Options)) (*autoscaling.UpdateAutoScalingGroupOutput, error) {
	r.updates = append(r.updates, in)
	if r.updateErr != nil {
		return nil, r.updateErr
	}
	// Apply the update so a second call sees the new state.
	if in.MinSize != nil {
		r.group.MinSize = in.MinSize
	}
	if in.MaxSize != nil {
		r.group.MaxSize = in.MaxSize
	}
	if in.DesiredCapacity != nil {
		r.group.DesiredCapacity = in.DesiredCapacity
	}
	return &autoscaling.UpdateAutoScalingGroupOutput{}, nil
}

func group(min, max, desired int32) *types.AutoScalingGroup {
	return &types.AutoScalingGroup{
		AutoScalingGroupName: aws.String("game-servers"),
		MinSize:              aws.Int32(min),
		MaxSize:              aws.Int32(max),
		DesiredCapacity:      aws.Int32(desired),
	}
}

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

func TestParseRequest(t *testing.T) {
	tests := []struct {
		name    string
		payload string
		wantErr string
	}{
		{"desiredCapacity only", `{"desiredCapacity": 10}`, ""},
		{"full", `{"minSize": 2, "maxSize": 20, "desired": 10}`, ""},
		{"misspelt key", `{"desiredCapcity": 10}`, "unknown field"},
		{"string value", `{"desiredCapacity": "10"}`, "cannot unmarshal"},
		{"fraction", `{"desiredCapacity": 1.5}`, "cannot unmarshal"},
		{"not JSON", `scale up`, "decode payload"},
		{"trailing data", `{"desired": 1} {"desired": 2}`, "trailing data"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseRequest([]byte(tc.payload))
			checkErr(t, err, tc.wantErr)
		})
	}
}

func TestScale(t *testing.T) {
	tests := []struct {
		name       string
		group      *types.AutoScalingGroup
		payload    string
		wantErr    string
		wantUpdate *autoscaling.UpdateAutoScalingGroupInput // nil: no update call
	}{
		{
			name:    "desired within current bounds",
			group:   group(1, 20, 2),
			payload: `{"desiredCapacity": 10}`,
			wantUpdate: &autoscaling.UpdateAutoScalingGroupInput{
				AutoScalingGroupName: aws.String("game-servers"), DesiredCapacity: aws.Int32(10),
			},
		},
		{
			name:    "new bounds and desired",
			group:   group(1, 5, 2),
			payload: `{"minSize": 4, "maxSize": 20, "desired": 10}`,
			wantUpdate: &autoscaling.UpdateAutoScalingGroupInput{
				AutoScalingGroupName: aws.String("game-servers"), MinSize: aws.Int32(4), MaxSize: aws.Int32(20), DesiredCapacity: aws.Int32(10),
			},
		},
		{
			name:    "scale in lowers only min",
			group:   group(4, 20, 10),
			payload: `{"minSize": 1, "desired": 1}`,
			wantUpdate: &autoscaling.UpdateAutoScalingGroupInput{
				AutoScalingGroupName: aws.String("game-servers"), MinSize: aws.Int32(1), DesiredCapacity: aws.Int32(1),
			},
		},
		{name: "already at target", group: group(1, 20, 10), payload: `{"desiredCapacity": 10}`},
		{name: "above current max", group: group(1, 5, 2), payload: `{"desiredCapacity": 10}`, wantErr: "desired capacity 10 is outside [1, 5]"},
		{name: "below payload min", group: group(1, 50, 2), payload: `{"minSize": 5, "desired": 3}`, wantErr: "desired capacity 3 is outside [5, 50]"},
		{name: "payload min above group max", group: group(1, 5, 2), payload: `{"minSize": 8, "desired": 8}`, wantErr: "minSize 8 would exceed maxSize 5"},
		{name: "min above max", group: group(1, 5, 2), payload: `{"minSize": 9, "maxSize": 3, "desired": 3}`, wantErr: "minSize 9 is greater than maxSize 3"},
		{name: "negative", group: group(1, 5, 2), payload: `{"desired": -1}`, wantErr: "outside [0, 1000]"},
		{name: "absurdly large", group: group(1, 5000, 2), payload: `{"desired": 4000}`, wantErr: "outside [0, 1000]"},
		{name: "no desired", group: group(1, 5, 2), payload: `{"minSize": 1}`, wantErr: `needs "desiredCapacity"`},
		{name: "synonyms disagree", group: group(1, 50, 2), payload: `{"desiredCapacity": 3, "desired": 4}`, wantErr: "disagree"},
		{name: "synonyms agree", group: group(1, 50, 2), payload: `{"desiredCapacity": 4, "desired": 4}`,
			wantUpdate: &autoscaling.UpdateAutoScalingGroupInput{AutoScalingGroupName: aws.String("game-servers"), DesiredCapacity: aws.Int32(4)}},
		{name: "group missing", payload: `{"desired": 1}`, wantErr: `"game-servers" not found`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec := &recorder{group: tc.group}
			s := &Scaler{API: rec, Group: "game-servers", Logger: quiet}
			req, err := ParseRequest([]byte(tc.payload))
			if err != nil {
				t.Fatal(err)
			}
			_, err = s.Scale(context.Background(), req)
			checkErr(t, err, tc.wantErr)
			if tc.wantErr == "" && len(rec.described) == 1 {
				if got := rec.described[0].AutoScalingGroupNames; len(got) != 1 || got[0] != "game-servers" {
					t.Errorf("described groups %v, want [game-servers]", got)
				}
			}
			switch {
			case tc.wantUpdate == nil && len(rec.updates) > 0:
				t.Fatalf("UpdateAutoScalingGroup called with %s; want no call", describe(rec.updates[0]))
			case tc.wantUpdate != nil && len(rec.updates) != 1:
				t.Fatalf("UpdateAutoScalingGroup called %d times, want once", len(rec.updates))
			case tc.wantUpdate != nil:
				if got, want := describe(rec.updates[0]), describe(tc.wantUpdate); got != want {
					t.Errorf("UpdateAutoScalingGroup input\n got %s\nwant %s", got, want)
				}
			}
		})
	}
}

func TestScaleIsIdempotent(t *testing.T) {
	rec := &recorder{group: group(1, 5, 1)}
	s := &Scaler{API: rec, Group: "game-servers", Logger: quiet}
	req, _ := ParseRequest([]byte(`{"minSize": 2, "maxSize": 30, "desired": 12}`))
	first, err := s.Scale(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	second, err := s.Scale(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if !first.Changed || second.Changed {
		t.Errorf("Changed = %v then %v, want true then false", first.Changed, second.Changed)
	}
	if len(rec.updates) != 1 {
		t.Errorf("%d updates for two identical invocations, want 1", len(rec.updates))
	}
	if want := (Capacity{Min: 2, Max: 30, Desired: 12}); second.Previous != want {
		t.Errorf("second invocation saw %+v, want %+v", second.Previous, want)
	}
}

func TestScaleErrors(t *testing.T) {
	req, _ := ParseRequest([]byte(`{"desired": 3}`))
	boom := errors.New("throttled")
	for _, tc := range []struct {
		name    string
		rec     *recorder
		group   string
		wantErr string
	}{
		{"no group name", &recorder{group: group(1, 5, 1)}, "", "set ASG_NAME"},
		{"describe fails", &recorder{describeErr: boom}, "game-servers", "describe Auto Scaling group \"game-servers\": throttled"},
		{"update fails", &recorder{group: group(1, 5, 1), updateErr: boom}, "game-servers", "update Auto Scaling group \"game-servers\": throttled"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := &Scaler{API: tc.rec, Group: tc.group, Logger: quiet}
			_, err := s.Scale(context.Background(), req)
			checkErr(t, err, tc.wantErr)
			if strings.Contains(tc.wantErr, "throttled") && !errors.Is(err, boom) {
				t.Errorf("error %v does not wrap the API error", err)
			}
		})
	}
}

func describe(in *autoscaling.UpdateAutoScalingGroupInput) string {
	f := func(p *int32) string {
		if p == nil {
			return "nil"
		}
		return fmt.Sprint(*p)
	}
	return fmt.Sprintf("name=%s min=%s max=%s desired=%s", aws.ToString(in.AutoScalingGroupName), f(in.MinSize), f(in.MaxSize), f(in.DesiredCapacity))
}

func checkErr(t *testing.T, err error, want string) {
	t.Helper()
	switch {
	case want == "" && err != nil:
		t.Fatalf("unexpected error: %v", err)
	case want != "" && err == nil:
		t.Fatalf("no error, want one containing %q", want)
	case want != "" && !strings.Contains(err.Error(), want):
		t.Fatalf("error %q, want it to contain %q", err, want)
	}
}
