package serverlessapi

import (
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/aws/constructs-go/constructs/v10"

	"github.com/gureum-cdk/gureum/constructs/internal/golambda"
	"github.com/gureum-cdk/gureum/constructs/internal/validate"
)

var (
	stageNameRE  = regexp.MustCompile(`^[A-Za-z0-9_]{1,128}$`)
	literalSegRE = regexp.MustCompile(`^[A-Za-z0-9._~:@!$&'()*,;=-]+$`)
	paramSegRE   = regexp.MustCompile(`^\{[A-Za-z_][A-Za-z0-9_]*\+?\}$`)
	webACLArnRE  = regexp.MustCompile(`^arn:aws[a-z-]*:wafv2:[a-z0-9-]+:\d{12}:regional/webacl/[^/]+/[^/]+$`)
	methods      = map[string]bool{"GET": true, "POST": true, "PUT": true, "PATCH": true, "DELETE": true, "HEAD": true, "ANY": true}
	wafWindows   = map[time.Duration]bool{time.Minute: true, 2 * time.Minute: true, 5 * time.Minute: true, 10 * time.Minute: true}
)

// validateProps reports every invalid prop at once.
func validateProps(scope constructs.Construct, id string, p *Props) error {
	v := validate.New("serverlessapi", scope, id)
	if p == nil {
		v.Addf("Props", "must not be nil: at least Routes is required")
		return v.Err()
	}
	if len(p.Routes) == 0 {
		v.Addf("Routes", "at least one route is required")
	}
	seen := map[string]int{}
	for i, r := range p.Routes {
		prop := fmt.Sprintf("Routes[%d]", i)
		method := strings.ToUpper(r.Method)
		v.Check(methods[method], prop+".Method", "%q is not one of GET, POST, PUT, PATCH, DELETE, HEAD, ANY (OPTIONS is answered by CORS)", r.Method)
		checkPath(v, prop+".Path", r.Path)
		if err := golambda.CheckEntry(r.Entry); err != nil {
			v.Addf(prop+".Entry", "%v", err)
		}
		key := method + " " + r.Path
		if j, dup := seen[key]; dup {
			v.Addf(prop, "%s duplicates Routes[%d]", key, j)
		} else {
			seen[key] = i
		}
		v.Check(r.Access >= ReadOnly && r.Access <= NoTableAccess, prop+".Access", "unknown access level %d", int(r.Access))
		checkThrottle(v, prop+".Throttle", r.Throttle)
		checkFunction(v, prop, r.MemoryMB, r.Timeout, r.ReservedConcurrency)
		for k := range r.Environment {
			v.Check(k != "TABLE_NAME", prop+".Environment", "TABLE_NAME is set by the construct")
		}
	}
	v.Check(p.StageName == "" || stageNameRE.MatchString(p.StageName), "StageName", "%q must be 1-128 letters, digits or underscores", p.StageName)
	checkThrottle(v, "Throttle", p.Throttle)
	checkFunction(v, "Function", p.Function.MemoryMB, p.Function.Timeout, p.Function.ReservedConcurrency)

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
	w := p.WAF
	if w.Disable && (w.ExistingWebACLArn != "" || w.RateLimit != 0 || w.Window != 0 || w.CountOnly) {
		v.Addf("WAF.Disable", "is set together with other WAF settings")
	}
	if w.ExistingWebACLArn != "" {
		v.Check(webACLArnRE.MatchString(w.ExistingWebACLArn), "WAF.ExistingWebACLArn", "%q is not a regional WAFv2 web ACL ARN (arn:aws:wafv2:REGION:ACCOUNT:regional/webacl/NAME/ID)", w.ExistingWebACLArn)
		v.Check(w.RateLimit == 0 && w.Window == 0 && !w.CountOnly, "WAF.ExistingWebACLArn", "an existing web ACL keeps its own rules: RateLimit, Window and CountOnly do not apply")
	}
	if w.RateLimit != 0 {
		v.Check(w.RateLimit >= MinWAFRateLimit && w.RateLimit <= MaxWAFRateLimit, "WAF.RateLimit",
			"%d is outside AWS WAF's range %d..%d requests per window", w.RateLimit, MinWAFRateLimit, MaxWAFRateLimit)
	}
	v.Check(w.Window == 0 || wafWindows[w.Window], "WAF.Window", "%s is not one of 1m, 2m, 5m, 10m", w.Window)
	a := p.Alarms
	v.Check(a.ServerErrorRate >= 0 && a.ServerErrorRate <= 1, "Alarms.ServerErrorRate", "%g is not a share between 0 and 1", a.ServerErrorRate)
	v.Check(a.LatencyP99 >= 0, "Alarms.LatencyP99", "must not be negative")
	return v.Err()
}

func checkPath(v *validate.Problems, prop, path string) {
	if !v.Check(strings.HasPrefix(path, "/"), prop, "%q must start with \"/\"", path) {
		return
	}
	if path == "/" {
		return
	}
	if !v.Check(!strings.HasSuffix(path, "/"), prop, "%q must not end with \"/\"", path) {
		return
	}
	segs := strings.Split(path[1:], "/")
	params := map[string]bool{}
	for i, s := range segs {
		switch {
		case s == "":
			v.Addf(prop, "%q has an empty segment", path)
			return
		case strings.HasPrefix(s, "{"):
			if !v.Check(paramSegRE.MatchString(s), prop, "%q: segment %q is not a valid {parameter}", path, s) {
				return
			}
			if strings.HasSuffix(s, "+}") && i != len(segs)-1 {
				v.Addf(prop, "%q: greedy parameter %q must be the last segment", path, s)
				return
			}
			name := strings.Trim(s, "{}+")
			if params[name] {
				v.Addf(prop, "%q: parameter {%s} appears twice", path, name)
				return
			}
			params[name] = true
		default:
			if !v.Check(literalSegRE.MatchString(s), prop, "%q: segment %q has characters API Gateway does not allow", path, s) {
				return
			}
		}
	}
}

func checkThrottle(v *validate.Problems, prop string, t *Throttle) {
	if t == nil {
		return
	}
	v.Check(t.RatePerSecond > 0, prop+".RatePerSecond", "must be positive, got %g", t.RatePerSecond)
	v.Check(t.Burst > 0, prop+".Burst", "must be positive, got %d", t.Burst)
}

func checkFunction(v *validate.Problems, prop string, memory int, timeout time.Duration, reserved int) {
	v.Check(memory == 0 || (memory >= 128 && memory <= 10240), prop+".MemoryMB", "%d is outside Lambda's range 128..10240", memory)
	v.Check(timeout >= 0 && timeout <= 15*time.Minute, prop+".Timeout", "%s is outside Lambda's range (0, 15m]", timeout)
	v.Check(timeout == 0 || timeout >= time.Second, prop+".Timeout", "%s is below Lambda's 1s granularity", timeout)
	v.Check(reserved >= 0, prop+".ReservedConcurrency", "must not be negative, got %d", reserved)
}
