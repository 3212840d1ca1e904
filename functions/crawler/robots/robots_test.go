package robots

import (
	"strings"
	"testing"
)

const ua = "gureum-crawler/1.0 (+https://gureum.example/bot)"

func TestAllowed(t *testing.T) {
	tests := []struct {
		name   string
		robots string
		agent  string
		paths  map[string]bool
	}{
		{
			name:   "empty file allows everything",
			robots: "",
			paths:  map[string]bool{"/": true, "/a/b?c=d": true},
		},
		{
			name:   "star group",
			robots: "User-agent: *\nDisallow: /private\n",
			paths:  map[string]bool{"/": true, "/private": false, "/private/x": false, "/privateer": false, "/public/private": true},
		},
		{
			name:   "specific group replaces star group",
			robots: "User-agent: *\nDisallow: /\n\nUser-agent: gureum-crawler\nDisallow: /admin\n",
			paths:  map[string]bool{"/": true, "/page": true, "/admin/users": false},
		},
		{
			name:   "other crawler's group does not apply",
			robots: "User-agent: googlebot\nDisallow: /\n",
			paths:  map[string]bool{"/": true, "/x": true},
		},
		{
			name:   "agent match is case-insensitive and ignores version",
			robots: "User-agent: Gureum-Crawler/2.0\nDisallow: /x\n",
			paths:  map[string]bool{"/x": false, "/y": true},
		},
		{
			name:   "prefix of our token is not our token",
			robots: "User-agent: gureum\nDisallow: /\n",
			paths:  map[string]bool{"/": true},
		},
		{
			name:   "several agents share one group",
			robots: "User-agent: googlebot\nUser-agent: gureum-crawler\nDisallow: /shared\n",
			paths:  map[string]bool{"/shared/a": false, "/other": true},
		},
		{
			name:   "matching groups are combined",
			robots: "User-agent: gureum-crawler\nDisallow: /a\n\nUser-agent: *\nDisallow: /b\n\nUser-agent: gureum-crawler\nDisallow: /c\n",
			paths:  map[string]bool{"/a": false, "/b": true, "/c": false},
		},
		{
			name:   "longest match wins",
			robots: "User-agent: *\nDisallow: /shop\nAllow: /shop/public\nDisallow: /shop/public/secret\n",
			paths:  map[string]bool{"/shop/cart": false, "/shop/public/item": true, "/shop/public/secret/1": false},
		},
		{
			name:   "allow wins a tie",
			robots: "User-agent: *\nDisallow: /page\nAllow: /page\n",
			paths:  map[string]bool{"/page": true},
		},
		{
			name:   "wildcards and end anchor",
			robots: "User-agent: *\nDisallow: /*.pdf$\nDisallow: /search*q=\nDisallow: /*/edit\nAllow: /docs/*.pdf$\n",
			paths: map[string]bool{
				"/a/report.pdf": false, "/a/report.pdf?dl=1": true, "/report.pdfx": true, "/docs/x.pdf": true,
				"/search?q=go": false, "/search/advanced?lang=ko&q=go": false, "/search?lang=ko": true,
				"/wiki/edit": false, "/edit": true,
			},
		},
		{
			name:   "anchored root",
			robots: "User-agent: *\nDisallow: /$\n",
			paths:  map[string]bool{"/": false, "/index.html": true},
		},
		{
			name:   "empty disallow allows everything",
			robots: "User-agent: *\nDisallow:\n",
			paths:  map[string]bool{"/": true, "/x": true},
		},
		{
			name:   "disallow everything but robots.txt",
			robots: "User-agent: *\nDisallow: /\n",
			paths:  map[string]bool{"/": false, "/index.html": false, "/robots.txt": true},
		},
		{
			name:   "query string is part of the path",
			robots: "User-agent: *\nDisallow: /*?session=\n",
			paths:  map[string]bool{"/page?session=1": false, "/page?id=1": true},
		},
		{
			name:   "comments, case, spacing, CRLF, BOM and unknown keys",
			robots: "\xef\xbb\xbf# robots for example\r\nuser-AGENT :  *   # everyone\r\nCrawl-delay: 10\r\nDISALLOW: /tmp # temp\r\nSitemap: https://example.com/sitemap.xml\r\nallow: /tmp/ok\r\n",
			paths:  map[string]bool{"/tmp/x": false, "/tmp/ok/1": true, "/home": true},
		},
		{
			name:   "rules before any user-agent are ignored",
			robots: "Disallow: /\nUser-agent: *\nDisallow: /x\n",
			paths:  map[string]bool{"/": true, "/x": false},
		},
		{
			name:   "sitemap line does not end a group",
			robots: "User-agent: gureum-crawler\nSitemap: /s.xml\nDisallow: /a\nUser-agent: *\nDisallow: /\n",
			paths:  map[string]bool{"/a": false, "/b": true},
		},
		{
			name:   "percent-encoding is normalized",
			robots: "User-agent: *\nDisallow: /%7ejoe/\nDisallow: /a%2fb\nDisallow: /café\n",
			paths:  map[string]bool{"/~joe/index.html": false, "/%7Ejoe/x": false, "/a%2Fb": false, "/a/b": true, "/caf%C3%A9/menu": false},
		},
		{
			name:   "garbage lines are ignored",
			robots: "<html><body>not robots</body></html>\nUser-agent: *\nDisallow: /x\n",
			paths:  map[string]bool{"/": true, "/x": false},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			agent := tc.agent
			if agent == "" {
				agent = ua
			}
			g := Parse([]byte(tc.robots)).ForAgent(agent)
			for path, want := range tc.paths {
				if got := g.Allowed(path); got != want {
					t.Errorf("Allowed(%q) = %v, want %v", path, got, want)
				}
			}
		})
	}
}

