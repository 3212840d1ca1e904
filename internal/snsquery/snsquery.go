// Package snsquery is an httptest server that speaks the Amazon SNS Query
// API (version 2010-03-31) for the mobile push actions gureum's handlers call:
// platform applications, platform endpoints and Publish to an endpoint.
//
// No local server implements these actions (goaws v0.4.5 implements topics,
// subscriptions and SQS only; fauxqs 2.4.1 says "Platform application, SMS,
// and phone number actions are not supported"), so the handler tests run the
// real AWS SDK client against this server at the wire level. Every request is
// checked against the SNS API Reference before it is served: the form-encoded
// Action and Version, a SigV4 Authorization header, only the parameters the
// action documents (required ones present), only the documented attribute
// names of platform applications (SetPlatformApplicationAttributes) and
// endpoints (SetEndpointAttributes) with their documented values, and for
// Publish with MessageStructure "json" a JSON object whose "default" key is a
// string. A request that breaks a rule gets SNS's InvalidParameter error and
// is recorded in Violations, so a test can fail on it.
//
// State follows the documented behaviour: CreatePlatformEndpoint returns the
// existing endpoint for a known token (and refuses one with the same token but
// different attributes), GetEndpointAttributes answers NotFound for a deleted
// endpoint, DeleteEndpoint is idempotent, and Publish to a disabled endpoint
// answers EndpointDisabled. Tests drive the push services' side through
// Disable (a provider reported the token invalid) and FailNext.
package snsquery

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// Version is the SNS API version every request must name.
const Version = "2010-03-31"

// Account and Region appear in the ARNs the server makes.
const (
	Account = "123456789012"
	Region  = "ap-northeast-2"
)

// actionParams lists, per action, the documented request parameters (after
// Action and Version) and whether each is required. "Attributes" stands for
// the Attributes.entry.N.key/value map; "MessageAttributes" for the
// MessageAttributes.entry.N.Name/Value.* map.
var actionParams = map[string]map[string]bool{
	"CreatePlatformApplication":        {"Name": true, "Platform": true, "Attributes": true},
	"SetPlatformApplicationAttributes": {"PlatformApplicationArn": true, "Attributes": true},
	"GetPlatformApplicationAttributes": {"PlatformApplicationArn": true},
	"DeletePlatformApplication":        {"PlatformApplicationArn": true},
	"CreatePlatformEndpoint":           {"PlatformApplicationArn": true, "Token": true, "CustomUserData": false, "Attributes": false},
	"GetEndpointAttributes":            {"EndpointArn": true},
	"SetEndpointAttributes":            {"EndpointArn": true, "Attributes": true},
	"DeleteEndpoint":                   {"EndpointArn": true},
	"Publish": {"TopicArn": false, "TargetArn": false, "PhoneNumber": false, "Message": true, "Subject": false,
		"MessageStructure": false, "MessageAttributes": false, "MessageDeduplicationId": false, "MessageGroupId": false},
}

// appAttributes are the platform application attributes
// SetPlatformApplicationAttributes documents.
var appAttributes = map[string]bool{
	"PlatformCredential": true, "PlatformPrincipal": true,
	"EventEndpointCreated": true, "EventEndpointDeleted": true, "EventEndpointUpdated": true, "EventDeliveryFailure": true,
	"SuccessFeedbackRoleArn": true, "FailureFeedbackRoleArn": true, "SuccessFeedbackSampleRate": true,
	"ApplePlatformTeamID": true, "ApplePlatformBundleID": true,
}

// endpointAttributes are the endpoint attributes SetEndpointAttributes
// documents.
var endpointAttributes = map[string]bool{"CustomUserData": true, "Enabled": true, "Token": true}

// platforms CreatePlatformApplication accepts.
var platforms = map[string]bool{
	"ADM": true, "APNS": true, "APNS_SANDBOX": true, "APNS_VOIP": true, "APNS_VOIP_SANDBOX": true,
	"MACOS": true, "MACOS_SANDBOX": true, "BAIDU": true, "GCM": true, "MPNS": true, "WNS": true,
}

