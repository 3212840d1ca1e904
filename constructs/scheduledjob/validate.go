package scheduledjob

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
	// Embedded IANA time zone data, so that time zones are validated the
	// same way on every machine that synthesizes.
	_ "time/tzdata"

	"github.com/aws/constructs-go/constructs/v10"

	"github.com/gureum-cdk/gureum/constructs/internal/golambda"
	"github.com/gureum-cdk/gureum/constructs/internal/validate"
)

var (
	scheduleNameRE = regexp.MustCompile(`^[0-9A-Za-z_.-]{1,64}$`)
	rateRE         = regexp.MustCompile(`^rate\((\d+) ([a-z]+)\)$`)
	atRE           = regexp.MustCompile(`^at\((\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})\)$`)
	reservedEnv    = map[string]bool{"AWS_REGION": true, "AWS_LAMBDA_FUNCTION_NAME": true, "_HANDLER": true}
)

// Validate reports every invalid prop of a Job that would be created as id
// under scope, without creating anything.
func Validate(scope constructs.Construct, id string, props *Props) error {
	_, err := resolve(scope, id, props)
	return err
}

// resolve applies the defaults (withDefaults) and reports every invalid
// prop at once.
func resolve(scope constructs.Construct, id string, p *Props) (*config, error) {
	v := validate.New("scheduledjob", scope, id)
	if p == nil {
		v.Addf("Props", "must not be nil: Entry and Schedules are required")
		return nil, v.Err()
	}
	c := withDefaults(p)
	if err := golambda.CheckEntry(p.Entry); err != nil {
		v.Addf("Entry", "%v", err)
	}
	v.Check(len(p.Schedules) > 0, "Schedules", "at least one schedule is required")
	seen := map[string]int{}
	for i, s := range p.Schedules {
		prop := fmt.Sprintf("Schedules[%d]", i)
		if v.Check(scheduleNameRE.MatchString(s.Name), prop+".Name", "%q must be 1-64 letters, digits, '-', '_' or '.'", s.Name) {
			if j, dup := seen[s.Name]; dup {
				v.Addf(prop+".Name", "%q duplicates Schedules[%d]", s.Name, j)
			} else {
				seen[s.Name] = i
			}
		}
		if err := CheckExpression(s.Expression); err != nil {
			v.Addf(prop+".Expression", "%v", err)
		}
		if s.TimeZone != "" {
			v.Check(validTimeZone(s.TimeZone), prop+".TimeZone", "%q is not an IANA time zone (such as %q or \"UTC\")", s.TimeZone, DefaultTimeZone)
		}
		w := s.FlexibleWindow
		if w != 0 {
			v.Check(w >= time.Minute && w <= MaxFlexibleWindow && w%time.Minute == 0, prop+".FlexibleWindow",
				"%s is not a whole number of minutes between 1 and 1440", w)
		}
		if s.Payload != nil {
			if _, err := json.Marshal(s.Payload); err != nil {
				v.Addf(prop+".Payload", "does not marshal to JSON: %v", err)
			}
		}
		v.Check(len(s.Description) <= 512, prop+".Description", "has %d characters, more than 512", len(s.Description))
		if !s.Start.IsZero() && !s.End.IsZero() {
			v.Check(s.End.After(s.Start), prop+".End", "%s is not after Start %s", s.End.Format(time.RFC3339), s.Start.Format(time.RFC3339))
		}
	}
	f := p.Function
	v.Check(f.MemoryMB == 0 || (f.MemoryMB >= 128 && f.MemoryMB <= 10240), "Function.MemoryMB", "%d is outside Lambda's range 128..10240", f.MemoryMB)
	v.Check(f.Timeout == 0 || (f.Timeout >= time.Second && f.Timeout <= 15*time.Minute), "Function.Timeout", "%s is outside Lambda's range 1s..15m", f.Timeout)
	v.Check(f.ReservedConcurrency >= 0, "Function.ReservedConcurrency", "must not be negative, got %d", f.ReservedConcurrency)
	if f.AsyncRetries != nil {
		v.Check(*f.AsyncRetries >= 0 && *f.AsyncRetries <= MaxAsyncRetries, "Function.AsyncRetries", "%d is outside Lambda's range 0..%d", *f.AsyncRetries, MaxAsyncRetries)
	}
	for k := range f.Environment {
		v.Check(!reservedEnv[k], "Function.Environment", "%s is reserved by Lambda", k)
	}
	r := p.Retry
	if r.MaxRetries != nil {
		v.Check(*r.MaxRetries >= 0 && *r.MaxRetries <= MaxRetries, "Retry.MaxRetries", "%d is outside EventBridge Scheduler's range 0..%d", *r.MaxRetries, MaxRetries)
	}
	if r.MaxEventAge != 0 {
		v.Check(r.MaxEventAge >= MinEventAge && r.MaxEventAge <= MaxEventAge && r.MaxEventAge%time.Second == 0, "Retry.MaxEventAge",
			"%s is outside EventBridge Scheduler's range 1m..24h (whole seconds)", r.MaxEventAge)
	}
	q := p.DeadLetterQueue
	if q.Retention != 0 {
		v.Check(q.Retention >= time.Minute && q.Retention <= DefaultQueueRetention && q.Retention%time.Second == 0, "DeadLetterQueue.Retention",
			"%s is outside SQS's range 1m..336h (whole seconds)", q.Retention)
	}
	return c, v.Err()
}

// validTimeZone accepts IANA names Go knows; "Local" and "" are not names
// EventBridge Scheduler accepts.
func validTimeZone(tz string) bool {
	if tz == "Local" || strings.TrimSpace(tz) != tz {
		return false
	}
	_, err := time.LoadLocation(tz)
	return err == nil
}

