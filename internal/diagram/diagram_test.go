package diagram

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gureum-cdk/gureum/internal/assembly"
)

var update = flag.Bool("update", false, "rewrite golden files")

func checkGolden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs (run go test -update to accept):\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}

func loadApp(t *testing.T) *assembly.Stack {
	t.Helper()
	a, err := assembly.Load("testdata/app")
	if err != nil {
		t.Fatal(err)
	}
	return a.Stack("App")
}

func TestGolden(t *testing.T) {
	s := loadApp(t)
	tests := []struct {
		name  string
		opt   Options
		write func(*bytes.Buffer, *Graph) error
	}{
		{"app.dot", Options{}, func(b *bytes.Buffer, g *Graph) error { return WriteDOT(b, g) }},
		{"app.mmd", Options{}, func(b *bytes.Buffer, g *Graph) error { return WriteMermaid(b, g) }},
		{"app-all.dot", Options{All: true}, func(b *bytes.Buffer, g *Graph) error { return WriteDOT(b, g) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := tt.write(&b, Build(s, tt.opt)); err != nil {
				t.Fatal(err)
			}
			checkGolden(t, filepath.Join("testdata", tt.name), b.Bytes())
		})
	}
}

func TestBuild(t *testing.T) {
	g := Build(loadApp(t), Options{})
	edges := map[Edge]bool{}
	for _, e := range g.Edges {
		edges[e] = true
	}
	for _, want := range []Edge{
		{"Handler", "Table"},                // Ref in an environment variable
		{"Handler", "HandlerServiceRole"},   // Fn::GetAtt
		{"HandlerServiceRole", "Table"},     // folded from the role's default policy
		{"HandlerServiceRole", "Bucket"},    // Fn::GetAtt inside Fn::Join, folded
		{"HandlerLogGroup", "Handler"},      // Ref inside Fn::Join
		{"Handler", "HandlerSecurityGroup"}, // Fn::GetAtt in a list
	} {
		if !edges[want] {
			t.Errorf("no edge %s -> %s; edges: %v", want.From, want.To, g.Edges)
		}
	}
	var names []string
	var walk func(c *Cluster)
	walk = func(c *Cluster) {
		for _, n := range c.Nodes {
			names = append(names, n.ID)
		}
		for _, s := range c.Clusters {
			walk(s)
		}
	}
	walk(g.Root)
	all := strings.Join(names, " ")
	for _, folded := range []string{"CDKMetadata", "HandlerServiceRoleDefaultPolicy"} {
		if strings.Contains(" "+all+" ", " "+folded+" ") {
			t.Errorf("%s is drawn; it should be folded away", folded)
		}
	}
	if len(g.Root.Clusters) != 1 || g.Root.Clusters[0].Name != "Handler" || len(g.Root.Clusters[0].Nodes) != 4 {
		t.Errorf("want one Handler cluster with its function, role, security group and log group; got %+v", g.Root.Clusters)
	}
}

func TestServiceLabel(t *testing.T) {
	tests := map[string]string{
		"AWS::Lambda::Function":                     "Lambda Function",
		"AWS::DynamoDB::Table":                      "DynamoDB Table",
		"AWS::RDS::DBCluster":                       "RDS DB Cluster",
		"AWS::EC2::SecurityGroup":                   "EC2 Security Group",
		"AWS::EC2::NatGateway":                      "EC2 NAT Gateway",
		"AWS::ApiGatewayV2::Api":                    "API Gateway v2 API",
		"AWS::ApiGateway::RestApi":                  "API Gateway REST API",
		"AWS::Lambda::EventSourceMapping":           "Lambda Event Source Mapping",
		"AWS::ElasticLoadBalancingV2::LoadBalancer": "ELB Load Balancer",
		"AWS::Route53::RecordSet":                   "Route 53 Record Set",
		"AWS::KinesisFirehose::DeliveryStream":      "Firehose Delivery Stream",
		"AWS::WAFv2::WebACL":                        "WAF Web ACL",
		"Custom::Seed":                              "Custom resource Seed",
		"AWS::Serverless::Application":              "SAM Application",
		"AWS::CloudFormation::CustomResource":       "Custom resource",
		"Vendor::Only":                              "Vendor::Only",
		// The type's name repeats the end of the service's: said once.
		"AWS::AutoScaling::AutoScalingGroup":              "Auto Scaling Group",
		"AWS::AutoScaling::ScalingPolicy":                 "Auto Scaling Policy",
		"AWS::AutoScaling::ScheduledAction":               "Auto Scaling Scheduled Action",
		"AWS::ApplicationAutoScaling::ScalableTarget":     "Application Auto Scaling Scalable Target",
		"AWS::ApplicationAutoScaling::ScalingPolicy":      "Application Auto Scaling Policy",
		"AWS::EC2::EC2Fleet":                              "EC2 Fleet",
		"AWS::CloudFront::CloudFrontOriginAccessIdentity": "CloudFront Origin Access Identity",
		"AWS::Logs::LogGroup":                             "CloudWatch Log Group",
		"AWS::Logs::MetricFilter":                         "CloudWatch Logs Metric Filter",
		"AWS::Pipes::Pipe":                                "EventBridge Pipe",
		"AWS::SecretsManager::Secret":                     "Secrets Manager Secret",
		"AWS::Scheduler::Schedule":                        "EventBridge Scheduler Schedule",
		"AWS::ElasticLoadBalancing::LoadBalancer":         "Classic ELB Load Balancer",
		"AWS::ApiGatewayV2::ApiGatewayManagedOverrides":   "API Gateway v2 API Gateway Managed Overrides",
		"AWS::CertificateManager::Certificate":            "ACM Certificate",
	}
	for typ, want := range tests {
		if got := ServiceLabel(typ); got != want {
			t.Errorf("ServiceLabel(%q) = %q, want %q", typ, got, want)
		}
	}
}

