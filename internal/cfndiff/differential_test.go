package cfndiff

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gureum-cdk/gureum/internal/assembly"
)

// The differential test runs every template pair of a corpus through gureum
// and through the AWS CDK's own diff engine (npm @aws-cdk/cloudformation-diff,
// the engine of `cdk diff`, on the service specification gureum embeds),
// and requires both to give every resource the same impact and every pair
// the same verdict on broadened permissions, unless the disagreement is
// listed, with the reason gureum is right, in
// testdata/differential/differences.json. A listed difference that no
// longer occurs fails the test too, so that the list stays true.
//
// The corpus (testdata/differential/templates, frozen copies of every
// version of the reference stacks' golden templates in this repository's
// history) holds:
//   - real changes: each pair of consecutive versions of a stack's golden
//     template, the web app's stages one after the other, and the voting-*
//     cases (the voting stack synthesized before and after a code change);
//   - mutations: one change each, made below to the latest versions.

const differentialDir = "testdata/differential"

// diffPair is one template pair of the corpus.
type diffPair struct {
	Name string         `json:"name"`
	Old  map[string]any `json:"old"`
	New  map[string]any `json:"new"`
}

// engineResult is what one engine says about a pair.
type engineResult struct {
	Name      string            `json:"name"`
	Resources map[string]string `json:"resources"`
	Broadened bool              `json:"broadened"`
	Error     string            `json:"error,omitempty"`
}

// documented is the file of documented differences.
type documented struct {
	Reasons     map[string]string `json:"reasons"`
	Differences []struct {
		Case     string `json:"case"`
		Resource string `json:"resource"`
		Gureum   string `json:"gureum"`
		CDK      string `json:"cdk"`
		Reason   string `json:"reason"`
	} `json:"differences"`
}

// broadeningKinds are the finding kinds that correspond to the CDK engine's
// "permissions broadened": IAM statements, Lambda permissions and security
// group rules (other security findings, such as encryption, it does not
// look at).
var broadeningKind = regexp.MustCompile(`^(iam-|lambda-permission-|sg-ingress-|sg-egress-)`)

// broadeningResource is the pseudo resource name of a pair's broadening
// verdict in differences.json.
const broadeningResource = "(permissions broadened)"

func TestDifferentialAgainstCDKEngine(t *testing.T) {
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	node, err := exec.LookPath("node")
	if err == nil {
		_, err = os.Stat(filepath.Join(root, "node_modules", "@aws-cdk", "cloudformation-diff", "package.json"))
	}
	if err != nil {
		msg := fmt.Sprintf("the CDK's diff engine is not installed (%v): run ./scripts/setup (npm ci) at the repository root", err)
		if os.Getenv("CI") != "" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	pairs := differentialCorpus(t)
	if len(pairs) < 60 {
		t.Fatalf("corpus of %d pairs, want at least 60", len(pairs))
	}

	// The CDK engine: one node process for the whole corpus.
	dir := t.TempDir()
	in := filepath.Join(dir, "corpus.json")
	b, err := json.Marshal(pairs)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(in, b, 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	script, err := filepath.Abs(filepath.Join(differentialDir, "cdkdiff.js"))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(ctx, node, script, in)
	cmd.Dir = root
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s: %v\n%s", strings.Join(cmd.Args, " "), err, stderr.String())
	}
	var cdk []engineResult
	if err := json.Unmarshal(out, &cdk); err != nil || len(cdk) != len(pairs) {
		t.Fatalf("CDK engine output (%d results for %d pairs): %v\n%.500s", len(cdk), len(pairs), err, out)
	}

	for _, r := range cdk {
		if r.Error != "" {
			t.Errorf("%s: the CDK's diff engine failed: %.600s", r.Name, r.Error)
		}
	}
	if t.Failed() {
		return
	}

	// gureum, on the same bytes.
	var ours []engineResult
	var details []map[string]ResourceChange
	for _, p := range pairs {
		r, d := gureumResult(t, p)
		ours = append(ours, r)
		details = append(details, d)
	}

	docs := readDocumented(t)
	type key struct{ c, r, g, k string }
	listed := map[key]string{}
	for _, d := range docs.Differences {
		if docs.Reasons[d.Reason] == "" {
			t.Errorf("differences.json: %s %s: reason %q is not among the reasons", d.Case, d.Resource, d.Reason)
		}
		listed[key{d.Case, d.Resource, d.Gureum, d.CDK}] = d.Reason
	}
	seen := map[key]bool{}
	var compared, agreed, undocumented int
	var report []string
	for i, p := range pairs {
		g, c := ours[i], cdk[i]
		ids := map[string]bool{}
		for id := range g.Resources {
			ids[id] = true
		}
		for id := range c.Resources {
			ids[id] = true
		}
		check := func(res, gv, cv string) {
			compared++
			if gv == cv {
				agreed++
				return
			}
			k := key{p.Name, res, gv, cv}
			if reason, ok := listed[k]; ok {
				seen[k] = true
				if check := reasonChecks[reason]; check != nil {
					if err := check(p, res, details[i]); err != nil {
						t.Errorf("%s %s: documented as %s, but %v", p.Name, res, reason, err)
					}
				}
				return
			}
			undocumented++
			report = append(report, fmt.Sprintf(`{"case": %q, "resource": %q, "gureum": %q, "cdk": %q, "reason": "?"}`, p.Name, res, gv, cv))
		}
		for _, id := range sortedSet(ids) {
			check(id, g.Resources[id], c.Resources[id])
		}
		check(broadeningResource, strconv.FormatBool(g.Broadened), strconv.FormatBool(c.Broadened))
	}
	for k, reason := range listed {
		if !seen[k] {
			t.Errorf("differences.json lists %s %s (gureum %q, CDK %q: %s), but the engines no longer disagree there: remove it", k.c, k.r, k.g, k.k, reason)
		}
	}
	if undocumented > 0 {
		t.Errorf("%d undocumented disagreements with the CDK's diff engine; fix gureum, or list them in %s with the reason gureum is right:\n%s",
			undocumented, filepath.Join(differentialDir, "differences.json"), strings.Join(report, ",\n"))
	}
	byReason := map[string]int{}
	for k := range seen {
		byReason[listed[k]]++
	}
	t.Logf("%d pairs: %d of %d verdicts (per-resource impacts and per-pair broadening) agree (%.1f%%); %d documented differences %v",
		len(pairs), agreed, compared, 100*float64(agreed)/float64(compared), len(seen), byReason)
}

func sortedSet(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func readDocumented(t *testing.T) documented {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(differentialDir, "differences.json"))
	if err != nil {
		t.Fatal(err)
	}
	var d documented
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatalf("differences.json: %v", err)
	}
	return d
}

