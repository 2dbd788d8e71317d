package svarsigntest

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/riverqueue/river"

	svarsignv1 "github.com/svarsign/svarsign/gen/go/svarsign/v1"
	"github.com/svarsign/svarsign/gen/go/svarsign/v1/svarsignv1connect"
	"github.com/svarsign/svarsign/server/app"
)

// Patience is how long a wait lasts before it fails the test: a server
// that works takes a second or two at most, even under -race on a loaded
// machine; only one that never gets there takes this long.
const Patience = 20 * time.Second

// Eventually calls cond until it returns nil and fails t with cond's last
// error if that has not happened within timeout. It is for values that
// can only be polled (a file appearing, a listener closing, a separate
// process); between calls it backs off from 5 ms to 100 ms. Where the
// server's job queue does the work, Server.Await waits on it instead.
func Eventually(t testing.TB, timeout time.Duration, cond func() error) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for pause := 5 * time.Millisecond; ; pause = min(2*pause, 100*time.Millisecond) {
		err := cond()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("after %v: %v", timeout, err)
		}
		time.Sleep(pause)
	}
}

// jobLog records what the server's job queue reports (River's event
// subscription), so a test can wait for work to have been done.
type jobLog struct {
	mu      sync.Mutex
	events  []*river.Event
	changed chan struct{} // closed, and replaced, at each event
}

// watchJobs subscribes to a's job events; call it before a.Run.
func watchJobs(t testing.TB, a *app.App) *jobLog {
	l := &jobLog{changed: make(chan struct{})}
	events, cancel := a.SubscribeJobs(river.EventKindJobCompleted, river.EventKindJobFailed,
		river.EventKindJobSnoozed, river.EventKindJobCancelled)
	t.Cleanup(cancel)
	go func() {
		for e := range events {
			l.mu.Lock()
			l.events = append(l.events, e)
			close(l.changed)
			l.changed = make(chan struct{})
			l.mu.Unlock()
		}
	}()
	return l
}

// next is closed at the next job event.
func (l *jobLog) next() <-chan struct{} {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.changed
}

// ran reports whether a job of kind that started after since has completed.
func (l *jobLog) ran(kind string, since time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, e := range l.events {
		if e.Kind == river.EventKindJobCompleted && e.Job.Kind == kind && e.Job.AttemptedAt != nil && e.Job.AttemptedAt.After(since) {
			return true
		}
	}
	return false
}

// String lists the jobs seen, for a failing test's message.
func (l *jobLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var b strings.Builder
	for _, e := range l.events[max(0, len(l.events)-30):] {
		fmt.Fprintf(&b, "\n  %s %s attempted %v", e.Job.Kind, e.Kind, e.Job.AttemptedAt)
		if n := len(e.Job.Errors); n > 0 && e.Kind == river.EventKindJobFailed {
			fmt.Fprintf(&b, ": %s", e.Job.Errors[n-1].Error)
		}
	}
	return b.String()
}

// Await waits until cond returns nil, checking it now and again each time
// a job of the server finishes (completed, failed, snoozed or cancelled):
// every change the server makes by itself (delivery, expiry, print,
// returns, purges, webhooks) is the work of a job. It fails t with cond's
// last error after Patience.
func (s *Server) Await(t testing.TB, cond func() error) {
	t.Helper()
	s.AwaitWithin(t, Patience, cond)
}

// AwaitWithin is Await with a patience of its own.
func (s *Server) AwaitWithin(t testing.TB, timeout time.Duration, cond func() error) {
	t.Helper()
	if s.jobs == nil { // a Server not made by Start: nothing to wait on
		Eventually(t, timeout, cond)
		return
	}
	expired := time.NewTimer(timeout)
	defer expired.Stop()
	for {
		next := s.jobs.next() // taken before cond, so no job finishing in between is missed
		err := cond()
		if err == nil {
			return
		}
		select {
		case <-next:
		case <-expired.C:
			t.Fatalf("after %v: %v", timeout, err)
		}
	}
}

// WaitJob waits until a job of kind (its JobArgs.Kind) that started after
// since has completed. A test that checks that the server left something
// alone calls it with the time it made the change, so that it knows the
// sweep or purge that could have acted did run, and decided not to.
func (s *Server) WaitJob(t testing.TB, kind string, since time.Time) {
	t.Helper()
	if s.jobs == nil {
		t.Fatal("WaitJob needs a Server made by Start")
	}
	timeout := time.NewTimer(Patience)
	defer timeout.Stop()
	for {
		next := s.jobs.next()
		if s.jobs.ran(kind, since) {
			return
		}
		select {
		case <-next:
		case <-timeout.C:
			t.Fatalf("no %s job that started after %v completed within %v; the last jobs:%s", kind, since.Format(time.StampMicro), Patience, s.jobs)
		}
	}
}

// WaitStatus waits until the shipment reaches want, checking whenever a
// job finishes, and returns it; it fails after Patience.
func (s *Server) WaitStatus(t testing.TB, c svarsignv1connect.ShipmentServiceClient, id string, want svarsignv1.ShipmentStatus) *svarsignv1.Shipment {
	t.Helper()
	var sh *svarsignv1.Shipment
	s.Await(t, func() error {
		resp, err := c.GetShipment(context.Background(), connect.NewRequest(&svarsignv1.GetShipmentRequest{Id: id}))
		if err != nil {
			t.Fatalf("GetShipment %s: %v", id, err)
		}
		if sh = resp.Msg.GetShipment(); sh.GetStatus() != want {
			return fmt.Errorf("shipment %s is %v, want %v", id, sh.GetStatus(), want)
		}
		return nil
	})
	return sh
}
