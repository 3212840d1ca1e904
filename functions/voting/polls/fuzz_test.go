package polls

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
)

// fuzzStatuses are the answers a request may get from one client calling
// sequentially: no 500, and no 503 (nothing contends).
var fuzzStatuses = map[int]bool{
	http.StatusOK: true, http.StatusCreated: true, http.StatusBadRequest: true, http.StatusNotFound: true,
	http.StatusConflict: true, http.StatusRequestEntityTooLarge: true, http.StatusUnsupportedMediaType: true,
}

// FuzzHandlerRequests sends arbitrary bodies (plain or base64, under any
// Content-Type) and poll ids to the three routes, against DynamoDB Local, and
// checks that no request is answered 500 (or panics): bad input is a 4xx
// with an {"error": "…"} body, good input reaches the table and succeeds.
// `go test` runs it through its seed corpus; `go test -fuzz
// FuzzHandlerRequests ./functions/voting/polls` explores further.
func FuzzHandlerRequests(f *testing.F) {
	fx := newFixture(f)
	// Options that look like expression syntax: a fuzzed vote for one of
	// them goes all the way into the transaction's update expression.
	poll := fx.createPoll(f, "Which?", "a", "a.b", "#counts", ":one", "x[0]", "한국어")

	seeds := []string{
		``, ` `, `{`, `}`, `[]`, `null`, `true`, `0`, `"x"`, `{}`, `{"a":1}`,
		`{"question":"q","options":["a","b"]}`,
		`{"question":"q","options":["a","a"]}`,
		`{"question":"","options":["a","b"]}`,
		`{"question":"q","options":["a"]}`,
		`{"question":"q","options":"a"}`,
		`{"question":1,"options":[1,2]}`,
		`{"question":"q","options":["a",null]}`,
		`{"question":"q\u0000","options":["a","b"]}`,
		`{"question":"q","options":["a","b"]}{"x":1}`,
		`{"question":"q","options":["a","b"],"extra":true}`,
		`{"question":"` + strings.Repeat("q", MaxQuestionLen+1) + `","options":["a","b"]}`,
		`{"option":"a","voterId":"v1"}`,
		`{"option":"a.b","voterId":"v2"}`,
		`{"option":"#counts","voterId":"v3"}`,
		`{"option":"nope","voterId":"v4"}`,
		`{"option":"a","voterId":"v1"}`, // the same voter again: 409
		`{"option":"a"}`,
		`{"option":"a","voterId":"has space"}`,
		`{"option":"a","voterId":"` + strings.Repeat("v", MaxVoterIDLen+1) + `"}`,
		`{"option":["a"],"voterId":"v5"}`,
		`{"option":"\ud800","voterId":"v6"}`,
		"{\"option\":\"a\xff\",\"voterId\":\"v7\"}",
		`{"option":"a","voterId":"v8","option":"b"}`,
		`{"question":"q","options":[` + strings.Repeat(`"o",`, MaxOptions) + `"o"]}`,
		strings.Repeat(`[`, 10000),
		`{"question":"` + strings.Repeat("x", MaxBodyBytes) + `"}`,
	}
	ids := []string{poll.ID, "", "nope", strings.Repeat("0", 32), strings.ToUpper(poll.ID), poll.ID + "0"}
	cts := []string{"application/json", "", "text/plain", "application/vnd.api+json; charset=utf-8", "application/json; ==="}
	for i, body := range seeds {
		f.Add(body, false, cts[i%len(cts)], ids[i%len(ids)])
		f.Add(body, false, "application/json", poll.ID)
		f.Add(base64.StdEncoding.EncodeToString([]byte(body)), true, "application/json", poll.ID)
	}
	f.Add("!!!not base64", true, "application/json", poll.ID)

	f.Fuzz(func(t *testing.T, body string, b64 bool, contentType, id string) {
		req := events.APIGatewayProxyRequest{Body: body, IsBase64Encoded: b64, PathParameters: map[string]string{"id": id}}
		if contentType != "" {
			req.Headers = map[string]string{"Content-Type": contentType}
		}
		ctx := context.Background()
		for route, call := range map[string]func(context.Context, events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error){
			"CreatePoll": fx.h.CreatePoll,
			"CastVote":   fx.h.CastVote,
			"GetPoll":    fx.h.GetPoll,
		} {
			resp, err := call(ctx, req)
			if err != nil {
				t.Fatalf("%s returned a Go error (Lambda would answer 502): %v", route, err)
			}
			if !fuzzStatuses[resp.StatusCode] {
				t.Fatalf("%s answered %d %s for body %q (base64 %v, Content-Type %q, id %q)\nlogs: %s",
					route, resp.StatusCode, resp.Body, body, b64, contentType, id, fx.logs.String())
			}
			if ct := resp.Headers["Content-Type"]; ct != "application/json" {
				t.Fatalf("%s: Content-Type %q, want application/json", route, ct)
			}
			var out map[string]any
			if err := json.Unmarshal([]byte(resp.Body), &out); err != nil {
				t.Fatalf("%s: body %q is not a JSON object: %v", route, resp.Body, err)
			}
			if msg, _ := out["error"].(string); resp.StatusCode >= 400 && msg == "" {
				t.Fatalf("%s: %d without an error message: %s", route, resp.StatusCode, resp.Body)
			}
		}
		if logs := fx.logs.String(); strings.Contains(logs, `"level":"ERROR"`) {
			t.Fatalf("a handler logged an unexpected failure: %s", logs)
		}
	})
}
