package scheduledjob_test

import (
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/jsii-runtime-go"

	"github.com/gureum-cdk/gureum/constructs/internal/cdktest"
	"github.com/gureum-cdk/gureum/constructs/internal/validate"
	"github.com/gureum-cdk/gureum/constructs/scheduledjob"
)

const (
	publisher = "../../functions/gameevents/publisher"
	scaler    = "../../functions/gameevents/fleetscaler"
)

type fixture struct {
	stack            awscdk.Stack
	notices, minimal *scheduledjob.Job
	keyed            *scheduledjob.Job
	logKey           awskms.Key
	tpl              *cdktest.Template
}

var (
	fixOnce sync.Once
	fix     *fixture
)

// synth builds one stack with two jobs: "Notices" sets most props, "Minimal"
// only the required ones, so the defaults are visible.
func synth(t *testing.T) *fixture {
	t.Helper()
	fixOnce.Do(func() {
		stack := cdktest.NewStack("Jobs")
		topic := awssns.NewTopic(stack, jsii.String("Alarms"), &awssns.TopicProps{EnforceSSL: jsii.Bool(true)})
		f := &fixture{stack: stack}
		f.notices = scheduledjob.New(stack, "Notices", &scheduledjob.Props{
			Entry: publisher,
			Schedules: []scheduledjob.Schedule{
				{Name: "event-start", Expression: "cron(0 13 * * ? *)", Payload: map[string]string{"event": "start", "eventId": "winter", "message": "Go!"}},
				{Name: "event-end", Expression: "cron(0 18 ? * MON-FRI *)", TimeZone: "UTC", FlexibleWindow: 15 * time.Minute,
					Payload: json.RawMessage(`{"event":"end","eventId":"winter","message":"Bye"}`)},
			},
			Retry:    scheduledjob.Retry{MaxRetries: ptr(0), MaxEventAge: 10 * time.Minute},
			Function: scheduledjob.Function{Environment: map[string]string{"TOPIC_ARN": "arn:aws:sns:ap-northeast-2:123456789012:players"}, AsyncRetries: ptr(0)},
			Alarms:   scheduledjob.Alarms{Topic: topic},
		})
		f.minimal = scheduledjob.New(stack, "Minimal", &scheduledjob.Props{
			Entry:     scaler,
			Schedules: []scheduledjob.Schedule{{Name: "every-5m", Expression: "rate(5 minutes)"}},
		})
		key := awskms.NewKey(stack, jsii.String("QueueKey"), &awskms.KeyProps{EnableKeyRotation: jsii.Bool(true)})
		f.keyed = scheduledjob.New(stack, "Keyed", &scheduledjob.Props{
			Entry:            scaler,
			Schedules:        []scheduledjob.Schedule{{Name: "once", Expression: "at(2026-12-24T18:00:00)"}},
			DeadLetterQueue:  scheduledjob.DeadLetterQueue{EncryptionKey: key, Retention: 4 * 24 * time.Hour},
			LogEncryptionKey: key,
		})
		f.logKey = key
		f.tpl = cdktest.Synth(t, stack)
		fix = f
	})
	if fix == nil {
		t.Fatal("the fixture did not synthesize (see the first failing test)")
	}
	return fix
}

func ptr[T any](v T) *T { return &v }

func logicalID(f *fixture, c awscdk.IResource) string {
	return *f.stack.GetLogicalId(c.Node().DefaultChild().(awscdk.CfnElement))
}

