// Command gureum-app synthesizes every gureum reference stack into ./cdk.out
// (or the directory the CDK CLI names in CDK_OUTDIR), with the feature flags
// of cdk.json, and prints one line per
// stack: its name, resource count and unsuppressed cdk-nag findings.
package main

import (
	"fmt"
	"os"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/cxapi"
	"github.com/aws/jsii-runtime-go"

	"github.com/gureum-cdk/gureum/internal/cdkapp"
	"github.com/gureum-cdk/gureum/stacks"
)

func main() {
	defer jsii.Close()
	if os.Getenv("JSII_RUNTIME_PACKAGE_CACHE") == "" {
		os.Setenv("JSII_RUNTIME_PACKAGE_CACHE", "enabled")
	}
	appContext, err := cdkapp.Context(".")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	props := &awscdk.AppProps{Context: &appContext}
	if os.Getenv("CDK_OUTDIR") == "" {
		// Run directly (go run .): write where the CDK CLI would.
		props.Outdir = jsii.String("cdk.out")
	}
	app := awscdk.NewApp(props)
	stacks.All(app, stacks.Options{Root: ".", Env: env(app)})
	stacks.ApplyNag(app)
	asm := app.Synth(nil)

	failed := false
	fmt.Printf("%-24s %9s  %s\n", "STACK", "RESOURCES", "CDK-NAG (unsuppressed)")
	for _, st := range *asm.Stacks() {
		resources := 0
		if tpl, ok := st.Template().(map[string]any); ok {
			if r, ok := tpl["Resources"].(map[string]any); ok {
				resources = len(r)
			}
		}
		errs, warns := nagFindings(st)
		if errs > 0 {
			failed = true
		}
		fmt.Printf("%-24s %9d  %d errors, %d warnings\n", *st.StackName(), resources, errs, warns)
	}
	fmt.Printf("cloud assembly: %s\n", *asm.Directory())
	if failed {
		fmt.Fprintln(os.Stderr, "cdk-nag reported errors: see the messages above and the NagReport CSV files in the assembly")
		os.Exit(1)
	}
}

// env pins the stacks to an account and region only when one is given, by
// context (-c account=... -c region=...) or by the CDK CLI's environment.
func env(app awscdk.App) *awscdk.Environment {
	get := func(ctxKey, envKey string) string {
		if v, ok := app.Node().TryGetContext(jsii.String(ctxKey)).(string); ok && v != "" {
			return v
		}
		return os.Getenv(envKey)
	}
	account, region := get("account", "CDK_DEFAULT_ACCOUNT"), get("region", "CDK_DEFAULT_REGION")
	if account == "" && region == "" {
		return nil
	}
	e := &awscdk.Environment{}
	if account != "" {
		e.Account = jsii.String(account)
	}
	if region != "" {
		e.Region = jsii.String(region)
	}
	return e
}

// nagFindings counts the cdk-nag AwsSolutions errors and warnings left on a stack.
func nagFindings(st cxapi.CloudFormationStackArtifact) (errs, warns int) {
	for _, m := range *st.Messages() {
		data, _ := m.Entry.Data.(string)
		if !strings.Contains(data, "AwsSolutions-") {
			continue
		}
		switch m.Level {
		case cxapi.SynthesisMessageLevel_ERROR:
			errs++
		case cxapi.SynthesisMessageLevel_WARNING:
			warns++
		}
	}
	return errs, warns
}
