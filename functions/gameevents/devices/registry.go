package devices

import (
	"context"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"
)

// DefaultMaxDevices is how many devices a player keeps registered; the least
// recently refreshed beyond it are unregistered.
const DefaultMaxDevices = 10

var (
	// APNs device tokens are hexadecimal; Apple says their length may
	// change, so 32 to 100 bytes are accepted.
	apnsTokenRE = regexp.MustCompile(`^[0-9a-f]{64,200}$`)
	// FCM registration tokens are URL-safe text (letters, digits, '-', '_',
	// ':' and '.'); 32 to 1,024 characters, the longest a DynamoDB sort key
	// can hold comfortably.
	fcmTokenRE = regexp.MustCompile(`^[A-Za-z0-9_:.-]+$`)
)

// NormalizeToken checks a token's format for its platform and returns its
// canonical form (APNs tokens in lower case), or an error for the client.
func NormalizeToken(platform, token string) (string, error) {
	switch platform {
	case PlatformAPNS:
		t := strings.ToLower(token)
		if !apnsTokenRE.MatchString(t) || len(t)%2 != 0 {
			return "", fmt.Errorf("an APNs device token is 64 to 200 hexadecimal characters (an even number)")
		}
		return t, nil
	case PlatformFCM:
		if len(token) < 32 || len(token) > 1024 || !fcmTokenRE.MatchString(token) {
			return "", fmt.Errorf("an FCM registration token is 32 to 1024 letters, digits, '-', '_', ':' or '.'")
		}
		return token, nil
	}
	return "", fmt.Errorf("platform must be %q or %q", PlatformFCM, PlatformAPNS)
}

// Registry registers players' devices: a platform endpoint in SNS and the
// player → endpoint item in the table.
type Registry struct {
	Store     *Store
	Endpoints *Endpoints
	// MaxDevices per player. Default: DefaultMaxDevices.
	MaxDevices int
	// Now is the clock. Default: time.Now.
	Now func() time.Time
}

func (r *Registry) now() time.Time {
	if r.Now != nil {
		return r.Now().UTC()
	}
	return time.Now().UTC()
}

// Register registers or refreshes the player's token (already normalized)
// and reports whether it was new for this player. It is idempotent: the same
// call again changes only UpdatedAt.
func (r *Registry) Register(ctx context.Context, player, platform, token string) (Device, bool, error) {
	old, found, err := r.Store.Get(ctx, player, token)
	if err != nil {
		return Device{}, false, err
	}
	known := ""
	if found && old.Platform == platform {
		known = old.EndpointArn
	}
	arn, err := r.Endpoints.Ensure(ctx, platform, token, known)
	if err != nil {
		return Device{}, false, err
	}
	now := r.now()
	d := Device{Player: player, Token: token, Platform: platform, EndpointArn: arn, CreatedAt: now, UpdatedAt: now}
	if found {
		d.CreatedAt = old.CreatedAt
	}
	if err := r.Store.Put(ctx, d); err != nil {
		return Device{}, false, err
	}
	// The endpoint belongs to this registration only: a token signed in by
	// another player moves to this one, and a token SNS replaced (FCM's
	// canonical tokens) leaves no stale item behind.
	others, err := r.Store.ByEndpoint(ctx, arn)
	if err != nil {
		return Device{}, false, err
	}
	for _, o := range others {
		if o.Player != player || o.Token != token {
			if _, err := r.Store.Delete(ctx, o.Player, o.Token, arn); err != nil {
				return Device{}, false, err
			}
		}
	}
	if err := r.trim(ctx, player, token); err != nil {
		return Device{}, false, err
	}
	return d, !found, nil
}

// trim unregisters the player's least recently refreshed devices beyond
// MaxDevices, never keep.
func (r *Registry) trim(ctx context.Context, player, keep string) error {
	max := r.MaxDevices
	if max <= 0 {
		max = DefaultMaxDevices
	}
	all, err := r.Store.ByPlayer(ctx, player)
	if err != nil || len(all) <= max {
		return err
	}
	sort.Slice(all, func(i, j int) bool { return all[i].UpdatedAt.After(all[j].UpdatedAt) })
	kept := 0
	for _, d := range all {
		if d.Token == keep || kept < max-1 {
			if d.Token != keep {
				kept++
			}
			continue
		}
		if err := r.unregister(ctx, d); err != nil {
			return err
		}
	}
	return nil
}

// Unregister removes the player's registration of token and its endpoint;
// it reports whether there was one. A token the player does not hold (never
// registered, already removed, or since signed in by another player) is
// left alone.
func (r *Registry) Unregister(ctx context.Context, player, token string) (bool, error) {
	d, found, err := r.Store.Get(ctx, player, token)
	if err != nil || !found {
		return false, err
	}
	return true, r.unregister(ctx, d)
}

func (r *Registry) unregister(ctx context.Context, d Device) error {
	removed, err := r.Store.Delete(ctx, d.Player, d.Token, d.EndpointArn)
	if err != nil || !removed {
		return err
	}
	return r.Endpoints.Delete(ctx, d.EndpointArn)
}