func TestAllowAllDisallowAll(t *testing.T) {
	if !AllowAll().Allowed("/anything") {
		t.Error("AllowAll disallowed /anything")
	}
	d := DisallowAll()
	if d.Allowed("/") || d.Allowed("/x?y") {
		t.Error("DisallowAll allowed a page")
	}
	if !d.Allowed("/robots.txt") {
		t.Error("DisallowAll disallowed /robots.txt")
	}
	if !AllowAll().Allowed("") {
		t.Error(`empty path (meaning "/") disallowed`)
	}
}

func TestParseReadsOnlyMaxSize(t *testing.T) {
	body := "User-agent: *\n" + strings.Repeat("# padding\n", MaxSize/10) + "Disallow: /late\n"
	if !Parse([]byte(body)).ForAgent(ua).Allowed("/late") {
		t.Error("a rule past MaxSize was applied")
	}
	short := "User-agent: *\nDisallow: /early\n" + strings.Repeat("# padding\n", MaxSize/10)
	if Parse([]byte(short)).ForAgent(ua).Allowed("/early") {
		t.Error("a rule before MaxSize was not applied")
	}
}

func TestMatch(t *testing.T) {
	tests := []struct {
		pattern, path string
		want          bool
	}{
		{"/", "/anything", true},
		{"/a*b*c", "/axxbyyc", true},
		{"/a*b*c", "/axxcyyb", false},
		{"/a*b$", "/ab", true},
		{"/a*b$", "/abb", true},
		{"/a*b$", "/abc", false},
		{"*", "/x", true},
		{"/x$", "/x", true},
		{"/x$", "/xy", false},
		{"/**/z", "/a/z", true},
		{"/a*aa$", "/aa", false},
		{"/a*aa$", "/aaa", true},
		{"*.gif$", "/x/y.gif", true},
	}
	for _, tc := range tests {
		if got := match(tc.pattern, tc.path); got != tc.want {
			t.Errorf("match(%q, %q) = %v, want %v", tc.pattern, tc.path, got, tc.want)
		}
	}
}

func FuzzParse(f *testing.F) {
	f.Add("User-agent: *\nDisallow: /a*b$\nAllow: /a\n", "/a/b")
	f.Fuzz(func(t *testing.T, robots, path string) {
		g := Parse([]byte(robots)).ForAgent(ua)
		_ = g.Allowed(path)
		if !g.Allowed("/robots.txt") {
			t.Fatal("/robots.txt disallowed")
		}
	})
}

// referenceCase is one verdict published by RFC 9309 (its text and examples)
// or by the tests of Google's reference parser, github.com/google/robotstxt
// (robots_test.cc, commit 22b355f), which checks the RFC. "Google-only" marks
// behaviour the reference parser adds to the RFC, which gureum follows.
type referenceCase struct {
	source string // RFC 9309 section, or the reference parser's test
	robots string
	agent  string // product token or User-Agent header
	path   string // escaped path and query, as the crawler passes it
	want   bool
}

