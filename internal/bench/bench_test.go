package bench

import (
	"os"
	"strings"
	"testing"
	"time"

	st "github.com/svarsign/svarsign/internal/svarsigntest"
	"github.com/svarsign/svarsign/internal/testenv"
	"github.com/svarsign/svarsign/server/database/databasetest"
)

var svarsignBinary = &st.Binary{Package: st.SvarsignPackage}

func TestMain(m *testing.M) { st.Main(m, svarsignBinary) }

// small makes the bounded workloads quick: 2 MiB documents, two runs each.
func small(cfg Config) Config {
	cfg.maxDocSize, cfg.iterations = 2<<20, 2
	return cfg
}

// TestRun runs every workload briefly against the real binary and checks
// the report is one a reader could trust.
func TestRun(t *testing.T) {
	t.Parallel()
	rep, err := Run(t.Context(), small(Config{
		Executable: svarsignBinary.Path(t), Clients: 2,
		Duration: 300 * time.Millisecond, Warmup: 50 * time.Millisecond,
	}))
	if err != nil {
		t.Fatal(err)
	}
	checkReport(t, rep, Workloads(), 2)
}

// TestRunPostgres runs the workloads that sign and upload on
// PostgreSQL (skipped without SVARSIGN_TEST_POSTGRES_DSN, failing under CI).
func TestRunPostgres(t *testing.T) {
	t.Parallel()
	dsn := os.Getenv(databasetest.PostgresEnv)
	if dsn == "" {
		testenv.Missing(t, "environment variable "+databasetest.PostgresEnv, "point it at a PostgreSQL server, e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable")
	}
	workloads := []string{"upload-1gib", "sign-1mib", "round-trip"}
	rep, err := Run(t.Context(), small(Config{
		Executable: svarsignBinary.Path(t), DatabaseURL: dsn, Clients: 2, Workloads: workloads,
		Duration: 300 * time.Millisecond, Warmup: 50 * time.Millisecond,
	}))
	if err != nil {
		t.Fatal(err)
	}
	if rep.Database != "postgres" {
		t.Errorf("report says database %q", rep.Database)
	}
	checkReport(t, rep, workloads, 2)
}

// wantFloor is the floor each workload is set beside.
var wantFloor = map[string]string{
	"get": FloorTransport, "get-signing-order": FloorTransport, "list": FloorTransport,
	"send-grpc": FloorNaiveSend, "send-connect": FloorNaiveSend, "send-json": FloorNaiveSend,
	"upload-1gib": FloorSHA256Sum, "sign-1mib": "floor-sha256-1mib", "sign-10mib": "floor-sha256-10mib",
	"sign-50mib": "floor-sha256-50mib", "round-trip": FloorSendSigning,
}

