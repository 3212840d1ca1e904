// Package cdktest holds what gureum's construct tests share: a stack to build
// into, fine-grained template assertions that report failures instead of
// panicking the whole test binary, and the cdk-nag check.
package cdktest

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/cxapi"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/gureum-cdk/gureum/internal/cdkapp"
)

func init() {
	// Unit tests synthesize many small stacks: the built-in CloudFormation
	// validator costs seconds each and the whole-app snapshot test keeps it on.
	// The jsii runtime takes its environment when the CDK's packages
	// initialize, before this: cdkapp.Setenv runs the test binary again
	// when it has to change it.
	cdkapp.Setenv(map[string]string{"CDK_VALIDATION": "false"}, nil)
}

// NewStack returns a stack in a fresh app with cdk-nag's AwsSolutions and
// Serverless checks applied (ApplyNag), pinned to an account and region so
// tests see concrete ARNs.
func NewStack(id string) awscdk.Stack {
	return NewStackIn(id, "ap-northeast-2")
}

// NewStackIn is NewStack in the given region.
func NewStackIn(id, region string) awscdk.Stack {
	app := awscdk.NewApp(nil)
	stack := awscdk.NewStack(app, jsii.String(id), &awscdk.StackProps{
		Env: &awscdk.Environment{Account: jsii.String("123456789012"), Region: jsii.String(region)},
	})
	ApplyNag(app)
	return stack
}

// ApplyNag applies the cdk-nag packs every gureum construct passes,
// AwsSolutions and Serverless, to everything under scope.
func ApplyNag(scope constructs.IConstruct) {
	awscdk.Aspects_Of(scope).Add(cdknag.NewAwsSolutionsChecks(&cdknag.NagPackProps{Verbose: jsii.Bool(true)}), nil)
	awscdk.Aspects_Of(scope).Add(cdknag.NewServerlessChecks(&cdknag.NagPackProps{Verbose: jsii.Bool(true)}), nil)
}

// Template synthesizes stack and wraps its template.
type Template struct {
	T assertions.Template
	// JSON is the synthesized template as plain Go values.
	JSON map[string]any
}

// Synth synthesizes the stack once.
func Synth(t testing.TB, stack awscdk.Stack) *Template {
	t.Helper()
	var tpl assertions.Template
	if err := catch(func() { tpl = assertions.Template_FromStack(stack, nil) }); err != nil {
		t.Fatalf("synthesize %s: %v", *stack.StackName(), err)
	}
	return &Template{T: tpl, JSON: *tpl.ToJSON()}
}

// catch turns a panic from a CDK assertion (an AssertionError through jsii)
// into an error, so one failed assertion does not end the test binary.
func catch(f func()) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%v", r)
		}
	}()
	f()
	return nil
}

// Has asserts that a resource of type typ has the given properties (matched
// with assertions.Match_ObjectLike semantics).
func (tp *Template) Has(t testing.TB, typ string, props map[string]any) {
	t.Helper()
	if err := catch(func() { tp.T.HasResourceProperties(jsii.String(typ), props) }); err != nil {
		t.Errorf("%s with %v: %v", typ, props, firstLines(err, 12))
	}
}

// HasResource asserts on the whole resource (DeletionPolicy, Properties, ...).
func (tp *Template) HasResource(t testing.TB, typ string, resource map[string]any) {
	t.Helper()
	if err := catch(func() { tp.T.HasResource(jsii.String(typ), resource) }); err != nil {
		t.Errorf("%s resource %v: %v", typ, resource, firstLines(err, 12))
	}
}

// Count asserts how many resources of type typ exist.
func (tp *Template) Count(t testing.TB, typ string, n int) {
	t.Helper()
	got := len(tp.Resources(typ))
	if got != n {
		t.Errorf("%d resources of type %s, want %d", got, typ, n)
	}
}

// Resources returns the resources of type typ by logical ID.
func (tp *Template) Resources(typ string) map[string]map[string]any {
	out := map[string]map[string]any{}
	res, _ := tp.JSON["Resources"].(map[string]any)
	for id, r := range res {
		m, _ := r.(map[string]any)
		if m["Type"] == typ {
			out[id] = m
		}
	}
	return out
}

// NagFinding is one unsuppressed cdk-nag error or warning.
type NagFinding struct {
	// Path is the construct path of the resource, e.g. "/Stack/Api/Table/Resource".
	Path string
	// Level is "error" or "warning"; Text is cdk-nag's message, which starts
	// with the rule id ("AwsSolutions-IAM5[Action::s3:*]: ...").
	Level, Text string
}

