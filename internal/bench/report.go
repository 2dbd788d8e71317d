package bench

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"text/tabwriter"
)

// WriteTable prints the report as a table: each workload's figures with
// their ratio to its floor in brackets (×floor for ops/s; for latencies
// and RSS a ratio above 1 is worse than the floor).
func (r *Report) WriteTable(w io.Writer) error {
	fmt.Fprintf(w, "svarsign bench: %s, %d clients, %s per workload after %s warm-up, %d CPUs, %s\n\n",
		r.Database, r.Clients, r.Duration, r.Warmup, r.CPUs, r.GoVersion)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "workload\tops/s\tp50 ms\tp95 ms\tp99 ms\tpeak RSS MiB\tfloor\t")
	for _, x := range r.Results {
		rss := "-"
		if x.PeakRSS > 0 {
			rss = fmt.Sprintf("%.1f", float64(x.PeakRSS)/(1<<20))
		}
		if x.Floor == "" {
			fmt.Fprintf(tw, "%s\t%.0f\t%.2f\t%.2f\t%.2f\t%s\t(is a floor)\t\n", x.Workload, x.OpsPerSec, x.P50ms, x.P95ms, x.P99ms, rss)
			continue
		}
		if x.PeakRSS > 0 && x.RSSRatio > 0 {
			rss += fmt.Sprintf(" (%.2f×)", x.RSSRatio)
		}
		fmt.Fprintf(tw, "%s\t%.0f (%.2f×)\t%.2f (%.1f×)\t%.2f (%.1f×)\t%.2f (%.1f×)\t%s\t%s\t\n",
			x.Workload, x.OpsPerSec, x.OpsRatio, x.P50ms, x.P50Ratio, x.P95ms, x.P95Ratio, x.P99ms, x.P99Ratio, rss, x.Floor)
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
