// Package robots parses robots.txt files (RFC 9309, the Robots Exclusion
// Protocol) and answers whether a crawler may fetch a path.
//
//	rules := robots.Parse(body)
//	group := rules.ForAgent("gureum-crawler/1.0")
//	if group.Allowed("/private/page?x=1") { ... }
//
// What it implements:
//   - Groups start with one or more user-agent lines; the rules that follow
//     belong to all of them. A crawler uses every group naming its product
//     token (case-insensitive; "gureum-crawler" for "gureum-crawler/1.0"),
//     combined; failing that, every "*" group; failing that, nothing is
//     disallowed.
//   - Allow and Disallow paths match as prefixes of the URL's path and query,
//     with "*" matching any run of characters and a final "$" anchoring the
//     end. The longest matching pattern wins; on a tie, Allow wins. An empty
//     Disallow disallows nothing.
//   - "/robots.txt" itself is always allowed.
//   - Comments (#), blank lines, unknown keys (Sitemap, Crawl-delay) and
//     rules before any user-agent line are ignored; a UTF-8 byte order mark,
//     or the first one or two of its bytes, is skipped; keys are
//     case-insensitive; only the first 500 KiB is parsed. A line without a
//     colon that is exactly two words ("disallow /") is read as key and
//     value, as Google's reference parser does.
//   - Paths are compared in one percent-encoding (RFC 9309 section 2.2.2):
//     non-ASCII octets encoded, escapes compared case-insensitively, escapes
//     of unreserved characters decoded ("/%7Euser" matches "/~user"); in the
//     query, ":", "/", "?" and "@" are compared encoded, so
//     "?u=https%3A%2F%2Fx" matches "?u=https://x" (the RFC's table); in a
//     URL, "*" and "$" are compared encoded, so a rule's "%2A" and "%24"
//     match them (section 2.2.3). "%2F" in a path is not "/".
//
// The tests check every verdict of RFC 9309's examples and of the tests of
// Google's reference parser (github.com/google/robotstxt), citing each.
//
// How a failed robots.txt fetch is treated is the caller's choice; RFC 9309
// says a 4xx means no restrictions and a 5xx or unreachable server means
// complete disallow (see AllowAll and DisallowAll). Package crawl treats a
// 429 (rate limited) like a 5xx.
package robots
