package cfndiff

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/gureum-cdk/gureum/internal/assembly"
)

// res parses a resource from JSON; "" is no resource.
func res(t *testing.T, js string) *assembly.Resource {
	t.Helper()
	if js == "" {
		return nil
	}
	tmpl, err := assembly.ParseTemplate([]byte(`{"Resources":{"R":` + js + `}}`))
	if err != nil {
		t.Fatal(err)
	}
	return tmpl.Resources["R"]
}

func policy(statements ...string) string {
	return `{"Type":"AWS::IAM::Policy","Properties":{"PolicyName":"P","Roles":[{"Ref":"Role"}],"PolicyDocument":{"Version":"2012-10-17","Statement":[` + strings.Join(statements, ",") + `]}}}`
}

func sg(rules ...string) string {
	return `{"Type":"AWS::EC2::SecurityGroup","Properties":{"GroupDescription":"g","SecurityGroupIngress":[` + strings.Join(rules, ",") + `]}}`
}

const (
	getItem   = `{"Effect":"Allow","Action":"dynamodb:GetItem","Resource":"arn:aws:dynamodb:eu-west-1:111122223333:table/T"}`
	getPut    = `{"Effect":"Allow","Action":["dynamodb:PutItem","dynamodb:GetItem"],"Resource":"arn:aws:dynamodb:eu-west-1:111122223333:table/T"}`
	ddbStar   = `{"Effect":"Allow","Action":"dynamodb:*","Resource":"arn:aws:dynamodb:eu-west-1:111122223333:table/T"}`
	anyRes    = `{"Effect":"Allow","Action":"dynamodb:GetItem","Resource":"*"}`
	notAction = `{"Effect":"Allow","NotAction":"iam:*","Resource":"*"}`
	denyDel   = `{"Effect":"Deny","Action":"dynamodb:DeleteTable","Resource":"*"}`
	https     = `{"IpProtocol":"tcp","FromPort":443,"ToPort":443,"CidrIp":"10.0.0.0/16"}`
	httpsDesc = `{"IpProtocol":"tcp","FromPort":443,"ToPort":443,"CidrIp":"10.0.0.0/16","Description":"renamed"}`
	wideVPC   = `{"IpProtocol":"tcp","FromPort":0,"ToPort":65535,"CidrIp":"10.0.0.0/16"}`
	httpsOpen = `{"IpProtocol":"tcp","FromPort":443,"ToPort":443,"CidrIp":"0.0.0.0/0"}`
	allV6     = `{"IpProtocol":"-1","CidrIpv6":"::/0"}`
)

