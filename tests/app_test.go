// Package tests synthesizes the whole gureum reference app once and checks
// every stack: golden templates, stable logical IDs of stateful resources,
// retention, and cdk-nag's AwsSolutions pack.
//
//	go test ./tests            # compare with the golden files
//	go test ./tests -update    # rewrite them (review the diff like code)
package tests

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/cxapi"
	"github.com/aws/jsii-runtime-go"

	"github.com/gureum-cdk/gureum/internal/cdkapp"
	"github.com/gureum-cdk/gureum/stacks"
)

var update = flag.Bool("update", false, "rewrite the golden templates and record new stateful resources")

// assembly is the one synthesis of the app shared by every test here.
var cloudAssembly cxapi.CloudAssembly

func TestMain(m *testing.M) {
	flag.Parse()
	// The golden templates are checked with aws-cdk-lib's built-in
	// CloudFormation validation on, even when the shell exported
	// CDK_VALIDATION=false for make synth-fast.
	cdkapp.Setenv(nil, map[string]string{"CDK_VALIDATION": "true"})
	// The feature flags of cdk.json, as go run . and the CDK CLI use them.
	appContext, err := cdkapp.Context("..")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	out, err := os.MkdirTemp("", "gureum-tests-*.out")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(out), Context: &appContext})
	stacks.All(app, stacks.Options{Root: ".."})
	stacks.ApplyNag(app)
	cloudAssembly = app.Synth(nil)
	code := m.Run()
	jsii.Close()
	os.RemoveAll(out)
	os.Exit(code)
}

// templates returns every stack's template by stack name.
func templates(t *testing.T) map[string]map[string]any {
	t.Helper()
	out := map[string]map[string]any{}
	for _, st := range *cloudAssembly.Stacks() {
		b, err := os.ReadFile(*st.TemplateFullPath())
		if err != nil {
			t.Fatal(err)
		}
		var tpl map[string]any
		if err := json.Unmarshal(b, &tpl); err != nil {
			t.Fatal(err)
		}
		out[*st.StackName()] = tpl
	}
	if len(out) != len(stacks.References) {
		t.Fatalf("%d stacks synthesized, want %d", len(out), len(stacks.References))
	}
	return out
}

func resources(tpl map[string]any) map[string]map[string]any {
	out := map[string]map[string]any{}
	res, _ := tpl["Resources"].(map[string]any)
	for id, r := range res {
		out[id], _ = r.(map[string]any)
	}
	return out
}

var assetHash = regexp.MustCompile(`[0-9a-f]{64}`)

// normalize renders a template for a golden file: asset hashes become
// Asset1Hash, Asset2Hash, ... in order of appearance, and the CDK's version
// metadata resource is dropped.
func normalize(tpl map[string]any) []byte {
	clean := map[string]any{}
	for k, v := range tpl {
		clean[k] = v
	}
	res := map[string]any{}
	for id, r := range resources(tpl) {
		if r["Type"] == "AWS::CDK::Metadata" {
			continue
		}
		res[id] = r
	}
	clean["Resources"] = res
	if c, ok := clean["Conditions"].(map[string]any); ok {
		delete(c, "CDKMetadataAvailable")
		if len(c) == 0 {
			delete(clean, "Conditions")
		}
	}
	b, err := json.MarshalIndent(clean, "", "  ")
	if err != nil {
		panic(err)
	}
	names := map[string]string{}
	b = assetHash.ReplaceAllFunc(b, func(h []byte) []byte {
		n, ok := names[string(h)]
		if !ok {
			n = fmt.Sprintf("Asset%dHash", len(names)+1)
			names[string(h)] = n
		}
		return []byte(n)
	})
	return append(b, '\n')
}

func TestGoldenTemplates(t *testing.T) {
	for name, tpl := range templates(t) {
		t.Run(name, func(t *testing.T) {
			got := normalize(tpl)
			path := filepath.Join("testdata", name+".template.json")
			if *update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("no golden template (run go test ./tests -update): %v", err)
			}
			if string(got) != string(want) {
				t.Errorf("%s differs from %s; review the change and run go test ./tests -update:\n%s", name, path, firstDiff(string(want), string(got)))
			}
		})
	}
}

func firstDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < len(w) || i < len(g); i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			return fmt.Sprintf("line %d:\n  golden: %s\n  now:    %s", i+1, wl, gl)
		}
	}
	return "(same lines, different bytes)"
}

// statefulTypes hold data that a replacement or deletion would lose.
var statefulTypes = map[string]bool{
	"AWS::DynamoDB::Table": true, "AWS::DynamoDB::GlobalTable": true,
	"AWS::S3::Bucket": true, "AWS::RDS::DBCluster": true, "AWS::RDS::DBInstance": true,
	"AWS::RDS::GlobalCluster": true, "AWS::EFS::FileSystem": true, "AWS::FSx::FileSystem": true,
	"AWS::Kinesis::Stream": true, "AWS::KMS::Key": true, "AWS::OpenSearchService::Domain": true,
	"AWS::ElastiCache::ReplicationGroup": true, "AWS::ElastiCache::ServerlessCache": true,
	"AWS::Cognito::UserPool": true, "AWS::SecretsManager::Secret": true, "AWS::Logs::LogGroup": true,
	"AWS::SQS::Queue": true, "AWS::Backup::BackupVault": true, "AWS::Glue::Database": true,
	"AWS::Glue::Table": true,
}