func TestSchedulesCarryExpressionTimeZoneWindowRetryAndDLQ(t *testing.T) {
	f := synth(t)
	f.tpl.Count(t, "AWS::Scheduler::Schedule", 4)
	f.tpl.Count(t, "AWS::Scheduler::ScheduleGroup", 3)
	dlq := logicalID(f, f.notices.DeadLetterQueue)
	fn := logicalID(f, f.notices.Function)
	role := logicalID(f, f.notices.SchedulerRole)
	target := func(input string) map[string]any {
		return map[string]any{
			"Arn":              map[string]any{"Fn::GetAtt": []any{fn, "Arn"}},
			"RoleArn":          map[string]any{"Fn::GetAtt": []any{role, "Arn"}},
			"Input":            input,
			"RetryPolicy":      map[string]any{"MaximumRetryAttempts": 0, "MaximumEventAgeInSeconds": 600},
			"DeadLetterConfig": map[string]any{"Arn": map[string]any{"Fn::GetAtt": []any{dlq, "Arn"}}},
		}
	}
	f.tpl.Has(t, "AWS::Scheduler::Schedule", map[string]any{
		"Name":                       "event-start",
		"GroupName":                  map[string]any{"Ref": logicalID2(f, f.notices)},
		"ScheduleExpression":         "cron(0 13 * * ? *)",
		"ScheduleExpressionTimezone": "Asia/Seoul",
		"FlexibleTimeWindow":         map[string]any{"Mode": "OFF"},
		"State":                      "ENABLED",
		"Target":                     target(`{"event":"start","eventId":"winter","message":"Go!"}`),
	})
	f.tpl.Has(t, "AWS::Scheduler::Schedule", map[string]any{
		"Name":                       "event-end",
		"ScheduleExpression":         "cron(0 18 ? * MON-FRI *)",
		"ScheduleExpressionTimezone": "UTC",
		"FlexibleTimeWindow":         map[string]any{"Mode": "FLEXIBLE", "MaximumWindowInMinutes": 15},
		"Target":                     target(`{"event":"end","eventId":"winter","message":"Bye"}`),
	})
	// Defaults: Asia/Seoul, no flexible window, 3 retries within an hour, "{}".
	f.tpl.Has(t, "AWS::Scheduler::Schedule", map[string]any{
		"Name":                       "every-5m",
		"ScheduleExpression":         "rate(5 minutes)",
		"ScheduleExpressionTimezone": "Asia/Seoul",
		"FlexibleTimeWindow":         map[string]any{"Mode": "OFF"},
		"Target": map[string]any{
			"Input":            "{}",
			"RetryPolicy":      map[string]any{"MaximumRetryAttempts": 3, "MaximumEventAgeInSeconds": 3600},
			"DeadLetterConfig": map[string]any{"Arn": map[string]any{"Fn::GetAtt": []any{logicalID(f, f.minimal.DeadLetterQueue), "Arn"}}},
		},
	})
}

func getAtt(f *fixture, c awscdk.IResource, attr string) map[string]any {
	return map[string]any{"Fn::GetAtt": []any{logicalID(f, c), attr}}
}

func logicalID2(f *fixture, j *scheduledjob.Job) string {
	return *f.stack.GetLogicalId(j.Group)
}

func TestDeadLetterQueueIsEncryptedTLSOnlyAndRetained(t *testing.T) {
	f := synth(t)
	f.tpl.Count(t, "AWS::SQS::Queue", 3)
	f.tpl.HasResource(t, "AWS::SQS::Queue", map[string]any{
		"DeletionPolicy": "Retain",
		"Properties":     map[string]any{"SqsManagedSseEnabled": true, "MessageRetentionPeriod": 1209600},
	})
	f.tpl.Has(t, "AWS::SQS::Queue", map[string]any{
		"KmsMasterKeyId":         getAtt(f, f.stack.Node().FindChild(jsii.String("QueueKey")).(awskms.Key), "Arn"),
		"MessageRetentionPeriod": 345600,
	})
	f.tpl.Has(t, "AWS::Scheduler::Schedule", map[string]any{"Name": "once", "ScheduleExpression": "at(2026-12-24T18:00:00)"})
	f.tpl.Has(t, "AWS::SQS::QueuePolicy", map[string]any{
		"PolicyDocument": map[string]any{"Statement": []any{map[string]any{
			"Effect":    "Deny",
			"Action":    "sqs:*",
			"Condition": map[string]any{"Bool": map[string]any{"aws:SecureTransport": "false"}},
		}}},
	})
}

func TestSchedulerRoleMayInvokeOnlyItsFunction(t *testing.T) {
	f := synth(t)
	roleID := logicalID(f, f.notices.SchedulerRole)
	role := f.tpl.Resources("AWS::IAM::Role")[roleID]
	trust, _ := json.Marshal(role["Properties"].(map[string]any)["AssumeRolePolicyDocument"])
	for _, want := range []string{`"Service":"scheduler.amazonaws.com"`, `"aws:SourceAccount":"123456789012"`, `"aws:SourceArn"`} {
		if !strings.Contains(string(trust), want) {
			t.Errorf("scheduler role trust policy lacks %s: %s", want, trust)
		}
	}
	fn := logicalID(f, f.notices.Function)
	var found bool
	for _, pol := range f.tpl.Resources("AWS::IAM::Policy") {
		props := pol["Properties"].(map[string]any)
		roles, _ := json.Marshal(props["Roles"])
		if !strings.Contains(string(roles), `"`+roleID+`"`) {
			continue
		}
		found = true
		for _, st := range props["PolicyDocument"].(map[string]any)["Statement"].([]any) {
			s := st.(map[string]any)
			actions, _ := json.Marshal(s["Action"])
			res, _ := json.Marshal(s["Resource"])
			switch {
			case strings.Contains(string(actions), "lambda:"):
				if string(actions) != `"lambda:InvokeFunction"` || string(res) != `{"Fn::GetAtt":["`+fn+`","Arn"]}` {
					t.Errorf("invoke statement is %s on %s, want lambda:InvokeFunction on the function only", actions, res)
				}
			case strings.Contains(string(actions), "sqs:"):
				if !strings.Contains(string(res), logicalID(f, f.notices.DeadLetterQueue)) {
					t.Errorf("sqs statement on %s, want the dead-letter queue", res)
				}
			default:
				t.Errorf("unexpected statement in the scheduler role: %s on %s", actions, res)
			}
		}
	}
	if !found {
		t.Fatal("no policy attached to the scheduler role")
	}
}

