package push

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"
)

// recorder records Publish inputs; no local SNS server exists.
type recorder struct {
	inputs []*sns.PublishInput
	err    error
}

func (r *recorder) Publish(_ context.Context, in *sns.PublishInput, _ ...func(*sns.Options)) (*sns.PublishOutput, error) {
	r.inputs = append(r.inputs, in)
	if r.err != nil {
		return nil, r.err
	}
	return &sns.PublishOutput{MessageId: aws.String("msg-1")}, nil
}

const topic = "arn:aws:sns:ap-northeast-2:123456789012:players"

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

func TestValidate(t *testing.T) {
	tests := []struct {
		name    string
		payload string
		wantErr []string
	}{
		{"start", `{"event":"start","eventId":"winter-2026","message":"Go!"}`, nil},
		{"end with title", `{"event":"end","eventId":"w.1_a","message":"Thanks","title":"이벤트 종료"}`, nil},
		{"unknown event", `{"event":"pause","eventId":"e1","message":"x"}`, []string{`"event" must be "start" or "end", got "pause"`}},
		{"upper-case event", `{"event":"START","eventId":"e1","message":"x"}`, []string{`got "START"`}},
		{"missing eventId", `{"event":"start","message":"x"}`, []string{`"eventId" ""`}},
		{"eventId with slash", `{"event":"start","eventId":"a/b","message":"x"}`, []string{`"eventId" "a/b"`}},
		{"blank message", `{"event":"start","eventId":"e1","message":"  "}`, []string{`"message" is required`}},
		{"long message", `{"event":"start","eventId":"e1","message":"` + strings.Repeat("가", 1001) + `"}`, []string{`"message" has 1001 characters, more than 1000`}},
		{"long title", `{"event":"end","eventId":"e1","message":"x","title":"` + strings.Repeat("t", 101) + `"}`, []string{`"title" has 101 characters`}},
		{"everything wrong", `{"event":"","eventId":"","message":""}`, []string{`"event" must be`, `"eventId"`, `"message" is required`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, err := ParseRequest([]byte(tc.payload))
			if err != nil {
				t.Fatal(err)
			}
			err = r.Validate()
			if len(tc.wantErr) == 0 {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("no error, want %q", tc.wantErr)
			}
			for _, w := range tc.wantErr {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

func TestParseRequestRejectsUnknownFields(t *testing.T) {
	if _, err := ParseRequest([]byte(`{"event":"start","event_id":"e1","message":"x"}`)); err == nil || !strings.Contains(err.Error(), "unknown field") {
		t.Fatalf("err = %v, want unknown field", err)
	}
}

func TestPublishBuildsStructuredMessage(t *testing.T) {
	for _, tc := range []struct {
		req       Request
		wantTitle string
	}{
		{Request{Event: "start", EventID: "winter-2026", Message: "The winter event has begun! \"Go\""}, "Event started"},
		{Request{Event: "end", EventID: "winter-2026", Message: "See you next time", Title: "Winter event over"}, "Winter event over"},
	} {
		t.Run(tc.req.Event, func(t *testing.T) {
			rec := &recorder{}
			p := &Publisher{API: rec, TopicARN: topic, Logger: quiet}
			res, err := p.Publish(context.Background(), tc.req)
			if err != nil {
				t.Fatal(err)
			}
			if res.MessageID != "msg-1" || res.Event != tc.req.Event {
				t.Errorf("result %+v", res)
			}
			if len(rec.inputs) != 1 {
				t.Fatalf("%d Publish calls, want 1", len(rec.inputs))
			}
			in := rec.inputs[0]
			if got := aws.ToString(in.TopicArn); got != topic {
				t.Errorf("TopicArn %q, want %q", got, topic)
			}
			if got := aws.ToString(in.MessageStructure); got != "json" {
				t.Errorf("MessageStructure %q, want json", got)
			}
			if got := aws.ToString(in.Subject); got != tc.wantTitle {
				t.Errorf("Subject %q, want %q", got, tc.wantTitle)
			}
			for name, want := range map[string]string{"event_type": tc.req.Event, "event_id": tc.req.EventID, "title": tc.wantTitle} {
				a, ok := in.MessageAttributes[name]
				if !ok || aws.ToString(a.DataType) != "String" || aws.ToString(a.StringValue) != want {
					t.Errorf("attribute %s = %+v, want String %q", name, a, want)
				}
			}

			var top map[string]string
			if err := json.Unmarshal([]byte(aws.ToString(in.Message)), &top); err != nil {
				t.Fatalf("message is not a JSON object of strings: %v", err)
			}
			if top["default"] != tc.req.Message {
				t.Errorf("default %q, want %q", top["default"], tc.req.Message)
			}
			var gcm struct {
				FCM struct {
					Message struct {
						Notification struct{ Title, Body string }
						Data         map[string]string
					}
				} `json:"fcmV1Message"`
			}
			if err := json.Unmarshal([]byte(top["GCM"]), &gcm); err != nil {
				t.Fatalf("GCM value is not JSON: %v", err)
			}
			if n := gcm.FCM.Message.Notification; n.Title != tc.wantTitle || n.Body != tc.req.Message {
				t.Errorf("GCM notification %+v", n)
			}
			if d := gcm.FCM.Message.Data; d["eventId"] != tc.req.EventID || d["event"] != tc.req.Event {
				t.Errorf("GCM data %v", d)
			}
			for _, key := range []string{"APNS", "APNS_SANDBOX"} {
				var apns struct {
					APS struct {
						Alert struct{ Title, Body string }
					} `json:"aps"`
					EventID string `json:"eventId"`
				}
				if err := json.Unmarshal([]byte(top[key]), &apns); err != nil {
					t.Fatalf("%s value is not JSON: %v", key, err)
				}
				if apns.APS.Alert.Title != tc.wantTitle || apns.APS.Alert.Body != tc.req.Message || apns.EventID != tc.req.EventID {
					t.Errorf("%s payload %+v", key, apns)
				}
			}
		})
	}
}

func TestPublishRefusesInvalidRequests(t *testing.T) {
	rec := &recorder{}
	p := &Publisher{API: rec, TopicARN: topic, Logger: quiet}
	if _, err := p.Publish(context.Background(), Request{Event: "begin", EventID: "e1", Message: "x"}); err == nil {
		t.Fatal("published an invalid request")
	}
	noTopic := &Publisher{API: rec, Logger: quiet}
	if _, err := noTopic.Publish(context.Background(), Request{Event: "start", EventID: "e1", Message: "x"}); err == nil || !strings.Contains(err.Error(), "TOPIC_ARN") {
		t.Fatalf("err = %v, want one naming TOPIC_ARN", err)
	}
	if len(rec.inputs) != 0 {
		t.Errorf("%d Publish calls for invalid requests, want 0", len(rec.inputs))
	}
}

func TestPublishWrapsAPIError(t *testing.T) {
	boom := errors.New("AuthorizationError")
	p := &Publisher{API: &recorder{err: boom}, TopicARN: topic, Logger: quiet}
	_, err := p.Publish(context.Background(), Request{Event: "end", EventID: "e1", Message: "bye"})
	if !errors.Is(err, boom) || !strings.Contains(err.Error(), `publish end of event "e1"`) {
		t.Fatalf("err = %v", err)
	}
}

func TestSubjectIsASCII(t *testing.T) {
	for in, want := range map[string]string{
		"Event started":          "Event started",
		"이벤트 시작":                 "Game event",
		"Winter 이벤트":             "Winter",
		strings.Repeat("s", 150): strings.Repeat("s", 99),
		"line\nbreak":            "linebreak",
	} {
		if got := subject(in); got != want {
			t.Errorf("subject(%q) = %q, want %q", in, got, want)
		}
	}
}
