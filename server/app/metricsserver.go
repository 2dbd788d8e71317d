package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"
)

// openMetrics listens on Config.MetricsAddr, when it is set. Metrics tell
// how many shipments and signing orders are in each state and which RPCs
// fail, which the public has no business reading, so they are never on the
// public port; see docs/decisions/0011-metrics-listener.md.
func (a *App) openMetrics() error {
	if a.cfg.MetricsAddr == "" {
		return nil
	}
	ln, err := net.Listen("tcp", a.cfg.MetricsAddr)
	if err != nil {
		return fmt.Errorf("listening for metrics on %s: %w", a.cfg.MetricsAddr, err)
	}
	a.metricsLn = ln
	return nil
}

// MetricsAddr is the address /metrics is served on, host:port, or "" when
// Config.MetricsAddr was not set.
func (a *App) MetricsAddr() string {
	if a.metricsLn == nil {
		return ""
	}
	return a.metricsLn.Addr().String()
}

// serveMetrics serves /metrics on the metrics listener, if there is one,
// and returns the function that stops it.
func (a *App) serveMetrics(ctx context.Context) (stop func(context.Context)) {
	if a.metricsLn == nil {
		return func(context.Context) {}
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", a.metrics.Handler())
	srv := &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       10 * time.Second,
		IdleTimeout:       time.Minute,
		ErrorLog:          slog.NewLogLogger(a.log.Handler(), slog.LevelWarn),
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := srv.Serve(a.metricsLn); err != nil && !errors.Is(err, http.ErrServerClosed) {
			a.log.Error("metrics listener stopped", "err", err)
		}
	}()
	a.log.InfoContext(ctx, "svarsign metrics", "addr", a.MetricsAddr())
	return func(ctx context.Context) {
		if err := srv.Shutdown(ctx); err != nil {
			srv.Close()
		}
		<-done
	}
}
