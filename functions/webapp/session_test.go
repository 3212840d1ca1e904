package webapp

import (
	"strings"
	"testing"
)

func TestNewSessionID(t *testing.T) {
	seen := make(map[string]bool)
	for range 1000 {
		id := newSessionID()
		if !validSessionID(id) {
			t.Fatalf("newSessionID() = %q, which validSessionID rejects", id)
		}
		if seen[id] {
			t.Fatalf("newSessionID() repeated %q", id)
		}
		seen[id] = true
	}
}

func TestValidSessionID(t *testing.T) {
	good := strings.Repeat("0123456789abcdef", 4)
	tests := []struct {
		name string
		id   string
		want bool
	}{
		{"64 lowercase hex", good, true},
		{"empty", "", false},
		{"one short", good[:63], false},
		{"one long", good + "a", false},
		{"uppercase", strings.ToUpper(good), false},
		{"non-hex letter", good[:63] + "g", false},
		{"DynamoDB ping key", dynamoDBPingKey, false},
		{"path characters", "../" + good[3:], false},
		{"multi-byte", good[:62] + "é", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := validSessionID(tt.id); got != tt.want {
				t.Errorf("validSessionID(%q) = %v, want %v", tt.id, got, tt.want)
			}
		})
	}
}