func TestSecurityFindings(t *testing.T) {
	tests := []struct {
		name     string
		old, new string
		want     []string // finding kinds, in order; empty for none
	}{
		{"unchanged policy", policy(getItem), policy(getItem), nil},
		{"action added", policy(getItem), policy(getPut), []string{"iam-statement-added"}},
		{"action removed is narrowing", policy(getPut), policy(getItem), nil},
		{"statements reordered", policy(getItem, denyDel), policy(denyDel, getItem), nil},
		{"wildcard action", policy(getItem), policy(ddbStar), []string{"iam-wildcard"}},
		{"wildcard resource", policy(getItem), policy(anyRes), []string{"iam-wildcard"}},
		{"NotAction", policy(getItem), policy(getItem, notAction), []string{"iam-not-element"}},
		{"deny removed", policy(getItem, denyDel), policy(getItem), []string{"iam-deny-removed"}},
		{"new policy resource", "", policy(getItem), []string{"iam-statement-added"}},
		{"policy resource removed", policy(getItem), "", nil},
		{"bucket policy principal becomes *",
			`{"Type":"AWS::S3::BucketPolicy","Properties":{"Bucket":"b","PolicyDocument":{"Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}]}}}`,
			`{"Type":"AWS::S3::BucketPolicy","Properties":{"Bucket":"b","PolicyDocument":{"Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}]}}}`,
			[]string{"iam-principal-wildcard"}},
		{"role inline policy and managed policy",
			`{"Type":"AWS::IAM::Role","Properties":{"AssumeRolePolicyDocument":{"Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}}}`,
			`{"Type":"AWS::IAM::Role","Properties":{"AssumeRolePolicyDocument":{"Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]},"ManagedPolicyArns":["arn:aws:iam::aws:policy/AdministratorAccess"],"Policies":[{"PolicyName":"inline","PolicyDocument":{"Statement":[` + anyRes + `]}}]}}`,
			[]string{"iam-wildcard", "iam-managed-policy-attached"}},
		{"trust policy opened",
			`{"Type":"AWS::IAM::Role","Properties":{"AssumeRolePolicyDocument":{"Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}}}`,
			`{"Type":"AWS::IAM::Role","Properties":{"AssumeRolePolicyDocument":{"Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:AssumeRole"}]}}}`,
			[]string{"iam-principal-wildcard"}},
		{"key policy", `{"Type":"AWS::KMS::Key","Properties":{"KeyPolicy":{"Statement":[` + getItem + `]}}}`,
			`{"Type":"AWS::KMS::Key","Properties":{"KeyPolicy":{"Statement":[{"Effect":"Allow","Principal":"*","Action":"kms:Decrypt","Resource":"*"}]}}}`,
			[]string{"iam-principal-wildcard"}},
		{"public lambda permission", "", `{"Type":"AWS::Lambda::Permission","Properties":{"Action":"lambda:InvokeFunction","FunctionName":"f","Principal":"*"}}`, []string{"lambda-permission-public"}},
		{"sg description only", sg(https), sg(httpsDesc), nil},
		{"sg rule opened to the internet", sg(https), sg(https, httpsOpen), []string{"sg-ingress-open"}},
		{"sg port range widened", sg(https), sg(wideVPC), []string{"sg-ingress-widened"}},
		{"sg narrowed", sg(wideVPC), sg(https), nil},
		{"sg all traffic over IPv6", sg(https), sg(https, allV6), []string{"sg-ingress-open"}},
		{"sg ingress resource added", "", `{"Type":"AWS::EC2::SecurityGroupIngress","Properties":{"GroupId":"sg-1","IpProtocol":"tcp","FromPort":22,"ToPort":22,"SourceSecurityGroupId":"sg-2"}}`, []string{"sg-ingress-added"}},
		{"bucket encryption removed",
			`{"Type":"AWS::S3::Bucket","Properties":{"BucketEncryption":{"ServerSideEncryptionConfiguration":[{"ServerSideEncryptionByDefault":{"SSEAlgorithm":"aws:kms","KMSMasterKeyID":"k"}}]}}}`,
			`{"Type":"AWS::S3::Bucket","Properties":{}}`, []string{"encryption-removed"}},
		{"bucket KMS to S3-managed",
			`{"Type":"AWS::S3::Bucket","Properties":{"BucketEncryption":{"ServerSideEncryptionConfiguration":[{"ServerSideEncryptionByDefault":{"SSEAlgorithm":"aws:kms","KMSMasterKeyID":"k"}}]}}}`,
			`{"Type":"AWS::S3::Bucket","Properties":{"BucketEncryption":{"ServerSideEncryptionConfiguration":[{"ServerSideEncryptionByDefault":{"SSEAlgorithm":"AES256"}}]}}}`,
			[]string{"encryption-downgraded"}},
		{"public access block removed",
			`{"Type":"AWS::S3::Bucket","Properties":{"PublicAccessBlockConfiguration":{"BlockPublicAcls":true,"BlockPublicPolicy":true,"IgnorePublicAcls":true,"RestrictPublicBuckets":true}}}`,
			`{"Type":"AWS::S3::Bucket","Properties":{}}`,
			[]string{"s3-public-access-relaxed", "s3-public-access-relaxed", "s3-public-access-relaxed", "s3-public-access-relaxed"}},
		{"rds storage encryption and deletion protection off",
			`{"Type":"AWS::RDS::DBCluster","Properties":{"StorageEncrypted":true,"DeletionProtection":true,"KmsKeyId":"k"}}`,
			`{"Type":"AWS::RDS::DBCluster","Properties":{"StorageEncrypted":false,"DeletionProtection":false}}`,
			[]string{"encryption-removed", "encryption-disabled", "deletion-protection-removed"}},
		{"opensearch encryption at rest off",
			`{"Type":"AWS::OpenSearchService::Domain","Properties":{"EncryptionAtRestOptions":{"Enabled":true}}}`,
			`{"Type":"AWS::OpenSearchService::Domain","Properties":{"EncryptionAtRestOptions":{"Enabled":false}}}`,
			[]string{"encryption-disabled"}},
		{"kinesis stream encryption removed",
			`{"Type":"AWS::Kinesis::Stream","Properties":{"StreamEncryption":{"EncryptionType":"KMS","KeyId":"alias/aws/kinesis"}}}`,
			`{"Type":"AWS::Kinesis::Stream","Properties":{}}`,
			[]string{"encryption-removed"}},
		{"sqs managed SSE to KMS is not a removal",
			`{"Type":"AWS::SQS::Queue","Properties":{"SqsManagedSseEnabled":true}}`,
			`{"Type":"AWS::SQS::Queue","Properties":{"KmsMasterKeyId":"alias/k"}}`, nil},
		{"cognito deletion protection inactive",
			`{"Type":"AWS::Cognito::UserPool","Properties":{"DeletionProtection":"ACTIVE"}}`,
			`{"Type":"AWS::Cognito::UserPool","Properties":{"DeletionProtection":"INACTIVE"}}`,
			[]string{"deletion-protection-removed"}},
		{"retain to snapshot keeps protection",
			`{"Type":"AWS::RDS::DBInstance","DeletionPolicy":"Retain","Properties":{}}`,
			`{"Type":"AWS::RDS::DBInstance","DeletionPolicy":"Snapshot","Properties":{}}`, nil},
		{"lambda permission loses SourceArn",
			`{"Type":"AWS::Lambda::Permission","Properties":{"Action":"lambda:InvokeFunction","FunctionName":"f","Principal":"apigateway.amazonaws.com","SourceArn":"arn:aws:execute-api:eu-west-1:111122223333:abc/*"}}`,
			`{"Type":"AWS::Lambda::Permission","Properties":{"Action":"lambda:InvokeFunction","FunctionName":"f","Principal":"apigateway.amazonaws.com"}}`,
			[]string{"lambda-permission-unscoped"}},
		{"lambda permission loses SourceAccount",
			`{"Type":"AWS::Lambda::Permission","Properties":{"Action":"lambda:InvokeFunction","FunctionName":"f","Principal":"s3.amazonaws.com","SourceArn":"arn:aws:s3:::b","SourceAccount":"111122223333"}}`,
			`{"Type":"AWS::Lambda::Permission","Properties":{"Action":"lambda:InvokeFunction","FunctionName":"f","Principal":"s3.amazonaws.com","SourceArn":"arn:aws:s3:::b"}}`,
			[]string{"lambda-permission-unscoped"}},
		{"new unscoped lambda permission", "",
			`{"Type":"AWS::Lambda::Permission","Properties":{"Action":"lambda:InvokeFunction","FunctionName":"f","Principal":"events.amazonaws.com"}}`,
			[]string{"lambda-permission-unscoped"}},
		{"new scoped lambda permission", "",
			`{"Type":"AWS::Lambda::Permission","Properties":{"Action":"lambda:InvokeFunction","FunctionName":"f","Principal":"events.amazonaws.com","SourceArn":"arn:aws:events:eu-west-1:111122223333:rule/r"}}`,
			[]string{"lambda-permission-added"}},
		{"lambda permission unchanged but for a number's spelling",
			`{"Type":"AWS::Lambda::Permission","Properties":{"Action":"lambda:InvokeFunction","FunctionName":"f","Principal":"111122223333"}}`,
			`{"Type":"AWS::Lambda::Permission","Properties":{"Action":"lambda:InvokeFunction","FunctionName":"f","Principal":111122223333}}`, nil},
		{"rest api policy opened to *",
			`{"Type":"AWS::ApiGateway::RestApi","Properties":{"Name":"api","Policy":{"Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"execute-api:Invoke","Resource":"execute-api:/*"}]}}}`,
			`{"Type":"AWS::ApiGateway::RestApi","Properties":{"Name":"api","Policy":{"Statement":[{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*"}]}}}`,
			[]string{"iam-principal-wildcard"}},
		{"logs resource policy as a JSON string",
			`{"Type":"AWS::Logs::ResourcePolicy","Properties":{"PolicyName":"p","PolicyDocument":"{\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"Service\":\"es.amazonaws.com\"},\"Action\":\"logs:PutLogEvents\",\"Resource\":\"arn:aws:logs:eu-west-1:111122223333:log-group:/search:*\"}]}"}}`,
			`{"Type":"AWS::Logs::ResourcePolicy","Properties":{"PolicyName":"p","PolicyDocument":"{\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"*\"},\"Action\":\"logs:PutLogEvents\",\"Resource\":\"arn:aws:logs:eu-west-1:111122223333:log-group:/search:*\"}]}"}}`,
			[]string{"iam-principal-wildcard"}},
		{"ECR repository policy built with Fn::Sub",
			`{"Type":"AWS::ECR::Repository","Properties":{}}`,
			`{"Type":"AWS::ECR::Repository","Properties":{"RepositoryPolicyText":{"Fn::Sub":"{\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"arn:aws:iam::${AWS::AccountId}:root\"},\"Action\":\"ecr:*\"}]}"}}}`,
			[]string{"iam-wildcard"}},
		{"instance EBS encryption off",
			`{"Type":"AWS::EC2::Instance","Properties":{"BlockDeviceMappings":[{"DeviceName":"/dev/xvda","Ebs":{"VolumeSize":30,"Encrypted":true}}]}}`,
			`{"Type":"AWS::EC2::Instance","Properties":{"BlockDeviceMappings":[{"DeviceName":"/dev/xvda","Ebs":{"VolumeSize":30}}]}}`,
			[]string{"encryption-disabled"}},
		{"launch template EBS encryption off",
			`{"Type":"AWS::EC2::LaunchTemplate","Properties":{"LaunchTemplateData":{"BlockDeviceMappings":[{"DeviceName":"/dev/xvda","Ebs":{"Encrypted":true}},{"DeviceName":"/dev/sdb","Ebs":{"Encrypted":"true"}}]}}}`,
			`{"Type":"AWS::EC2::LaunchTemplate","Properties":{"LaunchTemplateData":{"BlockDeviceMappings":[{"DeviceName":"/dev/xvda","Ebs":{"Encrypted":true}},{"DeviceName":"/dev/sdb","Ebs":{"Encrypted":false}}]}}}`,
			[]string{"encryption-disabled"}},
		{"sg egress opened to the internet",
			`{"Type":"AWS::EC2::SecurityGroup","Properties":{"GroupDescription":"g","SecurityGroupEgress":[{"IpProtocol":"icmp","FromPort":252,"ToPort":86,"CidrIp":"255.255.255.255/32"}]}}`,
			`{"Type":"AWS::EC2::SecurityGroup","Properties":{"GroupDescription":"g","SecurityGroupEgress":[{"IpProtocol":"-1","CidrIp":"0.0.0.0/0"}]}}`,
			[]string{"sg-egress-open"}},
		{"sg egress description only",
			`{"Type":"AWS::EC2::SecurityGroup","Properties":{"GroupDescription":"g","SecurityGroupEgress":[{"IpProtocol":"tcp","FromPort":443,"ToPort":443,"CidrIp":"10.0.0.0/8"}]}}`,
			`{"Type":"AWS::EC2::SecurityGroup","Properties":{"GroupDescription":"g","SecurityGroupEgress":[{"IpProtocol":"tcp","FromPort":443,"ToPort":443,"CidrIp":"10.0.0.0/8","Description":"https"}]}}`,
			nil},
		{"retain to delete",
			`{"Type":"AWS::DynamoDB::Table","DeletionPolicy":"Retain","UpdateReplacePolicy":"Retain","Properties":{}}`,
			`{"Type":"AWS::DynamoDB::Table","DeletionPolicy":"Delete","UpdateReplacePolicy":"Retain","Properties":{}}`,
			[]string{"retention-removed"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, f := range (&stackContext{}).securityFindings("R", res(t, tt.old), res(t, tt.new)) {
				got = append(got, f.Kind)
				if f.Message == "" || f.LogicalID != "R" {
					t.Errorf("finding %+v lacks a message or the logical ID", f)
				}
			}
			if strings.Join(got, ",") != strings.Join(tt.want, ",") {
				t.Errorf("findings %v, want %v", got, tt.want)
			}
		})
	}
}

