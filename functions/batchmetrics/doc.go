// Package batchmetrics counts the jobs of AWS Batch job queues by state and
// publishes the counts as CloudWatch metrics in the embedded metric format
// (EMF): one JSON document per queue on the Lambda function's standard
// output, from which CloudWatch Logs extracts the metrics. EMF needs no
// cloudwatch:PutMetricData permission, only the function's own log group.
//
// AWS Batch publishes, in its AWS/Batch namespace, how many jobs entered a
// state and how long they took, on a best-effort basis; it publishes no gauge
// of how many jobs are in a state now. That gauge (the depth of a queue, the
// jobs running from it) is what this package adds: ListJobs per queue and per
// state (SUBMITTED, PENDING, RUNNABLE, STARTING, RUNNING), every page.
//
// An array job counts as its children: the parent's status summary gives how
// many children are in each state (ListJobs lists a running array as one
// PENDING parent). A multi-node parallel job counts once. Each queue gets the
// metrics named by the Metric* constants, with the dimension
// DimensionJobQueue set to the queue as configured.
//
// Command publish (functions/batchmetrics/publish) is the Lambda handler; it
// needs batch:ListJobs, which supports no resource-level permissions.
package batchmetrics
