package devices

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
)

func register(t *testing.T, e *env, player, platform, token string) (int, map[string]any) {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"platform": platform, "token": token})
	resp, err := e.handler.Register(context.Background(), apiRequest(player, string(body), ""))
	if err != nil {
		t.Fatalf("Register returned a Go error: %v", err)
	}
	var out map[string]any
	if err := json.Unmarshal([]byte(resp.Body), &out); err != nil {
		t.Fatalf("body %q is not JSON: %v", resp.Body, err)
	}
	return resp.StatusCode, out
}

func unregister(t *testing.T, e *env, player, token string) int {
	t.Helper()
	resp, err := e.handler.Unregister(context.Background(), apiRequest(player, "", token))
	if err != nil {
		t.Fatalf("Unregister returned a Go error: %v", err)
	}
	return resp.StatusCode
}

func stored(t *testing.T, e *env, player, token string) (Device, bool) {
	t.Helper()
	d, ok, err := e.registry.Store.Get(context.Background(), player, token)
	if err != nil {
		t.Fatal(err)
	}
	return d, ok
}

func TestRegisterIsIdempotent(t *testing.T) {
	e := newEnv(t)
	for _, tc := range []struct{ platform, token, snsPlatform string }{
		{PlatformFCM, fcmToken(1), "GCM"},
		{PlatformAPNS, apnsToken(1), "APNS"},
	} {
		status, body := register(t, e, "player-1", tc.platform, tc.token)
		if status != 201 || body["platform"] != tc.platform || body["token"] != tc.token {
			t.Fatalf("first PUT: %d %v, want 201 with the registration", status, body)
		}
		if _, leaked := body["endpointArn"]; leaked {
			t.Errorf("the response reveals the endpoint ARN: %v", body)
		}
		d, ok := stored(t, e, "player-1", tc.token)
		if !ok {
			t.Fatal("no item stored")
		}
		ep, ok := e.sns.Endpoint(d.EndpointArn)
		if !ok || ep.Platform != tc.snsPlatform || ep.Attributes["Token"] != tc.token || ep.Attributes["Enabled"] != "true" {
			t.Fatalf("endpoint %+v (exists %v), want an enabled %s endpoint with the token", ep, ok, tc.snsPlatform)
		}
		status, _ = register(t, e, "player-1", tc.platform, tc.token)
		if status != 200 {
			t.Errorf("second PUT answered %d, want 200", status)
		}
		d2, _ := stored(t, e, "player-1", tc.token)
		if d2.EndpointArn != d.EndpointArn || !d2.CreatedAt.Equal(d.CreatedAt) {
			t.Errorf("refresh changed the registration: %+v -> %+v", d, d2)
		}
	}
	if n := e.sns.Endpoints(); n != 2 {
		t.Errorf("%d endpoints after registering two tokens twice, want 2", n)
	}
}

func TestRegisterUppercaseAPNsTokenIsTheSameDevice(t *testing.T) {
	e := newEnv(t)
	register(t, e, "p", PlatformAPNS, apnsToken(7))
	if status, _ := register(t, e, "p", PlatformAPNS, strings.ToUpper(apnsToken(7))); status != 200 {
		t.Errorf("upper-case token: %d, want 200 (the same device)", status)
	}
	if n := e.sns.Endpoints(); n != 1 {
		t.Errorf("%d endpoints, want 1", n)
	}
}

func TestRegisterReenablesADisabledEndpoint(t *testing.T) {
	e := newEnv(t)
	register(t, e, "p", PlatformFCM, fcmToken(2))
	d, _ := stored(t, e, "p", fcmToken(2))
	e.sns.Disable(d.EndpointArn) // the app was reinstalled: FCM had reported the token invalid
	if status, _ := register(t, e, "p", PlatformFCM, fcmToken(2)); status != 200 {
		t.Fatalf("refresh: %d", status)
	}
	if ep, _ := e.sns.Endpoint(d.EndpointArn); ep.Attributes["Enabled"] != "true" {
		t.Errorf("endpoint still disabled: %v", ep.Attributes)
	}
	if e.sns.Count("SetEndpointAttributes") != 1 {
		t.Errorf("SetEndpointAttributes called %d times, want 1", e.sns.Count("SetEndpointAttributes"))
	}
}

