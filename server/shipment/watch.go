package shipment

import (
	"context"

	"connectrpc.com/connect"

	svarsignv1 "github.com/svarsign/svarsign/gen/go/svarsign/v1"
	"github.com/svarsign/svarsign/server/apierr"
	"github.com/svarsign/svarsign/server/domain"
)

// maxCursorLen is far above the length of any cursor WatchEvents hands
// out, and keeps a made-up one from being decoded at length.
const maxCursorLen = 100

// EventWatcher streams an organisation's events from a cursor;
// server/events.Stream implements it.
type EventWatcher interface {
	Watch(ctx context.Context, orgID int, cursor string, send func(*svarsignv1.WatchEventsResponse) error) error
}

// WithEvents makes WatchEvents serve from w; without it WatchEvents is
// Unimplemented.
func WithEvents(w EventWatcher) Option { return func(s *Service) { s.events = w } }

// WatchEvents streams the caller's events until the client goes away.
func (s *Service) WatchEvents(ctx context.Context, req *connect.Request[svarsignv1.WatchEventsRequest], stream *connect.ServerStream[svarsignv1.WatchEventsResponse]) error {
	if s.events == nil {
		return s.UnimplementedShipmentServiceHandler.WatchEvents(ctx, req, stream)
	}
	if len(req.Msg.GetCursor()) > maxCursorLen {
		return domain.Invalid("cursor", domain.ReasonInvalidToken, "not a cursor from WatchEvents")
	}
	err := s.events.Watch(ctx, caller(ctx).OrgID, req.Msg.GetCursor(), stream.Send)
	if err != nil && ctx.Err() != nil {
		// The client left or its deadline passed, the normal end of a
		// watch; whatever the database said while cancelled is no news.
		err = ctx.Err()
	}
	return apierr.Map(ctx, s.log, "WatchEvents", err)
}
