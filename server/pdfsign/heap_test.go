package pdfsign_test

import (
	"runtime"
	"runtime/metrics"
	"sync"
	"time"
)

// startHeapSampler samples live heap objects every 200µs until the returned
// function is called, which reports the peak above the starting level and
// the bytes allocated meanwhile.
func startHeapSampler() func() (peak, total uint64) {
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
