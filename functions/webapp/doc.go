// Package webapp is the web server that gureum's ScaledWebTier construct runs
// on EC2: a small page, a per-session counter, a guestbook over the tier's
// database and a health check, built to show what changes as a web tier grows
// from one instance to an Auto Scaling group behind a load balancer.
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
// # Guestbook
//
// The guestbook reads and writes rows in the database the tier is given
// (DB_ENGINE): PostgreSQL (Aurora PostgreSQL) or MySQL (Aurora MySQL) through
// database/sql, items in the DynamoDB data table, or process memory when the
// tier has no database (stage 1). Entries are NFC-normalised, 1-64 code
// points of name and 1-1,000 of message, without control characters (line
// breaks in messages aside) and not only invisible ones (see ValidateEntry);
// pages list 20, newest first, by keyset cursor. Each form carries a post
// key: a form sent twice stores one entry. The form is protected against
// cross-site request forgery by http.CrossOriginProtection (as POST /counter)
// and a double-submit token (an HttpOnly, SameSite=Strict, __Host- cookie
// whose value the form repeats). Every database failure answers 503 with
// Retry-After, never 500.
//
// The SQL schema (tables guestbook_entries and gureum_schema_migrations) is
// migrated on start in the background, retried with backoff while the
// database is unreachable. Several instances starting at once are safe: on
// PostgreSQL the migration is one transaction under pg_advisory_xact_lock,
// on MySQL it runs under GET_LOCK and each step is idempotent; on MySQL a
// missing database is created. The lock's connection is closed afterwards,
// not pooled (it would stay pinned behind RDS Proxy).
//
// # Database environment (the contract with the ScaledWebTier construct)
//
//	DB_ENGINE            aurora-postgresql | postgresql | postgres |
//	                     aurora-mysql | mysql | mariadb | dynamodb;
//	                     unset: memory. Shown on the page.
//	DATA_TABLE           dynamodb: the table (String keys pk and sk); the
//	                     guestbook uses partition "GUESTBOOK" and
//	                     "GUESTBOOK#POSTKEY#<key>" items, and calls GetItem,
//	                     Query and TransactWriteItems (PutItem).
//	DB_SECRET_ARN        a Secrets Manager secret as RDS generates it: JSON
//	                     username, password, host, port, dbname, engine. Read
//	                     when a connection is opened, cached 15 minutes, and
//	                     read again (at most every 5 s) after a connection
//	                     fails, so a rotated password is picked up. Needs
//	                     secretsmanager:GetSecretValue (and kms:Decrypt on a
//	                     customer-managed key).
//	DB_HOST, DB_PORT     where to connect: the RDS Proxy endpoint (or the
//	                     cluster endpoint). Default: the secret's host and
//	                     port (5432 / 3306 without either).
//	DB_WRITER_HOST       accepted as DB_HOST (for deployments made before the
//	                     construct set DB_HOST); both set and different is
//	                     an error.
//	DB_NAME              the database. Default: the secret's dbname, else
//	                     "postgres" (PostgreSQL) or "gureum" (MySQL, created
//	                     by the migration). Letters, digits, _.
//	DB_USER, DB_PASSWORD a login without a secret (DB_HOST and DB_USER
//	                     then required); DB_USER also overrides the secret's
//	                     user, e.g. for IAM.
//	DB_IAM_AUTH=true     log in with an RDS IAM token (feature/rds/auth,
//	                     region and credentials from the default chain),
//	                     made per new connection: RDS Proxy with IAM
//	                     authentication needs rds-db:connect on the proxy's
//	                     prx- resource for the user. Needs TLS.
//	DB_TLS               verify-full (default: chain and host name against
//	                     the system roots plus DB_TLS_CA_FILE) | require
//	                     (encrypted, unverified) | disable. RDS Proxy
//	                     presents ACM certificates (Amazon Trust Services
//	                     roots, in the system store); a cluster endpoint
//	                     presents an RDS CA certificate, so direct
//	                     connections need DB_TLS_CA_FILE.
//	DB_TLS_CA_FILE       PEM file of extra roots (the RDS CA bundle).
//	DB_WRITE_FORWARDING  eventual | session | global: this region's cluster
//	                     is an Aurora global database secondary with write
//	                     forwarding. Every connection sets
//	                     aurora_replica_read_consistency (MySQL, SET after
//	                     login) or apg_write_forward.consistency_mode
//	                     (PostgreSQL, a startup parameter). A SET pins the
//	                     connection behind RDS Proxy; there, set it in the
//	                     proxy target group's initialization query instead.
//	                     Also makes DB_MIGRATE default to false: DDL is not
//	                     forwarded, the primary region migrates.
//	DB_MIGRATE           true | false. Default: true (false with
//	                     DB_WRITE_FORWARDING).
//	DB_MAX_OPEN_CONNS    pool size per server. Default: 10, enough for
//	                     one server's requests; RDS Proxy multiplexes them,
//	                     and without a proxy servers x 10 must stay under
//	                     the cluster's max_connections.
//	DB_MAX_IDLE_CONNS    Default: 5.
//	DB_CONN_MAX_LIFETIME Default: 5m (recycles connections after failovers
//	                     and password rotations).
//	DB_CONN_MAX_IDLE_TIME Default: 1m.
//	DB_CONNECT_TIMEOUT   Default: 5s. Each request's queries are bounded by
//	                     the store timeout (3s).
//	DB_HEALTH_GRACE      a duration, or off. Default: 60s. See below.
//
// There is no reader endpoint setting: the guestbook reads where it writes,
// so a poster sees their entry at once. On a stage-5 secondary the construct
// sets DB_HOST to the region's reader endpoint with DB_WRITE_FORWARDING.
//
// # Health check and the database
//
// GET /healthz pings the database (bounded by 1 s, at most once per 2 s)
// but answers 503 for it only after the pings have failed without a break
// for DB_HEALTH_GRACE (60 s); until then it answers 200 with "database
// unreachable for Ns" under "ok". The database is shared by every server:
// when it blips (an Aurora failover takes about 30 s, a proxy or
// Serverless v2 scaling event less), failing the check at once would make
// the load balancer drain every server together and the Auto Scaling group
// (ELB health checks) replace healthy instances, turning a short database
// event into a web-tier outage. After the grace period the outage is real:
// 503 lets Route 53 fail a stage-5 region over and the UnhealthyHosts alarm
// fire; the load balancer fails open when every target is unhealthy, so
// requests still reach the servers (the counter and the page keep working,
// the guestbook answers 503). DB_HEALTH_GRACE=off never fails the check for
// the database, for teams that prefer that their instances are never
// replaced for it. The body names no host and quotes no error; the log does.
//
// Endpoints:
//
//	GET  /          the page (embedded in the binary)
//	GET  /static/   the page's assets (from STATIC_DIR when set, else embedded)
//	GET  /healthz   "ok", or 503 when a remote session store does not answer
//	                or the database has not answered for DB_HEALTH_GRACE
//	GET  /guestbook the guestbook: the form and a page of entries
//	                (?before=<cursor> for older ones)
//	POST /guestbook signs it (form fields csrf, key, name, message): 303 to
//	                the list, 400 or 403 with the form again, 503 when the
//	                database fails (sending the form again is safe)
//	GET  /counter   {"count":N,"servedBy":"<instance>"} for the caller's session
//	POST /counter   increments the session's counter (starting a session if
//	                the request has none) and returns the same JSON; an
//	                Idempotency-Key header makes it safe to repeat
package webapp
