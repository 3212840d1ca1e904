package push

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"testing"
)

// documented reads a testdata example: {"source": url, "example": {...}}.
func documented(t *testing.T, name string) map[string]any {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		Source  string         `json:"source"`
		Example map[string]any `json:"example"`
	}
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if f.Source == "" || len(f.Example) == 0 {
		t.Fatalf("%s: no source or example", name)
	}
	return f.Example
}

// merge unions documented examples of the same object into one shape.
func merge(shapes ...any) any {
	var obj map[string]any
	for _, s := range shapes {
		m, ok := s.(map[string]any)
		if !ok {
			return s
		}
		if obj == nil {
			obj = map[string]any{}
		}
		for k, v := range m {
			if prev, ok := obj[k]; ok {
				obj[k] = merge(prev, v)
			} else {
				obj[k] = v
			}
		}
	}
	return obj
}

// conforms checks that ours uses only keys the documented shape has, each
// with the documented JSON type. Objects at freeForm paths are custom
// key/value maps: their values must have the type of the documented values.
func conforms(path string, ours, doc any, freeForm map[string]bool) []string {
	if fmt.Sprintf("%T", ours) != fmt.Sprintf("%T", doc) {
		return []string{fmt.Sprintf("%s is %T, documented as %T", path, ours, doc)}
	}
	om, ok := ours.(map[string]any)
	if !ok {
		return nil
	}
	dm := doc.(map[string]any)
	var problems []string
	keys := make([]string, 0, len(om))
	for k := range om {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if freeForm[path] {
			for _, dv := range dm { // any documented value gives the type
				problems = append(problems, conforms(path+"."+k, om[k], dv, freeForm)...)
				break
			}
			continue
		}
		dv, ok := dm[k]
		if !ok {
			problems = append(problems, fmt.Sprintf("%s.%s is not in the documented shape", path, k))
			continue
		}
		problems = append(problems, conforms(path+"."+k, om[k], dv, freeForm)...)
	}
	return problems
}

func TestPayloadsMatchDocumentedShapes(t *testing.T) {
	fcmMessage := merge(
		documented(t, "fcm-v1-notification.json")["message"],
		documented(t, "fcm-v1-priority.json")["message"],
		documented(t, "sns-fcm-v1.json")["fcmV1Message"].(map[string]any)["message"],
	)
	snsWrapper := documented(t, "sns-fcm-v1.json")
	apns := documented(t, "apns-alert.json")

	for _, r := range []Request{
		{Event: EventStart, EventID: "daily-raid", Message: "The daily raid has begun: join now!", Title: "Raid open"},
		{Event: EventEnd, EventID: "w.1_a", Message: "이벤트가 끝났습니다"},
	} {
		msg, err := Message(r)
		if err != nil {
			t.Fatal(err)
		}
		var top map[string]string
		if err := json.Unmarshal([]byte(msg), &top); err != nil {
			t.Fatal(err)
		}

		var gcm map[string]any
		if err := json.Unmarshal([]byte(top["GCM"]), &gcm); err != nil {
			t.Fatalf("GCM: %v", err)
		}
		// SNS's wrapper: exactly {"fcmV1Message": {"message": {...}}}.
		if !sameKeys(gcm, snsWrapper) || !sameKeys(gcm["fcmV1Message"], snsWrapper["fcmV1Message"]) {
			t.Fatalf("%s: GCM value is not SNS's {\"fcmV1Message\": {\"message\": …}} wrapper: %s", r.Event, top["GCM"])
		}
		message := gcm["fcmV1Message"].(map[string]any)["message"]
		for _, p := range conforms("message", message, fcmMessage, map[string]bool{"message.data": true}) {
			t.Errorf("%s: FCM v1: %s", r.Event, p)
		}
		m := message.(map[string]any)
		for _, target := range []string{"token", "topic", "condition"} {
			if _, ok := m[target]; ok {
				t.Errorf("%s: FCM message names a target (%s); SNS sets the endpoint's token", r.Event, target)
			}
		}
		if p := m["android"].(map[string]any)["priority"]; p != "high" && p != "normal" {
			t.Errorf("%s: android.priority %v is not one of FCM's AndroidMessagePriority values", r.Event, p)
		}

		for _, key := range []string{"APNS", "APNS_SANDBOX"} {
			var payload map[string]any
			if err := json.Unmarshal([]byte(top[key]), &payload); err != nil {
				t.Fatalf("%s: %v", key, err)
			}
			// Custom keys live beside "aps"; "aps" itself has Apple's keys.
			if problems := conforms(key+".aps", payload["aps"], apns["aps"], nil); len(problems) > 0 {
				t.Errorf("%s: %s: %v", r.Event, key, problems)
			}
			alert := payload["aps"].(map[string]any)["alert"].(map[string]any)
			if alert["title"] != r.title() || alert["body"] != r.Message {
				t.Errorf("%s: %s alert %v", r.Event, key, alert)
			}
			if len(top[key]) > 4096 {
				t.Errorf("%s: %s payload is %d bytes, more than APNs' 4 KB", r.Event, key, len(top[key]))
			}
		}
	}
}

func sameKeys(a, b any) bool {
	am, ok1 := a.(map[string]any)
	bm, ok2 := b.(map[string]any)
	if !ok1 || !ok2 || len(am) != len(bm) {
		return false
	}
	for k := range am {
		if _, ok := bm[k]; !ok {
			return false
		}
	}
	return true
}

// The shape check itself must fail on what the documentation does not have.
func TestConformsRejectsUndocumentedShapes(t *testing.T) {
	doc := documented(t, "apns-alert.json")["aps"]
	for name, bad := range map[string]any{
		"unknown key":    map[string]any{"alert": map[string]any{"title": "t"}, "colour": "red"},
		"badge as text":  map[string]any{"badge": "9"},
		"alert as array": map[string]any{"alert": []any{"t"}},
	} {
		if len(conforms("aps", bad, doc, nil)) == 0 {
			t.Errorf("%s: accepted", name)
		}
	}
}
