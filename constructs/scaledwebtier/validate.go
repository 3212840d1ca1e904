package scaledwebtier

import (
	"fmt"
	"net"
	"os"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/gureum-cdk/gureum/constructs/internal/golambda"
	"github.com/gureum-cdk/gureum/constructs/internal/validate"
	"github.com/gureum-cdk/gureum/constructs/internal/webacl"
)

var (
	nameRE   = regexp.MustCompile(`^[a-z][a-z0-9-]{0,38}[a-z0-9]$`)
	regionRE = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-\d$`)
	// healthPathRE is an HTTP path without spaces, a query or a fragment.
	healthPathRE = regexp.MustCompile(`^/[A-Za-z0-9._~!$&'()*+,;=:@%/-]*$`)
	// instanceTypeRE splits "c7gn.large" into family letters, generation,
	// attributes and size.
	instanceTypeRE = regexp.MustCompile(`^([a-z]+)(\d+)([a-z-]*)\.([a-z0-9]+)$`)
	// postgresVersionRE is an Aurora PostgreSQL version: major and minor.
	postgresVersionRE = regexp.MustCompile(`^(\d+)\.(\d+)$`)
	// mysqlVersionRE is an Aurora MySQL 3 version (MySQL 8.0 compatible).
	mysqlVersionRE = regexp.MustCompile(`^8\.0\.mysql_aurora\.3\.\d{2}\.\d+$`)
)

// Validate reports every invalid prop at once, without creating anything.
// New panics with the same *validate.Error.
func Validate(scope constructs.Construct, id string, props *Props) error {
	_, err := resolve(scope, id, props)
	return err
}

// resolve applies the defaults (withDefaults) and reports every invalid
// prop at once. Checks of what a caller set read props; checks of the values
// the tier will use read the config.
func resolve(scope constructs.Construct, id string, p *Props) (*config, error) {
	v := validate.New("scaledwebtier", scope, id)
	if p == nil {
		v.Addf("Props", "must not be nil: at least Stage and Entry are required")
		return nil, v.Err()
	}
	s := p.Stage
	if !v.Check(s >= SingleServer && s <= Global, "Stage", "%d is not a stage: use 1 (SingleServer), 2 (SplitDatabase), 3 (HighlyAvailable), 4 (Elastic) or 5 (Global)", int(s)) {
		return nil, v.Err()
	}
	c := withDefaults(scope, id, p)
	entryErr := golambda.CheckEntry(p.Entry)
	if entryErr != nil {
		v.Addf("Entry", "%v", entryErr)
	}
	if s >= Elastic {
		checkStaticDir(v, p, c, entryErr == nil)
	} else {
		v.Check(p.StaticDir == "", "StaticDir", "static files move to S3 behind CloudFront at stage 4 (Elastic); this is stage %d", s)
	}
	switch {
	case p.Name != "":
		v.Check(nameRE.MatchString(p.Name) && !strings.Contains(p.Name, "--"), "Name", "%q must be 2-40 lower-case letters, digits or hyphens, starting with a letter, not ending with a hyphen or holding two in a row", p.Name)
	case s == Global && scope != nil && *awscdk.Stack_Of(scope).Node().Path() != "":
		v.Addf("Name", "is required at stage 5: every region's stack finds the tables, the database secret and the global cluster by names made from it; "+
			"to keep the data the tier holds at stages 2-4 in this stack, set it to the name they were made with, the stage 1-4 default %q", defaultName(scope, id))
	case s == Global:
		v.Addf("Name", "is required at stage 5: every region's stack finds the tables, the database secret and the global cluster by names made from it")
	}
	if p.InstanceType != "" {
		checkInstanceType(v, "InstanceType", p.InstanceType)
	}
	v.Check(p.VolumeGiB == 0 || (p.VolumeGiB >= 8 && p.VolumeGiB <= 16384), "VolumeGiB", "%d must be between 8 and 16384 (Amazon Linux 2023 needs 8)", p.VolumeGiB)
	checkFleetProps(v, p, c)
	if s >= HighlyAvailable && c.region == "" {
		v.Addf("Stage", "stage %d needs a stack with a concrete region (Env.Region): load balancer access logging needs the region's log-delivery account", s)
	}

	checkDomain(v, p, s)
	checkNetwork(v, p.Network, s)
	checkExistingVpc(v, p, s)
	checkCapacity(v, p.Capacity, c)
	checkDatabase(v, p.Database, c)
	checkSessions(v, p.Sessions, s)
	if s < Elastic && p.CDN.WebACLArn != "" {
		v.Addf("CDN.WebACLArn", "static content moves to CloudFront at stage 4 (Elastic); this is stage %d", s)
	}
	if a := p.CDN.WebACLArn; a != "" && !strings.HasPrefix(a, "arn:aws") {
		v.Addf("CDN.WebACLArn", "%q is not an ARN", a)
	}
	checkGlobal(v, p, s, c.region)
	checkCDN(v, p, c)
	checkWAF(v, p, s)
	v.Check(!p.DisableLoadBalancerDeletionProtection || s >= HighlyAvailable, "DisableLoadBalancerDeletionProtection", "the load balancer starts at stage 3 (HighlyAvailable); this is stage %d", s)
	v.Check(p.ExistingKey == nil || c.key, "ExistingKey", "the tier encrypts no data of its own at stage %d with Engine %q: its key starts with an Aurora database (stage 2) or the static bucket (stage 4)", s, c.Database.Engine)

	a := p.Alarms
	v.Check(a.CPUPercent >= 0 && a.CPUPercent <= 100, "Alarms.CPUPercent", "%v must be between 0 and 100", a.CPUPercent)
	v.Check(a.ServerErrors >= 0, "Alarms.ServerErrors", "must not be negative, got %d", a.ServerErrors)
	v.Check(a.DatabaseConnections >= 0, "Alarms.DatabaseConnections", "must not be negative, got %d", a.DatabaseConnections)
	v.Check(a.ReplicaLag >= 0, "Alarms.ReplicaLag", "must not be negative, got %s", a.ReplicaLag)
	v.Check(a.CacheCPUPercent >= 0 && a.CacheCPUPercent <= 100, "Alarms.CacheCPUPercent", "%v must be between 0 and 100", a.CacheCPUPercent)
	v.Check(a.TopicKey == nil || a.Topic != nil, "Alarms.TopicKey", "is set without Alarms.Topic")
	return c, v.Err()
}

// checkStaticDir checks the directory deployed under /static/ from stage 4:
// StaticDir as given, or its default beside Entry's package (checked only
// when Entry resolves: a bad Entry is reported under Entry).
func checkStaticDir(v *validate.Problems, p *Props, c *config, entryOK bool) {
	if p.StaticDir != "" {
		if st, err := os.Stat(p.StaticDir); err != nil || !st.IsDir() {
			v.Addf("StaticDir", "%q is not a directory", p.StaticDir)
		}
		return
	}
	if !entryOK {
		return
	}
	if c.staticErr != nil {
		v.Addf("StaticDir", "its default, the \"static\" directory beside Entry's package, cannot be found: %v; set StaticDir", c.staticErr)
		return
	}
	if st, err := os.Stat(c.StaticDir); err != nil || !st.IsDir() {
		v.Addf("StaticDir", "its default, %s (the \"static\" directory beside Entry's package), is not a directory: set StaticDir to the directory of the files to serve under /static/", c.StaticDir)
	}
}

// day is the unit of the props AWS counts in whole days.
const day = 24 * time.Hour

// checkDays reports a duration prop that is not a whole number of days
// between min and max.
func checkDays(v *validate.Problems, prop string, d time.Duration, min, max int) {
	if d == 0 {
		return
	}
	n := int(d / day)
	v.Check(d%day == 0 && n >= min && n <= max, prop, "%s must be a whole number of days between %d and %d", d, min, max)
}

// checkFleetProps checks the props of the load balanced fleet (stage 3 and
// above).
func checkFleetProps(v *validate.Problems, p *Props, c *config) {
	s := p.Stage
	if s < HighlyAvailable {
		why := fmt.Sprintf("the load balancer starts at stage 3 (HighlyAvailable); the single server of stage %d serves port %d", s, SingleServerPort)
		v.Check(p.AppPort == 0, "AppPort", "%s", why)
		v.Check(p.HealthCheckPath == "", "HealthCheckPath", "%s", why)
		v.Check(p.StickySessions == nil, "StickySessions", "%s", why)
		v.Check(p.StickySessionDuration == 0, "StickySessionDuration", "%s", why)
		v.Check(p.AccessLogExpiry == 0, "AccessLogExpiry", "%s", why)
		return
	}
	v.Check(c.AppPort >= 1 && c.AppPort <= 65535, "AppPort", "%d is not a TCP port (1-65535)", c.AppPort)
	h := c.HealthCheckPath
	v.Check(healthPathRE.MatchString(h) && len(h) <= 255, "HealthCheckPath", "%q must be a path starting with \"/\", without spaces or a query, at most 255 characters", h)
	if d := c.StickySessionDuration; v.Check(d%time.Second == 0 && d >= time.Second && d <= 7*day, "StickySessionDuration", "%s must be whole seconds between 1s and 7 days", d) {
		v.Check(p.StickySessionDuration == 0 || c.sticky, "StickySessionDuration", "is set but sticky sessions are off at stage %d: set StickySessions", s)
	}
	checkDays(v, "AccessLogExpiry", c.AccessLogExpiry, 1, 36500)
}

// checkExistingVpc checks that an imported VPC has the subnet groups the
// stage puts resources in.
func checkExistingVpc(v *validate.Problems, p *Props, s Stage) {
	n := p.Network
	aurora := s >= SplitDatabase && p.Database.Engine != DynamoDB
	if n.ExistingVpc == nil {
		v.Check(n.ExistingSecretsEndpoint == nil, "Network.ExistingSecretsEndpoint", "applies with Network.ExistingVpc only: a new VPC gets its own endpoint")
		return
	}
	v.Check(n.ExistingSecretsEndpoint == nil || aurora, "Network.ExistingSecretsEndpoint", "applies to an Aurora database (stage 2 and above) only: its secret rotation uses it")
	vpc := n.ExistingVpc
	azs := func(subnets *[]awsec2.ISubnet) int {
		seen := map[string]bool{}
		if subnets != nil {
			for _, sn := range *subnets {
				seen[*sn.AvailabilityZone()] = true
			}
		}
		return len(seen)
	}
	need := func(kind string, subnets *[]awsec2.ISubnet, want int, what string) {
		if got := azs(subnets); got < want {
			v.Addf("Network.ExistingVpc", "has %s subnets in %d AZs: %s needs them in at least %d", kind, got, what, want)
		}
	}
	if s < HighlyAvailable {
		need("public", vpc.PublicSubnets(), 1, "the web server of stages 1-2")
	} else {
		need("public", vpc.PublicSubnets(), 2, "the load balancer")
		need("private (with egress)", vpc.PrivateSubnets(), 2, "the Auto Scaling group (stage 3 and above)")
	}
	if aurora {
		need("isolated", vpc.IsolatedSubnets(), 2, "the Aurora database")
	}
	if s >= Elastic && p.Sessions.Store == SessionsValkey {
		need("isolated", vpc.IsolatedSubnets(), 2, "the Valkey session cache")
	}
}

func checkInstanceType(v *validate.Problems, prop, t string) {
	m := instanceTypeRE.FindStringSubmatch(t)
	if m == nil {
		v.Addf(prop, "%q is not an instance type such as t4g.small", t)
		return
	}
	if m[1] == "a" && m[2] == "1" {
		return // a1: the first Graviton generation.
	}
	v.Check(strings.Contains(m[3], "g"), prop, "%q is not a Graviton (arm64) type: the web server is compiled for linux/arm64; use a type such as t4g.small, m7g.large or c7g.xlarge", t)
}

func checkDomain(v *validate.Problems, p *Props, s Stage) {
	d := p.Domain
	if d == nil {
		v.Check(s < HighlyAvailable, "Domain", "is required from stage 3: the load balancer serves HTTPS with an ACM certificate validated in the hosted zone (HTTP is only redirected)")
		return
	}
	name := strings.TrimSuffix(d.Name, ".")
	v.Check(name != "" && len(name) <= 253 && !strings.ContainsAny(name, " /*_:"), "Domain.Name", "%q is not a DNS name such as www.example.com", d.Name)
	v.Check(d.HostedZone != nil, "Domain.HostedZone", "is required with Domain.Name")
	if d.Certificate != nil && s < HighlyAvailable {
		v.Addf("Domain.Certificate", "HTTPS starts at stage 3 with the load balancer; the single server of stage %d serves HTTP", s)
	}
}

func checkNetwork(v *validate.Problems, n Network, s Stage) {
	if n.ExistingVpc != nil && (n.Cidr != "" || n.AvailabilityZones != 0) {
		v.Addf("Network.ExistingVpc", "is set together with Network.Cidr or Network.AvailabilityZones: use one or the other")
	}
	if n.Cidr != "" {
		if _, ipnet, err := net.ParseCIDR(n.Cidr); err != nil || ipnet.IP.To4() == nil {
			v.Addf("Network.Cidr", "%q is not an IPv4 CIDR block", n.Cidr)
		} else if ones, _ := ipnet.Mask.Size(); ones < 16 || ones > 20 {
			v.Addf("Network.Cidr", "%q must be a /16 to /20 (the subnets are /24)", n.Cidr)
		}
	}
	az := n.AvailabilityZones
	v.Check(az >= 0 && az <= 6, "Network.AvailabilityZones", "%d must be between 1 and 6", az)
	if az == 1 && s >= SplitDatabase {
		v.Addf("Network.AvailabilityZones", "must be at least 2 from stage 2: the database subnet group%s spans two AZs", map[bool]string{true: " and the load balancer", false: ""}[s >= HighlyAvailable])
	}
}

func checkCapacity(v *validate.Problems, raw Capacity, c *config) {
	s := c.Stage
	if s < HighlyAvailable {
		v.Check(reflect.DeepEqual(raw, Capacity{}), "Capacity", "the Auto Scaling group starts at stage 3 (HighlyAvailable); stage %d runs one server", s)
		return
	}
	k := c.Capacity
	v.Check(k.Min >= 2, "Capacity.Min", "%d must be at least 2: one server per AZ keeps the tier up when an AZ fails", k.Min)
	v.Check(k.Max >= k.Min, "Capacity.Max", "%d is below Capacity.Min (%d)", k.Max, k.Min)
	v.Check(k.Max <= 1000, "Capacity.Max", "%d is above 1000", k.Max)
	checkGroupOptions(v, raw, c)
	if s < Elastic {
		v.Check(raw.TargetCPUPercent == 0, "Capacity.TargetCPUPercent", "target-tracking scaling starts at stage 4 (Elastic)")
		v.Check(raw.RequestsPerTarget == 0, "Capacity.RequestsPerTarget", "target-tracking scaling starts at stage 4 (Elastic)")
		return
	}
	v.Check(k.TargetCPUPercent >= 10 && k.TargetCPUPercent <= 100, "Capacity.TargetCPUPercent", "%v must be between 10 and 100", k.TargetCPUPercent)
	v.Check(k.RequestsPerTarget >= 0, "Capacity.RequestsPerTarget", "must not be negative, got %d", k.RequestsPerTarget)
}

var (
	scheduleNameRE = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9-]{0,62}$`)
	// cronFieldRE is one field of a Unix cron expression.
	cronFieldRE = regexp.MustCompile(`^(\*|[0-9A-Za-z]+(-[0-9A-Za-z]+)?)(/[0-9]+)?(,(\*|[0-9A-Za-z]+(-[0-9A-Za-z]+)?)(/[0-9]+)?)*$`)
)

// checkGroupOptions checks Capacity's Spot, WarmPool, Schedules and
// Updates (stage 3 and above).
func checkGroupOptions(v *validate.Problems, raw Capacity, c *config) {
	k := c.Capacity
	if sp := raw.Spot; sp != nil {
		v.Check(len(sp.InstanceTypes) >= 2, "Capacity.Spot.InstanceTypes", "lists %d instance types: Spot needs at least 2, so that reclaimed capacity of one type is replaced from another pool", len(sp.InstanceTypes))
		seen := map[string]bool{}
		for i, t := range sp.InstanceTypes {
			checkInstanceType(v, fmt.Sprintf("Capacity.Spot.InstanceTypes[%d]", i), t)
			v.Check(!seen[t], fmt.Sprintf("Capacity.Spot.InstanceTypes[%d]", i), "%q is listed twice", t)
			seen[t] = true
		}
		if b := sp.OnDemandBase; b != nil {
			v.Check(*b >= 0 && *b <= k.Max, "Capacity.Spot.OnDemandBase", "%d must be between 0 and Capacity.Max (%d)", *b, k.Max)
		}
		v.Check(sp.OnDemandPercentAboveBase >= 0 && sp.OnDemandPercentAboveBase <= 100, "Capacity.Spot.OnDemandPercentAboveBase", "%d must be between 0 and 100", sp.OnDemandPercentAboveBase)
	}
	if w := raw.WarmPool; w != nil {
		switch w.State {
		case "", WarmStopped, WarmRunning, WarmHibernated:
		default:
			v.Addf("Capacity.WarmPool.State", "%q is not one of %q, %q, %q", w.State, WarmStopped, WarmRunning, WarmHibernated)
		}
		v.Check(w.MinSize >= 0 && w.MinSize <= 1000, "Capacity.WarmPool.MinSize", "%d must be between 0 and 1000", w.MinSize)
		mp := k.WarmPool.MaxPreparedCapacity
		v.Check(w.MaxPreparedCapacity == 0 || (w.MaxPreparedCapacity >= k.Min && w.MaxPreparedCapacity <= 1000), "Capacity.WarmPool.MaxPreparedCapacity", "%d must be between Capacity.Min (%d) and 1000", w.MaxPreparedCapacity, k.Min)
		v.Check(w.MinSize <= mp, "Capacity.WarmPool.MinSize", "%d is above the pool's MaxPreparedCapacity (%d)", w.MinSize, mp)
		v.Check(raw.Spot == nil, "Capacity.WarmPool", "cannot be combined with Capacity.Spot: EC2 Auto Scaling puts no warm pool on a group with a mixed instances policy or Spot Instances")
	}
	switch raw.Updates {
	case "", InstanceRefresh:
	case RollingUpdate:
		v.Check(raw.WarmPool == nil, "Capacity.Updates", "%q replaces the servers in service only, not those in the warm pool: use %q with Capacity.WarmPool", RollingUpdate, InstanceRefresh)
	default:
		v.Addf("Capacity.Updates", "%q is not one of %q, %q", raw.Updates, RollingUpdate, InstanceRefresh)
	}
	seen := map[string]bool{}
	for i, sc := range raw.Schedules {
		p := fmt.Sprintf("Capacity.Schedules[%d]", i)
		v.Check(scheduleNameRE.MatchString(sc.Name), p+".Name", "%q must be 1-63 letters, digits or hyphens, starting with a letter", sc.Name)
		v.Check(!seen[sc.Name], p+".Name", "%q is used twice", sc.Name)
		seen[sc.Name] = true
		fields := strings.Fields(sc.Cron)
		ok := len(fields) == 5
		for _, f := range fields {
			ok = ok && cronFieldRE.MatchString(f)
		}
		v.Check(ok, p+".Cron", "%q is not a Unix cron expression of 5 fields (minute hour day-of-month month day-of-week), e.g. \"0 8 * * 1-5\"", sc.Cron)
		if sc.TimeZone != "" {
			_, err := time.LoadLocation(sc.TimeZone)
			v.Check(err == nil && sc.TimeZone != "Local", p+".TimeZone", "%q is not an IANA time zone such as Asia/Seoul", sc.TimeZone)
		}
		if !v.Check(sc.Min != nil || sc.Max != nil || sc.Desired != nil, p, "sets none of Min, Max and Desired") {
			continue
		}
		for i, n := range []*int{sc.Min, sc.Max, sc.Desired} {
			if n != nil {
				v.Check(*n >= 0 && *n <= 1000, p+"."+[]string{"Min", "Max", "Desired"}[i], "%d must be between 0 and 1000", *n)
			}
		}
		if sc.Min != nil && sc.Max != nil {
			v.Check(*sc.Min <= *sc.Max, p+".Max", "%d is below Min (%d)", *sc.Max, *sc.Min)
		}
		if sc.Desired != nil && sc.Min != nil {
			v.Check(*sc.Desired >= *sc.Min, p+".Desired", "%d is below Min (%d)", *sc.Desired, *sc.Min)
		}
		if sc.Desired != nil && sc.Max != nil {
			v.Check(*sc.Desired <= *sc.Max, p+".Desired", "%d is above Max (%d)", *sc.Desired, *sc.Max)
		}
	}
}

// checkCDN checks the props of the distribution (stage 4 and above).
func checkCDN(v *validate.Problems, p *Props, c *config) {
	s, d := p.Stage, p.CDN
	if d.Dynamic {
		switch {
		case s < Elastic:
			v.Addf("CDN.Dynamic", "CloudFront starts at stage 4 (Elastic); this is stage %d", s)
		case s == Global:
			v.Addf("CDN.Dynamic", "is not available at stage 5: each region's stack answers for Domain through Route 53, and one name can be an alternate domain name of one distribution only")
		}
		v.Check(d.Certificate != nil, "CDN.Certificate", "is required with CDN.Dynamic: CloudFront serves Domain.Name with an ACM certificate in us-east-1")
	} else {
		v.Check(d.Certificate == nil, "CDN.Certificate", "applies with CDN.Dynamic only: the static distribution serves its cloudfront.net name")
		v.Check(d.OriginPrefixListID == "", "CDN.OriginPrefixListID", "applies with CDN.Dynamic only: the load balancer admits CloudFront only when CloudFront fronts it")
	}
	if cert := d.Certificate; cert != nil && !*awscdk.Token_IsUnresolved(cert.CertificateArn()) {
		arn := *cert.CertificateArn()
		parts := strings.Split(arn, ":")
		v.Check(len(parts) > 3 && parts[3] == "us-east-1", "CDN.Certificate", "%s is not in us-east-1, where CloudFront reads its certificates", arn)
	}
	if d.NewWebACL {
		v.Check(s >= Elastic, "CDN.NewWebACL", "CloudFront starts at stage 4 (Elastic); this is stage %d", s)
		v.Check(c.region == "us-east-1", "CDN.NewWebACL", "AWS WAF keeps CloudFront's web ACLs in us-east-1, and this stack's region is %q: make the ACL with NewCDNWebACL in a us-east-1 stack and give its ARN as CDN.WebACLArn", c.region)
		v.Check(d.WebACLArn == "", "CDN.WebACLArn", "is set with CDN.NewWebACL: use one or the other")
	}
	if id := d.OriginPrefixListID; id != "" {
		v.Check(prefixListRE.MatchString(id), "CDN.OriginPrefixListID", "%q is not a prefix list id such as pl-3b927c52", id)
	}
}

var prefixListRE = regexp.MustCompile(`^pl-[0-9a-f]{8,17}$`)

// wafArnRE is a REGIONAL web ACL's ARN.
var wafArnRE = regexp.MustCompile(`^arn:aws[a-z-]*:wafv2:[a-z0-9-]+:\d{12}:regional/webacl/.+$`)

// checkWAF checks the load balancer's web ACL props (stage 3 and above).
func checkWAF(v *validate.Problems, p *Props, s Stage) {
	w := p.WAF
	if s < HighlyAvailable {
		v.Check(reflect.DeepEqual(w, WAF{}), "WAF", "the load balancer, which the web ACL protects, starts at stage 3 (HighlyAvailable); this is stage %d", s)
		return
	}
	rules := w
	rules.Disable, rules.ExistingWebACLArn = false, ""
	if w.Disable || w.ExistingWebACLArn != "" {
		why := "WAF.Disable is set"
		if !w.Disable {
			why = "WAF.ExistingWebACLArn is associated instead"
		}
		v.Check(reflect.DeepEqual(rules, WAF{}), "WAF", "sets the new web ACL's rules, but %s", why)
		v.Check(!w.Disable || w.ExistingWebACLArn == "", "WAF.ExistingWebACLArn", "is set with WAF.Disable: use one or the other")
	}
	if a := w.ExistingWebACLArn; a != "" && !*awscdk.Token_IsUnresolved(jsii.String(a)) {
		v.Check(wafArnRE.MatchString(a), "WAF.ExistingWebACLArn", "%q is not the ARN of a REGIONAL web ACL (arn:aws:wafv2:REGION:ACCOUNT:regional/webacl/NAME/ID)", a)
	}
	webacl.Check(v, "WAF", ruleSet(rules))
}

func checkDatabase(v *validate.Problems, d Database, c *config) {
	s := c.Stage
	if s < SplitDatabase {
		v.Check(d == (Database{}), "Database", "the database moves off the web server at stage 2 (SplitDatabase); stage 1 has none")
		return
	}
	switch d.Engine {
	case "", AuroraPostgres, AuroraMySQL:
	case DynamoDB:
		v.Check(d.MinACU == 0 && d.MaxACU == 0, "Database.MinACU", "applies to Aurora only, not to Engine %q", d.Engine)
		v.Check(d.Readers == 0, "Database.Readers", "applies to Aurora only, not to Engine %q", d.Engine)
		v.Check(d.BackupRetention == 0, "Database.BackupRetention", "applies to Aurora only, not to Engine %q (its table has point-in-time recovery)", d.Engine)
		v.Check(d.SecretRotation == 0, "Database.SecretRotation", "applies to Aurora only, not to Engine %q (it has no password)", d.Engine)
		v.Check(d.EngineVersion == "", "Database.EngineVersion", "applies to Aurora only, not to Engine %q", d.Engine)
		v.Check(!d.DisableWriteForwarding, "Database.DisableWriteForwarding", "applies to Aurora only, not to Engine %q (a global table takes writes in every region)", d.Engine)
	default:
		v.Addf("Database.Engine", "%q is not one of %q, %q, %q", d.Engine, AuroraPostgres, AuroraMySQL, DynamoDB)
	}
	v.Check(d.MinACU == 0 || (d.MinACU >= 0.5 && d.MinACU <= 256), "Database.MinACU", "%v must be between 0.5 and 256", d.MinACU)
	v.Check(d.MaxACU == 0 || (d.MaxACU >= 1 && d.MaxACU <= 256), "Database.MaxACU", "%v must be between 1 and 256", d.MaxACU)
	v.Check(c.Database.MaxACU >= c.Database.MinACU, "Database.MaxACU", "%v is below Database.MinACU (%v)", c.Database.MaxACU, c.Database.MinACU)
	checkDays(v, "Database.BackupRetention", d.BackupRetention, 1, 35)
	checkDays(v, "Database.SecretRotation", d.SecretRotation, 1, 1000)
	if d.Engine != DynamoDB {
		checkEngineVersion(v, d, s)
		v.Check(s == Global || !d.DisableWriteForwarding, "Database.DisableWriteForwarding", "write forwarding is on the secondary clusters of stage 5 (Global) only; this is stage %d", s)
	}
	if s < HighlyAvailable {
		v.Check(d.Readers == 0, "Database.Readers", "readers start at stage 3 (HighlyAvailable); stage 2 has a writer only")
	} else {
		v.Check(d.Readers >= 0 && d.Readers <= 15, "Database.Readers", "%d must be between 1 and 15", d.Readers)
	}
	checkAuroraOptions(v, d, c)
}

// checkAuroraOptions checks the proxy, reader scaling and monitoring props.
func checkAuroraOptions(v *validate.Problems, d Database, c *config) {
	s := c.Stage
	if d.Engine == DynamoDB {
		why := "applies to Aurora only, not to Engine \"dynamodb\""
		v.Check(!d.DisableProxy, "Database.DisableProxy", "%s", why)
		v.Check(!d.IAMAuth, "Database.IAMAuth", "%s", why)
		v.Check(reflect.DeepEqual(d.ReaderScaling, ReaderScaling{}), "Database.ReaderScaling", "%s", why)
		v.Check(!d.DisablePerformanceInsights, "Database.DisablePerformanceInsights", "%s", why)
		v.Check(d.MonitoringInterval == 0 && !d.DisableEnhancedMonitoring, "Database.MonitoringInterval", "%s", why)
		return
	}
	if s < Elastic {
		why := fmt.Sprintf("RDS Proxy starts at stage 4 (Elastic); this is stage %d", s)
		v.Check(!d.DisableProxy, "Database.DisableProxy", "%s", why)
		v.Check(!d.IAMAuth, "Database.IAMAuth", "the servers log in to RDS Proxy with IAM, which starts at stage 4 (Elastic); this is stage %d", s)
		v.Check(reflect.DeepEqual(d.ReaderScaling, ReaderScaling{}), "Database.ReaderScaling", "reader auto scaling starts at stage 4 (Elastic); this is stage %d", s)
	} else {
		v.Check(!d.IAMAuth || !d.DisableProxy, "Database.IAMAuth", "needs the proxy, but Database.DisableProxy is set: the master user logs in with the secret's password (IAM authentication on the cluster would stop its password, and rotation, from working)")
	}
	r := d.ReaderScaling
	if r.Disable {
		v.Check(r == ReaderScaling{Disable: true}, "Database.ReaderScaling", "sets MaxReaders, Metric or Target with Disable")
	}
	switch r.Metric {
	case "", ReaderCPU, ReaderConnections:
	default:
		v.Addf("Database.ReaderScaling.Metric", "%q is not one of %q, %q", r.Metric, ReaderCPU, ReaderConnections)
	}
	if rc := c.Database.ReaderScaling; s >= Elastic && rc.MaxReaders > 0 {
		most := 15 - len(c.replicas)
		v.Check(rc.MaxReaders >= c.Database.Readers && rc.MaxReaders <= most, "Database.ReaderScaling.MaxReaders",
			"%d must be between Database.Readers (%d) and %d (Aurora's 15 replicas, less one per secondary region)", rc.MaxReaders, c.Database.Readers, most)
		if rc.Metric == ReaderCPU {
			v.Check(rc.Target >= 10 && rc.Target <= 90, "Database.ReaderScaling.Target", "%v must be a CPU percentage between 10 and 90", rc.Target)
		} else {
			v.Check(rc.Target >= 1, "Database.ReaderScaling.Target", "%v must be at least 1 connection per reader", rc.Target)
		}
	}
	switch d.MonitoringInterval {
	case 0, time.Second, 5 * time.Second, 10 * time.Second, 15 * time.Second, 30 * time.Second, time.Minute:
	default:
		v.Addf("Database.MonitoringInterval", "%s is not one of enhanced monitoring's intervals: 1s, 5s, 10s, 15s, 30s, 1m", d.MonitoringInterval)
	}
	v.Check(d.MonitoringInterval == 0 || !d.DisableEnhancedMonitoring, "Database.MonitoringInterval", "is set with Database.DisableEnhancedMonitoring")
}

// checkEngineVersion checks an Aurora EngineVersion: its form, Serverless
// v2's engines, and global write forwarding at stage 5 (Aurora PostgreSQL
// 14.9+, 15.4+, 16 and later; every Aurora MySQL 3).
func checkEngineVersion(v *validate.Problems, d Database, s Stage) {
	ver := d.EngineVersion
	if ver == "" {
		return // the defaults qualify (TestDefaultEngineVersionsQualify).
	}
	if d.Engine == AuroraMySQL {
		v.Check(mysqlVersionRE.MatchString(ver), "Database.EngineVersion", "%q is not an Aurora MySQL 3 version such as %q (Aurora Serverless v2 runs Aurora MySQL 3)", ver, DefaultAuroraMySQLVersion)
		return
	}
	m := postgresVersionRE.FindStringSubmatch(ver)
	if m == nil {
		v.Addf("Database.EngineVersion", "%q is not an Aurora PostgreSQL version such as %q", ver, DefaultAuroraPostgresVersion)
		return
	}
	major, _ := strconv.Atoi(m[1])
	minor, _ := strconv.Atoi(m[2])
	if major < 13 {
		v.Addf("Database.EngineVersion", "%q: Aurora Serverless v2 needs Aurora PostgreSQL 13 or later", ver)
		return
	}
	if s == Global && !d.DisableWriteForwarding && !postgresForwardsWrites(major, minor) {
		v.Addf("Database.EngineVersion", "Aurora PostgreSQL %s does not support global write forwarding, which stage 5 turns on in the secondary regions: use 14.9 or a later 14, 15.4 or a later 15, or 16 and later, or set Database.DisableWriteForwarding", ver)
	}
}

// postgresForwardsWrites tells whether an Aurora PostgreSQL version supports
// global write forwarding.
func postgresForwardsWrites(major, minor int) bool {
	switch major {
	case 14:
		return minor >= 9
	case 15:
		return minor >= 4
	}
	return major >= 16
}

func checkSessions(v *validate.Problems, ss Sessions, s Stage) {
	if s < Elastic {
		v.Check(ss == (Sessions{}), "Sessions", "sessions move out of the servers' memory at stage 4 (Elastic); stage %d keeps them in memory", s)
		return
	}
	switch ss.Store {
	case "", SessionsDynamoDB:
		v.Check(ss.CacheNodeType == "", "Sessions.CacheNodeType", "applies to Store %q only", SessionsValkey)
		v.Check(ss.CacheNodes == 0, "Sessions.CacheNodes", "applies to Store %q only", SessionsValkey)
		v.Check(ss.CacheSnapshotRetention == 0, "Sessions.CacheSnapshotRetention", "applies to Store %q only", SessionsValkey)
	case SessionsValkey:
		v.Check(s < Global, "Sessions.Store", "%q is not available at stage 5: sessions follow users across regions in a DynamoDB global table", ss.Store)
		v.Check(ss.CacheNodeType == "" || strings.HasPrefix(ss.CacheNodeType, "cache."), "Sessions.CacheNodeType", "%q is not a node type such as cache.t4g.micro", ss.CacheNodeType)
		v.Check(ss.CacheNodes == 0 || (ss.CacheNodes >= 2 && ss.CacheNodes <= 6), "Sessions.CacheNodes", "%d must be between 2 and 6: Multi-AZ failover needs a replica", ss.CacheNodes)
		checkDays(v, "Sessions.CacheSnapshotRetention", ss.CacheSnapshotRetention, 1, 35)
		v.Check(!ss.DisableDeletionProtection, "Sessions.DisableDeletionProtection", "applies to Store %q only: a cache has no deletion protection", SessionsDynamoDB)
	default:
		v.Addf("Sessions.Store", "%q is not one of %q, %q", ss.Store, SessionsDynamoDB, SessionsValkey)
	}
	v.Check(ss.TTL == 0 || ss.TTL.Seconds() >= 1, "Sessions.TTL", "%s must be at least 1s", ss.TTL)
}

func checkGlobal(v *validate.Problems, p *Props, s Stage, region string) {
	if s < Global {
		v.Check(len(p.Regions) == 0, "Regions", "the tier spans regions at stage 5 (Global) only")
		v.Check(p.PrimaryRegion == "", "PrimaryRegion", "the tier spans regions at stage 5 (Global) only")
		v.Check(p.Routing == "", "Routing", "the tier spans regions at stage 5 (Global) only")
		return
	}
	switch p.Routing {
	case "", LatencyRouting:
	case FailoverRouting:
		// Fewer than 2 regions is reported under Regions below.
		v.Check(len(p.Regions) <= 2, "Routing", "%q routing holds one PRIMARY record (PrimaryRegion's) and one SECONDARY record per name: Regions must list exactly 2 regions, got %d", p.Routing, len(p.Regions))
	default:
		v.Addf("Routing", "%q is not one of %q, %q", p.Routing, LatencyRouting, FailoverRouting)
	}
	if len(p.Regions) < 2 {
		v.Addf("Regions", "stage 5 needs at least 2 regions, got %d", len(p.Regions))
	}
	seen := map[string]bool{}
	for i, r := range p.Regions {
		v.Check(regionRE.MatchString(r), fmt.Sprintf("Regions[%d]", i), "%q is not a region such as ap-northeast-2", r)
		v.Check(!seen[r], fmt.Sprintf("Regions[%d]", i), "%q is listed twice", r)
		seen[r] = true
	}
	switch {
	case p.PrimaryRegion == "":
		v.Addf("PrimaryRegion", "is required at stage 5: it holds the global database's writer")
	case !seen[p.PrimaryRegion]:
		v.Addf("PrimaryRegion", "%q is not one of Regions", p.PrimaryRegion)
	}
	if region != "" && len(p.Regions) > 0 {
		v.Check(seen[region], "Regions", "the stack's region %q is not one of %v", region, p.Regions)
	}
	if p.Database.Engine == DynamoDB && p.Database.Readers > 0 {
		v.Addf("Database.Readers", "applies to Aurora only")
	}
}
