// Package spotfallback moves AWS Batch jobs that have waited too long on a
// Spot queue to an On-Demand queue: HPCCluster's SpotFallback runs it every
// few minutes (command move).
//
// Batch has no "move job" call, so a move is a cancel and a resubmission:
// the job is submitted again to the On-Demand queue with its job
// definition (the revision it ran), parameters, array size, container
// overrides (command, environment, resource requirements), retry strategy,
// timeout, scheduling priority, share identifier and tags, then the
// original is tagged with the new job's ID and cancelled. The new job's
// name is the old one's with "-od-<old job ID>", which makes the move
// idempotent: a run that finds a job of that name in the On-Demand queue
// (a previous run submitted it and failed before it cancelled the original)
// reuses it instead of submitting another.
//
// How long a job has waited is measured from the first time a run saw it
// RUNNABLE, recorded as the tag RunnableSinceTag on the job (Batch records
// when a job was created, not when it became RUNNABLE, which for a job
// with dependencies can be much later). Not moved: a job other jobs of the
// queue depend on (they would fail with it), a multi-node job (On-Demand
// only already), an array job some of whose children have started, and a
// job of a job definition outside JobDefinitions.
package spotfallback
