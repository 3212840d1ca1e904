package robots_test

import (
	"fmt"

	"github.com/gureum-cdk/gureum/functions/crawler/robots"
)

func ExampleGroup_Allowed() {
	rules := robots.Parse([]byte(`
User-agent: *
Disallow: /

User-agent: gureum-crawler
Disallow: /private
Allow: /private/press
Disallow: /*.pdf$
`))
	g := rules.ForAgent("gureum-crawler/1.0")
	for _, p := range []string{"/news", "/private/hr", "/private/press/2026", "/docs/a.pdf", "/docs/a.pdf?v=2"} {
		fmt.Println(p, g.Allowed(p))
	}
	// Output:
	// /news true
	// /private/hr false
	// /private/press/2026 true
	// /docs/a.pdf false
	// /docs/a.pdf?v=2 true
}