// rfcSimpleExample is the file of RFC 9309 section 5.1.
const rfcSimpleExample = "User-Agent: *\nDisallow: *.gif$\nDisallow: /example/\nAllow: /publications/\n\n" +
	"User-Agent: foobot\nDisallow:/\nAllow:/example/page.html\nAllow:/example/allowed.gif\n\n" +
	"User-Agent: barbot\nUser-Agent: bazbot\nDisallow: /example/page.html\n\nUser-Agent: quxbot\n"

// googleGroups is the file of the reference parser's ID_LineSyntax_Groups.
const googleGroups = "allow: /foo/bar/\n\nuser-agent: FooBot\ndisallow: /\nallow: /x/\nuser-agent: BarBot\n" +
	"disallow: /\nallow: /y/\n\n\nallow: /w/\nuser-agent: BazBot\n\nuser-agent: FooBot\nallow: /z/\ndisallow: /\n"

var referenceCases = []referenceCase{
	// RFC 9309 section 5.1: the simple example.
	{"RFC 9309 5.1: * allows /publications/", rfcSimpleExample, "otherbot", "/publications/", true},
	{"RFC 9309 5.1: * restricts /example/", rfcSimpleExample, "otherbot", "/example/index.html", false},
	{"RFC 9309 5.1: * restricts .gif (\"*\" spans the slash)", rfcSimpleExample, "otherbot", "/img/logo.gif", false},
	{"RFC 9309 5.1: * allows the rest", rfcSimpleExample, "otherbot", "/about", true},
	{"RFC 9309 5.1: foobot may fetch /example/page.html", rfcSimpleExample, "foobot", "/example/page.html", true},
	{"RFC 9309 5.1: foobot may fetch /example/allowed.gif", rfcSimpleExample, "foobot", "/example/allowed.gif", true},
	{"RFC 9309 5.1: foobot nothing else", rfcSimpleExample, "foobot", "/publications/", false},
	{"RFC 9309 5.1: barbot not /example/page.html", rfcSimpleExample, "barbot", "/example/page.html", false},
	{"RFC 9309 5.1: bazbot not /example/page.html", rfcSimpleExample, "bazbot", "/example/page.html", false},
	{"RFC 9309 5.1: bazbot the rest (not the * group)", rfcSimpleExample, "bazbot", "/example/other.gif", true},
	{"RFC 9309 5.1: quxbot's empty group allows everything", rfcSimpleExample, "quxbot", "/example/x.gif", true},
	// RFC 9309 section 5.2: the longest match.
	{"RFC 9309 5.2: longest match disallows", "User-Agent: foobot\nAllow: /example/page/\nDisallow: /example/page/disallowed.gif\n", "foobot", "/example/page/disallowed.gif", false},
	{"RFC 9309 5.2: longest match allows", "User-Agent: foobot\nAllow: /example/page/\nDisallow: /example/page/disallowed.gif\n", "foobot", "/example/page/ok.gif", true},
	// RFC 9309 section 2.2.1: groups and product tokens.
	{"RFC 9309 2.2.1: product token matched case-insensitively", "User-agent: ExampleBot\nDisallow: /x\n", "examplebot/1.0", "/x", false},
	{"RFC 9309 2.2.1: matching groups are combined", "user-agent: ExampleBot\ndisallow: /foo\n\nuser-agent: ExampleBot\ndisallow: /baz\n", "ExampleBot", "/baz", false},
	{"RFC 9309 2.2.1: no match obeys *", "user-agent: *\ndisallow: /\nuser-agent: FooBot\nallow: /\n", "BarBot", "/x", false},
	{"RFC 9309 2.2.1: no match and no * means no rules", "user-agent: FooBot\ndisallow: /\n", "BarBot", "/x", true},
	// RFC 9309 section 2.2.2: allow and disallow.
	{"RFC 9309 2.2.2: matching is case sensitive", "user-agent: *\ndisallow: /X/\n", "FooBot", "/x/y", true},
	{"RFC 9309 2.2.2: equivalent allow wins", "user-agent: *\ndisallow: /page\nallow: /page\n", "FooBot", "/page", true},
	{"RFC 9309 2.2.2: /robots.txt is implicitly allowed", "user-agent: *\ndisallow: /\n", "FooBot", "/robots.txt", true},
	{"RFC 9309 2.2.2: rules outside any group are ignored", "disallow: /\nuser-agent: *\nallow: /a\n", "FooBot", "/x", true},
	// RFC 9309 section 2.2.2, the table of percent-encoding examples: each
	// row's path, written either way in the rule or the URL, matches its
	// "path to match".
	{"RFC 9309 2.2.2 table row 1", "user-agent: *\ndisallow: /foo/bar?baz=quz\n", "x", "/foo/bar?baz=quz", false},
	{"RFC 9309 2.2.2 table row 2: rule encoded, URL literal", "user-agent: *\ndisallow: /\nallow: /foo/bar?baz=https%3A%2F%2Ffoo.bar\n", "x", "/foo/bar?baz=https://foo.bar", true},
	{"RFC 9309 2.2.2 table row 2: rule literal, URL encoded", "user-agent: *\ndisallow: /foo/bar?baz=https://foo.bar\n", "x", "/foo/bar?baz=https%3A%2F%2Ffoo.bar", false},
	{"RFC 9309 2.2.2 table row 2: both encoded", "user-agent: *\ndisallow: /foo/bar?baz=https%3A%2F%2Ffoo.bar\n", "x", "/foo/bar?baz=https%3a%2f%2ffoo.bar", false},
	{"RFC 9309 2.2.2 table row 3: UTF-8 in the rule", "user-agent: *\ndisallow: /foo/bar/ツ\n", "x", "/foo/bar/%E3%83%84", false},
	{"RFC 9309 2.2.2 table row 4: encoded in both", "user-agent: *\ndisallow: /foo/bar/%E3%83%84\n", "x", "/foo/bar/%e3%83%84", false},
	{"RFC 9309 2.2.2 table row 5: unreserved escapes decoded", "user-agent: *\ndisallow: /foo/bar/%62%61%7A\n", "x", "/foo/bar/baz", false},
	{"RFC 9309 2.2.2: an escaped slash in the path is not a slash", "user-agent: *\ndisallow: /a%2Fb\n", "x", "/a/b", true},
	{"RFC 9309 2.2.2: an escaped sub-delimiter keeps its meaning", "user-agent: *\ndisallow: /q?x=a%26y=b\n", "x", "/q?x=a&y=b", true},
	// RFC 9309 section 2.2.3: special characters.
	{"RFC 9309 2.2.3: # starts a comment", "user-agent: *\ndisallow: /foo/quz#qux\nallow: /\n", "x", "/foo/quz", false},
	{"RFC 9309 2.2.3: $ ends the pattern", "user-agent: *\nallow: /\ndisallow: /this/path/exactly$\n", "x", "/this/path/exactly2", true},
	{"RFC 9309 2.2.3: * matches any octets", "user-agent: *\ndisallow: /this/*/exactly\n", "x", "/this/a/b/exactly", false},
	{"RFC 9309 2.2.3: %2A in a rule is a literal *", "user-agent: *\ndisallow: /path/file-with-a-%2A.html\n", "x", "/path/file-with-a-*.html", false},
	{"RFC 9309 2.2.3: %2A does not match other octets", "user-agent: *\ndisallow: /path/file-with-a-%2A.html\n", "x", "/path/file-with-a-b.html", true},
	{"RFC 9309 2.2.3: %24 in a rule is a literal $", "user-agent: *\ndisallow: /path/foo-%24\n", "x", "/path/foo-$", false},
	// RFC 9309 section 2.2.4: other records do not end a group.
	{"RFC 9309 2.2.4: a sitemap record does not end a group", "user-agent: FooBot\nsitemap: https://x/s.xml\nuser-agent: *\ndisallow: /\n", "FooBot", "/", false},

	// The reference parser's tests.
	{"google/robotstxt ID_LineSyntax_Line: a rule", "user-agent: FooBot\ndisallow: /\n", "FooBot", "/x/y", false},
	{"google/robotstxt ID_LineSyntax_Line: unknown keys", "foo: FooBot\nbar: /\n", "FooBot", "/x/y", true},
	{"google/robotstxt ID_LineSyntax_Line (Google-only): a missing colon is accepted", "user-agent FooBot\ndisallow /\n", "FooBot", "/x/y", false},
	{"google/robotstxt (Google-only): a missing colon with more than two words is not a rule", "user-agent: FooBot\ndisallow / now\n", "FooBot", "/x/y", true},
	{"google/robotstxt ID_LineSyntax_Groups: x", googleGroups, "FooBot", "/x/b", true},
	{"google/robotstxt ID_LineSyntax_Groups: z", googleGroups, "FooBot", "/z/d", true},
	{"google/robotstxt ID_LineSyntax_Groups: y", googleGroups, "FooBot", "/y/c", false},
	{"google/robotstxt ID_LineSyntax_Groups: BarBot y", googleGroups, "BarBot", "/y/c", true},
	{"google/robotstxt ID_LineSyntax_Groups: BarBot w after blank lines", googleGroups, "BarBot", "/w/a", true},
	{"google/robotstxt ID_LineSyntax_Groups: BarBot z", googleGroups, "BarBot", "/z/d", false},
	{"google/robotstxt ID_LineSyntax_Groups: BazBot shares FooBot's group", googleGroups, "BazBot", "/z/d", true},
	{"google/robotstxt ID_LineSyntax_Groups: rule outside groups", googleGroups, "FooBot", "/foo/bar/", false},
	{"google/robotstxt ID_LineSyntax_Groups_OtherRules: unknown line", "User-agent: FooBot\nInvalid-Unknown-Line: unknown\nUser-agent: *\nDisallow: /\n", "FooBot", "/", false},
	{"google/robotstxt ID_REPLineNamesCaseInsensitive", "uSeR-aGeNt: FooBot\nAlLoW: /x/\ndIsAlLoW: /\n", "FooBot", "/a/b", false},
	{"google/robotstxt ID_UserAgentValueCaseInsensitive", "User-Agent: FoO bAr\nAllow: /x/\nDisallow: /\n", "foo", "/x/y", true},
	{"google/robotstxt GoogleOnly_AcceptUserAgentUpToFirstSpace", "User-Agent: *\nDisallow: /\nUser-Agent: Foo Bar\nAllow: /x/\nDisallow: /\n", "Foo", "/x/y", true},
	{"google/robotstxt ID_GlobalGroups_Secondary: * for others", "user-agent: *\nallow: /\nuser-agent: FooBot\ndisallow: /\n", "BarBot", "/x/y", true},
	{"google/robotstxt ID_GlobalGroups_Secondary: only specific", "user-agent: FooBot\nallow: /\nuser-agent: BarBot\ndisallow: /\nuser-agent: BazBot\ndisallow: /\n", "QuxBot", "/x/y", true},
	{"google/robotstxt ID_LongestMatch: longer disallow", "user-agent: FooBot\ndisallow: /x/page.html\nallow: /x/\n", "FooBot", "/x/page.html", false},
	{"google/robotstxt ID_LongestMatch: empty rules", "user-agent: FooBot\ndisallow: \nallow: \n", "FooBot", "/x/page.html", true},
	{"google/robotstxt ID_LongestMatch: /x vs /x/", "user-agent: FooBot\ndisallow: /x\nallow: /x/\n", "FooBot", "/x", false},
	{"google/robotstxt ID_LongestMatch: wildcard longer", "user-agent: FooBot\nallow: /page\ndisallow: /*.html\n", "FooBot", "/page.html", false},
	{"google/robotstxt ID_LongestMatch: prefix longer", "user-agent: FooBot\nallow: /x/page.\ndisallow: /*.html\n", "FooBot", "/x/page.html", true},
	{"google/robotstxt ID_Encoding: a literal :// in rule and URL", "User-agent: FooBot\nDisallow: /\nAllow: /foo/bar?qux=taz&baz=http://foo.bar?tar&par\n", "FooBot", "/foo/bar?qux=taz&baz=http://foo.bar?tar&par", true},
	{"google/robotstxt ID_Encoding: UTF-8 rule, escaped URL", "User-agent: FooBot\nDisallow: /\nAllow: /foo/bar/ツ\n", "FooBot", "/foo/bar/%E3%83%84", true},
	{"google/robotstxt ID_Encoding: escaped rule, escaped URL", "User-agent: FooBot\nDisallow: /\nAllow: /foo/bar/%E3%83%84\n", "FooBot", "/foo/bar/%E3%83%84", true},
	// The reference parser compares unreserved escapes octet by octet and
	// calls relying on it illegal; RFC 9309's table (row 5) decodes them,
	// which gureum follows in both directions.
	{"google/robotstxt ID_Encoding: escaped unreserved matches itself", "User-agent: FooBot\nDisallow: /\nAllow: /foo/bar/%62%61%7A\n", "FooBot", "/foo/bar/%62%61%7A", true},
	{"google/robotstxt ID_SpecialCharacters: * in the middle", "User-agent: FooBot\nDisallow: /foo/bar/quz\nAllow: /foo/*/qux\n", "FooBot", "/foo/bar/quz", false},
	{"google/robotstxt ID_SpecialCharacters: // path", "User-agent: FooBot\nDisallow: /foo/bar/quz\nAllow: /foo/*/qux\n", "FooBot", "/foo//quz", true},
	{"google/robotstxt ID_SpecialCharacters: $", "User-agent: FooBot\nDisallow: /foo/bar$\nAllow: /foo/bar/qux\n", "FooBot", "/foo/bar", false},
	{"google/robotstxt ID_SpecialCharacters: $ then slash", "User-agent: FooBot\nDisallow: /foo/bar$\nAllow: /foo/bar/qux\n", "FooBot", "/foo/bar/", true},
	{"google/robotstxt GoogleOnly_DocumentationChecks: /fish", "user-agent: FooBot\ndisallow: /\nallow: /fish\n", "FooBot", "/fish.html?id=anything", true},
	{"google/robotstxt GoogleOnly_DocumentationChecks: /fish is not /catfish", "user-agent: FooBot\ndisallow: /\nallow: /fish\n", "FooBot", "/catfish", false},
	{"google/robotstxt GoogleOnly_DocumentationChecks: /fish is not ?id=fish", "user-agent: FooBot\ndisallow: /\nallow: /fish\n", "FooBot", "/?id=fish", false},
	{"google/robotstxt GoogleOnly_DocumentationChecks: /*.php$ with a query", "user-agent: FooBot\ndisallow: /\nallow: /*.php$\n", "FooBot", "/filename.php?parameters", false},
	{"google/robotstxt GoogleOnly_DocumentationChecks: /*.php in a query", "user-agent: FooBot\ndisallow: /\nallow: /*.php\n", "FooBot", "/index?f=filename.php/", true},
	{"google/robotstxt GoogleOnly_DocumentationChecks: /fish*.php", "user-agent: FooBot\ndisallow: /\nallow: /fish*.php\n", "FooBot", "/fishheads/catfish.php?parameters", true},
	{"google/robotstxt GoogleOnly_DocumentationChecks: allow /$", "user-agent: FooBot\nallow: /$\ndisallow: /\n", "FooBot", "/", true},
	{"google/robotstxt GoogleOnly_DocumentationChecks: allow /$ only", "user-agent: FooBot\nallow: /$\ndisallow: /\n", "FooBot", "/page.html", false},
	// ID_UTF8ByteOrderMarkIsSkipped: a BOM, or the first one or two of its
	// bytes, is skipped; a broken one makes the first line garbage.
	{"google/robotstxt ID_UTF8ByteOrderMarkIsSkipped: full BOM", "\xef\xbb\xbfUser-Agent: foo\nDisallow: /AnyValue\n", "foo", "/AnyValue", false},
	{"google/robotstxt ID_UTF8ByteOrderMarkIsSkipped: two BOM bytes", "\xef\xbbUser-Agent: foo\nDisallow: /AnyValue\n", "foo", "/AnyValue", false},
	{"google/robotstxt ID_UTF8ByteOrderMarkIsSkipped: one BOM byte", "\xefUser-Agent: foo\nDisallow: /AnyValue\n", "foo", "/AnyValue", false},
	{"google/robotstxt ID_UTF8ByteOrderMarkIsSkipped: broken BOM", "\xef\x11\xbfUser-Agent: foo\nDisallow: /AnyValue\n", "foo", "/AnyValue", true},
	{"google/robotstxt ID_UTF8ByteOrderMarkIsSkipped: BOM mid-file", "User-Agent: foo\n\xef\xbb\xbfDisallow: /AnyValue\n", "foo", "/AnyValue", true},
	// ID_LinesNumbersAreCountedCorrectly: LF, CRLF and CR line endings.
	{"google/robotstxt ID_LinesNumbersAreCountedCorrectly: CR", "User-Agent: foo\rAllow: /some/path\rUser-Agent: bar\r\r\rDisallow: /\r", "bar", "/x", false},
	{"google/robotstxt ID_LinesNumbersAreCountedCorrectly: mixed", "User-Agent: foo\nAllow: /some/path\r\nUser-Agent: bar\n\r\n\nDisallow: /", "bar", "/x", false},
}

// TestRFC9309AndReferenceParser checks every published verdict above.
func TestRFC9309AndReferenceParser(t *testing.T) {
	for _, c := range referenceCases {
		t.Run(c.source, func(t *testing.T) {
			if got := Parse([]byte(c.robots)).ForAgent(c.agent).Allowed(c.path); got != c.want {
				t.Errorf("agent %q, path %q: Allowed = %v, want %v\nrobots.txt:\n%s", c.agent, c.path, got, c.want, c.robots)
			}
		})
	}
}
