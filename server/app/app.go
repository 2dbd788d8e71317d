// Package app assembles the running service: storage, job queue, the
// Connect/gRPC handlers, the JSON facade and the operational endpoints, all
// on one listener. cmd/svarsign and the end-to-end tests start it the same way.
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"time"

	"connectrpc.com/connect"
	"connectrpc.com/grpchealth"
	"connectrpc.com/grpcreflect"
	"github.com/riverqueue/river"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/svarsign/svarsign/gen"
	svarsignv1 "github.com/svarsign/svarsign/gen/go/svarsign/v1"
	"github.com/svarsign/svarsign/gen/go/svarsign/v1/svarsignv1connect"
	"github.com/svarsign/svarsign/server/apierr"
	"github.com/svarsign/svarsign/server/auth"
	"github.com/svarsign/svarsign/server/database"
	"github.com/svarsign/svarsign/server/delivery"
	"github.com/svarsign/svarsign/server/events"
	"github.com/svarsign/svarsign/server/gateway"
	"github.com/svarsign/svarsign/server/housekeeping"
	"github.com/svarsign/svarsign/server/jobs"
	"github.com/svarsign/svarsign/server/mailbox"
	"github.com/svarsign/svarsign/server/metrics"
	"github.com/svarsign/svarsign/server/pki"
	"github.com/svarsign/svarsign/server/portal"
	"github.com/svarsign/svarsign/server/provider/local"
	"github.com/svarsign/svarsign/server/reqcheck"
	"github.com/svarsign/svarsign/server/shipment"
	"github.com/svarsign/svarsign/server/signing"
	"github.com/svarsign/svarsign/server/store"
	"github.com/svarsign/svarsign/server/websession"
)

// Config says where the service listens and keeps its data.
type Config struct {
	// Addr is the listen address; default 127.0.0.1:8080. Port 0 picks a free one.
	Addr string
	// DataDir holds the SQLite database and document blobs; default ./svarsign-data.
	DataDir string
	// DatabaseURL overrides the database: a SQLite path or a postgres:// URL.
	DatabaseURL string
	// BlobDir overrides where document bytes are kept; default DataDir/blobs.
	BlobDir string
	// CommitWindow is how long a group commit of sends waits, after the
	// first, for more to join it. Default 0: a group is what arrived while
	// the one before it committed.
	CommitWindow time.Duration
	// JobPollInterval is how often idle job workers look for work.
	JobPollInterval time.Duration
	// JobTimeout and JobRescueAfter tune crash recovery; see jobs.Config.
	JobTimeout, JobRescueAfter time.Duration
	// Logger receives structured logs; default slog.Default().
	Logger *slog.Logger
	// Clock is the service's clock, default time.Now; tests move it. It
	// is the one clock of every domain time: what transactions write,
	// deadlines, expiry, retention, revocation, signing times. Transport
	// timing (network deadlines, metrics durations, polling and retry
	// backoff) stays on the wall clock.
	Clock func() time.Time
	// SweepInterval is how often overdue signing orders are looked for; default 1 minute.
	SweepInterval time.Duration
	// PurgeInterval is how often expired sessions and ceremonies are deleted; default 1 hour.
	PurgeInterval time.Duration
	// EventRetention is how long events stay in the outbox for WatchEvents
	// (webhooks keep theirs until delivered); default 30 days.
	EventRetention time.Duration
	// DraftRetention is how long a shipment started with StartShipment but
	// never sent is kept, with its uploads, after it was started or last
	// uploaded to; default 7 days. Checked every PurgeInterval.
	DraftRetention time.Duration
	// MaxShipmentBytes bounds the documents of one shipment in all;
	// default domain.MaxShipmentBytes (2 GiB).
	MaxShipmentBytes int64
	// ReadDeadline sends a delivered shipment to print when it is still
	// unread after this long (default 7 days); PrintInterval is how often
	// that is checked (default 1 minute).
	ReadDeadline, PrintInterval time.Duration
	// SimulatedLogin serves the mailbox's simulated ID-porten login, except
	// to requests that came through a proxy. Only for test systems: anyone
	// who reaches the port can log in as any citizen. Off, the mailbox
	// says that no login is configured.
	SimulatedLogin bool
	// PublicURL is where browsers reach the service, e.g.
	// https://svarsign.kommune.no behind a TLS-terminating proxy: scheme
	// and host only. An https URL makes every cookie Secure and is
	// trusted as the pages' origin. Default: none, and cookies are Secure
	// only on connections that Go itself terminates TLS for.
	PublicURL string
	// MetricsAddr is where Prometheus metrics are served, at /metrics, on
	// a listener of their own; "" (the default) serves none. They are
	// never on Addr, which the public reaches. See
	// docs/decisions/0011-metrics-listener.md.
	MetricsAddr string
	// EventPollInterval is how often a WatchEvents stream looks for new
	// events; default 200ms.
	EventPollInterval time.Duration
	// WebhookInterval is how often webhooks with undelivered events are
	// looked for; default 1 s.
	WebhookInterval time.Duration
	// WebhookClient posts webhook deliveries; default events.NewClient().
	WebhookClient *http.Client
	// ReadHeaderTimeout bounds reading a request's headers; default 10 s.
	ReadHeaderTimeout time.Duration
	// IdleTimeout closes a connection that has no request in progress for
	// this long; default 2 minutes.
	IdleTimeout time.Duration
	// BodyIdleTimeout cuts off a request whose body stalls (no bytes
	// arrive) for this long, and a connection or stream whose peer takes
	// none of a response for this long; default 30 s. There is no limit on
	// the total time: an upload or download that keeps moving is never cut.
	BodyIdleTimeout time.Duration
	// ShutdownTimeout is how long Run, once its context is cancelled, lets
	// calls in flight finish before it cuts their connections; default 10 s.
	ShutdownTimeout time.Duration
	// MaxConnections caps the client connections held open at once; when
	// all are in use, idle ones are closed first, then new clients wait.
	// Default, and upper bound, is what the file descriptor limit
	// (RLIMIT_NOFILE) leaves room for.
	MaxConnections int
}

