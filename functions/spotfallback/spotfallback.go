package spotfallback

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/batch"
	"github.com/aws/aws-sdk-go-v2/service/batch/types"
)

// The tags the mover sets.
const (
	// RunnableSinceTag holds when a run first saw the job RUNNABLE (RFC 3339).
	RunnableSinceTag = "gureum:runnable-since"
	// MovedToTag, on the original, holds the resubmitted job's ID.
	MovedToTag = "gureum:moved-to"
	// MovedFromTag, on the resubmitted job, holds the original's ID.
	MovedFromTag = "gureum:moved-from"
	// NameSuffix joins the original's name and ID in the new job's name.
	NameSuffix = "-od-"
	// maxName is AWS Batch's longest job name.
	maxName = 128
)

// API is the part of the AWS Batch client the mover uses.
type API interface {
	ListJobs(ctx context.Context, in *batch.ListJobsInput, optFns ...func(*batch.Options)) (*batch.ListJobsOutput, error)
	DescribeJobs(ctx context.Context, in *batch.DescribeJobsInput, optFns ...func(*batch.Options)) (*batch.DescribeJobsOutput, error)
	SubmitJob(ctx context.Context, in *batch.SubmitJobInput, optFns ...func(*batch.Options)) (*batch.SubmitJobOutput, error)
	CancelJob(ctx context.Context, in *batch.CancelJobInput, optFns ...func(*batch.Options)) (*batch.CancelJobOutput, error)
	TagResource(ctx context.Context, in *batch.TagResourceInput, optFns ...func(*batch.Options)) (*batch.TagResourceOutput, error)
}

// Mover moves jobs from one queue to another.
type Mover struct {
	API API
	// From and To are the Spot and On-Demand queues (names or ARNs).
	From, To string
	// After is how long a job may wait RUNNABLE on From.
	After time.Duration
	// JobDefinitions are the names of the job definitions whose jobs may
	// be moved (the function may submit only those). Empty: any.
	JobDefinitions []string
	// Log receives one JSON line per decision. Default: io.Discard.
	Log io.Writer
	// Now is the clock. Default: time.Now.
	Now func() time.Time
}

// Move is one job moved.
type Move struct {
	From, To string // job IDs
	Name     string // the new job's name
	Reused   bool   // the new job existed already (an earlier run submitted it)
}

// Result is what a run did.
type Result struct {
	// Seen counts the waiting jobs looked at; Marked the ones tagged with
	// RunnableSinceTag this run.
	Seen, Marked int
	Moved        []Move
	// Kept maps a job ID to why it was not moved although it waited long
	// enough (it has dependents, it is multi-node, ...).
	Kept map[string]string
}

// Run looks at every waiting job of From once.
func (m *Mover) Run(ctx context.Context) (Result, error) {
	res := Result{Kept: map[string]string{}}
	if m.From == "" || m.To == "" || m.After <= 0 {
		return res, errors.New("spotfallback: From, To and a positive After are required")
	}
	now := time.Now
	if m.Now != nil {
		now = m.Now
	}
	ids, err := m.waiting(ctx)
	if err != nil {
		return res, err
	}
	jobs, err := m.describe(ctx, ids)
	if err != nil {
		return res, err
	}
	// Jobs other jobs of the queue wait for: cancelling one would fail them.
	dependedOn := map[string]bool{}
	for _, j := range jobs {
		for _, d := range j.DependsOn {
			id, _, _ := strings.Cut(aws.ToString(d.JobId), ":")
			dependedOn[id] = true
		}
	}
	var errs []error
	for _, j := range jobs {
		id := aws.ToString(j.JobId)
		if !waitingForCapacity(j) {
			continue
		}
		res.Seen++
		if j.Tags[MovedToTag] != "" {
			// Resubmitted by an earlier run that failed to cancel it.
			if err := m.cancel(ctx, j, j.Tags[MovedToTag]); err != nil {
				errs = append(errs, err)
			}
			continue
		}
		since, err := time.Parse(time.RFC3339, j.Tags[RunnableSinceTag])
		if err != nil {
			if _, err := m.API.TagResource(ctx, &batch.TagResourceInput{ResourceArn: j.JobArn,
				Tags: map[string]string{RunnableSinceTag: now().UTC().Format(time.RFC3339)}}); err != nil {
				errs = append(errs, fmt.Errorf("tag %s: %w", id, err))
				continue
			}
			res.Marked++
			continue
		}
		if now().Sub(since) < m.After {
			continue
		}
		if why := m.keep(j, dependedOn[id]); why != "" {
			res.Kept[id] = why
			m.log("kept", id, why)
			continue
		}
		mv, err := m.move(ctx, j)
		if err != nil {
			errs = append(errs, fmt.Errorf("move %s: %w", id, err))
			continue
		}
		res.Moved = append(res.Moved, mv)
		m.log("moved", id, fmt.Sprintf("to %s as %s (%s), waited since %s", m.To, mv.To, mv.Name, since.Format(time.RFC3339)))
	}
	return res, errors.Join(errs...)
}

