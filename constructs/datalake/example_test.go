package datalake_test

import (
	"fmt"

	"github.com/gureum-cdk/gureum/constructs/datalake"
)

// Validate names every invalid prop before anything is created.
func ExampleValidate() {
	err := datalake.Validate(nil, "Lake", &datalake.Props{
		Zones:     []datalake.Zone{{Name: "raw", ObjectLock: &datalake.ObjectLock{RetentionDays: 30}}, {Name: "raw"}},
		Lifecycle: datalake.Lifecycle{IntelligentTieringAfterDays: 90, GlacierAfterDays: 30},
		Crawlers:  datalake.Crawlers{Schedule: "cron(0 2 * * *)"},
	})
	fmt.Println(err)
	// Output:
	// datalake "Lake": 4 invalid props:
	//   - Zones[0].ObjectLock.Mode: is required with RetentionDays: GOVERNANCE or COMPLIANCE
	//   - Zones[1].Name: "raw" duplicates Zones[0]
	//   - Lifecycle.GlacierAfterDays: 30 must come after the Intelligent-Tiering transition (day 90)
	//   - Crawlers.Schedule: "cron(0 2 * * *)" has 5 fields, want 6 (minutes hours day-of-month month day-of-week year)
}
