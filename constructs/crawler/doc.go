// Package crawler provides Crawler: a scheduled web crawler (session 1,
// scenario 3) that replaces a server kept alive only for its crontab. A Go
// Lambda (functions/crawler) run by EventBridge Scheduler fetches a list of
// URLs, respecting robots.txt, stores each page in S3 under
// pages/<host>/<sha256 of the URL>.html and records each URL's status in a
// DynamoDB table keyed by the URL.
// ExampleNew is the smallest use: the URLs.
//
// It composes scheduledjob (retries, encrypted dead-letter queue, alarms) with
// a secure, retained pages bucket and a durable status table. The alarms
// notify Alarms.Topic, or the stack's shared alarm topic (alarmtopic.Shared)
// when none is given (Crawler.AlarmTopic). Defaults live in defaults.go
// (withDefaults resolves them once); a prop set in Props always wins over its
// default; ExistingBucket and ExistingTable bring your own. The handler is
// built from its import path (DefaultEntry), so the smallest use works in any
// CDK Go app that requires gureum, not only in this repository.
//
// Bad props stop New before it creates anything, every problem at once under
// the crawler's own prop names, including those the scheduled job would
// refuse (Schedule, TimeZone, FlexibleWindow, MemoryMB, Timeout, Entry).
// Validate returns the same error without creating anything.
package crawler
