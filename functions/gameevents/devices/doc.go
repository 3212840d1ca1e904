// Package devices delivers gureum's game-event notices to players' phones
// through Amazon SNS mobile push: device registration, the fan-out to every
// registered device, and the cleanup of endpoints the push services reject.
//
// The device table (constructs/pushnotify creates it) holds one item per
// player and device token: partition key "player" (the Cognito sub), sort
// key "token", the platform ("fcm" or "apns") and the SNS platform
// endpoint's ARN, indexed by the "endpoint" global secondary index.
//
//   - Handler serves PUT /devices (Registry.Register: create or refresh the
//     platform endpoint the way SNS documents it — reuse, re-create when
//     deleted, set the token and re-enable when stale — then store player →
//     endpoint; the token moves to the caller if another player held it) and
//     DELETE /devices/{token}. The player comes from the Cognito claims only.
//   - FanOut reads the notices published to the players' topic (delivered
//     through an SQS queue), scans the table in parallel segments and
//     publishes to each endpoint directly, with bounded concurrency; a job
//     that nears the function's deadline is handed on through the queue at a
//     page boundary, so no device is notified twice. Direct publishing, rather
//     than subscribing every endpoint to the topic, is what makes SNS report
//     permanent delivery failures (the EventDeliveryFailure event covers
//     direct publishes) and answer EndpointDisabled, and it needs no
//     subscription bookkeeping per device.
//   - Cleanup handles the platform applications' EventDeliveryFailure and
//     EventEndpointUpdated events: a disabled endpoint is deleted with its
//     registrations.
package devices
