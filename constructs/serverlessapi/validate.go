package serverlessapi

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/constructs-go/constructs/v10"

	"github.com/gureum-cdk/gureum/constructs/internal/golambda"
	"github.com/gureum-cdk/gureum/constructs/internal/validate"
)

var (
	// API Gateway: "Stage names can only contain alphanumeric characters,
	// hyphens, and underscores. Maximum length is 128 characters."
	stageNameRE  = regexp.MustCompile(`^[A-Za-z0-9_-]{1,128}$`)
	literalSegRE = regexp.MustCompile(`^[A-Za-z0-9._~:@!$&'()*,;=-]+$`)
	paramSegRE   = regexp.MustCompile(`^\{[A-Za-z_][A-Za-z0-9_]*\+?\}$`)
	webACLArnRE  = regexp.MustCompile(`^arn:aws[a-z-]*:wafv2:[a-z0-9-]+:\d{12}:regional/webacl/[^/]+/[^/]+$`)
	// AWS WAF: a rule name is 1-128 word characters or hyphens.
	wafRuleNameRE = regexp.MustCompile(`^[A-Za-z0-9_-]{1,128}$`)
	// API Gateway: "Variable names can have alphanumeric and underscore
	// characters, and the values must match [A-Za-z0-9-._~:/?#&=,]+."
	stageVarNameRE  = regexp.MustCompile(`^[A-Za-z0-9_]+$`)
	stageVarValueRE = regexp.MustCompile(`^[A-Za-z0-9\-._~:/?#&=,]+$`)
	methods         = map[string]bool{"GET": true, "POST": true, "PUT": true, "PATCH": true, "DELETE": true, "HEAD": true, "ANY": true}
	wafWindows      = map[time.Duration]bool{time.Minute: true, 2 * time.Minute: true, 5 * time.Minute: true, 10 * time.Minute: true}
)