func TestCompareResourceImpact(t *testing.T) {
	tests := []struct {
		name     string
		old, new string
		want     Impact
		changed  bool
	}{
		{"mutable", `{"Type":"AWS::Lambda::Function","Properties":{"MemorySize":128}}`, `{"Type":"AWS::Lambda::Function","Properties":{"MemorySize":256}}`, Update, true},
		{"immutable", `{"Type":"AWS::Lambda::Function","Properties":{"FunctionName":"a"}}`, `{"Type":"AWS::Lambda::Function","Properties":{"FunctionName":"b"}}`, Replace, true},
		{"conditional", `{"Type":"AWS::RDS::DBInstance","Properties":{"Engine":"postgres"}}`, `{"Type":"AWS::RDS::DBInstance","Properties":{"Engine":"aurora-postgresql"}}`, MayReplace, true},
		{"type changed", `{"Type":"AWS::SQS::Queue","Properties":{}}`, `{"Type":"AWS::SNS::Topic","Properties":{}}`, Replace, true},
		{"asset hash in an immutable property",
			`{"Type":"AWS::Lambda::LayerVersion","Properties":{"Content":{"S3Bucket":"b","S3Key":"3f1c0b6a1c1d2e3f4a5b6c7d8e9f00112233445566778899aabbccddeeff0011.zip"}}}`,
			`{"Type":"AWS::Lambda::LayerVersion","Properties":{"Content":{"S3Bucket":"b","S3Key":"9a8b7c6d5e4f30211203f4e5d6c7b8a99887766554433221100ffeeddccbbaa9.zip"}}}`, Update, true},
		{"cdk path only", `{"Type":"AWS::SQS::Queue","Metadata":{"aws:cdk:path":"A/Q/Resource"}}`, `{"Type":"AWS::SQS::Queue","Metadata":{"aws:cdk:path":"A/Queue/Resource"}}`, "", false},
		{"user metadata", `{"Type":"AWS::SQS::Queue","Metadata":{"cfn_nag":{"rules_to_suppress":[]}}}`, `{"Type":"AWS::SQS::Queue"}`, Update, true},
		{"number spelled the same", `{"Type":"AWS::SQS::Queue","Properties":{"DelaySeconds":5}}`, `{"Type":"AWS::SQS::Queue","Properties":{"DelaySeconds":5}}`, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rc, changed := compareResource("R", res(t, tt.old), res(t, tt.new))
			if changed != tt.changed || (changed && rc.Impact != tt.want) {
				b, _ := json.Marshal(rc)
				t.Errorf("changed=%v impact=%q, want %v %q: %s", changed, rc.Impact, tt.changed, tt.want, b)
			}
		})
	}
}

