package polls

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
)

func TestCreateGetVote(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()

	before := time.Now().Add(-time.Second)
	p := f.createPoll(t, "  Best editor?  ", " vim ", "emacs", "nano")
	if !ValidPollID(p.ID) {
		t.Errorf("poll id %q is not 32 lowercase hex digits", p.ID)
	}
	if p.Question != "Best editor?" {
		t.Errorf("question = %q, want trimmed %q", p.Question, "Best editor?")
	}
	wantOptions := []string{"vim", "emacs", "nano"}
	if !reflect.DeepEqual(p.Options, wantOptions) {
		t.Errorf("options = %q, want %q", p.Options, wantOptions)
	}
	zero := map[string]int{"vim": 0, "emacs": 0, "nano": 0}
	if !reflect.DeepEqual(p.Counts, zero) || p.TotalVotes != 0 {
		t.Errorf("new poll counts = %v total %d, want %v total 0", p.Counts, p.TotalVotes, zero)
	}
	if p.CreatedAt.Before(before) || p.CreatedAt.After(time.Now().Add(time.Second)) {
		t.Errorf("createdAt = %v, want about now", p.CreatedAt)
	}
	if other := f.createPoll(t, "Best editor?", "vim", "emacs"); other.ID == p.ID {
		t.Errorf("two polls got the same id %s", p.ID)
	}

	got := f.getPoll(t, p.ID)
	if !reflect.DeepEqual(got, p) {
		t.Errorf("GetPoll = %+v, want the created poll %+v", got, p)
	}

	votes := []struct{ voter, option string }{{"alice", "vim"}, {"bob", "emacs"}, {"carol", " vim "}}
	for _, v := range votes {
		resp, _ := f.h.CastVote(ctx, voteReq(p.ID, voteBody(v.option, v.voter)))
		if resp.StatusCode != 201 {
			t.Fatalf("vote %s for %q: status %d, body %s", v.voter, v.option, resp.StatusCode, resp.Body)
		}
		var vr VoteResponse
		decode(t, resp, &vr)
		if want := (VoteResponse{PollID: p.ID, Option: strings.TrimSpace(v.option)}); vr != want {
			t.Errorf("vote response = %+v, want %+v", vr, want)
		}
	}
	got = f.getPoll(t, p.ID)
	want := map[string]int{"vim": 2, "emacs": 1, "nano": 0}
	if !reflect.DeepEqual(got.Counts, want) || got.TotalVotes != 3 {
		t.Errorf("counts after 3 votes = %v total %d, want %v total 3", got.Counts, got.TotalVotes, want)
	}
}

func TestOptionsWithExpressionSyntax(t *testing.T) {
	f := newFixture(t)
	// Option text becomes a map key in an update expression; none of it may
	// be read as expression syntax.
	options := []string{"a.b", "#counts", ":one", "x[0]", "1 + 1", "한국어", "counts"}
	p := f.createPoll(t, "Which key?", options...)
	for i, o := range options {
		resp, _ := f.h.CastVote(context.Background(), voteReq(p.ID, voteBody(o, fmt.Sprintf("voter-%d", i))))
		if resp.StatusCode != 201 {
			t.Fatalf("vote for %q: status %d, body %s", o, resp.StatusCode, resp.Body)
		}
	}
	got := f.getPoll(t, p.ID)
	for _, o := range options {
		if got.Counts[o] != 1 {
			t.Errorf("count of %q = %d, want 1 (counts %v)", o, got.Counts[o], got.Counts)
		}
	}
	if len(got.Counts) != len(options) || got.TotalVotes != len(options) {
		t.Errorf("counts = %v total %d, want exactly the %d options once each", got.Counts, got.TotalVotes, len(options))
	}
}

