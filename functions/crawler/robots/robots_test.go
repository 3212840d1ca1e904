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
			robots: "<html><body>not robots</body></html>\nUser-agent *\nDisallow /\n",
			paths:  map[string]bool{"/": true},
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