var (
	appNameRE = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,256}$`)
	appArnRE  = regexp.MustCompile(`^arn:aws:sns:[a-z0-9-]+:\d{12}:app/([A-Z_]+)/([A-Za-z0-9_.-]+)$`)
	topicRE   = regexp.MustCompile(`^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$`)
	roleRE    = regexp.MustCompile(`^arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]+$`)
)

// App is a platform application the server holds.
type App struct {
	Arn, Name, Platform string
	Attributes          map[string]string
}

// Endpoint is a platform endpoint the server holds.
type Endpoint struct {
	Arn, AppArn, Platform string
	Attributes            map[string]string
}

// Delivery is one message Publish handed to an endpoint: Payload is the
// value the endpoint's platform gets (its key of a "json" message, or the
// whole message).
type Delivery struct {
	EndpointArn, Platform, Payload string
	MessageAttributes              map[string]string
}

// Call is one request the server answered.
type Call struct {
	Action string
	Params map[string]string
	// Code is the error code answered, "" for success.
	Code string
}

// Server is a running SNS Query API server.
type Server struct {
	*httptest.Server

	mu         sync.Mutex
	apps       map[string]*App
	endpoints  map[string]*Endpoint
	deliveries []Delivery
	calls      []Call
	violations []string
	failNext   map[string][]apiError
}

type apiError struct {
	status     int
	code, text string
}

// Start starts a server on a loopback port; Close stops it.
func Start() *Server {
	s := &Server{apps: map[string]*App{}, endpoints: map[string]*Endpoint{}, failNext: map[string][]apiError{}}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	return s
}

// Config returns an AWS configuration whose SNS clients reach this server.
func (s *Server) Config() aws.Config {
	return aws.Config{
		Region:       Region,
		BaseEndpoint: aws.String(s.URL),
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: "local", SecretAccessKey: "local", Source: "snsquery"}, nil
		}),
	}
}

// AppArn is the ARN CreatePlatformApplication gives an application.
func AppArn(platform, name string) string {
	return fmt.Sprintf("arn:aws:sns:%s:%s:app/%s/%s", Region, Account, platform, name)
}

// AddApp registers a platform application directly (as if created earlier)
// and returns its ARN.
func (s *Server) AddApp(platform, name string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	arn := AppArn(platform, name)
	s.apps[arn] = &App{Arn: arn, Name: name, Platform: platform, Attributes: map[string]string{}}
	return arn
}

// Apps returns copies of the platform applications.
func (s *Server) Apps() map[string]App {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]App{}
	for k, a := range s.apps {
		c := *a
		c.Attributes = copyMap(a.Attributes)
		out[k] = c
	}
	return out
}

// Endpoint returns a copy of the endpoint with arn, or false.
func (s *Server) Endpoint(arn string) (Endpoint, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.endpoints[arn]
	if !ok {
		return Endpoint{}, false
	}
	c := *e
	c.Attributes = copyMap(e.Attributes)
	return c, true
}

// Endpoints returns how many endpoints exist.
func (s *Server) Endpoints() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.endpoints)
}

// Disable marks an endpoint disabled, as SNS does when APNs or FCM reports
// its token invalid.
func (s *Server) Disable(arn string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if e, ok := s.endpoints[arn]; ok {
		e.Attributes["Enabled"] = "false"
	}
}

// SetToken changes an endpoint's token, as SNS does when FCM reports a
// canonical (newer) registration token.
func (s *Server) SetToken(arn, token string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if e, ok := s.endpoints[arn]; ok {
		e.Attributes["Token"] = token
	}
}

// DeleteEndpointNow removes an endpoint behind the client's back.
func (s *Server) DeleteEndpointNow(arn string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.endpoints, arn)
}

// FailNext makes the next n calls of action answer the error code with the
// HTTP status (e.g. 400 "Throttled", 500 "InternalError").
func (s *Server) FailNext(action string, n, status int, code string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := 0; i < n; i++ {
		s.failNext[action] = append(s.failNext[action], apiError{status, code, "injected by the test"})
	}
}

// Deliveries returns the messages Publish handed to endpoints.
func (s *Server) Deliveries() []Delivery {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Delivery(nil), s.deliveries...)
}

// Calls returns every request answered, in order.
func (s *Server) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Call(nil), s.calls...)
}

// Count returns how many calls of action were answered.
func (s *Server) Count(action string) int {
	n := 0
	for _, c := range s.Calls() {
		if c.Action == action {
			n++
		}
	}
	return n
}

// Violations returns every way a request broke the API Reference.
func (s *Server) Violations() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.violations...)
}

func copyMap(m map[string]string) map[string]string {
	c := make(map[string]string, len(m))
	for k, v := range m {
		c[k] = v
	}
	return c
}

// request is one parsed Query API request.
type request struct {
	action     string
	params     map[string]string
	attributes map[string]string
	msgAttrs   map[string]string
	hasAttrs   bool
	hasMsgAttr bool
}

var (
	attrEntryRE    = regexp.MustCompile(`^Attributes\.entry\.(\d+)\.(key|value)$`)
	msgAttrEntryRE = regexp.MustCompile(`^MessageAttributes\.entry\.(\d+)\.(Name|Value\.DataType|Value\.StringValue|Value\.BinaryValue)$`)
)

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		s.fail(w, "", nil, apiError{405, "InvalidAction", "the Query API is POSTed"})
		return
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/x-www-form-urlencoded") {
		s.violate(w, "", nil, "Content-Type %q is not application/x-www-form-urlencoded", ct)
		return
	}
	if !strings.HasPrefix(r.Header.Get("Authorization"), "AWS4-HMAC-SHA256 Credential=") {
		s.fail(w, "", nil, apiError{403, "InvalidClientTokenId", "request is not signed with SigV4"})
		return
	}
	if err := r.ParseForm(); err != nil {
		s.violate(w, "", nil, "form does not parse: %v", err)
		return
	}
	req, problem := parse(r.PostForm)
	if problem != "" {
		s.violate(w, req.action, req.params, "%s", problem)
		return
	}
	s.mu.Lock()
	if q := s.failNext[req.action]; len(q) > 0 {
		s.failNext[req.action] = q[1:]
		s.mu.Unlock()
		s.fail(w, req.action, req.params, q[0])
		return
	}
	s.mu.Unlock()
	result, aerr, violation := s.do(req)
	switch {
	case violation != "":
		s.violate(w, req.action, req.params, "%s", violation)
	case aerr != nil:
		s.fail(w, req.action, req.params, *aerr)
	default:
		s.record(Call{Action: req.action, Params: req.params})
		w.Header().Set("Content-Type", "text/xml")
		fmt.Fprintf(w, `<%sResponse xmlns="http://sns.amazonaws.com/doc/%s/"><%sResult>%s</%sResult><ResponseMetadata><RequestId>%s</RequestId></ResponseMetadata></%sResponse>`,
			req.action, Version, req.action, result, req.action, newID(), req.action)
	}
}

// parse checks the request's parameters against the action's documented
// ones.
func parse(form map[string][]string) (request, string) {
	req := request{params: map[string]string{}, attributes: map[string]string{}, msgAttrs: map[string]string{}}
	for k, v := range form {
		if len(v) != 1 {
			return req, fmt.Sprintf("parameter %s given %d times", k, len(v))
		}
	}
	req.action = first(form["Action"])
	if form["Version"] == nil || first(form["Version"]) != Version {
		return req, fmt.Sprintf("Version %q, want %s", first(form["Version"]), Version)
	}
	documented, ok := actionParams[req.action]
	if !ok {
		return req, fmt.Sprintf("action %q is not one this server implements", req.action)
	}
	keys := map[string]string{}
	values := map[string]string{}
	msgNames := map[string]string{}
	msgValues := map[string]string{}
	for k, v := range form {
		val := first(v)
		switch {
		case k == "Action" || k == "Version":
			continue
		case attrEntryRE.MatchString(k):
			if _, ok := documented["Attributes"]; !ok {
				return req, fmt.Sprintf("%s does not take Attributes", req.action)
			}
			m := attrEntryRE.FindStringSubmatch(k)
			if m[2] == "key" {
				keys[m[1]] = val
			} else {
				values[m[1]] = val
			}
			req.hasAttrs = true
		case msgAttrEntryRE.MatchString(k):
			if _, ok := documented["MessageAttributes"]; !ok {
				return req, fmt.Sprintf("%s does not take MessageAttributes", req.action)
			}
			m := msgAttrEntryRE.FindStringSubmatch(k)
			switch m[2] {
			case "Name":
				msgNames[m[1]] = val
			case "Value.StringValue":
				msgValues[m[1]] = val
			}
			req.hasMsgAttr = true
		default:
			if _, ok := documented[k]; !ok {
				return req, fmt.Sprintf("%s has no parameter %q", req.action, k)
			}
			req.params[k] = val
		}
	}
	for n, k := range keys {
		v, ok := values[n]
		if !ok {
			return req, fmt.Sprintf("Attributes.entry.%s has a key and no value", n)
		}
		req.attributes[k] = v
	}
	for n, name := range msgNames {
		req.msgAttrs[name] = msgValues[n]
	}
	for p, required := range documented {
		if !required {
			continue
		}
		switch p {
		case "Attributes":
			if !req.hasAttrs {
				return req, fmt.Sprintf("%s requires Attributes", req.action)
			}
		default:
			if req.params[p] == "" {
				return req, fmt.Sprintf("%s requires %s", req.action, p)
			}
		}
	}
	return req, ""
}

func first(v []string) string {
	if len(v) == 0 {
		return ""
	}
	return v[0]
}

func attributesXML(m map[string]string) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteString("<Attributes>")
	for _, k := range keys {
		b.WriteString("<entry><key>")
		xml.EscapeText(&b, []byte(k))
		b.WriteString("</key><value>")
		xml.EscapeText(&b, []byte(m[k]))
		b.WriteString("</value></entry>")
	}
	b.WriteString("</Attributes>")
	return b.String()
}

func invalid(format string, args ...any) *apiError {
	return &apiError{400, "InvalidParameter", "Invalid parameter: " + fmt.Sprintf(format, args...)}
}

func notFound(what string) *apiError {
	return &apiError{404, "NotFound", what + " does not exist"}
}

// do serves a parsed request. A violation is a request the API Reference
// rules out; an apiError is SNS refusing a well-formed request.
func (s *Server) do(req request) (result string, aerr *apiError, violation string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := req.params
	switch req.action {
	case "CreatePlatformApplication":
		if !appNameRE.MatchString(p["Name"]) {
			return "", nil, fmt.Sprintf("Name %q breaks the documented pattern [A-Za-z0-9_.-]{1,256}", p["Name"])
		}
		if !platforms[p["Platform"]] {
			return "", nil, fmt.Sprintf("Platform %q is not a documented platform", p["Platform"])
		}
		if v := checkAppAttributes(p["Platform"], req.attributes, true); v != "" {
			return "", nil, v
		}
		arn := AppArn(p["Platform"], p["Name"])
		s.apps[arn] = &App{Arn: arn, Name: p["Name"], Platform: p["Platform"], Attributes: copyMap(req.attributes)}
		return "<PlatformApplicationArn>" + arn + "</PlatformApplicationArn>", nil, ""
	case "SetPlatformApplicationAttributes":
		app, ok := s.apps[p["PlatformApplicationArn"]]
		if !ok {
			return "", notFound("PlatformApplication"), ""
		}
		if v := checkAppAttributes(app.Platform, req.attributes, false); v != "" {
			return "", nil, v
		}
		for k, v := range req.attributes {
			app.Attributes[k] = v
		}
		return "", nil, ""
	case "GetPlatformApplicationAttributes":
		app, ok := s.apps[p["PlatformApplicationArn"]]
		if !ok {
			return "", notFound("PlatformApplication"), ""
		}
		shown := copyMap(app.Attributes)
		delete(shown, "PlatformCredential") // SNS never returns the credential
		return attributesXML(shown), nil, ""
	case "DeletePlatformApplication":
		arn := p["PlatformApplicationArn"]
		delete(s.apps, arn)
		for k, e := range s.endpoints {
			if e.AppArn == arn {
				delete(s.endpoints, k)
			}
		}
		return "", nil, ""
	case "CreatePlatformEndpoint":
		app, ok := s.apps[p["PlatformApplicationArn"]]
		if !ok {
			return "", notFound("PlatformApplication"), ""
		}
		for k := range req.attributes {
			if !endpointAttributes[k] {
				return "", nil, fmt.Sprintf("endpoint attribute %q is not documented", k)
			}
		}
		if v := checkToken(app.Platform, p["Token"]); v != "" {
			return "", invalid("Token Reason: %s", v), ""
		}
		want := copyMap(req.attributes)
		if cud, ok := p["CustomUserData"]; ok {
			want["CustomUserData"] = cud
		}
		for _, e := range s.endpoints {
			if e.AppArn == app.Arn && e.Attributes["Token"] == p["Token"] {
				for k, v := range want {
					if e.Attributes[k] != v {
						return "", invalid("Token Reason: Endpoint %s already exists with the same Token, but different attributes.", e.Arn), ""
					}
				}
				return "<EndpointArn>" + e.Arn + "</EndpointArn>", nil, ""
			}
		}
		arn := fmt.Sprintf("arn:aws:sns:%s:%s:endpoint/%s/%s/%s", Region, Account, app.Platform, app.Name, newUUID())
		attrs := map[string]string{"Enabled": "true", "Token": p["Token"]}
		for k, v := range want {
			attrs[k] = v
		}
		s.endpoints[arn] = &Endpoint{Arn: arn, AppArn: app.Arn, Platform: app.Platform, Attributes: attrs}
		return "<EndpointArn>" + arn + "</EndpointArn>", nil, ""
	case "GetEndpointAttributes":
		e, ok := s.endpoints[p["EndpointArn"]]
		if !ok {
			return "", notFound("Endpoint"), ""
		}
		return attributesXML(e.Attributes), nil, ""
	case "SetEndpointAttributes":
		e, ok := s.endpoints[p["EndpointArn"]]
		if !ok {
			return "", notFound("Endpoint"), ""
		}
		for k, v := range req.attributes {
			if !endpointAttributes[k] {
				return "", nil, fmt.Sprintf("endpoint attribute %q is not documented", k)
			}
			if k == "Enabled" && v != "true" && v != "false" {
				return "", nil, fmt.Sprintf("Enabled %q is not true or false", v)
			}
			if k == "CustomUserData" && len(v) >= 2048 {
				return "", nil, "CustomUserData must be less than 2 KB"
			}
		}
		for k, v := range req.attributes {
			e.Attributes[k] = v
		}
		return "", nil, ""
	case "DeleteEndpoint":
		delete(s.endpoints, p["EndpointArn"])
		return "", nil, ""
	case "Publish":
		return s.publish(req)
	}
	return "", nil, "unreachable action " + req.action
}

func checkAppAttributes(platform string, attrs map[string]string, create bool) string {
	for k, v := range attrs {
		if !appAttributes[k] {
			return fmt.Sprintf("platform application attribute %q is not documented", k)
		}
		switch k {
		case "SuccessFeedbackSampleRate":
			if n, err := strconv.Atoi(v); err != nil || n < 0 || n > 100 {
				return fmt.Sprintf("SuccessFeedbackSampleRate %q is not a percentage 0-100", v)
			}
		case "SuccessFeedbackRoleArn", "FailureFeedbackRoleArn":
			if !roleRE.MatchString(v) {
				return fmt.Sprintf("%s %q is not an IAM role ARN", k, v)
			}
		case "EventEndpointCreated", "EventEndpointDeleted", "EventEndpointUpdated", "EventDeliveryFailure":
			if v != "" && !topicRE.MatchString(v) {
				return fmt.Sprintf("%s %q is not a topic ARN", k, v)
			}
		}
	}
	apple := strings.HasPrefix(platform, "APNS") || strings.HasPrefix(platform, "MACOS")
	if create && attrs["PlatformCredential"] == "" {
		return "CreatePlatformApplication requires the PlatformCredential attribute"
	}
	if create && apple && attrs["PlatformPrincipal"] == "" {
		return "an Apple platform application requires PlatformPrincipal (the signing key ID, or the certificate)"
	}
	if _, ok := attrs["PlatformPrincipal"]; ok && platform == "GCM" {
		return "GCM (Firebase Cloud Messaging) has no PlatformPrincipal"
	}
	if (attrs["ApplePlatformTeamID"] != "" || attrs["ApplePlatformBundleID"] != "") && !apple {
		return "ApplePlatformTeamID and ApplePlatformBundleID apply to Apple platforms only"
	}
	if platform == "GCM" && attrs["PlatformCredential"] != "" {
		// Token credentials for FCM HTTP v1 are the service account's JSON
		// key file.
		var key struct {
			Type       string `json:"type"`
			ProjectID  string `json:"project_id"`
			PrivateKey string `json:"private_key"`
		}
		if err := json.Unmarshal([]byte(attrs["PlatformCredential"]), &key); err != nil || key.Type != "service_account" || key.ProjectID == "" || key.PrivateKey == "" {
			return "the GCM PlatformCredential is not a service account JSON key file"
		}
	}
	return ""
}

var hexRE = regexp.MustCompile(`^[0-9a-fA-F]+$`)

// checkToken rejects tokens the platforms never issue, as SNS does.
func checkToken(platform, token string) string {
	if strings.HasPrefix(platform, "APNS") && (!hexRE.MatchString(token) || len(token) > 400) {
		return "iOS device tokens must be no more than 400 hexadecimal characters"
	}
	return ""
}

func (s *Server) publish(req request) (string, *apiError, string) {
	p := req.params
	targets := 0
	for _, k := range []string{"TopicArn", "TargetArn", "PhoneNumber"} {
		if p[k] != "" {
			targets++
		}
	}
	if targets != 1 {
		return "", nil, "Publish needs exactly one of TopicArn, TargetArn or PhoneNumber"
	}
	if p["TargetArn"] == "" {
		return "", nil, "this server publishes to platform endpoints (TargetArn) only"
	}
	e, ok := s.endpoints[p["TargetArn"]]
	if !ok {
		return "", notFound("Endpoint"), ""
	}
	payload := p["Message"]
	switch p["MessageStructure"] {
	case "":
	case "json":
		var m map[string]any
		if err := json.Unmarshal([]byte(payload), &m); err != nil {
			return "", invalid("Message Structure - JSON message body failed to parse"), ""
		}
		if _, ok := m["default"].(string); !ok {
			return "", invalid("Message Structure - No default entry in JSON message body"), ""
		}
		for k, v := range m {
			if _, ok := v.(string); !ok {
				return "", invalid("Message Structure - the value of %q is not a string", k), ""
			}
		}
		if v, ok := m[e.Platform].(string); ok {
			payload = v
		} else {
			payload = m["default"].(string)
		}
	default:
		return "", nil, fmt.Sprintf("MessageStructure %q is not json", p["MessageStructure"])
	}
	if len(p["Message"]) > 256*1024 {
		return "", invalid("Message too long"), ""
	}
	if e.Attributes["Enabled"] != "true" {
		return "", &apiError{400, "EndpointDisabled", "Endpoint is disabled"}, ""
	}
	s.deliveries = append(s.deliveries, Delivery{EndpointArn: e.Arn, Platform: e.Platform, Payload: payload, MessageAttributes: copyMap(req.msgAttrs)})
	return "<MessageId>" + newUUID() + "</MessageId>", nil, ""
}

func (s *Server) record(c Call) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = append(s.calls, c)
}

func (s *Server) violate(w http.ResponseWriter, action string, params map[string]string, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	s.mu.Lock()
	s.violations = append(s.violations, action+": "+msg)
	s.mu.Unlock()
	s.fail(w, action, params, apiError{400, "InvalidParameter", "Invalid parameter: " + msg})
}

func (s *Server) fail(w http.ResponseWriter, action string, params map[string]string, e apiError) {
	s.record(Call{Action: action, Params: params, Code: e.code})
	typ := "Sender"
	if e.status >= 500 {
		typ = "Receiver"
	}
	w.Header().Set("Content-Type", "text/xml")
	w.WriteHeader(e.status)
	var msg strings.Builder
	xml.EscapeText(&msg, []byte(e.text))
	fmt.Fprintf(w, `<ErrorResponse xmlns="http://sns.amazonaws.com/doc/%s/"><Error><Type>%s</Type><Code>%s</Code><Message>%s</Message></Error><RequestId>%s</RequestId></ErrorResponse>`,
		Version, typ, e.code, msg.String(), newID())
}

func newID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func newUUID() string {
	h := newID()
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}