// resolve applies the defaults (withDefaults) and reports every invalid
// prop at once. Checks of what a caller set read the props.
func resolve(scope constructs.Construct, id string, p *Props) (*config, error) {
	v := validate.New("serverlessapi", scope, id)
	if p == nil {
		v.Addf("Props", "must not be nil: at least Routes is required")
		return nil, v.Err()
	}
	c := withDefaults(p)
	if len(p.Routes) == 0 {
		v.Addf("Routes", "at least one route is required")
	}
	bound := true
	if p.OpenAPI != nil {
		bound = bindOpenAPI(v, p, c)
	}
	seen := map[string]int{}
	ids := map[string]int{}       // construct id -> the route that takes it
	params := map[string]string{} // parent path -> its {parameter} child
	paramOf := map[string]int{}   // parent path -> the route that set it
	for i, r := range c.Routes {
		prop := fmt.Sprintf("Routes[%d]", i)
		methodProp, pathProp := prop+".Method", prop+".Path"
		checkRoute := true
		if p.OpenAPI != nil {
			// The document declares the method and path: a problem with
			// them names the operation.
			methodProp, pathProp = c.spec[i].ref, c.spec[i].ref
			checkRoute = bound && c.spec[i].ref != ""
		} else {
			v.Check(r.OperationID == "", prop+".OperationID", "is set without OpenAPI: only an OpenAPI document's operations are bound by operationId")
		}
		if checkRoute {
			method := strings.ToUpper(r.Method)
			okMethod := v.Check(methods[method], methodProp, "%q is not one of GET, POST, PUT, PATCH, DELETE, HEAD, ANY (OPTIONS is answered by CORS)", r.Method)
			okPath := checkPath(v, pathProp, r.Path)
			key := method + " " + r.Path
			j, dup := seen[key]
			if dup {
				v.Addf(prop, "%s duplicates Routes[%d]", key, j)
			} else {
				seen[key] = i
			}
			if okMethod && okPath && !dup {
				checkRouteIDs(v, c.Routes, i, ids)
				checkSiblingParams(v, c.Routes, i, params, paramOf)
			}
		}
		if err := golambda.CheckEntry(r.Entry); err != nil {
			v.Addf(prop+".Entry", "%v", err)
		}
		v.Check(r.Access >= ReadOnly && r.Access <= NoTableAccess, prop+".Access", "unknown access level %d", int(r.Access))
		checkActions(v, prop, r)
		checkThrottle(v, prop+".Throttle", r.Throttle)
		checkFunction(v, prop, p.Routes[i].MemoryMB, p.Routes[i].Timeout, p.Routes[i].ReservedConcurrency)
		for k := range r.Environment {
			v.Check(k != "TABLE_NAME", prop+".Environment", "TABLE_NAME is set by the construct")
		}
		if p.HTTPAPI {
			v.Check(r.RequestSchema == nil, prop+".RequestSchema", "is set with HTTPAPI: an HTTP API does not validate requests (use the REST API, or validate in the handler)")
		}
	}
	v.Check(p.StageName == "" || stageNameRE.MatchString(p.StageName), "StageName", "%q must be 1-128 letters, digits, hyphens or underscores", p.StageName)
	checkThrottle(v, "Throttle", p.Throttle)
	checkFunction(v, "Function", p.Function.MemoryMB, p.Function.Timeout, p.Function.ReservedConcurrency)
	v.Check(p.Function.LogLevel == "" || slices.Contains(LogLevels, strings.ToUpper(p.Function.LogLevel)), "Function.LogLevel",
		"%q is not one of Lambda's log levels %s", p.Function.LogLevel, strings.Join(LogLevels, ", "))
	v.Check(!p.GatewayErrors.Disable || p.GatewayErrors.Template == "", "GatewayErrors.Disable", "is set together with GatewayErrors.Template")
	v.Check(p.GatewayErrors.Template == "" || strings.TrimSpace(p.GatewayErrors.Template) != "", "GatewayErrors.Template", "is blank: leave it empty for the default or give a body")

	if p.ExistingTable != nil && !p.Table.isZero() {
		v.Addf("ExistingTable", "is set together with Table: use one or the other")
	}
	if p.Table.NoSortKey && p.Table.SortKey != nil {
		v.Addf("Table.SortKey", "is set together with Table.NoSortKey")
	}
	if len(p.Auth.Scopes) > 0 && len(p.Auth.UserPools) == 0 {
		v.Addf("Auth.Scopes", "need Auth.UserPools: OAuth scopes apply to Cognito authorization only")
	}
	if k := p.APIKeys; k != nil {
		v.Check(k.QuotaPerDay >= 0, "APIKeys.QuotaPerDay", "must not be negative, got %d", k.QuotaPerDay)
		checkThrottle(v, "APIKeys.Throttle", k.Throttle)
	}
	if c := p.CORS; c != nil {
		v.Check(len(c.AllowOrigins) > 0, "CORS.AllowOrigins", "at least one origin is required")
		for _, o := range c.AllowOrigins {
			if o == "*" && c.AllowCredentials {
				v.Addf("CORS.AllowOrigins", `"*" cannot be combined with AllowCredentials`)
			}
		}
		v.Check(c.MaxAge >= 0, "CORS.MaxAge", "must not be negative")
	}
	checkWAF(v, p.WAF, p.HTTPAPI)
	checkStageVariables(v, "StageVariables", p.StageVariables)
	if k := p.Canary; k != nil {
		v.Check(!math.IsNaN(k.PercentTraffic) && k.PercentTraffic >= 0 && k.PercentTraffic <= 100, "Canary.PercentTraffic", "%g is not a percentage from 0 to 100", k.PercentTraffic)
		v.Check(len(k.StageVariableOverrides) > 0, "Canary.StageVariableOverrides", "are required: a canary without them serves exactly what the stage serves")
		checkStageVariables(v, "Canary.StageVariableOverrides", k.StageVariableOverrides)
	}
	if p.HTTPAPI {
		checkHTTPAPI(v, p)
	} else if len(p.Auth.UserPoolClients) > 0 {
		v.Addf("Auth.UserPoolClients", "apply to the HTTP API's JWT authorizer only: the REST API's Cognito authorizer accepts tokens of any client of Auth.UserPools")
	}
	a := p.Alarms
	v.Check(a.ServerErrorRate >= 0 && a.ServerErrorRate <= 1, "Alarms.ServerErrorRate", "%g is not a share between 0 and 1", a.ServerErrorRate)
	v.Check(a.LatencyP99 >= 0, "Alarms.LatencyP99", "must not be negative")
	return c, v.Err()
}

