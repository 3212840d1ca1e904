package polls

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"strings"

	"github.com/aws/aws-lambda-go/events"

	"github.com/gureum-cdk/gureum/functions/internal/jsontext"
)

// Handler serves the poll routes as API Gateway REST proxy integrations. Its
// methods never return a Go error: every outcome, including an unexpected
// failure, is an HTTP response with a JSON body.
type Handler struct {
	store *Store
	log   *slog.Logger
}

// NewHandler returns a Handler over store that logs unexpected failures to
// logger (slog.Default() if nil).
func NewHandler(store *Store, logger *slog.Logger) *Handler {
	if logger == nil {
		logger = slog.Default()
	}
	return &Handler{store: store, log: logger}
}

// createPollRequest is the body of POST /polls.
type createPollRequest struct {
	Question string   `json:"question"`
	Options  []string `json:"options"`
}

// voteRequest is the body of POST /polls/{id}/votes.
type voteRequest struct {
	Option  string `json:"option"`
	VoterID string `json:"voterId"`
}

// VoteResponse is the body of a successful POST /polls/{id}/votes.
type VoteResponse struct {
	PollID string `json:"pollId"`
	Option string `json:"option"`
}

// errorBody is the body of every error response.
type errorBody struct {
	Error string `json:"error"`
}

// httpError is a failure with the status and message the client sees.
type httpError struct {
	status int
	msg    string
}

func badRequest(format string, args ...any) *httpError {
	return &httpError{http.StatusBadRequest, fmt.Sprintf(format, args...)}
}

// CreatePoll serves POST /polls: 201 with the new poll.
func (h *Handler) CreatePoll(ctx context.Context, req events.APIGatewayProxyRequest) (resp events.APIGatewayProxyResponse, _ error) {
	defer h.recoverTo(ctx, "CreatePoll", req, &resp)
	var in createPollRequest
	if e := decodeBody(req, &in); e != nil {
		return errorResponse(e), nil
	}
	question, options, err := ValidatePoll(in.Question, in.Options)
	if err != nil {
		return errorResponse(badRequest("%s", err)), nil
	}
	p, err := h.store.CreatePoll(ctx, question, options)
	if err != nil {
		return h.internalError(ctx, "CreatePoll", req, err), nil
	}
	return jsonResponse(http.StatusCreated, p), nil
}

// GetPoll serves GET /polls/{id}: 200 with the poll and its live counts.
func (h *Handler) GetPoll(ctx context.Context, req events.APIGatewayProxyRequest) (resp events.APIGatewayProxyResponse, _ error) {
	defer h.recoverTo(ctx, "GetPoll", req, &resp)
	id, e := pollID(req)
	if e != nil {
		return errorResponse(e), nil
	}
	p, err := h.store.GetPoll(ctx, id)
	switch {
	case errors.Is(err, ErrPollNotFound):
		return errorResponse(&httpError{http.StatusNotFound, err.Error()}), nil
	case err != nil:
		return h.internalError(ctx, "GetPoll", req, err), nil
	}
	return jsonResponse(http.StatusOK, p), nil
}

// CastVote serves POST /polls/{id}/votes: 201 when the vote was counted;
// 404 unknown poll, 400 unknown option, 409 voter already voted, 503 too much
// contention (not counted, safe to retry).
func (h *Handler) CastVote(ctx context.Context, req events.APIGatewayProxyRequest) (resp events.APIGatewayProxyResponse, _ error) {
	defer h.recoverTo(ctx, "CastVote", req, &resp)
	id, e := pollID(req)
	if e != nil {
		return errorResponse(e), nil
	}
	var in voteRequest
	if e := decodeBody(req, &in); e != nil {
		return errorResponse(e), nil
	}
	option, err := ValidateOption(in.Option)
	if err != nil {
		return errorResponse(badRequest("%s", err)), nil
	}
	voter, ok := authenticatedVoter(req.RequestContext)
	if !ok {
		if err := ValidateVoterID(in.VoterID); err != nil {
			return errorResponse(badRequest("%s", err)), nil
		}
		voter = voterKey("client", in.VoterID)
	}
	err = h.store.CastVote(ctx, id, voter, option)
	switch {
	case err == nil:
		return jsonResponse(http.StatusCreated, VoteResponse{PollID: id, Option: option}), nil
	case errors.Is(err, ErrPollNotFound):
		return errorResponse(&httpError{http.StatusNotFound, err.Error()}), nil
	case errors.Is(err, ErrInvalidOption):
		return errorResponse(badRequest("%s", err)), nil
	case errors.Is(err, ErrAlreadyVoted):
		return errorResponse(&httpError{http.StatusConflict, err.Error()}), nil
	case errors.Is(err, ErrBusy):
		h.log.WarnContext(ctx, "vote not counted: contention", logAttrs("CastVote", req, err)...)
		r := errorResponse(&httpError{http.StatusServiceUnavailable, "poll is busy, vote not counted; retry later"})
		r.Headers["Retry-After"] = "1"
		return r, nil
	default:
		return h.internalError(ctx, "CastVote", req, err), nil
	}
}

// authenticatedVoter returns the caller's identity as API Gateway verified
// it, namespaced by its source so that no kind of id can impersonate another.
func authenticatedVoter(rc events.APIGatewayProxyRequestContext) (string, bool) {
	if claims, ok := rc.Authorizer["claims"].(map[string]any); ok {
		if sub, ok := claims["sub"].(string); ok && sub != "" {
			return voterKey("cognito-user", sub), true
		}
	}
	if p, ok := rc.Authorizer["principalId"].(string); ok && p != "" {
		return voterKey("principal", p), true
	}
	// A Cognito identity pool's callers share one role ARN, so their
	// identity id comes before the ARN.
	if id := rc.Identity.CognitoIdentityID; id != "" {
		return voterKey("cognito-identity", id), true
	}
	if arn := rc.Identity.UserArn; arn != "" {
		return voterKey("iam", arn), true
	}
	return "", false
}

