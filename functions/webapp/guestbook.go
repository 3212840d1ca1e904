package webapp

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
	"golang.org/x/text/unicode/rangetable"
)

// Guestbook limits. Lengths are counted in Unicode code points (what
// PostgreSQL's varchar(n) and MySQL's utf8mb4 VARCHAR(n) count).
const (
	MaxNameLen    = 64
	MaxMessageLen = 1000
	// DefaultPageSize is how many entries a guestbook page lists.
	DefaultPageSize = 20
	// MaxPageSize bounds Options.GuestbookPageSize.
	MaxPageSize = 100
)

// Entry is one guestbook entry.
type Entry struct {
	// ID identifies the entry; entries sort newest first by ID within one
	// Guestbook.
	ID        string
	Name      string
	Message   string
	CreatedAt time.Time
}

// Page is one page of entries, newest first. Next is the cursor of the
// following (older) page, empty on the last page.
type Page struct {
	Entries []Entry
	Next    string
}

// Guestbook stores entries. Implementations are safe for concurrent use.
type Guestbook interface {
	// List returns up to limit entries older than the cursor before (the
	// newest when before is empty), newest first. A cursor this guestbook
	// did not make is ErrBadCursor.
	List(ctx context.Context, before string, limit int) (Page, error)
	// Post stores an entry, already validated by ValidateEntry, under
	// postKey (32 lowercase hex digits, one per form): posting again with
	// the same key stores nothing and returns the entry stored first.
	Post(ctx context.Context, postKey, name, message string) (Entry, error)
	// Ping reports whether the database answers.
	Ping(ctx context.Context) error
	// Close releases connections.
	Close() error
}

// ErrBadCursor is returned by List for a cursor it did not make.
var ErrBadCursor = errors.New("webapp: not a guestbook page cursor")

// postKeyRE is the shape of a post key: what newPostKey makes.
var postKeyRE = regexp.MustCompile(`^[0-9a-f]{32}$`)

func newPostKey() string { return newSessionID()[:32] }

// FieldError is a validation failure of one form field.
type FieldError struct {
	Field string // "name" or "message"
	Msg   string
}

func (e *FieldError) Error() string { return e.Field + " " + e.Msg }

// ValidateEntry checks a guestbook entry and returns its name and message in
// the form they are stored: Unicode NFC (golang.org/x/text/unicode/norm),
// line breaks as "\n", without surrounding white space. It refuses invalid
// UTF-8, empty or too long text, control characters (other than line breaks
// in the message) and text that shows nothing: only spaces, zero-width,
// combining or other invisible characters. The error is a *FieldError.
func ValidateEntry(name, message string) (string, string, error) {
	if !utf8.ValidString(name) {
		return "", "", &FieldError{"name", "must be valid UTF-8"}
	}
	if !utf8.ValidString(message) {
		return "", "", &FieldError{"message", "must be valid UTF-8"}
	}
	name = strings.TrimSpace(norm.NFC.String(name))
	message = strings.ReplaceAll(message, "\r\n", "\n")
	message = strings.ReplaceAll(message, "\r", "\n")
	message = strings.TrimSpace(norm.NFC.String(message))
	if err := checkEntryText("name", name, MaxNameLen, false); err != nil {
		return "", "", err
	}
	if err := checkEntryText("message", message, MaxMessageLen, true); err != nil {
		return "", "", err
	}
	return name, message, nil
}

func checkEntryText(field, s string, maxLen int, newlines bool) error {
	if s == "" {
		return &FieldError{field, "must not be empty"}
	}
	if n := utf8.RuneCountInString(s); n > maxLen {
		return &FieldError{field, fmt.Sprintf("must be at most %d characters, got %d", maxLen, n)}
	}
	if strings.ContainsFunc(s, func(r rune) bool { return unicode.IsControl(r) && !(newlines && r == '\n') }) {
		return &FieldError{field, "must not contain control characters"}
	}
	if !strings.ContainsFunc(s, func(r rune) bool { return !invisible(r) }) {
		return &FieldError{field, "must contain a visible character, not only spaces, zero-width or other invisible characters"}
	}
	return nil
}

// defaultIgnorable is Unicode's Default_Ignorable_Code_Point derived as UAX
// #44 defines it (as functions/voting/polls does): the zero-width space and
// joiners, the word joiner, the BOM, the soft hyphen, bidi controls,
// variation selectors and the Hangul fillers, code points that render as
// nothing.
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

// MemoryGuestbook keeps entries in the process, for a single server without
// a database (stage 1) and for tests. Entries are lost on restart.
type MemoryGuestbook struct {
	mu      sync.Mutex
	entries []Entry        // oldest first; ID is index+1
	keys    map[string]int // post key -> index
	now     func() time.Time
}

// NewMemoryGuestbook returns an empty in-process guestbook.
func NewMemoryGuestbook() *MemoryGuestbook {
	return &MemoryGuestbook{keys: make(map[string]int), now: time.Now}
}

// List implements Guestbook; cursors are decimal entry ids.
func (g *MemoryGuestbook) List(_ context.Context, before string, limit int) (Page, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	end := len(g.entries)
	if before != "" {
		n, err := parseIDCursor(before)
		if err != nil {
			return Page{}, err
		}
		end = int(min(n-1, int64(len(g.entries))))
	}
	var p Page
	for i := end - 1; i >= 0 && len(p.Entries) < limit; i-- {
		p.Entries = append(p.Entries, g.entries[i])
	}
	if n := len(p.Entries); n > 0 && n == limit && end-n > 0 {
		p.Next = p.Entries[n-1].ID
	}
	return p, nil
}

// Post implements Guestbook.
func (g *MemoryGuestbook) Post(_ context.Context, postKey, name, message string) (Entry, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if i, ok := g.keys[postKey]; ok {
		return g.entries[i], nil
	}
	e := Entry{ID: strconv.Itoa(len(g.entries) + 1), Name: name, Message: message, CreatedAt: g.now().UTC()}
	g.keys[postKey] = len(g.entries)
	g.entries = append(g.entries, e)
	return e, nil
}

// Ping implements Guestbook; memory always answers.
func (g *MemoryGuestbook) Ping(context.Context) error { return nil }

// Close implements Guestbook.
func (g *MemoryGuestbook) Close() error { return nil }

// parseIDCursor reads a cursor that is a positive decimal id.
func parseIDCursor(s string) (int64, error) {
	if len(s) == 0 || len(s) > 19 || s[0] == '0' {
		return 0, ErrBadCursor
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 {
		return 0, ErrBadCursor
	}
	return n, nil
}