func TestRegisterRecreatesADeletedEndpoint(t *testing.T) {
	e := newEnv(t)
	register(t, e, "p", PlatformAPNS, apnsToken(3))
	d, _ := stored(t, e, "p", apnsToken(3))
	e.sns.DeleteEndpointNow(d.EndpointArn)
	if status, _ := register(t, e, "p", PlatformAPNS, apnsToken(3)); status != 200 {
		t.Fatalf("refresh: %d", status)
	}
	d2, _ := stored(t, e, "p", apnsToken(3))
	if d2.EndpointArn == d.EndpointArn {
		t.Fatal("the registration still points at the deleted endpoint")
	}
	if _, ok := e.sns.Endpoint(d2.EndpointArn); !ok {
		t.Error("the new endpoint does not exist")
	}
}

func TestRegisterMovesATokenToTheNewPlayer(t *testing.T) {
	e := newEnv(t)
	register(t, e, "alice", PlatformFCM, fcmToken(4))
	status, _ := register(t, e, "bob", PlatformFCM, fcmToken(4)) // bob signs in on alice's phone
	if status != 201 {
		t.Fatalf("bob's PUT: %d", status)
	}
	if _, ok := stored(t, e, "alice", fcmToken(4)); ok {
		t.Error("alice still holds the token: she would get bob's notifications")
	}
	if _, ok := stored(t, e, "bob", fcmToken(4)); !ok {
		t.Error("bob does not hold the token")
	}
	if n := e.sns.Endpoints(); n != 1 {
		t.Errorf("%d endpoints, want 1 (one per token)", n)
	}
	// alice's DELETE of the token she no longer holds leaves bob's alone.
	if status := unregister(t, e, "alice", fcmToken(4)); status != 204 {
		t.Errorf("alice's DELETE: %d, want 204", status)
	}
	d, ok := stored(t, e, "bob", fcmToken(4))
	if _, exists := e.sns.Endpoint(d.EndpointArn); !ok || !exists {
		t.Error("alice's DELETE removed bob's registration")
	}
}

func TestRegisterKeepsTheNewestDevices(t *testing.T) {
	e := newEnv(t)
	e.registry.MaxDevices = 3
	for i := 0; i < 5; i++ {
		register(t, e, "p", PlatformFCM, fcmToken(100+i))
	}
	all, err := e.registry.Store.ByPlayer(context.Background(), "p")
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, d := range all {
		got[d.Token] = true
	}
	for i := 2; i < 5; i++ {
		if !got[fcmToken(100+i)] {
			t.Errorf("token %d was evicted, want the 3 newest kept", i)
		}
	}
	if len(all) != 3 || e.sns.Endpoints() != 3 {
		t.Errorf("%d registrations and %d endpoints, want 3 each", len(all), e.sns.Endpoints())
	}
}

func TestRegisterRejectsBadInput(t *testing.T) {
	e := newEnv(t)
	for _, tc := range []struct {
		name, player, body string
		status             int
		want               string
	}{
		{"no identity", "", `{"platform":"fcm","token":"` + fcmToken(1) + `"}`, 401, "Cognito identity"},
		{"player in body", "p", `{"platform":"fcm","token":"` + fcmToken(1) + `","player":"someone-else"}`, 400, "unknown field"},
		{"not json", "p", `platform=fcm`, 400, "request body"},
		{"unknown platform", "p", `{"platform":"wns","token":"` + fcmToken(1) + `"}`, 400, "platform must be"},
		{"apns token not hex", "p", `{"platform":"apns","token":"` + strings.Repeat("z", 64) + `"}`, 400, "hexadecimal"},
		{"apns token short", "p", `{"platform":"apns","token":"abcd"}`, 400, "hexadecimal"},
		{"fcm token short", "p", `{"platform":"fcm","token":"abc"}`, 400, "FCM registration token"},
		{"fcm token with space", "p", `{"platform":"fcm","token":"` + strings.Repeat("a", 40) + ` x"}`, 400, "FCM registration token"},
		{"too large", "p", `{"platform":"fcm","token":"` + strings.Repeat("a", MaxBodyBytes) + `"}`, 413, "larger than"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, _ := e.handler.Register(context.Background(), apiRequest(tc.player, tc.body, ""))
			if resp.StatusCode != tc.status || !strings.Contains(resp.Body, tc.want) {
				t.Errorf("%d %s, want %d containing %q", resp.StatusCode, resp.Body, tc.status, tc.want)
			}
		})
	}
	if e.sns.Endpoints() != 0 || len(e.sns.Calls()) != 0 {
		t.Errorf("bad requests reached SNS: %d calls", len(e.sns.Calls()))
	}
}