const statefulRegistry = "testdata/stateful-resources.json"

// TestStatefulLogicalIDsAreStable fails when a stateful resource recorded in
// testdata/stateful-resources.json disappears or changes type: CloudFormation
// would delete or replace it, losing its data. -update records new stateful
// resources but never forgets one: removing an entry is a reviewed edit of
// the file itself.
func TestStatefulLogicalIDsAreStable(t *testing.T) {
	recorded := map[string]map[string]string{}
	if b, err := os.ReadFile(statefulRegistry); err == nil {
		if err := json.Unmarshal(b, &recorded); err != nil {
			t.Fatalf("%s: %v", statefulRegistry, err)
		}
	} else if !*update {
		t.Fatalf("%v (run go test ./tests -update to create it)", err)
	}
	current := map[string]map[string]string{}
	for name, tpl := range templates(t) {
		current[name] = map[string]string{}
		for id, r := range resources(tpl) {
			if typ, _ := r["Type"].(string); statefulTypes[typ] {
				current[name][id] = typ
			}
		}
	}
	changed := false
	for stack, ids := range recorded {
		for id, typ := range ids {
			now, ok := current[stack][id]
			switch {
			case !ok:
				t.Errorf("%s: stateful %s %s is gone: the deployed resource would be deleted or replaced. Keep its construct id and path (or use OverrideLogicalId), or remove it from %s on purpose.", stack, typ, id, statefulRegistry)
			case now != typ:
				t.Errorf("%s: %s changed type from %s to %s: CloudFormation would replace it.", stack, id, typ, now)
			}
		}
	}
	for stack, ids := range current {
		for id, typ := range ids {
			if _, ok := recorded[stack][id]; ok {
				continue
			}
			if !*update {
				t.Errorf("%s: new stateful %s %s is not recorded in %s: run go test ./tests -update", stack, typ, id, statefulRegistry)
				continue
			}
			if recorded[stack] == nil {
				recorded[stack] = map[string]string{}
			}
			recorded[stack][id] = typ
			changed = true
		}
	}
	if *update && changed {
		b, _ := json.MarshalIndent(recorded, "", "  ")
		if err := os.WriteFile(statefulRegistry, append(b, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestStatefulResourcesAreRetained checks that no stateful resource of a
// reference stack is deleted with its stack.
func TestStatefulResourcesAreRetained(t *testing.T) {
	for name, tpl := range templates(t) {
		for id, r := range resources(tpl) {
			typ, _ := r["Type"].(string)
			if !statefulTypes[typ] {
				continue
			}
			if p := r["DeletionPolicy"]; p != "Retain" && p != "Snapshot" && p != "RetainExceptOnCreate" {
				t.Errorf("%s: %s %s has DeletionPolicy %v, want Retain or Snapshot", name, typ, id, p)
			}
		}
	}
}

// TestNoUnsuppressedNagFindings checks cdk-nag's AwsSolutions pack: no error
// or warning is left without a suppression and a reason.
func TestNoUnsuppressedNagFindings(t *testing.T) {
	for _, st := range *cloudAssembly.Stacks() {
		for _, m := range *st.Messages() {
			data := fmt.Sprint(m.Entry.Data)
			if strings.Contains(data, "AwsSolutions-") && (m.Level == cxapi.SynthesisMessageLevel_ERROR || m.Level == cxapi.SynthesisMessageLevel_WARNING) {
				t.Errorf("%s: cdk-nag %s at %s: %s", *st.StackName(), m.Level, *m.Id, data)
			}
		}
	}
	reports, _ := filepath.Glob(filepath.Join(*cloudAssembly.Directory(), "AwsSolutions-*NagReport.csv"))
	if len(reports) != len(stacks.References) {
		t.Errorf("%d cdk-nag reports in the assembly, want one per stack (%d): is the rule pack applied?", len(reports), len(stacks.References))
	}
}

// TestNoWildcardActions checks every Allow statement of every policy in every
// stack: no "*" or "service:*" action. Deny statements (the TLS-only guards of
// bucket and queue policies deny s3:* and sqs:* without TLS) are what they
// should be. KMS key policies are left out: their first statement is AWS's
// default key policy, which gives the account root kms:* so that IAM policies
// can grant use of the key.
func TestNoWildcardActions(t *testing.T) {
	for name, tpl := range templates(t) {
		for id, r := range resources(tpl) {
			if r["Type"] == "AWS::KMS::Key" {
				continue
			}
			for _, st := range statements(r["Properties"]) {
				if st["Effect"] != "Allow" {
					continue
				}
				for _, a := range asList(st["Action"]) {
					if s, ok := a.(string); ok && (s == "*" || strings.HasSuffix(s, ":*")) {
						t.Errorf("%s: %s allows the wildcard action %q", name, id, s)
					}
				}
			}
		}
	}
}

// statements finds every policy statement anywhere below v.
func statements(v any) []map[string]any {
	var out []map[string]any
	switch x := v.(type) {
	case map[string]any:
		for k, c := range x {
			if k == "Statement" {
				for _, s := range asList(c) {
					if m, ok := s.(map[string]any); ok {
						out = append(out, m)
					}
				}
				continue
			}
			out = append(out, statements(c)...)
		}
	case []any:
		for _, c := range x {
			out = append(out, statements(c)...)
		}
	}
	return out
}

func asList(v any) []any {
	if l, ok := v.([]any); ok {
		return l
	}
	if v == nil {
		return nil
	}
	return []any{v}
}
