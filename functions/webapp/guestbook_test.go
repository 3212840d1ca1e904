package webapp

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// envOf is a getenv over a map.
func envOf(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

// dbEnv is the environment the construct would pass for a test server.
func pgEnv(database string) map[string]string {
	return map[string]string{
		"DB_ENGINE": "aurora-postgresql", "DB_HOST": pg.Host, "DB_PORT": strconv.Itoa(pg.Port),
		"DB_NAME": database, "DB_USER": pg.User, "DB_PASSWORD": pg.Password, "DB_TLS": "disable",
	}
}

func mariaEnv(database string) map[string]string {
	return map[string]string{
		"DB_ENGINE": "aurora-mysql", "DB_HOST": maria.Host, "DB_PORT": strconv.Itoa(maria.Port),
		"DB_NAME": database, "DB_USER": maria.User, "DB_PASSWORD": maria.Password, "DB_TLS": "disable",
	}
}

// dbConfig loads the DB part of the configuration from env, failing the
// test on an error.
func dbConfig(t *testing.T, env map[string]string) DBConfig {
	t.Helper()
	c, err := LoadConfig(envOf(env))
	if err != nil {
		t.Fatal(err)
	}
	return c.DB
}

// openSQLFor opens a guestbook on env's database, closed with the test.
func openSQLFor(t *testing.T, env map[string]string) *SQLGuestbook {
	t.Helper()
	g, err := OpenSQLGuestbook(dbConfig(t, env), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { g.Close() })
	return g
}

// newPGGuestbook is a migrated guestbook on a fresh PostgreSQL database.
func newPGGuestbook(t *testing.T) *SQLGuestbook {
	t.Helper()
	name, err := pg.CreateDatabase(withTimeout(t))
	if err != nil {
		t.Fatal(err)
	}
	g := openSQLFor(t, pgEnv(name))
	if err := g.Migrate(withTimeout(t)); err != nil {
		t.Fatal(err)
	}
	return g
}

// newMariaGuestbook is a migrated guestbook on a fresh MariaDB database.
func newMariaGuestbook(t *testing.T) *SQLGuestbook {
	t.Helper()
	name, err := maria.CreateDatabase(withTimeout(t))
	if err != nil {
		t.Fatal(err)
	}
	g := openSQLFor(t, mariaEnv(name))
	if err := g.Migrate(withTimeout(t)); err != nil {
		t.Fatal(err)
	}
	return g
}

var dataTables int

// newDynamoDBGuestbook is a guestbook on a fresh table in DynamoDB Local.
func newDynamoDBGuestbook(t *testing.T) *DynamoDBGuestbook {
	t.Helper()
	dataTables++
	name := fmt.Sprintf("gureum-data-%d", dataTables)
	if err := createDataTable(withTimeout(t), ddbClient, name); err != nil {
		t.Fatal(err)
	}
	g, err := NewDynamoDBGuestbook(ddbClient, name)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// guestbooks are the implementations every behaviour test runs against.
var guestbooks = []struct {
	name string
	open func(t *testing.T) Guestbook
}{
	{"memory", func(*testing.T) Guestbook { return NewMemoryGuestbook() }},
	{"postgresql", func(t *testing.T) Guestbook { return newPGGuestbook(t) }},
	{"mariadb", func(t *testing.T) Guestbook { return newMariaGuestbook(t) }},
	{"dynamodb", func(t *testing.T) Guestbook { return newDynamoDBGuestbook(t) }},
}

func forEachGuestbook(t *testing.T, f func(t *testing.T, g Guestbook)) {
	for _, gb := range guestbooks {
		t.Run(gb.name, func(t *testing.T) { f(t, gb.open(t)) })
	}
}

func mustPost(t *testing.T, g Guestbook, key, name, message string) Entry {
	t.Helper()
	name, message, err := ValidateEntry(name, message)
	if err != nil {
		t.Fatal(err)
	}
	e, err := g.Post(withTimeout(t), key, name, message)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func TestGuestbookRoundTripsKorean(t *testing.T) {
	forEachGuestbook(t, func(t *testing.T, g Guestbook) {
		// "한글" typed as conjoining jamo (as some input methods send it)
		// is stored as the precomposed syllables.
		decomposed := "\u1112\u1161\u11ab\u1100\u1173\u11af 방명록"
		message := "안녕하세요, 구름입니다 🌥️\n두 번째 줄 — 'quotes' \"and\" <tags> & ampersands"
		e := mustPost(t, g, newPostKey(), decomposed, message)
		if e.Name != "한글 방명록" || e.Message != message {
			t.Errorf("Post returned %q / %q, want %q / %q", e.Name, e.Message, "한글 방명록", message)
		}
		p, err := g.List(withTimeout(t), "", 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Entries) != 1 {
			t.Fatalf("List: %d entries, want 1", len(p.Entries))
		}
		got := p.Entries[0]
		if got.Name != "한글 방명록" || got.Message != message || got.ID != e.ID {
			t.Errorf("List returned %+v, want the posted %+v", got, e)
		}
		if !got.CreatedAt.Equal(e.CreatedAt) || got.CreatedAt.Location().String() != "UTC" {
			t.Errorf("CreatedAt %v from List, %v from Post; want the same instant in UTC", got.CreatedAt, e.CreatedAt)
		}
		if p.Next != "" {
			t.Errorf("Next = %q on the only page", p.Next)
		}
	})
}

func TestGuestbookStoresTheLongestEntries(t *testing.T) {
	// The schema's column sizes agree with ValidateEntry's limits, counted
	// in code points, for 3-byte (Hangul) and 4-byte (emoji) UTF-8.
	forEachGuestbook(t, func(t *testing.T, g Guestbook) {
		for _, c := range []string{"가", "😀"} {
			name, message := strings.Repeat(c, MaxNameLen), strings.Repeat(c, MaxMessageLen)
			e := mustPost(t, g, newPostKey(), name, message)
			if e.Name != name || e.Message != message {
				t.Errorf("%q: stored %d/%d code points, want %d/%d", c,
					utf8.RuneCountInString(e.Name), utf8.RuneCountInString(e.Message), MaxNameLen, MaxMessageLen)
			}
		}
	})
}

func TestGuestbookPostKeyStoresOnce(t *testing.T) {
	forEachGuestbook(t, func(t *testing.T, g Guestbook) {
		key := newPostKey()
		first := mustPost(t, g, key, "구름", "첫 번째")
		again := mustPost(t, g, key, "구름", "첫 번째")
		if again.ID != first.ID || !again.CreatedAt.Equal(first.CreatedAt) {
			t.Errorf("repeated post key: got entry %+v, want the first %+v", again, first)
		}
		// Several instances repeating one form at once store it once.
		key = newPostKey()
		var wg sync.WaitGroup
		ids := make([]string, 8)
		for i := range ids {
			wg.Add(1)
			go func() {
				defer wg.Done()
				e, err := g.Post(withTimeout(t), key, "동시", "같은 양식")
				if err != nil {
					t.Error(err)
					return
				}
				ids[i] = e.ID
			}()
		}
		wg.Wait()
		for _, id := range ids[1:] {
			if id != ids[0] {
				t.Errorf("concurrent posts with one key returned ids %v, want one", ids)
				break
			}
		}
		p, err := g.List(withTimeout(t), "", 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Entries) != 2 {
			t.Errorf("%d entries stored, want 2", len(p.Entries))
		}
	})
}

func TestGuestbookPagination(t *testing.T) {
	forEachGuestbook(t, func(t *testing.T, g Guestbook) {
		const n = 23
		var posted []string
		for i := range n {
			e := mustPost(t, g, newPostKey(), fmt.Sprintf("손님 %d", i), fmt.Sprintf("메시지 %d", i))
			posted = append(posted, e.ID)
		}
		var got []string
		var sizes []int
		cursor := ""
		for page := 0; page < 10; page++ {
			p, err := g.List(withTimeout(t), cursor, 10)
			if err != nil {
				t.Fatal(err)
			}
			sizes = append(sizes, len(p.Entries))
			for _, e := range p.Entries {
				got = append(got, e.ID)
				if want := fmt.Sprintf("메시지 %s", strings.TrimPrefix(e.Name, "손님 ")); e.Message != want {
					t.Errorf("entry %s: message %q, want %q", e.ID, e.Message, want)
				}
			}
			if p.Next == "" {
				break
			}
			cursor = p.Next
		}
		if fmt.Sprint(sizes) != "[10 10 3]" {
			t.Errorf("page sizes %v, want [10 10 3]", sizes)
		}
		if len(got) != n {
			t.Fatalf("listed %d entries, want %d", len(got), n)
		}
		for i, id := range got {
			if want := posted[n-1-i]; id != want {
				t.Fatalf("entry %d listed is %s, want %s: newest first, each once\nlisted %v\nposted %v", i, id, want, got, posted)
			}
		}
		// A page boundary that falls on the last entry has no next page.
		p, err := g.List(withTimeout(t), got[n-4], 3)
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Entries) != 3 || p.Next != "" {
			t.Errorf("last full page: %d entries, next %q; want 3 and none", len(p.Entries), p.Next)
		}
		for _, bad := range []string{"x", "-1", "0", "01", "' OR 1=1 --", strings.Repeat("9", 40), "ENTRY#"} {
			if _, err := g.List(withTimeout(t), bad, 10); !errors.Is(err, ErrBadCursor) {
				t.Errorf("List(before=%q) = %v, want ErrBadCursor", bad, err)
			}
		}
	})
}

func TestGuestbookConcurrentPosts(t *testing.T) {
	forEachGuestbook(t, func(t *testing.T, g Guestbook) {
		const n = 20
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := g.Post(withTimeout(t), newPostKey(), "동시 "+strconv.Itoa(i), "글"); err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		p, err := g.List(withTimeout(t), "", MaxPageSize)
		if err != nil {
			t.Fatal(err)
		}
		seen := map[string]bool{}
		for _, e := range p.Entries {
			seen[e.Name] = true
		}
		if len(p.Entries) != n || len(seen) != n {
			t.Errorf("%d entries (%d distinct), want %d", len(p.Entries), len(seen), n)
		}
	})
}

func TestValidateEntry(t *testing.T) {
	// U+D55C 한 composed from its jamo by the Unicode Standard's Hangul
	// syllable composition (section 3.12): SBase + (LIndex*VCount +
	// VIndex)*TCount + TIndex.
	const sBase, vCount, tCount = 0xAC00, 21, 28
	han := string(rune(sBase + ((0x1112-0x1100)*vCount+(0x1161-0x1161))*tCount + (0x11AB - 0x11A7)))
	if han != "한" {
		t.Fatalf("composition formula gives %q", han)
	}
	tests := []struct {
		name, inName, inMessage string
		wantName, wantMessage   string
		wantField, wantErr      string
	}{
		{"ok", "구름", "안녕하세요", "구름", "안녕하세요", "", ""},
		{"NFC Hangul", "\u1112\u1161\u11ab", "\u1112\u1161\u11ab", han, han, "", ""},
		{"NFC Latin", "Cafe\u0301", "e\u0301", "Café", "é", "", ""},
		{"trimmed", "  구름\t", "\n 안녕 \r\n", "구름", "안녕", "", ""},
		{"CRLF and CR become LF", "a", "줄1\r\n줄2\r줄3", "a", "줄1\n줄2\n줄3", "", ""},
		{"longest name", strings.Repeat("가", MaxNameLen), "m", strings.Repeat("가", MaxNameLen), "m", "", ""},
		{"longest message", "n", strings.Repeat("😀", MaxMessageLen), "n", strings.Repeat("😀", MaxMessageLen), "", ""},
		{"name too long", strings.Repeat("가", MaxNameLen+1), "m", "", "", "name", "at most 64"},
		{"message too long", "n", strings.Repeat("a", MaxMessageLen+1), "", "", "message", "at most 1000"},
		// NFC can shorten text: the limit applies to the stored form.
		{"length after NFC", strings.Repeat("\u1100\u1161", MaxNameLen), "m", strings.Repeat("가", MaxNameLen), "m", "", ""},
		{"empty name", "", "m", "", "", "name", "must not be empty"},
		{"blank message", "n", " \t\n ", "", "", "message", "must not be empty"},
		{"zero-width only", "\u200b\u200d\u2060", "m", "", "", "name", "visible character"},
		{"Hangul filler only", "\u3164\u115f", "m", "", "", "name", "visible character"},
		{"combining mark only", "n", "\u0301\u0302", "", "", "message", "visible character"},
		{"braille blank", "n", "\u2800", "", "", "message", "visible character"},
		{"BOM and bidi only", "\ufeff\u202e", "m", "", "", "name", "visible character"},
		{"newline in name", "a\nb", "m", "", "", "name", "control characters"},
		{"NUL in message", "n", "a\x00b", "", "", "message", "control characters"},
		{"escape in message", "n", "a\x1b[31mb", "", "", "message", "control characters"},
		{"invalid UTF-8 name", "a\xffb", "m", "", "", "name", "valid UTF-8"},
		{"invalid UTF-8 message", "n", "\xed\xa0\x80", "", "", "message", "valid UTF-8"},
		{"visible among invisible", "\u200b구\u200b", "m", "\u200b구\u200b", "m", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, m, err := ValidateEntry(tt.inName, tt.inMessage)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("error %v", err)
				}
				if n != tt.wantName || m != tt.wantMessage {
					t.Errorf("got %q / %q, want %q / %q", n, m, tt.wantName, tt.wantMessage)
				}
				if !norm.NFC.IsNormalString(n) || !norm.NFC.IsNormalString(m) {
					t.Errorf("result is not NFC")
				}
				return
			}
			var fe *FieldError
			if !errors.As(err, &fe) || fe.Field != tt.wantField || !strings.Contains(fe.Msg, tt.wantErr) {
				t.Errorf("error %v, want a %s error containing %q", err, tt.wantField, tt.wantErr)
			}
		})
	}
}