func TestRegisterPlatformNotEnabled(t *testing.T) {
	e := newEnv(t)
	delete(e.registry.Endpoints.Apps, PlatformAPNS)
	if status, body := register(t, e, "p", PlatformAPNS, apnsToken(1)); status != 400 || !strings.Contains(body["error"].(string), "not enabled") {
		t.Errorf("%d %v, want 400 not enabled", status, body)
	}
}

func TestRegisterTokenRefusedBySNSIs400(t *testing.T) {
	e := newEnv(t)
	e.sns.FailNext("CreatePlatformEndpoint", 1, 400, "InvalidParameter")
	status, body := register(t, e, "p", PlatformFCM, fcmToken(9))
	if status != 400 {
		t.Errorf("%d %v, want 400", status, body)
	}
	if _, ok := stored(t, e, "p", fcmToken(9)); ok {
		t.Error("a refused token was stored")
	}
}

func TestRegisterSNSFailureIs500WithoutDetails(t *testing.T) {
	e := newEnv(t)
	e.sns.FailNext("CreatePlatformEndpoint", 5, 500, "InternalError")
	status, body := register(t, e, "p", PlatformFCM, fcmToken(10))
	if status != 500 || body["error"] != "internal error" {
		t.Errorf("%d %v, want 500 internal error", status, body)
	}
	if strings.Contains(e.logs.String(), fcmToken(10)) {
		t.Error("the log holds the device token")
	}
}

func TestUnregister(t *testing.T) {
	e := newEnv(t)
	register(t, e, "p", PlatformFCM, fcmToken(11))
	d, _ := stored(t, e, "p", fcmToken(11))
	for i := 0; i < 2; i++ { // idempotent
		if status := unregister(t, e, "p", fcmToken(11)); status != 204 {
			t.Fatalf("DELETE %d: %d, want 204", i, status)
		}
	}
	if _, ok := stored(t, e, "p", fcmToken(11)); ok {
		t.Error("registration still stored")
	}
	if _, ok := e.sns.Endpoint(d.EndpointArn); ok {
		t.Error("endpoint not deleted")
	}
	if status := unregister(t, e, "p", "not a token!"); status != 400 {
		t.Errorf("malformed token: %d, want 400", status)
	}
	if status := unregister(t, e, "", fcmToken(11)); status != 401 {
		t.Errorf("no identity: %d, want 401", status)
	}
	// An APNs token given in upper case, or URL-escaped, is the same one.
	register(t, e, "p", PlatformAPNS, apnsToken(12))
	if status := unregister(t, e, "p", strings.ToUpper(apnsToken(12))); status != 204 {
		t.Errorf("upper-case APNs token: %d", status)
	}
	if _, ok := stored(t, e, "p", apnsToken(12)); ok {
		t.Error("upper-case DELETE left the registration")
	}
	register(t, e, "p", PlatformFCM, fcmToken(13))
	if status := unregister(t, e, "p", strings.ReplaceAll(fcmToken(13), ":", "%3A")); status != 204 {
		t.Errorf("escaped token: %d", status)
	}
	if _, ok := stored(t, e, "p", fcmToken(13)); ok {
		t.Error("escaped DELETE left the registration")
	}
}
