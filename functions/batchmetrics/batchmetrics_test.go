package batchmetrics_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/batch"

	"github.com/gureum-cdk/gureum/functions/batchmetrics"
)

// fakeBatch speaks the AWS Batch ListJobs API (restJson1: POST /v1/listjobs,
// JSON in and out, paginated with nextToken). pages maps queue, status and
// the request's nextToken ("" for the first page) to the page returned; a
// queue in denied answers every request with a ClientException.
type fakeBatch struct {
	pages  map[string]string
	denied map[string]bool

	mu       sync.Mutex
	requests []listRequest
}

type listRequest struct {
	Queue, Status, Token string
	Signed               bool
}

func key(queue, status, token string) string { return queue + "|" + status + "|" + token }

func (f *fakeBatch) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.URL.Path != "/v1/listjobs" {
		http.Error(w, "unexpected "+r.Method+" "+r.URL.Path, http.StatusNotFound)
		return
	}
	var in struct {
		JobQueue, JobStatus, NextToken string
	}
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	f.mu.Lock()
	f.requests = append(f.requests, listRequest{in.JobQueue, in.JobStatus, in.NextToken,
		strings.HasPrefix(r.Header.Get("Authorization"), "AWS4-HMAC-SHA256 ")})
	f.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	if f.denied[in.JobQueue] {
		w.Header().Set("X-Amzn-Errortype", "ClientException")
		w.WriteHeader(http.StatusBadRequest)
		w.Write([]byte(`{"message":"not authorized to list jobs of ` + in.JobQueue + `"}`))
		return
	}
	page, ok := f.pages[key(in.JobQueue, in.JobStatus, in.NextToken)]
	if !ok {
		page = `{"jobSummaryList":[]}`
	}
	w.Write([]byte(page))
}

func job(id string) string { return `{"jobId":"` + id + `","jobName":"n-` + id + `"}` }

func page(next string, jobs ...string) string {
	p := `{"jobSummaryList":[` + strings.Join(jobs, ",") + `]`
	if next != "" {
		p += `,"nextToken":"` + next + `"`
	}
	return p + "}"
}

func newClient(t *testing.T, f *fakeBatch) *batch.Client {
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return batch.New(batch.Options{
		BaseEndpoint:     aws.String(srv.URL),
		Region:           "ap-northeast-2",
		Credentials:      credentials.NewStaticCredentialsProvider("AKIDTEST", "SECRET", ""),
		HTTPClient:       srv.Client(),
		RetryMaxAttempts: 1,
	})
}

// spotQueue holds every case: a plain job paginated over two pages with an
// array parent that has no children yet, a running array parent with a
// status summary, a child and a duplicate listed on their own, and a
// multi-node job with its nodes over three pages.
var spotPages = map[string]string{
	key("spot", "SUBMITTED", ""):   page("s2", job("a")),
	key("spot", "SUBMITTED", "s2"): page("", `{"jobId":"b","jobName":"sweep","arrayProperties":{"size":50}}`),
	key("spot", "PENDING", ""): page("",
		`{"jobId":"arr","jobName":"mc","arrayProperties":{"size":100,"statusSummary":{"PENDING":3,"RUNNABLE":30,"STARTING":2,"RUNNING":10,"SUCCEEDED":55}}}`,
		job("dep")),
	key("spot", "RUNNABLE", ""):  page("", job("r1"), `{"jobId":"arr:7","jobName":"mc","arrayProperties":{"index":7}}`, job("a")),
	key("spot", "RUNNING", ""):   page("r2", `{"jobId":"mnp","jobName":"mpi","nodeProperties":{"numNodes":2}}`),
	key("spot", "RUNNING", "r2"): page("r3", job("mnp#0")),
	key("spot", "RUNNING", "r3"): page("", job("mnp#1")),
}

func TestCountFollowsEveryPageAndCountsArrayChildren(t *testing.T) {
	f := &fakeBatch{pages: spotPages}
	got, err := batchmetrics.Count(context.Background(), newClient(t, f), "spot")
	if err != nil {
		t.Fatal(err)
	}
	want := batchmetrics.Counts{Queue: "spot", Submitted: 1 + 50, Pending: 1 + 3, Runnable: 30 + 1, Starting: 2, Running: 10 + 1}
	if got != want {
		t.Errorf("Count = %+v, want %+v", got, want)
	}
	if got.QueueDepth() != 51+4+31 || got.Stalled() != 0 {
		t.Errorf("QueueDepth %d, Stalled %d; want 86 and 0", got.QueueDepth(), got.Stalled())
	}
	var calls []string
	for _, r := range f.requests {
		if !r.Signed {
			t.Errorf("request %+v is not SigV4-signed", r)
		}
		calls = append(calls, r.Queue+"/"+r.Status+"/"+r.Token)
	}
	wantCalls := "spot/SUBMITTED/ spot/SUBMITTED/s2 spot/PENDING/ spot/RUNNABLE/ spot/STARTING/ spot/RUNNING/ spot/RUNNING/r2 spot/RUNNING/r3"
	if strings.Join(calls, " ") != wantCalls {
		t.Errorf("requests:\n got %s\nwant %s", strings.Join(calls, " "), wantCalls)
	}
}