// TestNewGrants: what a feature adds for itself (a new function's role, its
// policy, its invoke permission) is a new-grants finding; access broadened
// for what exists already, or a risky grant, stays a security finding.
func TestNewGrants(t *testing.T) {
	const (
		api       = `"Api":{"Type":"AWS::ApiGateway::RestApi","Properties":{"Name":"api"}}`
		table     = `"Table":{"Type":"AWS::DynamoDB::Table","DeletionPolicy":"Retain","Properties":{"KeySchema":[{"AttributeName":"pk","KeyType":"HASH"}],"AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"}]}}`
		oldRole   = `"OldRole":{"Type":"AWS::IAM::Role","Properties":{"AssumeRolePolicyDocument":{"Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}}}`
		oldPolicy = `"OldPolicy":{"Type":"AWS::IAM::Policy","Properties":{"PolicyName":"p","Roles":[{"Ref":"OldRole"}],"PolicyDocument":{"Statement":[{"Effect":"Allow","Action":"dynamodb:Query","Resource":{"Fn::GetAtt":["Table","Arn"]}}]}}}`
		role      = `"Role":{"Type":"AWS::IAM::Role","Properties":{"AssumeRolePolicyDocument":{"Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]},"ManagedPolicyArns":["arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"]}}`
		fn        = `"Fn":{"Type":"AWS::Lambda::Function","Properties":{"Role":{"Fn::GetAtt":["Role","Arn"]},"Code":{"ZipFile":"x"}}}`
		perm      = `"Perm":{"Type":"AWS::Lambda::Permission","Properties":{"Action":"lambda:InvokeFunction","FunctionName":{"Fn::GetAtt":["Fn","Arn"]},"Principal":"apigateway.amazonaws.com","SourceArn":{"Fn::Sub":"arn:aws:execute-api:${AWS::Region}:${AWS::AccountId}:${Api}/*/GET/items"}}}`
	)
	policy := func(id, roleRef, statements string) string {
		return `"` + id + `":{"Type":"AWS::IAM::Policy","Properties":{"PolicyName":"p","Roles":[` + roleRef + `],"PolicyDocument":{"Statement":[` + statements + `]}}}`
	}
	const (
		logs   = `{"Effect":"Allow","Action":["logs:CreateLogStream","logs:PutLogEvents"],"Resource":"arn:aws:logs:eu-west-1:111122223333:log-group:/fn:*"}`
		xray   = `{"Effect":"Allow","Action":["xray:PutTraceSegments","xray:PutTelemetryRecords"],"Resource":"*"}`
		get    = `{"Effect":"Allow","Action":"dynamodb:GetItem","Resource":{"Fn::GetAtt":["Table","Arn"]}}`
		ddbAll = `{"Effect":"Allow","Action":"dynamodb:*","Resource":{"Fn::GetAtt":["Table","Arn"]}}`
	)
	base := tmpl(api, table, oldRole, oldPolicy)
	tests := []struct {
		name     string
		new      string
		findings []string
		exit     int // under DefaultFailOn
		feature  int // under stateful,security,protection
	}{
		{"a new read-only route", tmpl(api, table, oldRole, oldPolicy, role, fn, perm, policy("Policy", `{"Ref":"Role"}`, logs+","+xray+","+get)),
			[]string{"new-grants/iam-managed-policy-attached/Role", "new-grants/iam-statement-added/Policy", "new-grants/iam-statement-added/Policy", "new-grants/iam-statement-added/Role", "new-grants/iam-wildcard/Policy", "new-grants/lambda-permission-added/Perm"},
			ExitGated, ExitChanges},
		{"a new role with a wildcard action", tmpl(api, table, oldRole, oldPolicy, role, fn, policy("Policy", `{"Ref":"Role"}`, ddbAll)),
			[]string{"new-grants/iam-managed-policy-attached/Role", "new-grants/iam-statement-added/Role", "security/iam-wildcard/Policy"},
			ExitGated, ExitGated},
		{"an existing role gains a statement", tmpl(api, table, oldRole, policy("OldPolicy", `{"Ref":"OldRole"}`, `{"Effect":"Allow","Action":"dynamodb:Query","Resource":{"Fn::GetAtt":["Table","Arn"]}},`+get)),
			[]string{"security/iam-statement-added/OldPolicy"},
			ExitGated, ExitGated},
		{"a new policy on an existing role", tmpl(api, table, oldRole, oldPolicy, policy("Policy", `{"Ref":"OldRole"}`, get)),
			[]string{"security/iam-statement-added/Policy"},
			ExitGated, ExitGated},
	}
	feature, err := ParseFailOn("stateful,security,protection")
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := compareTemplates(t, base, tt.new, nil)
			_, finds := summary(res)
			if strings.Join(finds, " ") != strings.Join(tt.findings, " ") {
				t.Errorf("findings\n got  %v\n want %v", finds, tt.findings)
			}
			if res.ExitCode != tt.exit {
				t.Errorf("default gate: exit %d, want %d", res.ExitCode, tt.exit)
			}
			if got := compareTemplates(t, base, tt.new, feature).ExitCode; got != tt.feature {
				t.Errorf("--fail-on=stateful,security,protection: exit %d, want %d", got, tt.feature)
			}
		})
	}
}
