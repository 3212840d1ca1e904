package datalake

import (
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/constructs-go/constructs/v10"

	"github.com/gureum-cdk/gureum/constructs/datalake/internal/lakesql"
	"github.com/gureum-cdk/gureum/constructs/internal/golambda"
	"github.com/gureum-cdk/gureum/constructs/internal/validate"
)

var (
	zoneRE      = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,18}[a-z0-9])?$`)
	dbPrefixRE  = regexp.MustCompile(`^[a-z][a-z0-9_]{0,99}$`)
	bucketArnRE = regexp.MustCompile(`^arn:aws[a-z-]*:s3:::[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$`)
	keyArnRE    = regexp.MustCompile(`^arn:aws[a-z-]*:kms:([a-z]{2}(-[a-z]+)+-\d):\d{12}:key/(mrk-)?[0-9a-f-]{32,36}$`)
	principalRE = regexp.MustCompile(`^arn:aws[a-z-]*:iam::\d{12}:(role|user)/[\w+=,.@/-]+$`)
	// cronFieldRE holds the characters Glue allows in each of the six
	// fields of cron(minutes hours day-of-month month day-of-week year).
	cronFieldRE = []*regexp.Regexp{
		regexp.MustCompile(`^[0-9,*/-]+$`),
		regexp.MustCompile(`^[0-9,*/-]+$`),
		regexp.MustCompile(`^([0-9,*/-]+|[?LW]|[0-9]+W|L)$`),
		regexp.MustCompile(`^([0-9,*/-]+|[A-Z]{3}([,-][A-Z]{3})*)$`),
		regexp.MustCompile(`^([0-9,*/-]+|[?]|[1-7]L|[1-7]#[1-5]|L|[A-Z]{3}([,-][A-Z]{3})*)$`),
		regexp.MustCompile(`^[0-9,*/-]+$`),
	}
	lockModes     = map[string]bool{"GOVERNANCE": true, "COMPLIANCE": true}
	databasePerms = map[string]bool{"ALL": true, "ALTER": true, "CREATE_TABLE": true, "DESCRIBE": true, "DROP": true}
	tablePerms    = map[string]bool{"ALL": true, "SELECT": true, "ALTER": true, "DROP": true, "DELETE": true, "INSERT": true, "DESCRIBE": true}
)

// Validate reports every invalid prop of a DataLake that would be created as
// id under scope, without creating anything.
func Validate(scope constructs.Construct, id string, props *Props) error {
	_, err := resolve(scope, id, props)
	return err
}