// reasonChecks verify, for the reasons that can be checked mechanically,
// that a documented difference is what its reason says.
var reasonChecks = map[string]func(p diffPair, res string, ours map[string]ResourceChange) error{
	"follows-replacement": func(_ diffPair, res string, ours map[string]ResourceChange) error {
		rc := ours[res]
		if len(rc.Changes) == 0 {
			return fmt.Errorf("gureum reports no change")
		}
		for _, c := range rc.Changes {
			if len(c.Via) == 0 {
				return fmt.Errorf("gureum reports %s, which names no replaced resource", c.Path)
			}
		}
		return nil
	},
	"cdk-metadata": func(p diffPair, res string, _ map[string]ResourceChange) error {
		strip := func(m map[string]any) any {
			r := deepCopy(m["Resources"].(map[string]any)[res]).(map[string]any)
			if md, ok := r["Metadata"].(map[string]any); ok {
				delete(md, "aws:cdk:path")
				if len(md) == 0 {
					delete(r, "Metadata")
				}
			}
			return r
		}
		if !equalJSON(strip(p.Old), strip(p.New)) {
			return fmt.Errorf("the resource differs beyond its aws:cdk:path metadata")
		}
		return nil
	},
}

// gureumResult compares a pair as two assemblies of one stack, from the JSON
// the CDK engine gets too.
func gureumResult(t *testing.T, p diffPair) (engineResult, map[string]ResourceChange) {
	t.Helper()
	stack := func(m map[string]any) *assembly.Assembly {
		b, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		tmpl, err := assembly.ParseTemplate(b)
		if err != nil {
			t.Fatalf("%s: %v", p.Name, err)
		}
		return &assembly.Assembly{Dir: "cdk.out", Stacks: []*assembly.Stack{{Name: "Stack", Template: tmpl}}}
	}
	res, err := Compare(stack(p.Old), stack(p.New), Options{})
	if err != nil {
		t.Fatalf("%s: %v", p.Name, err)
	}
	res.Gate(DefaultFailOn)
	r := engineResult{Name: p.Name, Resources: map[string]string{}}
	details := map[string]ResourceChange{}
	for _, rc := range res.Stacks[0].Resources {
		r.Resources[rc.LogicalID] = string(rc.Impact)
		details[rc.LogicalID] = rc
	}
	for _, f := range res.Stacks[0].Findings {
		r.Broadened = r.Broadened || broadeningKind.MatchString(f.Kind)
	}
	return r, details
}

