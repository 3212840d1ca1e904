// Package cdkapp prepares what gureum's reference app (app.go, run by
// `go run .` or by the CDK CLI through cdk.json) and its whole-app tests
// (tests/) share before they create a CDK app: the context of the project's
// cdk.json, which holds the CDK feature flags.
//
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
	"path/filepath"
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
