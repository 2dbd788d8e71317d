// Package metrics exposes the service's Prometheus metrics (served by
// server/app at /metrics on their own listener, never the public port): RPC
// counts and latencies from a Connect interceptor, and, read from the
// database at each scrape, how many shipments, signing orders, Inbox items
// and jobs are in each state. Each App owns its registry, so two services in
// one process (as in tests) never share counters.
package metrics

import (
	"context"
	"database/sql"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"connectrpc.com/connect"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics is one service's registry and its RPC instruments.
type Metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

// New registers the Go runtime, process, RPC and state metrics; db is read
// at each scrape.
func New(db *sql.DB, log *slog.Logger) *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "svarsign_rpc_requests_total",
			Help: "RPCs handled, by procedure and Connect/gRPC code (ok for success).",
		}, []string{"procedure", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "svarsign_rpc_duration_seconds",
			Help:    "Time to handle an RPC, by procedure; streams count until they end.",
			Buckets: prometheus.ExponentialBuckets(0.001, 4, 10),
		}, []string{"procedure"}),
	}
	m.reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		m.requests, m.duration,
		&stateCollector{db: db, log: log},
	)
	return m
}

// Handler serves the metrics in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

// Interceptor counts and times every RPC. Put it before auth, so refused
// calls are counted too.
func (m *Metrics) Interceptor() connect.Interceptor { return interceptor{m} }

// Observe counts and times a call that ended before it reached the
// interceptor, such as one auth.Middleware refused before reading it.
// procedure must be one the service has: labels are not made from
// arbitrary request paths.
func (m *Metrics) Observe(procedure string, start time.Time, err error) {
	interceptor{m}.observe(procedure, start, err)
}

type interceptor struct{ m *Metrics }

func (i interceptor) observe(procedure string, start time.Time, err error) {
	code := "ok"
	if err != nil {
		code = connect.CodeOf(err).String()
	}
	i.m.requests.WithLabelValues(procedure, code).Inc()
	i.m.duration.WithLabelValues(procedure).Observe(time.Since(start).Seconds())
}

func (i interceptor) WrapUnary(next connect.UnaryFunc) connect.UnaryFunc {
	return func(ctx context.Context, req connect.AnyRequest) (connect.AnyResponse, error) {
		start := time.Now()
		resp, err := next(ctx, req)
		i.observe(req.Spec().Procedure, start, err)
		return resp, err
	}
}

func (i interceptor) WrapStreamingClient(next connect.StreamingClientFunc) connect.StreamingClientFunc {
	return next
}

func (i interceptor) WrapStreamingHandler(next connect.StreamingHandlerFunc) connect.StreamingHandlerFunc {
	return func(ctx context.Context, conn connect.StreamingHandlerConn) error {
		start := time.Now()
		err := next(ctx, conn)
		if errors.Is(err, context.Canceled) {
			err = nil // a client hanging up on a stream is how streams end
		}
		i.observe(conn.Spec().Procedure, start, err)
		return err
	}
}

// stateCollector counts rows by state at scrape time. The counts are over
// all organisations: operators watch the whole service.
type stateCollector struct {
	db  *sql.DB
	log *slog.Logger
}

var (
	shipmentsDesc = prometheus.NewDesc("svarsign_shipments",
		"Shipments by direction and status (drafts reserved by StartShipment included).", []string{"direction", "status"}, nil)
	signingDesc = prometheus.NewDesc("svarsign_signing_orders",
		"Signing orders by status.", []string{"status"}, nil)
	inboxDesc = prometheus.NewDesc("svarsign_inbox_pending",
		"Incoming shipments waiting to be acknowledged.", nil, nil)
	jobsDesc = prometheus.NewDesc("svarsign_jobs",
		"Durable jobs by kind and state (River).", []string{"kind", "state"}, nil)
)

func (c *stateCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- shipmentsDesc
	ch <- signingDesc
	ch <- inboxDesc
	ch <- jobsDesc
}

func (c *stateCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	queries := []struct {
		desc *prometheus.Desc
		sql  string
	}{
		{shipmentsDesc, "SELECT direction, status, count(*) FROM shipments GROUP BY direction, status"},
		{signingDesc, "SELECT status, count(*) FROM signing_orders GROUP BY status"},
		{inboxDesc, "SELECT count(*) FROM shipments WHERE direction = 'INCOMING' AND pending"},
		{jobsDesc, "SELECT kind, state, count(*) FROM river_job GROUP BY kind, state"},
	}
	for _, q := range queries {
		if err := c.gauge(ctx, ch, q.desc, q.sql); err != nil {
			c.log.WarnContext(ctx, "metrics: counting", "query", q.sql, "err", err)
			ch <- prometheus.NewInvalidMetric(q.desc, err)
		}
	}
}

// gauge emits one gauge per row; the last column is the value, the others
// the labels.
func (c *stateCollector) gauge(ctx context.Context, ch chan<- prometheus.Metric, desc *prometheus.Desc, query string) error {
	rows, err := c.db.QueryContext(ctx, query)
	if err != nil {
		return err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return err
	}
	for rows.Next() {
		labels := make([]string, len(cols)-1)
		var n float64
		dest := make([]any, len(cols))
		for i := range labels {
			dest[i] = &labels[i]
		}
		dest[len(cols)-1] = &n
		if err := rows.Scan(dest...); err != nil {
			return err
		}
		ch <- prometheus.MustNewConstMetric(desc, prometheus.GaugeValue, n, labels...)
	}
	return rows.Err()
}
