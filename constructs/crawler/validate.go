package crawler

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/aws/constructs-go/constructs/v10"

	"github.com/gureum-cdk/gureum/constructs/internal/validate"
	"github.com/gureum-cdk/gureum/constructs/scheduledjob"
)

// jobPropNames maps the props of the crawler's scheduled job to the crawler
// props they come from, so that a problem the job finds names the prop the
// caller set.
var jobPropNames = map[string]string{
	"Entry":                       "Entry",
	"Schedules[0].Expression":     "Schedule",
	"Schedules[0].TimeZone":       "TimeZone",
	"Schedules[0].FlexibleWindow": "FlexibleWindow",
	"Schedules[0].Payload":        "URLs",
	"Function.MemoryMB":           "MemoryMB",
	"Function.Timeout":            "Timeout",
}

// Validate reports every invalid prop of a Crawler that would be created as
// id under scope, without creating anything: its own props, and what the
// scheduled job would refuse (entry, schedule, time zone, window, sizes),
// named by the crawler's props.
func Validate(scope constructs.Construct, id string, props *Props) error {
	_, err := resolve(scope, id, props)
	return err
}

// resolve applies the defaults (withDefaults) and reports every invalid
// prop at once.
func resolve(scope constructs.Construct, id string, props *Props) (*config, error) {
	v := validate.New("crawler", scope, id)
	if props == nil {
		v.Addf("Props", "must not be nil: URLs is required")
		return nil, v.Err()
	}
	p := props
	c := withDefaults(p)
	v.Check(len(p.URLs) > 0, "URLs", "at least one URL is required")
	seen := map[string]bool{}
	for i, raw := range p.URLs {
		prop := fmt.Sprintf("URLs[%d]", i)
		u, err := url.Parse(raw)
		switch {
		case err != nil:
			v.Addf(prop, "%q is not a URL: %v", raw, err)
		case u.Scheme != "http" && u.Scheme != "https":
			v.Addf(prop, "%q must be an http or https URL", raw)
		case u.Host == "":
			v.Addf(prop, "%q has no host", raw)
		case len(raw) > MaxURLBytes:
			v.Addf(prop, "is %d bytes, above the status table's %d-byte key limit", len(raw), MaxURLBytes)
		case seen[raw]:
			v.Addf(prop, "%q is listed twice", raw)
		}
		seen[raw] = true
	}
	if b, _ := json.Marshal(payload(p.URLs)); len(b) > MaxPayloadBytes {
		v.Addf("URLs", "the list is %d bytes as a payload, above EventBridge Scheduler's %d", len(b), MaxPayloadBytes)
	}
	v.Check(validHeaderValue(p.UserAgent), "UserAgent", "%q holds a control character, which no HTTP header may", p.UserAgent)
	v.Check(p.MaxBodyBytes >= 0, "MaxBodyBytes", "must not be negative")
	v.Check(p.Concurrency >= 0, "Concurrency", "must not be negative")
	v.Check(p.ExistingKey == nil || p.ExistingBucket == nil, "ExistingKey", "applies to the bucket the construct creates, not to ExistingBucket (encrypt that bucket yourself)")

	// The job's own checks, before anything is created. Its environment
	// holds the bucket and table names, unknown until they exist: any value
	// stands in for them here.
	if err := scheduledjob.Validate(nil, "Job", jobProps(c, handlerEnv(c, "bucket", "table"))); err != nil {
		var verr *validate.Error
		if !errors.As(err, &verr) {
			v.Addf("Entry", "%v", err)
			return c, v.Err()
		}
		for _, problem := range verr.Problems {
			prop, reason, _ := strings.Cut(problem, ": ")
			if name, ok := jobPropNames[prop]; ok {
				prop = name
			} else {
				prop = "Job." + prop // a check of scheduledjob's the crawler does not know of
			}
			v.Addf(prop, "%s", reason)
		}
	}
	return c, v.Err()
}

// validHeaderValue reports whether s may be an HTTP header's value: no
// control character but horizontal tab.
func validHeaderValue(s string) bool {
	for _, r := range s {
		if (r < 0x20 && r != '\t') || r == 0x7f {
			return false
		}
	}
	return true
}
