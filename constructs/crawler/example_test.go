package crawler_test

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/gureum-cdk/gureum/constructs/crawler"
)

// A daily crawl of one page: every other prop is a default, gureum's own
// handler included (DefaultEntry, an import path that builds from any app
// that requires gureum).
func ExampleNew() {
	app := awscdk.NewApp(nil)
	stack := awscdk.NewStack(app, jsii.String("Crawl"), nil)

	c := crawler.New(stack, "Crawler", &crawler.Props{
		URLs: []string{"https://go.dev/doc/devel/release"},
	})
	app.Synth(nil)

	fmt.Println("schedules:", c.Job.ScheduleNames())
	fmt.Println("pages bucket:", c.AccessLogs != nil, "status table:", c.Table != nil)
	fmt.Println("alarms to:", *c.AlarmTopic.Node().Path())
	// Output:
	// schedules: [crawl]
	// pages bucket: true status table: true
	// alarms to: Crawl/GureumAlarmTopic/Topic
}
