// Package crawl fetches a list of web pages for gureum, politely, and stores
// them: each page in S3, each URL's outcome in DynamoDB.
//
// The crawler Lambda runs on a schedule. Its payload is a JSON list of URLs
// (or {"urls": [...]}); when the payload holds none, the URLS environment
// variable does. For every URL, Crawler.Run:
//
//   - fetches /robots.txt once per host (scheme, host and port) and skips the
//     URL if the rules for our User-Agent, or for "*", disallow it. A missing
//     robots.txt (4xx other than 429) allows everything; one that cannot be
//     fetched (5xx, 429 rate limiting, timeout) disallows the host's URLs for
//     this run, which counts as a failure. Redirects are followed (at most MaxRedirects) only to http(s)
//     targets that robots.txt allows;
//   - fetches the page with a per-attempt timeout. Network errors, timeouts,
//     408, 425, 429 and 5xx responses are retried with exponential backoff
//     (honouring a Retry-After of at most MaxBackoff) up to MaxAttempts; other
//     statuses are final;
//   - caps the body at MaxBodyBytes: a longer body is TRUNCATED to the cap and
//     marked truncated (S3 metadata and the DynamoDB item), not rejected;
//   - stores a 2xx body in S3 at pages/<host>/<sha256 of URL, hex>.html with
//     the URL, final URL, status, fetch time and truncation in its metadata;
//   - writes the URL's status item to DynamoDB (partition key "pk" = URL).
//
// URLs are crawled concurrently (at most Concurrency at a time) and
// independently: one URL's failure never stops the others. Run returns an
// error summarising the failed URLs only when some URL still failed after its
// retries, so that the scheduler retries or alarms.
package crawl
