package devices

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sns/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/gureum-cdk/gureum/functions/gameevents/push"
)

// Defaults of a FanOut.
const (
	DefaultSegments    = 4
	DefaultConcurrency = 16
	DefaultPageSize    = 100
	// DefaultReserve is the time left before the function's deadline at
	// which a fan-out stops reading pages and hands the rest on.
	DefaultReserve = 30 * time.Second
	// MetricNamespace is where the fan-out's EMF metrics go.
	MetricNamespace = "Gureum/Push"
)

// SQS is the part of the SQS client the fan-out uses to hand on an
// unfinished fan-out; *sqs.Client satisfies it.
type SQS interface {
	SendMessage(ctx context.Context, in *sqs.SendMessageInput, optFns ...func(*sqs.Options)) (*sqs.SendMessageOutput, error)
}

// Job is one fan-out in progress: the notice and where each scan segment
// goes on. A job that runs out of time is sent back to the queue as the
// body {"job": …} and picked up where it stopped.
type Job struct {
	// NoticeID is the SNS message id of the notice (for the logs).
	NoticeID string `json:"noticeId"`
	// Notice is the event notice being sent.
	Notice push.Request `json:"notice"`
	// Segments are the parallel-scan cursors, one per segment.
	Segments []Cursor `json:"segments"`
	// Run counts the invocations the job took so far.
	Run int `json:"run"`
}

// snsEnvelope is an SNS notification delivered to SQS (raw delivery off).
type snsEnvelope struct {
	Type              string `json:"Type"`
	MessageID         string `json:"MessageId"`
	Message           string `json:"Message"`
	Subject           string `json:"Subject"`
	MessageAttributes map[string]struct {
		Type  string `json:"Type"`
		Value string `json:"Value"`
	} `json:"MessageAttributes"`
}

// ParseJob reads an SQS message body: an SNS notification of the players'
// topic (a new notice: its Message is the text, its message attributes
// event_type, event_id and title the rest, as push.Publisher sets them) or a
// handed-on {"job": …}.
func ParseJob(body string, segments int) (Job, error) {
	var probe struct {
		Job *Job `json:"job"`
		snsEnvelope
	}
	if err := json.Unmarshal([]byte(body), &probe); err != nil {
		return Job{}, fmt.Errorf("devices: message is not JSON: %w", err)
	}
	if probe.Job != nil {
		j := *probe.Job
		if len(j.Segments) == 0 {
			return Job{}, errors.New("devices: handed-on job has no segments")
		}
		return j, j.Notice.Validate()
	}
	env := probe.snsEnvelope
	if env.Type != "Notification" {
		return Job{}, fmt.Errorf("devices: message is neither an SNS notification nor a job (Type %q)", env.Type)
	}
	attr := func(k string) string { return env.MessageAttributes[k].Value }
	n := push.Request{Event: attr("event_type"), EventID: attr("event_id"), Message: env.Message, Title: attr("title")}
	if err := n.Validate(); err != nil {
		return Job{}, err
	}
	if segments <= 0 {
		segments = DefaultSegments
	}
	j := Job{NoticeID: env.MessageID, Notice: n}
	for i := 0; i < segments; i++ {
		j.Segments = append(j.Segments, Cursor{Segment: i})
	}
	return j, nil
}

// FanOut sends event notices to every registered device: a parallel scan of
// the device table feeding a bounded pool of Publish calls to each device's
// platform endpoint. Endpoints SNS reports disabled or deleted are removed
// on the way. It never sends a page twice: a job is handed on to the queue
// before the function's deadline, at a page boundary.
type FanOut struct {
	Store     *Store
	Endpoints *Endpoints
	Queue     SQS
	// QueueURL is the fan-out's own queue, for handing on a job.
	QueueURL string
	// Segments of the parallel scan (a new job's). Default: DefaultSegments.
	Segments int
	// Concurrency bounds the Publish calls in flight. Default:
	// DefaultConcurrency.
	Concurrency int
	// PageSize is how many items one Scan call reads. Default:
	// DefaultPageSize.
	PageSize int
	// Reserve is the time kept before the deadline. Default: DefaultReserve.
	Reserve time.Duration
	// PagesPerRun hands the job on after each segment read this many pages
	// in one invocation, besides the deadline. Default: 0 (the deadline
	// only).
	PagesPerRun int
	// FunctionName is the metrics' FunctionName dimension (the Lambda
	// function's name).
	FunctionName string
	// Logger and Metrics (the EMF lines, stdout by default).
	Logger  *slog.Logger
	Metrics io.Writer
}

// Stats counts one invocation's work.
type Stats struct {
	Sent     int  `json:"sent"`
	Removed  int  `json:"removed"`
	Failed   int  `json:"failed"`
	HandedOn bool `json:"handedOn"`
}

// Handle processes an SQS batch (the event source uses batches of one).
// Unreadable messages are reported as failures, so they reach the
// dead-letter queue; a job that ran is never failed, so it is never sent
// twice.
func (f *FanOut) Handle(ctx context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
	var resp events.SQSEventResponse
	for _, m := range ev.Records {
		job, err := ParseJob(m.Body, f.Segments)
		if err != nil {
			f.logger().ErrorContext(ctx, "unreadable fan-out message", "messageId", m.MessageId, "error", err.Error())
			resp.BatchItemFailures = append(resp.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: m.MessageId})
			continue
		}
		if _, err := f.Run(ctx, job); err != nil {
			f.logger().ErrorContext(ctx, "fan-out failed", "notice", job.NoticeID, "error", err.Error())
			resp.BatchItemFailures = append(resp.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: m.MessageId})
		}
	}
	return resp, nil
}