func TestNoWildcardActions(t *testing.T) {
	f := synth(t)
	for id, pol := range f.tpl.Resources("AWS::IAM::Policy") {
		for _, st := range pol["Properties"].(map[string]any)["PolicyDocument"].(map[string]any)["Statement"].([]any) {
			a, _ := json.Marshal(st.(map[string]any)["Action"])
			if strings.Contains(string(a), `"*"`) || strings.Contains(string(a), `:*"`) {
				t.Errorf("%s grants wildcard actions %s", id, a)
			}
		}
	}
}

func TestFailedRunsGoToTheDeadLetterQueue(t *testing.T) {
	f := synth(t)
	f.tpl.Count(t, "AWS::Lambda::EventInvokeConfig", 3)
	f.tpl.Has(t, "AWS::Lambda::EventInvokeConfig", map[string]any{
		"MaximumRetryAttempts":     0,
		"MaximumEventAgeInSeconds": 600,
		"DestinationConfig": map[string]any{"OnFailure": map[string]any{
			"Destination": map[string]any{"Fn::GetAtt": []any{logicalID(f, f.notices.DeadLetterQueue), "Arn"}},
		}},
	})
	f.tpl.Has(t, "AWS::Lambda::EventInvokeConfig", map[string]any{"MaximumRetryAttempts": 2, "MaximumEventAgeInSeconds": 3600})
	f.tpl.Has(t, "AWS::Lambda::Function", map[string]any{
		"Runtime":       "provided.al2023",
		"Architectures": []any{"arm64"},
		"Timeout":       60,
		"Environment":   map[string]any{"Variables": map[string]any{"TOPIC_ARN": "arn:aws:sns:ap-northeast-2:123456789012:players"}},
	})
}

func TestAlarmsOnErrorsAndDeadLetters(t *testing.T) {
	f := synth(t)
	f.tpl.Count(t, "AWS::CloudWatch::Alarm", 6)
	f.tpl.Has(t, "AWS::CloudWatch::Alarm", map[string]any{
		"MetricName": "Errors", "Namespace": "AWS/Lambda", "Threshold": 1,
		"AlarmActions": []any{map[string]any{"Ref": *f.stack.GetLogicalId(f.stack.Node().FindChild(jsii.String("Alarms")).Node().DefaultChild().(awscdk.CfnElement))}},
	})
	f.tpl.Has(t, "AWS::CloudWatch::Alarm", map[string]any{
		"MetricName": "ApproximateNumberOfMessagesVisible", "Namespace": "AWS/SQS", "Threshold": 1, "Statistic": "Maximum",
	})
	if len(f.notices.Alarms) != 2 || f.notices.Alarms["Errors"] == nil || f.notices.Alarms["DeadLetters"] == nil {
		t.Errorf("Job.Alarms = %v, want Errors and DeadLetters", f.notices.Alarms)
	}
	if got := f.notices.ScheduleNames(); strings.Join(got, ",") != "event-end,event-start" {
		t.Errorf("ScheduleNames() = %v", got)
	}
}

func TestNoNagFindings(t *testing.T) {
	f := synth(t)
	cdktest.NoNagFindings(t, f.stack)
}

