package scheduledjob_test

import (
	"fmt"
	"sort"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/jsii-runtime-go"

	"github.com/gureum-cdk/gureum/constructs/scheduledjob"
)

// One job, two schedules with their own payloads: announce the start and the
// end of a daily event at 13:00 and 18:00 Seoul time. The handler is named by
// its import path, which resolves from any app whose module requires gureum.
// With no Alarms.Topic, the job's alarms notify the stack's shared alarm
// topic (job.AlarmTopic).
func ExampleNew() {
	app := awscdk.NewApp(nil)
	stack := awscdk.NewStack(app, jsii.String("GameEvents"), nil)
	topic := awssns.NewTopic(stack, jsii.String("Players"), &awssns.TopicProps{EnforceSSL: jsii.Bool(true)})
	job := scheduledjob.New(stack, "EventNotices", &scheduledjob.Props{
		Entry: "github.com/gureum-cdk/gureum/functions/gameevents/publisher",
		Schedules: []scheduledjob.Schedule{
			{Name: "event-start", Expression: "cron(0 13 * * ? *)", Payload: map[string]string{"event": "start", "eventId": "raid", "message": "Go!"}},
			{Name: "event-end", Expression: "cron(0 18 * * ? *)", Payload: map[string]string{"event": "end", "eventId": "raid", "message": "Bye!"}},
		},
		Function: scheduledjob.Function{Environment: map[string]string{"TOPIC_ARN": *topic.TopicArn()}},
	})
	topic.GrantPublish(job.Function)

	// What the synthesized template says.
	tpl := assertions.Template_FromStack(stack, nil)
	fmt.Println("schedule group:", job.GroupName)
	var lines []string
	for _, r := range *tpl.FindResources(jsii.String("AWS::Scheduler::Schedule"), nil) {
		p := (*r)["Properties"].(map[string]any)
		target := p["Target"].(map[string]any)
		retry := target["RetryPolicy"].(map[string]any)
		lines = append(lines, fmt.Sprintf("%s: %s in %s, %v retries, input %s",
			p["Name"], p["ScheduleExpression"], p["ScheduleExpressionTimezone"], retry["MaximumRetryAttempts"], target["Input"]))
	}
	sort.Strings(lines)
	for _, l := range lines {
		fmt.Println(l)
	}
	for _, r := range *tpl.FindResources(jsii.String("AWS::Lambda::Function"), nil) {
		p := (*r)["Properties"].(map[string]any)
		fmt.Println("function:", p["Runtime"], p["Architectures"], p["MemorySize"], "MB,", p["Timeout"], "s")
	}
	fmt.Println("alarms to:", *job.AlarmTopic.Node().Path())
	// Output:
	// schedule group: GameEvents-EventNotices-220CFA00
	// event-end: cron(0 18 * * ? *) in Asia/Seoul, 3 retries, input {"event":"end","eventId":"raid","message":"Bye!"}
	// event-start: cron(0 13 * * ? *) in Asia/Seoul, 3 retries, input {"event":"start","eventId":"raid","message":"Go!"}
	// function: provided.al2023 [arm64] 256 MB, 60 s
	// alarms to: GameEvents/GureumAlarmTopic/Topic
}