// NagFindings returns the unsuppressed errors and warnings of cdk-nag's
// AwsSolutions and Serverless packs on the stack (synthesizing it if it was
// not yet).
func NagFindings(t testing.TB, stack awscdk.Stack) []NagFinding {
	t.Helper()
	ann := assertions.Annotations_FromStack(stack)
	match := assertions.Match_StringLikeRegexp(jsii.String("^(AwsSolutions|Serverless)-"))
	var errs, warns *[]*cxapi.SynthesisMessage
	if err := catch(func() {
		errs = ann.FindError(jsii.String("*"), match)
		warns = ann.FindWarning(jsii.String("*"), match)
	}); err != nil {
		t.Fatalf("read cdk-nag findings: %v", err)
	}
	var out []NagFinding
	for _, list := range []*[]*cxapi.SynthesisMessage{errs, warns} {
		for _, m := range *list {
			out = append(out, NagFinding{Path: *m.Id, Level: string(m.Level), Text: fmt.Sprint(m.Entry.Data)})
		}
	}
	return out
}

// Under reports whether path is the construct path of one of roots or of a
// construct below it ("/Stack/A" is under "/Stack/A", "/Stack/A/B" is,
// "/Stack/AB" is not).
func Under(path string, roots ...string) bool {
	for _, r := range roots {
		if path == r || strings.HasPrefix(path, r+"/") {
			return true
		}
	}
	return false
}

// NoNagFindings asserts that cdk-nag's AwsSolutions and Serverless packs left
// no unsuppressed error or warning on the stack. Findings under the user
// paths ("/Stack/Id", constructs the test made as a user's app would) are
// the user's and do not count, but no suppression may reach them (see
// NoSuppressionsUnder).
func NoNagFindings(t testing.TB, stack awscdk.Stack, user ...string) {
	t.Helper()
	for _, f := range NagFindings(t, stack) {
		if !Under(f.Path, user...) {
			t.Errorf("cdk-nag %s at %s: %s", f.Level, f.Path, f.Text)
		}
	}
	NoSuppressionsUnder(t, stack, user...)
}

// Suppressions returns, by construct path, the cdk-nag rules suppressed on
// each CloudFormation resource under c (c included).
func Suppressions(c constructs.IConstruct) map[string][]string {
	out := map[string][]string{}
	for _, n := range *c.Node().FindAll(constructs.ConstructOrder_PREORDER) {
		if !*awscdk.CfnResource_IsCfnResource(n) {
			continue
		}
		res, ok := n.(awscdk.CfnResource)
		if !ok {
			continue
		}
		meta, _ := res.GetMetadata(jsii.String("cdk_nag")).(map[string]any)
		rules, _ := meta["rules_to_suppress"].([]any)
		for _, r := range rules {
			if m, ok := r.(map[string]any); ok {
				out[*n.Node().Path()] = append(out[*n.Node().Path()], fmt.Sprint(m["id"]))
			}
		}
	}
	return out
}

// NoSuppressionsUnder asserts that no cdk-nag suppression sits on a resource
// under the user paths: a construct's suppression must never silence the
// findings of what the user made.
func NoSuppressionsUnder(t testing.TB, stack awscdk.Stack, user ...string) {
	t.Helper()
	if len(user) == 0 {
		return
	}
	for path, rules := range Suppressions(stack) {
		if Under("/"+path, user...) {
			t.Errorf("%s, made by the user, carries cdk-nag suppressions %v", path, rules)
		}
	}
}

func firstLines(err error, n int) string {
	lines := strings.Split(err.Error(), "\n")
	if len(lines) > n {
		lines = append(lines[:n], "...")
	}
	return strings.Join(lines, "\n")
}

// Only returns the single resource of m, failing the test unless there is
// exactly one.
func Only(t testing.TB, m map[string]map[string]any) map[string]any {
	t.Helper()
	if len(m) != 1 {
		t.Fatalf("%d resources, want exactly 1", len(m))
	}
	for _, v := range m {
		return v
	}
	return nil
}

// Properties returns a resource's Properties.
func Properties(r map[string]any) map[string]any {
	p, _ := r["Properties"].(map[string]any)
	return p
}

// JSON renders v as compact JSON, for substring assertions on templates.
func JSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}
