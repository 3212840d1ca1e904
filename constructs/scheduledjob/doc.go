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
// ExampleNew is the smallest use, in the form an app copies: a handler named
// by its import path, two schedules with their payloads, and the grant of
// what the handler calls (the caller's to make).
//
// Expressions are EventBridge Scheduler's: "cron(min hour day-of-month month
// day-of-week year)" with exactly one of day-of-month and day-of-week set to
// "?", "rate(5 minutes)", or "at(2026-12-24T18:00:00)". Cron and at()
// expressions are evaluated in the schedule's time zone.
//
// The function gets no permission beyond writing its logs and traces and
// sending failed runs to the dead-letter queue; grant what the handler calls
// through Job.Function. The alarms notify Alarms.Topic, or the stack's shared
// alarm topic (alarmtopic.Shared) when none is given (Job.AlarmTopic).
// Defaults live in defaults.go (withDefaults resolves them once); a field set
// in Props always wins over the default. Every resource made is an exported
// field of Job for escape hatches.
package scheduledjob
