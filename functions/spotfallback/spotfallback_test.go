package spotfallback_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/batch"

	"github.com/gureum-cdk/gureum/functions/spotfallback"
)

// fakeBatch speaks the AWS Batch JSON API (restJson1) the mover uses:
// ListJobs (by queue and status, or by JOB_NAME filter), DescribeJobs,
// SubmitJob, CancelJob and TagResource, over an in-memory set of jobs.
type fakeBatch struct {
	mu      sync.Mutex
	jobs    map[string]map[string]any // job ID -> JobDetail as JSON
	order   []string
	next    int
	calls   []string
	failTag int // fail this many TagResource calls that set MovedToTag
}

func newFake() *fakeBatch { return &fakeBatch{jobs: map[string]map[string]any{}} }

func (f *fakeBatch) add(j map[string]any) {
	id := j["jobId"].(string)
	j["jobArn"] = "arn:aws:batch:ap-northeast-2:123456789012:job/" + id
	if j["tags"] == nil {
		j["tags"] = map[string]any{}
	}
	f.jobs[id] = j
	f.order = append(f.order, id)
}

func (f *fakeBatch) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var in map[string]any
	_ = json.NewDecoder(r.Body).Decode(&in)
	f.calls = append(f.calls, r.URL.Path)
	w.Header().Set("Content-Type", "application/json")
	reply := func(v any) { _ = json.NewEncoder(w).Encode(v) }
	switch {
	case r.URL.Path == "/v1/listjobs":
		var list []any
		for _, id := range f.order {
			j := f.jobs[id]
			if j["jobQueue"] != in["jobQueue"] {
				continue
			}
			if filters, ok := in["filters"].([]any); ok && len(filters) > 0 {
				want := filters[0].(map[string]any)["values"].([]any)[0]
				if j["jobName"] != want {
					continue
				}
			} else if j["status"] != in["jobStatus"] {
				continue
			}
			list = append(list, map[string]any{"jobId": id, "jobName": j["jobName"], "status": j["status"]})
		}
		reply(map[string]any{"jobSummaryList": list})
	case r.URL.Path == "/v1/describejobs":
		var out []any
		for _, id := range in["jobs"].([]any) {
			if j, ok := f.jobs[id.(string)]; ok {
				out = append(out, j)
			}
		}
		reply(map[string]any{"jobs": out})
	case r.URL.Path == "/v1/submitjob":
		f.next++
		id := fmt.Sprintf("00000000-0000-0000-0000-%012d", f.next)
		j := map[string]any{"jobId": id, "status": "SUBMITTED", "submitted": in}
		for _, k := range []string{"jobName", "jobQueue", "jobDefinition", "tags"} {
			j[k] = in[k]
		}
		f.add(j)
		reply(map[string]any{"jobId": id, "jobName": in["jobName"], "jobArn": j["jobArn"]})
	case r.URL.Path == "/v1/canceljob":
		j := f.jobs[in["jobId"].(string)]
		j["status"], j["statusReason"] = "FAILED", in["reason"]
		reply(map[string]any{})
	case strings.HasPrefix(r.URL.Path, "/v1/tags/"):
		arn, _ := url.PathUnescape(strings.TrimPrefix(r.URL.EscapedPath(), "/v1/tags/"))
		id := arn[strings.LastIndex(arn, "/")+1:]
		tags := in["tags"].(map[string]any)
		if _, moving := tags[spotfallback.MovedToTag]; moving && f.failTag > 0 {
			f.failTag--
			w.Header().Set("X-Amzn-Errortype", "ServerException")
			w.WriteHeader(http.StatusInternalServerError)
			reply(map[string]any{"message": "injected failure"})
			return
		}
		for k, v := range tags {
			f.jobs[id]["tags"].(map[string]any)[k] = v
		}
		reply(map[string]any{})
	default:
		http.Error(w, "unexpected "+r.URL.Path, http.StatusNotFound)
	}
}

const (
	spotQ = "arn:aws:batch:ap-northeast-2:123456789012:job-queue/spot"
	odQ   = "arn:aws:batch:ap-northeast-2:123456789012:job-queue/ondemand"
	def   = "arn:aws:batch:ap-northeast-2:123456789012:job-definition/mc-def:3"
)

func client(t *testing.T, f *fakeBatch) *batch.Client {
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return batch.New(batch.Options{
		Region:           "ap-northeast-2",
		BaseEndpoint:     aws.String(srv.URL),
		Credentials:      credentials.NewStaticCredentialsProvider("AKID", "SECRET", ""),
		RetryMaxAttempts: 1,
	})
}