// resolve applies the defaults (withDefaults) and reports every invalid
// prop at once.
func resolve(scope constructs.Construct, id string, props *Props) (*config, error) {
	v := validate.New("datalake", scope, id)
	c := withDefaults(props)
	p := props
	if p == nil {
		p = &Props{}
	}
	zones := make([]string, len(c.Zones))
	for i, z := range c.Zones {
		zones[i] = z.Name
	}
	seen := map[string]int{}
	for i, z := range p.Zones {
		prop := fmt.Sprintf("Zones[%d]", i)
		if v.Check(zoneRE.MatchString(z.Name), prop+".Name",
			"%q is not a valid S3 name part: 1-20 lowercase letters, digits or hyphens, not starting or ending with a hyphen", z.Name) {
			if j, dup := seen[z.Name]; dup {
				v.Addf(prop+".Name", "%q duplicates Zones[%d]", z.Name, j)
			} else {
				seen[z.Name] = i
			}
		}
		if z.Lifecycle != nil {
			checkLifecycle(v, prop+".Lifecycle", *z.Lifecycle)
		}
		if l := z.ObjectLock; l != nil {
			v.Check(l.Mode != "" || l.RetentionDays == 0, prop+".ObjectLock.Mode", "is required with RetentionDays: GOVERNANCE or COMPLIANCE")
			v.Check(l.Mode == "" || lockModes[l.Mode], prop+".ObjectLock.Mode", "%q is not GOVERNANCE or COMPLIANCE", l.Mode)
			v.Check(l.RetentionDays > 0 || l.Mode == "", prop+".ObjectLock.RetentionDays", "must be positive with Mode %s, got %d", l.Mode, l.RetentionDays)
			v.Check(l.Mode != "" || l.RetentionDays != 0, prop+".ObjectLock", "is empty: set Mode and RetentionDays, or leave ObjectLock nil")
		}
		if r := z.Replication; r != nil {
			checkReplication(v, scope, prop+".Replication", *r)
		}
	}
	if p.ExistingKey != nil {
		if _, alias, ok := strings.Cut(*p.ExistingKey.KeyArn(), ":alias/"); ok {
			v.Addf("ExistingKey", "is the alias %q: give the key itself (the zones' upload policy admits the lake key by its key ARN)", "alias/"+alias)
		}
	}
	checkLifecycle(v, "Lifecycle", p.Lifecycle)
	v.Check(p.DatabasePrefix == "" || dbPrefixRE.MatchString(p.DatabasePrefix), "DatabasePrefix",
		"%q must be 1-100 lowercase letters, digits or underscores, starting with a letter", p.DatabasePrefix)

	cr := p.Crawlers
	if cr.OnDemand && cr.Schedule != "" {
		v.Addf("Crawlers.Schedule", "is set together with Crawlers.OnDemand")
	} else if cr.Schedule != "" {
		if err := checkCron(cr.Schedule); err != "" {
			v.Addf("Crawlers.Schedule", "%q %s", cr.Schedule, err)
		}
	}

	q := p.Query
	v.Check(q.BytesScannedCutoffPerQuery == 0 || q.BytesScannedCutoffPerQuery >= MinBytesScannedCutoffPerQuery, "Query.BytesScannedCutoffPerQuery",
		"%d is below Athena's minimum of %d bytes (10 MB)", q.BytesScannedCutoffPerQuery, MinBytesScannedCutoffPerQuery)
	v.Check(q.ResultsExpiryDays >= 0, "Query.ResultsExpiryDays", "must not be negative, got %d", q.ResultsExpiryDays)

	in := p.Ingestion
	if in.Disable {
		v.Check(in.Zone == "" && in.Prefix == "" && in.SourceStream == nil && in.BufferInterval == 0 && in.BufferSizeMiB == 0 && in.LogRetention == "" && in.Table == "",
			"Ingestion.Disable", "is set together with other Ingestion settings")
	} else {
		v.Check(in.Zone == "" || contains(zones, in.Zone), "Ingestion.Zone", "%q is not one of the zones %s", in.Zone, strings.Join(zones, ", "))
		if in.Prefix != "" {
			if err := checkPrefix(in.Prefix); err != "" {
				v.Addf("Ingestion.Prefix", "%q %s", in.Prefix, err)
			}
		}
		v.Check(in.BufferInterval >= 0 && in.BufferInterval <= MaxBufferInterval, "Ingestion.BufferInterval", "%s is outside Firehose's range 0..15m", in.BufferInterval)
		v.Check(in.BufferInterval%time.Second == 0, "Ingestion.BufferInterval", "%s is not a whole number of seconds", in.BufferInterval)
		v.Check(in.BufferSizeMiB >= 0 && in.BufferSizeMiB <= MaxBufferSizeMiB, "Ingestion.BufferSizeMiB", "%d is outside Firehose's range 1..128 MiB", in.BufferSizeMiB)
	}

	if !in.Disable && in.Table != "" {
		v.Check(in.Zone == "" && in.Prefix == "", "Ingestion.Table", "is set together with Ingestion.Zone or Ingestion.Prefix: the table's zone and prefix are where the stream lands")
		v.Check(rawTable(c, in.Table) != nil, "Ingestion.Table", "%q is not one of the RawTables", in.Table)
	}
	checkTables(v, c, zones)

	if lf := p.LakeFormation; lf != nil {
		v.Check(lf.Register || len(lf.Grants) > 0, "LakeFormation", "is set without Register or Grants")
		for i, g := range lf.Grants {
			prop := fmt.Sprintf("LakeFormation.Grants[%d]", i)
			v.Check(principalRE.MatchString(g.Principal), prop+".Principal", "%q is not an IAM role or user ARN", g.Principal)
			v.Check(contains(zones, g.Zone), prop+".Zone", "%q is not one of the zones %s", g.Zone, strings.Join(zones, ", "))
			for _, perm := range g.DatabasePermissions {
				v.Check(databasePerms[perm], prop+".DatabasePermissions", "%q is not one of ALL, ALTER, CREATE_TABLE, DESCRIBE, DROP", perm)
			}
			for _, perm := range g.TablePermissions {
				v.Check(tablePerms[perm], prop+".TablePermissions", "%q is not one of ALL, SELECT, ALTER, DROP, DELETE, INSERT, DESCRIBE", perm)
			}
			if g.Table != "" {
				v.Check(tableZone(c, g.Table) == g.Zone, prop+".Table", "%q is not a table declared in the %s zone (RawTables or Tables)", g.Table, g.Zone)
			}
		}
	}
	return c, v.Err()
}

