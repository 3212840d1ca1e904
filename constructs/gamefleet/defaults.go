package gamefleet

import (
	"cmp"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
)

// Every default of Fleet, in one place.
const (
	// DefaultInstanceType is a compute-optimized Graviton instance.
	DefaultInstanceType = "c7g.large"
	// DefaultMaxCapacity bounds the group until a schedule changes it.
	DefaultMaxCapacity = 10
	// MaxCapacityLimit is the largest size the fleet scaler accepts in a
	// payload (fleet.MaxCapacity in the handler).
	MaxCapacityLimit = 1000
	// DefaultVolumeGiB is the size of the encrypted gp3 root volume.
	DefaultVolumeGiB = 20
	// DefaultCooldown between two scaling activities.
	DefaultCooldown = 5 * time.Minute
	// DefaultEntry is the fleet scaler's import path: it builds from any app
	// whose module requires gureum (see golambda.Props.Entry).
	DefaultEntry = "github.com/gureum-cdk/gureum/functions/gameevents/fleetscaler"
	// rootDevice is Amazon Linux 2023's root device name.
	rootDevice = "/dev/xvda"
)

// config is Props with every default applied: withDefaults makes it once,
// and validation and the builders read it.
type config struct {
	Props
}

// withDefaults resolves every default of p.
func withDefaults(p *Props) *config {
	c := &config{Props: *p}
	if c.VpcSubnets == nil {
		c.VpcSubnets = &awsec2.SubnetSelection{SubnetType: awsec2.SubnetType_PRIVATE_ISOLATED}
	}
	c.InstanceType = cmp.Or(c.InstanceType, DefaultInstanceType)
	c.VolumeGiB = cmp.Or(c.VolumeGiB, DefaultVolumeGiB)
	c.MaxCapacity = cmp.Or(c.MaxCapacity, DefaultMaxCapacity)
	c.Entry = cmp.Or(c.Entry, DefaultEntry)
	return c
}
