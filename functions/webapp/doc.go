// Package webapp is the web server that gureum's ScaledWebTier construct runs
// on EC2: a small page, a per-session counter and a health check, built to show
// what changes as a web tier grows from one instance to an Auto Scaling group
// behind a load balancer.
//
// The session store follows the construct's stage:
//
//   - memory: sessions live in the process (a single server, or sticky
//     sessions on the load balancer).
//   - dynamodb: sessions live in a DynamoDB table with partition key "id"
//     (String) and TTL attribute "expiresAt" (Number, epoch seconds).
//   - redis: sessions live in Redis or ElastiCache (optionally over TLS).
//
// With a shared store, a session written through one instance is read through
// any other. Counter increments are atomic in the store (DynamoDB UpdateItem
// ADD, Redis INCR in a Lua script with PEXPIRE), never read-modify-write.
//
// Sessions are created by the server only. A POST whose cookie names no live
// session (no cookie, an expired session, or an id the client made up: session
// fixation) starts a new session under a fresh random id and replaces the
// cookie; nothing is ever stored under an id the client chose, and a GET with
// such a cookie reads 0 and deletes it. A session created by a POST without a
// cookie lives NEW_SESSION_TTL (10 minutes) until a POST brings its cookie
// back, which gives it SESSION_TTL (24 hours): clients that drop cookies
// cannot fill the store with day-long sessions.
//
// Each increment records the id of its request: the Idempotency-Key header
// when the client sends one, else a random id. A request repeated with the
// same key, or resent by the Redis client after a timeout, is counted once.
// When the store fails mid-write the answer is 503 with a body that says the
// increment may or may not have been applied and how to repeat it safely; the
// page repeats it with the same key.
//
// The server is configured from the environment (see [LoadConfig]); the
// smallest program is
//
//	cfg, err := webapp.LoadConfig(os.Getenv)
//	if err != nil {
//		log.Fatal(err)
//	}
//	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
//	defer stop()
//	err = webapp.Run(ctx, cfg, slog.New(slog.NewJSONHandler(os.Stdout, nil)))
//
// Endpoints:
//
//	GET  /          the page (embedded in the binary)
//	GET  /static/   the page's assets (from STATIC_DIR when set, else embedded)
//	GET  /healthz   "ok", or 503 when a remote session store does not answer
//	GET  /counter   {"count":N,"servedBy":"<instance>"} for the caller's session
//	POST /counter   increments the session's counter (starting a session if
//	                the request has none) and returns the same JSON; an
//	                Idempotency-Key header makes it safe to repeat
package webapp