// defaultShutdownTimeout is Config.ShutdownTimeout's default.
const defaultShutdownTimeout = 10 * time.Second

// CADir is the folder under DataDir where the local signing provider keeps
// its CA; its root certificate verifies the signed documents.
const CADir = "ca"

// maxMessageBytes bounds one unary message: 16 MiB of inline documents plus
// the rest of a send.
const maxMessageBytes = 20 << 20

// maxAnonymousMessageBytes bounds a message to the services that need no
// credentials (health, reflection).
const maxAnonymousMessageBytes = 64 << 10

// App is a running svarsign.
type App struct {
	cfg      Config
	log      *slog.Logger
	db       *database.DB
	batcher  *database.Batcher
	blobs    *store.Blobs
	queue    *jobs.Queue
	ln       net.Listener
	edge     *connLimiter
	internal *pipeListener
	conn     *grpc.ClientConn
	srv      *http.Server
	now      func() time.Time
	provider *local.Provider
	events   *events.Stream
	// public is Config.PublicURL, checked; nil if not set.
	public *url.URL
	// metrics is served on its own listener, metricsLn, if any.
	metrics   *metrics.Metrics
	metricsLn net.Listener
	// inflight counts running handlers, so storage closes only after the
	// last one returned, even when shutdown had to cut connections.
	inflight sync.WaitGroup
}

