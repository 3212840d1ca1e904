// Command gureum-app synthesizes every gureum reference stack into ./cdk.out
// (or the directory the CDK CLI names in CDK_OUTDIR), with the feature flags
// of cdk.json, and prints to standard error one line per stack: its name,
// resource count, unsuppressed cdk-nag findings and the CDK's own warnings and
// errors. Standard output stays the CDK CLI's: `cdk synth GureumVoting >
// t.yaml` writes only the template, and `cdk ls` only stack names.
package main

import (
	"fmt"
	"io"
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
	cdkapp.QuietJSII()
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

	if summarize(os.Stderr, asm) {
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

// summarize writes one line per stack of asm to w: resources, unsuppressed
// cdk-nag findings, and the CDK's own warnings and errors (annotations such
// as "Ignoring 'minimumProtocolVersion' …", which the synthesis's
// validation report prints in full above it). It reports whether any stack
// has an error.
func summarize(w io.Writer, asm cxapi.CloudAssembly) (failed bool) {
	fmt.Fprintf(w, "%-24s %9s  %-22s  %s\n", "STACK", "RESOURCES", "CDK-NAG (unsuppressed)", "CDK (annotations)")
	for _, st := range *asm.Stacks() {
		resources := 0
		if tpl, ok := st.Template().(map[string]any); ok {
			if r, ok := tpl["Resources"].(map[string]any); ok {
				resources = len(r)
			}
		}
		var nag, cdk counts
		for _, m := range *st.Messages() {
			c := &cdk
			if strings.Contains(fmt.Sprint(m.Entry.Data), "AwsSolutions-") {
				c = &nag
			}
			switch m.Level {
			case cxapi.SynthesisMessageLevel_ERROR:
				c.errors++
			case cxapi.SynthesisMessageLevel_WARNING:
				c.warnings++
			}
		}
		failed = failed || nag.errors > 0 || cdk.errors > 0
		fmt.Fprintf(w, "%-24s %9d  %-22s  %s\n", *st.StackName(), resources, nag, cdk)
	}
	fmt.Fprintf(w, "cloud assembly: %s\n", *asm.Directory())
	if failed {
		fmt.Fprintln(w, "synthesis reported errors: see the messages above, and the NagReport CSV files in the assembly for cdk-nag's")
	}
	return failed
}

// counts are the errors and warnings of one kind on a stack.
type counts struct{ errors, warnings int }

func (c counts) String() string {
	return plural(c.errors, "error") + ", " + plural(c.warnings, "warning")
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}
