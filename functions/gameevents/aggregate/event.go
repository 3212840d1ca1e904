package aggregate

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// Limits on a PlayEvent's fields.
const (
	MaxPlayerIDLen  = 128
	MaxEventTypeLen = 64
	// MaxScore bounds |score|: 2^53-1, the largest integer every JSON reader
	// (JavaScript, a double-typed column) holds exactly. A larger score is
	// malformed, never wrapped or rounded.
	MaxScore = 1<<53 - 1
)

// Events earlier than minTime or later than maxTime are malformed: they are
// almost always a seconds/milliseconds mix-up or an unset clock.
var (
	minTime = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	maxTime = time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC)
)

// PlayEvent is one valid play event.
type PlayEvent struct {
	PlayerID  string
	EventType string
	Score     int64
	TS        time.Time
}

// ParsePlayEvent decodes and validates one Kinesis record's data.
func ParsePlayEvent(data []byte) (PlayEvent, error) {
	var raw struct {
		PlayerID  *string         `json:"playerId"`
		EventType *string         `json:"eventType"`
		Score     json.RawMessage `json:"score"`
		TS        json.RawMessage `json:"ts"`
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(&raw); err != nil {
		return PlayEvent{}, fmt.Errorf("not a JSON play event: %w", err)
	}
	if dec.More() {
		return PlayEvent{}, errors.New("trailing data after the JSON object")
	}
	var ev PlayEvent
	switch {
	case raw.PlayerID == nil || *raw.PlayerID == "":
		return ev, errors.New(`"playerId" is required`)
	case len(*raw.PlayerID) > MaxPlayerIDLen || !printable(*raw.PlayerID):
		return ev, fmt.Errorf(`"playerId" must be at most %d bytes of printable UTF-8`, MaxPlayerIDLen)
	case raw.EventType == nil || *raw.EventType == "":
		return ev, errors.New(`"eventType" is required`)
	case !validEventType(*raw.EventType):
		return ev, fmt.Errorf(`"eventType" %q must be 1-%d letters, digits, '_', '-' or '.'`, *raw.EventType, MaxEventTypeLen)
	}
	ev.PlayerID, ev.EventType = *raw.PlayerID, *raw.EventType

	if len(raw.Score) == 0 || string(raw.Score) == "null" {
		return ev, errors.New(`"score" is required`)
	}
	var score json.Number
	if raw.Score[0] == '"' || json.Unmarshal(raw.Score, &score) != nil {
		return ev, fmt.Errorf(`"score" must be an integer, got %s`, raw.Score)
	}
	s, err := score.Int64()
	// Int64 refuses fractions and exponents ("1.5", "1e3") as well as overflow.
	if err != nil {
		return ev, fmt.Errorf(`"score" must be an integer, got %s`, raw.Score)
	}
	if s > MaxScore || s < -MaxScore {
		return ev, fmt.Errorf(`"score" %d is outside [-%d, %d]`, s, int64(MaxScore), int64(MaxScore))
	}
	ev.Score = s

	ts, err := parseTS(raw.TS)
	if err != nil {
		return ev, err
	}
	ev.TS = ts
	return ev, nil
}

func parseTS(raw json.RawMessage) (time.Time, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return time.Time{}, errors.New(`"ts" is required`)
	}
	var t time.Time
	if raw[0] == '"' {
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return t, fmt.Errorf(`"ts": %w`, err)
		}
		p, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			return t, fmt.Errorf(`"ts" %q is not an RFC 3339 time`, s)
		}
		t = p
	} else {
		var n json.Number
		if err := json.Unmarshal(raw, &n); err != nil {
			return t, fmt.Errorf(`"ts" must be an RFC 3339 string or Unix milliseconds, got %s`, raw)
		}
		ms, err := n.Int64()
		if err != nil {
			return t, fmt.Errorf(`"ts" must be integer Unix milliseconds, got %s`, raw)
		}
		t = time.UnixMilli(ms)
	}
	t = t.UTC()
	if t.Before(minTime) || !t.Before(maxTime) {
		return time.Time{}, fmt.Errorf(`"ts" %s is outside [%d, %d)`, t.Format(time.RFC3339), minTime.Year(), maxTime.Year())
	}
	return t, nil
}

func validEventType(s string) bool {
	if len(s) == 0 || len(s) > MaxEventTypeLen {
		return false
	}
	for _, c := range s {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '_', c == '-', c == '.':
		default:
			return false
		}
	}
	return true
}

func printable(s string) bool {
	return utf8.ValidString(s) && !strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f })
}