// Open prepares storage and the job queue and starts listening, so Addr is
// known before Run; nothing is served until Run.
func Open(ctx context.Context, cfg Config) (_ *App, err error) {
	if cfg.Addr == "" {
		cfg.Addr = "127.0.0.1:8080"
	}
	if cfg.DataDir == "" {
		cfg.DataDir = "svarsign-data"
	}
	if cfg.DatabaseURL == "" {
		cfg.DatabaseURL = filepath.Join(cfg.DataDir, "svarsign.db")
	}
	if cfg.BlobDir == "" {
		cfg.BlobDir = filepath.Join(cfg.DataDir, "blobs")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	var public *url.URL
	if cfg.PublicURL != "" {
		if public, err = websession.ParsePublicURL(cfg.PublicURL); err != nil {
			return nil, err
		}
	}
	if err := os.MkdirAll(cfg.DataDir, 0o750); err != nil {
		return nil, fmt.Errorf("creating data folder: %w", err)
	}
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	if cfg.ReadHeaderTimeout <= 0 {
		cfg.ReadHeaderTimeout = defaultReadHeaderTimeout
	}
	if cfg.IdleTimeout <= 0 {
		cfg.IdleTimeout = defaultIdleTimeout
	}
	if cfg.BodyIdleTimeout <= 0 {
		cfg.BodyIdleTimeout = defaultBodyIdleTimeout
	}
	if cfg.ShutdownTimeout <= 0 {
		cfg.ShutdownTimeout = defaultShutdownTimeout
	}
	// Every time the service stores is UTC (see ent/schema/time.go), to
	// the microsecond, which is what PostgreSQL keeps: an answer built
	// from what a transaction wrote then equals the same row read back,
	// on either database.
	clock := cfg.Clock
	// a is not the named result: every "return nil, err" below clears that,
	// and this cleanup needs what was opened so far.
	a := &App{cfg: cfg, log: cfg.Logger, public: public, now: func() time.Time { return clock().UTC().Truncate(time.Microsecond) }}
	defer func() {
		if err != nil {
			a.close()
		}
	}()
	if a.db, err = database.Open(ctx, cfg.DatabaseURL, database.WithLogger(a.log), database.WithClock(a.now)); err != nil {
		return nil, err
	}
	if a.blobs, err = store.OpenDir(cfg.BlobDir); err != nil {
		return nil, err
	}
	// Sends commit in groups; see docs/decisions/0022-group-commit.md.
	a.batcher = database.NewBatcher(a.db, database.BatchConfig{Logger: a.log, Window: cfg.CommitWindow})
	a.provider, err = local.Open(local.Config{Dir: filepath.Join(cfg.DataDir, CADir), OrgName: "svarsign", TmpDir: cfg.DataDir, Now: a.now})
	if err != nil {
		return nil, err
	}
	// Each part gets a Config; a.now is the clock of all of them.
	eventsCfg := events.Config{DB: a.db, PollInterval: cfg.EventPollInterval, WebhookClient: cfg.WebhookClient, WebhookInterval: cfg.WebhookInterval}
	a.events = events.NewStream(eventsCfg)
	webhooks := events.NewDeliverer(eventsCfg)
	deliveryCfg := delivery.Config{DB: a.db, Logger: a.log, Now: a.now, PrintAfter: cfg.ReadDeadline, PrintInterval: cfg.PrintInterval}
	housekeepingCfg := housekeeping.Config{DB: a.db, Blobs: a.blobs, Logger: a.log, Now: a.now,
		EventRetention: cfg.EventRetention, DraftRetention: cfg.DraftRetention, Interval: cfg.PurgeInterval}
	a.queue, err = jobs.New(a.db, jobs.Config{
		Logger:       a.log,
		PollInterval: cfg.JobPollInterval,
		JobTimeout:   cfg.JobTimeout,
		RescueAfter:  cfg.JobRescueAfter,
		Queues:       map[string]int{events.WebhookQueue: events.WebhookWorkers},
		Register: []func(*river.Workers) error{
			delivery.Workers(deliveryCfg), signing.Workers(a.signingConfig()), webhooks.Register,
			housekeeping.Workers(housekeepingCfg), housekeeping.DraftWorkers(housekeepingCfg),
		},
		Periodic: []*river.PeriodicJob{
			delivery.Periodic(deliveryCfg), signing.Periodic(a.signingConfig()), webhooks.Periodic(),
			housekeeping.Periodic(housekeepingCfg), housekeeping.DraftPeriodic(housekeepingCfg),
		},
	})
	if err != nil {
		return nil, err
	}
	if a.ln, err = net.Listen("tcp", cfg.Addr); err != nil {
		return nil, fmt.Errorf("listening on %s: %w", cfg.Addr, err)
	}
	if err := a.openMetrics(); err != nil {
		return nil, err
	}
	a.edge = newConnLimiter(a.ln, a.maxConnections(), cfg.BodyIdleTimeout, a.log)
	// The JSON facade reaches the services as any gRPC client would, so it
	// passes through the same auth and handlers, but over an in-memory
	// connection (see pipeListener).
	a.internal = newPipeListener()
	a.conn, err = grpc.NewClient("passthrough:///facade", append(reqcheck.DialOptions(),
		grpc.WithContextDialer(a.internal.Dial),
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(maxMessageBytes), grpc.MaxCallSendMsgSize(maxMessageBytes)),
	)...)
	if err != nil {
		return nil, fmt.Errorf("connecting the JSON facade: %w", err)
	}
	h, err := a.handler(ctx)
	if err != nil {
		return nil, err
	}
	a.srv = &http.Server{
		Handler:           a.track(bodyDeadline(h, cfg.BodyIdleTimeout)),
		ReadHeaderTimeout: cfg.ReadHeaderTimeout,
		IdleTimeout:       cfg.IdleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		HTTP2: &http.HTTP2Config{
			MaxConcurrentStreams: maxConcurrentStreams,
			// A connection that has gone quiet is asked for a ping and
			// closed without an answer, so a vanished client does not
			// hold a long-running stream forever.
			SendPingTimeout: cfg.IdleTimeout,
			PingTimeout:     cfg.BodyIdleTimeout,
		},
		ConnState:   a.edge.trackState,
		ConnContext: connContext,
		Protocols:   new(http.Protocols),
		ErrorLog:    slog.NewLogLogger(a.log.Handler(), slog.LevelWarn),
	}
	// gRPC needs HTTP/2; without TLS that is h2c with prior knowledge.
	a.srv.Protocols.SetHTTP1(true)
	a.srv.Protocols.SetUnencryptedHTTP2(true)
	a.srv.RegisterOnShutdown(a.events.Close)
	return a, nil
}

