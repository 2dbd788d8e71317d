package app_test

import (
	"context"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	svarsignv1 "github.com/svarsign/svarsign/gen/go/svarsign/v1"
	"github.com/svarsign/svarsign/internal/memstat"
	st "github.com/svarsign/svarsign/internal/svarsigntest"
)

// heapSampler records the highest HeapInuse seen every 10 ms, and the
// highest anonymous and file-backed RSS (the binary's pages) seen then.
type heapSampler struct {
	peak             atomic.Uint64
	rssAnon, rssFile atomic.Int64
	stop             chan struct{}
	wg               sync.WaitGroup
}

func startHeapSampler() *heapSampler {
	s := &heapSampler{stop: make(chan struct{})}
	sample := func() {
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		if m.HeapInuse > s.peak.Load() {
			s.peak.Store(m.HeapInuse)
		}
		if n, ok := memstat.ProcStatusKiB("RssAnon"); ok && n > s.rssAnon.Load() {
			s.rssAnon.Store(n)
		}
		if n, ok := memstat.ProcStatusKiB("RssFile"); ok && n > s.rssFile.Load() {
			s.rssFile.Store(n)
		}
	}
	sample()
	s.wg.Go(func() {
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-s.stop:
				sample()
				return
			case <-tick.C:
				sample()
			}
		}
	})
	return s
}

func (s *heapSampler) done() uint64 {
	close(s.stop)
	s.wg.Wait()
	return s.peak.Load()
}

// BenchmarkUpload1GiB streams a 1 GiB generated document through
// UploadDocument over gRPC (256 KiB chunks, as the contract recommends) into a server in this process, and
// reports throughput, the process's peak RSS during the upload (client and
// server together, so an upper bound for the server) and peak HeapInuse.
// About half of the RSS is file-backed pages of the (large) test binary.
//
//	go test ./server/app/ -run '^$' -bench Upload1GiB -benchtime 1x
func BenchmarkUpload1GiB(b *testing.B) {
	const size = 1 << 30
	srv := st.Start(b)
	c := srv.Shipments(srv.Org(b, st.OrgNumber(0), "Stor kommune"), st.GRPC)
	ctx := context.Background()

	canReset := memstat.ResetPeakRSS() == nil
	if !canReset {
		b.Log("cannot write /proc/self/clear_refs: peak RSS is since process start, not reset before the upload")
	}
	var elapsed time.Duration
	var peakRSS, baseRSS, peakAnon, peakFile int64
	var peakHeap uint64
	b.ResetTimer()
	for i := range b.N {
		b.StopTimer()
		id := startShipment(b, c)
		runtime.GC()
		if canReset {
			if err := memstat.ResetPeakRSS(); err != nil {
				b.Fatalf("resetting VmHWM: %v", err)
			}
		}
		rss, _ := memstat.ProcStatusKiB("VmRSS")
		baseRSS = max(baseRSS, rss)
		heap := startHeapSampler()
		b.StartTimer()

		t0 := time.Now()
		doc, sent, sum, err := uploadStream(ctx, c, &svarsignv1.UploadDocumentHeader{
			ShipmentId: id, FileName: "stor.bin", MimeType: "application/octet-stream",
		}, newGenReader(uint64(i), size), 256<<10)
		elapsed += time.Since(t0)

		b.StopTimer()
		peakHeap = max(peakHeap, heap.done())
		peakAnon = max(peakAnon, heap.rssAnon.Load())
		peakFile = max(peakFile, heap.rssFile.Load())
		hwm, ok := memstat.ProcStatusKiB("VmHWM")
		if !ok {
			b.Fatal("no VmHWM in /proc/self/status")
		}
		peakRSS = max(peakRSS, hwm)
		if err != nil {
			b.Fatalf("UploadDocument: %v", err)
		}
		if sent != size || doc.GetSizeBytes() != size || doc.GetSha256() != sum {
			b.Fatalf("stored %d bytes sha %s, sent %d sha %s", doc.GetSizeBytes(), doc.GetSha256(), sent, sum)
		}
		b.StartTimer()
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)*size/(1<<20)/elapsed.Seconds(), "MiB/s")
	b.ReportMetric(float64(peakRSS)/1024, "peak-RSS-MiB")
	b.ReportMetric(float64(baseRSS)/1024, "start-RSS-MiB")
	b.ReportMetric(float64(peakHeap)/(1<<20), "peak-heap-inuse-MiB")
	// Sampled, so slightly under the true peaks; file is mostly the test binary's code.
	b.ReportMetric(float64(peakAnon)/1024, "rss-anon-MiB")
	b.ReportMetric(float64(peakFile)/1024, "rss-file-MiB")
}
