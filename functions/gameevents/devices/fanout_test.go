package devices

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/gureum-cdk/gureum/functions/gameevents/push"
)

// queue records the jobs a fan-out hands on (SendMessage is the one SQS
// call the fan-out makes).
type queue struct {
	mu     sync.Mutex
	bodies []string
	url    string
}

func (q *queue) SendMessage(_ context.Context, in *sqs.SendMessageInput, _ ...func(*sqs.Options)) (*sqs.SendMessageOutput, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.url = aws.ToString(in.QueueUrl)
	q.bodies = append(q.bodies, aws.ToString(in.MessageBody))
	return &sqs.SendMessageOutput{MessageId: aws.String("m")}, nil
}

func (q *queue) take() []string {
	q.mu.Lock()
	defer q.mu.Unlock()
	b := q.bodies
	q.bodies = nil
	return b
}

// notification is the SNS envelope SQS receives when push.Publisher
// publishes r to the players' topic with raw delivery off.
func notification(t *testing.T, r push.Request) string {
	t.Helper()
	p := &push.Publisher{TopicARN: "arn:aws:sns:ap-northeast-2:123456789012:players"}
	in, err := p.Input(r)
	if err != nil {
		t.Fatal(err)
	}
	var structured map[string]string
	if err := json.Unmarshal([]byte(aws.ToString(in.Message)), &structured); err != nil {
		t.Fatal(err)
	}
	attrs := map[string]map[string]string{}
	for k, v := range in.MessageAttributes {
		attrs[k] = map[string]string{"Type": aws.ToString(v.DataType), "Value": aws.ToString(v.StringValue)}
	}
	b, _ := json.Marshal(map[string]any{
		"Type": "Notification", "MessageId": "notice-1", "TopicArn": aws.ToString(in.TopicArn),
		"Subject": aws.ToString(in.Subject), "Message": structured["default"], // SQS gets the default text
		"Timestamp": "2026-12-05T04:00:00.000Z", "SignatureVersion": "1", "MessageAttributes": attrs,
	})
	return string(b)
}

func sqsEvent(bodies ...string) events.SQSEvent {
	var ev events.SQSEvent
	for i, b := range bodies {
		ev.Records = append(ev.Records, events.SQSMessage{MessageId: string(rune('a' + i)), Body: b})
	}
	return ev
}

func TestFanOutReachesEveryDeviceOnce(t *testing.T) {
	e := newEnv(t)
	const devices = 60
	var disabledArn string
	for i := 0; i < devices; i++ {
		if i%3 == 0 {
			register(t, e, "player-"+string(rune('A'+i%26))+strings.Repeat("x", i), PlatformAPNS, apnsToken(i))
		} else {
			register(t, e, "player-"+strings.Repeat("y", i), PlatformFCM, fcmToken(i))
		}
	}
	d, _ := stored(t, e, "player-"+strings.Repeat("y", 5), fcmToken(5))
	disabledArn = d.EndpointArn
	e.sns.Disable(disabledArn) // FCM reported this token invalid
	e.sns.FailNext("Publish", 2, 400, "Throttled")

	q := &queue{}
	var metrics bytes.Buffer
	f := &FanOut{Store: e.registry.Store, Endpoints: e.registry.Endpoints, Queue: q, QueueURL: "https://sqs.local/fanout",
		Segments: 3, Concurrency: 8, PageSize: 7, PagesPerRun: 2, FunctionName: "fanout-fn", Logger: quiet, Metrics: &metrics}
	notice := push.Request{Event: push.EventStart, EventID: "daily-raid", Message: "레이드가 시작되었습니다!", Title: "레이드 오픈"}
	bodies := []string{notification(t, notice)}
	runs := 0
	for len(bodies) > 0 {
		runs++
		if runs > 50 {
			t.Fatal("the fan-out never finished")
		}
		resp, err := f.Handle(context.Background(), sqsEvent(bodies...))
		if err != nil || len(resp.BatchItemFailures) > 0 {
			t.Fatalf("run %d: %v %v", runs, err, resp.BatchItemFailures)
		}
		bodies = q.take()
	}
	if runs < 2 {
		t.Errorf("%d runs: with 2 pages of 7 per run the job should have been handed on", runs)
	}
	if q.url != "https://sqs.local/fanout" {
		t.Errorf("handed on to %q", q.url)
	}

	perEndpoint := map[string]int{}
	for _, dl := range e.sns.Deliveries() {
		perEndpoint[dl.EndpointArn]++
		switch dl.Platform {
		case "GCM":
			var gcm struct {
				FCM struct {
					Message struct {
						Notification struct{ Title, Body string }
						Data         map[string]string
					}
				} `json:"fcmV1Message"`
			}
			if err := json.Unmarshal([]byte(dl.Payload), &gcm); err != nil || gcm.FCM.Message.Notification.Title != notice.Title ||
				gcm.FCM.Message.Notification.Body != notice.Message || gcm.FCM.Message.Data["eventId"] != "daily-raid" {
				t.Errorf("FCM endpoint got %s (%v)", dl.Payload, err)
			}
		case "APNS":
			var apns struct {
				APS struct {
					Alert struct{ Title, Body string }
				} `json:"aps"`
			}
			if err := json.Unmarshal([]byte(dl.Payload), &apns); err != nil || apns.APS.Alert.Title != notice.Title || apns.APS.Alert.Body != notice.Message {
				t.Errorf("APNs endpoint got %s (%v)", dl.Payload, err)
			}
		default:
			t.Errorf("delivery to platform %s", dl.Platform)
		}
	}
	if len(perEndpoint) != devices-1 {
		t.Errorf("%d endpoints notified, want %d (every enabled device)", len(perEndpoint), devices-1)
	}
	for arn, n := range perEndpoint {
		if n != 1 {
			t.Errorf("%s notified %d times", arn, n)
		}
	}
	if perEndpoint[disabledArn] != 0 {
		t.Error("the disabled endpoint was notified")
	}
	if _, ok := e.sns.Endpoint(disabledArn); ok {
		t.Error("the disabled endpoint was not deleted")
	}
	if _, ok := stored(t, e, "player-"+strings.Repeat("y", 5), fcmToken(5)); ok {
		t.Error("the disabled device's registration was kept")
	}

	// The EMF lines add up to the same counts.
	sent, removed := 0, 0
	for _, line := range strings.Split(strings.TrimSpace(metrics.String()), "\n") {
		var doc struct {
			AWS struct {
				CloudWatchMetrics []struct {
					Namespace  string
					Dimensions [][]string
				}
			} `json:"_aws"`
			FunctionName      string
			NotificationsSent int
			EndpointsRemoved  int
		}
		if err := json.Unmarshal([]byte(line), &doc); err != nil {
			t.Fatalf("EMF line %q: %v", line, err)
		}
		if doc.FunctionName != "fanout-fn" || doc.AWS.CloudWatchMetrics[0].Namespace != MetricNamespace {
			t.Errorf("EMF line %s", line)
		}
		sent += doc.NotificationsSent
		removed += doc.EndpointsRemoved
	}
	if sent != devices-1 || removed != 1 {
		t.Errorf("metrics say %d sent, %d removed; want %d and 1", sent, removed, devices-1)
	}
}