// maxConnections is Config.MaxConnections within what the descriptor
// limit allows.
func (a *App) maxConnections() int {
	budget, ok := connectionBudgetOfProcess()
	switch n := a.cfg.MaxConnections; {
	case !ok && n > 0:
		return n
	case !ok:
		return 10000
	case n > budget:
		a.log.Warn("max connections lowered to fit the file descriptor limit", "configured", n, "max_connections", budget)
		return budget
	case n > 0:
		return n
	}
	return budget
}

// Addr is the address the service listens on, host:port.
func (a *App) Addr() string { return a.ln.Addr().String() }

// URL is the base URL of the service.
func (a *App) URL() string { return "http://" + a.Addr() }

// Signer completes signing orders with the configured provider; the
// signing ceremony calls it when the citizen signs.
func (a *App) Signer() *signing.Signer { return signing.NewSigner(a.signingConfig()) }

// signingConfig is the Config of the signing service, Signer and workers;
// Jobs is nil until the queue is made.
func (a *App) signingConfig() signing.Config {
	var q jobs.Enqueuer
	if a.queue != nil {
		q = a.queue
	}
	return signing.Config{DB: a.db, Blobs: a.blobs, Jobs: q, Provider: a.provider, Logger: a.log, Now: a.now, SweepInterval: a.cfg.SweepInterval}
}

// CARoot is the PEM file of the local CA's root certificate, which verifies
// documents signed by this service.
func (a *App) CARoot() string { return filepath.Join(a.cfg.DataDir, CADir, pki.RootCertFile) }

// DB is the service's database, for the admin commands and tests.
func (a *App) DB() *database.DB { return a.db }

// Blobs is the service's document store, for tests.
func (a *App) Blobs() *store.Blobs { return a.blobs }

// SubscribeJobs reports what happens to the jobs this process works (see
// jobs.Queue.Subscribe) until cancel is called, so tests can wait for a
// sweep or a delivery to have run instead of sleeping. Call it before Run
// to miss nothing.
func (a *App) SubscribeJobs(kinds ...river.EventKind) (events <-chan *river.Event, cancel func()) {
	return a.queue.Subscribe(kinds...)
}

func (a *App) handler(ctx context.Context) (http.Handler, error) {
	mux := http.NewServeMux()
	// /metrics is served on MetricsAddr only (see serveMetrics).
	a.metrics = metrics.New(a.db.SQL, a.log)
	authn := auth.Interceptor{Keys: &auth.CachedKeys{Keys: auth.EntKeys{Client: a.db.Ent}, Now: a.now}, Sessions: auth.EntSessions{Client: a.db.Ent}, Now: a.now}
	procedures := rpcProcedures(svarsignv1.File_svarsign_v1_shipment_service_proto, svarsignv1.File_svarsign_v1_signing_service_proto)
	authn.Refused = func(r *http.Request, err error) {
		if procedures[r.URL.Path] {
			a.metrics.Observe(r.URL.Path, time.Now(), err) // a duration: wall time
		}
	}
	opts := []connect.HandlerOption{
		connect.WithInterceptors(a.metrics.Interceptor(), authn, reqcheck.Interceptor{}, apierr.Interceptor{}),
		connect.WithReadMaxBytes(maxMessageBytes),
	}
	// Both services want a caller on every call: the middleware checks the
	// credentials before any of a request's body is read.
	path, h := svarsignv1connect.NewShipmentServiceHandler(shipment.New(shipment.Config{
		DB: a.db, Batcher: a.batcher, Blobs: a.blobs, Jobs: a.queue, CheckPDF: a.provider.Check, Events: a.events,
		Logger: a.log, Now: a.now, MaxShipmentBytes: a.cfg.MaxShipmentBytes,
	}), opts...)
	mux.Handle(path, authn.Middleware(h))
	path, h = svarsignv1connect.NewSigningServiceHandler(signing.New(a.signingConfig()), opts...)
	mux.Handle(path, authn.Middleware(h))

	services := []string{svarsignv1connect.ShipmentServiceName, svarsignv1connect.SigningServiceName}
	// Health and reflection answer anyone: their requests are a name or
	// two, so anything larger is refused (and discarded as it arrives
	// rather than buffered).
	small := connect.WithReadMaxBytes(maxAnonymousMessageBytes)
	mux.Handle(grpchealth.NewHandler(grpchealth.NewStaticChecker(services...), small))
	reflector := grpcreflect.NewStaticReflector(services...)
	mux.Handle(grpcreflect.NewHandlerV1(reflector, small))
	mux.Handle(grpcreflect.NewHandlerV1Alpha(reflector, small))

	gw, err := gateway.New(ctx, a.conn, gateway.WithAuthentication(authn.Authenticate), gateway.WithMaxBodyBytes(maxMessageBytes))
	if err != nil {
		return nil, err
	}
	mux.Handle("/v1/", gw)
	mb, err := mailbox.New(mailbox.Config{
		DB: a.db, Blobs: a.blobs, Signer: a.Signer(), Now: a.now, Logger: a.log,
		SimulatedLogin: a.cfg.SimulatedLogin, PublicURL: a.public,
	})
	if err != nil {
		return nil, err
	}
	mux.Handle("/mailbox/", mb)
	mux.Handle("/provider/local/", mb)
	pt, err := portal.New(portal.Config{DB: a.db, Now: a.now, Logger: a.log, PublicURL: a.public})
	if err != nil {
		return nil, err
	}
	mux.Handle(portal.Prefix, limitBody(pt, maxFormBytes))
	mux.Handle(portal.Prefix+"/", limitBody(pt, maxFormBytes))
	mux.HandleFunc("GET /openapi.json", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(gen.OpenAPI)
	})
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintf(w, "svarsign\n\ngRPC, Connect and gRPC-Web: svarsign.v1.ShipmentService, svarsign.v1.SigningService\nJSON facade: /v1/...  (OpenAPI at /openapi.json)\nHealth: grpc.health.v1.Health\n")
	})
	return mux, nil
}