func TestCastVoteOutcomes(t *testing.T) {
	f := newFixture(t)
	p := f.createPoll(t, "Tabs or spaces?", "tabs", "spaces")
	other := f.createPoll(t, "Light or dark?", "light", "dark")
	unknown := NewID()

	tests := []struct {
		name       string
		pollID     string
		option     string
		voter      string
		wantStatus int
		wantErr    string
	}{
		{"first vote", p.ID, "tabs", "dave", 201, ""},
		{"second vote same option", p.ID, "tabs", "dave", 409, "voter has already voted in this poll"},
		{"second vote other option", p.ID, "spaces", "dave", 409, "voter has already voted in this poll"},
		{"same voter other poll", other.ID, "dark", "dave", 201, ""},
		{"unknown poll", unknown, "tabs", "erin", 404, "poll not found"},
		{"invalid option", p.ID, "both", "erin", 400, "option is not one of the poll's options"},
		{"option of another poll", p.ID, "dark", "erin", 400, "option is not one of the poll's options"},
		{"case matters", p.ID, "Tabs", "erin", 400, "option is not one of the poll's options"},
		{"invalid option then valid vote", p.ID, "spaces", "erin", 201, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, err := f.h.CastVote(context.Background(), voteReq(tc.pollID, voteBody(tc.option, tc.voter)))
			if err != nil {
				t.Fatalf("CastVote returned error %v; handlers must answer with a response", err)
			}
			if resp.StatusCode != tc.wantStatus {
				t.Fatalf("status = %d, want %d (body %s)", resp.StatusCode, tc.wantStatus, resp.Body)
			}
			if tc.wantErr != "" {
				if got := errorOf(t, resp); got != tc.wantErr {
					t.Errorf("error = %q, want %q", got, tc.wantErr)
				}
			}
		})
	}
	if got := f.getPoll(t, p.ID); got.Counts["tabs"] != 1 || got.Counts["spaces"] != 1 || got.TotalVotes != 2 {
		t.Errorf("counts = %v total %d, want tabs 1, spaces 1 (rejected votes must not count)", got.Counts, got.TotalVotes)
	}
	if got := f.getPoll(t, other.ID); got.Counts["dark"] != 1 || got.TotalVotes != 1 {
		t.Errorf("other poll counts = %v, want dark 1", got.Counts)
	}
}

func TestGetPollErrors(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		name       string
		params     map[string]string
		wantStatus int
		wantErr    string
	}{
		{"unknown poll", map[string]string{"id": NewID()}, 404, "poll not found"},
		{"no path parameters", nil, 400, "missing path parameter id"},
		{"empty id", map[string]string{"id": ""}, 400, "missing path parameter id"},
		{"uppercase hex", map[string]string{"id": strings.ToUpper(NewID())}, 400, "invalid poll id: want 32 lowercase hex digits"},
		{"too short", map[string]string{"id": "abc123"}, 400, "invalid poll id: want 32 lowercase hex digits"},
		{"key injection", map[string]string{"id": NewID() + "#VOTE"}, 400, "invalid poll id: want 32 lowercase hex digits"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, err := f.h.GetPoll(context.Background(), events.APIGatewayProxyRequest{PathParameters: tc.params})
			if err != nil {
				t.Fatalf("GetPoll returned error %v", err)
			}
			if resp.StatusCode != tc.wantStatus {
				t.Fatalf("status = %d, want %d (body %s)", resp.StatusCode, tc.wantStatus, resp.Body)
			}
			if got := errorOf(t, resp); got != tc.wantErr {
				t.Errorf("error = %q, want %q", got, tc.wantErr)
			}
		})
	}
}