func TestValidation(t *testing.T) {
	ok := func() scheduledjob.Props {
		return scheduledjob.Props{Entry: publisher, Schedules: []scheduledjob.Schedule{{Name: "a", Expression: "rate(1 hour)"}}}
	}
	with := func(mod func(*scheduledjob.Props)) *scheduledjob.Props {
		p := ok()
		mod(&p)
		return &p
	}
	sched := func(s scheduledjob.Schedule) *scheduledjob.Props {
		if s.Name == "" {
			s.Name = "a"
		}
		return with(func(p *scheduledjob.Props) { p.Schedules = []scheduledjob.Schedule{s} })
	}
	cases := []struct {
		name  string
		props *scheduledjob.Props
		want  []string
	}{
		{"nil props", nil, []string{"Props: must not be nil: Entry and Schedules are required"}},
		{"no schedules", with(func(p *scheduledjob.Props) { p.Schedules = nil }), []string{"Schedules: at least one schedule is required"}},
		{"missing entry", with(func(p *scheduledjob.Props) { p.Entry = "nope" }), []string{`Entry: "nope" (`}},
		{"five-field cron", sched(scheduledjob.Schedule{Expression: "cron(0 13 * * ?)"}),
			[]string{`Schedules[0].Expression: "cron(0 13 * * ?)" has 5 fields, want 6: minutes hours day-of-month month day-of-week year`}},
		{"cron without ?", sched(scheduledjob.Schedule{Expression: "cron(0 13 * * * *)"}),
			[]string{`Schedules[0].Expression: "cron(0 13 * * * *)": exactly one of day-of-month and day-of-week must be "?"`}},
		{"cron with two ?", sched(scheduledjob.Schedule{Expression: "cron(0 13 ? * ? *)"}),
			[]string{`Schedules[0].Expression: "cron(0 13 ? * ? *)": exactly one of day-of-month and day-of-week must be "?"`}},
		{"cron hour 24", sched(scheduledjob.Schedule{Expression: "cron(0 24 * * ? *)"}),
			[]string{`Schedules[0].Expression: "cron(0 24 * * ? *)": hours "24": "24" is not 0-23`}},
		{"cron ? in minutes", sched(scheduledjob.Schedule{Expression: "cron(? 1 * * ? *)"}),
			[]string{`Schedules[0].Expression: "cron(? 1 * * ? *)": minutes cannot be "?"`}},
		{"cron bad weekday", sched(scheduledjob.Schedule{Expression: "cron(0 1 ? * FUN *)"}),
			[]string{`Schedules[0].Expression: "cron(0 1 ? * FUN *)": day-of-week "FUN": "FUN" is not 1-7 or SUN-SAT`}},
		{"rate plural", sched(scheduledjob.Schedule{Expression: "rate(5 minute)"}),
			[]string{`Schedules[0].Expression: "rate(5 minute)": use "minutes" for a value other than 1`}},
		{"rate singular", sched(scheduledjob.Schedule{Expression: "rate(1 days)"}),
			[]string{`Schedules[0].Expression: "rate(1 days)": use "day" for the value 1`}},
		{"rate zero", sched(scheduledjob.Schedule{Expression: "rate(0 minutes)"}),
			[]string{`Schedules[0].Expression: "rate(0 minutes)": the value must be a positive integer`}},
		{"rate weeks", sched(scheduledjob.Schedule{Expression: "rate(2 weeks)"}),
			[]string{`Schedules[0].Expression: "rate(2 weeks)": unit "weeks" is not minute(s), hour(s) or day(s)`}},
		{"bad at", sched(scheduledjob.Schedule{Expression: "at(2026-02-30T10:00:00)"}),
			[]string{`Schedules[0].Expression: "at(2026-02-30T10:00:00)": 2026-02-30T10:00:00 is not a valid date and time`}},
		{"unknown kind", sched(scheduledjob.Schedule{Expression: "every day"}),
			[]string{`Schedules[0].Expression: "every day" is not a "cron(...)", "rate(...)" or "at(...)" expression`}},
		{"unknown time zone", sched(scheduledjob.Schedule{Expression: "rate(1 hour)", TimeZone: "Asia/Busan"}),
			[]string{`Schedules[0].TimeZone: "Asia/Busan" is not an IANA time zone (such as "Asia/Seoul" or "UTC")`}},
		{"Local time zone", sched(scheduledjob.Schedule{Expression: "rate(1 hour)", TimeZone: "Local"}),
			[]string{`Schedules[0].TimeZone: "Local" is not an IANA time zone (such as "Asia/Seoul" or "UTC")`}},
		{"window too long", sched(scheduledjob.Schedule{Expression: "rate(1 hour)", FlexibleWindow: 25 * time.Hour}),
			[]string{"Schedules[0].FlexibleWindow: 25h0m0s is not a whole number of minutes between 1 and 1440"}},
		{"window not whole minutes", sched(scheduledjob.Schedule{Expression: "rate(1 hour)", FlexibleWindow: 90 * time.Second}),
			[]string{"Schedules[0].FlexibleWindow: 1m30s is not a whole number of minutes between 1 and 1440"}},
		{"payload not JSON", sched(scheduledjob.Schedule{Expression: "rate(1 hour)", Payload: func() {}}),
			[]string{"Schedules[0].Payload: does not marshal to JSON: json: unsupported type: func()"}},
		{"duplicate names", with(func(p *scheduledjob.Props) {
			p.Schedules = []scheduledjob.Schedule{{Name: "x", Expression: "rate(1 hour)"}, {Name: "x", Expression: "rate(2 hours)"}}
		}), []string{`Schedules[1].Name: "x" duplicates Schedules[0]`}},
		{"bad name", sched(scheduledjob.Schedule{Name: "no spaces", Expression: "rate(1 hour)"}),
			[]string{`Schedules[0].Name: "no spaces" must be 1-64 letters, digits, '-', '_' or '.'`}},
		{"too many retries", with(func(p *scheduledjob.Props) { p.Retry.MaxRetries = ptr(186) }),
			[]string{"Retry.MaxRetries: 186 is outside EventBridge Scheduler's range 0..185"}},
		{"negative retries", with(func(p *scheduledjob.Props) { p.Retry.MaxRetries = ptr(-1) }),
			[]string{"Retry.MaxRetries: -1 is outside EventBridge Scheduler's range 0..185"}},
		{"event age too short", with(func(p *scheduledjob.Props) { p.Retry.MaxEventAge = 30 * time.Second }),
			[]string{"Retry.MaxEventAge: 30s is outside EventBridge Scheduler's range 1m..24h (whole seconds)"}},
		{"event age too long", with(func(p *scheduledjob.Props) { p.Retry.MaxEventAge = 25 * time.Hour }),
			[]string{"Retry.MaxEventAge: 25h0m0s is outside EventBridge Scheduler's range 1m..24h (whole seconds)"}},
		{"async retries", with(func(p *scheduledjob.Props) { p.Function.AsyncRetries = ptr(3) }),
			[]string{"Function.AsyncRetries: 3 is outside Lambda's range 0..2"}},
		{"memory", with(func(p *scheduledjob.Props) { p.Function.MemoryMB = 64 }),
			[]string{"Function.MemoryMB: 64 is outside Lambda's range 128..10240"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := scheduledjob.Validate(nil, "Job", c.props)
			var ve *validate.Error
			if !errors.As(err, &ve) {
				t.Fatalf("Validate = %v, want a *validate.Error", err)
			}
			if len(ve.Problems) != len(c.want) {
				t.Fatalf("problems = %q, want %d like %q", ve.Problems, len(c.want), c.want)
			}
			for i, w := range c.want {
				if !strings.HasPrefix(ve.Problems[i], w) {
					t.Errorf("problem %d = %q, want %q", i, ve.Problems[i], w)
				}
			}
		})
	}
}

