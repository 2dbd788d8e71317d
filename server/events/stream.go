package events

import (
	"context"
	"sync"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/svarsign/svarsign/ent"
	svarsignv1 "github.com/svarsign/svarsign/gen/go/svarsign/v1"
	"github.com/svarsign/svarsign/server/database"
	"github.com/svarsign/svarsign/server/domain"
	"github.com/svarsign/svarsign/server/protoconv"
)

// DefaultPollInterval is how often a stream looks for new events when it
// has caught up: the latency between a commit and its event on the wire.
const DefaultPollInterval = 200 * time.Millisecond

// batchSize bounds the events read in one query.
const batchSize = 500

// Stream serves WatchEvents. Neither SQLite nor the PostgreSQL driver used
// here tells us about new rows, so each watcher polls the outbox; the query
// is one index range scan on (org_id, id), cheap enough at a few per second.
type Stream struct {
	outbox *outbox
	poll   time.Duration

	closeOnce sync.Once
	closed    chan struct{}
}

// NewStream returns a Stream on db polling every poll (DefaultPollInterval
// if zero).
func NewStream(db *database.DB, poll time.Duration) *Stream {
	if poll <= 0 {
		poll = DefaultPollInterval
	}
	return &Stream{outbox: newOutbox(db), poll: poll, closed: make(chan struct{})}
}

// Close ends every watch, now and later, with Unavailable, so clients
// reconnect (with their cursor) to another instance or after a restart.
// Graceful HTTP shutdown waits for open calls, and a watch never ends
// by itself, so the server calls Close when it begins shutting down.
func (s *Stream) Close() {
	s.closeOnce.Do(func() { close(s.closed) })
}

// Watch sends the organisation's events after cursor to send, in order,
// until ctx is done or send fails. An empty cursor starts after the
// organisation's newest event, so only later changes are sent; a client that
// must not miss any resumes from the cursor of the last event it handled.
// A cursor that does not parse is an InvalidArgument error on "cursor".
// Watch returns ctx's error when ctx ends.
//
// Watch calls send(nil) once, when it has fixed its starting position and
// before any event: connect's ServerStream.Send(nil) sends the response
// headers, which is when a client's WatchEvents call returns, so an
// empty-cursor subscriber misses nothing that commits after its call
// returned.
func (s *Stream) Watch(ctx context.Context, orgID int, cursor string, send func(*svarsignv1.WatchEventsResponse) error) error {
	var after int
	var err error
	if cursor == "" {
		after, err = s.outbox.last(ctx)
	} else if after, err = ParseCursor(cursor); err != nil {
		return domain.Invalid("cursor", domain.ReasonInvalidToken, "not a cursor from WatchEvents")
	} else {
		err = s.outbox.resumable(ctx, orgID, after)
	}
	if err != nil {
		return err
	}
	// Now the position is fixed: let the transport send its headers, so a
	// client whose call has returned cannot miss anything committed later.
	if err := send(nil); err != nil {
		return err
	}
	tick := time.NewTicker(s.poll)
	defer tick.Stop()
	for {
		evs, err := s.outbox.next(ctx, orgID, after, batchSize)
		if err != nil {
			return err
		}
		for _, e := range evs {
			if err := send(toProto(e)); err != nil {
				return err
			}
			after = e.ID
		}
		if len(evs) == batchSize {
			continue // more are waiting; don't sleep between batches
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-s.closed:
			return domain.Errorf(domain.ErrUnavailable, "server shutting down; resume from the last cursor")
		case <-tick.C:
		}
	}
}

func toProto(e *ent.Event) *svarsignv1.WatchEventsResponse {
	return &svarsignv1.WatchEventsResponse{
		Cursor:        Cursor(e.ID),
		ShipmentId:    e.ShipmentID.String(),
		Time:          timestamppb.New(e.Time),
		Status:        protoconv.Status(e.ShipmentStatus),
		SigningStatus: protoconv.SigningStatus(e.SigningStatus),
		Text:          e.Text,
	}
}
