package webapp

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"
)

// Timeouts of the HTTP server made by NewHTTPServer. IdleTimeout exceeds the
// Application Load Balancer's default 60 s idle timeout, so the load balancer,
// not the server, closes idle keep-alive connections.
const (
	ReadHeaderTimeout = 5 * time.Second
	ReadTimeout       = 15 * time.Second
	WriteTimeout      = 15 * time.Second
	IdleTimeout       = 120 * time.Second
	MaxHeaderBytes    = 32 << 10
	// ShutdownTimeout is how long Run lets in-flight requests finish after
	// its context ends.
	ShutdownTimeout = 20 * time.Second
)

// NewHTTPServer returns an http.Server for h with gureum's timeouts and
// header limit, logging its own errors through logger.
func NewHTTPServer(addr string, h http.Handler, logger *slog.Logger) *http.Server {
	return &http.Server{
		Addr:              addr,
		Handler:           h,
		ReadHeaderTimeout: ReadHeaderTimeout,
		ReadTimeout:       ReadTimeout,
		WriteTimeout:      WriteTimeout,
		IdleTimeout:       IdleTimeout,
		MaxHeaderBytes:    MaxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
}

// Run opens the session store cfg names, serves the web app on
// cfg.ListenAddr until ctx ends (SIGTERM, in the server program), then shuts
// down gracefully, letting in-flight requests finish for up to
// ShutdownTimeout. An unreachable store does not stop the server from
// starting: /healthz reports it.
func Run(ctx context.Context, cfg Config, logger *slog.Logger) error {
	if logger == nil {
		logger = slog.Default()
	}
	store, err := OpenStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer store.Close()
	gb, err := OpenGuestbook(ctx, cfg)
	if err != nil {
		return err
	}
	defer gb.Close()

	h, err := NewHandler(Options{
		Guestbook:      gb,
		DatabaseLabel:  cfg.DB.EngineName,
		DBHealthGrace:  cfg.DB.HealthGrace,
		Store:          store,
		InstanceID:     cfg.InstanceID,
		Stage:          cfg.Stage,
		SessionTTL:     cfg.SessionTTL,
		NewSessionTTL:  cfg.NewSessionTTL,
		InsecureCookie: !cfg.CookieSecure,
		StaticDir:      cfg.StaticDir,
		StaticBaseURL:  cfg.StaticBaseURL,
		Logger:         logger,
	})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.ListenAddr)
	if err != nil {
		return fmt.Errorf("webapp: listen on %s: %w", cfg.ListenAddr, err)
	}
	srv := NewHTTPServer(cfg.ListenAddr, h, logger)
	log := logger.With("instance", cfg.InstanceID, "stage", cfg.Stage)

	pctx, cancel := context.WithTimeout(ctx, DefaultHealthTimeout)
	if err := store.Ping(pctx); err != nil {
		log.Warn("session store unreachable at start", "store", cfg.Store, "err", err)
	}
	cancel()

	if m, ok := gb.(migrator); ok && cfg.DB.Migrate {
		go migrateUntilDone(ctx, m, log)
	}

	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()
	log.Info("listening", "addr", ln.Addr().String(), "store", cfg.Store, "sessionTTL", cfg.SessionTTL.String(), "database", cfg.DB.EngineName)

	select {
	case err := <-serveErr:
		return fmt.Errorf("webapp: serve: %w", err)
	case <-ctx.Done():
	}
	log.Info("shutting down", "timeout", ShutdownTimeout.String())
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		_ = srv.Close()
		return fmt.Errorf("webapp: graceful shutdown: %w", err)
	}
	if err := <-serveErr; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("webapp: serve: %w", err)
	}
	log.Info("stopped")
	return nil
}

// migrator is a guestbook with a schema to migrate.
type migrator interface {
	Migrate(ctx context.Context) error
}

// Backoff of migrateUntilDone.
const (
	migrateFirstRetry = time.Second
	migrateMaxRetry   = 30 * time.Second
)

// migrateUntilDone migrates the schema in the background, trying again with
// backoff while the database is unreachable, so that a server whose
// database is not up yet still starts (the guestbook answers 503 meanwhile).
func migrateUntilDone(ctx context.Context, m migrator, log *slog.Logger) {
	wait := migrateFirstRetry
	for {
		mctx, cancel := context.WithTimeout(ctx, migrateLockWait+30*time.Second)
		err := m.Migrate(mctx)
		cancel()
		if err == nil {
			log.Info("database schema is up to date")
			return
		}
		log.Warn("database migration failed; trying again", "err", err, "retryIn", wait.String())
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		wait = min(2*wait, migrateMaxRetry)
	}
}