func TestValidExpressions(t *testing.T) {
	for _, e := range []string{
		"cron(30 12 * * ? *)", "cron(0/15 9-17 ? * MON-FRI *)", "cron(0 10 L * ? *)", "cron(0 10 ? * 6#3 *)",
		"cron(0 8 1,15 JAN-MAR ? 2026-2030)", "cron(0 0 ? * 6L *)", "cron(0 9 15W * ? *)", "rate(1 minute)",
		"rate(12 hours)", "at(2026-12-24T18:00:00)",
	} {
		if err := scheduledjob.CheckExpression(e); err != nil {
			t.Errorf("CheckExpression(%q) = %v, want nil", e, err)
		}
	}
	if err := scheduledjob.Validate(nil, "Job", &scheduledjob.Props{Entry: publisher, Schedules: []scheduledjob.Schedule{{Name: "a", Expression: "rate(1 hour)"}}}); err != nil {
		t.Errorf("Validate(minimal props) = %v", err)
	}
}

func TestNewPanicsWithEveryProblem(t *testing.T) {
	stack := cdktest.NewStack("Bad")
	err := validate.Catch(func() {
		scheduledjob.New(stack, "Job", &scheduledjob.Props{Entry: publisher, Schedules: []scheduledjob.Schedule{
			{Name: "a", Expression: "cron(0 13 * * * *)", TimeZone: "Mars/Olympus"},
		}})
	})
	if err == nil || err.Path != "Bad/Job" || len(err.Problems) != 2 {
		t.Fatalf("New panicked with %v, want 2 problems at Bad/Job", err)
	}
}

func TestLogEncryptionKey(t *testing.T) {
	f := synth(t)
	f.tpl.LogGroupsUseKey(t, f.keyed.Construct, f.logKey)
}
