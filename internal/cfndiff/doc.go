// Package cfndiff compares two sets of CloudFormation stacks, as read by
// package assembly, and says what a deployment would do to each resource.
//
// Every property change is classified by impact (update, may-replace, replace)
// from the resource type's replacement rules in package cfnspec; a removed
// resource is destroyed or, with DeletionPolicy Retain, orphaned. Values are
// compared as CloudFormation compares them (a scalar equals its string form,
// DependsOn is a set), and a replacement propagates to the resources that
// name the replaced one. On top of the changes, Findings name what a
// reviewer must see: a stateful resource (a table, a bucket, a database, a
// key, ...) replaced, destroyed or put under a Condition, IAM or network
// access broadened (CatSecurity) or granted to what the change creates
// (CatNewGrants), encryption or deletion protection removed.
//
// TestDifferentialAgainstCDKEngine checks the impacts and the
// broadened-permissions verdict against the CDK's own diff engine; the
// differences it allows are documented in
// testdata/differential/differences.json.
//
//	res, err := cfndiff.Compare(oldAssembly, newAssembly, cfndiff.Options{})
//	code := res.Gate(cfndiff.DefaultFailOn)
//	cfndiff.WriteText(os.Stdout, res, false)
//
// Noise is left out: AWS::CDK::Metadata resources, the aws:cdk:path and
// aws:asset:* metadata, and changes that differ only by an asset hash (a new
// Lambda code bundle) are updates whatever the property.
package cfndiff
