package bulkindex

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// testCreds are the credentials the indexer signs with and the bulk server
// verifies against.
var testCreds = aws.Credentials{AccessKeyID: "AKIDGUREUMTEST", SecretAccessKey: "gureum-test-secret", Source: "test"}

const testRegion = "ap-northeast-2"

// bulkServer is an HTTP server speaking the OpenSearch _bulk API. It
// validates every request the way OpenSearch Service does before indexing
// (SigV4 signature over the body for service "es", NDJSON framing, content
// type) and answers with realistic bulk responses. Items can be made to fail
// with 429 a number of times, or permanently with 400; whole requests can be
// answered with an HTTP error status.
type bulkServer struct {
	*httptest.Server
	index string

	mu            sync.Mutex
	throttle      map[string]int // _id -> number of 429 answers still to give
	reject        map[string]bool
	requestStatus []int // statuses for the next whole requests
	docs          map[string]json.RawMessage
	attempts      map[string]int
	requests      []bulkRequest
	invalid       []string
}

type bulkRequest struct {
	docs  int
	bytes int
}

func newBulkServer(t *testing.T, index string) *bulkServer {
	s := &bulkServer{index: index, throttle: map[string]int{}, reject: map[string]bool{}, docs: map[string]json.RawMessage{}, attempts: map[string]int{}}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.Close)
	return s
}

func (s *bulkServer) serve(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	pairs, err := s.validate(r, body)
	s.mu.Lock()
	defer s.mu.Unlock()
	if err != nil {
		s.invalid = append(s.invalid, err.Error())
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprintf(w, `{"error":{"type":"illegal_argument_exception","reason":%q},"status":400}`, err.Error())
		return
	}
	s.requests = append(s.requests, bulkRequest{docs: len(pairs), bytes: len(body)})
	if len(s.requestStatus) > 0 {
		st := s.requestStatus[0]
		s.requestStatus = s.requestStatus[1:]
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(st)
		fmt.Fprintf(w, `{"error":{"type":"cluster_block_exception","reason":"temporarily unavailable"},"status":%d}`, st)
		return
	}
	type errBody struct {
		Type   string `json:"type"`
		Reason string `json:"reason"`
	}
	type item struct {
		Index   string   `json:"_index"`
		ID      string   `json:"_id"`
		Version int      `json:"_version,omitempty"`
		Result  string   `json:"result,omitempty"`
		Status  int      `json:"status"`
		Error   *errBody `json:"error,omitempty"`
		SeqNo   *int     `json:"_seq_no,omitempty"`
		Primary *int     `json:"_primary_term,omitempty"`
	}
	resp := struct {
		Took   int               `json:"took"`
		Errors bool              `json:"errors"`
		Items  []map[string]item `json:"items"`
	}{Took: 3}
	for _, p := range pairs {
		s.attempts[p.id]++
		it := item{Index: s.index, ID: p.id}
		switch {
		case s.reject[p.id]:
			it.Status = http.StatusBadRequest
			it.Error = &errBody{Type: "mapper_parsing_exception", Reason: "failed to parse field [count] of type [long]"}
		case s.throttle[p.id] > 0:
			s.throttle[p.id]--
			it.Status = http.StatusTooManyRequests
			it.Error = &errBody{Type: "es_rejected_execution_exception", Reason: "rejected execution of coordinating operation [coordinating_and_primary_bytes=0, replica_bytes=0, all_bytes=0, coordinating_operation_bytes=1024, max_coordinating_and_primary_bytes=0]"}
		default:
			seq, term := len(s.docs), 1
			it.SeqNo, it.Primary = &seq, &term
			if _, ok := s.docs[p.id]; ok {
				it.Result, it.Status, it.Version = "updated", http.StatusOK, 2
			} else {
				it.Result, it.Status, it.Version = "created", http.StatusCreated, 1
			}
			s.docs[p.id] = p.source
		}
		if it.Error != nil {
			resp.Errors = true
		}
		resp.Items = append(resp.Items, map[string]item{"index": it})
	}
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	json.NewEncoder(w).Encode(resp)
}

type pair struct {
	id     string
	source json.RawMessage
}

// validate checks a request as OpenSearch Service would and returns its
// action/source pairs.
func (s *bulkServer) validate(r *http.Request, body []byte) ([]pair, error) {
	if r.Method != http.MethodPost || r.URL.Path != "/_bulk" {
		return nil, fmt.Errorf("want POST /_bulk, got %s %s", r.Method, r.URL.Path)
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/x-ndjson" {
		return nil, fmt.Errorf("Content-Type %q, want application/x-ndjson", ct)
	}
	if err := verifySigV4(r, body, "es"); err != nil {
		return nil, err
	}
	if len(body) == 0 || body[len(body)-1] != '\n' {
		return nil, fmt.Errorf("the bulk request must be terminated by a newline [\\n]")
	}
	lines := strings.Split(strings.TrimSuffix(string(body), "\n"), "\n")
	if len(lines)%2 != 0 {
		return nil, fmt.Errorf("%d lines: an index action needs a source line", len(lines))
	}
	var pairs []pair
	for i := 0; i < len(lines); i += 2 {
		var action map[string]map[string]any
		if err := json.Unmarshal([]byte(lines[i]), &action); err != nil {
			return nil, fmt.Errorf("line %d: malformed action: %v", i+1, err)
		}
		meta, ok := action["index"]
		if len(action) != 1 || !ok {
			return nil, fmt.Errorf("line %d: want one \"index\" action, got %s", i+1, lines[i])
		}
		if meta["_index"] != s.index {
			return nil, fmt.Errorf("line %d: _index %v, want %s", i+1, meta["_index"], s.index)
		}
		id, _ := meta["_id"].(string)
		if id == "" {
			return nil, fmt.Errorf("line %d: no _id", i+1)
		}
		var src map[string]any
		if err := json.Unmarshal([]byte(lines[i+1]), &src); err != nil {
			return nil, fmt.Errorf("line %d: source is not a JSON object: %v", i+2, err)
		}
		pairs = append(pairs, pair{id: id, source: json.RawMessage(lines[i+1])})
	}
	return pairs, nil
}

