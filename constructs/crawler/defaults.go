package crawler

import (
	"cmp"
	"time"
)

// Every default of Crawler, in one place.
const (
	// DefaultEntry is the crawler handler's main package, by import path:
	// go list finds it from any app whose module requires gureum (in the
	// module cache, or this repository), and the function is built in
	// gureum's module.
	DefaultEntry = "github.com/gureum-cdk/gureum/functions/crawler"
	// DefaultSchedule runs the crawl every morning at 06:00 in TimeZone.
	DefaultSchedule = "cron(0 6 * * ? *)"
	// DefaultTimeZone is the schedule's time zone.
	DefaultTimeZone = "Asia/Seoul"
	// DefaultFlexibleWindow lets the crawl start up to 15 minutes late,
	// spreading load; a crawl need not start on the minute.
	DefaultFlexibleWindow = 15 * time.Minute
	// DefaultMemoryMB and DefaultTimeout size the function.
	DefaultMemoryMB = 512
	DefaultTimeout  = 5 * time.Minute
	// MaxURLBytes is the longest URL the status table's key accepts.
	MaxURLBytes = 2048
	// MaxPayloadBytes is EventBridge Scheduler's limit on a target's input.
	MaxPayloadBytes = 256 * 1024
)

// config is Props with every default applied: withDefaults makes it once,
// and validation and the builders read it.
type config struct {
	Props
}

// withDefaults resolves every default of p. FlexibleWindow becomes the
// window itself: DefaultFlexibleWindow when unset, 0 (off) when negative.
func withDefaults(p *Props) *config {
	c := &config{Props: *p}
	c.Entry = cmp.Or(p.Entry, DefaultEntry)
	c.Schedule = cmp.Or(p.Schedule, DefaultSchedule)
	c.TimeZone = cmp.Or(p.TimeZone, DefaultTimeZone)
	c.MemoryMB = cmp.Or(p.MemoryMB, DefaultMemoryMB)
	c.Timeout = cmp.Or(p.Timeout, DefaultTimeout)
	c.FlexibleWindow = max(cmp.Or(p.FlexibleWindow, DefaultFlexibleWindow), 0)
	return c
}