func TestCreatePollBadInput(t *testing.T) {
	f := newFixture(t)
	many := make([]string, MaxOptions+1)
	for i := range many {
		many[i] = strings.Repeat("x", i+1)
	}
	body := func(v any) string {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	tests := []struct {
		name       string
		req        events.APIGatewayProxyRequest
		wantStatus int
		wantErr    string
	}{
		{"empty body", jsonRequest(""), 400, "request body is required"},
		{"blank body", jsonRequest(" \n "), 400, "request body is required"},
		{"malformed JSON", jsonRequest(`{"question": "q", `), 400, "malformed JSON: unexpected end of body"},
		{"syntax error", jsonRequest(`{"question" "q"}`), 400, "malformed JSON at byte 13"},
		{"null", jsonRequest(`null`), 400, "request body must be a JSON object"},
		{"array", jsonRequest(`["q"]`), 400, "request body must be a JSON object"},
		{"string", jsonRequest(`"q"`), 400, "request body must be a JSON object"},
		{"two objects", jsonRequest(`{"question":"q","options":["a","b"]} {}`), 400, "request body must hold a single JSON object"},
		{"unknown field", jsonRequest(`{"question":"q","options":["a","b"],"admin":true}`), 400, `unknown field "admin"`},
		{"question wrong type", jsonRequest(`{"question":1,"options":["a","b"]}`), 400, `field "question" must be a string, not number`},
		{"options wrong type", jsonRequest(`{"question":"q","options":"a,b"}`), 400, `field "options" must be an array of strings, not string`},
		{"option wrong type", jsonRequest(`{"question":"q","options":["a",2]}`), 400, `field "options" must be an array of strings, not number`},
		{"missing question", jsonRequest(`{"options":["a","b"]}`), 400, "question must not be empty"},
		{"blank question", jsonRequest(body(map[string]any{"question": "  \t", "options": []string{"a", "b"}})), 400, "question must not be empty"},
		{"long question", jsonRequest(body(map[string]any{"question": strings.Repeat("é", MaxQuestionLen+1), "options": []string{"a", "b"}})), 400, "question must be at most 300 characters, got 301"},
		{"control character", jsonRequest(body(map[string]any{"question": "a\x00b", "options": []string{"a", "b"}})), 400, "question must not contain control characters"},
		{"missing options", jsonRequest(`{"question":"q"}`), 400, "options must have between 2 and 20 entries, got 0"},
		{"one option", jsonRequest(`{"question":"q","options":["a"]}`), 400, "options must have between 2 and 20 entries, got 1"},
		{"too many options", jsonRequest(body(map[string]any{"question": "q", "options": many})), 400, "options must have between 2 and 20 entries, got 21"},
		{"empty option", jsonRequest(`{"question":"q","options":["a",""]}`), 400, "options[1] must not be empty"},
		{"blank option", jsonRequest(`{"question":"q","options":["a"," "]}`), 400, "options[1] must not be empty"},
		{"duplicate option", jsonRequest(`{"question":"q","options":["a","b","a "]}`), 400, `options[2] duplicates options[0] "a"`},
		{"long option", jsonRequest(body(map[string]any{"question": "q", "options": []string{"a", strings.Repeat("b", MaxOptionLen+1)}})), 400, "options[1] must be at most 100 characters, got 101"},
		{"oversized body", jsonRequest(`{"question":"` + strings.Repeat("q", MaxBodyBytes) + `"}`), 413, "request body must be at most 16384 bytes"},
		{"oversized base64 body", events.APIGatewayProxyRequest{IsBase64Encoded: true, Body: base64.StdEncoding.EncodeToString([]byte(strings.Repeat(" ", MaxBodyBytes+1)))}, 413, "request body must be at most 16384 bytes"},
		{"bad base64", events.APIGatewayProxyRequest{IsBase64Encoded: true, Body: "!!!"}, 400, "request body is not valid base64"},
		{"form content type", events.APIGatewayProxyRequest{Headers: map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, Body: "question=q"}, 415, "Content-Type must be application/json"},
		{"text content type", events.APIGatewayProxyRequest{MultiValueHeaders: map[string][]string{"CONTENT-TYPE": {"text/plain"}}, Body: `{}`}, 415, "Content-Type must be application/json"},
		{"unparsable content type", events.APIGatewayProxyRequest{Headers: map[string]string{"Content-Type": "/"}, Body: `{}`}, 415, "Content-Type must be application/json"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, err := f.h.CreatePoll(context.Background(), tc.req)
			if err != nil {
				t.Fatalf("CreatePoll returned error %v", err)
			}
			if resp.StatusCode != tc.wantStatus {
				t.Fatalf("status = %d, want %d (body %s)", resp.StatusCode, tc.wantStatus, resp.Body)
			}
			if got := errorOf(t, resp); got != tc.wantErr {
				t.Errorf("error = %q, want %q", got, tc.wantErr)
			}
		})
	}
}

func TestCreatePollAcceptedForms(t *testing.T) {
	f := newFixture(t)
	valid := `{"question":"q","options":["a","b"]}`
	tests := []struct {
		name string
		req  events.APIGatewayProxyRequest
	}{
		{"no content type", events.APIGatewayProxyRequest{Body: valid}},
		{"json with charset", events.APIGatewayProxyRequest{Headers: map[string]string{"Content-Type": "application/json; charset=utf-8"}, Body: valid}},
		{"vendor json", events.APIGatewayProxyRequest{Headers: map[string]string{"Content-Type": "application/vnd.gureum+json"}, Body: valid}},
		{"base64 body", events.APIGatewayProxyRequest{IsBase64Encoded: true, Body: base64.StdEncoding.EncodeToString([]byte(valid))}},
		{"most options, longest text", jsonRequest(func() string {
			opts := make([]string, MaxOptions)
			for i := range opts {
				opts[i] = strings.Repeat(string(rune('a'+i)), MaxOptionLen)
			}
			b, _ := json.Marshal(map[string]any{"question": strings.Repeat("?", MaxQuestionLen), "options": opts})
			return string(b)
		}())},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, _ := f.h.CreatePoll(context.Background(), tc.req)
			if resp.StatusCode != 201 {
				t.Fatalf("status = %d, want 201 (body %s)", resp.StatusCode, resp.Body)
			}
		})
	}
}

