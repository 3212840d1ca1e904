package cfndiff

import (
	"bytes"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/gureum-cdk/gureum/internal/assembly"
)

// compareTemplates compares two templates given as JSON or YAML text as two
// assemblies of one stack, and gates with failOn (DefaultFailOn when nil).
func compareTemplates(t *testing.T, old, new string, failOn []string) *Result {
	t.Helper()
	stack := func(text string) *assembly.Assembly {
		tmpl, err := assembly.ParseTemplate([]byte(text))
		if err != nil {
			t.Fatalf("%v\n%s", err, text)
		}
		return &assembly.Assembly{Dir: "cdk.out", Stacks: []*assembly.Stack{{Name: "S", Template: tmpl}}}
	}
	res, err := Compare(stack(old), stack(new), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if failOn == nil {
		failOn = DefaultFailOn
	}
	res.Gate(failOn)
	return res
}

// summary flattens a one-stack result: logical ID -> impact, and the
// findings as "category/kind/logicalID", sorted.
func summary(res *Result) (map[string]Impact, []string) {
	impacts := map[string]Impact{}
	var finds []string
	for _, st := range res.Stacks {
		for _, rc := range st.Resources {
			impacts[rc.LogicalID] = rc.Impact
		}
		for _, f := range st.Findings {
			finds = append(finds, f.Category+"/"+f.Kind+"/"+f.LogicalID)
		}
	}
	sort.Strings(finds)
	return impacts, finds
}

func tmpl(resources ...string) string {
	return `{"Resources":{` + strings.Join(resources, ",") + `}}`
}

func TestCloudFormationSemantics(t *testing.T) {
	const (
		bucket     = `"Bucket":{"Type":"AWS::S3::Bucket","DeletionPolicy":"Retain","UpdateReplacePolicy":"Retain","Properties":{"BucketName":"data-a"}}`
		bucketB    = `"Bucket":{"Type":"AWS::S3::Bucket","DeletionPolicy":"Retain","UpdateReplacePolicy":"Retain","Properties":{"BucketName":"data-b"}}`
		bucketPol  = `"BucketPolicy":{"Type":"AWS::S3::BucketPolicy","Properties":{"Bucket":{"Ref":"Bucket"},"PolicyDocument":{"Statement":[{"Effect":"Deny","Principal":{"AWS":"*"},"Action":"s3:*","Resource":{"Fn::Sub":"${Bucket.Arn}/*"},"Condition":{"Bool":{"aws:SecureTransport":"false"}}}]}}}`
		fnA        = `"Fn":{"Type":"AWS::Lambda::Function","Properties":{"FunctionName":"a","Role":"arn:aws:iam::111122223333:role/r","Code":{"ZipFile":"x"}}}`
		fnB        = `"Fn":{"Type":"AWS::Lambda::Function","Properties":{"FunctionName":"b","Role":"arn:aws:iam::111122223333:role/r","Code":{"ZipFile":"x"}}}`
		invokeCfg  = `"FnConfig":{"Type":"AWS::Lambda::EventInvokeConfig","Properties":{"FunctionName":{"Ref":"Fn"},"Qualifier":"$LATEST","MaximumRetryAttempts":0}}`
		fnUser     = `"FnUser":{"Type":"AWS::SQS::Queue","Properties":{"Tags":[{"Key":"fn","Value":{"Fn::GetAtt":["Fn","Arn"]}}]}}`
		clusterOn  = `"Db":{"Type":"AWS::RDS::DBCluster","Properties":{"Engine":"aurora-postgresql","StorageEncrypted":true,"BackupRetentionPeriod":7}}`
		clusterStr = `"Db":{"Type":"AWS::RDS::DBCluster","Properties":{"Engine":"aurora-postgresql","StorageEncrypted":"true","BackupRetentionPeriod":"7"}}`
		queueNum   = `"Q":{"Type":"AWS::SQS::Queue","Properties":{"MessageRetentionPeriod":1209600}}`
		queueStr   = `"Q":{"Type":"AWS::SQS::Queue","Properties":{"MessageRetentionPeriod":"1209600"}}`
		queueOther = `"Q":{"Type":"AWS::SQS::Queue","Properties":{"MessageRetentionPeriod":"1209601"}}`
		dependsAB  = `"W":{"Type":"AWS::SQS::Queue","DependsOn":["A","B"]},"A":{"Type":"AWS::SNS::Topic"},"B":{"Type":"AWS::SNS::Topic"}`
		dependsBA  = `"W":{"Type":"AWS::SQS::Queue","DependsOn":["B","A"]},"A":{"Type":"AWS::SNS::Topic"},"B":{"Type":"AWS::SNS::Topic"}`
		dependsA   = `"W":{"Type":"AWS::SQS::Queue","DependsOn":"A"},"A":{"Type":"AWS::SNS::Topic"},"B":{"Type":"AWS::SNS::Topic"}`
		dependsA1  = `"W":{"Type":"AWS::SQS::Queue","DependsOn":["A"]},"A":{"Type":"AWS::SNS::Topic"},"B":{"Type":"AWS::SNS::Topic"}`
		table      = `"T":{"Type":"AWS::DynamoDB::Table","DeletionPolicy":"Retain","UpdateReplacePolicy":"Retain","Properties":{"KeySchema":[{"AttributeName":"pk","KeyType":"HASH"}],"AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"}],"BillingMode":"PAY_PER_REQUEST"}}`
		tableCond  = `"T":{"Type":"AWS::DynamoDB::Table","Condition":"Prod","DeletionPolicy":"Retain","UpdateReplacePolicy":"Retain","Properties":{"KeySchema":[{"AttributeName":"pk","KeyType":"HASH"}],"AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"}],"BillingMode":"PAY_PER_REQUEST"}}`
		namedPK    = `"T":{"Type":"AWS::DynamoDB::Table","Properties":{"TableName":"votes","KeySchema":[{"AttributeName":"pk","KeyType":"HASH"}],"AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"}],"BillingMode":"PAY_PER_REQUEST"}}`
		namedID    = `"T":{"Type":"AWS::DynamoDB::Table","Properties":{"TableName":"votes","KeySchema":[{"AttributeName":"id","KeyType":"HASH"}],"AttributeDefinitions":[{"AttributeName":"id","AttributeType":"S"}],"BillingMode":"PAY_PER_REQUEST"}}`
		named2ID   = `"T":{"Type":"AWS::DynamoDB::Table","Properties":{"TableName":"votes-v2","KeySchema":[{"AttributeName":"id","KeyType":"HASH"}],"AttributeDefinitions":[{"AttributeName":"id","AttributeType":"S"}],"BillingMode":"PAY_PER_REQUEST"}}`
		namedFn    = `"Fn":{"Type":"AWS::Lambda::Function","Properties":{"FunctionName":"a","PackageType":"Zip","Role":"r","Code":{"ZipFile":"x"}}}`
		namedFnImg = `"Fn":{"Type":"AWS::Lambda::Function","Properties":{"FunctionName":"a","PackageType":"Image","Role":"r","Code":{"ImageUri":"x"}}}`
	)
	prodCond := `"Conditions":{"Prod":{"Fn::Equals":[{"Ref":"AWS::Region"},"eu-west-1"]}}`
	tests := []struct {
		name     string
		old, new string
		exit     int
		impacts  map[string]Impact // exactly the resources reported
		findings []string          // exactly the findings, "category/kind/logicalID"
		message  string            // a substring of some finding's message
	}{
		{name: "boolean and its string", old: tmpl(clusterOn), new: tmpl(clusterStr), exit: 0, impacts: map[string]Impact{}},
		{name: "number and its string", old: tmpl(queueNum), new: tmpl(queueStr), exit: 0, impacts: map[string]Impact{}},
		{name: "string of another number", old: tmpl(queueNum), new: tmpl(queueOther), exit: 1, impacts: map[string]Impact{"Q": Update}},
		{name: "Fn::GetAtt in its string form", old: tmpl(fnA, `"U":{"Type":"AWS::SQS::Queue","Properties":{"Tags":[{"Key":"k","Value":{"Fn::GetAtt":["Fn","Arn"]}}]}}`),
			new: tmpl(fnA, `"U":{"Type":"AWS::SQS::Queue","Properties":{"Tags":[{"Key":"k","Value":{"Fn::GetAtt":"Fn.Arn"}}]}}`), exit: 0, impacts: map[string]Impact{}},
		{name: "DependsOn reordered", old: tmpl(dependsAB), new: tmpl(dependsBA), exit: 0, impacts: map[string]Impact{}},
		{name: "DependsOn name and list of one", old: tmpl(dependsA), new: tmpl(dependsA1), exit: 0, impacts: map[string]Impact{}},
		{name: "DependsOn changed", old: tmpl(dependsA), new: tmpl(dependsAB), exit: 1, impacts: map[string]Impact{"W": Update}},
		{name: "replacement propagates to a bucket policy", old: tmpl(bucket, bucketPol), new: tmpl(bucketB, bucketPol), exit: 2,
			impacts:  map[string]Impact{"Bucket": Replace, "BucketPolicy": Replace},
			findings: []string{"stateful/stateful-replace/Bucket"}},
		{name: "replacement propagates through a chain, and updates what names it", old: tmpl(fnA, invokeCfg, fnUser), new: tmpl(fnB, invokeCfg, fnUser), exit: 1,
			impacts: map[string]Impact{"Fn": Replace, "FnConfig": Replace, "FnUser": Update}},
		{name: "condition put on a retained table", old: `{"Conditions":{"Prod":{"Fn::Equals":["a","a"]}},"Resources":{` + table + `}}`,
			new: `{"Conditions":{"Prod":{"Fn::Equals":["a","a"]}},"Resources":{` + tableCond + `}}`, exit: 2,
			impacts: map[string]Impact{"T": Update}, findings: []string{"stateful/condition-added/T"}, message: "removes it from the stack and leaves it unmanaged"},
		{name: "custom-named table replaced", old: tmpl(namedPK), new: tmpl(namedID), exit: 2,
			impacts: map[string]Impact{"T": Replace}, findings: []string{"stateful/custom-name-replace/T"}, message: "CloudFormation refuses the update"},
		{name: "custom-named table replaced under a new name", old: tmpl(namedPK), new: tmpl(named2ID), exit: 2,
			impacts: map[string]Impact{"T": Replace}, findings: []string{"stateful/stateful-replace/T"}, message: "starts empty"},
		{name: "custom-named function replaced", old: tmpl(namedFn), new: tmpl(namedFnImg), exit: 1,
			impacts: map[string]Impact{"Fn": Replace}, findings: []string{"replace/custom-name-replace/Fn"}, message: "change or remove FunctionName"},
		{name: "transform added", old: tmpl(queueNum), new: `{"Transform":"AWS::LanguageExtensions",` + tmpl(queueNum)[1:], exit: 1, impacts: map[string]Impact{}},
		{name: "rules changed", old: `{"Rules":{"R":{"Assertions":[{"Assert":{"Fn::Equals":["a","a"]}}]}},` + tmpl(queueNum)[1:],
			new: `{"Rules":{"R":{"Assertions":[{"Assert":{"Fn::Equals":["a","b"]}}]}},` + tmpl(queueNum)[1:], exit: 1, impacts: map[string]Impact{}},
		{name: "conditions changed", old: `{` + prodCond + `,` + tmpl(queueNum)[1:], new: `{"Conditions":{"Prod":{"Fn::Equals":[{"Ref":"AWS::Region"},"us-east-1"]}},` + tmpl(queueNum)[1:], exit: 1, impacts: map[string]Impact{}},
		{name: "parameter added", old: tmpl(queueNum), new: `{"Parameters":{"P":{"Type":"String"}},` + tmpl(queueNum)[1:], exit: 1, impacts: map[string]Impact{}},
		{name: "YAML and the same template in JSON", old: tmpl(bucket, bucketPol), exit: 0, impacts: map[string]Impact{},
			new: "Resources:\n  Bucket:\n    Type: AWS::S3::Bucket\n    DeletionPolicy: Retain\n    UpdateReplacePolicy: Retain\n    Properties:\n      BucketName: data-a\n" +
				"  BucketPolicy:\n    Type: AWS::S3::BucketPolicy\n    Properties:\n      Bucket: !Ref Bucket\n      PolicyDocument:\n        Statement:\n" +
				"          - Effect: Deny\n            Principal: {AWS: '*'}\n            Action: s3:*\n            Resource: !Sub ${Bucket.Arn}/*\n" +
				"            Condition: {Bool: {aws:SecureTransport: 'false'}}\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := compareTemplates(t, tt.old, tt.new, nil)
			impacts, finds := summary(res)
			if res.ExitCode != tt.exit {
				t.Errorf("exit %d, want %d", res.ExitCode, tt.exit)
			}
			if fmt.Sprint(impacts) != fmt.Sprint(tt.impacts) {
				t.Errorf("impacts %v, want %v", impacts, tt.impacts)
			}
			if tt.findings == nil {
				tt.findings = []string{}
			}
			if finds == nil {
				finds = []string{}
			}
			if fmt.Sprint(finds) != fmt.Sprint(tt.findings) {
				t.Errorf("findings %v, want %v", finds, tt.findings)
			}
			if tt.message != "" {
				found := false
				for _, f := range res.Stacks[0].Findings {
					found = found || strings.Contains(f.Message, tt.message)
				}
				if !found {
					t.Errorf("no finding says %q: %+v", tt.message, res.Stacks[0].Findings)
				}
			}
		})
	}
}

