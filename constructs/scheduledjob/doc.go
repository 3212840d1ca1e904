// Package scheduledjob provides Job: a Go Lambda function run by EventBridge
// Scheduler on one or more schedules, with the production defaults of a
// scheduled job: each schedule its own cron, rate or at() expression, time
// zone (Asia/Seoul unless set), flexible window (off unless set) and JSON
// payload; a bounded retry policy; an encrypted, TLS-only SQS dead-letter
// queue that receives both the runs Scheduler could not deliver and the runs
// whose handler failed after Lambda's own retries; a scheduler role that may
// invoke this function only; a schedule group per job; and alarms on
// function errors and on the dead-letter queue.
//
// The smallest use is a handler and a schedule:
//
//	job := scheduledjob.New(stack, "EventNotices", &scheduledjob.Props{
//		Entry: "functions/gameevents/publisher",
//		Schedules: []scheduledjob.Schedule{
//			{Name: "event-start", Expression: "cron(0 13 * * ? *)", Payload: map[string]string{"event": "start", "eventId": "raid", "message": "Go!"}},
//			{Name: "event-end", Expression: "cron(0 18 * * ? *)", Payload: map[string]string{"event": "end", "eventId": "raid", "message": "Bye!"}},
//		},
//		Function: scheduledjob.Function{Environment: map[string]string{"TOPIC_ARN": *topic.TopicArn()}},
//	})
//	topic.GrantPublish(job.Function) // what the handler calls is the caller's to grant
//
// Expressions are EventBridge Scheduler's: "cron(min hour day-of-month month
// day-of-week year)" with exactly one of day-of-month and day-of-week set to
// "?", "rate(5 minutes)", or "at(2026-12-24T18:00:00)". Cron and at()
// expressions are evaluated in the schedule's time zone.
//
// The function gets no permission beyond writing its logs and traces and
// sending failed runs to the dead-letter queue; grant what the handler calls
// through Job.Function. Defaults live in defaults.go; a field set in Props
// always wins over the default. Every resource made is an exported field of
// Job for escape hatches.
package scheduledjob