// CheckExpression reports why expr is not a valid EventBridge Scheduler
// schedule expression (cron, rate or at), or nil.
func CheckExpression(expr string) error {
	switch {
	case expr == "":
		return errors.New(`is empty: want "cron(...)", "rate(...)" or "at(...)"`)
	case strings.HasPrefix(expr, "cron("):
		return checkCron(expr)
	case strings.HasPrefix(expr, "rate("):
		return checkRate(expr)
	case strings.HasPrefix(expr, "at("):
		m := atRE.FindStringSubmatch(expr)
		if m == nil {
			return fmt.Errorf("%q is not at(yyyy-mm-ddThh:mm:ss)", expr)
		}
		if _, err := time.Parse("2006-01-02T15:04:05", m[1]); err != nil {
			return fmt.Errorf("%q: %s is not a valid date and time", expr, m[1])
		}
		return nil
	}
	return fmt.Errorf(`%q is not a "cron(...)", "rate(...)" or "at(...)" expression`, expr)
}

func checkRate(expr string) error {
	m := rateRE.FindStringSubmatch(expr)
	if m == nil {
		return fmt.Errorf("%q is not rate(value unit), e.g. \"rate(5 minutes)\"", expr)
	}
	n, err := strconv.Atoi(m[1])
	if err != nil || n < 1 {
		return fmt.Errorf("%q: the value must be a positive integer", expr)
	}
	unit := m[2]
	switch unit {
	case "minute", "hour", "day":
		if n != 1 {
			return fmt.Errorf("%q: use %q for a value other than 1", expr, unit+"s")
		}
	case "minutes", "hours", "days":
		if n == 1 {
			return fmt.Errorf("%q: use %q for the value 1", expr, strings.TrimSuffix(unit, "s"))
		}
	default:
		return fmt.Errorf("%q: unit %q is not minute(s), hour(s) or day(s)", expr, unit)
	}
	return nil
}

type cronField struct {
	name     string
	min, max int
	names    []string // names[i] stands for min+i
	question bool     // "?" allowed
}

var cronFields = []cronField{
	{name: "minutes", min: 0, max: 59},
	{name: "hours", min: 0, max: 23},
	{name: "day-of-month", min: 1, max: 31, question: true},
	{name: "month", min: 1, max: 12, names: []string{"JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"}},
	{name: "day-of-week", min: 1, max: 7, names: []string{"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"}, question: true},
	{name: "year", min: 1970, max: 2199},
}

func checkCron(expr string) error {
	if !strings.HasSuffix(expr, ")") {
		return fmt.Errorf("%q does not end with \")\"", expr)
	}
	fields := strings.Fields(expr[len("cron(") : len(expr)-1])
	if len(fields) != 6 {
		return fmt.Errorf("%q has %d fields, want 6: minutes hours day-of-month month day-of-week year", expr, len(fields))
	}
	for i, f := range cronFields {
		if err := f.check(fields[i]); err != nil {
			return fmt.Errorf("%q: %s %v", expr, f.name, err)
		}
	}
	if (fields[2] == "?") == (fields[4] == "?") {
		return fmt.Errorf("%q: exactly one of day-of-month and day-of-week must be \"?\"", expr)
	}
	return nil
}

func (f cronField) check(s string) error {
	if s == "?" {
		if !f.question {
			return errors.New(`cannot be "?"`)
		}
		return nil
	}
	for _, item := range strings.Split(s, ",") {
		if err := f.checkItem(item); err != nil {
			return fmt.Errorf("%q: %v", s, err)
		}
	}
	return nil
}

func (f cronField) checkItem(item string) error {
	switch {
	case item == "":
		return errors.New("has an empty list item")
	case item == "*":
		return nil
	case item == "?":
		return errors.New(`"?" must stand alone`)
	}
	// Day-of-month: L (last day), LW (last weekday), nW (weekday nearest n).
	if f.name == "day-of-month" {
		if item == "L" || item == "LW" {
			return nil
		}
		if n, ok := strings.CutSuffix(item, "W"); ok {
			return f.checkValue(n)
		}
	}
	// Day-of-week: L (Saturday), nL (last n-day of the month), n#k (k-th n-day).
	if f.name == "day-of-week" {
		if item == "L" {
			return nil
		}
		if n, ok := strings.CutSuffix(item, "L"); ok {
			return f.checkValue(n)
		}
		if n, k, ok := strings.Cut(item, "#"); ok {
			if err := f.checkValue(n); err != nil {
				return err
			}
			if kk, err := strconv.Atoi(k); err != nil || kk < 1 || kk > 5 {
				return fmt.Errorf("%q: the occurrence after # must be 1..5", item)
			}
			return nil
		}
	}
	base, step, hasStep := strings.Cut(item, "/")
	if hasStep {
		if n, err := strconv.Atoi(step); err != nil || n < 1 {
			return fmt.Errorf("%q: the increment after / must be a positive integer", item)
		}
		if base == "*" {
			return nil
		}
	}
	if lo, hi, isRange := strings.Cut(base, "-"); isRange {
		if err := f.checkValue(lo); err != nil {
			return err
		}
		return f.checkValue(hi)
	}
	return f.checkValue(base)
}

func (f cronField) checkValue(s string) error {
	for _, n := range f.names {
		if strings.EqualFold(s, n) {
			return nil
		}
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < f.min || n > f.max {
		if len(f.names) > 0 {
			return fmt.Errorf("%q is not %d-%d or %s-%s", s, f.min, f.max, f.names[0], f.names[len(f.names)-1])
		}
		return fmt.Errorf("%q is not %d-%d", s, f.min, f.max)
	}
	return nil
}
