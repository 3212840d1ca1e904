package devices

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"strings"

	"github.com/aws/aws-lambda-go/events"
)

// MaxBodyBytes bounds a PUT /devices body.
const MaxBodyBytes = 4096

// RegisterRequest is the body of PUT /devices. The player is never part of
// it: it is the caller's Cognito identity.
type RegisterRequest struct {
	// Platform is "fcm" or "apns".
	Platform string `json:"platform"`
	// Token is the device token the platform gave the app.
	Token string `json:"token"`
}

// Handler serves the device routes as API Gateway REST proxy integrations.
// Its methods never return a Go error: every outcome is an HTTP response
// with a JSON body ({"error": "…"} for failures).
type Handler struct {
	Registry *Registry
	// Logger receives unexpected failures. Default: slog.Default().
	Logger *slog.Logger
}

type httpError struct {
	status int
	msg    string
}

// Register serves PUT /devices: 201 with the registration when the token is
// new for the player, 200 when it was refreshed; 400 for a malformed body or
// a token the platform never issues; 401 without a Cognito identity.
func (h *Handler) Register(ctx context.Context, req events.APIGatewayProxyRequest) (resp events.APIGatewayProxyResponse, _ error) {
	defer h.recoverTo(ctx, "Register", req, &resp)
	player, e := playerID(req)
	if e != nil {
		return errorResponse(e), nil
	}
	in, e := decodeRegister(req)
	if e != nil {
		return errorResponse(e), nil
	}
	token, err := NormalizeToken(in.Platform, in.Token)
	if err != nil {
		return errorResponse(&httpError{http.StatusBadRequest, err.Error()}), nil
	}
	if h.Registry.Endpoints.Apps[in.Platform] == "" {
		return errorResponse(&httpError{http.StatusBadRequest, fmt.Sprintf("platform %q is not enabled for this game", in.Platform)}), nil
	}
	d, created, err := h.Registry.Register(ctx, player, in.Platform, token)
	switch {
	case errors.Is(err, ErrBadToken):
		return errorResponse(&httpError{http.StatusBadRequest, "the push service refused the token"}), nil
	case err != nil:
		return h.internalError(ctx, "Register", req, err), nil
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	return jsonResponse(status, d), nil
}

// Unregister serves DELETE /devices/{token}: 204 whether or not the caller
// had the token registered (DELETE is idempotent); 400 for a malformed
// token; 401 without a Cognito identity.
func (h *Handler) Unregister(ctx context.Context, req events.APIGatewayProxyRequest) (resp events.APIGatewayProxyResponse, _ error) {
	defer h.recoverTo(ctx, "Unregister", req, &resp)
	player, e := playerID(req)
	if e != nil {
		return errorResponse(e), nil
	}
	raw := req.PathParameters["token"]
	if t, err := url.PathUnescape(raw); err == nil {
		raw = t
	}
	token, errA := NormalizeToken(PlatformAPNS, raw)
	if errA != nil {
		var errF error
		if token, errF = NormalizeToken(PlatformFCM, raw); errF != nil {
			return errorResponse(&httpError{http.StatusBadRequest, "the token is neither an APNs device token nor an FCM registration token"}), nil
		}
	}
	if _, err := h.Registry.Unregister(ctx, player, token); err != nil {
		return h.internalError(ctx, "Unregister", req, err), nil
	}
	return events.APIGatewayProxyResponse{StatusCode: http.StatusNoContent, Headers: headers()}, nil
}

// playerID is the caller's Cognito user (the authorizer's sub claim).
func playerID(req events.APIGatewayProxyRequest) (string, *httpError) {
	if claims, ok := req.RequestContext.Authorizer["claims"].(map[string]any); ok {
		if sub, ok := claims["sub"].(string); ok && sub != "" && len(sub) <= 128 {
			return sub, nil
		}
	}
	return "", &httpError{http.StatusUnauthorized, "the request carries no Cognito identity"}
}

func decodeRegister(req events.APIGatewayProxyRequest) (RegisterRequest, *httpError) {
	var in RegisterRequest
	if ct := header(req, "Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
			return in, &httpError{http.StatusUnsupportedMediaType, "Content-Type must be application/json"}
		}
	}
	body := []byte(req.Body)
	if req.IsBase64Encoded {
		var err error
		if body, err = base64.StdEncoding.DecodeString(req.Body); err != nil {
			return in, &httpError{http.StatusBadRequest, "request body is not valid base64"}
		}
	}
	if len(body) > MaxBodyBytes {
		return in, &httpError{http.StatusRequestEntityTooLarge, fmt.Sprintf("request body is larger than %d bytes", MaxBodyBytes)}
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		return in, &httpError{http.StatusBadRequest, "request body must be {\"platform\": \"fcm\"|\"apns\", \"token\": \"…\"}: " + err.Error()}
	}
	if dec.More() {
		return in, &httpError{http.StatusBadRequest, "request body has data after the JSON object"}
	}
	return in, nil
}

func header(req events.APIGatewayProxyRequest, name string) string {
	for k, v := range req.Headers {
		if strings.EqualFold(k, name) {
			return v
		}
	}
	return ""
}

func headers() map[string]string {
	return map[string]string{
		"Content-Type":           "application/json",
		"Cache-Control":          "no-store",
		"X-Content-Type-Options": "nosniff",
	}
}

func jsonResponse(status int, v any) events.APIGatewayProxyResponse {
	b, err := json.Marshal(v)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"error":"internal error"}`)
	}
	return events.APIGatewayProxyResponse{StatusCode: status, Headers: headers(), Body: string(b)}
}

func errorResponse(e *httpError) events.APIGatewayProxyResponse {
	return jsonResponse(e.status, map[string]string{"error": e.msg})
}

func (h *Handler) logger() *slog.Logger {
	if h.Logger != nil {
		return h.Logger
	}
	return slog.Default()
}

// internalError logs err (never the token) and answers 500.
func (h *Handler) internalError(ctx context.Context, route string, req events.APIGatewayProxyRequest, err error) events.APIGatewayProxyResponse {
	h.logger().ErrorContext(ctx, "request failed", "route", route, "requestId", req.RequestContext.RequestID, "error", err.Error())
	return errorResponse(&httpError{http.StatusInternalServerError, "internal error"})
}

func (h *Handler) recoverTo(ctx context.Context, route string, req events.APIGatewayProxyRequest, resp *events.APIGatewayProxyResponse) {
	if r := recover(); r != nil {
		*resp = h.internalError(ctx, route, req, fmt.Errorf("panic: %v", r))
	}
}
