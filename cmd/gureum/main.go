// Command gureum reviews synthesized AWS CDK apps in CI: it compares cloud
// assemblies (diff), draws their stacks (diagram) and reports on their
// quotas and cdk-nag findings (report). Run `gureum help` for usage.
package main

import (
	"os"

	"github.com/gureum-cdk/gureum/internal/gureumcli"
)

func main() {
	os.Exit(gureumcli.Main(os.Args[1:]))
}
