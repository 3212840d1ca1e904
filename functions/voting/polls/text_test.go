package polls

import (
	"context"
	"encoding/base64"
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
)

// TestTextIsUnicodeNFCAndVisible sends hostile and look-alike text through
// the handler to DynamoDB Local: invalid UTF-8 and lone surrogates used to be
// stored as U+FFFD, NFC and NFD spellings of one word were two options, and
// an option of zero-width characters was accepted.
func TestTextIsUnicodeNFCAndVisible(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	tests := []struct {
		name    string
		req     events.APIGatewayProxyRequest
		wantErr string
	}{
		{"invalid UTF-8 option", jsonRequest("{\"question\":\"q\",\"options\":[\"a\",\"b\xff\"]}"),
			"request body is not Unicode text: not valid UTF-8 at byte 33"},
		{"invalid UTF-8, base64 body", events.APIGatewayProxyRequest{IsBase64Encoded: true,
			Body: base64.StdEncoding.EncodeToString([]byte("{\"question\":\"q\xc3\",\"options\":[\"a\",\"b\"]}"))},
			"request body is not Unicode text: not valid UTF-8 at byte 14"},
		{"lone surrogate", jsonRequest(`{"question":"q","options":["a","\udc00"]}`),
			`request body is not Unicode text: unpaired UTF-16 surrogate escape \udc00 at byte 32`},
		// UAX #15: "e" + U+0301 COMBINING ACUTE ACCENT composes to U+00E9.
		{"NFC and NFD of one word", jsonRequest(`{"question":"q","options":["caf\u00e9","cafe\u0301"]}`),
			`options[1] duplicates options[0] "café"`},
		// Conjoining jamo U+1100 U+1161 compose to the syllable U+AC00 (가).
		{"Hangul jamo and syllable", jsonRequest(`{"question":"q","options":["\uac00","\u1100\u1161"]}`),
			`options[1] duplicates options[0] "가"`},
		{"zero-width space", jsonRequest(`{"question":"q","options":["a","\u200b"]}`),
			"options[1] must contain a visible character"},
		{"zero-width joiners and BOM", jsonRequest(`{"question":"q","options":["a","\u200d\u200c\ufeff\u2060"]}`),
			"options[1] must contain a visible character"},
		{"Hangul filler", jsonRequest(`{"question":"q","options":["a","\u3164"]}`),
			"options[1] must contain a visible character"},
		{"blank Braille pattern and ideographic space", jsonRequest(`{"question":"q","options":["a","\u2800\u3000"]}`),
			"options[1] must contain a visible character"},
		{"lone combining mark", jsonRequest(`{"question":"q","options":["a","\u0301"]}`),
			"options[1] must contain a visible character"},
		{"invisible question", jsonRequest(`{"question":"\u200b\u00ad","options":["a","b"]}`),
			"question must contain a visible character"},
		{"look-alike with a zero-width space", jsonRequest(`{"question":"q","options":["yes","ye\u200bs"]}`),
			`options[1] "ye\u200bs" looks the same as options[0] "yes"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, _ := f.h.CreatePoll(ctx, tc.req)
			if resp.StatusCode != 400 {
				t.Fatalf("status = %d, want 400 (body %s)", resp.StatusCode, resp.Body)
			}
			if got := errorOf(t, resp); !strings.HasPrefix(got, tc.wantErr) {
				t.Errorf("error = %q\nwant it to start %q", got, tc.wantErr)
			}
		})
	}

	// A poll written in NFD is stored in NFC; votes in either form count for
	// it; an emoji ZWJ sequence (visible, with invisible joiners) is fine.
	family := "\U0001F468\u200d\U0001F469\u200d\U0001F467"
	p := f.createPoll(t, "Cafe\u0301?", "cafe\u0301", "the\u0301", family)
	if want := []string{"caf\u00e9", "th\u00e9", family}; !reflect.DeepEqual(p.Options, want) || p.Question != "Caf\u00e9?" {
		t.Fatalf("stored %q %q, want NFC %q", p.Question, p.Options, want)
	}
	for i, v := range []struct{ option, voter string }{{"cafe\u0301", "v1"}, {"caf\u00e9", "v2"}, {family, "v3"}} {
		resp, _ := f.h.CastVote(ctx, voteReq(p.ID, voteBody(v.option, v.voter)))
		if resp.StatusCode != 201 {
			t.Fatalf("vote %d for %q: status %d %s", i, v.option, resp.StatusCode, resp.Body)
		}
	}
	got := f.getPoll(t, p.ID)
	if want := map[string]int{"caf\u00e9": 2, "th\u00e9": 0, family: 1}; !reflect.DeepEqual(got.Counts, want) {
		t.Errorf("counts %v, want %v", got.Counts, want)
	}
	for _, body := range []string{"{\"option\":\"caf\xe9\",\"voterId\":\"v9\"}", `{"option":"caf\ud800","voterId":"v9"}`} {
		resp, _ := f.h.CastVote(ctx, voteReq(p.ID, body))
		if resp.StatusCode != 400 || !strings.Contains(errorOf(t, resp), "request body is not Unicode text") {
			t.Errorf("vote %q: %d %s, want 400 not Unicode text", body, resp.StatusCode, resp.Body)
		}
	}
}