// readTemplate reads templates/NAME.json.gz.
func readTemplate(t *testing.T, name string) map[string]any {
	t.Helper()
	f, err := os.Open(filepath.Join(differentialDir, "templates", name+".json.gz"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return decodeTemplate(t, name, b)
}

func decodeTemplate(t *testing.T, name string, b []byte) map[string]any {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return m
}

// templateVersions returns each stack's template versions, oldest first:
// "GureumVoting" -> ["GureumVoting.v1", "GureumVoting.v2"].
func templateVersions(t *testing.T) map[string][]string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(differentialDir, "templates", "*.v*.json.gz"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no templates under %s/templates: %v", differentialDir, err)
	}
	re := regexp.MustCompile(`^(.+)\.v(\d+)\.json\.gz$`)
	type ver struct {
		name string
		n    int
	}
	by := map[string][]ver{}
	for _, f := range files {
		m := re.FindStringSubmatch(filepath.Base(f))
		if m == nil {
			t.Fatalf("%s: want STACK.vN.json.gz", f)
		}
		n, _ := strconv.Atoi(m[2])
		by[m[1]] = append(by[m[1]], ver{strings.TrimSuffix(filepath.Base(f), ".json.gz"), n})
	}
	out := map[string][]string{}
	for stack, vs := range by {
		sort.Slice(vs, func(i, j int) bool { return vs[i].n < vs[j].n })
		for _, v := range vs {
			out[stack] = append(out[stack], v.name)
		}
	}
	return out
}

func differentialCorpus(t *testing.T) []diffPair {
	t.Helper()
	versions := templateVersions(t)
	var pairs []diffPair
	stacks := make([]string, 0, len(versions))
	for s := range versions {
		stacks = append(stacks, s)
	}
	sort.Strings(stacks)
	for _, s := range stacks {
		vs := versions[s]
		for i := 1; i < len(vs); i++ {
			pairs = append(pairs, diffPair{Name: "history/" + vs[i-1] + "-" + strings.TrimPrefix(vs[i], s+"."), Old: readTemplate(t, vs[i-1]), New: readTemplate(t, vs[i])})
		}
	}
	latest := func(stack string) map[string]any {
		vs := versions[stack]
		if len(vs) == 0 {
			t.Fatalf("no template of stack %s", stack)
		}
		return readTemplate(t, vs[len(vs)-1])
	}
	for _, st := range [][2]string{{"GureumWebStage1", "GureumWebStage2"}, {"GureumWebStage2", "GureumWebStage3"}, {"GureumWebStage3", "GureumWebStage4"}, {"GureumWebGlobalPrimary", "GureumWebGlobalSecondary"}} {
		pairs = append(pairs, diffPair{Name: "real/" + st[0] + "-to-" + st[1], Old: latest(st[0]), New: latest(st[1])})
	}
	for _, c := range []string{"voting-iam-wildcard", "voting-lambda-memory", "voting-rename-table", "voting-table-keyschema"} {
		read := func(side string) map[string]any {
			b, err := os.ReadFile(filepath.Join("testdata", "cases", c, side, "GureumVoting.template.json"))
			if err != nil {
				t.Fatal(err)
			}
			return decodeTemplate(t, c, b)
		}
		pairs = append(pairs, diffPair{Name: "real/" + c, Old: read("old"), New: read("new")})
	}
	for _, m := range mutations {
		old := latest(m.stack)
		if before := mutationsBefore[m.name]; before != nil {
			before(&mutator{t: t, name: m.name, tmpl: old})
		}
		nw := deepCopy(old).(map[string]any)
		m.apply(&mutator{t: t, name: m.name, tmpl: nw})
		if equalJSON(old, nw) {
			t.Fatalf("mutation %s changed nothing", m.name)
		}
		pairs = append(pairs, diffPair{Name: "mutation/" + m.name, Old: old, New: nw})
	}
	return pairs
}

func equalJSON(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return bytes.Equal(x, y)
}

func deepCopy(v any) any {
	switch x := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[k] = deepCopy(e)
		}
		return m
	case []any:
		l := make([]any, len(x))
		for i, e := range x {
			l[i] = deepCopy(e)
		}
		return l
	}
	return v
}

// mutator changes one template.
type mutator struct {
	t    *testing.T
	name string
	tmpl map[string]any
}

func (m *mutator) resources() map[string]any { return m.tmpl["Resources"].(map[string]any) }

// find returns the first resource (by logical ID) of type typ that satisfies
// ok (nil: any).
func (m *mutator) find(typ string, ok func(id string, r map[string]any) bool) (string, map[string]any) {
	res := m.resources()
	for _, id := range sortedKeys(res) {
		r := res[id].(map[string]any)
		if r["Type"] == typ && (ok == nil || ok(id, r)) {
			return id, r
		}
	}
	m.t.Fatalf("mutation %s: no %s to change", m.name, typ)
	return "", nil
}

