package polls

import (
	"fmt"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Input limits. Lengths of text are counted in Unicode code points.
const (
	// MaxBodyBytes bounds every request body.
	MaxBodyBytes = 16 << 10
	// MaxQuestionLen bounds a poll's question.
	MaxQuestionLen = 300
	// MinOptions and MaxOptions bound the number of a poll's options.
	MinOptions, MaxOptions = 2, 20
	// MaxOptionLen bounds each option.
	MaxOptionLen = 100
	// MaxVoterIDLen bounds a voterId given in a request body.
	MaxVoterIDLen = 128
)

var (
	// pollIDPattern matches the ids NewID makes.
	pollIDPattern = regexp.MustCompile(`^[0-9a-f]{32}$`)
	// voterIDPattern is what an unauthenticated client may name itself:
	// UUIDs, ULIDs, e-mail-like and similar opaque tokens.
	voterIDPattern = regexp.MustCompile(`^[A-Za-z0-9._:@+-]+$`)
)

// ValidPollID reports whether id has the form of a poll id.
func ValidPollID(id string) bool { return pollIDPattern.MatchString(id) }

// ValidatePoll checks a new poll's question and options after trimming
// surrounding white space from each, and returns the trimmed values.
func ValidatePoll(question string, options []string) (string, []string, error) {
	question = strings.TrimSpace(question)
	if err := checkText("question", question, MaxQuestionLen); err != nil {
		return "", nil, err
	}
	if len(options) < MinOptions || len(options) > MaxOptions {
		return "", nil, fmt.Errorf("options must have between %d and %d entries, got %d", MinOptions, MaxOptions, len(options))
	}
	out := make([]string, len(options))
	seen := make(map[string]int, len(options))
	for i, o := range options {
		o = strings.TrimSpace(o)
		if err := checkText(fmt.Sprintf("options[%d]", i), o, MaxOptionLen); err != nil {
			return "", nil, err
		}
		if j, dup := seen[o]; dup {
			return "", nil, fmt.Errorf("options[%d] duplicates options[%d] %q", i, j, o)
		}
		seen[o] = i
		out[i] = o
	}
	return question, out, nil
}

// ValidateOption checks a vote's option text (whether the poll has it is the
// Store's business) and returns it trimmed.
func ValidateOption(option string) (string, error) {
	option = strings.TrimSpace(option)
	return option, checkText("option", option, MaxOptionLen)
}

// ValidateVoterID checks a voterId given in a request body.
func ValidateVoterID(id string) error {
	switch {
	case id == "":
		return fmt.Errorf("voterId is required when the request is not authenticated")
	case len(id) > MaxVoterIDLen:
		return fmt.Errorf("voterId must be at most %d characters", MaxVoterIDLen)
	case !voterIDPattern.MatchString(id):
		return fmt.Errorf("voterId may contain only letters, digits and . _ : @ + -")
	}
	return nil
}

// checkText rejects empty, over-long or control-character text.
func checkText(field, s string, maxLen int) error {
	if s == "" {
		return fmt.Errorf("%s must not be empty", field)
	}
	if n := utf8.RuneCountInString(s); n > maxLen {
		return fmt.Errorf("%s must be at most %d characters, got %d", field, maxLen, n)
	}
	if strings.ContainsFunc(s, unicode.IsControl) {
		return fmt.Errorf("%s must not contain control characters", field)
	}
	return nil
}
