// Package memstat measures memory for benchmarks and memory tests: the peak
// of the live heap while something runs, and the process's RSS from
// /proc/self/status (Linux).
package memstat

import (
	"bufio"
	"os"
	"runtime"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync"
	"time"
)

// StartHeap samples live heap objects every 200µs until the returned
// function is called, which reports the peak above the starting level and
// the bytes allocated meanwhile.
func StartHeap() func() (peak, total uint64) {
	runtime.GC()
	samples := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}, {Name: "/gc/heap/allocs:bytes"}}
	metrics.Read(samples)
	base, allocs := samples[0].Value.Uint64(), samples[1].Value.Uint64()
	var (
		mu   sync.Mutex
		high = base
		done = make(chan struct{})
		wg   sync.WaitGroup
	)
	wg.Add(1)
	go func() {
		defer wg.Done()
		s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
		t := time.NewTicker(200 * time.Microsecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				metrics.Read(s)
				mu.Lock()
				high = max(high, s[0].Value.Uint64())
				mu.Unlock()
			}
		}
	}()
	return func() (uint64, uint64) {
		metrics.Read(samples)
		close(done)
		wg.Wait()
		mu.Lock()
		defer mu.Unlock()
		high = max(high, samples[0].Value.Uint64())
		return high - base, samples[1].Value.Uint64() - allocs
	}
}

// ProcStatusKiB reads one "Name:   123 kB" line of /proc/self/status.
func ProcStatusKiB(name string) (int64, bool) {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0, false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		rest, ok := strings.CutPrefix(sc.Text(), name+":")
		if !ok {
			continue
		}
		n, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
		return n, err == nil
	}
	return 0, false
}

// ResetPeakRSS sets VmHWM back to the current RSS (Linux: "5" to clear_refs).
func ResetPeakRSS() error {
	return os.WriteFile("/proc/self/clear_refs", []byte("5"), 0)
}