// checkPath reports a malformed route path and returns whether it is valid.
func checkPath(v *validate.Problems, prop, path string) bool {
	if !v.Check(strings.HasPrefix(path, "/"), prop, "%q must start with \"/\"", path) {
		return false
	}
	if path == "/" {
		return true
	}
	if !v.Check(!strings.HasSuffix(path, "/"), prop, "%q must not end with \"/\"", path) {
		return false
	}
	segs := strings.Split(path[1:], "/")
	params := map[string]bool{}
	for i, s := range segs {
		switch {
		case s == "":
			v.Addf(prop, "%q has an empty segment", path)
			return false
		case strings.HasPrefix(s, "{"):
			if !v.Check(paramSegRE.MatchString(s), prop, "%q: segment %q is not a valid {parameter}", path, s) {
				return false
			}
			if strings.HasSuffix(s, "+}") && i != len(segs)-1 {
				v.Addf(prop, "%q: greedy parameter %q must be the last segment", path, s)
				return false
			}
			name := strings.Trim(s, "{}+")
			if params[name] {
				v.Addf(prop, "%q: parameter {%s} appears twice", path, name)
				return false
			}
			params[name] = true
		default:
			if !v.Check(literalSegRE.MatchString(s), prop, "%q: segment %q has characters API Gateway does not allow", path, s) {
				return false
			}
		}
	}
	return true
}

// routeConstructIDs are the construct ids a route takes, as "scope/id": its
// function's and alarms' under the construct, its request model's under the
// REST API. They keep only the letters and digits of the method and path, so
// distinct routes can share them.
func routeConstructIDs(r Route) []string {
	id := routeID(r)
	return []string{"/" + id, "/" + id + "ErrorsAlarm", "/" + id + "ThrottlesAlarm", "Api/" + id + "Model"}
}

// checkRouteIDs reports routes[i] when a construct id it takes is taken by
// an earlier route, which would otherwise fail deep in jsii with "There is
// already a Construct with name ...".
func checkRouteIDs(v *validate.Problems, routes []Route, i int, ids map[string]int) {
	for _, id := range routeConstructIDs(routes[i]) {
		if j, taken := ids[id]; taken {
			_, name, _ := strings.Cut(id, "/")
			v.Addf(fmt.Sprintf("Routes[%d]", i), "%s and Routes[%d] %s both name a construct %q (construct ids keep only the letters and digits of the method and path): change one path",
				routeKey(routes[i]), j, routeKey(routes[j]), name)
			return
		}
	}
	for _, id := range routeConstructIDs(routes[i]) {
		ids[id] = i
	}
}

// checkSiblingParams reports routes[i] when one of its {parameter} segments
// sits beside a differently named {parameter} of an earlier route
// (/polls/{id} and /polls/{pollId}/votes): API Gateway allows one variable
// path part per resource, and would fail only at deploy time.
func checkSiblingParams(v *validate.Problems, routes []Route, i int, params map[string]string, paramOf map[string]int) {
	path := routes[i].Path
	if path == "/" {
		return
	}
	segs := strings.Split(path[1:], "/")
	for k, seg := range segs {
		if !strings.HasPrefix(seg, "{") {
			continue
		}
		parent := "/" + strings.Join(segs[:k], "/")
		other, ok := params[parent]
		switch {
		case !ok:
			params[parent] = seg
			paramOf[parent] = i
		case other != seg:
			j := paramOf[parent]
			v.Addf(fmt.Sprintf("Routes[%d].Path", i), "%q: %s under %q conflicts with %s of Routes[%d] %q: API Gateway allows one {parameter} per path level, so name it %s",
				path, seg, parent, other, j, routes[j].Path, other)
			return
		}
	}
}

