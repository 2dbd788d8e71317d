package bench

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"
)

// op is one operation of a workload by client c, its i-th.
type op func(ctx context.Context, c, i int) error

// measurement is what measure saw in its window.
type measurement struct {
	ops       int
	opsPerSec float64
	p50       time.Duration
	p95       time.Duration
	p99       time.Duration
}

// measure runs op from clients goroutines for warmup, then for d, counting
// the operations started in the window after the warm-up. The first error
// stops every client and is returned: a workload that fails is not a
// workload that is slow.
func measure(parent context.Context, clients int, warmup, d time.Duration, fn op) (measurement, error) {
	return measureThen(parent, clients, warmup, d, fn, nil)
}

// measureThen is measure with tidy, when not nil, run by each client after
// each operation, outside its latency: work the operation leaves behind that
// is not part of what is measured (acknowledging a returned shipment).
func measureThen(parent context.Context, clients int, warmup, d time.Duration, fn, tidy op) (measurement, error) {
	ctx, cancel := context.WithCancel(parent)
	defer cancel()
	start := time.Now()
	from, until := start.Add(warmup), start.Add(warmup+d)
	lat := make([][]time.Duration, clients)
	last := make([]time.Time, clients)
	var (
		once     sync.Once
		firstErr error
		wg       sync.WaitGroup
	)
	for c := range clients {
		wg.Go(func() {
			for i := 0; ; i++ {
				t0 := time.Now()
				if !t0.Before(until) || ctx.Err() != nil {
					return
				}
				fail := func(err error) {
					once.Do(func() {
						firstErr = fmt.Errorf("client %d, operation %d: %w", c, i, err)
						cancel()
					})
				}
				if err := fn(ctx, c, i); err != nil {
					fail(err)
					return
				}
				if !t0.Before(from) {
					t1 := time.Now()
					lat[c] = append(lat[c], t1.Sub(t0))
					last[c] = t1
				}
				if tidy != nil {
					if err := tidy(ctx, c, i); err != nil {
						fail(err)
						return
					}
				}
			}
		})
	}
	wg.Wait()
	if firstErr != nil {
		return measurement{}, firstErr
	}
	if err := parent.Err(); err != nil {
		return measurement{}, err
	}
	all := slices.Concat(lat...)
	if len(all) == 0 {
		return measurement{}, fmt.Errorf("no operation finished within %v", d)
	}
	end := from
	for _, t := range last {
		if t.After(end) {
			end = t
		}
	}
	slices.Sort(all)
	return measurement{
		ops:       len(all),
		opsPerSec: float64(len(all)) / end.Sub(from).Seconds(),
		p50:       quantile(all, 0.50),
		p95:       quantile(all, 0.95),
		p99:       quantile(all, 0.99),
	}, nil
}

// quantile of sorted latencies, nearest rank.
func quantile(sorted []time.Duration, q float64) time.Duration {
	i := int(q*float64(len(sorted))+0.5) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}

// summarize is the measurement of operations that each took one of lat, in
// a window of total (workloads that run a fixed number of times).
func summarize(lat []time.Duration, total time.Duration) measurement {
	all := slices.Clone(lat)
	slices.Sort(all)
	m := measurement{ops: len(all), p50: quantile(all, 0.50), p95: quantile(all, 0.95), p99: quantile(all, 0.99)}
	if total > 0 {
		m.opsPerSec = float64(len(all)) / total.Seconds()
	}
	return m
}
