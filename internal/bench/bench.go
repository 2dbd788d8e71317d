// Package bench measures a running svarsign from outside, as its
// integrators see it: it starts `svarsign serve` as a child process on
// loopback, drives it with concurrent clients, and sets every figure beside
// a floor measured in the same run (a trivial call on the same server stack
// for reads, a naive durable send for sends).
package bench

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"os"
	"runtime"
	"slices"
	"strings"
	"time"

	"connectrpc.com/connect"

	svarsignv1 "github.com/svarsign/svarsign/gen/go/svarsign/v1"
)

// Workloads are the names --workloads takes, in the order they run.
func Workloads() []string {
	return []string{
		"get", "get-signing-order", "list",
		"send-grpc", "send-connect", "send-json",
		"upload-1gib", "sign-1mib", "sign-10mib", "sign-50mib",
		"round-trip",
	}
}

// Floor names, as they appear in reports.
const (
	FloorTransport   = "floor-health"       // grpc.health.v1.Health/Check over gRPC
	FloorNaiveSend   = "floor-naive-send"   // naiveSender
	FloorSHA256Sum   = "floor-sha256sum"    // the system's sha256sum on a file of the upload's bytes
	FloorSendSigning = "floor-send-signing" // the round trip's first step alone: a send with a signing order
)

// floorSHA256 names the floor of signing a PDF of the workload's size:
// SHA-256 of the same bytes in the bench process.
func floorSHA256(workload string) string {
	return "floor-sha256-" + strings.TrimPrefix(workload, "sign-")
}

// Config is one benchmark run.
type Config struct {
	// Executable is the svarsign binary to run as the server.
	Executable string
	// DatabaseURL is a postgres:// URL; empty means SQLite in the data
	// folder. A PostgreSQL run uses a schema of its own, dropped after.
	DatabaseURL string
	Clients     int           // concurrent clients (default 16)
	Duration    time.Duration // measured time per workload (default 5s)
	Warmup      time.Duration // unmeasured time before it (default Duration/5, at most 1s)
	Workloads   []string      // default Workloads

	// apiKey, when set, replaces the key created for the run (tests: a bad key).
	apiKey string
	// maxDocSize, when set, caps the upload's and the signed PDFs' sizes
	// (tests: the code paths without the gigabyte).
	maxDocSize int64
	// iterations, when set, is how often the bounded workloads (upload,
	// sign) run; default 2 uploads and 3 signings.
	iterations int
}

// Result is one workload's or floor's figures.
type Result struct {
	Workload string `json:"workload"`
	// Clients is how many clients ran it at once.
	Clients   int     `json:"clients"`
	Ops       int     `json:"ops"`
	OpsPerSec float64 `json:"ops_per_s"`
	// Bytes is the size of the document one operation moves, and MiBPerSec
	// how many MiB of it went through per second of operation (upload,
	// signing, their floors).
	Bytes     int64   `json:"bytes_per_op,omitempty"`
	MiBPerSec float64 `json:"mib_per_s,omitempty"`
	P50ms     float64 `json:"p50_ms"`
	P95ms     float64 `json:"p95_ms"`
	P99ms     float64 `json:"p99_ms"`
	// PeakRSS is the server's VmHWM over the workload, in bytes; 0 for the
	// naive floor, which runs in the bench process.
	PeakRSS int64 `json:"server_peak_rss_bytes,omitempty"`
	// Floor names the floor this result is compared to, and the ratios are
	// this result's figures divided by the floor's (empty for floors).
	Floor    string  `json:"floor,omitempty"`
	OpsRatio float64 `json:"ops_ratio,omitempty"`
	MiBRatio float64 `json:"mib_ratio,omitempty"`
	P50Ratio float64 `json:"p50_ratio,omitempty"`
	P95Ratio float64 `json:"p95_ratio,omitempty"`
	P99Ratio float64 `json:"p99_ratio,omitempty"`
	RSSRatio float64 `json:"rss_ratio,omitempty"`
}

// Report is a whole run.
type Report struct {
	Started   time.Time `json:"started"`
	Database  string    `json:"database"` // "sqlite" or "postgres"
	Clients   int       `json:"clients"`
	Duration  string    `json:"duration"`
	Warmup    string    `json:"warmup"`
	CPUs      int       `json:"cpus"`
	GoVersion string    `json:"go_version"`
	Results   []Result  `json:"results"`
}

