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
		{"retain to delete",
			`{"Type":"AWS::DynamoDB::Table","DeletionPolicy":"Retain","UpdateReplacePolicy":"Retain","Properties":{}}`,
			`{"Type":"AWS::DynamoDB::Table","DeletionPolicy":"Delete","UpdateReplacePolicy":"Retain","Properties":{}}`,
			[]string{"retention-removed"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, f := range securityFindings("R", res(t, tt.old), res(t, tt.new)) {
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
