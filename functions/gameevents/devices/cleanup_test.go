package devices

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/aws/aws-lambda-go/events"
)

// appEvent is a platform application event as SNS sends it to the event
// topic and the topic delivers it to the cleanup function.
func appEvent(t *testing.T, eventType, arn string) events.SNSEvent {
	t.Helper()
	msg, _ := json.Marshal(map[string]any{
		"EventType": eventType, "EndpointArn": arn, "FailureType": "EndpointDisabled",
		"FailureMessage": "Endpoint is disabled", "Service": "SNS", "DeliveryAttempts": 1,
		"Resource": "arn:aws:sns:ap-northeast-2:123456789012:app/GCM/game-fcm", "Time": "2026-12-05T04:00:00.000Z",
	})
	return events.SNSEvent{Records: []events.SNSEventRecord{{SNS: events.SNSEntity{MessageID: "m1", Message: string(msg)}}}}
}

func TestCleanup(t *testing.T) {
	e := newEnv(t)
	c := &Cleanup{Store: e.registry.Store, Endpoints: e.registry.Endpoints, Logger: quiet}
	ctx := context.Background()

	// A delivery failure on an endpoint SNS disabled removes both.
	register(t, e, "p", PlatformFCM, fcmToken(1))
	d, _ := stored(t, e, "p", fcmToken(1))
	e.sns.Disable(d.EndpointArn)
	if err := c.Handle(ctx, appEvent(t, "DeliveryFailure", d.EndpointArn)); err != nil {
		t.Fatal(err)
	}
	if _, ok := stored(t, e, "p", fcmToken(1)); ok {
		t.Error("registration of a disabled endpoint kept")
	}
	if _, ok := e.sns.Endpoint(d.EndpointArn); ok {
		t.Error("disabled endpoint kept")
	}

	// An event about an endpoint that is still enabled changes nothing.
	register(t, e, "p", PlatformAPNS, apnsToken(2))
	d2, _ := stored(t, e, "p", apnsToken(2))
	if err := c.Handle(ctx, appEvent(t, "EndpointUpdated", d2.EndpointArn)); err != nil {
		t.Fatal(err)
	}
	if _, ok := stored(t, e, "p", apnsToken(2)); !ok {
		t.Error("an enabled endpoint's registration was removed")
	}

	// SNS replaced the token (FCM canonical token): the registration follows.
	register(t, e, "q", PlatformFCM, fcmToken(3))
	d3, _ := stored(t, e, "q", fcmToken(3))
	e.sns.SetToken(d3.EndpointArn, fcmToken(4))
	if err := c.Handle(ctx, appEvent(t, "EndpointUpdated", d3.EndpointArn)); err != nil {
		t.Fatal(err)
	}
	if _, ok := stored(t, e, "q", fcmToken(3)); ok {
		t.Error("old token's registration kept")
	}
	if moved, ok := stored(t, e, "q", fcmToken(4)); !ok || moved.EndpointArn != d3.EndpointArn || !moved.CreatedAt.Equal(d3.CreatedAt) {
		t.Errorf("registration not moved to the new token: %+v %v", moved, ok)
	}

	// An endpoint deleted elsewhere loses its registration.
	register(t, e, "r", PlatformFCM, fcmToken(5))
	d5, _ := stored(t, e, "r", fcmToken(5))
	e.sns.DeleteEndpointNow(d5.EndpointArn)
	if err := c.Handle(ctx, appEvent(t, "DeliveryFailure", d5.EndpointArn)); err != nil {
		t.Fatal(err)
	}
	if _, ok := stored(t, e, "r", fcmToken(5)); ok {
		t.Error("registration of a deleted endpoint kept")
	}

	// A transient SNS failure fails the invocation, so Lambda retries it.
	register(t, e, "s", PlatformFCM, fcmToken(6))
	d6, _ := stored(t, e, "s", fcmToken(6))
	e.sns.FailNext("GetEndpointAttributes", 5, 500, "InternalError")
	if err := c.Handle(ctx, appEvent(t, "DeliveryFailure", d6.EndpointArn)); err == nil {
		t.Error("an SNS failure was swallowed")
	}
	// Events without an endpoint are ignored, not retried.
	if err := c.Handle(ctx, events.SNSEvent{Records: []events.SNSEventRecord{{SNS: events.SNSEntity{Message: "{}"}}}}); err != nil {
		t.Errorf("an event without an endpoint failed: %v", err)
	}
}