// waiting lists the IDs of From's RUNNABLE jobs and PENDING array parents
// (whose children wait RUNNABLE), and of the PENDING jobs that may depend on
// them; array children and multi-node nodes listed on their own are left
// out.
func (m *Mover) waiting(ctx context.Context) ([]string, error) {
	var ids []string
	seen := map[string]bool{}
	for _, status := range []types.JobStatus{types.JobStatusRunnable, types.JobStatusPending} {
		p := batch.NewListJobsPaginator(m.API, &batch.ListJobsInput{JobQueue: aws.String(m.From), JobStatus: status})
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				return nil, fmt.Errorf("list %s jobs of %s: %w", status, m.From, err)
			}
			for _, j := range page.JobSummaryList {
				id := aws.ToString(j.JobId)
				if seen[id] || strings.ContainsAny(id, ":#") {
					continue
				}
				seen[id] = true
				ids = append(ids, id)
			}
		}
	}
	return ids, nil
}

// describe describes jobs, 100 at a time (DescribeJobs' limit).
func (m *Mover) describe(ctx context.Context, ids []string) ([]types.JobDetail, error) {
	var out []types.JobDetail
	for chunk := range slices.Chunk(ids, 100) {
		r, err := m.API.DescribeJobs(ctx, &batch.DescribeJobsInput{Jobs: chunk})
		if err != nil {
			return nil, fmt.Errorf("describe jobs of %s: %w", m.From, err)
		}
		out = append(out, r.Jobs...)
	}
	return out, nil
}

// waitingForCapacity reports a job ready to run but not placed: RUNNABLE,
// or an array parent all of whose children are still waiting.
func waitingForCapacity(j types.JobDetail) bool {
	if a := j.ArrayProperties; a != nil && a.Size != nil {
		s := a.StatusSummary
		started := s[string(types.JobStatusStarting)] + s[string(types.JobStatusRunning)] +
			s[string(types.JobStatusSucceeded)] + s[string(types.JobStatusFailed)]
		return started == 0 && s[string(types.JobStatusRunnable)] > 0
	}
	return j.Status == types.JobStatusRunnable
}

// keep says why a job that waited long enough is not moved, or "".
func (m *Mover) keep(j types.JobDetail, hasDependents bool) string {
	switch {
	case hasDependents:
		return "other jobs depend on it: cancelling it would fail them"
	case j.NodeProperties != nil:
		return "multi-node job"
	case j.Container == nil:
		return "not a container job"
	case len(m.JobDefinitions) > 0 && !slices.Contains(m.JobDefinitions, definitionName(aws.ToString(j.JobDefinition))):
		return "job definition " + aws.ToString(j.JobDefinition) + " is not one the function may submit"
	}
	return ""
}

// definitionName is the name in a job definition ARN or name:revision.
func definitionName(def string) string {
	if i := strings.LastIndex(def, "/"); i >= 0 {
		def = def[i+1:]
	}
	name, _, _ := strings.Cut(def, ":")
	return name
}