func (c *Config) defaults() error {
	if c.Executable == "" {
		return errors.New("no svarsign executable")
	}
	if c.Clients <= 0 {
		c.Clients = 16
	}
	if c.Duration <= 0 {
		c.Duration = 5 * time.Second
	}
	if c.Warmup <= 0 {
		c.Warmup = min(c.Duration/5, time.Second)
	}
	if len(c.Workloads) == 0 {
		c.Workloads = Workloads()
	}
	for _, w := range c.Workloads {
		if !slices.Contains(Workloads(), w) {
			return fmt.Errorf("unknown workload %q (known: %s)", w, strings.Join(Workloads(), ", "))
		}
	}
	if c.DatabaseURL != "" && !strings.HasPrefix(c.DatabaseURL, "postgres://") && !strings.HasPrefix(c.DatabaseURL, "postgresql://") {
		return fmt.Errorf("--db must be a postgres:// URL (SQLite is the default), not %q", c.DatabaseURL)
	}
	return nil
}

// Run starts a server, measures the floors and workloads of cfg against it,
// stops it and returns the report. Any failing operation fails the run.
func Run(ctx context.Context, cfg Config) (_ *Report, err error) {
	if err := cfg.defaults(); err != nil {
		return nil, err
	}
	tmp, err := os.MkdirTemp("", "svarsign-bench-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)

	rep := &Report{
		Started: time.Now().UTC(), Database: "sqlite", Clients: cfg.Clients,
		Duration: cfg.Duration.String(), Warmup: cfg.Warmup.String(),
		CPUs: runtime.NumCPU(), GoVersion: runtime.Version(),
	}
	if cfg.DatabaseURL != "" {
		rep.Database = "postgres"
	}
	srv, err := startServer(ctx, cfg.Executable, tmp+"/server", cfg.DatabaseURL)
	if err != nil {
		return nil, err
	}
	defer func() {
		if serr := srv.stop(); serr != nil && err == nil {
			err = serr
		}
	}()
	key := srv.key
	if cfg.apiKey != "" {
		key = cfg.apiKey
	}
	cl := newClients(srv.url, key, cfg.Clients)
	defer cl.close()
	r := &run{cfg: cfg, srv: srv, cl: cl, tmp: tmp}

	floors := map[string]Result{}
	needs := func(prefix string) bool {
		return slices.ContainsFunc(cfg.Workloads, func(w string) bool { return strings.HasPrefix(w, prefix) })
	}
	if needs("get") || needs("list") {
		res, err := r.onServer(ctx, FloorTransport, cfg.Clients, cl.health, nil)
		if err != nil {
			return nil, fmt.Errorf("floor %s: %w", FloorTransport, err)
		}
		floors[FloorTransport] = res
		rep.Results = append(rep.Results, res)
	}
	if needs("send") {
		naive, err := newNaiveSender(ctx, tmp+"/naive")
		if err != nil {
			return nil, err
		}
		m, err := measure(ctx, cfg.Clients, cfg.Warmup, cfg.Duration, naive.send)
		naive.close()
		if err != nil {
			return nil, fmt.Errorf("floor %s: %w", FloorNaiveSend, err)
		}
		res := result(FloorNaiveSend, cfg.Clients, m)
		floors[FloorNaiveSend] = res
		rep.Results = append(rep.Results, res)
	}

	for _, w := range Workloads() {
		if !slices.Contains(cfg.Workloads, w) {
			continue
		}
		res, err := r.workload(ctx, w, floors)
		r.busy = true // it may have left work behind
		if err != nil {
			return nil, fmt.Errorf("workload %s: %w", w, err)
		}
		rep.Results = append(rep.Results, res...)
	}
	return rep, nil
}

// run is what the workloads of one Run share.
type run struct {
	cfg  Config
	srv  *server
	cl   *clients
	tmp  string // the run's temporary folder, removed after
	busy bool   // something was sent since the server was last quiet
}

// workload runs w on a quiet server and returns its result, after those
// of the floors it measures itself.
func (r *run) workload(ctx context.Context, w string, floors map[string]Result) ([]Result, error) {
	if w == "get" || w == "get-signing-order" || w == "list" {
		return r.read(ctx, w, floors[FloorTransport]) // quiet after sending what it reads
	}
	if err := r.quiet(ctx); err != nil {
		return nil, err
	}
	switch {
	case strings.HasPrefix(w, "send-"):
		fn := map[string]op{"send-grpc": r.cl.sendGRPC, "send-connect": r.cl.sendConnect, "send-json": r.cl.sendJSON}[w]
		res, err := r.onServer(ctx, w, r.cfg.Clients, fn, nil)
		return []Result{res.against(floors[FloorNaiveSend])}, err
	case w == "upload-1gib":
		return r.upload(ctx, w)
	case strings.HasPrefix(w, "sign-"):
		return r.sign(ctx, w)
	case w == "round-trip":
		return r.roundTrip(ctx, w)
	}
	return nil, fmt.Errorf("no workload %q", w) // defaults() lets none through
}

// settleTimeout bounds the wait for the server to work off earlier sends.
const settleTimeout = 10 * time.Minute

// quiet waits until the server has delivered what was sent before, so that
// a workload is not measured beside the delivery of the one before it (the
// job queue delivers much more slowly than the service accepts sends). It
// sends one shipment and waits until it has been delivered: the queue
// works in order, so everything sent earlier has been too.
func (r *run) quiet(ctx context.Context) error {
	if !r.busy {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, settleTimeout)
	defer cancel()
	resp, err := r.cl.grpc[0].SendShipment(ctx, connect.NewRequest(r.cl.sendRequest(0)))
	if err != nil {
		return fmt.Errorf("waiting for earlier sends to be delivered: %w", err)
	}
	id := resp.Msg.GetShipment().GetId()
	for {
		got, err := r.cl.grpc[0].GetShipment(ctx, connect.NewRequest(&svarsignv1.GetShipmentRequest{Id: id}))
		if err != nil {
			return fmt.Errorf("waiting for earlier sends to be delivered: %w", err)
		}
		switch got.Msg.GetShipment().GetStatus() {
		case svarsignv1.ShipmentStatus_SHIPMENT_STATUS_RECEIVED, svarsignv1.ShipmentStatus_SHIPMENT_STATUS_ACCEPTED:
		default:
			r.busy = false
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("earlier sends not delivered within %v: %w", settleTimeout, ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// read measures a read workload against the transport floor, after
// sending the shipments it reads.
func (r *run) read(ctx context.Context, w string, floor Result) ([]Result, error) {
	fn := r.cl.get
	switch w {
	case "get-signing-order":
		if err := r.cl.seedSigning(ctx); err != nil {
			return nil, fmt.Errorf("sending the signing orders to read: %w", err)
		}
		fn = r.cl.getSigningOrder
	default:
		if err := r.cl.seed(ctx); err != nil {
			return nil, fmt.Errorf("sending the shipments to read: %w", err)
		}
		if w == "list" {
			fn = r.cl.list
		}
	}
	r.busy = true
	if err := r.quiet(ctx); err != nil {
		return nil, err
	}
	res, err := r.onServer(ctx, w, r.cfg.Clients, fn, nil)
	if err != nil {
		return nil, err
	}
	return []Result{res.against(floor)}, nil
}

// onServer measures fn (and tidy, see measureThen) from clients clients
// for the run's duration against the server, with the server's peak RSS.
func (r *run) onServer(ctx context.Context, name string, clients int, fn, tidy op) (Result, error) {
	r.srv.resetPeakRSS()
	m, err := measureThen(ctx, clients, r.cfg.Warmup, r.cfg.Duration, fn, tidy)
	if err != nil {
		return Result{}, err
	}
	res := result(name, clients, m)
	if res.PeakRSS, err = r.srv.peakRSS(); err != nil {
		return Result{}, err
	}
	return res, nil
}

// docSize is size, capped by Config.maxDocSize.
func (r *run) docSize(size int64) int64 {
	if r.cfg.maxDocSize > 0 {
		return min(size, r.cfg.maxDocSize)
	}
	return size
}

// times is how often a bounded workload runs: def unless the
// configuration says otherwise.
func (r *run) times(def int) int { return cmp.Or(r.cfg.iterations, def) }

func result(name string, clients int, m measurement) Result {
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	return Result{Workload: name, Clients: clients, Ops: m.ops, OpsPerSec: m.opsPerSec, P50ms: ms(m.p50), P95ms: ms(m.p95), P99ms: ms(m.p99)}
}

// bounded is the result of operations run one after another, each moving
// size bytes, that took lat.
func bounded(name string, size int64, lat []time.Duration) Result {
	var total time.Duration
	for _, d := range lat {
		total += d
	}
	res := result(name, 1, summarize(lat, total))
	res.Bytes = size
	if total > 0 {
		res.MiBPerSec = float64(size) * float64(len(lat)) / (1 << 20) / total.Seconds()
	}
	return res
}

// against sets r's ratios to floor f.
func (r Result) against(f Result) Result {
	ratio := func(a, b float64) float64 {
		if b == 0 {
			return 0
		}
		return a / b
	}
	r.Floor = f.Workload
	r.OpsRatio = ratio(r.OpsPerSec, f.OpsPerSec)
	r.MiBRatio = ratio(r.MiBPerSec, f.MiBPerSec)
	r.P50Ratio = ratio(r.P50ms, f.P50ms)
	r.P95Ratio = ratio(r.P95ms, f.P95ms)
	r.P99Ratio = ratio(r.P99ms, f.P99ms)
	r.RSSRatio = ratio(float64(r.PeakRSS), float64(f.PeakRSS))
	return r
}
