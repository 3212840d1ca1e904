package golambda

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"
)

// Handlers start building when their construct is created, and only in the
// stacks the CDK bundles: `cdk synth --exclusively Picked` passes
// aws:cdk:bundling-stacks ["Picked"]. The bundled function code is the
// binary; an asset from NewAsset is the binary itself, as one file.
func TestOnlyBundledStacksBuild(t *testing.T) {
	mod := handlerModule(t)
	out := t.TempDir()
	app := awscdk.NewApp(&awscdk.AppProps{
		Outdir:  jsii.String(out),
		Context: &map[string]any{"aws:cdk:bundling-stacks": []string{"Picked"}},
	})
	picked := awscdk.NewStack(app, jsii.String("Picked"), nil)
	skipped := awscdk.NewStack(app, jsii.String("Skipped"), nil)
	New(picked, "Fn", Props{Entry: filepath.Join(mod, "a")})
	New(picked, "Fn86", Props{Entry: filepath.Join(mod, "a"), X86: true})
	NewAsset(picked, "Program", filepath.Join(mod, "b"), "amd64", "program b")
	New(skipped, "Fn", Props{Entry: filepath.Join(mod, "c")})
	NewAsset(skipped, "Program", filepath.Join(mod, "a"), "amd64", "")

	job := func(dir, goarch string) bool {
		b := defaultBuilder()
		b.mu.Lock()
		defer b.mu.Unlock()
		_, ok := b.jobs[goarch+"|"+mod+"|"+filepath.Join(mod, dir)]
		return ok
	}
	started := map[string]bool{"a arm64": job("a", "arm64"), "b amd64": job("b", "amd64"), "c arm64": job("c", "arm64")}
	for k, w := range map[string]bool{"a arm64": true, "b amd64": true, "c arm64": false} {
		if started[k] != w {
			t.Errorf("before synthesis: build of %s started = %v, want %v", k, started[k], w)
		}
	}

	app.Synth(nil)
	if job("c", "arm64") {
		t.Error("synthesis built a handler of the stack that is not bundled")
	}
	var manifest struct {
		Files map[string]struct {
			DisplayName string
			Source      struct{ Path, Packaging string }
		}
	}
	raw, err := os.ReadFile(filepath.Join(out, "Picked.assets.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &manifest); err != nil {
		t.Fatal(err)
	}
	// The arm64 and amd64 builds of one package are two assets.
	want := map[[32]byte]string{
		uncached(t, mustResolve(t, filepath.Join(mod, "a")), "arm64"): "zip",
		uncached(t, mustResolve(t, filepath.Join(mod, "a")), "amd64"): "zip",
		uncached(t, mustResolve(t, filepath.Join(mod, "b")), "amd64"): "file",
	}
	for hash, f := range manifest.Files {
		if filepath.Ext(f.Source.Path) == ".json" { // the template itself
			continue
		}
		bin := filepath.Join(out, f.Source.Path)
		if f.Source.Packaging == "zip" {
			bin = filepath.Join(bin, "bootstrap")
		} else if f.DisplayName != "program b" {
			t.Errorf("asset %s is named %q, want %q", hash, f.DisplayName, "program b")
		}
		s := sum(t, bin)
		if packaging, ok := want[s]; !ok || packaging != f.Source.Packaging {
			t.Errorf("asset %s (%s, %s) is none of the uncached binaries", hash, f.Source.Packaging, f.DisplayName)
		}
		delete(want, s)
	}
	if len(want) > 0 {
		t.Errorf("Picked's assets: %+v, want the arm64 and amd64 functions' zips and the program's file", manifest.Files)
	}
}