func TestPublishWritesOneEMFDocumentPerQueue(t *testing.T) {
	f := &fakeBatch{pages: map[string]string{}}
	for k, v := range spotPages {
		f.pages[k] = v
	}
	// The On-Demand queue has ready jobs and nothing starting or running.
	f.pages[key("ondemand", "RUNNABLE", "")] = page("", job("x"), job("y"))
	var out bytes.Buffer
	at := time.Date(2026, 8, 10, 6, 0, 0, 0, time.UTC)
	p := &batchmetrics.Publisher{API: newClient(t, f), Namespace: "Gureum/HPCCluster/test", Queues: []string{"spot", "ondemand"},
		Out: &out, Now: func() time.Time { return at }}
	counts, err := p.Publish(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(counts) != 2 {
		t.Fatalf("Publish returned %d counts, want 2", len(counts))
	}
	docs := emfDocs(t, out.String())
	if len(docs) != 2 {
		t.Fatalf("wrote %d documents, want 2:\n%s", len(docs), out.String())
	}
	want := map[string]map[string]float64{
		"spot":     {"SubmittedJobs": 51, "PendingJobs": 4, "RunnableJobs": 31, "StartingJobs": 2, "RunningJobs": 11, "QueueDepth": 86, "StalledJobs": 0},
		"ondemand": {"SubmittedJobs": 0, "PendingJobs": 0, "RunnableJobs": 2, "StartingJobs": 0, "RunningJobs": 0, "QueueDepth": 2, "StalledJobs": 2},
	}
	for _, d := range docs {
		q, _ := d[batchmetrics.DimensionJobQueue].(string)
		w, ok := want[q]
		if !ok {
			t.Fatalf("document for unknown queue %q: %v", q, d)
		}
		meta := d["_aws"].(map[string]any)
		if meta["Timestamp"] != float64(at.UnixMilli()) {
			t.Errorf("%s: Timestamp %v, want %d", q, meta["Timestamp"], at.UnixMilli())
		}
		directives := meta["CloudWatchMetrics"].([]any)
		dir := directives[0].(map[string]any)
		if len(directives) != 1 || dir["Namespace"] != "Gureum/HPCCluster/test" || jsonOf(dir["Dimensions"]) != `[["JobQueueName"]]` {
			t.Errorf("%s: directive %s", q, jsonOf(directives))
		}
		declared := map[string]bool{}
		for _, m := range dir["Metrics"].([]any) {
			mm := m.(map[string]any)
			declared[mm["Name"].(string)] = true
			if mm["Unit"] != "Count" {
				t.Errorf("%s: metric %v unit %v", q, mm["Name"], mm["Unit"])
			}
		}
		for name, v := range w {
			if !declared[name] {
				t.Errorf("%s: %s is not declared in the directive", q, name)
			}
			if d[name] != v {
				t.Errorf("%s: %s = %v, want %v", q, name, d[name], v)
			}
		}
		if len(declared) != len(w) {
			t.Errorf("%s: %d metrics declared, want %d", q, len(declared), len(w))
		}
	}
}

func TestPublishReportsAQueueItCannotListAndPublishesTheOthers(t *testing.T) {
	f := &fakeBatch{pages: map[string]string{key("ok", "RUNNING", ""): page("", job("j"))}, denied: map[string]bool{"locked": true}}
	var out bytes.Buffer
	p := &batchmetrics.Publisher{API: newClient(t, f), Namespace: "N", Queues: []string{"locked", "ok"}, Out: &out}
	counts, err := p.Publish(context.Background())
	if err == nil || !strings.Contains(err.Error(), "list SUBMITTED jobs of locked") || !strings.Contains(err.Error(), "not authorized") {
		t.Errorf("Publish error = %v, want the locked queue named with the service's message", err)
	}
	docs := emfDocs(t, out.String())
	if len(counts) != 1 || len(docs) != 1 || docs[0]["JobQueueName"] != "ok" || docs[0]["RunningJobs"] != 1.0 {
		t.Errorf("published %v / %s, want the ok queue with one running job", counts, out.String())
	}
}

func TestPublishNeedsNamespaceAndQueues(t *testing.T) {
	p := &batchmetrics.Publisher{API: nil, Namespace: "N", Out: &bytes.Buffer{}}
	if _, err := p.Publish(context.Background()); err == nil {
		t.Error("Publish without queues succeeded")
	}
}

func TestParseQueues(t *testing.T) {
	got := batchmetrics.ParseQueues(" a, ,b,")
	if strings.Join(got, "|") != "a|b" {
		t.Errorf("ParseQueues = %q, want [a b]", got)
	}
}

func emfDocs(t *testing.T, s string) []map[string]any {
	t.Helper()
	var docs []map[string]any
	sc := bufio.NewScanner(strings.NewReader(s))
	for sc.Scan() {
		var d map[string]any
		if err := json.Unmarshal(sc.Bytes(), &d); err != nil {
			t.Fatalf("line %q is not one JSON object: %v", sc.Text(), err)
		}
		docs = append(docs, d)
	}
	return docs
}

func jsonOf(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