// TestTemplateFileHasNoTerminationProtection: a template file says nothing
// about termination protection, so comparing it with an assembly whose
// stack has it on is no "termination protection turned off".
func TestTemplateFileHasNoTerminationProtection(t *testing.T) {
	tp, err := assembly.ParseTemplate([]byte(tmpl(`"Q":{"Type":"AWS::SQS::Queue"}`)))
	if err != nil {
		t.Fatal(err)
	}
	protected := &assembly.Assembly{Dir: "cdk.out", Stacks: []*assembly.Stack{{Name: "App", TerminationProtection: true, Template: tp}}}
	file := &assembly.Assembly{Stacks: []*assembly.Stack{{Name: "App", Template: tp}}}
	unprotected := &assembly.Assembly{Dir: "cdk.out", Stacks: []*assembly.Stack{{Name: "App", Template: tp}}}
	for _, tt := range []struct {
		name     string
		old, new *assembly.Assembly
		want     int
	}{
		{"assembly to template file", protected, file, ExitNoChange},
		{"template file to assembly", file, protected, ExitNoChange},
		{"assembly to assembly", protected, unprotected, ExitGated},
	} {
		t.Run(tt.name, func(t *testing.T) {
			res, err := Compare(tt.old, tt.new, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if got := res.Gate(DefaultFailOn); got != tt.want {
				t.Errorf("exit %d, want %d: %+v", got, tt.want, res.Stacks[0].Findings)
			}
		})
	}
}

// TestRenameHintThroughReferences: a key and the table it encrypts are both
// renamed; the table's only difference is its Ref to the key's new ID.
func TestRenameHintThroughReferences(t *testing.T) {
	key := func(id string) string {
		return `"` + id + `":{"Type":"AWS::KMS::Key","DeletionPolicy":"Retain","Properties":{"EnableKeyRotation":true}}`
	}
	table := func(id, keyID string) string {
		return `"` + id + `":{"Type":"AWS::DynamoDB::Table","DeletionPolicy":"Retain","Properties":{"KeySchema":[{"AttributeName":"pk","KeyType":"HASH"}],"AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"}],"SSESpecification":{"SSEEnabled":true,"SSEType":"KMS","KMSMasterKeyId":{"Fn::GetAtt":["` + keyID + `","Arn"]}}}}`
	}
	res := compareTemplates(t, tmpl(key("Key"), table("Table", "Key")), tmpl(key("KeyV2"), table("TableV2", "KeyV2")), nil)
	hints := map[string]string{}
	for _, f := range res.Stacks[0].Findings {
		if _, to, ok := strings.Cut(f.Message, "seems to have changed to "); ok {
			hints[f.LogicalID], _, _ = strings.Cut(to, ",")
		}
	}
	if hints["Key"] != "KeyV2" || hints["Table"] != "TableV2" {
		t.Errorf("rename hints %v, want Key -> KeyV2 and Table -> TableV2", hints)
	}
}

func TestDuplicateFindingsOnce(t *testing.T) {
	stmt := func(sid string) string {
		return `{"Sid":"` + sid + `","Effect":"Allow","Action":"sqs:SendMessage","Resource":"arn:aws:sqs:eu-west-1:111122223333:q"}`
	}
	old := tmpl(`"P":{"Type":"AWS::IAM::Policy","Properties":{"PolicyName":"p","Roles":["existing"],"PolicyDocument":{"Statement":[]}}}`)
	new := tmpl(`"P":{"Type":"AWS::IAM::Policy","Properties":{"PolicyName":"p","Roles":["existing"],"PolicyDocument":{"Statement":[` + stmt("A") + `,` + stmt("B") + `]}}}`)
	_, finds := summary(compareTemplates(t, old, new, nil))
	if fmt.Sprint(finds) != "[security/iam-statement-added/P]" {
		t.Errorf("findings %v, want the new statement once", finds)
	}
}

// TestMarkdownFoldsUnchangedStacks: the summary table lists the stacks that
// changed; the unchanged ones share one line.
func TestMarkdownFoldsUnchangedStacks(t *testing.T) {
	r := &Result{SchemaVersion: SchemaVersion, Stacks: []StackDiff{
		{Name: "Api", Status: Modified, Resources: []ResourceChange{{LogicalID: "Fn", Type: "AWS::Lambda::Function", Change: Modified, Impact: Update}}},
		{Name: "Data", Status: Unchanged},
		{Name: "Prod/Web", Status: Unchanged},
	}}
	r.Gate(DefaultFailOn)
	var b bytes.Buffer
	if err := WriteMarkdown(&b, r); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	if !strings.Contains(out, "| Api | modified |") || strings.Contains(out, "| Data |") || strings.Contains(out, "| Prod/Web |") {
		t.Errorf("summary table should list Api only:\n%s", out)
	}
	if !strings.Contains(out, "2 stacks unchanged: Data, Prod/Web.") {
		t.Errorf("no line folding the unchanged stacks:\n%s", out)
	}
	if !strings.Contains(out, "1 of 3 stacks changed") || !strings.Contains(out, "; 0 findings,") {
		t.Errorf("summary line:\n%s", out)
	}
}
