package store

import "sync"

// syncGroup lets concurrent syncs share one flush, as a database's group
// commit does: a caller that finds no flush running leads one round,
// flushing what every caller has queued by then, itself included, and
// hands the lead to the first caller that queued during it. Under load a
// flush covers many blobs; alone, a caller flushes at once.
type syncGroup struct {
	mu       sync.Mutex
	queue    []*syncWait
	flushing bool
}

type syncWait struct {
	paths []string
	done  chan syncResult // buffered: the leader never waits on a caller
}

type syncResult struct {
	err  error
	lead bool // the caller is to lead the next round instead
}

// do returns once paths have been flushed by flush, called with them and
// other callers' paths.
func (g *syncGroup) do(paths []string, flush func([]string) error) error {
	w := &syncWait{paths: paths, done: make(chan syncResult, 1)}
	g.mu.Lock()
	g.queue = append(g.queue, w)
	lead := !g.flushing
	g.flushing = true
	g.mu.Unlock()
	if !lead {
		if r := <-w.done; !r.lead {
			return r.err
		}
	}
	g.mu.Lock()
	round := g.queue
	g.queue = nil
	g.mu.Unlock()
	var all []string
	for _, o := range round {
		all = append(all, o.paths...)
	}
	err := flush(all)
	for _, o := range round {
		if o != w {
			o.done <- syncResult{err: err}
		}
	}
	g.mu.Lock()
	if len(g.queue) > 0 {
		g.queue[0].done <- syncResult{lead: true}
	} else {
		g.flushing = false
	}
	g.mu.Unlock()
	return err
}
