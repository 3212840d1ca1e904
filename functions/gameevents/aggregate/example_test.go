package aggregate_test

import (
	"fmt"
	"time"

	"github.com/gureum-cdk/gureum/functions/gameevents/aggregate"
)

func ExampleObjectKey() {
	b := aggregate.Batch{
		ShardID:             "shardId-000000000000",
		FirstSequenceNumber: "49590338271490256608559692538361571095921575989136588898",
		ArrivedAt:           time.Date(2026, 11, 25, 13, 0, 7, 0, time.FixedZone("KST", 9*60*60)),
	}
	fmt.Println(aggregate.ObjectKey(aggregate.DefaultPrefix, b))
	// Output:
	// events/year=2026/month=11/day=25/hour=04/shardId-000000000000-49590338271490256608559692538361571095921575989136588898.json
}
