package jsontext

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"
)

// TestCheck uses encoding/json as the oracle of what gets lost: every input
// Check rejects decodes to a string with U+FFFD that the document did not
// spell, and every input it accepts round-trips.
func TestCheck(t *testing.T) {
	tests := []struct {
		name, doc string
		wantErr   string
	}{
		{"ascii", `{"a":"b"}`, ""},
		{"utf-8", `{"a":"한국어 é 👍"}`, ""},
		{"surrogate pair", `{"a":"\ud83d\udc4d"}`, ""},
		{"escaped backslash then u", `{"a":"\\ud800"}`, ""},
		{"literal replacement character", `{"a":"\ufffd �"}`, ""},
		{"invalid byte", "{\"a\":\"a\xff\"}", "not valid UTF-8 at byte 7"},
		{"truncated sequence", "{\"a\":\"\xe2\x82\"}", "not valid UTF-8 at byte 6"},
		{"overlong encoding", "{\"a\":\"\xc0\xaf\"}", "not valid UTF-8 at byte 6"},
		{"encoded surrogate", "{\"a\":\"\xed\xa0\x80\"}", "not valid UTF-8 at byte 6"},
		{"lone high surrogate", `{"a":"\ud800"}`, `unpaired UTF-16 surrogate escape \ud800 at byte 6`},
		{"lone low surrogate", `{"a":"x\udc00"}`, `unpaired UTF-16 surrogate escape \udc00 at byte 7`},
		{"high then non-surrogate", `{"a":"\ud800\u0041"}`, `\ud800`},
		{"high surrogate at end", `{"a":"\uD800`, `\ud800`},
		{"two highs", `{"a":"\ud800\ud800\udc00"}`, `at byte 6`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Check([]byte(tt.doc))
			var v map[string]string
			jerr := json.Unmarshal([]byte(tt.doc), &v)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("Check = %v, want nil", err)
				}
				if jerr == nil && strings.Count(v["a"], "\ufffd") != strings.Count(tt.doc, "\ufffd")+strings.Count(tt.doc, `\ufffd`) {
					t.Errorf("accepted, but encoding/json decoded %q", v["a"])
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("Check = %v, want an error containing %q", err, tt.wantErr)
			}
			if jerr == nil && (!utf8.ValidString(v["a"]) || !strings.Contains(v["a"], "\ufffd")) {
				t.Errorf("rejected, but encoding/json decoded %q without a replacement", v["a"])
			}
		})
	}
}
