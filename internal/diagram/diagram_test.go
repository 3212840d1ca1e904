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
	edges := edgeSet(g)
	for _, want := range []string{
		"Handler --> Table",  // Ref in an environment variable
		"Handler --> Bucket", // what its role's default policy allows (Fn::GetAtt inside Fn::Join)
	} {
		if !edges[want] {
			t.Errorf("no edge %s; edges: %v", want, g.Edges)
		}
	}
	nodes := nodeMap(g)
	for _, folded := range []string{"CDKMetadata", "HandlerServiceRole", "HandlerServiceRoleDefaultPolicy", "HandlerLogGroup"} {
		if nodes[folded] != nil {
			t.Errorf("%s is drawn; it should be folded away", folded)
		}
	}
	if h := nodes["Handler"]; h == nil || strings.Join(h.Folded, " ") != "HandlerLogGroup HandlerServiceRole HandlerServiceRoleDefaultPolicy" {
		t.Errorf("Handler should hold its role, policy and log group; got %+v", h)
	}
	// The function, its security group: the Handler construct's cluster.
	if len(g.Root.Clusters) != 1 || g.Root.Clusters[0].Name != "Handler" || len(g.Root.Clusters[0].Nodes) != 2 {
		t.Errorf("want one Handler cluster with its function and security group; got %+v", g.Root.Clusters)
	}
}

func TestBuildAll(t *testing.T) {
	g := Build(loadApp(t), Options{All: true})
	edges := edgeSet(g)
	for _, want := range []string{
		"Handler -ref-> Table",                          // Ref in an environment variable
		"Handler -ref-> HandlerServiceRole",             // Fn::GetAtt
		"HandlerServiceRoleDefaultPolicy -ref-> Bucket", // Fn::GetAtt inside Fn::Join
		"HandlerLogGroup -ref-> Handler",                // Ref inside Fn::Join
		"Handler -ref-> HandlerSecurityGroup",           // Fn::GetAtt in a list
		"HandlerServiceRoleDefaultPolicy -ref-> HandlerServiceRole",
	} {
		if !edges[want] {
			t.Errorf("no edge %s; edges: %v", want, g.Edges)
		}
	}
	nodes := nodeMap(g)
	if nodes["CDKMetadata"] != nil || nodes["HandlerServiceRoleDefaultPolicy"] == nil {
		t.Errorf("All draws every resource but the CDK's metadata; got %v", nodes)
	}
}

// edgeSet renders each edge as "From --> To", "From -label-> To" or
// "From -ref-> To".
func edgeSet(g *Graph) map[string]bool {
	out := map[string]bool{}
	for _, e := range g.Edges {
		switch e.Kind {
		case Flow:
			out[e.From+" --> "+e.To] = true
		case Side:
			out[e.From+" -"+e.Label+"-> "+e.To] = true
		case Reference:
			out[e.From+" -ref-> "+e.To] = true
		}
	}
	return out
}

func nodeMap(g *Graph) map[string]*Node {
	out := map[string]*Node{}
	var walk func(c *Cluster)
	walk = func(c *Cluster) {
		for _, n := range c.Nodes {
			out[n.ID] = n
		}
		for _, s := range c.Clusters {
			walk(s)
		}
	}
	walk(g.Root)
	return out
}

