package lakepromote_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/gureum-cdk/gureum/functions/lakepromote"
)

func days(p lakepromote.Plan) string {
	var s []string
	for _, x := range p.Partitions {
		s = append(s, x.Year+"/"+x.Month+"/"+x.Day)
	}
	return strings.Join(s, " ")
}

func TestNewPlan(t *testing.T) {
	cases := []struct {
		name     string
		r        lakepromote.Request
		lookback int
		want     string
	}{
		{"scheduled, one day back", lakepromote.Request{Time: "2026-11-25T04:15:00Z"}, 1, "2026/11/24 2026/11/25"},
		{"no lookback", lakepromote.Request{Time: "2026-11-25T04:15:00Z"}, 0, "2026/11/25"},
		{"the day is UTC's, as Firehose writes it", lakepromote.Request{Time: "2026-11-25T08:15:00+09:00"}, 0, "2026/11/24"},
		{"across a year and a leap day", lakepromote.Request{Time: "2028-03-01T00:00:00Z"}, 2, "2028/2/28 2028/2/29 2028/3/1"},
		{"new year", lakepromote.Request{Time: "2027-01-01T00:10:00Z"}, 1, "2026/12/31 2027/1/1"},
		{"backfill", lakepromote.Request{From: "2026-10-30", To: "2026-11-02"}, 1, "2026/10/30 2026/10/31 2026/11/1 2026/11/2"},
		{"backfill of one day", lakepromote.Request{From: "2026-11-02", To: "2026-11-02"}, 5, "2026/11/2"},
	}
	for _, c := range cases {
		p, err := lakepromote.NewPlan(c.r, c.lookback)
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if got := days(p); got != c.want {
			t.Errorf("%s: %s, want %s", c.name, got, c.want)
		}
	}
}

func TestNewPlanRejects(t *testing.T) {
	cases := []struct {
		r        lakepromote.Request
		lookback int
		want     string
	}{
		{lakepromote.Request{}, 1, `the input needs "time" (a scheduled run) or "from" and "to" (a backfill)`},
		{lakepromote.Request{From: "2026-11-01"}, 1, `the input needs "time"`},
		{lakepromote.Request{Time: "2026-11-25T04:15:00Z", From: "2026-11-01", To: "2026-11-02"}, 1, `give "time" or "from" and "to", not both`},
		{lakepromote.Request{Time: "yesterday"}, 1, `"time" "yesterday" is not an RFC 3339 time`},
		{lakepromote.Request{From: "2026-11-01", To: "2026/11/02"}, 1, `"to" "2026/11/02" is not a date (YYYY-MM-DD)`},
		{lakepromote.Request{From: "2026-11-03", To: "2026-11-02"}, 1, `"to" 2026-11-02 is before "from" 2026-11-03`},
		{lakepromote.Request{From: "2025-01-01", To: "2026-11-02"}, 1, `671 days from 2025-01-01 to 2026-11-02 is more than the 366 one run merges`},
		{lakepromote.Request{Time: "2026-11-25T04:15:00Z"}, -1, `lookback of -1 days is negative`},
		// SQL in a field is a parse error, never a partition value.
		{lakepromote.Request{From: "2026-11-01' OR 1=1 --", To: "2026-11-02"}, 1, `"from" "2026-11-01' OR 1=1 --" is not a date`},
	}
	for _, c := range cases {
		_, err := lakepromote.NewPlan(c.r, c.lookback)
		if err == nil || !strings.HasPrefix(err.Error(), c.want) {
			t.Errorf("NewPlan(%+v, %d) = %v, want %s", c.r, c.lookback, err, c.want)
		}
	}
}

// Every value the plan hands to States.Format is a decimal number without a
// leading zero, whatever the day.
func TestPartitionValuesAreBareNumbers(t *testing.T) {
	p, err := lakepromote.NewPlan(lakepromote.Request{From: "2026-01-01", To: "2026-12-31"}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Partitions) != 365 {
		t.Fatalf("%d partitions in 2026", len(p.Partitions))
	}
	for _, x := range p.Partitions {
		for _, v := range []string{x.Year, x.Month, x.Day} {
			if v == "" || v[0] == '0' || strings.Trim(v, "0123456789") != "" {
				t.Fatalf("partition value %q", v)
			}
		}
	}
	if got := fmt.Sprint(p.Partitions[59]); got != "{2026 3 1}" {
		t.Errorf("day 60 of 2026 = %s", got)
	}
}