func checkLifecycle(v *validate.Problems, prop string, l Lifecycle) {
	v.Check(l.IntelligentTieringAfterDays >= 0, prop+".IntelligentTieringAfterDays", "must not be negative, got %d", l.IntelligentTieringAfterDays)
	v.Check(l.GlacierAfterDays >= 0, prop+".GlacierAfterDays", "must not be negative, got %d", l.GlacierAfterDays)
	v.Check(l.NoncurrentVersionExpiryDays >= 0, prop+".NoncurrentVersionExpiryDays", "must not be negative, got %d", l.NoncurrentVersionExpiryDays)
	if l.DisableIntelligentTiering {
		v.Check(l.IntelligentTieringAfterDays == 0, prop+".IntelligentTieringAfterDays", "is set together with DisableIntelligentTiering")
		return
	}
	it := l.withDefaults().IntelligentTieringAfterDays
	v.Check(l.GlacierAfterDays == 0 || l.GlacierAfterDays > it, prop+".GlacierAfterDays",
		"%d must come after the Intelligent-Tiering transition (day %d)", l.GlacierAfterDays, it)
}

func checkReplication(v *validate.Problems, scope constructs.Construct, prop string, r Replication) {
	v.Check(bucketArnRE.MatchString(r.DestinationBucketArn), prop+".DestinationBucketArn",
		"%q is not an S3 bucket ARN (arn:aws:s3:::NAME)", r.DestinationBucketArn)
	m := keyArnRE.FindStringSubmatch(r.DestinationKeyArn)
	if !v.Check(m != nil, prop+".DestinationKeyArn", "%q is not a KMS key ARN (arn:aws:kms:REGION:ACCOUNT:key/ID)", r.DestinationKeyArn) {
		return
	}
	// In a region-agnostic stack the region is unknown here: New adds a
	// template rule that fails the deployment in the destination's region.
	if region := stackRegion(scope); region != "" {
		v.Check(m[1] != region, prop+".DestinationKeyArn",
			"is in %s, the stack's own region: cross-region replication needs a destination in another region", region)
	}
}

// stackRegion returns the concrete region of scope's stack, or "".
func stackRegion(scope constructs.Construct) string {
	if scope == nil {
		return ""
	}
	var region string
	func() {
		defer func() { _ = recover() }() // scope is not inside a stack
		r := awscdk.Stack_Of(scope).Region()
		if r != nil && !*awscdk.Token_IsUnresolved(r) {
			region = *r
		}
	}()
	return region
}

// checkCron returns what is wrong with a Glue cron expression, or "".
func checkCron(s string) string {
	if !strings.HasPrefix(s, "cron(") || !strings.HasSuffix(s, ")") {
		return `is not a Glue cron expression: want "cron(minutes hours day-of-month month day-of-week year)"`
	}
	fields := strings.Fields(s[len("cron(") : len(s)-1])
	if len(fields) != 6 {
		return fmt.Sprintf("has %d fields, want 6 (minutes hours day-of-month month day-of-week year)", len(fields))
	}
	names := []string{"minutes", "hours", "day-of-month", "month", "day-of-week", "year"}
	for i, f := range fields {
		if !cronFieldRE[i].MatchString(f) {
			return fmt.Sprintf("has an invalid %s field %q", names[i], f)
		}
	}
	if (fields[2] == "?") == (fields[4] == "?") {
		return `must set exactly one of day-of-month and day-of-week to "?"`
	}
	return ""
}

