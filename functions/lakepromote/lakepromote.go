// Package lakepromote plans the promotion runs of a gureum data lake: which
// raw partitions (year=YYYY/month=MM/day=DD) a run of the promotion state
// machine merges into its Iceberg table.
//
// A scheduled run merges the day of its scheduled time and the LookbackDays
// days before it, so records that land late (a Firehose buffer flushed
// after midnight, a producer's retry) are promoted on the next run; since
// the MERGE is idempotent per partition, merging a day again changes only
// what is new in it. A backfill names its days: {"from": "2026-11-01",
// "to": "2026-11-25"} merges every day between, both included.
//
// The state machine formats each partition's values into the MERGE with
// States.Format, so they are plain decimal strings without leading zeros,
// never anything a caller typed.
package lakepromote

import (
	"errors"
	"fmt"
	"strconv"
	"time"
)

// MaxPartitions bounds the days one run merges (a backfill longer than
// this is several runs).
const MaxPartitions = 366

// Request is the state machine's input: the scheduled time (EventBridge
// Scheduler's <aws.scheduler.scheduled-time>), or a range of days.
type Request struct {
	Time string `json:"time,omitempty"`
	From string `json:"from,omitempty"`
	To   string `json:"to,omitempty"`
}

// Partition is one raw partition, as the MERGE's placeholders take it.
type Partition struct {
	Year  string `json:"year"`
	Month string `json:"month"`
	Day   string `json:"day"`
}

// Plan is the partitions a run merges, oldest first.
type Plan struct {
	Partitions []Partition `json:"partitions"`
}

func partition(t time.Time) Partition {
	return Partition{strconv.Itoa(t.Year()), strconv.Itoa(int(t.Month())), strconv.Itoa(t.Day())}
}

// NewPlan returns the partitions of r. lookbackDays (>= 0) applies to a
// scheduled run; days are UTC, the layout Firehose and lakeloader write.
func NewPlan(r Request, lookbackDays int) (Plan, error) {
	if lookbackDays < 0 {
		return Plan{}, fmt.Errorf("lookback of %d days is negative", lookbackDays)
	}
	var from, to time.Time
	switch {
	case r.Time != "" && (r.From != "" || r.To != ""):
		return Plan{}, errors.New(`give "time" or "from" and "to", not both`)
	case r.Time != "":
		t, err := time.Parse(time.RFC3339, r.Time)
		if err != nil {
			return Plan{}, fmt.Errorf(`"time" %q is not an RFC 3339 time`, r.Time)
		}
		to = day(t)
		from = to.AddDate(0, 0, -lookbackDays)
	case r.From != "" && r.To != "":
		var err error
		if from, err = time.Parse(time.DateOnly, r.From); err != nil {
			return Plan{}, fmt.Errorf(`"from" %q is not a date (YYYY-MM-DD)`, r.From)
		}
		if to, err = time.Parse(time.DateOnly, r.To); err != nil {
			return Plan{}, fmt.Errorf(`"to" %q is not a date (YYYY-MM-DD)`, r.To)
		}
		if to.Before(from) {
			return Plan{}, fmt.Errorf(`"to" %s is before "from" %s`, r.To, r.From)
		}
	default:
		return Plan{}, errors.New(`the input needs "time" (a scheduled run) or "from" and "to" (a backfill)`)
	}
	if n := int(to.Sub(from).Hours()/24) + 1; n > MaxPartitions {
		return Plan{}, fmt.Errorf("%d days from %s to %s is more than the %d one run merges", n, from.Format(time.DateOnly), to.Format(time.DateOnly), MaxPartitions)
	}
	var p Plan
	for d := from; !d.After(to); d = d.AddDate(0, 0, 1) {
		p.Partitions = append(p.Partitions, partition(d))
	}
	return p, nil
}

func day(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}