func TestFanOutHandsOnBeforeTheDeadline(t *testing.T) {
	e := newEnv(t)
	for i := 0; i < 5; i++ {
		register(t, e, "p"+strings.Repeat("z", i), PlatformFCM, fcmToken(200+i))
	}
	q := &queue{}
	f := &FanOut{Store: e.registry.Store, Endpoints: e.registry.Endpoints, Queue: q, QueueURL: "q", Segments: 2, Reserve: time.Minute, Logger: quiet, Metrics: &bytes.Buffer{}}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second) // less than Reserve left
	defer cancel()
	job, err := ParseJob(notification(t, push.Request{Event: "end", EventID: "e", Message: "bye"}), 2)
	if err != nil {
		t.Fatal(err)
	}
	stats, err := f.Run(ctx, job)
	if err != nil || !stats.HandedOn || stats.Sent != 0 {
		t.Fatalf("stats %+v err %v, want the whole job handed on untouched", stats, err)
	}
	bodies := q.take()
	next, err := ParseJob(bodies[0], 0)
	if err != nil || next.Run != 1 || len(next.Segments) != 2 || next.Notice.Message != "bye" {
		t.Fatalf("handed-on job %+v (%v)", next, err)
	}
	f.Reserve = time.Second
	stats, err = f.Run(context.Background(), next)
	if err != nil || stats.Sent != 5 || stats.HandedOn {
		t.Errorf("second run %+v %v, want all 5 sent", stats, err)
	}
}

func TestFanOutRejectsUnreadableMessages(t *testing.T) {
	e := newEnv(t)
	f := &FanOut{Store: e.registry.Store, Endpoints: e.registry.Endpoints, Queue: &queue{}, Logger: quiet, Metrics: &bytes.Buffer{}}
	bad := []string{
		`not json`,
		`{"Type":"SubscriptionConfirmation"}`,
		`{"Type":"Notification","Message":"hi","MessageAttributes":{"event_type":{"Type":"String","Value":"pause"},"event_id":{"Type":"String","Value":"e"}}}`,
		`{"job":{"notice":{"event":"start","eventId":"e","message":"x"},"segments":[]}}`,
	}
	resp, err := f.Handle(context.Background(), sqsEvent(bad...))
	if err != nil || len(resp.BatchItemFailures) != len(bad) {
		t.Errorf("%d of %d unreadable messages reported failed (%v)", len(resp.BatchItemFailures), len(bad), err)
	}
	if len(e.sns.Calls()) != 0 {
		t.Error("an unreadable message reached SNS")
	}
}