func TestNodeLabel(t *testing.T) {
	tests := []struct{ name, typ, want string }{
		{"Handler", "AWS::Lambda::Function", "Handler\nLambda Function"},
		{"Function", "AWS::Lambda::Function", "Lambda Function"},
		{"Policy", "AWS::SNS::TopicPolicy", "SNS Topic Policy"},
		{"TopicPolicy", "AWS::SNS::TopicPolicy", "SNS Topic Policy"},
		{"LogGroup", "AWS::Logs::LogGroup", "CloudWatch Log Group"},
		{"Vpc", "AWS::EC2::VPC", "EC2 VPC"},
		{"ASG", "AWS::AutoScaling::AutoScalingGroup", "ASG\nAuto Scaling Group"},
		{"ServiceRole", "AWS::IAM::Role", "ServiceRole\nIAM Role"},
		{"DeadLetterQueue", "AWS::SQS::Queue", "DeadLetterQueue\nSQS Queue"},
	}
	for _, tt := range tests {
		n := &Node{Name: tt.name, Type: tt.typ, Service: ServiceLabel(tt.typ)}
		if got := n.Label(); got != tt.want {
			t.Errorf("Label of %s (%s) = %q, want %q", tt.name, tt.typ, got, tt.want)
		}
	}
}

func TestRenderSVG(t *testing.T) {
	var dot bytes.Buffer
	if err := WriteDOT(&dot, Build(loadApp(t), Options{})); err != nil {
		t.Fatal(err)
	}
	svg, err := RenderSVG(context.Background(), dot.Bytes())
	if _, lookErr := exec.LookPath("dot"); lookErr != nil {
		if !errors.Is(err, ErrNoGraphviz) {
			t.Fatalf("without dot on PATH: err = %v, want ErrNoGraphviz", err)
		}
		t.Skip("Graphviz is not installed; checked the error only")
	}
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(svg, []byte("<svg")) || !bytes.Contains(svg, []byte("DynamoDB Table")) {
		t.Errorf("dot -Tsvg output is not the SVG of the stack:\n%.300s", svg)
	}
}

func TestRenderSVGWithoutGraphviz(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	if _, err := RenderSVG(context.Background(), []byte("digraph{}")); !errors.Is(err, ErrNoGraphviz) {
		t.Errorf("err = %v, want ErrNoGraphviz", err)
	}
}

func TestStagePaths(t *testing.T) {
	tmpl, err := assembly.ParseTemplate([]byte(`{"Resources":{
		"Fn": {"Type":"AWS::Lambda::Function","Properties":{"Role":{"Fn::GetAtt":"FnRole.Arn"},"Environment":{"Variables":{"Q":{"Fn::Sub":["${Url}/${Queue.QueueName}",{"Url":{"Ref":"Param"}}]}}}},"Metadata":{"aws:cdk:path":"Prod/App/Api/Fn/Resource"}},
		"FnRole": {"Type":"AWS::IAM::Role","Metadata":{"aws:cdk:path":"Prod/App/Api/Fn/ServiceRole/Resource"}},
		"Queue": {"Type":"AWS::SQS::Queue","Metadata":{"aws:cdk:path":"Prod/App/Queue/Resource"}}
	}}`))
	if err != nil {
		t.Fatal(err)
	}
	g := Build(&assembly.Stack{Name: "Prod/App", Template: tmpl}, Options{})
	var b bytes.Buffer
	if err := WriteMermaid(&b, g); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		`subgraph c_Api_Fn["Fn"]`, // the stage and stack are not clusters
		`r_Queue["SQS Queue"]`,    // the name only repeats the type
		`r_Fn["Fn<br/>Lambda Function"]`,
		"r_Fn --> r_FnRole", // Fn::GetAtt in its string form
		"r_Fn --> r_Queue",  // ${Queue.QueueName} in Fn::Sub
	} {
		if !strings.Contains(out, want) {
			t.Errorf("Mermaid output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "c_Prod") || strings.Contains(out, "c_App") {
		t.Errorf("the stage shows as a cluster:\n%s", out)
	}
}
