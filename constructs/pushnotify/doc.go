// Package pushnotify provides PushNotify: the path from a game's notices to
// its players' phones through Amazon SNS mobile push.
//
//   - Platform applications for FCM (HTTP v1, the Firebase service account's
//     JSON key) and APNs (token-based: a .p8 signing key, key ID, team ID and
//     bundle ID; production or sandbox), created by a Lambda-backed custom
//     resource (CloudFormation has no resource type for them) whose handler
//     reads the credential from Secrets Manager itself: the template, the
//     resource's properties and the logs only ever name the secret.
//   - A device-registration API (serverlessapi, Cognito user pools):
//     PUT /devices {"platform": "fcm"|"apns", "token": "…"} creates or
//     refreshes the player's platform endpoint and stores player → endpoint
//     in a DynamoDB table (retained, deletion-protected, point-in-time
//     recovery); DELETE /devices/{token} removes it. The player is the
//     caller's Cognito sub, never a body field.
//   - A fan-out: an SQS queue subscribed to Props.Notices feeds a function
//     that scans the device table in parallel segments and publishes to
//     every endpoint with bounded concurrency. Publishing to each endpoint
//     (rather than subscribing endpoints to the topic) is what makes SNS
//     answer EndpointDisabled and emit EventDeliveryFailure events (they
//     cover direct publishes), and it needs no subscription per device.
//   - Cleanup: the applications' EventDeliveryFailure and
//     EventEndpointUpdated events go to an encrypted topic whose function
//     deletes disabled endpoints and their registrations.
//   - Delivery-status logs (every failure and a sample of successes, in log
//     groups with a retention) and alarms on the failed share of
//     notifications, the fan-out's errors, dead letters and Publish
//     failures, and the cleanup's errors, sent to Alarms.Topic or the
//     stack's shared alarm topic.
//
// The package's Example (example_test.go) is the smallest use. Defaults live
// in defaults.go; a field set in Props wins over its default. The handlers
// are in functions/gameevents (devices, platformapp).
package pushnotify