// checkActions reports Route.Actions that are not TableActions, repeated, or
// combined with an Access level.
func checkActions(v *validate.Problems, prop string, r Route) {
	if len(r.Actions) == 0 {
		return
	}
	v.Check(r.Access == ReadOnly, prop+".Actions", "is set together with Access %s: Actions replaces the access level", r.Access)
	seen := map[string]bool{}
	for _, a := range r.Actions {
		switch {
		case !slices.Contains(TableActions, a):
			v.Addf(prop+".Actions", "%q is not one of %s", a, strings.Join(TableActions, ", "))
		case seen[a]:
			v.Addf(prop+".Actions", "%q appears twice", a)
		}
		seen[a] = true
	}
}

func checkThrottle(v *validate.Problems, prop string, t *Throttle) {
	if t == nil {
		return
	}
	// API Gateway sets no upper bound of its own on stage and method
	// throttles: the account's regional quota (10,000 requests/s and burst
	// 5,000 by default, adjustable) caps them whatever they say.
	v.Check(t.RatePerSecond > 0 && !math.IsInf(t.RatePerSecond, 1), prop+".RatePerSecond", "must be positive and finite, got %g", t.RatePerSecond)
	v.Check(t.Burst > 0, prop+".Burst", "must be positive, got %d", t.Burst)
}

func checkFunction(v *validate.Problems, prop string, memory int, timeout time.Duration, reserved int) {
	v.Check(memory == 0 || (memory >= 128 && memory <= 10240), prop+".MemoryMB", "%d is outside Lambda's range 128..10240", memory)
	v.Check(timeout >= 0 && timeout <= 15*time.Minute, prop+".Timeout", "%s is outside Lambda's range (0, 15m]", timeout)
	v.Check(timeout == 0 || timeout >= time.Second, prop+".Timeout", "%s is below Lambda's 1s granularity", timeout)
	v.Check(reserved >= 0, prop+".ReservedConcurrency", "must not be negative, got %d", reserved)
}

