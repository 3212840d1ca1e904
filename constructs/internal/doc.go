// Package internal groups the builders that gureum's constructs share: Go
// Lambda functions bundled locally (golambda), log groups (loggroup), secure
// buckets (securebucket), alarms (alarms), cdk-nag suppressions (nag), props
// validation (validate) and physical names (naming). Each builder sets the
// secure default once so constructs compose them instead of repeating setup.
package internal
