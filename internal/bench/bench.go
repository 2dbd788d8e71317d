// Package bench measures a running svarsign from outside, as its
// integrators see it: it starts `svarsign serve` as a child process on
// loopback, drives it with concurrent clients, and sets every figure beside
// a floor measured in the same run (a trivial call on the same server stack
// for reads, a naive durable send for sends).
package bench

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime"
	"slices"
	"strings"
	"time"
)

// Workloads are the names --workloads takes, in the order they run.
func Workloads() []string { return []string{"get", "list", "send-grpc", "send-connect", "send-json"} }

// Floor names, as they appear in reports.
const (
	FloorTransport = "floor-health"     // grpc.health.v1.Health/Check over gRPC
	FloorNaiveSend = "floor-naive-send" // naiveSender
)

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
}

// Result is one workload's or floor's figures.
type Result struct {
	Workload  string  `json:"workload"`
	Ops       int     `json:"ops"`
	OpsPerSec float64 `json:"ops_per_s"`
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

	floors := map[string]Result{}
	needs := func(prefix string) bool {
		return slices.ContainsFunc(cfg.Workloads, func(w string) bool { return strings.HasPrefix(w, prefix) })
	}
	if needs("get") || needs("list") {
		r, err := runServer(ctx, cfg, srv, FloorTransport, cl.health)
		if err != nil {
			return nil, err
		}
		floors[FloorTransport] = r
		rep.Results = append(rep.Results, r)
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
		r := result(FloorNaiveSend, m)
		floors[FloorNaiveSend] = r
		rep.Results = append(rep.Results, r)
	}

	for _, w := range Workloads() {
		if !slices.Contains(cfg.Workloads, w) {
			continue
		}
		var fn op
		floor := FloorNaiveSend
		switch w {
		case "get", "list":
			if err := cl.seed(ctx); err != nil {
				return nil, fmt.Errorf("workload %s: sending the shipments to read: %w", w, err)
			}
			fn, floor = cl.get, FloorTransport
			if w == "list" {
				fn = cl.list
			}
		case "send-grpc":
			fn = cl.sendGRPC
		case "send-connect":
			fn = cl.sendConnect
		case "send-json":
			fn = cl.sendJSON
		}
		r, err := runServer(ctx, cfg, srv, w, fn)
		if err != nil {
			return nil, err
		}
		rep.Results = append(rep.Results, r.against(floors[floor]))
	}
	return rep, nil
}

// runServer measures fn against the server, with its peak RSS.
func runServer(ctx context.Context, cfg Config, srv *server, name string, fn op) (Result, error) {
	srv.resetPeakRSS()
	m, err := measure(ctx, cfg.Clients, cfg.Warmup, cfg.Duration, fn)
	if err != nil {
		return Result{}, fmt.Errorf("workload %s: %w", name, err)
	}
	r := result(name, m)
	if r.PeakRSS, err = srv.peakRSS(); err != nil {
		return Result{}, err
	}
	return r, nil
}

func result(name string, m measurement) Result {
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	return Result{Workload: name, Ops: m.ops, OpsPerSec: m.opsPerSec, P50ms: ms(m.p50), P95ms: ms(m.p95), P99ms: ms(m.p99)}
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
	r.P50Ratio = ratio(r.P50ms, f.P50ms)
	r.P95Ratio = ratio(r.P95ms, f.P95ms)
	r.P99Ratio = ratio(r.P99ms, f.P99ms)
	r.RSSRatio = ratio(float64(r.PeakRSS), float64(f.PeakRSS))
	return r
}
