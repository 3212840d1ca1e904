package cfnspec

import (
	"strings"
	"testing"
)

func TestLookup(t *testing.T) {
	tests := []struct {
		typ      string
		prop     string
		want     Replacement
		stateful bool
	}{
		{"AWS::DynamoDB::Table", "KeySchema", Immutable, true},
		{"AWS::DynamoDB::Table", "BillingMode", Mutable, true},
		{"AWS::S3::Bucket", "BucketName", Immutable, true},
		{"AWS::S3::Bucket", "VersioningConfiguration", Mutable, true},
		{"AWS::Lambda::Function", "MemorySize", Mutable, false},
		{"AWS::Lambda::Function", "FunctionName", Immutable, false},
		{"AWS::RDS::DBInstance", "Engine", Conditional, true},
		{"AWS::SQS::Queue", "FifoQueue", Immutable, true},
		{"AWS::Logs::LogGroup", "LogGroupName", Immutable, true},
		{"AWS::ECR::Repository", "RepositoryName", Immutable, true},
		{"Custom::Anything", "Foo", Mutable, false},
	}
	for _, tt := range tests {
		t.Run(tt.typ+"."+tt.prop, func(t *testing.T) {
			ty := Lookup(tt.typ)
			if got := ty.Replacement(tt.prop); got != tt.want {
				t.Errorf("Replacement(%q) = %v, want %v", tt.prop, got, tt.want)
			}
			if ty.Stateful != tt.stateful {
				t.Errorf("Stateful = %v, want %v", ty.Stateful, tt.stateful)
			}
		})
	}
}

func TestStatefulTypesCoverDocumentedList(t *testing.T) {
	got := strings.Join(StatefulTypes(), " ")
	for _, typ := range []string{
		"AWS::DynamoDB::Table", "AWS::DynamoDB::GlobalTable", "AWS::S3::Bucket", "AWS::RDS::DBCluster",
		"AWS::RDS::DBInstance", "AWS::EFS::FileSystem", "AWS::FSx::FileSystem", "AWS::Kinesis::Stream",
		"AWS::KMS::Key", "AWS::OpenSearchService::Domain", "AWS::ElastiCache::ReplicationGroup",
		"AWS::SQS::Queue", "AWS::Cognito::UserPool", "AWS::SecretsManager::Secret",
		"AWS::Backup::BackupVault", "AWS::Logs::LogGroup",
	} {
		if !strings.Contains(" "+got+" ", " "+typ+" ") {
			t.Errorf("%s is not stateful in the table", typ)
		}
	}
	if SourceVersion == "" || SourcePackage == "" || SourceDate == "" {
		t.Error("table provenance is empty")
	}
}

func TestNameProperty(t *testing.T) {
	for typ, want := range map[string]string{
		"AWS::DynamoDB::Table":       "TableName",
		"AWS::DynamoDB::GlobalTable": "TableName",
		"AWS::S3::Bucket":            "BucketName",
		"AWS::Lambda::Function":      "FunctionName",
		"AWS::SQS::Queue":            "QueueName",
		"AWS::Logs::LogGroup":        "LogGroupName",
		"AWS::RDS::DBCluster":        "DBClusterIdentifier",
		"AWS::RDS::DBInstance":       "DBInstanceIdentifier",
		"AWS::IAM::Role":             "RoleName",
		"AWS::ECR::Repository":       "RepositoryName",
		"AWS::EC2::VPC":              "",
		"Custom::Anything":           "",
	} {
		if got := Lookup(typ).NameProperty(); got != want {
			t.Errorf("%s: NameProperty() = %q, want %q", typ, got, want)
		}
	}
}
