package lakeloader_test

import (
	"fmt"
	"time"

	"github.com/gureum-cdk/gureum/functions/lakeloader"
)

func ExampleValidatePrefix() {
	for _, p := range []string{"raw/events", "raw/../curated/"} {
		canonical, err := lakeloader.ValidatePrefix(p)
		fmt.Printf("%q %v\n", canonical, err)
	}
	// Output:
	// "raw/events/" <nil>
	// "" lakeloader: prefix "raw/../curated/": contains a ".." segment
}

func ExamplePartition() {
	// 01:30 in Seoul is 16:30 UTC the day before.
	fmt.Println(lakeloader.Partition(time.Date(2026, 11, 25, 1, 30, 0, 0, time.FixedZone("KST", 9*3600))))
	// Output: year=2026/month=11/day=24/
}