func props(r map[string]any) map[string]any {
	p, ok := r["Properties"].(map[string]any)
	if !ok {
		p = map[string]any{}
		r["Properties"] = p
	}
	return p
}

func has(keys ...string) func(string, map[string]any) bool {
	return func(_ string, r map[string]any) bool {
		p, _ := r["Properties"].(map[string]any)
		for _, k := range keys {
			if p[k] == nil {
				return false
			}
		}
		return true
	}
}

func statements(p map[string]any, key string) []any {
	doc, _ := p[key].(map[string]any)
	return asList(doc["Statement"])
}

func setStatements(p map[string]any, key string, sts []any) {
	doc, _ := p[key].(map[string]any)
	doc["Statement"] = sts
}

// rename renames a resource and every reference to it.
func (m *mutator) rename(from, to string) {
	res := m.resources()
	res[to] = res[from]
	delete(res, from)
	renamed := renameRefs(m.tmpl, map[string]string{from: to}).(map[string]any)
	for k, v := range renamed {
		m.tmpl[k] = v
	}
	for _, r := range m.resources() {
		rm := r.(map[string]any)
		if d, ok := rm["DependsOn"]; ok {
			var l []any
			for _, e := range asList(d) {
				if e == from {
					e = to
				}
				l = append(l, e)
			}
			rm["DependsOn"] = l
		}
	}
}

func num(s string) json.Number { return json.Number(s) }

