// Package table builds DynamoDB tables with gureum's durable defaults:
// TableV2 (so replicas can be added later without replacing the table),
// on-demand billing, point-in-time recovery, deletion protection, encryption
// with the AWS managed key or a customer-managed one, and retention on stack
// deletion.
package table

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// Props configures a table. The zero value of every field but PartitionKey
// is the durable default.
type Props struct {
	// PartitionKey is required.
	PartitionKey *awsdynamodb.Attribute
	// SortKey. Default: none.
	SortKey *awsdynamodb.Attribute
	// TimeToLiveAttribute enables TTL on that attribute. Default: off.
	TimeToLiveAttribute string
	// GlobalSecondaryIndexes to add.
	GlobalSecondaryIndexes []*awsdynamodb.GlobalSecondaryIndexPropsV2
	// Replicas in other regions (a global table). Default: none.
	Replicas []*awsdynamodb.ReplicaTableProps
	// EncryptionKey encrypts the table with a customer-managed KMS key.
	// Default: the AWS managed key for DynamoDB (aws/dynamodb).
	EncryptionKey awskms.IKey
	// DisableDeletionProtection turns off deletion protection. Default: false.
	DisableDeletionProtection bool
	// Destroy deletes the table with the stack. Default: false (retained).
	Destroy bool
}

// New creates the table.
func New(scope constructs.Construct, id string, p Props) awsdynamodb.TableV2 {
	enc := awsdynamodb.TableEncryptionV2_AwsManagedKey()
	if p.EncryptionKey != nil {
		enc = awsdynamodb.TableEncryptionV2_CustomerManagedKey(p.EncryptionKey, nil)
	}
	removal := awscdk.RemovalPolicy_RETAIN
	if p.Destroy {
		removal = awscdk.RemovalPolicy_DESTROY
	}
	props := &awsdynamodb.TablePropsV2{
		PartitionKey: p.PartitionKey,
		SortKey:      p.SortKey,
		Billing:      awsdynamodb.Billing_OnDemand(nil),
		Encryption:   enc,
		PointInTimeRecoverySpecification: &awsdynamodb.PointInTimeRecoverySpecification{
			PointInTimeRecoveryEnabled: jsii.Bool(true),
		},
		DeletionProtection: jsii.Bool(!p.DisableDeletionProtection),
		RemovalPolicy:      removal,
	}
	if p.TimeToLiveAttribute != "" {
		props.TimeToLiveAttribute = jsii.String(p.TimeToLiveAttribute)
	}
	if len(p.GlobalSecondaryIndexes) > 0 {
		props.GlobalSecondaryIndexes = &p.GlobalSecondaryIndexes
	}
	if len(p.Replicas) > 0 {
		props.Replicas = &p.Replicas
	}
	return awsdynamodb.NewTableV2(scope, jsii.String(id), props)
}

// StringKey is a string key attribute named name.
func StringKey(name string) *awsdynamodb.Attribute {
	return &awsdynamodb.Attribute{Name: jsii.String(name), Type: awsdynamodb.AttributeType_STRING}
}
