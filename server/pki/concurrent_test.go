package pki

import (
	"path/filepath"
	"sync"
	"testing"
)

// TestLoadOrCreateConcurrently: services starting together on a fresh
// folder end up with one authority, the one on disk, instead of each
// creating its own and overwriting the others' files.
func TestLoadOrCreateConcurrently(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "ca")
	const n = 8
	got := make([]*Authority, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			got[i], errs[i] = LoadOrCreate(dir, "Eksempel kommune", fixed(t0))
		})
	}
	close(start)
	wg.Wait()
	onDisk, err := LoadOrCreate(dir, "ignored on load", fixed(t0))
	if err != nil {
		t.Fatalf("loading after the concurrent start: %v", err)
	}
	for i, a := range got {
		switch {
		case errs[i] != nil:
			t.Errorf("LoadOrCreate %d: %v", i, errs[i])
		case !a.Root.Equal(onDisk.Root) || !a.Seal.Cert.Equal(onDisk.Seal.Cert) || !a.TSA.Cert.Equal(onDisk.TSA.Cert):
			t.Errorf("LoadOrCreate %d returned an authority that is not the one on disk", i)
		}
	}
}
