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

	h, err := NewHandler(Options{
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

	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()
	log.Info("listening", "addr", ln.Addr().String(), "store", cfg.Store, "sessionTTL", cfg.SessionTTL.String())

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
