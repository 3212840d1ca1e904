package polls

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
)

// httpAPIv1Event is a request as an HTTP API (API Gateway v2) delivers it
// to a Lambda integration with payload format 1.0, the format
// serverlessapi's HTTPAPI mode configures: the shape of the example in API
// Gateway's developer guide ("Create AWS Lambda proxy integrations for HTTP
// APIs"), with a JWT authorizer's claims at requestContext.authorizer.claims
// and the route's path parameters.
const httpAPIv1Event = `{
  "version": "1.0",
  "resource": "/polls/{id}/votes",
  "path": "/polls/POLLID/votes",
  "httpMethod": "POST",
  "headers": {"content-type": "application/json", "host": "id.execute-api.ap-northeast-2.amazonaws.com"},
  "multiValueHeaders": {"content-type": ["application/json"], "host": ["id.execute-api.ap-northeast-2.amazonaws.com"]},
  "queryStringParameters": null,
  "multiValueQueryStringParameters": null,
  "requestContext": {
    "accountId": "123456789012",
    "apiId": "id",
    "authorizer": {
      "claims": {"sub": "4a1b2c3d-0000-1111-2222-333344445555", "client_id": "client", "token_use": "access", "scope": "polls/vote"},
      "scopes": ["polls/vote"]
    },
    "domainName": "id.execute-api.ap-northeast-2.amazonaws.com",
    "domainPrefix": "id",
    "extendedRequestId": "request-id",
    "httpMethod": "POST",
    "identity": {"accessKey": null, "accountId": null, "caller": null, "cognitoAuthenticationProvider": null,
      "cognitoAuthenticationType": null, "cognitoIdentityId": null, "cognitoIdentityPoolId": null, "principalOrgId": null,
      "sourceIp": "198.51.100.7", "user": null, "userAgent": "curl/8", "userArn": null},
    "path": "/polls/POLLID/votes",
    "protocol": "HTTP/1.1",
    "requestId": "id=",
    "requestTime": "04/Mar/2020:19:15:17 +0000",
    "requestTimeEpoch": 1583349317135,
    "resourceId": null,
    "resourcePath": "/polls/{id}/votes",
    "stage": "prod"
  },
  "pathParameters": {"id": "POLLID"},
  "stageVariables": {"ranking": "v1"},
  "body": "{\"option\":\"a\",\"voterId\":\"someone-else\"}",
  "isBase64Encoded": false
}`

// TestHTTPAPIPayloadV1 runs a vote through CastVote as an HTTP API with a
// JWT authorizer delivers it (payload format 1.0): the handler parses it as
// it parses the REST API's event, and the voter is the token's subject, not
// the body's voterId.
func TestHTTPAPIPayloadV1(t *testing.T) {
	f := newFixture(t)
	p := f.createPoll(t, "q", "a", "b")
	var req events.APIGatewayProxyRequest
	if err := json.Unmarshal([]byte(strings.ReplaceAll(httpAPIv1Event, "POLLID", p.ID)), &req); err != nil {
		t.Fatal(err)
	}
	if voter, ok := authenticatedVoter(req.RequestContext); !ok || voter != "cognito-user:4a1b2c3d-0000-1111-2222-333344445555" {
		t.Errorf("voter %q, %v; want the JWT's subject", voter, ok)
	}
	resp, _ := f.h.CastVote(context.Background(), req)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("status %d, want 201 (body %s)", resp.StatusCode, resp.Body)
	}
	// The same subject again is the same voter, whatever voterId it sends.
	req.Body = `{"option":"b","voterId":"a-third-name"}`
	if resp, _ := f.h.CastVote(context.Background(), req); resp.StatusCode != http.StatusConflict {
		t.Errorf("second vote of the same subject: status %d, want 409 (body %s)", resp.StatusCode, resp.Body)
	}
	if got := f.getPoll(t, p.ID); got.TotalVotes != 1 || got.Counts["a"] != 1 {
		t.Errorf("counts %v total %d, want a single vote for a", got.Counts, got.TotalVotes)
	}
}

// TestHTTPAPIPayloadV1IAM: with IAM authorization the caller's ARN is at
// requestContext.identity.userArn in payload format 1.0, as in the REST
// API's event.
func TestHTTPAPIPayloadV1IAM(t *testing.T) {
	event := strings.Replace(httpAPIv1Event, `"userArn": null`, `"userArn": "arn:aws:iam::123456789012:user/alice"`, 1)
	event = strings.Replace(event, `"authorizer": {`, `"authorizer-unused": {`, 1)
	var req events.APIGatewayProxyRequest
	if err := json.Unmarshal([]byte(event), &req); err != nil {
		t.Fatal(err)
	}
	if voter, ok := authenticatedVoter(req.RequestContext); !ok || voter != "iam:arn:aws:iam::123456789012:user/alice" {
		t.Errorf("voter %q, %v; want the IAM caller", voter, ok)
	}
}
