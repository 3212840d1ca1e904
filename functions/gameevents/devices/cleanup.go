package devices

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"

	"github.com/aws/aws-lambda-go/events"
)

// AppEvent is the part of a platform application's event notification (the
// EventDeliveryFailure and EventEndpointUpdated attributes send them to a
// topic) the cleanup reads. The endpoint's state is read back from SNS
// rather than trusted from the event.
type AppEvent struct {
	EventType   string `json:"EventType"`
	EndpointArn string `json:"EndpointArn"`
	FailureType string `json:"FailureType,omitempty"`
}

// Cleanup keeps the device table in step with the platform endpoints: an
// endpoint SNS disabled (the push service said its token is invalid) is
// deleted with its registrations; one that no longer exists loses its
// registrations; one whose token SNS replaced (FCM canonical tokens) has
// its registration moved to the new token.
type Cleanup struct {
	Store     *Store
	Endpoints *Endpoints
	Logger    *slog.Logger
}

// Handle processes the platform application events SNS delivered. It fails
// (so Lambda retries the event) only when DynamoDB or SNS failed.
func (c *Cleanup) Handle(ctx context.Context, ev events.SNSEvent) error {
	var errs []error
	for _, r := range ev.Records {
		var e AppEvent
		if err := json.Unmarshal([]byte(r.SNS.Message), &e); err != nil || e.EndpointArn == "" {
			c.logger().WarnContext(ctx, "ignored an event without an endpoint", "messageId", r.SNS.MessageID)
			continue
		}
		if err := c.Endpoint(ctx, e.EndpointArn); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// Endpoint reconciles one endpoint's registrations with its state in SNS.
func (c *Cleanup) Endpoint(ctx context.Context, arn string) error {
	exists, enabled, token, err := c.Endpoints.State(ctx, arn)
	if err != nil {
		return err
	}
	regs, err := c.Store.ByEndpoint(ctx, arn)
	if err != nil {
		return err
	}
	switch {
	case !exists || !enabled:
		for _, d := range regs {
			if _, err := c.Store.Delete(ctx, d.Player, d.Token, arn); err != nil {
				return err
			}
		}
		if exists {
			if err := c.Endpoints.Delete(ctx, arn); err != nil {
				return err
			}
		}
		c.logger().InfoContext(ctx, "endpoint removed", "endpoint", arn, "existed", exists, "registrations", len(regs))
	default:
		for _, d := range regs {
			if d.Token == token {
				continue
			}
			moved := d
			moved.Token = token
			if err := c.Store.Put(ctx, moved); err != nil {
				return err
			}
			if _, err := c.Store.Delete(ctx, d.Player, d.Token, arn); err != nil {
				return fmt.Errorf("devices: move registration to the new token: %w", err)
			}
			c.logger().InfoContext(ctx, "registration moved to the endpoint's new token", "endpoint", arn)
		}
	}
	return nil
}

func (c *Cleanup) logger() *slog.Logger {
	if c.Logger != nil {
		return c.Logger
	}
	return slog.Default()
}