func container() map[string]any {
	return map[string]any{
		"command":              []any{"/bin/sh", "-c", "run"},
		"environment":          []any{map[string]any{"name": "ARRAY_SIZE", "value": "100"}, map[string]any{"name": "AWS_BATCH_JOB_ID", "value": "x"}},
		"resourceRequirements": []any{map[string]any{"type": "VCPU", "value": "4"}},
	}
}

func TestMovesJobsThatWaitedTooLong(t *testing.T) {
	f := newFake()
	// An array job of 100 whose children all wait, a plain job, a job the
	// PENDING reduce job depends on, a multi-node job, an array job with a
	// child running, and a job of a foreign job definition.
	f.add(map[string]any{"jobId": "array", "jobName": "mc", "jobQueue": spotQ, "status": "PENDING", "jobDefinition": def,
		"parameters": map[string]any{"p": "1"}, "container": container(), "tags": map[string]any{"team": "risk", "aws:batch:x": "y"},
		"retryStrategy": map[string]any{"attempts": 5}, "timeout": map[string]any{"attemptDurationSeconds": 3600}, "propagateTags": true,
		"arrayProperties": map[string]any{"size": 100, "statusSummary": map[string]any{"RUNNABLE": 100}}})
	f.add(map[string]any{"jobId": "plain", "jobName": "one", "jobQueue": spotQ, "status": "RUNNABLE", "jobDefinition": def, "container": container()})
	f.add(map[string]any{"jobId": "upstream", "jobName": "up", "jobQueue": spotQ, "status": "RUNNABLE", "jobDefinition": def, "container": container()})
	f.add(map[string]any{"jobId": "reduce", "jobName": "reduce", "jobQueue": spotQ, "status": "PENDING", "jobDefinition": def, "container": container(),
		"dependsOn": []any{map[string]any{"jobId": "upstream"}}})
	f.add(map[string]any{"jobId": "mnp", "jobName": "mnp", "jobQueue": spotQ, "status": "RUNNABLE", "jobDefinition": def, "nodeProperties": map[string]any{"numNodes": 2, "mainNode": 0}})
	f.add(map[string]any{"jobId": "started", "jobName": "started", "jobQueue": spotQ, "status": "PENDING", "jobDefinition": def, "container": container(),
		"arrayProperties": map[string]any{"size": 4, "statusSummary": map[string]any{"RUNNABLE": 3, "RUNNING": 1}}})
	f.add(map[string]any{"jobId": "foreign", "jobName": "foreign", "jobQueue": spotQ, "status": "RUNNABLE", "jobDefinition": "other:1", "container": container()})

	now := time.Date(2026, 12, 5, 9, 0, 0, 0, time.UTC)
	var log strings.Builder
	m := &spotfallback.Mover{API: client(t, f), From: spotQ, To: odQ, After: time.Hour, JobDefinitions: []string{"mc-def"}, Log: &log, Now: func() time.Time { return now }}

	// First sight: every waiting job is marked, none moved.
	res, err := m.Run(context.Background())
	if err != nil || res.Marked != 5 || len(res.Moved) != 0 {
		t.Fatalf("first run = %+v, %v: want 5 marked (array, plain, upstream, mnp, foreign and none of reduce/started), none moved", res, err)
	}
	if got := f.jobs["plain"]["tags"].(map[string]any)[spotfallback.RunnableSinceTag]; got != "2026-12-05T09:00:00Z" {
		t.Errorf("runnable-since tag = %v", got)
	}
	// Not yet long enough.
	now = now.Add(59 * time.Minute)
	if res, err := m.Run(context.Background()); err != nil || len(res.Moved) != 0 || res.Marked != 0 {
		t.Fatalf("second run = %+v, %v: want nothing done before After", res, err)
	}
	// Long enough: the array and the plain job move; the others are kept.
	now = now.Add(time.Minute)
	res, err = m.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	moved := map[string]spotfallback.Move{}
	for _, mv := range res.Moved {
		moved[mv.From] = mv
	}
	if len(moved) != 2 || moved["array"].To == "" || moved["plain"].To == "" {
		t.Fatalf("moved %+v, want array and plain", res.Moved)
	}
	for id, want := range map[string]string{"upstream": "other jobs depend on it", "mnp": "multi-node job", "foreign": "is not one the function may submit"} {
		if !strings.Contains(res.Kept[id], want) {
			t.Errorf("kept[%s] = %q, want %q", id, res.Kept[id], want)
		}
	}
	if _, ok := res.Kept["started"]; ok || f.jobs["started"]["status"] != "PENDING" {
		t.Error("an array job with a started child was considered")
	}
	// The resubmission carries the original's definition, parameters,
	// array size, overrides, retry, timeout and tags.
	nj := f.jobs[moved["array"].To]
	in := nj["submitted"].(map[string]any)
	want := map[string]string{
		"jobQueue": `"` + odQ + `"`, "jobDefinition": `"` + def + `"`, "jobName": `"mc-od-array"`,
		"parameters": `{"p":"1"}`, "arrayProperties": `{"size":100}`,
		"retryStrategy": `{"attempts":5}`, "timeout": `{"attemptDurationSeconds":3600}`, "propagateTags": "true",
		"containerOverrides": `{"command":["/bin/sh","-c","run"],"environment":[{"name":"ARRAY_SIZE","value":"100"}],"resourceRequirements":[{"type":"VCPU","value":"4"}]}`,
		"tags":               `{"gureum:moved-from":"array","team":"risk"}`,
	}
	for k, w := range want {
		b, _ := json.Marshal(in[k])
		if string(b) != w {
			t.Errorf("resubmitted %s = %s, want %s", k, b, w)
		}
	}
	old := f.jobs["array"]
	if old["status"] != "FAILED" || !strings.Contains(old["statusReason"].(string), "resubmitted to "+odQ) || old["tags"].(map[string]any)[spotfallback.MovedToTag] != moved["array"].To {
		t.Errorf("the original was not cancelled and tagged: %v", old)
	}
	if !strings.Contains(log.String(), `"action":"moved","detail":"to `+odQ) {
		t.Errorf("log:\n%s", log.String())
	}
	// Idempotent: another run moves nothing more.
	before := len(f.order)
	if res, err := m.Run(context.Background()); err != nil || len(res.Moved) != 0 || len(f.order) != before {
		t.Errorf("rerun = %+v, %v, %d new jobs: want nothing", res, err, len(f.order)-before)
	}
}

