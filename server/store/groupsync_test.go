package store

import (
	"errors"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"
)

// TestSyncGroupSharesFlushes: callers that arrive while a flush runs are
// flushed together in the next round, each path once, and each caller
// returns only after the round that holds its path, with its outcome.
func TestSyncGroupSharesFlushes(t *testing.T) {
	var g syncGroup
	const waiting = 20
	var mu sync.Mutex
	var rounds [][]string
	release := make(chan struct{})
	failSecond := errors.New("second round failed")
	flush := func(paths []string) error {
		mu.Lock()
		rounds = append(rounds, slices.Clone(paths))
		n := len(rounds)
		mu.Unlock()
		if n == 1 {
			<-release // hold the first round until the others queue
			return nil
		}
		return failSecond
	}
	first := make(chan error, 1)
	go func() { first <- g.do([]string{"first"}, flush) }()
	for started := false; !started; runtime.Gosched() { // until the first round is flushing
		mu.Lock()
		started = len(rounds) == 1
		mu.Unlock()
	}
	results := make(chan error, waiting)
	for i := range waiting {
		go func() { results <- g.do([]string{string(rune('a' + i))}, flush) }()
	}
	for deadline := time.Now().Add(10 * time.Second); queued(&g) < waiting; {
		if time.Now().After(deadline) {
			t.Fatalf("%d callers queued, want %d", queued(&g), waiting)
		}
		runtime.Gosched()
	}
	close(release)
	if err := <-first; err != nil {
		t.Fatalf("first caller: %v", err)
	}
	for range waiting {
		if err := <-results; !errors.Is(err, failSecond) {
			t.Errorf("queued caller: %v, want its round's error", err)
		}
	}
	if len(rounds) != 2 || len(rounds[1]) != waiting {
		t.Fatalf("rounds %q, want the first alone and then the %d others together", rounds, waiting)
	}
	all := slices.Concat(rounds...)
	slices.Sort(all)
	if len(slices.Compact(all)) != waiting+1 {
		t.Errorf("paths flushed %q, want each once", rounds)
	}
	if flushing(&g) || queued(&g) != 0 {
		t.Error("the group still flushing after every caller returned")
	}
	// Alone, a caller flushes at once, in a round of its own.
	if err := g.do([]string{"alone"}, func(p []string) error { rounds = append(rounds, p); return nil }); err != nil || len(rounds) != 3 {
		t.Errorf("lone caller: err %v, rounds %q", err, rounds)
	}
}

func flushing(g *syncGroup) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.flushing
}

func queued(g *syncGroup) int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.queue)
}
