package robots

import (
	"strings"
)

// MaxSize is how much of a robots.txt Parse reads; RFC 9309 requires parsing
// at least 500 KiB.
const MaxSize = 500 << 10

// rule is one Allow or Disallow line.
type rule struct {
	allow   bool
	pattern string // normalized
}

// group is one user-agent group.
type group struct {
	agents []string // lower-case product tokens, or "*"
	rules  []rule
}

// Rules is a parsed robots.txt.
type Rules struct {
	groups []group
}

// Group is the set of rules that apply to one crawler.
type Group struct {
	rules    []rule
	disallow bool // disallow everything (DisallowAll)
}

// AllowAll is the Group for a site whose robots.txt is missing (4xx).
func AllowAll() Group { return Group{} }

// DisallowAll is the Group for a site whose robots.txt could not be fetched
// (5xx, network error): RFC 9309 says to assume complete disallow.
func DisallowAll() Group { return Group{disallow: true} }

// Parse parses a robots.txt body. It never fails: lines it does not
// understand are ignored, as the RFC requires.
func Parse(body []byte) *Rules {
	if len(body) > MaxSize {
		body = body[:MaxSize]
	}
	body = trimBOM(body)
	r := &Rules{}
	var cur *group
	lastWasAgent := false
	for _, line := range strings.FieldsFunc(string(body), func(c rune) bool { return c == '\n' || c == '\r' }) {
		key, value, ok := splitLine(line)
		if !ok {
			continue
		}
		key = strings.ToLower(key)
		switch key {
		case "user-agent", "useragent", "user agent":
			if !lastWasAgent {
				r.groups = append(r.groups, group{})
				cur = &r.groups[len(r.groups)-1]
			}
			cur.agents = append(cur.agents, productToken(value))
			lastWasAgent = true
		case "allow", "disallow":
			lastWasAgent = false
			if cur == nil {
				continue // a rule outside any group
			}
			if value == "" {
				continue // "Disallow:" disallows nothing; "Allow:" allows nothing new
			}
			cur.rules = append(cur.rules, rule{allow: key == "allow", pattern: normalize(value, true)})
		default:
			// Sitemap, Crawl-delay and other keys neither start nor end a group.
		}
	}
	return r
}

// trimBOM drops a UTF-8 byte order mark, or the part of one, that starts
// body: the reference parser skips "\xEF\xBB\xBF", "\xEF\xBB" and "\xEF"
// alike, so a truncated BOM does not cost the first line.
func trimBOM(body []byte) []byte {
	const bom = "\xef\xbb\xbf"
	i := 0
	for i < len(bom) && i < len(body) && body[i] == bom[i] {
		i++
	}
	return body[i:]
}

// splitLine returns the key and value of a line without its comment. The
// separator is a colon (RFC 9309 section 2.2); a line without one whose
// content is exactly two words ("disallow /") is read as key and value, as
// the reference parser does, since that is obviously what its author meant.
func splitLine(line string) (key, value string, ok bool) {
	if i := strings.IndexByte(line, '#'); i >= 0 {
		line = line[:i]
	}
	line = strings.TrimSpace(line)
	if line == "" {
		return "", "", false
	}
	if k, v, found := strings.Cut(line, ":"); found {
		key, value = strings.TrimSpace(k), strings.TrimSpace(v)
		return key, value, key != ""
	}
	i := strings.IndexAny(line, " \t")
	if i < 0 {
		return "", "", false
	}
	key, value = line[:i], strings.TrimLeft(line[i:], " \t")
	if strings.ContainsAny(value, " \t") {
		return "", "", false // more than two words: not a directive
	}
	return key, value, true
}

// productToken reduces a user-agent value or header to its lower-case
// product token: "Gureum-Crawler/1.0 (+https://x)" becomes "gureum-crawler".
func productToken(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexFunc(s, func(c rune) bool { return c == '/' || c == ' ' || c == '\t' || c == '(' || c == ';' }); i >= 0 {
		s = s[:i]
	}
	return strings.ToLower(s)
}

