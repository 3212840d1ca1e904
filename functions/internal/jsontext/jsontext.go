// Package jsontext checks that a JSON document's text is Unicode before it is
// decoded. encoding/json accepts invalid UTF-8 and unpaired UTF-16 surrogate
// escapes ("\ud800") and silently turns both into U+FFFD, so text stored
// after decoding is no longer what the client sent; gureum's handlers reject
// such input instead.
package jsontext

import (
	"fmt"
	"unicode/utf8"
)

// Check reports the first byte sequence of a JSON document that is not
// valid UTF-8 (RFC 8259 §8.1), and the first \u escape of a UTF-16
// surrogate that is not part of a high-low pair (RFC 8259 §8.2: such a
// string has no Unicode meaning). Offsets are in bytes from the start of doc.
func Check(doc []byte) error {
	if !utf8.Valid(doc) {
		for i := 0; i < len(doc); {
			r, n := utf8.DecodeRune(doc[i:])
			if r == utf8.RuneError && n <= 1 {
				return fmt.Errorf("not valid UTF-8 at byte %d", i)
			}
			i += n
		}
	}
	// Outside strings valid JSON has no backslash, so every backslash starts
	// an escape; a document that is not valid JSON fails its decoding anyway.
	for i := 0; i < len(doc); i++ {
		if doc[i] != '\\' || i+1 >= len(doc) {
			continue
		}
		if doc[i+1] != 'u' {
			i++ // \" \\ \/ \b \f \n \r \t
			continue
		}
		u, ok := hex4(doc, i+2)
		if !ok {
			i++
			continue
		}
		switch {
		case u >= 0xD800 && u <= 0xDBFF:
			if lo, ok := hex4(doc, i+8); ok && i+7 < len(doc) && doc[i+6] == '\\' && doc[i+7] == 'u' && lo >= 0xDC00 && lo <= 0xDFFF {
				i += 11
				continue
			}
			return fmt.Errorf("unpaired UTF-16 surrogate escape \\u%04x at byte %d", u, i)
		case u >= 0xDC00 && u <= 0xDFFF:
			return fmt.Errorf("unpaired UTF-16 surrogate escape \\u%04x at byte %d", u, i)
		}
		i += 5
	}
	return nil
}

// hex4 reads four hex digits at doc[i:].
func hex4(doc []byte, i int) (rune, bool) {
	if i+4 > len(doc) {
		return 0, false
	}
	var u rune
	for _, c := range doc[i : i+4] {
		switch {
		case c >= '0' && c <= '9':
			u = u<<4 | rune(c-'0')
		case c >= 'a' && c <= 'f':
			u = u<<4 | rune(c-'a'+10)
		case c >= 'A' && c <= 'F':
			u = u<<4 | rune(c-'A'+10)
		default:
			return 0, false
		}
	}
	return u, true
}