// mutations are the corpus's deliberate changes, one each, to the latest
// template of a reference stack.
var mutations = []struct {
	name, stack string
	apply       func(m *mutator)
}{
	{"aurora-storage-encrypted-as-string", "GureumWebStage4", func(m *mutator) {
		_, r := m.find("AWS::RDS::DBCluster", has("StorageEncrypted"))
		props(r)["StorageEncrypted"] = "true"
		props(r)["BackupRetentionPeriod"] = fmt.Sprint(props(r)["BackupRetentionPeriod"])
	}},
	{"queue-retention-as-string", "GureumImages", func(m *mutator) {
		_, r := m.find("AWS::SQS::Queue", has("MessageRetentionPeriod"))
		props(r)["MessageRetentionPeriod"] = fmt.Sprint(props(r)["MessageRetentionPeriod"])
	}},
	{"log-retention-changed", "GureumVoting", func(m *mutator) {
		_, r := m.find("AWS::Logs::LogGroup", has("RetentionInDays"))
		props(r)["RetentionInDays"] = num("3653")
	}},
	{"lambda-memory", "GureumImages", func(m *mutator) {
		_, r := m.find("AWS::Lambda::Function", has("MemorySize"))
		props(r)["MemorySize"] = num("1769")
	}},
	{"lambda-timeout-as-string", "GureumVoting", func(m *mutator) {
		_, r := m.find("AWS::Lambda::Function", has("Timeout"))
		props(r)["Timeout"] = fmt.Sprint(props(r)["Timeout"])
	}},
	{"lambda-function-name", "GureumCrawler", func(m *mutator) {
		_, r := m.find("AWS::Lambda::Function", nil)
		props(r)["FunctionName"] = "gureum-crawler-fn"
	}},
	{"lambda-function-name-with-invoke-config", "GureumGameEvents", func(m *mutator) {
		ref := ""
		m.find("AWS::Lambda::EventInvokeConfig", func(_ string, r map[string]any) bool {
			ref = getAttID(props(r)["FunctionName"])
			if ref == "" {
				if x, ok := props(r)["FunctionName"].(map[string]any); ok {
					ref, _ = x["Ref"].(string)
				}
			}
			return ref != ""
		})
		props(m.resources()[ref].(map[string]any))["FunctionName"] = "gureum-game-events-fn"
	}},
	{"lambda-environment-removed", "GureumVoting", func(m *mutator) {
		_, r := m.find("AWS::Lambda::Function", has("Environment"))
		delete(props(r), "Environment")
	}},
	{"lambda-asset-hash", "GureumImages", func(m *mutator) {
		_, r := m.find("AWS::Lambda::Function", func(_ string, r map[string]any) bool {
			code, _ := props(r)["Code"].(map[string]any)
			_, ok := code["S3Key"].(string)
			return ok
		})
		props(r)["Code"].(map[string]any)["S3Key"] = strings.Repeat("ab", 32) + ".zip"
	}},
	{"bucket-name-set", "GureumDataLake", func(m *mutator) {
		_, r := m.find("AWS::S3::Bucket", func(id string, r map[string]any) bool {
			for _, o := range m.resources() {
				if om := o.(map[string]any); om["Type"] == "AWS::S3::BucketPolicy" && references(props(om)["Bucket"])[id] {
					return true
				}
			}
			return false
		})
		props(r)["BucketName"] = "gureum-data-lake-raw-v2"
	}},
	{"bucket-versioning-suspended", "GureumImages", func(m *mutator) {
		_, r := m.find("AWS::S3::Bucket", has("VersioningConfiguration"))
		props(r)["VersioningConfiguration"] = map[string]any{"Status": "Suspended"}
	}},
	{"table-key-schema", "GureumCrawler", func(m *mutator) {
		_, r := m.find("AWS::DynamoDB::GlobalTable", has("KeySchema"))
		ks := props(r)["KeySchema"].([]any)
		ks[0].(map[string]any)["AttributeName"] = "id"
		for _, a := range props(r)["AttributeDefinitions"].([]any) {
			if a.(map[string]any)["AttributeName"] == "pk" {
				a.(map[string]any)["AttributeName"] = "id"
			}
		}
	}},
	{"table-name-set", "GureumWebDeploy", func(m *mutator) {
		_, r := m.find("AWS::DynamoDB::GlobalTable", nil)
		props(r)["TableName"] = "gureum-web-deploy"
	}},
	{"fifo-queue", "GureumHPC", func(m *mutator) {
		_, r := m.find("AWS::SQS::Queue", nil)
		props(r)["FifoQueue"] = true
	}},
	{"topic-name-set", "GureumVoting", func(m *mutator) {
		_, r := m.find("AWS::SNS::Topic", nil)
		props(r)["TopicName"] = "gureum-voting-alarms"
	}},
	{"rds-instance-engine", "GureumWebStage2", func(m *mutator) {
		_, r := m.find("AWS::RDS::DBInstance", has("Engine"))
		props(r)["Engine"] = "aurora-mysql"
	}},
	{"rds-instance-class", "GureumWebStage3", func(m *mutator) {
		_, r := m.find("AWS::RDS::DBInstance", has("DBInstanceClass"))
		props(r)["DBInstanceClass"] = "db.r7g.xlarge"
	}},
	{"depends-on-reordered", "GureumWebStage4", func(m *mutator) {
		_, r := m.find("AWS::RDS::DBInstance", func(_ string, r map[string]any) bool { return len(asList(r["DependsOn"])) >= 2 })
		d := asList(r["DependsOn"])
		rev := make([]any, len(d))
		for i := range d {
			rev[i] = d[len(d)-1-i]
		}
		r["DependsOn"] = rev
	}},
	{"depends-on-added", "GureumVoting", func(m *mutator) {
		tid, _ := m.find("AWS::DynamoDB::GlobalTable", nil)
		_, r := m.find("AWS::Lambda::Function", nil)
		r["DependsOn"] = append(asList(r["DependsOn"]), tid)
	}},
	{"retained-table-removed", "GureumCrawler", func(m *mutator) {
		id, _ := m.find("AWS::DynamoDB::GlobalTable", func(_ string, r map[string]any) bool { return r["DeletionPolicy"] == "Retain" })
		m.removeWithReferences(id)
	}},
	{"alarm-removed", "GureumVoting", func(m *mutator) {
		id, _ := m.find("AWS::CloudWatch::Alarm", nil)
		m.removeWithReferences(id)
	}},
	{"table-renamed", "GureumVoting", func(m *mutator) {
		id, _ := m.find("AWS::DynamoDB::GlobalTable", nil)
		m.rename(id, "VotesRenamedTable0123ABCD")
	}},
	{"key-and-bucket-renamed", "GureumImages", func(m *mutator) {
		bid, b := m.find("AWS::S3::Bucket", func(_ string, r map[string]any) bool {
			return strings.Contains(canon(props(r)["BucketEncryption"]), "KMSMasterKeyID")
		})
		var kid string
		for id := range references(props(b)["BucketEncryption"]) {
			kid = id
		}
		m.rename(bid, "RenamedBucket0123ABCD")
		m.rename(kid, "RenamedKey0123ABCD")
	}},
	{"queue-added", "GureumVoting", func(m *mutator) {
		m.resources()["AddedQueue0123ABCD"] = map[string]any{"Type": "AWS::SQS::Queue", "Properties": map[string]any{"SqsManagedSseEnabled": true}}
	}},
	{"type-changed", "GureumHPC", func(m *mutator) {
		id, _ := m.find("AWS::SNS::Topic", nil)
		m.resources()[id] = map[string]any{"Type": "AWS::SQS::Queue", "Properties": map[string]any{}}
	}},
	{"deletion-policy-delete", "GureumDataLake", func(m *mutator) {
		_, r := m.find("AWS::S3::Bucket", func(_ string, r map[string]any) bool { return r["DeletionPolicy"] == "Retain" })
		r["DeletionPolicy"] = "Delete"
		r["UpdateReplacePolicy"] = "Delete"
	}},
	{"condition-on-retained-table", "GureumWebDeploy", func(m *mutator) {
		m.tmpl["Conditions"] = map[string]any{"InPrimaryRegion": map[string]any{"Fn::Equals": []any{map[string]any{"Ref": "AWS::Region"}, "eu-west-1"}}}
		_, r := m.find("AWS::DynamoDB::GlobalTable", nil)
		r["Condition"] = "InPrimaryRegion"
	}},
	{"cdk-path-metadata", "GureumVoting", func(m *mutator) {
		_, r := m.find("AWS::SNS::Topic", nil)
		r["Metadata"] = map[string]any{"aws:cdk:path": "GureumVoting/Renamed/Topic/Resource"}
	}},
	{"user-metadata", "GureumVoting", func(m *mutator) {
		_, r := m.find("AWS::SNS::Topic", nil)
		r["Metadata"] = map[string]any{"cfn_nag": map[string]any{"rules_to_suppress": []any{map[string]any{"id": "W47", "reason": "test"}}}}
	}},
	{"tags-changed", "GureumHPC", func(m *mutator) {
		_, r := m.find("AWS::SQS::Queue", nil)
		props(r)["Tags"] = append(asList(props(r)["Tags"]), map[string]any{"Key": "team", "Value": "hpc"})
	}},
	{"iam-statement-added", "GureumVoting", func(m *mutator) {
		_, r := m.find("AWS::IAM::Policy", nil)
		p := props(r)
		setStatements(p, "PolicyDocument", append(statements(p, "PolicyDocument"), map[string]any{"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": "arn:aws:sqs:eu-west-1:111122223333:q"}))
	}},
	{"iam-action-removed", "GureumVoting", func(m *mutator) {
		_, r := m.find("AWS::IAM::Policy", func(_ string, r map[string]any) bool {
			for _, s := range statements(props(r), "PolicyDocument") {
				if len(asList(s.(map[string]any)["Action"])) >= 2 {
					return true
				}
			}
			return false
		})
		for _, s := range statements(props(r), "PolicyDocument") {
			sm := s.(map[string]any)
			if a := asList(sm["Action"]); len(a) >= 2 {
				sm["Action"] = a[:len(a)-1]
				break
			}
		}
	}},
	{"iam-wildcard-action", "GureumImages", func(m *mutator) {
		_, r := m.find("AWS::IAM::Policy", nil)
		sts := statements(props(r), "PolicyDocument")
		sts[0].(map[string]any)["Action"] = "s3:*"
	}},
	{"iam-allow-not-action", "GureumCrawler", func(m *mutator) {
		_, r := m.find("AWS::IAM::Policy", nil)
		p := props(r)
		setStatements(p, "PolicyDocument", append(statements(p, "PolicyDocument"), map[string]any{"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}))
	}},
	{"iam-statements-reordered", "GureumVoting", func(m *mutator) {
		_, r := m.find("AWS::IAM::Policy", func(_ string, r map[string]any) bool { return len(statements(props(r), "PolicyDocument")) >= 2 })
		sts := statements(props(r), "PolicyDocument")
		sts[0], sts[1] = sts[1], sts[0]
	}},
	{"bucket-policy-deny-removed", "GureumImages", func(m *mutator) {
		_, r := m.find("AWS::S3::BucketPolicy", func(_ string, r map[string]any) bool {
			for _, s := range statements(props(r), "PolicyDocument") {
				if s.(map[string]any)["Effect"] == "Deny" {
					return true
				}
			}
			return false
		})
		var keep []any
		for _, s := range statements(props(r), "PolicyDocument") {
			if s.(map[string]any)["Effect"] != "Deny" {
				keep = append(keep, s)
			}
		}
		if keep == nil {
			keep = []any{map[string]any{"Effect": "Allow", "Principal": map[string]any{"AWS": "arn:aws:iam::111122223333:root"}, "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}}
		}
		setStatements(props(r), "PolicyDocument", keep)
	}},
	{"role-managed-policy", "GureumHPC", func(m *mutator) {
		_, r := m.find("AWS::IAM::Role", nil)
		props(r)["ManagedPolicyArns"] = append(asList(props(r)["ManagedPolicyArns"]), "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess")
	}},
	{"role-trust-opened", "GureumVoting", func(m *mutator) {
		_, r := m.find("AWS::IAM::Role", nil)
		sts := statements(props(r), "AssumeRolePolicyDocument")
		sts[0].(map[string]any)["Principal"] = map[string]any{"AWS": "*"}
	}},
	{"key-policy-opened", "GureumDataLake", func(m *mutator) {
		_, r := m.find("AWS::KMS::Key", nil)
		p := props(r)
		setStatements(p, "KeyPolicy", append(statements(p, "KeyPolicy"), map[string]any{"Effect": "Allow", "Principal": "*", "Action": "kms:Decrypt", "Resource": "*"}))
	}},
	{"secret-resource-policy", "GureumWebStage2", func(m *mutator) {
		_, r := m.find("AWS::SecretsManager::ResourcePolicy", nil)
		p := props(r)
		setStatements(p, "ResourcePolicy", append(statements(p, "ResourcePolicy"), map[string]any{"Effect": "Allow", "Principal": map[string]any{"AWS": "arn:aws:iam::444455556666:root"}, "Action": "secretsmanager:GetSecretValue", "Resource": "*"}))
	}},
	{"rest-api-policy-public", "GureumVoting", func(m *mutator) {
		_, r := m.find("AWS::ApiGateway::RestApi", nil)
		props(r)["Policy"] = map[string]any{"Version": "2012-10-17", "Statement": []any{map[string]any{"Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "execute-api:/*"}}}
	}},
	{"logs-resource-policy-json-string", "GureumVoting", func(m *mutator) {
		m.resources()["SearchLogsPolicy0123ABCD"] = map[string]any{"Type": "AWS::Logs::ResourcePolicy", "Properties": map[string]any{
			"PolicyName":     "search",
			"PolicyDocument": `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"es.amazonaws.com"},"Action":["logs:PutLogEvents","logs:CreateLogStream"],"Resource":"*"}]}`,
		}}
	}},
	{"lambda-permission-source-arn-removed", "GureumVoting", func(m *mutator) {
		_, r := m.find("AWS::Lambda::Permission", has("SourceArn"))
		delete(props(r), "SourceArn")
	}},
	{"lambda-permission-added", "GureumImages", func(m *mutator) {
		fid, _ := m.find("AWS::Lambda::Function", nil)
		m.resources()["AddedPermission0123ABCD"] = map[string]any{"Type": "AWS::Lambda::Permission", "Properties": map[string]any{
			"Action": "lambda:InvokeFunction", "FunctionName": map[string]any{"Fn::GetAtt": []any{fid, "Arn"}},
			"Principal": "events.amazonaws.com", "SourceArn": "arn:aws:events:eu-west-1:111122223333:rule/nightly",
		}}
	}},
	{"lambda-permission-public", "GureumGameEvents", func(m *mutator) {
		_, r := m.find("AWS::Lambda::Permission", nil)
		props(r)["Principal"] = "*"
	}},
	{"sg-ingress-open", "GureumWebStage1", func(m *mutator) {
		_, r := m.find("AWS::EC2::SecurityGroup", nil)
		props(r)["SecurityGroupIngress"] = append(asList(props(r)["SecurityGroupIngress"]), map[string]any{"IpProtocol": "tcp", "FromPort": num("22"), "ToPort": num("22"), "CidrIp": "0.0.0.0/0"})
	}},
	{"sg-ingress-description", "GureumWebStage4", func(m *mutator) {
		_, r := m.find("AWS::EC2::SecurityGroupIngress", has("Description"))
		props(r)["Description"] = "reworded"
	}},
	{"sg-ingress-port-widened", "GureumWebStage3", func(m *mutator) {
		_, r := m.find("AWS::EC2::SecurityGroupIngress", has("FromPort", "ToPort"))
		props(r)["FromPort"] = num("0")
		props(r)["ToPort"] = num("65535")
	}},
	{"sg-egress-opened", "GureumHPC", func(m *mutator) {
		_, r := m.find("AWS::EC2::SecurityGroup", nil)
		props(r)["SecurityGroupEgress"] = []any{map[string]any{"IpProtocol": "-1", "CidrIp": "0.0.0.0/0", "Description": "all outbound"}}
	}},
	{"launch-template-ebs-unencrypted", "GureumHPC", func(m *mutator) {
		_, r := m.find("AWS::EC2::LaunchTemplate", func(_ string, r map[string]any) bool {
			return lookup(props(r), []string{"LaunchTemplateData", "BlockDeviceMappings"}) != nil
		})
		for _, b := range asList(lookup(props(r), []string{"LaunchTemplateData", "BlockDeviceMappings"})) {
			if ebs, ok := b.(map[string]any)["Ebs"].(map[string]any); ok {
				ebs["Encrypted"] = false
			}
		}
	}},
	{"output-changed", "GureumVoting", func(m *mutator) {
		outs, _ := m.tmpl["Outputs"].(map[string]any)
		for _, k := range sortedKeys(outs) {
			outs[k].(map[string]any)["Description"] = "changed"
			return
		}
		m.tmpl["Outputs"] = map[string]any{"Added": map[string]any{"Value": "x"}}
	}},
	{"transform-added", "GureumCrawler", func(m *mutator) {
		m.tmpl["Transform"] = "AWS::LanguageExtensions"
	}},
	{"parameter-added", "GureumImages", func(m *mutator) {
		params, _ := m.tmpl["Parameters"].(map[string]any)
		if params == nil {
			params = map[string]any{}
			m.tmpl["Parameters"] = params
		}
		params["Environment"] = map[string]any{"Type": "String", "Default": "prod"}
	}},
	{"alarm-threshold", "GureumGameEvents", func(m *mutator) {
		_, r := m.find("AWS::CloudWatch::Alarm", has("Threshold"))
		props(r)["Threshold"] = num("99")
	}},
	{"getatt-short-form", "GureumVoting", func(m *mutator) {
		_, r := m.find("AWS::Lambda::Function", has("Role"))
		if ga, ok := props(r)["Role"].(map[string]any)["Fn::GetAtt"].([]any); ok {
			props(r)["Role"] = map[string]any{"Fn::GetAtt": fmt.Sprintf("%s.%s", ga[0], ga[1])}
		}
		props(r)["MemorySize"] = num("1024") // and one real change
	}},
	{"unknown-property", "GureumCrawler", func(m *mutator) {
		_, r := m.find("AWS::SQS::Queue", nil)
		props(r)["NotAProperty"] = "x"
	}},
	{"vpc-endpoint-policy", "GureumWebStage4", func(m *mutator) {
		_, r := m.find("AWS::EC2::VPCEndpoint", nil)
		props(r)["PolicyDocument"] = map[string]any{"Statement": []any{map[string]any{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "*"}}}
	}},
	{"kms-key-rotation-off", "GureumWebDeploy", func(m *mutator) {
		_, r := m.find("AWS::KMS::Key", nil)
		props(r)["EnableKeyRotation"] = false
	}},
	{"aurora-deletion-protection-off", "GureumWebGlobalPrimary", func(m *mutator) {
		_, r := m.find("AWS::RDS::DBCluster", has("DeletionProtection"))
		props(r)["DeletionProtection"] = false
	}},
}

// pruneRefs drops from v the list elements that reference id (a policy
// statement, an alarm's metric), and the object keys whose value references
// it otherwise.
func pruneRefs(v any, id string) any {
	switch x := v.(type) {
	case []any:
		var l []any
		for _, e := range x {
			if !references(e)[id] {
				l = append(l, pruneRefs(e, id))
			}
		}
		if l == nil {
			l = []any{}
		}
		return l
	case map[string]any:
		if isIntrinsic(x) {
			return x
		}
		m := map[string]any{}
		for k, e := range x {
			em, obj := e.(map[string]any)
			_, list := e.([]any)
			if list || (obj && !isIntrinsic(em)) || !references(e)[id] {
				m[k] = pruneRefs(e, id)
			}
		}
		return m
	}
	return v
}

// mutationsBefore changes both templates of a mutation first: the golden
// templates name assets by placeholders, a real assembly by hash.
var mutationsBefore = map[string]func(m *mutator){
	"lambda-asset-hash": func(m *mutator) {
		_, r := m.find("AWS::Lambda::Function", func(_ string, r map[string]any) bool {
			code, _ := props(r)["Code"].(map[string]any)
			_, ok := code["S3Key"].(string)
			return ok
		})
		props(r)["Code"].(map[string]any)["S3Key"] = strings.Repeat("cd", 32) + ".zip"
	},
}

// removeWithReferences removes a resource and what names it: properties
// that reference it, DependsOn entries, outputs.
func (m *mutator) removeWithReferences(id string) {
	res := m.resources()
	delete(res, id)
	for _, r := range res {
		rm := r.(map[string]any)
		if p, ok := rm["Properties"].(map[string]any); ok {
			rm["Properties"] = pruneRefs(p, id)
		}
		if d, ok := rm["DependsOn"]; ok {
			var l []any
			for _, e := range asList(d) {
				if e != id {
					l = append(l, e)
				}
			}
			if l == nil {
				delete(rm, "DependsOn")
			} else {
				rm["DependsOn"] = l
			}
		}
	}
	if outs, ok := m.tmpl["Outputs"].(map[string]any); ok {
		for k, o := range outs {
			if references(o)[id] {
				delete(outs, k)
			}
		}
	}
}