// flowTemplate is a stack in the shapes the CDK synthesizes: a web ACL in
// front of a REST API whose method integrates a function that writes a
// table; uploads to a bucket notify a queue that feeds a second function;
// a topic with a subscribed function; alarms; permissions; a role shared by
// two schedules.
const flowTemplate = `{"Resources":{
 "Acl":{"Type":"AWS::WAFv2::WebACL","Properties":{"Scope":"REGIONAL"},"Metadata":{"aws:cdk:path":"S/Api/Acl"}},
 "AclAssoc":{"Type":"AWS::WAFv2::WebACLAssociation","Properties":{"WebACLArn":{"Fn::GetAtt":["Acl","Arn"]},"ResourceArn":{"Fn::Join":["",["arn:aws:apigateway:r::/restapis/",{"Ref":"Api"},"/stages/",{"Ref":"Stage"}]]}},"Metadata":{"aws:cdk:path":"S/Api/AclAssoc"}},
 "Api":{"Type":"AWS::ApiGateway::RestApi","Properties":{"Name":"api"},"Metadata":{"aws:cdk:path":"S/Api/Rest/Resource"}},
 "Stage":{"Type":"AWS::ApiGateway::Stage","Properties":{"RestApiId":{"Ref":"Api"},"AccessLogSetting":{"DestinationArn":{"Fn::GetAtt":["AccessLogs","Arn"]}}},"Metadata":{"aws:cdk:path":"S/Api/Rest/Stage"}},
 "AccessLogs":{"Type":"AWS::Logs::LogGroup","Properties":{},"Metadata":{"aws:cdk:path":"S/Api/AccessLogs"}},
 "Method":{"Type":"AWS::ApiGateway::Method","Properties":{"RestApiId":{"Ref":"Api"},"Integration":{"Type":"AWS_PROXY","Uri":{"Fn::Join":["",["arn:aws:apigateway:r:lambda:path/functions/",{"Fn::GetAtt":["Writer","Arn"]},"/invocations"]]}}},"Metadata":{"aws:cdk:path":"S/Api/Rest/Default/POST/Resource"}},
 "WriterPermission":{"Type":"AWS::Lambda::Permission","Properties":{"FunctionName":{"Fn::GetAtt":["Writer","Arn"]},"Principal":"apigateway.amazonaws.com","SourceArn":{"Fn::Join":["",["arn:aws:execute-api:r:a:",{"Ref":"Api"},"/*"]]}},"Metadata":{"aws:cdk:path":"S/Api/Rest/Default/POST/Permission"}},
 "Writer":{"Type":"AWS::Lambda::Function","Properties":{"Role":{"Fn::GetAtt":["WriterRole","Arn"]},"Environment":{"Variables":{"TABLE":{"Ref":"Table"}}}},"Metadata":{"aws:cdk:path":"S/Api/Writer/Function/Resource"}},
 "WriterRole":{"Type":"AWS::IAM::Role","Properties":{},"Metadata":{"aws:cdk:path":"S/Api/Writer/Role/Resource"}},
 "WriterErrors":{"Type":"AWS::CloudWatch::Alarm","Properties":{"Dimensions":[{"Name":"FunctionName","Value":{"Ref":"Writer"}}],"AlarmActions":[{"Ref":"Topic"}]},"Metadata":{"aws:cdk:path":"S/Api/Writer/Errors/Resource"}},
 "Table":{"Type":"AWS::DynamoDB::Table","Properties":{},"Metadata":{"aws:cdk:path":"S/Api/Table/Resource"}},
 "TableThrottles":{"Type":"AWS::CloudWatch::Alarm","Properties":{"Dimensions":[{"Name":"TableName","Value":{"Ref":"Table"}}],"AlarmActions":[{"Ref":"Topic"}],"OKActions":[{"Ref":"Topic"}]},"Metadata":{"aws:cdk:path":"S/Api/TableThrottles/Resource"}},
 "Uploads":{"Type":"AWS::S3::Bucket","Properties":{},"Metadata":{"aws:cdk:path":"S/Images/Uploads/Resource"}},
 "UploadsNotifications":{"Type":"Custom::S3BucketNotifications","Properties":{"ServiceToken":{"Fn::GetAtt":["NotificationsHandler","Arn"]},"BucketName":{"Ref":"Uploads"},"NotificationConfiguration":{"QueueConfigurations":[{"QueueArn":{"Fn::GetAtt":["Queue","Arn"]}}]}},"Metadata":{"aws:cdk:path":"S/Images/Uploads/Notifications/Resource"}},
 "NotificationsHandler":{"Type":"AWS::Lambda::Function","Properties":{"Role":{"Fn::GetAtt":["NotificationsHandlerRole","Arn"]}},"Metadata":{"aws:cdk:path":"S/BucketNotificationsHandler/Resource"}},
 "NotificationsHandlerRole":{"Type":"AWS::IAM::Role","Properties":{},"Metadata":{"aws:cdk:path":"S/BucketNotificationsHandler/Role/Resource"}},
 "Queue":{"Type":"AWS::SQS::Queue","Properties":{},"Metadata":{"aws:cdk:path":"S/Images/Queue/Resource"}},
 "Mapping":{"Type":"AWS::Lambda::EventSourceMapping","Properties":{"EventSourceArn":{"Fn::GetAtt":["Queue","Arn"]},"FunctionName":{"Ref":"Processor"}},"Metadata":{"aws:cdk:path":"S/Images/Processor/Mapping/Resource"}},
 "Processor":{"Type":"AWS::Lambda::Function","Properties":{"Role":{"Fn::GetAtt":["ProcessorRole","Arn"]}},"Metadata":{"aws:cdk:path":"S/Images/Processor/Resource"}},
 "ProcessorRole":{"Type":"AWS::IAM::Role","Properties":{},"Metadata":{"aws:cdk:path":"S/Images/Processor/Role/Resource"}},
 "ProcessorPolicy":{"Type":"AWS::IAM::Policy","Properties":{"Roles":[{"Ref":"ProcessorRole"}],"PolicyDocument":{"Statement":[
   {"Effect":"Allow","Action":["sqs:ReceiveMessage"],"Resource":{"Fn::GetAtt":["Queue","Arn"]}},
   {"Effect":"Allow","Action":["s3:GetObject"],"Resource":{"Fn::Join":["",[{"Fn::GetAtt":["Uploads","Arn"]},"/*"]]}},
   {"Effect":"Allow","Action":["kms:Decrypt"],"Resource":{"Fn::GetAtt":["Key","Arn"]}},
   {"Effect":"Deny","Action":["s3:PutObject"],"Resource":{"Fn::GetAtt":["Table","Arn"]}}]}},"Metadata":{"aws:cdk:path":"S/Images/Processor/Role/DefaultPolicy/Resource"}},
 "Key":{"Type":"AWS::KMS::Key","Properties":{},"Metadata":{"aws:cdk:path":"S/Alarms/Key/Resource"}},
 "Topic":{"Type":"AWS::SNS::Topic","Properties":{"KmsMasterKeyId":{"Ref":"Key"}},"Metadata":{"aws:cdk:path":"S/Alarms/Topic/Resource"}},
 "Subscription":{"Type":"AWS::SNS::Subscription","Properties":{"TopicArn":{"Ref":"Topic"},"Protocol":"lambda","Endpoint":{"Fn::GetAtt":["Pager","Arn"]}},"Metadata":{"aws:cdk:path":"S/Alarms/Subscription/Resource"}},
 "Pager":{"Type":"AWS::Lambda::Function","Properties":{},"Metadata":{"aws:cdk:path":"S/Pager/Resource"}},
 "SchedulerRole":{"Type":"AWS::IAM::Role","Properties":{"Policies":[{"PolicyDocument":{"Statement":[{"Effect":"Allow","Action":"lambda:InvokeFunction","Resource":{"Fn::GetAtt":["Pager","Arn"]}}]}}]},"Metadata":{"aws:cdk:path":"S/Schedules/Role/Resource"}},
 "Morning":{"Type":"AWS::Scheduler::Schedule","Properties":{"Target":{"Arn":{"Fn::GetAtt":["Pager","Arn"]},"RoleArn":{"Fn::GetAtt":["SchedulerRole","Arn"]}}},"Metadata":{"aws:cdk:path":"S/Schedules/Morning/Resource"}},
 "Evening":{"Type":"AWS::Scheduler::Schedule","Properties":{"Target":{"Arn":"arn:aws:lambda:r:a:function:other","RoleArn":{"Fn::GetAtt":["SchedulerRole","Arn"]}}},"Metadata":{"aws:cdk:path":"S/Schedules/Evening/Resource"}}
}}`