// checkWAF reports WAF settings that contradict each other or the API.
func checkWAF(v *validate.Problems, w WAF, httpAPI bool) {
	if httpAPI && !w.Disable {
		v.Addf("WAF", "AWS WAF cannot be associated with an HTTP API: set WAF.Disable and protect the API another way (a CloudFront distribution with a web ACL in front of it), or serve the routes with the REST API (HTTPAPI false), which WAF protects")
	}
	if w.Disable && (w.ExistingWebACLArn != "" || w.RateLimit != 0 || w.Window != 0 || w.CountOnly || w.BotControl || len(w.RuleGroups) > 0) {
		v.Addf("WAF.Disable", "is set together with other WAF settings")
	}
	if w.ExistingWebACLArn != "" {
		v.Check(webACLArnRE.MatchString(w.ExistingWebACLArn), "WAF.ExistingWebACLArn", "%q is not a regional WAFv2 web ACL ARN (arn:aws:wafv2:REGION:ACCOUNT:regional/webacl/NAME/ID)", w.ExistingWebACLArn)
		v.Check(w.RateLimit == 0 && w.Window == 0 && !w.CountOnly && !w.BotControl && len(w.RuleGroups) == 0, "WAF.ExistingWebACLArn",
			"an existing web ACL keeps its own rules: RateLimit, Window, CountOnly, BotControl and RuleGroups do not apply")
	}
	if w.RateLimit != 0 {
		v.Check(w.RateLimit >= MinWAFRateLimit && w.RateLimit <= MaxWAFRateLimit, "WAF.RateLimit",
			"%d is outside AWS WAF's range %d..%d requests per window", w.RateLimit, MinWAFRateLimit, MaxWAFRateLimit)
	}
	v.Check(w.Window == 0 || wafWindows[w.Window], "WAF.Window", "%s is not one of 1m, 2m, 5m, 10m", w.Window)
	if w.Disable || w.ExistingWebACLArn != "" {
		return
	}
	groups := append([]string(nil), WAFManagedRuleGroups...)
	if w.BotControl {
		groups = append(groups, BotControlRuleGroup)
	}
	for _, name := range sortedKeys(w.RuleGroups) {
		prop := fmt.Sprintf("WAF.RuleGroups[%q]", name)
		if !slices.Contains(groups, name) {
			if name == BotControlRuleGroup {
				v.Addf(prop, "tunes Bot Control, which is off: set WAF.BotControl")
			} else {
				v.Addf(prop, "is not a rule group of the web ACL; it has %s", strings.Join(groups, ", "))
			}
			continue
		}
		g := w.RuleGroups[name]
		v.Check(g.CountOnly || len(g.ExcludedRules) > 0, prop, "sets nothing: give CountOnly or ExcludedRules")
		seen := map[string]bool{}
		for _, r := range g.ExcludedRules {
			switch {
			case !wafRuleNameRE.MatchString(r):
				v.Addf(prop+".ExcludedRules", "%q is not a rule name (1-128 letters, digits, hyphens or underscores)", r)
			case seen[r]:
				v.Addf(prop+".ExcludedRules", "%q appears twice", r)
			}
			seen[r] = true
		}
	}
}

// checkStageVariables reports stage variables API Gateway would refuse.
func checkStageVariables(v *validate.Problems, prop string, vars map[string]string) {
	for _, k := range sortedKeys(vars) {
		v.Check(stageVarNameRE.MatchString(k), prop, "name %q may hold only letters, digits and underscores", k)
		val := vars[k]
		v.Check(len(val) <= 512 && stageVarValueRE.MatchString(val), prop+"["+strconv.Quote(k)+"]",
			"%q: a value is 1-512 of letters, digits and -._~:/?#&=,", val)
	}
}

// checkHTTPAPI reports what an HTTP API cannot do, rather than dropping it.
func checkHTTPAPI(v *validate.Problems, p *Props) {
	const why = "an HTTP API has none: use the REST API (HTTPAPI false)"
	v.Check(p.OpenAPI == nil, "OpenAPI", "is set with HTTPAPI: an HTTP API does not validate requests against the document's schemas; OpenAPI mode builds a REST API")
	v.Check(p.APIKeys == nil, "APIKeys", "is set with HTTPAPI: API keys and usage plans are REST API features; %s", "an HTTP API throttles per route instead")
	v.Check(p.Canary == nil, "Canary", "is set with HTTPAPI: canary deployments are a REST stage feature; %s", why)
	v.Check(p.GatewayErrors.Template == "", "GatewayErrors.Template", "is set with HTTPAPI: gateway responses are a REST API feature; an HTTP API answers its own errors as {\"message\": \"…\"}")
	if a := p.Auth; len(a.UserPools) > 0 {
		v.Check(len(a.UserPools) == 1, "Auth.UserPools", "an HTTP API's JWT authorizer has one issuer: give one user pool, not %d", len(a.UserPools))
		v.Check(len(a.UserPoolClients) > 0, "Auth.UserPoolClients", "are required with HTTPAPI and UserPools: the JWT authorizer accepts tokens issued to these app clients only (its audience)")
	} else if len(a.UserPoolClients) > 0 {
		v.Addf("Auth.UserPoolClients", "need Auth.UserPools: they are the audience of the pool's JWT authorizer")
	}
}
