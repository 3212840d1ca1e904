package aggregate

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Batch is the JSON object written to S3 for one Kinesis batch.
type Batch struct {
	// ShardID is the Kinesis shard the batch came from, e.g. "shardId-000000000000".
	ShardID string `json:"shardId"`
	// FirstSequenceNumber and LastSequenceNumber bound the batch.
	FirstSequenceNumber string `json:"firstSequenceNumber"`
	LastSequenceNumber  string `json:"lastSequenceNumber"`
	// ArrivedAt is the first record's approximate arrival time; it chooses the
	// object's hour partition.
	ArrivedAt time.Time `json:"arrivedAt"`
	// Records counts every record in the batch; Valid and Malformed split it.
	Records   int `json:"records"`
	Valid     int `json:"valid"`
	Malformed int `json:"malformed"`
	// Windows holds one row per event type and minute, ordered by minute, then
	// event type.
	Windows []Window `json:"windows"`
}

// Window aggregates the valid events of one event type within one UTC minute.
type Window struct {
	EventType     string    `json:"eventType"`
	Minute        time.Time `json:"minute"`
	Count         int64     `json:"count"`
	ScoreSum      int64     `json:"scoreSum"`
	ScoreMin      int64     `json:"scoreMin"`
	ScoreMax      int64     `json:"scoreMax"`
	UniquePlayers int       `json:"uniquePlayers"`
}

type windowKey struct {
	eventType string
	minute    int64
}

// Aggregator accumulates play events into Windows.
type Aggregator struct {
	windows map[windowKey]*Window
	players map[windowKey]map[string]struct{}
}

// ErrScoreSumOverflow is returned by Aggregator.Add when the event's score
// would carry its window's score sum past the int64 range.
var ErrScoreSumOverflow = errors.New("score would overflow its window's score sum")

// Add counts one valid event. An event whose score would overflow its
// window's ScoreSum is not counted: Add returns ErrScoreSumOverflow and the
// window is unchanged, so every ScoreSum written is exact.
func (a *Aggregator) Add(ev PlayEvent) error {
	if a.windows == nil {
		a.windows = map[windowKey]*Window{}
		a.players = map[windowKey]map[string]struct{}{}
	}
	minute := ev.TS.UTC().Truncate(time.Minute)
	k := windowKey{ev.EventType, minute.Unix()}
	w, ok := a.windows[k]
	if ok {
		if sum := w.ScoreSum + ev.Score; (ev.Score > 0 && sum < w.ScoreSum) || (ev.Score < 0 && sum > w.ScoreSum) {
			return ErrScoreSumOverflow
		}
	} else {
		w = &Window{EventType: ev.EventType, Minute: minute, ScoreMin: ev.Score, ScoreMax: ev.Score}
		a.windows[k] = w
		a.players[k] = map[string]struct{}{}
	}
	w.Count++
	w.ScoreSum += ev.Score
	w.ScoreMin = min(w.ScoreMin, ev.Score)
	w.ScoreMax = max(w.ScoreMax, ev.Score)
	a.players[k][ev.PlayerID] = struct{}{}
	w.UniquePlayers = len(a.players[k])
	return nil
}

// Windows returns the aggregates ordered by minute, then event type.
func (a *Aggregator) Windows() []Window {
	out := make([]Window, 0, len(a.windows))
	for _, w := range a.windows {
		out = append(out, *w)
	}
	slices.SortFunc(out, func(x, y Window) int {
		if c := x.Minute.Compare(y.Minute); c != 0 {
			return c
		}
		return cmp.Compare(x.EventType, y.EventType)
	})
	return out
}

// ObjectKey returns the batch's S3 key under prefix:
// <prefix>year=YYYY/month=MM/day=DD/hour=HH/<shardId>-<firstSequenceNumber>.json.
func ObjectKey(prefix string, b Batch) string {
	t := b.ArrivedAt.UTC()
	return fmt.Sprintf("%syear=%04d/month=%02d/day=%02d/hour=%02d/%s-%s.json",
		prefix, t.Year(), int(t.Month()), t.Day(), t.Hour(), keySafe(b.ShardID), keySafe(b.FirstSequenceNumber))
}

// keySafe keeps a key segment to characters that need no escaping anywhere.
func keySafe(s string) string {
	if s == "" {
		return "unknown"
	}
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_', r == '.':
			return r
		}
		return '_'
	}, s)
}