func TestFlow(t *testing.T) {
	tmpl, err := assembly.ParseTemplate([]byte(flowTemplate))
	if err != nil {
		t.Fatal(err)
	}
	g := Build(&assembly.Stack{Name: "S", Template: tmpl}, Options{})
	edges := edgeSet(g)
	want := []string{
		ClientID + " --> Acl",    // the client reaches the web ACL in front of the API
		"Acl --> Api",            // web ACL association (its stage folded into the API)
		"Api --> Writer",         // method integration
		"Writer --> Table",       // environment variable
		"Writer -alarms-> Topic", // the function's alarm, folded into it
		"Table -alarms-> Topic",  // OKActions too, said once
		"Uploads --> Queue",      // S3 notifications (custom resource)
		"Queue --> Processor",    // event source mapping
		"Processor --> Uploads",  // its role may read the bucket
		"Topic --> Pager",        // subscription
		"Morning --> Pager",      // schedule target
		"Evening --> Pager",      // what the shared role allows, from each schedule
	}
	for _, w := range want {
		if !edges[w] {
			t.Errorf("no edge %s", w)
		}
	}
	if len(edges) != len(want) {
		t.Errorf("%d edges, want the %d above: %v", len(edges), len(want), g.Edges)
	}
	nodes := nodeMap(g)
	for id, folded := range map[string]string{
		"Api":       "AccessLogs Method Stage", // and its web ACL is not
		"Writer":    "WriterErrors WriterRole", // alarm and role; its permission is the API's
		"Topic":     "Key Subscription",        // the key it alone uses
		"Uploads":   "NotificationsHandler NotificationsHandlerRole UploadsNotifications",
		"Processor": "Mapping ProcessorPolicy ProcessorRole",
	} {
		n := nodes[id]
		if n == nil {
			t.Errorf("%s is not drawn", id)
			continue
		}
		got := strings.Join(n.Folded, " ")
		for _, f := range strings.Fields(folded) {
			if !strings.Contains(" "+got+" ", " "+f+" ") {
				t.Errorf("%s holds %q, want %s among them", id, got, f)
			}
		}
	}
	for _, gone := range []string{"SchedulerRole", "WriterPermission", "AclAssoc", "Stage", "Method", "WriterErrors", "TableThrottles"} {
		if nodes[gone] != nil {
			t.Errorf("%s is drawn", gone)
		}
	}
	var b bytes.Buffer
	if err := WriteMermaid(&b, g); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`r__client(["client"])`, "r_Writer -.->|alarms| r_Topic", "r_Acl --> r_Api"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("Mermaid output lacks %q:\n%s", want, b.String())
		}
	}
	b.Reset()
	if err := WriteDOT(&b, g); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"@client" [label="client", shape=oval`, `"Writer" -> "Topic" [style=dashed`, `label="alarms"`} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("DOT output lacks %q:\n%s", want, b.String())
		}
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
	g := Build(&assembly.Stack{Name: "Prod/App", Template: tmpl}, Options{All: true})
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