func TestCastVoteBadInput(t *testing.T) {
	f := newFixture(t)
	p := f.createPoll(t, "q", "a", "b")
	withID := func(r events.APIGatewayProxyRequest) events.APIGatewayProxyRequest {
		r.PathParameters = map[string]string{"id": p.ID}
		return r
	}
	tests := []struct {
		name       string
		req        events.APIGatewayProxyRequest
		wantStatus int
		wantErr    string
	}{
		{"missing path parameter", jsonRequest(voteBody("a", "v1")), 400, "missing path parameter id"},
		{"bad poll id", voteReq("../POLL", voteBody("a", "v1")), 400, "invalid poll id: want 32 lowercase hex digits"},
		{"empty body", voteReq(p.ID, ""), 400, "request body is required"},
		{"malformed JSON", voteReq(p.ID, `{"option":`), 400, "malformed JSON: unexpected end of body"},
		{"unknown field", voteReq(p.ID, `{"option":"a","voterId":"v1","count":100}`), 400, `unknown field "count"`},
		{"option wrong type", voteReq(p.ID, `{"option":["a"],"voterId":"v1"}`), 400, `field "option" must be a string, not array`},
		{"voterId wrong type", voteReq(p.ID, `{"option":"a","voterId":7}`), 400, `field "voterId" must be a string, not number`},
		{"missing option", voteReq(p.ID, `{"voterId":"v1"}`), 400, "option must not be empty"},
		{"long option", voteReq(p.ID, voteBody(strings.Repeat("a", MaxOptionLen+1), "v1")), 400, "option must be at most 100 characters, got 101"},
		{"missing voterId", voteReq(p.ID, `{"option":"a"}`), 400, "voterId is required when the request is not authenticated"},
		{"long voterId", voteReq(p.ID, voteBody("a", strings.Repeat("v", MaxVoterIDLen+1))), 400, "voterId must be at most 128 characters"},
		{"voterId with key separator", voteReq(p.ID, voteBody("a", "v#1")), 400, "voterId may contain only letters, digits and . _ : @ + -"},
		{"voterId with space", voteReq(p.ID, voteBody("a", "v 1")), 400, "voterId may contain only letters, digits and . _ : @ + -"},
		{"oversized body", voteReq(p.ID, voteBody(strings.Repeat("a", MaxBodyBytes), "v1")), 413, "request body must be at most 16384 bytes"},
		{"wrong content type", withID(events.APIGatewayProxyRequest{Headers: map[string]string{"Content-Type": "text/plain"}, Body: voteBody("a", "v1")}), 415, "Content-Type must be application/json"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, err := f.h.CastVote(context.Background(), tc.req)
			if err != nil {
				t.Fatalf("CastVote returned error %v", err)
			}
			if resp.StatusCode != tc.wantStatus {
				t.Fatalf("status = %d, want %d (body %s)", resp.StatusCode, tc.wantStatus, resp.Body)
			}
			if got := errorOf(t, resp); got != tc.wantErr {
				t.Errorf("error = %q, want %q", got, tc.wantErr)
			}
		})
	}
	if got := f.getPoll(t, p.ID); got.TotalVotes != 0 {
		t.Errorf("rejected votes were counted: %v", got.Counts)
	}
}

func TestAuthenticatedVoter(t *testing.T) {
	claims := func(sub string) map[string]any {
		return map[string]any{"claims": map[string]any{"sub": sub, "email": "x@example.com"}}
	}
	long := strings.Repeat("r", maxVoterKeyLen)
	tests := []struct {
		name   string
		rc     events.APIGatewayProxyRequestContext
		want   string
		wantOK bool
	}{
		{"unauthenticated", events.APIGatewayProxyRequestContext{}, "", false},
		{"cognito user pool", events.APIGatewayProxyRequestContext{Authorizer: claims("1234-abcd")}, "cognito-user:1234-abcd", true},
		{"cognito wins over iam", events.APIGatewayProxyRequestContext{Authorizer: claims("u1"), Identity: events.APIGatewayRequestIdentity{UserArn: "arn:aws:iam::1:user/x"}}, "cognito-user:u1", true},
		{"empty sub ignored", events.APIGatewayProxyRequestContext{Authorizer: claims("")}, "", false},
		{"lambda authorizer", events.APIGatewayProxyRequestContext{Authorizer: map[string]any{"principalId": "user|42"}}, "principal:user|42", true},
		{"identity pool before shared role", events.APIGatewayProxyRequestContext{Identity: events.APIGatewayRequestIdentity{
			CognitoIdentityID: "us-east-1:abcd", UserArn: "arn:aws:sts::1:assumed-role/Unauth/CognitoIdentityCredentials"}}, "cognito-identity:us-east-1:abcd", true},
		{"iam user", events.APIGatewayProxyRequestContext{Identity: events.APIGatewayRequestIdentity{UserArn: "arn:aws:iam::1:user/alice"}}, "iam:arn:aws:iam::1:user/alice", true},
		{"long identity hashed", events.APIGatewayProxyRequestContext{Authorizer: map[string]any{"principalId": long}},
			"principal-sha256:" + sha256Hex(long), true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := authenticatedVoter(tc.rc)
			if got != tc.want || ok != tc.wantOK {
				t.Errorf("authenticatedVoter = %q, %v; want %q, %v", got, ok, tc.want, tc.wantOK)
			}
		})
	}
}

