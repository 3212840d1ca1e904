package gamefleet

import (
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/constructs-go/constructs/v10"

	"github.com/gureum-cdk/gureum/constructs/internal/validate"
	"github.com/gureum-cdk/gureum/constructs/scheduledjob"
)

var (
	instanceTypeRE = regexp.MustCompile(`^([a-z][a-z0-9-]*)\.([0-9]*[a-z]+[0-9]*(-[a-z0-9]+)?|metal(-[a-z0-9]+)?)$`)
	// gravitonFamilyRE matches a family whose generation digit is followed
	// by "g": c7g, m7gd, t4g, c6gn, im4gn, is4gen, x2gd, g5g, hpc7g.
	gravitonFamilyRE = regexp.MustCompile(`^[a-z-]+[0-9]+g[a-z]*$`)
)

// Validate reports every invalid prop of a Fleet that would be created as id
// under scope, without creating anything.
func Validate(scope constructs.Construct, id string, props *Props) error {
	_, err := resolve(scope, id, props)
	return err
}

// resolve applies the defaults (withDefaults) and reports every invalid
// prop at once.
func resolve(scope constructs.Construct, id string, p *Props) (*config, error) {
	v := validate.New("gamefleet", scope, id)
	if p == nil {
		v.Addf("Props", "must not be nil: Vpc and Schedules are required")
		return nil, v.Err()
	}
	c := withDefaults(p)
	if v.Check(p.Vpc != nil, "Vpc", "is required") {
		checkSubnets(v, p, c)
	}
	v.Check(instanceTypeRE.MatchString(c.InstanceType), "InstanceType", "%q is not an EC2 instance type such as %q", c.InstanceType, DefaultInstanceType)
	v.Check(c.VolumeGiB >= 8 && c.VolumeGiB <= 16384, "VolumeGiB", "%d is outside 8..16384 (gp3, and room for Amazon Linux 2023)", c.VolumeGiB)
	v.Check(p.MinCapacity >= 0, "MinCapacity", "must not be negative, got %d", p.MinCapacity)
	v.Check(p.MaxCapacity >= 0 && p.MaxCapacity <= MaxCapacityLimit, "MaxCapacity", "%d is outside 1..%d (0 means the default %d)", p.MaxCapacity, MaxCapacityLimit, DefaultMaxCapacity)
	maxCap := c.MaxCapacity
	v.Check(maxCap >= p.MinCapacity, "MaxCapacity", "%d is less than MinCapacity %d", maxCap, p.MinCapacity)
	v.Check(p.Alarms.TopicKey == nil || p.Alarms.Topic != nil, "Alarms.TopicKey", "is set without Alarms.Topic")

	ok := v.Check(len(p.Schedules) > 0, "Schedules", "at least one schedule is required")
	seen := map[string]int{}
	for i, s := range p.Schedules {
		prop := fmt.Sprintf("Schedules[%d]", i)
		if ok = v.Check(s.Name != "", prop+".Name", "is required") && ok; s.Name != "" {
			if j, dup := seen[s.Name]; dup {
				v.Addf(prop+".Name", "%q duplicates Schedules[%d]", s.Name, j)
				ok = false
			} else {
				seen[s.Name] = i
			}
		}
		if err := scheduledjob.CheckExpression(s.Expression); err != nil {
			v.Addf(prop+".Expression", "%v", err)
			ok = false
		}
		lo, hi := p.MinCapacity, maxCap
		if s.MinSize != nil {
			lo = *s.MinSize
			v.Check(lo >= 0, prop+".MinSize", "must not be negative, got %d", lo)
		}
		if s.MaxSize != nil {
			hi = *s.MaxSize
			v.Check(hi >= 0 && hi <= MaxCapacityLimit, prop+".MaxSize", "%d is outside 0..%d", hi, MaxCapacityLimit)
		}
		if !v.Check(hi >= lo, prop+".MaxSize", "%d is less than the minimum size %d", hi, lo) {
			continue
		}
		v.Check(s.DesiredCapacity >= lo && s.DesiredCapacity <= hi, prop+".DesiredCapacity",
			"%d is outside the group's bounds [%d, %d] after this schedule", s.DesiredCapacity, lo, hi)
	}
	// What only the scaler job checks (name characters, time zone, entry),
	// reported here so that nothing is created when it fails. The job's
	// Schedules[i] and Entry are this fleet's, so its problems name them.
	if ok {
		if err := scheduledjob.Validate(nil, "Scaler", scalerProps(c, "", nil)); err != nil {
			var verr *validate.Error
			if errors.As(err, &verr) {
				for _, problem := range verr.Problems {
					prop, reason, _ := strings.Cut(problem, ": ")
					v.Addf(prop, "%s", reason)
				}
			} else {
				v.Addf("Schedules", "%v", err)
			}
		}
	}
	return c, v.Err()
}

// checkSubnets checks that VpcSubnets, or its default, selects at least one
// subnet of Vpc: the CDK would otherwise fail deep inside the group with a
// message that names neither the fleet nor the prop.
func checkSubnets(v *validate.Problems, p *Props, c *config) {
	vpc := *p.Vpc.Node().Path()
	if p.VpcSubnets == nil {
		if n := p.Vpc.IsolatedSubnets(); n == nil || len(*n) == 0 {
			v.Addf("VpcSubnets", "its default, the VPC's private isolated subnets, selects nothing: Vpc (%s) has no isolated subnet. "+
				"Give the VPC isolated subnets (SubnetType PRIVATE_ISOLATED, with VPC endpoints for the AWS APIs the servers call), "+
				"or set VpcSubnets, e.g. &awsec2.SubnetSelection{SubnetType: awsec2.SubnetType_PRIVATE_WITH_EGRESS}", vpc)
		}
		return
	}
	var selected *awsec2.SelectedSubnets
	err := catch(func() { selected = p.Vpc.SelectSubnets(c.VpcSubnets) })
	switch {
	case err != nil:
		v.Addf("VpcSubnets", "selects no subnet of Vpc (%s): %s", vpc, firstLine(err))
	case selected == nil || selected.SubnetIds == nil || len(*selected.SubnetIds) == 0:
		v.Addf("VpcSubnets", "selects no subnet of Vpc (%s)", vpc)
	}
}

// catch turns a panic of the CDK (a jsii error) into an error.
func catch(f func()) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%v", r)
		}
	}()
	f()
	return nil
}

// firstLine is the first line of a CDK error, without the error code the
// CDK puts before its message ("ThereSubnetGroupsName: ...").
func firstLine(err error) string {
	s, _, _ := strings.Cut(err.Error(), "\n")
	return cdkErrorCode.ReplaceAllString(s, "")
}

var cdkErrorCode = regexp.MustCompile(`^[A-Za-z0-9]+: `)

// graviton reports whether an instance type runs on AWS Graviton (arm64).
func graviton(instanceType string) bool {
	family, _, _ := strings.Cut(instanceType, ".")
	return family == "a1" || gravitonFamilyRE.MatchString(family)
}
