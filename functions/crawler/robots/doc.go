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
//     rules before any user-agent line are ignored; a UTF-8 byte order mark
//     is skipped; keys are case-insensitive; only the first 500 KiB is parsed.
//   - Percent-encodings are compared case-insensitively and characters that
//     need not be encoded are decoded first, so "/%7Euser" matches "/~user".
//
// How a failed robots.txt fetch is treated is the caller's choice; RFC 9309
// says a 4xx means no restrictions and a 5xx or unreachable server means
// complete disallow (see AllowAll and DisallowAll).
package robots