func TestCastVoteUsesAuthenticatedIdentity(t *testing.T) {
	f := newFixture(t)
	p := f.createPoll(t, "q", "a", "b")
	ctx := context.Background()
	asUser := func(sub, body string) events.APIGatewayProxyRequest {
		r := voteReq(p.ID, body)
		r.RequestContext.Authorizer = map[string]any{"claims": map[string]any{"sub": sub}}
		return r
	}
	steps := []struct {
		name       string
		req        events.APIGatewayProxyRequest
		wantStatus int
	}{
		{"user votes without voterId", asUser("sub-1", `{"option":"a"}`), 201},
		{"same user, different body voterId", asUser("sub-1", voteBody("b", "someone-else")), 409},
		{"anonymous voter named like the user", voteReq(p.ID, voteBody("b", "sub-1")), 201},
		{"other user", asUser("sub-2", `{"option":"b"}`), 201},
	}
	for _, s := range steps {
		resp, _ := f.h.CastVote(ctx, s.req)
		if resp.StatusCode != s.wantStatus {
			t.Errorf("%s: status = %d, want %d (body %s)", s.name, resp.StatusCode, s.wantStatus, resp.Body)
		}
	}
	if got := f.getPoll(t, p.ID); got.Counts["a"] != 1 || got.Counts["b"] != 2 {
		t.Errorf("counts = %v, want a 1, b 2", got.Counts)
	}
}

func TestUnexpectedStoreErrorIs500(t *testing.T) {
	logs := &syncBuffer{}
	h := NewHandler(NewStore(ddb, "no-such-table"), slogJSON(logs))
	ctx := context.Background()
	req := events.APIGatewayProxyRequest{PathParameters: map[string]string{"id": NewID()}}
	req.RequestContext.RequestID = "req-123"
	calls := map[string]func() (events.APIGatewayProxyResponse, error){
		"CreatePoll": func() (events.APIGatewayProxyResponse, error) {
			return h.CreatePoll(ctx, jsonRequest(`{"question":"q","options":["a","b"]}`))
		},
		"GetPoll": func() (events.APIGatewayProxyResponse, error) { return h.GetPoll(ctx, req) },
		"CastVote": func() (events.APIGatewayProxyResponse, error) {
			r := req
			r.Body = voteBody("a", "v1")
			return h.CastVote(ctx, r)
		},
	}
	for name, call := range calls {
		t.Run(name, func(t *testing.T) {
			resp, err := call()
			if err != nil {
				t.Fatalf("%s returned error %v", name, err)
			}
			if resp.StatusCode != 500 {
				t.Fatalf("status = %d, want 500 (body %s)", resp.StatusCode, resp.Body)
			}
			if got := errorOf(t, resp); got != "internal error" {
				t.Errorf("error = %q, want the generic %q", got, "internal error")
			}
			if strings.Contains(resp.Body, "no-such-table") {
				t.Errorf("response leaks the cause: %s", resp.Body)
			}
		})
	}
	// Every failure is one JSON log line naming the route and the cause.
	lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
	if len(lines) != len(calls) {
		t.Fatalf("got %d log lines, want %d:\n%s", len(lines), len(calls), logs.String())
	}
	routes := map[string]bool{}
	for _, l := range lines {
		var rec struct {
			Level, Msg, Route, Error string
		}
		if err := json.Unmarshal([]byte(l), &rec); err != nil {
			t.Fatalf("log line is not JSON: %q", l)
		}
		if rec.Level != "ERROR" || !strings.Contains(rec.Error, "ResourceNotFoundException") {
			t.Errorf("log line %s: want level ERROR and the DynamoDB error", l)
		}
		routes[rec.Route] = true
	}
	for name := range calls {
		if !routes[name] {
			t.Errorf("no log line for route %s", name)
		}
	}
}
