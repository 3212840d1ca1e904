package lakeloader

import (
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// maxPrefixBytes bounds the zone prefix so that prefix, partition and file
// name together stay well within S3's 1,024-byte key limit.
const maxPrefixBytes = 512

// maxNameBytes bounds the file name stem chosen by the caller.
const maxNameBytes = 64

// ValidatePrefix checks a zone prefix and returns it in canonical form, ending
// with "/". A prefix is one or more "/"-separated segments; it must not be
// empty, start with "/", contain an empty, "." or ".." segment, a backslash,
// control characters or invalid UTF-8, or be longer than 512 bytes.
func ValidatePrefix(prefix string) (string, error) {
	if err := validatePrefix(prefix); err != nil {
		return "", fmt.Errorf("lakeloader: prefix %q: %w", prefix, err)
	}
	if !strings.HasSuffix(prefix, "/") {
		prefix += "/"
	}
	return prefix, nil
}

func validatePrefix(prefix string) error {
	switch {
	case strings.TrimSpace(prefix) == "":
		return errors.New("must not be empty: objects would land at the bucket root, outside any zone")
	case !utf8.ValidString(prefix):
		return errors.New("is not valid UTF-8")
	case len(prefix) > maxPrefixBytes:
		return fmt.Errorf("is %d bytes, more than %d", len(prefix), maxPrefixBytes)
	case strings.HasPrefix(prefix, "/"):
		return errors.New(`must be relative: it starts with "/"`)
	case strings.Contains(prefix, `\`):
		return errors.New("must not contain a backslash")
	}
	if i := strings.IndexFunc(prefix, isControl); i >= 0 {
		return fmt.Errorf("contains control character %U at byte %d", []rune(prefix[i:])[0], i)
	}
	for _, seg := range strings.Split(strings.TrimSuffix(prefix, "/"), "/") {
		switch seg {
		case "":
			return errors.New(`contains an empty segment ("//")`)
		case ".", "..":
			return fmt.Errorf("contains a %q segment", seg)
		}
		if strings.TrimSpace(seg) != seg {
			return fmt.Errorf("segment %q has leading or trailing spaces", seg)
		}
	}
	return nil
}

// validateName checks the caller-chosen stem of generated file names: 1 to 64
// characters from [A-Za-z0-9_-], starting with a letter or digit.
func validateName(name string) error {
	if name == "" {
		return errors.New("lakeloader: name must not be empty")
	}
	if len(name) > maxNameBytes {
		return fmt.Errorf("lakeloader: name %q is %d bytes, more than %d", name, len(name), maxNameBytes)
	}
	for i, r := range name {
		ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || (i > 0 && (r == '-' || r == '_'))
		if !ok {
			return fmt.Errorf("lakeloader: name %q: character %q at byte %d is not allowed (use letters, digits, '-' and '_', starting with a letter or digit)", name, r, i)
		}
	}
	return nil
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) }

// Partition returns the partition path of a UTC day, the layout the Firehose
// delivery stream writes: "year=YYYY/month=MM/day=DD/".
func Partition(t time.Time) string {
	t = t.UTC()
	return fmt.Sprintf("year=%04d/month=%02d/day=%02d/", t.Year(), int(t.Month()), t.Day())
}

// objectKey joins a validated prefix, a partition and a file name, and checks
// that the result lies under the prefix and has no segment that could
// escape it.
func objectKey(prefix, partition, file string) (string, error) {
	key := prefix + partition + file
	if !strings.HasPrefix(key, prefix) || len(key) <= len(prefix) {
		return "", fmt.Errorf("lakeloader: key %q is not under prefix %q", key, prefix)
	}
	for _, seg := range strings.Split(key, "/") {
		if seg == "" || seg == "." || seg == ".." {
			return "", fmt.Errorf("lakeloader: key %q has an empty, %q or %q segment", key, ".", "..")
		}
	}
	if strings.IndexFunc(key, isControl) >= 0 || len(key) > 1024 {
		return "", fmt.Errorf("lakeloader: key %q has control characters or is longer than 1024 bytes", key)
	}
	return key, nil
}
