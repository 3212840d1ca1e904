// Package push announces the start and end of a gureum game event to players.
//
// EventBridge Scheduler invokes the event-publisher Lambda at event start and
// event end with a payload such as
//
//	{"event": "start", "eventId": "winter-2026", "message": "The winter event has begun!"}
//
// Publish validates it and publishes one SNS message to the players' topic.
// The message uses MessageStructure "json": a "default" text for e-mail, SQS
// and other subscribers, and platform payloads for mobile push endpoints:
// "GCM" in the FCM HTTP v1 form ({"fcmV1Message": {...}}), and "APNS" and
// "APNS_SANDBOX" with an "aps" alert. Message attributes "event_type" and
// "event_id" let subscriptions filter (for example, only "start"); with
// "title" and the "default" text they carry the whole Request, which is how
// the device fan-out (package devices) rebuilds it from the topic.
//
// A standard SNS topic does not deduplicate, so a scheduler retry after a
// successful publish sends the notification twice; the schedule's retry policy
// should allow few retries.
package push
