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
// ADD, Redis INCR in a MULTI/EXEC with EXPIRE), never read-modify-write.
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
//	POST /counter   increments the session's counter and returns the same JSON
package webapp
