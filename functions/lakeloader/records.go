package lakeloader

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/gureum-cdk/gureum/functions/internal/jsontext"
)

// timeLayouts are the string timestamp forms a record may carry, tried in
// order. Forms without a zone are read as UTC.
var timeLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02",
}

// epochMillisThreshold separates epoch seconds from epoch milliseconds: a
// number at or above it (in absolute value) is read as milliseconds. 1e11
// seconds is the year 5138; 1e11 milliseconds is March 1973.
const epochMillisThreshold = 1e11

// checkRecord reports whether line is one JSON object whose text is Unicode:
// encoding/json (and so json.Valid) accepts invalid UTF-8 and unpaired
// surrogate escapes, which the lake's readers would see as U+FFFD or fail on.
func checkRecord(line []byte) error {
	if len(line) == 0 || line[0] != '{' {
		return errors.New("record is not a JSON object")
	}
	if err := jsontext.Check(line); err != nil {
		return fmt.Errorf("record is not Unicode text: %w", err)
	}
	if !json.Valid(line) {
		return errors.New("record is not valid JSON")
	}
	return nil
}

// recordTime reads the timestamp at the dotted field path of a JSON object.
// The value may be a string in RFC 3339 or a close variant (see timeLayouts),
// or a number of seconds (or, from 1e11 up, milliseconds) since the Unix epoch.
func recordTime(line []byte, path []string) (time.Time, error) {
	raw := json.RawMessage(line)
	for i, name := range path {
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(raw, &obj); err != nil || obj == nil {
			if i == 0 {
				return time.Time{}, errors.New("record is not a JSON object")
			}
			return time.Time{}, fmt.Errorf("field %q is not an object", strings.Join(path[:i], "."))
		}
		v, ok := obj[name]
		if !ok {
			return time.Time{}, fmt.Errorf("time field %q is missing", strings.Join(path, "."))
		}
		raw = v
	}
	t, err := parseTime(bytes.TrimSpace(raw))
	if err != nil {
		return time.Time{}, fmt.Errorf("time field %q: %w", strings.Join(path, "."), err)
	}
	if y := t.UTC().Year(); y < 1 || y > 9999 {
		return time.Time{}, fmt.Errorf("time field %q: year %d is outside 1..9999", strings.Join(path, "."), y)
	}
	return t.UTC(), nil
}

func parseTime(raw []byte) (time.Time, error) {
	if len(raw) == 0 {
		return time.Time{}, errors.New("empty value")
	}
	if raw[0] == '"' {
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return time.Time{}, err
		}
		for _, layout := range timeLayouts {
			if t, err := time.Parse(layout, s); err == nil {
				return t, nil
			}
		}
		return time.Time{}, fmt.Errorf("%q is not an RFC 3339 timestamp or date", s)
	}
	n, err := strconv.ParseFloat(string(raw), 64)
	if err != nil || math.IsInf(n, 0) || math.IsNaN(n) {
		return time.Time{}, fmt.Errorf("%s is neither a timestamp string nor a number of epoch seconds or milliseconds", raw)
	}
	if math.Abs(n) >= epochMillisThreshold {
		n /= 1000
	}
	if math.Abs(n) > 253402300799 { // 9999-12-31T23:59:59Z
		return time.Time{}, fmt.Errorf("%s is out of range", raw)
	}
	sec, frac := math.Modf(n)
	return time.Unix(int64(sec), int64(frac*1e9)), nil
}
