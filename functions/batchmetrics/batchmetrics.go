package batchmetrics

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/batch"
	"github.com/aws/aws-sdk-go-v2/service/batch/types"
)

// The metrics published for each queue.
const (
	MetricSubmitted = "SubmittedJobs"
	MetricPending   = "PendingJobs"
	MetricRunnable  = "RunnableJobs"
	MetricStarting  = "StartingJobs"
	MetricRunning   = "RunningJobs"
	// MetricQueueDepth is the jobs waiting: SUBMITTED + PENDING + RUNNABLE.
	MetricQueueDepth = "QueueDepth"
	// MetricStalled is RUNNABLE when no job of the queue is STARTING or
	// RUNNING, else 0: jobs are ready but nothing runs. A few minutes of it
	// are normal while a compute environment scales from zero; longer means
	// the jobs cannot be placed (no instance type fits, no capacity, the
	// instances fail to join).
	MetricStalled = "StalledJobs"
	// DimensionJobQueue names the queue, as AWS Batch's own metrics do.
	DimensionJobQueue = "JobQueueName"
)

// States are the job states counted, in the order of a job's life.
var States = []types.JobStatus{
	types.JobStatusSubmitted, types.JobStatusPending, types.JobStatusRunnable,
	types.JobStatusStarting, types.JobStatusRunning,
}

// Lister is the part of the AWS Batch client this package uses.
type Lister interface {
	ListJobs(ctx context.Context, in *batch.ListJobsInput, optFns ...func(*batch.Options)) (*batch.ListJobsOutput, error)
}

// Counts is how many jobs of one queue are in each unfinished state.
type Counts struct {
	Queue                                           string
	Submitted, Pending, Runnable, Starting, Running int
}

// QueueDepth is the jobs waiting to run.
func (c Counts) QueueDepth() int { return c.Submitted + c.Pending + c.Runnable }

// Stalled is Runnable when nothing of the queue starts or runs, else 0.
func (c Counts) Stalled() int {
	if c.Starting+c.Running > 0 {
		return 0
	}
	return c.Runnable
}

func (c *Counts) add(s types.JobStatus, n int) {
	switch s {
	case types.JobStatusSubmitted:
		c.Submitted += n
	case types.JobStatusPending:
		c.Pending += n
	case types.JobStatusRunnable:
		c.Runnable += n
	case types.JobStatusStarting:
		c.Starting += n
	case types.JobStatusRunning:
		c.Running += n
	}
}

// Count lists the unfinished jobs of queue (a name or ARN), state by state
// and page by page. An array parent counts as its children per its status
// summary, or as Size jobs in its own state while it has none yet; array
// children and multi-node nodes listed on their own (IDs with ':' or '#')
// are left out, since their parent accounts for them. A job seen in two
// listings (it changed state in between) counts once.
func Count(ctx context.Context, api Lister, queue string) (Counts, error) {
	c := Counts{Queue: queue}
	seen := map[string]bool{}
	for _, status := range States {
		p := batch.NewListJobsPaginator(api, &batch.ListJobsInput{JobQueue: aws.String(queue), JobStatus: status})
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				return Counts{}, fmt.Errorf("list %s jobs of %s: %w", status, queue, err)
			}
			for _, j := range page.JobSummaryList {
				id := aws.ToString(j.JobId)
				if seen[id] || strings.ContainsAny(id, ":#") {
					continue
				}
				seen[id] = true
				switch a := j.ArrayProperties; {
				case a != nil && len(a.StatusSummary) > 0:
					for _, s := range States {
						c.add(s, int(a.StatusSummary[string(s)]))
					}
				case a != nil && a.Size != nil:
					c.add(status, int(*a.Size))
				default:
					c.add(status, 1)
				}
			}
		}
	}
	return c, nil
}

// Publisher counts the jobs of Queues and writes one EMF document per queue
// to Out.
type Publisher struct {
	API       Lister
	Namespace string
	Queues    []string
	Out       io.Writer
	// Now stamps the documents. Default: time.Now.
	Now func() time.Time
}

// Publish counts every queue and writes its metrics. A queue that cannot be
// listed is reported in the error after the others were published.
func (p *Publisher) Publish(ctx context.Context) ([]Counts, error) {
	if p.Namespace == "" || len(p.Queues) == 0 {
		return nil, errors.New("batchmetrics: a namespace and at least one queue are required")
	}
	now := time.Now
	if p.Now != nil {
		now = p.Now
	}
	var out []Counts
	var errs []error
	for _, q := range p.Queues {
		c, err := Count(ctx, p.API, q)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		b, err := EMF(p.Namespace, now(), c)
		if err != nil {
			return out, err
		}
		if _, err := fmt.Fprintf(p.Out, "%s\n", b); err != nil {
			return out, err
		}
		out = append(out, c)
	}
	return out, errors.Join(errs...)
}

// EMF renders the counts of one queue as an embedded metric format document.
func EMF(namespace string, at time.Time, c Counts) ([]byte, error) {
	values := []struct {
		name  string
		value int
	}{
		{MetricSubmitted, c.Submitted}, {MetricPending, c.Pending}, {MetricRunnable, c.Runnable},
		{MetricStarting, c.Starting}, {MetricRunning, c.Running},
		{MetricQueueDepth, c.QueueDepth()}, {MetricStalled, c.Stalled()},
	}
	type metric struct {
		Name string `json:"Name"`
		Unit string `json:"Unit"`
	}
	metrics := make([]metric, len(values))
	doc := map[string]any{DimensionJobQueue: c.Queue}
	for i, v := range values {
		metrics[i] = metric{Name: v.name, Unit: "Count"}
		doc[v.name] = v.value
	}
	doc["_aws"] = map[string]any{
		"Timestamp": at.UnixMilli(),
		"CloudWatchMetrics": []any{map[string]any{
			"Namespace":  namespace,
			"Dimensions": [][]string{{DimensionJobQueue}},
			"Metrics":    metrics,
		}},
	}
	return json.Marshal(doc)
}

// ParseQueues splits a comma-separated list of queues, dropping blanks.
func ParseQueues(s string) []string {
	var out []string
	for _, q := range strings.Split(s, ",") {
		if q = strings.TrimSpace(q); q != "" {
			out = append(out, q)
		}
	}
	return out
}
