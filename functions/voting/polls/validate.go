package polls

import (
	"fmt"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
	"golang.org/x/text/unicode/rangetable"
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

// ValidatePoll checks a new poll's question and options and returns them in
// canonical form (see Canonical): trimmed and NFC-normalised. Two options that
// differ only by normalisation ("é" as one code point or as "e" and a
// combining accent) or by invisible characters are duplicates.
func ValidatePoll(question string, options []string) (string, []string, error) {
	question = Canonical(question)
	if err := checkText("question", question, MaxQuestionLen); err != nil {
		return "", nil, err
	}
	if len(options) < MinOptions || len(options) > MaxOptions {
		return "", nil, fmt.Errorf("options must have between %d and %d entries, got %d", MinOptions, MaxOptions, len(options))
	}
	out := make([]string, len(options))
	seen := make(map[string]int, len(options))
	for i, o := range options {
		o = Canonical(o)
		if err := checkText(fmt.Sprintf("options[%d]", i), o, MaxOptionLen); err != nil {
			return "", nil, err
		}
		key := visibleKey(o)
		if j, dup := seen[key]; dup {
			if out[j] == o {
				return "", nil, fmt.Errorf("options[%d] duplicates options[%d] %q", i, j, o)
			}
			return "", nil, fmt.Errorf("options[%d] %q looks the same as options[%d] %q (they differ only in invisible characters)", i, o, j, out[j])
		}
		seen[key] = i
		out[i] = o
	}
	return question, out, nil
}

// ValidateOption checks a vote's option text (whether the poll has it is the
// Store's business) and returns it in canonical form, as ValidatePoll stored
// the poll's options.
func ValidateOption(option string) (string, error) {
	option = Canonical(option)
	return option, checkText("option", option, MaxOptionLen)
}

// Canonical is the form text is stored and compared in: Unicode NFC
// (golang.org/x/text/unicode/norm), without surrounding white space.
func Canonical(s string) string {
	return strings.TrimSpace(norm.NFC.String(s))
}

// defaultIgnorable is Unicode's Default_Ignorable_Code_Point, derived as UAX
// #44 defines it: Other_Default_Ignorable_Code_Point + Cf +
// Variation_Selector - White_Space - U+FFF9..U+FFFB - U+13430..U+13440 -
// Prepended_Concatenation_Mark. It holds the zero-width space and joiners,
// the word joiner, the BOM, the soft hyphen, bidi controls, variation
// selectors and the Hangul fillers: code points that render as nothing.
var defaultIgnorable = rangetable.Merge(unicode.Other_Default_Ignorable_Code_Point, unicode.Cf, unicode.Variation_Selector)

func isDefaultIgnorable(r rune) bool {
	return unicode.Is(defaultIgnorable, r) && !unicode.Is(unicode.White_Space, r) &&
		!(r >= 0xFFF9 && r <= 0xFFFB) && !(r >= 0x13430 && r <= 0x13440) &&
		!unicode.Is(unicode.Prepended_Concatenation_Mark, r)
}

// invisible reports a code point that draws nothing by itself: white space,
// a default-ignorable code point, a combining mark (which needs a base), or
// the blank Braille pattern U+2800.
func invisible(r rune) bool {
	return unicode.Is(unicode.White_Space, r) || isDefaultIgnorable(r) ||
		unicode.In(r, unicode.Mn, unicode.Me) || r == '\u2800'
}

// visible reports whether s has a code point that draws something.
func visible(s string) bool {
	return strings.ContainsFunc(s, func(r rune) bool { return !invisible(r) })
}

// visibleKey is s without its default-ignorable code points, for telling
// look-alike options apart.
func visibleKey(s string) string {
	return strings.Map(func(r rune) rune {
		if isDefaultIgnorable(r) {
			return -1
		}
		return r
	}, s)
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

// checkText rejects empty, invalid, over-long, control-character or
// invisible-only text.
func checkText(field, s string, maxLen int) error {
	if s == "" {
		return fmt.Errorf("%s must not be empty", field)
	}
	if !utf8.ValidString(s) {
		return fmt.Errorf("%s must be valid UTF-8", field)
	}
	if n := utf8.RuneCountInString(s); n > maxLen {
		return fmt.Errorf("%s must be at most %d characters, got %d", field, maxLen, n)
	}
	if strings.ContainsFunc(s, unicode.IsControl) {
		return fmt.Errorf("%s must not contain control characters", field)
	}
	if !visible(s) {
		return fmt.Errorf("%s must contain a visible character, not only spaces, zero-width or other invisible characters", field)
	}
	return nil
}
