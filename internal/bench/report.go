package bench

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"text/tabwriter"
)

// WriteTable prints the report as a table: each workload's figures with
// their ratio to its floor in brackets (×floor for ops/s and MiB/s; for
// latencies and RSS a ratio above 1 is worse than the floor). The upload
// and signing workloads run a fixed number of times, one client, whatever
// the duration.
func (r *Report) WriteTable(w io.Writer) error {
	fmt.Fprintf(w, "svarsign bench: %s, %d clients, %s per workload after %s warm-up, %d CPUs, %s\n\n",
		r.Database, r.Clients, r.Duration, r.Warmup, r.CPUs, r.GoVersion)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "workload\tclients\tops\tops/s\tMiB/s\tp50 ms\tp95 ms\tp99 ms\tpeak RSS MiB\tfloor\t")
	for _, x := range r.Results {
		rate := func(v, ratio float64) string {
			s := fmt.Sprintf("%.0f", v)
			if v < 10 {
				s = fmt.Sprintf("%.2f", v)
			}
			if x.Floor != "" {
				s += fmt.Sprintf(" (%.2f×)", ratio)
			}
			return s
		}
		lat := func(v, ratio float64) string {
			if x.Floor == "" {
				return fmt.Sprintf("%.2f", v)
			}
			return fmt.Sprintf("%.2f (%.1f×)", v, ratio)
		}
		mib, rss, floor := "-", "-", "(is a floor)"
		if x.MiBPerSec > 0 {
			mib = rate(x.MiBPerSec, x.MiBRatio)
		}
		if x.PeakRSS > 0 {
			rss = fmt.Sprintf("%.1f", float64(x.PeakRSS)/(1<<20))
			if x.Floor != "" && x.RSSRatio > 0 {
				rss += fmt.Sprintf(" (%.2f×)", x.RSSRatio)
			}
		}
		if x.Floor != "" {
			floor = x.Floor
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t\n", x.Workload, x.Clients, x.Ops,
			rate(x.OpsPerSec, x.OpsRatio), mib, lat(x.P50ms, x.P50Ratio), lat(x.P95ms, x.P95Ratio), lat(x.P99ms, x.P99Ratio), rss, floor)
	}
	return tw.Flush()
}

// WriteJSON writes the report to the file named path.
func (r *Report) WriteJSON(path string) error {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("writing the JSON report: %w", err)
	}
	return nil
}