// checkPrefix returns what is wrong with an ingestion key prefix, or "".
func checkPrefix(p string) string {
	switch {
	case !strings.HasSuffix(p, "/"):
		return `must end with "/"`
	case strings.HasPrefix(p, "/"):
		return `must not start with "/"`
	case strings.Contains(p, "!{"):
		return "must not contain Firehose expressions: the partition is added by the construct"
	case strings.HasPrefix(p, "errors/"):
		return `must not start with "errors/": Firehose writes failed records there`
	}
	for _, seg := range strings.Split(strings.TrimSuffix(p, "/"), "/") {
		if seg == "" || seg == "." || seg == ".." {
			return `has an empty, "." or ".." segment`
		}
	}
	if len(p) > 512 {
		return "is longer than 512 bytes"
	}
	return ""
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

var (
	tableNameRE  = regexp.MustCompile(`^[a-z][a-z0-9_]{0,254}$`)
	columnNameRE = regexp.MustCompile(`^[a-z][a-z0-9_]{0,127}$`)
	decimalRE    = regexp.MustCompile(`^decimal\((\d{1,2}),(\d{1,2})\)$`)
	transformRE  = regexp.MustCompile(`^(identity|year|month|day|hour|bucket\[([1-9]\d{0,5})\]|truncate\[([1-9]\d{0,5})\])$`)
	scheduleRE   = regexp.MustCompile(`^rate\([1-9]\d* (minute|minutes|hour|hours|day|days)\)$`)
	simpleTypes  = map[string]bool{"string": true, "int": true, "bigint": true, "float": true, "double": true, "boolean": true, "date": true, "timestamp": true}
	rawFormats   = map[string]bool{"JSON": true, "PARQUET": true}
	// partitionColumns are the projected partition columns of a raw table.
	partitionColumns = []string{"year", "month", "day"}
)

// checkType returns what is wrong with a column type, or "".
func checkType(t string) string {
	if simpleTypes[t] {
		return ""
	}
	if m := decimalRE.FindStringSubmatch(t); m != nil {
		p, s := atoi(m[1]), atoi(m[2])
		if p >= 1 && p <= 38 && s <= p {
			return ""
		}
		return "has a precision outside 1..38 or a scale above its precision"
	}
	return "is not one of string, int, bigint, float, double, boolean, date, timestamp, decimal(P,S)"
}

func atoi(s string) int {
	n := 0
	for _, c := range s {
		n = n*10 + int(c-'0')
	}
	return n
}

func checkColumns(v *validate.Problems, prop string, cols []Column, reserved ...string) map[string]Column {
	byName := map[string]Column{}
	v.Check(len(cols) > 0, prop, "is empty: a table needs at least one column")
	for i, col := range cols {
		cp := fmt.Sprintf("%s[%d]", prop, i)
		if v.Check(columnNameRE.MatchString(col.Name), cp+".Name", "%q must be 1-128 lowercase letters, digits or underscores, starting with a letter", col.Name) {
			if _, dup := byName[col.Name]; dup {
				v.Addf(cp+".Name", "%q is declared twice", col.Name)
			}
			v.Check(!contains(reserved, col.Name), cp+".Name", "%q is reserved (%s)", col.Name, strings.Join(reserved, ", "))
			byName[col.Name] = col
		}
		if err := checkType(col.Type); err != "" {
			v.Addf(cp+".Type", "%q %s", col.Type, err)
		}
	}
	return byName
}

func rawTable(c *config, name string) *RawTable {
	for i := range c.RawTables {
		if c.RawTables[i].Name == name {
			return &c.RawTables[i]
		}
	}
	return nil
}

// tableZone returns the zone of a declared raw or Iceberg table, or "".
func tableZone(c *config, name string) string {
	if r := rawTable(c, name); r != nil {
		return r.Zone
	}
	for _, t := range c.Tables {
		if t.Name == name {
			return t.Zone
		}
	}
	return ""
}

func checkTables(v *validate.Problems, c *config, zones []string) {
	names := map[string]string{}
	checkName := func(prop, name string) {
		if !v.Check(tableNameRE.MatchString(name), prop+".Name", "%q must be 1-255 lowercase letters, digits or underscores, starting with a letter", name) {
			return
		}
		if other, dup := names[name]; dup {
			v.Addf(prop+".Name", "%q is also the name of %s", name, other)
		}
		names[name] = prop
	}
	for i, r := range c.RawTables {
		prop := fmt.Sprintf("RawTables[%d]", i)
		checkName(prop, r.Name)
		v.Check(contains(zones, r.Zone), prop+".Zone", "%q is not one of the zones %s", r.Zone, strings.Join(zones, ", "))
		if err := checkPrefix(r.Prefix); err != "" {
			v.Addf(prop+".Prefix", "%q %s", r.Prefix, err)
		} else {
			v.Check(!strings.HasPrefix(r.Prefix, IcebergPrefix), prop+".Prefix", "%q must not start with %q: the Iceberg tables live there", r.Prefix, IcebergPrefix)
		}
		v.Check(rawFormats[r.Format], prop+".Format", "%q is not JSON or PARQUET", r.Format)
		checkColumns(v, prop+".Columns", r.Columns, partitionColumns...)
		for j, f := range r.TimestampFormats {
			v.Check(strings.TrimSpace(f) != "" && !strings.Contains(f, ","), fmt.Sprintf("%s.TimestampFormats[%d]", prop, j), "%q is empty or holds a comma", f)
		}
	}
	for i, t := range c.Tables {
		prop := fmt.Sprintf("Tables[%d]", i)
		checkName(prop, t.Name)
		v.Check(contains(zones, t.Zone), prop+".Zone", "%q is not one of the zones %s", t.Zone, strings.Join(zones, ", "))
		cols := checkColumns(v, prop+".Columns", t.Columns, lakesql.RankColumn)
		for j, pf := range t.Partitions {
			pp := fmt.Sprintf("%s.Partitions[%d]", prop, j)
			col, ok := cols[pf.Column]
			if !v.Check(ok, pp+".Column", "%q is not a column of the table", pf.Column) {
				continue
			}
			m := transformRE.FindStringSubmatch(pf.Transform)
			if !v.Check(m != nil, pp+".Transform", "%q is not identity, year, month, day, hour, bucket[N] or truncate[W]", pf.Transform) {
				continue
			}
			var fits bool
			switch {
			case pf.Transform == "hour":
				fits = col.Type == "timestamp"
			case pf.Transform == "year" || pf.Transform == "month" || pf.Transform == "day":
				fits = col.Type == "timestamp" || col.Type == "date"
			case strings.HasPrefix(pf.Transform, "truncate"):
				fits = col.Type == "string" || col.Type == "int" || col.Type == "bigint" || strings.HasPrefix(col.Type, "decimal")
			case strings.HasPrefix(pf.Transform, "bucket"):
				fits = col.Type != "float" && col.Type != "double" && col.Type != "boolean"
			default:
				fits = true
			}
			v.Check(fits, pp+".Transform", "%s does not apply to the %s column %q", pf.Transform, col.Type, pf.Column)
		}
		seen := map[string]bool{}
		for j, k := range t.Key {
			kp := fmt.Sprintf("%s.Key[%d]", prop, j)
			col, ok := cols[k]
			if !v.Check(ok, kp, "%q is not a column of the table", k) {
				continue
			}
			v.Check(!seen[k], kp, "%q is named twice", k)
			seen[k] = true
			v.Check(col.Type != "float" && col.Type != "double", kp, "%q is a %s column: Iceberg identifier fields cannot be float or double", k, col.Type)
		}
		pr := t.Promotion
		if pr == nil {
			continue
		}
		pp := prop + ".Promotion"
		v.Check(len(t.Key) > 0, prop+".Key", "is required with Promotion: it is what the promotion deduplicates by")
		if raw := rawTable(c, pr.From); v.Check(raw != nil, pp+".From", "%q is not one of the RawTables", pr.From) {
			rawCols := map[string]Column{}
			for _, rc := range raw.Columns {
				rawCols[rc.Name] = rc
			}
			for j, col := range t.Columns {
				rc, ok := rawCols[col.From]
				if v.Check(ok, fmt.Sprintf("%s.Columns[%d].From", prop, j), "%q is not a column of the raw table %s", col.From, raw.Name) {
					v.Check(rc.Type == col.Type, fmt.Sprintf("%s.Columns[%d].Type", prop, j), "%s differs from the type of %s.%s (%s)", col.Type, raw.Name, rc.Name, rc.Type)
				}
			}
		}
		if pr.Version != "" {
			_, ok := cols[pr.Version]
			v.Check(ok && !seen[pr.Version], pp+".Version", "%q is not a column of the table outside its Key", pr.Version)
		}
		if strings.HasPrefix(pr.Schedule, "cron(") {
			if err := checkCron(pr.Schedule); err != "" {
				v.Addf(pp+".Schedule", "%q %s", pr.Schedule, err)
			}
		} else {
			v.Check(scheduleRE.MatchString(pr.Schedule), pp+".Schedule", "%q is not rate(N unit) or a cron expression", pr.Schedule)
		}
		v.Check(pr.LookbackDays >= 0 && pr.LookbackDays < 366, pp+".LookbackDays", "%d is outside 0..365", pr.LookbackDays)
		if pr.PlannerEntry != "" {
			if err := golambda.CheckEntry(pr.PlannerEntry); err != nil {
				v.Addf(pp+".PlannerEntry", "%v", err)
			}
		}
		v.Check(pr.MaxEventAge >= time.Minute && pr.MaxEventAge <= 24*time.Hour, pp+".MaxEventAge", "%s is outside Scheduler's 1m..24h", pr.MaxEventAge)
	}
}