// verifySigV4 recomputes the request's Signature Version 4 signature from
// what the server received (method, path, signed headers, body hash) and
// compares it with the Authorization header.
func verifySigV4(r *http.Request, body []byte, service string) error {
	auth := r.Header.Get("Authorization")
	const algo = "AWS4-HMAC-SHA256 "
	if !strings.HasPrefix(auth, algo) {
		return fmt.Errorf("Authorization %q is not SigV4", auth)
	}
	fields := map[string]string{}
	for _, f := range strings.Split(strings.TrimPrefix(auth, algo), ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(f), "=")
		fields[k] = v
	}
	scope := strings.Split(fields["Credential"], "/")
	if len(scope) != 5 || scope[0] != testCreds.AccessKeyID || scope[2] != testRegion || scope[3] != service || scope[4] != "aws4_request" {
		return fmt.Errorf("credential scope %q, want %s/<date>/%s/%s/aws4_request", fields["Credential"], testCreds.AccessKeyID, testRegion, service)
	}
	signedAt, err := time.Parse("20060102T150405Z", r.Header.Get("X-Amz-Date"))
	if err != nil {
		return fmt.Errorf("X-Amz-Date %q: %v", r.Header.Get("X-Amz-Date"), err)
	}
	sum := sha256.Sum256(body)
	hash := hex.EncodeToString(sum[:])
	if got := r.Header.Get("X-Amz-Content-Sha256"); got != "" && got != hash {
		return fmt.Errorf("X-Amz-Content-Sha256 %s does not match the body's %s", got, hash)
	}
	again, _ := http.NewRequest(r.Method, "http://"+r.Host+r.URL.RequestURI(), bytes.NewReader(body))
	again.ContentLength = r.ContentLength
	for _, h := range strings.Split(fields["SignedHeaders"], ";") {
		if h != "host" && h != "content-length" {
			again.Header[http.CanonicalHeaderKey(h)] = r.Header.Values(h)
		}
	}
	if err := v4.NewSigner().SignHTTP(context.Background(), testCreds, again, hash, service, testRegion, signedAt); err != nil {
		return err
	}
	if again.Header.Get("Authorization") != auth {
		return fmt.Errorf("SigV4 signature does not match the request received")
	}
	return nil
}

func (s *bulkServer) snapshot() (docs map[string]json.RawMessage, attempts map[string]int, requests []bulkRequest, invalid []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	docs = map[string]json.RawMessage{}
	for k, v := range s.docs {
		docs[k] = v
	}
	attempts = map[string]int{}
	for k, v := range s.attempts {
		attempts[k] = v
	}
	return docs, attempts, append([]bulkRequest(nil), s.requests...), append([]string(nil), s.invalid...)
}

// TestBulkServerRejectsMalformedRequests shows that the test server's checks
// can fail, so that the indexer tests passing means something.
func TestBulkServerRejectsMalformedRequests(t *testing.T) {
	srv := newBulkServer(t, "game-events")
	good := "{\"index\":{\"_index\":\"game-events\",\"_id\":\"a\"}}\n{\"n\":1}\n"
	sign := func(req *http.Request, body string) {
		sum := sha256.Sum256([]byte(body))
		h := hex.EncodeToString(sum[:])
		if err := v4.NewSigner().SignHTTP(context.Background(), testCreds, req, h, "es", testRegion, time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name    string
		body    string
		mutate  func(*http.Request)
		wantErr string
	}{
		{"valid", good, nil, ""},
		{"no trailing newline", strings.TrimSuffix(good, "\n"), nil, "terminated by a newline"},
		{"action without source", "{\"index\":{\"_index\":\"game-events\",\"_id\":\"a\"}}\n", nil, "needs a source line"},
		{"wrong index", strings.Replace(good, "game-events", "other", 1), nil, "_index other"},
		{"json content type", good, func(r *http.Request) { r.Header.Set("Content-Type", "application/json") }, "Content-Type"},
		{"unsigned", good, func(r *http.Request) { r.Header.Del("Authorization") }, "not SigV4"},
		{"body changed after signing", good, func(r *http.Request) {
			changed := strings.Replace(good, `"n":1`, `"n":2`, 1)
			r.Body = io.NopCloser(strings.NewReader(changed))
		}, "signature does not match"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodPost, srv.URL+"/_bulk", strings.NewReader(tc.body))
			req.Header.Set("Content-Type", "application/x-ndjson")
			sign(req, tc.body)
			if tc.mutate != nil {
				tc.mutate(req)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			msg, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if tc.wantErr == "" {
				if resp.StatusCode != http.StatusOK {
					t.Fatalf("status %d: %s", resp.StatusCode, msg)
				}
				return
			}
			if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(msg), tc.wantErr) {
				t.Fatalf("status %d %s, want 400 mentioning %q", resp.StatusCode, msg, tc.wantErr)
			}
		})
	}
}

// readLines is used by tests that inspect a Body directly.
func readLines(b []byte) []string {
	var out []string
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		out = append(out, sc.Text())
	}
	return out
}