// maxVoterKeyLen keeps a voter's sort key well under DynamoDB's 1,024-byte
// limit; longer identities are stored as their SHA-256.
const maxVoterKeyLen = 512

func voterKey(kind, id string) string {
	k := kind + ":" + id
	if len(k) > maxVoterKeyLen {
		sum := sha256.Sum256([]byte(id))
		k = kind + "-sha256:" + hex.EncodeToString(sum[:])
	}
	return k
}

// pollID returns the validated {id} path parameter.
func pollID(req events.APIGatewayProxyRequest) (string, *httpError) {
	id, ok := req.PathParameters["id"]
	if !ok || id == "" {
		return "", badRequest("missing path parameter id")
	}
	if !ValidPollID(id) {
		return "", badRequest("invalid poll id: want 32 lowercase hex digits")
	}
	return id, nil
}

// decodeBody parses the request body as exactly one JSON object into dst,
// rejecting unknown fields.
func decodeBody(req events.APIGatewayProxyRequest, dst any) *httpError {
	if ct := header(req, "Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
			return &httpError{http.StatusUnsupportedMediaType, "Content-Type must be application/json"}
		}
	}
	body := []byte(req.Body)
	if req.IsBase64Encoded {
		if len(body) > base64.StdEncoding.EncodedLen(MaxBodyBytes) {
			return tooLarge()
		}
		var err error
		if body, err = base64.StdEncoding.DecodeString(req.Body); err != nil {
			return badRequest("request body is not valid base64")
		}
	}
	if len(body) > MaxBodyBytes {
		return tooLarge()
	}
	body = bytes.TrimSpace(body)
	if len(body) == 0 {
		return badRequest("request body is required")
	}
	if body[0] != '{' {
		return badRequest("request body must be a JSON object")
	}
	// encoding/json would store invalid UTF-8 and lone surrogates as U+FFFD.
	if err := jsontext.Check(body); err != nil {
		return badRequest("request body is not Unicode text: %s", err)
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return badRequest("%s", jsonErrorMessage(err))
	}
	if _, err := dec.Token(); err != io.EOF {
		return badRequest("request body must hold a single JSON object")
	}
	return nil
}

func tooLarge() *httpError {
	return &httpError{http.StatusRequestEntityTooLarge, fmt.Sprintf("request body must be at most %d bytes", MaxBodyBytes)}
}

// jsonErrorMessage turns an encoding/json error into a message for the client.
func jsonErrorMessage(err error) string {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return fmt.Sprintf("malformed JSON at byte %d", syn.Offset)
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return "malformed JSON: unexpected end of body"
	case errors.As(err, &typ):
		if typ.Field == "" {
			return fmt.Sprintf("request body must be a JSON object, not %s", typ.Value)
		}
		want, ok := fieldKinds[typ.Field]
		if !ok {
			want = "a " + typ.Type.String()
		}
		return fmt.Sprintf("field %q must be %s, not %s", typ.Field, want, typ.Value)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return "unknown field " + strings.TrimPrefix(err.Error(), "json: unknown field ")
	default:
		return "malformed JSON"
	}
}

// fieldKinds names the JSON type each request field takes.
var fieldKinds = map[string]string{
	"question": "a string",
	"options":  "an array of strings",
	"option":   "a string",
	"voterId":  "a string",
}

// header looks a request header up case-insensitively.
func header(req events.APIGatewayProxyRequest, name string) string {
	for k, v := range req.Headers {
		if strings.EqualFold(k, name) {
			return v
		}
	}
	for k, v := range req.MultiValueHeaders {
		if strings.EqualFold(k, name) && len(v) > 0 {
			return v[0]
		}
	}
	return ""
}

func jsonResponse(status int, v any) events.APIGatewayProxyResponse {
	b, err := json.Marshal(v)
	if err != nil {
		// Only the package's own response types reach here; they marshal.
		status, b = http.StatusInternalServerError, []byte(`{"error":"internal error"}`)
	}
	return events.APIGatewayProxyResponse{
		StatusCode: status,
		Headers: map[string]string{
			"Content-Type":           "application/json",
			"Cache-Control":          "no-store",
			"X-Content-Type-Options": "nosniff",
		},
		Body: string(b),
	}
}

func errorResponse(e *httpError) events.APIGatewayProxyResponse {
	return jsonResponse(e.status, errorBody{Error: e.msg})
}

// internalError logs err and answers 500 without revealing it.
func (h *Handler) internalError(ctx context.Context, route string, req events.APIGatewayProxyRequest, err error) events.APIGatewayProxyResponse {
	h.log.ErrorContext(ctx, "request failed", logAttrs(route, req, err)...)
	return errorResponse(&httpError{http.StatusInternalServerError, "internal error"})
}

// recoverTo turns a panic into a logged 500 instead of a Lambda failure
// (which API Gateway would answer with a bare 502).
func (h *Handler) recoverTo(ctx context.Context, route string, req events.APIGatewayProxyRequest, resp *events.APIGatewayProxyResponse) {
	if r := recover(); r != nil {
		*resp = h.internalError(ctx, route, req, fmt.Errorf("panic: %v", r))
	}
}

func logAttrs(route string, req events.APIGatewayProxyRequest, err error) []any {
	return []any{
		slog.String("route", route),
		slog.String("requestId", req.RequestContext.RequestID),
		slog.String("pollId", req.PathParameters["id"]),
		slog.String("error", err.Error()),
	}
}
