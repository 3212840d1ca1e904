// Package cdkapp prepares what gureum's reference app (app.go, run by
// `go run .` or by the CDK CLI through cdk.json) and its whole-app tests
// (tests/) share before they create a CDK app: the context of the project's
// cdk.json, which holds the CDK feature flags, and a jsii runtime that prints
// no Node.js version banner.
//
//	cdkapp.QuietJSII()
//	ctx, err := cdkapp.Context(".")
//	app := awscdk.NewApp(&awscdk.AppProps{Context: &ctx})
//
// The CDK CLI passes cdk.json's context to the app itself (with any
// --context given on its command line, which wins over AppProps.Context);
// reading it in the app too makes `go run .` and the tests synthesize with
// the same feature flags as `cdk synth`.
package cdkapp

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/aws/jsii-runtime-go"
)

// Context returns the "context" object of dir/cdk.json: the feature flags
// and any other context the project pins. A missing or malformed cdk.json is
// an error: synthesizing without it would silently use other flags than the
// CDK CLI.
func Context(dir string) (map[string]any, error) {
	path := filepath.Join(dir, "cdk.json")
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading the CDK app's context: %w (run from the project directory, where cdk.json is)", err)
	}
	var f struct {
		Context map[string]any `json:"context"`
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	if f.Context == nil {
		f.Context = map[string]any{}
	}
	return f.Context, nil
}

// QuietJSII makes sure the jsii runtime (the Node.js process behind the
// CDK's Go bindings) starts with JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION
// set, and JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION set to the major
// version of the Node.js it runs (JSII_NODE, else node on PATH), so that
// neither banner interleaves with the program's output; and with
// JSII_RUNTIME_PACKAGE_CACHE, so that the CDK's packages are unpacked once
// per machine, not per run. A value the user set is kept.
//
// The runtime takes its environment when the CDK's Go packages initialize,
// before main runs: setting a variable afterwards does not reach it. So when
// one is missing, QuietJSII sets them and executes the program again (on
// Unix; elsewhere it only sets them). Call it first in main or TestMain.
func QuietJSII() { Setenv(nil, nil) }

// Setenv is QuietJSII with more of the jsii runtime's environment: each of
// defaults is set when unset (a value the user set is kept), each of forced
// is set whatever the user set. aws-cdk-lib reads some switches from its
// Node.js process's environment (CDK_VALIDATION, for one), which is fixed
// when the CDK's Go packages initialize, so a change here executes the
// program again, once, like QuietJSII.
func Setenv(defaults, forced map[string]string) {
	// A program run again keeps the guard out of the environment of the
	// programs it starts: they are run again if they need to be.
	again := os.Getenv(reexecGuard) != ""
	os.Unsetenv(reexecGuard)
	changed := setDefault("JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION", func() string { return "1" })
	changed = setDefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", nodeMajor) || changed
	changed = setDefault("JSII_RUNTIME_PACKAGE_CACHE", func() string { return "enabled" }) || changed
	for k, v := range defaults {
		changed = setDefault(k, func() string { return v }) || changed
	}
	for k, v := range forced {
		if old, ok := os.LookupEnv(k); !ok || old != v {
			os.Setenv(k, v)
			changed = true
		}
	}
	if changed && !again {
		os.Setenv(reexecGuard, "1")
		// The runtime's files, unpacked when the CDK's packages
		// initialized, go with the client this process will not use.
		jsii.Close()
		reexec()
	}
}

// reexecGuard marks a program QuietJSII has executed again.
const reexecGuard = "GUREUM_JSII_QUIET"

// setDefault sets key to value() when it is unset, and reports whether it did.
func setDefault(key string, value func() string) bool {
	if _, ok := os.LookupEnv(key); ok {
		return false
	}
	if v := value(); v != "" {
		os.Setenv(key, v)
		return true
	}
	return false
}

// nodeMajor is the major version of the Node.js the jsii runtime starts
// ("20" for v20.20.2), or "" when it cannot be run (the jsii runtime then
// reports that itself).
func nodeMajor() string {
	node := os.Getenv("JSII_NODE")
	if node == "" {
		node = "node"
	}
	out, err := exec.Command(node, "--version").Output()
	if err != nil {
		return ""
	}
	major, _, _ := strings.Cut(strings.TrimPrefix(strings.TrimSpace(string(out)), "v"), ".")
	return major
}
