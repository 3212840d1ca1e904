package pushnotify

import (
	"cmp"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/constructs-go/constructs/v10"

	"github.com/gureum-cdk/gureum/constructs/alarmtopic"
	"github.com/gureum-cdk/gureum/constructs/internal/naming"
	"github.com/gureum-cdk/gureum/constructs/serverlessapi"
)

// Every default of PushNotify, in one place.
const (
	// DefaultSegments and DefaultConcurrency shape the fan-out: the device
	// table is scanned in this many parallel segments, and this many
	// Publish calls are in flight at once (SNS's Publish quota is per
	// account and region, shared with every other publisher).
	DefaultSegments    = 4
	DefaultConcurrency = 16
	// DefaultFanOutMemoryMB and DefaultFanOutTimeout size the fan-out
	// function; a job that runs longer is handed on through its queue.
	DefaultFanOutMemoryMB = 512
	DefaultFanOutTimeout  = 10 * time.Minute
	// DefaultSuccessSampleRate is the percentage of successful deliveries
	// SNS logs (every failure is logged).
	DefaultSuccessSampleRate = 10
	// DefaultMaxDevicesPerPlayer bounds the endpoints one player can make.
	DefaultMaxDevicesPerPlayer = 10
	// DefaultFailureRate raises the delivery alarm of a platform
	// application: 5% of its notifications failed over 15 minutes.
	DefaultFailureRate = 0.05
	// DefaultNoticeRetention keeps an unsent notice in the fan-out queue for
	// a day (a notice older than that is stale); its dead-letter queue keeps
	// failed fan-outs 14 days.
	DefaultNoticeRetention = 24 * time.Hour
)

// DefaultThrottle limits the device API's stage: registrations come at app
// launches.
var DefaultThrottle = serverlessapi.Throttle{RatePerSecond: 500, Burst: 1000}

// DefaultLogRetention applies to every log group the construct creates.
const DefaultLogRetention = awslogs.RetentionDays_ONE_YEAR

// DefaultEntries are gureum's handlers, by import path so that they build
// from any app that requires gureum.
var DefaultEntries = Entries{
	Register:    "github.com/gureum-cdk/gureum/functions/gameevents/registerdevice",
	Unregister:  "github.com/gureum-cdk/gureum/functions/gameevents/unregisterdevice",
	FanOut:      "github.com/gureum-cdk/gureum/functions/gameevents/fanout",
	Cleanup:     "github.com/gureum-cdk/gureum/functions/gameevents/endpointcleanup",
	PlatformApp: "github.com/gureum-cdk/gureum/functions/gameevents/platformapp/resource",
}

// SNS platform names of the applications.
const (
	PlatformFCM         = "GCM"
	PlatformAPNS        = "APNS"
	PlatformAPNSSandbox = "APNS_SANDBOX"
)

// app is one platform application, fully resolved.
type app struct {
	id                    string // construct id: "FCM" or "APNS"
	client                string // what devices send: "fcm" or "apns"
	platform              string // GCM, APNS or APNS_SANDBOX
	name                  string
	secret                awssecretsmanager.ISecret
	keyID, teamID, bundle string
	credentialVersion     string
}

// config is Props with every default applied: validation and the builders
// read it, never Props.
type config struct {
	apps              []app
	notices           awssns.ITopic
	api               API
	throttle          serverlessapi.Throttle
	maxDevices        int
	fanOut            FanOut
	successSampleRate int
	table             Table
	entries           Entries
	logRetention      awslogs.RetentionDays
	logKey            awskms.IKey
	alarmTopic        awssns.ITopic
	failureRate       float64
}

// resolve turns props into the construct's config. Names derive from the
// construct c (which must exist), and with no alarm topic given the stack's
// shared one is used.
func resolve(c constructs.Construct, p *Props) config {
	cfg := config{
		notices:      p.Notices,
		api:          p.API,
		throttle:     DefaultThrottle,
		maxDevices:   cmp.Or(p.API.MaxDevicesPerPlayer, DefaultMaxDevicesPerPlayer),
		table:        p.Table,
		logRetention: cmp.Or(p.LogRetention, DefaultLogRetention),
		logKey:       p.LogEncryptionKey,
		alarmTopic:   p.Alarms.Topic,
		failureRate:  cmp.Or(p.Alarms.FailureRate, DefaultFailureRate),
		fanOut: FanOut{
			Segments:    cmp.Or(p.FanOut.Segments, DefaultSegments),
			Concurrency: cmp.Or(p.FanOut.Concurrency, DefaultConcurrency),
			MemoryMB:    cmp.Or(p.FanOut.MemoryMB, DefaultFanOutMemoryMB),
			Timeout:     cmp.Or(p.FanOut.Timeout, DefaultFanOutTimeout),
		},
		successSampleRate: DefaultSuccessSampleRate,
		entries: Entries{
			Register:    cmp.Or(p.Entries.Register, DefaultEntries.Register),
			Unregister:  cmp.Or(p.Entries.Unregister, DefaultEntries.Unregister),
			FanOut:      cmp.Or(p.Entries.FanOut, DefaultEntries.FanOut),
			Cleanup:     cmp.Or(p.Entries.Cleanup, DefaultEntries.Cleanup),
			PlatformApp: cmp.Or(p.Entries.PlatformApp, DefaultEntries.PlatformApp),
		},
	}
	if p.API.Throttle != nil {
		cfg.throttle = *p.API.Throttle
	}
	if r := p.DeliveryStatus.SuccessSampleRate; r != nil {
		cfg.successSampleRate = *r
	}
	if f := p.FCM; f != nil {
		cfg.apps = append(cfg.apps, app{id: "FCM", client: "fcm", platform: PlatformFCM, secret: f.Secret,
			name: appName(c, f.Name, "fcm"), credentialVersion: f.CredentialVersion})
	}
	if a := p.APNS; a != nil {
		platform := PlatformAPNS
		if a.Sandbox {
			platform = PlatformAPNSSandbox
		}
		cfg.apps = append(cfg.apps, app{id: "APNS", client: "apns", platform: platform, secret: a.Secret,
			name: appName(c, a.Name, "apns"), keyID: a.SigningKeyID, teamID: a.TeamID, bundle: a.BundleID,
			credentialVersion: a.CredentialVersion})
	}
	return cfg
}

// appName is the given name, or one unique to the construct path.
func appName(c constructs.Construct, name, suffix string) string {
	if name != "" || c == nil {
		return name
	}
	return naming.Unique(c, "", 256-len(suffix)-1) + "-" + suffix
}

// topic is the alarm topic: the given one, or the stack's shared one.
func (cfg *config) topic(scope constructs.IConstruct) awssns.ITopic {
	if cfg.alarmTopic == nil {
		cfg.alarmTopic = alarmtopic.Shared(scope).Topic
	}
	return cfg.alarmTopic
}