// rpcProcedures is the set of procedure paths ("/pkg.Service/Method") of
// the services in files.
func rpcProcedures(files ...protoreflect.FileDescriptor) map[string]bool {
	procs := map[string]bool{}
	for _, f := range files {
		for i := range f.Services().Len() {
			sd := f.Services().Get(i)
			for j := range sd.Methods().Len() {
				procs["/"+string(sd.FullName())+"/"+string(sd.Methods().Get(j).Name())] = true
			}
		}
	}
	return procs
}

func (a *App) track(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a.inflight.Add(1)
		defer a.inflight.Done()
		h.ServeHTTP(w, r)
	})
}

// Run serves until ctx is cancelled, then shuts down gracefully: it stops
// accepting, lets calls in flight finish (up to Config.ShutdownTimeout,
// default 10 s), stops the job workers and closes storage.
func (a *App) Run(ctx context.Context) error {
	if err := a.queue.Start(ctx); err != nil {
		a.close()
		return fmt.Errorf("starting job queue: %w", err)
	}
	errc := make(chan error, 2)
	go func() { errc <- a.srv.Serve(a.edge) }()
	go func() { errc <- a.srv.Serve(a.internal) }()
	a.log.InfoContext(ctx, "svarsign listening", "addr", a.Addr())
	stopMetrics := a.serveMetrics(ctx)

	var serveErr error
	select {
	case <-ctx.Done():
	case serveErr = <-errc:
	}
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), a.cfg.ShutdownTimeout)
	defer cancel()
	if err := a.srv.Shutdown(shutdownCtx); err != nil {
		a.log.Warn("shutdown: closing connections", "err", err)
		a.srv.Close()
	}
	stopMetrics(shutdownCtx)
	handlersDone := make(chan struct{})
	go func() { a.inflight.Wait(); close(handlersDone) }()
	select {
	case <-handlersDone:
	case <-time.After(5 * time.Second):
		a.log.Warn("shutdown: handlers still running after their connections were closed")
	}
	if err := a.queue.Stop(shutdownCtx); err != nil {
		a.log.Warn("shutdown: stopping job queue", "err", err)
	}
	a.close()
	if serveErr != nil && !errors.Is(serveErr, http.ErrServerClosed) {
		return serveErr
	}
	return nil
}

func (a *App) close() {
	if a.conn != nil {
		a.conn.Close()
	}
	if a.ln != nil {
		a.ln.Close()
	}
	if a.metricsLn != nil {
		a.metricsLn.Close()
	}
	if a.internal != nil {
		a.internal.Close()
	}
	if a.batcher != nil {
		a.batcher.Close() // before the database: it commits what is queued
	}
	if a.blobs != nil {
		a.blobs.Close()
	}
	if a.db != nil {
		a.db.Close()
	}
}
