package push

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sns/types"
)

// API is the part of the SNS client Publish uses; *sns.Client satisfies it.
type API interface {
	Publish(ctx context.Context, in *sns.PublishInput, optFns ...func(*sns.Options)) (*sns.PublishOutput, error)
}

// Event types a Request may name.
const (
	EventStart = "start"
	EventEnd   = "end"
)

// Limits on a Request's text fields. Mobile push payloads are limited to 4 KB
// by APNs and FCM, and the message is repeated in every platform payload.
const (
	MaxMessageChars = 1000
	MaxTitleChars   = 100
)

var eventIDPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$`)

// Request is the schedule's payload.
type Request struct {
	// Event is "start" or "end". Required.
	Event string `json:"event"`
	// EventID names the game event: 1-128 letters, digits, '.', '_' or '-',
	// starting with a letter or digit. Required.
	EventID string `json:"eventId"`
	// Message is the notification's body, at most 1,000 characters. Required.
	Message string `json:"message"`
	// Title is the notification's title, at most 100 characters.
	// Default: "Event started" or "Event ended".
	Title string `json:"title,omitempty"`
}

// ParseRequest decodes a schedule payload, rejecting unknown fields.
func ParseRequest(payload []byte) (Request, error) {
	var r Request
	dec := json.NewDecoder(bytes.NewReader(payload))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&r); err != nil {
		return Request{}, fmt.Errorf("push: decode payload: %w", err)
	}
	if dec.More() {
		return Request{}, errors.New("push: decode payload: trailing data after the JSON object")
	}
	return r, nil
}

// Validate reports every problem with the request at once.
func (r Request) Validate() error {
	var errs []error
	if r.Event != EventStart && r.Event != EventEnd {
		errs = append(errs, fmt.Errorf(`push: "event" must be %q or %q, got %q`, EventStart, EventEnd, r.Event))
	}
	if !eventIDPattern.MatchString(r.EventID) {
		errs = append(errs, fmt.Errorf(`push: "eventId" %q must be 1-128 letters, digits, '.', '_' or '-', starting with a letter or digit`, r.EventID))
	}
	errs = append(errs, checkText("message", r.Message, MaxMessageChars, true), checkText("title", r.Title, MaxTitleChars, false))
	return errors.Join(errs...)
}

func checkText(field, v string, max int, required bool) error {
	switch {
	case !utf8.ValidString(v):
		return fmt.Errorf("push: %q is not valid UTF-8", field)
	case required && strings.TrimSpace(v) == "":
		return fmt.Errorf("push: %q is required", field)
	case utf8.RuneCountInString(v) > max:
		return fmt.Errorf("push: %q has %d characters, more than %d", field, utf8.RuneCountInString(v), max)
	}
	return nil
}

func (r Request) title() string {
	if r.Title != "" {
		return r.Title
	}
	if r.Event == EventStart {
		return "Event started"
	}
	return "Event ended"
}

// Message builds the SNS message body for MessageStructure "json": a JSON
// object whose values are strings, the platform ones themselves JSON.
func Message(r Request) (string, error) {
	title := r.title()
	data := map[string]string{"eventId": r.EventID, "event": r.Event}
	gcm := map[string]any{"fcmV1Message": map[string]any{"message": map[string]any{
		"notification": map[string]string{"title": title, "body": r.Message},
		"data":         data,
		"android":      map[string]any{"priority": "high"},
	}}}
	apns := map[string]any{
		"aps":     map[string]any{"alert": map[string]string{"title": title, "body": r.Message}, "sound": "default"},
		"eventId": r.EventID,
		"event":   r.Event,
	}
	gcmJSON, err := json.Marshal(gcm)
	if err != nil {
		return "", err
	}
	apnsJSON, err := json.Marshal(apns)
	if err != nil {
		return "", err
	}
	body, err := json.Marshal(map[string]string{
		"default":      r.Message,
		"GCM":          string(gcmJSON),
		"APNS":         string(apnsJSON),
		"APNS_SANDBOX": string(apnsJSON),
	})
	return string(body), err
}

// Publisher publishes event notifications to one SNS topic.
type Publisher struct {
	// API is the SNS client. Required.
	API API
	// TopicARN is the players' topic. Required.
	TopicARN string
	// Logger receives one line per publish. Default: slog.Default().
	Logger *slog.Logger
}

// Result reports a published notification.
type Result struct {
	MessageID string `json:"messageId"`
	Event     string `json:"event"`
	EventID   string `json:"eventId"`
}

// Input builds the PublishInput for r without sending it.
func (p *Publisher) Input(r Request) (*sns.PublishInput, error) {
	if p.TopicARN == "" {
		return nil, errors.New("push: no topic ARN (set TOPIC_ARN)")
	}
	if err := r.Validate(); err != nil {
		return nil, err
	}
	msg, err := Message(r)
	if err != nil {
		return nil, fmt.Errorf("push: build message: %w", err)
	}
	return &sns.PublishInput{
		TopicArn:         aws.String(p.TopicARN),
		Subject:          aws.String(subject(r.title())),
		Message:          aws.String(msg),
		MessageStructure: aws.String("json"),
		MessageAttributes: map[string]types.MessageAttributeValue{
			"event_type": {DataType: aws.String("String"), StringValue: aws.String(r.Event)},
			"event_id":   {DataType: aws.String("String"), StringValue: aws.String(r.EventID)},
			// The whole title (Subject keeps ASCII only), so a subscriber
			// such as the device fan-out can rebuild the Request.
			"title": {DataType: aws.String("String"), StringValue: aws.String(r.title())},
		},
	}, nil
}

// subject makes an SNS Subject (used by e-mail subscriptions): ASCII
// printable characters only, fewer than 100 of them.
func subject(title string) string {
	var b strings.Builder
	for _, c := range title {
		if c >= 0x20 && c < 0x7f && b.Len() < 99 {
			b.WriteRune(c)
		}
	}
	if s := strings.TrimSpace(b.String()); s != "" {
		return s
	}
	return "Game event"
}

// Publish validates r and publishes it.
func (p *Publisher) Publish(ctx context.Context, r Request) (Result, error) {
	in, err := p.Input(r)
	if err != nil {
		return Result{}, err
	}
	out, err := p.API.Publish(ctx, in)
	if err != nil {
		return Result{}, fmt.Errorf("push: publish %s of event %q: %w", r.Event, r.EventID, err)
	}
	res := Result{MessageID: aws.ToString(out.MessageId), Event: r.Event, EventID: r.EventID}
	logger := p.Logger
	if logger == nil {
		logger = slog.Default()
	}
	logger.InfoContext(ctx, "event notification published", "event", r.Event, "eventId", r.EventID, "messageId", res.MessageID)
	return res, nil
}
