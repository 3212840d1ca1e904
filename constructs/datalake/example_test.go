package datalake_test

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/jsii-runtime-go"

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

// A lake with every default: raw, curated and analytics zones under one
// customer-managed key, daily crawlers, an Athena workgroup and a Direct PUT
// delivery stream into the raw zone. The grants are what a batch loader and
// an analyst need.
func ExampleNew() {
	app := awscdk.NewApp(nil)
	stack := awscdk.NewStack(app, jsii.String("Analytics"), nil)
	loader := awsiam.NewRole(stack, jsii.String("Loader"), &awsiam.RoleProps{
		AssumedBy: awsiam.NewServicePrincipal(jsii.String("lambda.amazonaws.com"), nil),
	})
	analyst := awsiam.NewRole(stack, jsii.String("Analyst"), &awsiam.RoleProps{
		AssumedBy: awsiam.NewAccountRootPrincipal(),
	})

	lake := datalake.New(stack, "Lake", nil)
	lake.GrantWrite("raw", loader)
	lake.GrantRead("curated", analyst)
	lake.GrantQuery(analyst)
	app.Synth(nil)

	fmt.Println("zones:", lake.Zones)
	fmt.Println("delivery stream:", lake.DeliveryStream != nil)
	// Output:
	// zones: [raw curated analytics]
	// delivery stream: true
}