// ForAgent returns the rules for a crawler whose User-Agent is userAgent.
func (r *Rules) ForAgent(userAgent string) Group {
	token := productToken(userAgent)
	var specific, star []rule
	foundSpecific, foundStar := false, false
	for _, g := range r.groups {
		isSpecific, isStar := false, false
		for _, a := range g.agents {
			isStar = isStar || a == "*"
			isSpecific = isSpecific || (token != "" && a == token)
		}
		if isSpecific {
			foundSpecific = true
			specific = append(specific, g.rules...)
		}
		if isStar {
			foundStar = true
			star = append(star, g.rules...)
		}
	}
	switch {
	case foundSpecific:
		return Group{rules: specific}
	case foundStar:
		return Group{rules: star}
	default:
		return Group{}
	}
}

// Allowed reports whether the crawler may fetch pathAndQuery, the URL's
// escaped path with its "?query" if any ("/" when empty).
func (g Group) Allowed(pathAndQuery string) bool {
	if pathAndQuery == "" {
		pathAndQuery = "/"
	}
	if pathAndQuery == "/robots.txt" {
		return true
	}
	if g.disallow {
		return false
	}
	p := normalize(pathAndQuery, false)
	bestLen, allowed := -1, true
	for _, r := range g.rules {
		if !match(r.pattern, p) {
			continue
		}
		n := len(r.pattern)
		if n > bestLen || (n == bestLen && r.allow) {
			bestLen, allowed = n, r.allow
		}
	}
	return allowed
}

// match reports whether pattern matches a prefix of path ("*" matches any
// run of characters; a final "$" requires the match to reach the end).
func match(pattern, path string) bool {
	anchored := strings.HasSuffix(pattern, "$")
	if anchored {
		pattern = pattern[:len(pattern)-1]
	}
	parts := strings.Split(pattern, "*")
	// The first part must be a prefix.
	if !strings.HasPrefix(path, parts[0]) {
		return false
	}
	pos := len(parts[0])
	if len(parts) == 1 {
		return !anchored || pos == len(path)
	}
	for i := 1; i < len(parts)-1; i++ {
		j := strings.Index(path[pos:], parts[i])
		if j < 0 {
			return false
		}
		pos += j + len(parts[i])
	}
	last := parts[len(parts)-1]
	if anchored {
		return len(path)-pos >= len(last) && strings.HasSuffix(path, last)
	}
	return strings.Contains(path[pos:], last)
}

// normalize puts a rule's pattern (pattern true) or a URL's path and query
// into the one form they are compared in (RFC 9309 section 2.2.2):
//
//   - octets outside printable US-ASCII are percent-encoded;
//   - an escape of an unreserved character is decoded ("%7E" is "~", "%62"
//     is "b"), any other escape upper-cased ("%2f" is "%2F");
//   - in the query (after the first "?"), ":", "/", "?" and "@" are data,
//     not delimiters, and are compared encoded: "?baz=https://foo.bar" and
//     "?baz=https%3A%2F%2Ffoo.bar" are the same query;
//   - in a URL, "*" and "$" are compared encoded, since in a pattern they are
//     special characters and "%2A" and "%24" stand for them (section 2.2.3).
//
// Other reserved characters keep their role as written: "/a%2Fb" is not
// "/a/b", and "&" is not "%26".
func normalize(s string, pattern bool) string {
	var b strings.Builder
	b.Grow(len(s))
	escape := func(c byte) {
		b.WriteByte('%')
		b.WriteByte("0123456789ABCDEF"[c>>4])
		b.WriteByte("0123456789ABCDEF"[c&15])
	}
	query := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]):
			v := unhex(s[i+1])<<4 | unhex(s[i+2])
			if isUnreserved(v) {
				b.WriteByte(v)
			} else {
				escape(v)
			}
			i += 2
		case c <= 0x20 || c >= 0x7f:
			escape(c)
		case c == '?' && !query:
			query = true
			b.WriteByte(c)
		case query && (c == ':' || c == '/' || c == '?' || c == '@'):
			escape(c)
		case !pattern && (c == '*' || c == '$'):
			escape(c)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c >= '0' && c <= '9':
		return c - '0'
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10
	default:
		return c - 'A' + 10
	}
}

func isUnreserved(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~'
}