// NewName is the name of the job that replaces job id of name.
func NewName(name, id string) string {
	suffix := NameSuffix + id
	if len(name)+len(suffix) > maxName {
		name = name[:maxName-len(suffix)]
	}
	return name + suffix
}

// move resubmits j to To (or finds the job an earlier run submitted), tags
// j with it and cancels j.
func (m *Mover) move(ctx context.Context, j types.JobDetail) (Move, error) {
	id := aws.ToString(j.JobId)
	mv := Move{From: id, Name: NewName(aws.ToString(j.JobName), id)}
	existing, err := m.API.ListJobs(ctx, &batch.ListJobsInput{JobQueue: aws.String(m.To),
		Filters: []types.KeyValuesPair{{Name: aws.String("JOB_NAME"), Values: []string{mv.Name}}}})
	if err != nil {
		return mv, fmt.Errorf("look for %s in %s: %w", mv.Name, m.To, err)
	}
	for _, s := range existing.JobSummaryList {
		if aws.ToString(s.JobName) == mv.Name {
			mv.To, mv.Reused = aws.ToString(s.JobId), true
		}
	}
	if mv.To == "" {
		out, err := m.API.SubmitJob(ctx, resubmission(j, m.To, mv.Name))
		if err != nil {
			return mv, fmt.Errorf("submit to %s: %w", m.To, err)
		}
		mv.To = aws.ToString(out.JobId)
	}
	if _, err := m.API.TagResource(ctx, &batch.TagResourceInput{ResourceArn: j.JobArn, Tags: map[string]string{MovedToTag: mv.To}}); err != nil {
		return mv, fmt.Errorf("tag: %w", err)
	}
	return mv, m.cancel(ctx, j, mv.To)
}

func (m *Mover) cancel(ctx context.Context, j types.JobDetail, to string) error {
	_, err := m.API.CancelJob(ctx, &batch.CancelJobInput{JobId: j.JobId,
		Reason: aws.String(fmt.Sprintf("gureum spot fallback: waited RUNNABLE longer than %s; resubmitted to %s as %s", m.After, m.To, to))})
	if err != nil {
		return fmt.Errorf("cancel %s: %w", aws.ToString(j.JobId), err)
	}
	return nil
}

// resubmission is the SubmitJob input that runs j again on queue as name.
func resubmission(j types.JobDetail, queue, name string) *batch.SubmitJobInput {
	in := &batch.SubmitJobInput{
		JobName:                    aws.String(name),
		JobQueue:                   aws.String(queue),
		JobDefinition:              j.JobDefinition,
		Parameters:                 j.Parameters,
		RetryStrategy:              j.RetryStrategy,
		Timeout:                    j.Timeout,
		PropagateTags:              j.PropagateTags,
		SchedulingPriorityOverride: j.SchedulingPriority,
		ShareIdentifier:            j.ShareIdentifier,
		Tags:                       map[string]string{MovedFromTag: aws.ToString(j.JobId)},
	}
	for k, v := range j.Tags {
		if !strings.HasPrefix(k, "aws:") && k != RunnableSinceTag && k != MovedToTag {
			in.Tags[k] = v
		}
	}
	if a := j.ArrayProperties; a != nil && a.Size != nil {
		in.ArrayProperties = &types.ArrayProperties{Size: a.Size}
	}
	if c := j.Container; c != nil {
		o := &types.ContainerOverrides{Command: c.Command, ResourceRequirements: c.ResourceRequirements}
		for _, kv := range c.Environment {
			// AWS Batch sets AWS_BATCH_* itself, and refuses them.
			if !strings.HasPrefix(aws.ToString(kv.Name), "AWS_BATCH") {
				o.Environment = append(o.Environment, kv)
			}
		}
		in.ContainerOverrides = o
	}
	return in
}

func (m *Mover) log(action, id, detail string) {
	if m.Log == nil {
		return
	}
	b, _ := json.Marshal(map[string]string{"action": action, "job": id, "detail": detail})
	fmt.Fprintf(m.Log, "%s\n", b)
}
