package pushnotify

import (
	"regexp"
	"time"

	"github.com/aws/constructs-go/constructs/v10"

	"github.com/gureum-cdk/gureum/constructs/internal/golambda"
	"github.com/gureum-cdk/gureum/constructs/internal/validate"
)

var (
	appNameRE  = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,256}$`)
	appleIDRE  = regexp.MustCompile(`^[A-Z0-9]{10}$`)
	bundleIDRE = regexp.MustCompile(`^[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$`)
)

// Limits the construct accepts.
const (
	MaxSegments    = 100
	MaxConcurrency = 1000
	// MinFanOutTimeout leaves the fan-out time to work before it keeps its
	// 30-second reserve for handing a job on.
	MinFanOutTimeout = time.Minute
	MaxFanOutTimeout = 15 * time.Minute
	MaxDevices       = 100
)

// Validate reports every invalid prop of a PushNotify that would be created
// as id under scope, without creating anything.
func Validate(scope constructs.Construct, id string, props *Props) error {
	return validateProps(scope, id, props)
}

func validateProps(scope constructs.Construct, id string, p *Props) error {
	v := validate.New("pushnotify", scope, id)
	if p == nil {
		v.Addf("Props", "must not be nil: Notices, API.UserPools and FCM or APNS are required")
		return v.Err()
	}
	cfg := resolve(nil, p)
	v.Check(p.FCM != nil || p.APNS != nil, "FCM", "at least one of FCM and APNS is required")
	if f := p.FCM; f != nil {
		v.Check(f.Secret != nil, "FCM.Secret", "is required: the secret holding the service account JSON key file")
		v.Check(f.Name == "" || appNameRE.MatchString(f.Name), "FCM.Name", "%q must be 1-256 letters, digits, '_', '-' or '.'", f.Name)
	}
	if a := p.APNS; a != nil {
		v.Check(a.Secret != nil, "APNS.Secret", "is required: the secret holding the .p8 signing key")
		v.Check(a.Name == "" || appNameRE.MatchString(a.Name), "APNS.Name", "%q must be 1-256 letters, digits, '_', '-' or '.'", a.Name)
		v.Check(appleIDRE.MatchString(a.SigningKeyID), "APNS.SigningKeyID", "%q is not a 10-character Apple key ID (upper-case letters and digits)", a.SigningKeyID)
		v.Check(appleIDRE.MatchString(a.TeamID), "APNS.TeamID", "%q is not a 10-character Apple team ID (upper-case letters and digits)", a.TeamID)
		v.Check(len(a.BundleID) <= 155 && bundleIDRE.MatchString(a.BundleID), "APNS.BundleID", "%q is not a bundle identifier such as \"com.example.game\"", a.BundleID)
	}
	v.Check(p.Notices != nil, "Notices", "is required: the topic whose notices reach the devices")
	v.Check(len(p.API.UserPools) > 0, "API.UserPools", "at least one Cognito user pool is required: the player is the caller's Cognito identity")
	if t := p.API.Throttle; t != nil {
		v.Check(t.RatePerSecond > 0 && t.Burst > 0, "API.Throttle", "rate %g and burst %d must both be positive", t.RatePerSecond, t.Burst)
	}
	m := p.API.MaxDevicesPerPlayer
	v.Check(m >= 0 && m <= MaxDevices, "API.MaxDevicesPerPlayer", "%d is outside 1..%d", m, MaxDevices)
	f := cfg.fanOut
	v.Check(f.Segments >= 1 && f.Segments <= MaxSegments, "FanOut.Segments", "%d is outside 1..%d", f.Segments, MaxSegments)
	v.Check(f.Concurrency >= 1 && f.Concurrency <= MaxConcurrency, "FanOut.Concurrency", "%d is outside 1..%d", f.Concurrency, MaxConcurrency)
	v.Check(f.MemoryMB >= 128 && f.MemoryMB <= 10240, "FanOut.MemoryMB", "%d is outside Lambda's range 128..10240", f.MemoryMB)
	v.Check(f.Timeout >= MinFanOutTimeout && f.Timeout <= MaxFanOutTimeout && f.Timeout%time.Second == 0, "FanOut.Timeout",
		"%s is outside %s..%s (whole seconds)", f.Timeout, MinFanOutTimeout, MaxFanOutTimeout)
	v.Check(cfg.successSampleRate >= 0 && cfg.successSampleRate <= 100, "DeliveryStatus.SuccessSampleRate", "%d is not a percentage 0..100", cfg.successSampleRate)
	v.Check(cfg.failureRate > 0 && cfg.failureRate <= 1, "Alarms.FailureRate", "%g is not a share in (0, 1]", cfg.failureRate)
	for _, e := range []struct{ prop, entry string }{
		{"Entries.Register", cfg.entries.Register}, {"Entries.Unregister", cfg.entries.Unregister},
		{"Entries.FanOut", cfg.entries.FanOut}, {"Entries.Cleanup", cfg.entries.Cleanup},
		{"Entries.PlatformApp", cfg.entries.PlatformApp},
	} {
		if err := golambda.CheckEntry(e.entry); err != nil {
			v.Addf(e.prop, "%v", err)
		}
	}
	return v.Err()
}