// Run sends job's notice to the devices its segments have left, handing the
// job on when the deadline nears.
func (f *FanOut) Run(ctx context.Context, job Job) (Stats, error) {
	msg, err := push.Message(job.Notice)
	if err != nil {
		return Stats{}, err
	}
	var (
		mu    sync.Mutex
		stats Stats
		wg    sync.WaitGroup
		sem   = make(chan struct{}, cmpOr(f.Concurrency, DefaultConcurrency))
		errs  = make([]error, len(job.Segments))
	)
	deadline, hasDeadline := ctx.Deadline()
	reserve := f.Reserve
	if reserve == 0 {
		reserve = DefaultReserve
	}
	timeUp := func() bool { return hasDeadline && time.Until(deadline) < reserve }
	for i := range job.Segments {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			for pages := 0; !job.Segments[i].Done && !timeUp() && (f.PagesPerRun == 0 || pages < f.PagesPerRun); pages++ {
				page, next, err := f.Store.ScanPage(ctx, job.Segments[i], len(job.Segments), cmpOr(f.PageSize, DefaultPageSize))
				if err != nil {
					errs[i] = err
					return
				}
				var pwg sync.WaitGroup
				for _, d := range page {
					sem <- struct{}{}
					pwg.Add(1)
					go func(d Device) {
						defer func() { <-sem; pwg.Done() }()
						outcome := f.send(ctx, job, d, msg)
						mu.Lock()
						switch outcome {
						case sent:
							stats.Sent++
						case removed:
							stats.Removed++
						default:
							stats.Failed++
						}
						mu.Unlock()
					}(d)
				}
				pwg.Wait()
				job.Segments[i] = next
			}
		}(i)
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		f.emit(stats)
		return stats, err
	}
	done := true
	for _, c := range job.Segments {
		done = done && c.Done
	}
	if !done {
		job.Run++
		body, err := json.Marshal(map[string]Job{"job": job})
		if err != nil {
			return stats, err
		}
		if _, err := f.Queue.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(f.QueueURL), MessageBody: aws.String(string(body))}); err != nil {
			f.emit(stats)
			return stats, fmt.Errorf("devices: hand on the fan-out: %w", err)
		}
		stats.HandedOn = true
	}
	f.emit(stats)
	f.logger().InfoContext(ctx, "fan-out", "notice", job.NoticeID, "event", job.Notice.Event, "eventId", job.Notice.EventID,
		"run", job.Run, "sent", stats.Sent, "removed", stats.Removed, "failed", stats.Failed, "handedOn", stats.HandedOn)
	return stats, nil
}

type outcome int

const (
	sent outcome = iota
	removed
	failed
)

// send publishes msg to one device's endpoint. An endpoint SNS reports
// disabled (its token is no longer valid) is deleted with its registration;
// one that no longer exists loses its registration.
func (f *FanOut) send(ctx context.Context, job Job, d Device, msg string) outcome {
	_, err := f.Endpoints.API.Publish(ctx, &sns.PublishInput{
		TargetArn:        aws.String(d.EndpointArn),
		Message:          aws.String(msg),
		MessageStructure: aws.String("json"),
	})
	var disabled *types.EndpointDisabledException
	var nf *types.NotFoundException
	switch {
	case err == nil:
		return sent
	case errors.As(err, &disabled):
		if _, derr := f.Store.Delete(ctx, d.Player, d.Token, d.EndpointArn); derr != nil {
			f.logger().WarnContext(ctx, "remove disabled device", "endpoint", d.EndpointArn, "error", derr.Error())
			return failed
		}
		if derr := f.Endpoints.Delete(ctx, d.EndpointArn); derr != nil {
			f.logger().WarnContext(ctx, "delete disabled endpoint", "endpoint", d.EndpointArn, "error", derr.Error())
		}
		return removed
	case errors.As(err, &nf):
		if _, derr := f.Store.Delete(ctx, d.Player, d.Token, d.EndpointArn); derr != nil {
			return failed
		}
		return removed
	}
	f.logger().WarnContext(ctx, "publish failed", "notice", job.NoticeID, "endpoint", d.EndpointArn, "error", err.Error())
	return failed
}

// emit writes the invocation's counts as a CloudWatch embedded metric
// format line.
func (f *FanOut) emit(s Stats) {
	w := f.Metrics
	if w == nil {
		w = os.Stdout
	}
	doc := map[string]any{
		"_aws": map[string]any{
			"Timestamp": time.Now().UnixMilli(),
			"CloudWatchMetrics": []any{map[string]any{
				"Namespace":  MetricNamespace,
				"Dimensions": [][]string{{"FunctionName"}},
				"Metrics": []any{
					map[string]string{"Name": "NotificationsSent", "Unit": "Count"},
					map[string]string{"Name": "EndpointsRemoved", "Unit": "Count"},
					map[string]string{"Name": "PublishFailures", "Unit": "Count"},
				},
			}},
		},
		"FunctionName":      f.FunctionName,
		"NotificationsSent": s.Sent,
		"EndpointsRemoved":  s.Removed,
		"PublishFailures":   s.Failed,
	}
	b, _ := json.Marshal(doc)
	fmt.Fprintln(w, string(b))
}

func (f *FanOut) logger() *slog.Logger {
	if f.Logger != nil {
		return f.Logger
	}
	return slog.Default()
}

func cmpOr(v, def int) int {
	if v > 0 {
		return v
	}
	return def
}
