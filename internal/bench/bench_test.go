package bench

import (
	"strings"
	"testing"
	"time"

	st "github.com/svarsign/svarsign/internal/svarsigntest"
)

var svarsignBinary = &st.Binary{Package: st.SvarsignPackage}

func TestMain(m *testing.M) { st.Main(m, svarsignBinary) }

// TestRun runs every workload briefly against the real binary and checks
// the report is one a reader could trust.
func TestRun(t *testing.T) {
	t.Parallel()
	rep, err := Run(t.Context(), Config{
		Executable: svarsignBinary.Path(t), Clients: 2,
		Duration: 300 * time.Millisecond, Warmup: 50 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	floors := map[string]Result{}
	seen := map[string]bool{}
	for _, r := range rep.Results {
		seen[r.Workload] = true
		if r.Ops <= 0 || r.OpsPerSec <= 0 {
			t.Errorf("%s: %d ops, %.1f ops/s", r.Workload, r.Ops, r.OpsPerSec)
		}
		if !(0 < r.P50ms && r.P50ms <= r.P95ms && r.P95ms <= r.P99ms) {
			t.Errorf("%s: latencies p50 %.3f, p95 %.3f, p99 %.3f ms out of order", r.Workload, r.P50ms, r.P95ms, r.P99ms)
		}
		if r.Floor == "" {
			floors[r.Workload] = r
			continue
		}
		if r.PeakRSS <= 0 {
			t.Errorf("%s: server peak RSS %d", r.Workload, r.PeakRSS)
		}
		f, ok := floors[r.Floor]
		if !ok || f.OpsPerSec <= 0 || f.P50ms <= 0 {
			t.Errorf("%s: compared to floor %q, not measured before it (%+v)", r.Workload, r.Floor, f)
			continue
		}
		if want := r.OpsPerSec / f.OpsPerSec; r.OpsRatio != want {
			t.Errorf("%s: ops ratio %g, want %g", r.Workload, r.OpsRatio, want)
		}
		if want := r.P99ms / f.P99ms; r.P99Ratio != want {
			t.Errorf("%s: p99 ratio %g, want %g", r.Workload, r.P99Ratio, want)
		}
	}
	for _, w := range append([]string{FloorTransport, FloorNaiveSend}, Workloads()...) {
		if !seen[w] {
			t.Errorf("no result for %s", w)
		}
	}
	if floors[FloorTransport].PeakRSS <= 0 {
		t.Errorf("transport floor: server peak RSS %d", floors[FloorTransport].PeakRSS)
	}
	var table strings.Builder
	if err := rep.WriteTable(&table); err != nil {
		t.Fatal(err)
	}
	for _, w := range Workloads() {
		if !strings.Contains(table.String(), w) {
			t.Errorf("table has no row for %s:\n%s", w, table.String())
		}
	}
}

// TestFailingWorkload: a workload whose calls fail fails the run, saying
// which and why, instead of reporting what little got through.
func TestFailingWorkload(t *testing.T) {
	t.Parallel()
	for _, w := range []string{"send-grpc", "send-json"} {
		_, err := Run(t.Context(), Config{
			Executable: svarsignBinary.Path(t), Clients: 2, Workloads: []string{w},
			Duration: 200 * time.Millisecond, Warmup: 20 * time.Millisecond,
			apiKey: "svs_0000000000000000.nope",
		})
		if err == nil {
			t.Fatalf("%s with a bad API key: no error", w)
		}
		msg := err.Error()
		if !strings.Contains(msg, "workload "+w) || !strings.Contains(msg, "API key not accepted") {
			t.Errorf("%s with a bad API key: error %q does not say which workload failed and why", w, msg)
		}
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