func TestAMoveInterruptedAfterTheSubmissionIsNotSubmittedTwice(t *testing.T) {
	f := newFake()
	f.add(map[string]any{"jobId": "plain", "jobName": "one", "jobQueue": spotQ, "status": "RUNNABLE", "jobDefinition": def, "container": container(),
		"tags": map[string]any{spotfallback.RunnableSinceTag: "2026-12-05T07:00:00Z"}})
	f.failTag = 1
	now := time.Date(2026, 12, 5, 9, 0, 0, 0, time.UTC)
	m := &spotfallback.Mover{API: client(t, f), From: spotQ, To: odQ, After: time.Hour, Now: func() time.Time { return now }}
	if _, err := m.Run(context.Background()); err == nil || !strings.Contains(err.Error(), "move plain: tag") {
		t.Fatalf("run = %v, want the injected tagging failure", err)
	}
	if f.jobs["plain"]["status"] != "RUNNABLE" {
		t.Fatal("the original was cancelled although its move failed")
	}
	res, err := m.Run(context.Background())
	if err != nil || len(res.Moved) != 1 || !res.Moved[0].Reused {
		t.Fatalf("second run = %+v, %v: want the first run's job reused", res, err)
	}
	submitted := 0
	for _, c := range f.calls {
		if c == "/v1/submitjob" {
			submitted++
		}
	}
	if submitted != 1 || f.jobs["plain"]["status"] != "FAILED" {
		t.Errorf("%d submissions, original %v: want 1 and cancelled", submitted, f.jobs["plain"]["status"])
	}
}

func TestNewNameFitsBatchsLimit(t *testing.T) {
	id := "0123abcd-0000-0000-0000-000000000000"
	if got := spotfallback.NewName("mc", id); got != "mc-od-"+id {
		t.Errorf("NewName = %q", got)
	}
	long := strings.Repeat("n", 128)
	if got := spotfallback.NewName(long, id); len(got) != 128 || !strings.HasSuffix(got, "-od-"+id) {
		t.Errorf("NewName of a 128-character name = %q (%d)", got, len(got))
	}
}

func TestRunRequiresItsSettings(t *testing.T) {
	if _, err := (&spotfallback.Mover{From: spotQ}).Run(context.Background()); err == nil {
		t.Error("Run without To and After succeeded")
	}
}