// checkReport checks that rep has a sane row for each of workloads, after
// the right floor, and that its table shows them; the bounded workloads
// ran small(…)'s way.
func checkReport(t *testing.T, rep *Report, workloads []string, clients int) {
	t.Helper()
	floors := map[string]Result{}
	seen := map[string]Result{}
	for _, r := range rep.Results {
		seen[r.Workload] = r
		if r.Ops <= 0 || r.OpsPerSec <= 0 {
			t.Errorf("%s: %d ops, %.1f ops/s", r.Workload, r.Ops, r.OpsPerSec)
		}
		if !(0 < r.P50ms && r.P50ms <= r.P95ms && r.P95ms <= r.P99ms) {
			t.Errorf("%s: latencies p50 %.3f, p95 %.3f, p99 %.3f ms out of order", r.Workload, r.P50ms, r.P95ms, r.P99ms)
		}
		if r.Bytes > 0 && r.MiBPerSec <= 0 {
			t.Errorf("%s: %d bytes per operation at %.1f MiB/s", r.Workload, r.Bytes, r.MiBPerSec)
		}
		if r.Floor == "" {
			floors[r.Workload] = r
			continue
		}
		if want := wantFloor[r.Workload]; r.Floor != want {
			t.Errorf("%s: compared to floor %q, want %q", r.Workload, r.Floor, want)
		}
		if r.PeakRSS <= 0 {
			t.Errorf("%s: server peak RSS %d", r.Workload, r.PeakRSS)
		}
		f, ok := floors[r.Floor]
		if !ok || f.OpsPerSec <= 0 || f.P50ms <= 0 {
			t.Errorf("%s: compared to floor %q, not measured before it (%+v)", r.Workload, r.Floor, f)
			continue
		}
		if want := r.OpsPerSec / f.OpsPerSec; r.OpsRatio != want || want <= 0 {
			t.Errorf("%s: ops ratio %g, want %g", r.Workload, r.OpsRatio, want)
		}
		if want := r.P99ms / f.P99ms; r.P99Ratio != want {
			t.Errorf("%s: p99 ratio %g, want %g", r.Workload, r.P99Ratio, want)
		}
		if r.Bytes != f.Bytes {
			t.Errorf("%s: %d bytes per operation, its floor %d", r.Workload, r.Bytes, f.Bytes)
		}
		if r.Bytes > 0 {
			if want := r.MiBPerSec / f.MiBPerSec; r.MiBRatio != want || want <= 0 {
				t.Errorf("%s: MiB/s ratio %g, want %g", r.Workload, r.MiBRatio, want)
			}
		}
	}
	for _, w := range workloads {
		r, ok := seen[w]
		if !ok {
			t.Errorf("no result for %s", w)
			continue
		}
		if _, ok := seen[wantFloor[w]]; !ok {
			t.Errorf("no result for %s, the floor of %s", wantFloor[w], w)
		}
		switch {
		case w == "upload-1gib" || strings.HasPrefix(w, "sign-"):
			if r.Clients != 1 || r.Ops != 2 || r.Bytes < 1<<20 || r.Bytes > 2<<20+4<<10 {
				t.Errorf("%s: %d clients, %d ops of %d bytes; want 1 client, 2 ops of 1 to 2 MiB", w, r.Clients, r.Ops, r.Bytes)
			}
		case r.Clients != clients:
			t.Errorf("%s: %d clients, want %d", w, r.Clients, clients)
		}
	}
	if f, ok := floors[FloorTransport]; ok && f.PeakRSS <= 0 {
		t.Errorf("transport floor: server peak RSS %d", f.PeakRSS)
	}
	var table strings.Builder
	if err := rep.WriteTable(&table); err != nil {
		t.Fatal(err)
	}
	for _, w := range workloads {
		if !strings.Contains(table.String(), w) || !strings.Contains(table.String(), wantFloor[w]) {
			t.Errorf("table has no row for %s or its floor:\n%s", w, table.String())
		}
	}
	if t.Failed() {
		t.Logf("report:\n%s", table.String())
	}
}

// TestFailingWorkload: a workload whose calls fail fails the run, saying
// which and why, instead of reporting what little got through.
func TestFailingWorkload(t *testing.T) {
	t.Parallel()
	for _, w := range []string{"send-grpc", "send-json", "get-signing-order", "upload-1gib", "sign-1mib", "round-trip"} {
		t.Run(w, func(t *testing.T) {
			t.Parallel()
			_, err := Run(t.Context(), small(Config{
				Executable: svarsignBinary.Path(t), Clients: 2, Workloads: []string{w},
				Duration: 200 * time.Millisecond, Warmup: 20 * time.Millisecond,
				apiKey: "svs_0000000000000000.nope",
			}))
			if err == nil {
				t.Fatalf("%s with a bad API key: no error", w)
			}
			msg := err.Error()
			if !strings.Contains(msg, "workload "+w) || !strings.Contains(msg, "API key not accepted") {
				t.Errorf("%s with a bad API key: error %q does not say which workload failed and why", w, msg)
			}
		})
	}
}

// TestBadConfig: an unknown workload or a database that is not PostgreSQL
// is refused before anything starts.
func TestBadConfig(t *testing.T) {
	t.Parallel()
	for _, cfg := range []Config{
		{Executable: "svarsign", Workloads: []string{"gets"}},
		{Executable: "svarsign", DatabaseURL: "/tmp/x.db"},
	} {
		if _, err := Run(t.Context(), cfg); err == nil {
			t.Errorf("%+v: no error", cfg)
		}
	}
}

func TestQuantile(t *testing.T) {
	t.Parallel()
	var d []time.Duration
	for i := 1; i <= 100; i++ {
		d = append(d, time.Duration(i))
	}
	for q, want := range map[float64]time.Duration{0.5: 50, 0.95: 95, 0.99: 99, 1: 100} {
		if got := quantile(d, q); got != want {
			t.Errorf("quantile %.2f = %d, want %d", q, got, want)
		}
	}
	if got := quantile(d[:1], 0.99); got != 1 {
		t.Errorf("quantile of one = %d", got)
	}
}
