package scheduledjob_test

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/jsii-runtime-go"

	"github.com/gureum-cdk/gureum/constructs/scheduledjob"
)

// One job, two schedules with their own payloads: announce the start and the
// end of a daily event at 13:00 and 18:00 Seoul time.
func Example() {
	app := awscdk.NewApp(nil)
	stack := awscdk.NewStack(app, jsii.String("GameEvents"), nil)
	topic := awssns.NewTopic(stack, jsii.String("Players"), &awssns.TopicProps{EnforceSSL: jsii.Bool(true)})
	job := scheduledjob.New(stack, "EventNotices", &scheduledjob.Props{
		Entry: "functions/gameevents/publisher",
		Schedules: []scheduledjob.Schedule{
			{Name: "event-start", Expression: "cron(0 13 * * ? *)", Payload: map[string]string{"event": "start", "eventId": "raid", "message": "Go!"}},
			{Name: "event-end", Expression: "cron(0 18 * * ? *)", Payload: map[string]string{"event": "end", "eventId": "raid", "message": "Bye!"}},
		},
		Function: scheduledjob.Function{Environment: map[string]string{"TOPIC_ARN": *topic.TopicArn()}},
	})
	topic.GrantPublish(job.Function)
}
