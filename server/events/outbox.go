package events

import (
	"context"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/svarsign/svarsign/ent"
	"github.com/svarsign/svarsign/ent/event"
	"github.com/svarsign/svarsign/ent/org"
	"github.com/svarsign/svarsign/server/database"
	"github.com/svarsign/svarsign/server/domain"
	"github.com/svarsign/svarsign/server/tenant"
)

// settleTime is how long a missing event id may hold back the events after
// it (see the package doc). It must exceed the longest transaction that
// appends an event; ids missing for longer are taken as rolled back.
const settleTime = 10 * time.Second

// cursorPrefix versions the cursor encoding, so it can change without
// misreading cursors that clients stored.
const cursorPrefix = "ev1:"

// Cursor encodes an event id as the opaque WatchEvents cursor.
func Cursor(id int) string {
	return base64.RawURLEncoding.EncodeToString([]byte(cursorPrefix + strconv.Itoa(id)))
}

// ParseCursor decodes a cursor made by Cursor.
func ParseCursor(c string) (int, error) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return 0, fmt.Errorf("events: malformed cursor: %w", err)
	}
	s, ok := strings.CutPrefix(string(b), cursorPrefix)
	if !ok {
		return 0, fmt.Errorf("events: malformed cursor")
	}
	id, err := strconv.Atoi(s)
	if err != nil || id < 0 || strconv.Itoa(id) != s {
		return 0, fmt.Errorf("events: malformed cursor")
	}
	return id, nil
}

// outbox reads settled events: those no in-flight transaction can still
// precede. It is safe for concurrent use.
type outbox struct {
	db  *database.DB
	now func() time.Time

	mu sync.Mutex
	// missing records when each absent id was first noticed.
	missing map[int]time.Time
}

func newOutbox(db *database.DB) *outbox {
	// How long a gap has been waited out is measured on the wall clock,
	// not the service's: it is about transactions in flight now.
	return &outbox{db: db, now: time.Now, missing: make(map[int]time.Time)}
}

// last is the newest event id of any organisation, 0 if there is none: a
// watch without a cursor starts after it. Any organisation's, not only the
// caller's, so the first read has no old gaps (rolled back or purged ids of
// others) to wait out.
//
// Ids up to the highest purge point are settled too, even above the newest
// event left: without that, a watch started after a purge would wait out
// the purged ids as if they were transactions in flight.
func (o *outbox) last(ctx context.Context) (int, error) {
	newest := 0
	e, err := o.db.Ent.Event.Query().Order(ent.Desc(event.FieldID)).First(everyOrg(ctx))
	switch {
	case ent.IsNotFound(err):
	case err != nil:
		return 0, fmt.Errorf("events: newest event: %w", err)
	default:
		newest = e.ID
	}
	purged, err := o.db.Ent.Org.Query().Order(ent.Desc(org.FieldEventsPurgedThrough)).First(ctx)
	switch {
	case ent.IsNotFound(err):
	case err != nil:
		return 0, fmt.Errorf("events: purge point: %w", err)
	default:
		newest = max(newest, purged.EventsPurgedThrough)
	}
	return newest, nil
}

// everyOrg scopes the outbox's order checks, which read the ids of every
// organisation's events (never their content): a gap in one
// organisation's ids is another's event, not a transaction in flight.
func everyOrg(ctx context.Context) context.Context {
	return tenant.With(ctx, tenant.System("outbox order"))
}

// resumable refuses a cursor from before the retention horizon: the events
// after it are partly deleted, and resuming would skip them silently.
func (o *outbox) resumable(ctx context.Context, orgID, after int) error {
	org, err := o.db.Ent.Org.Get(ctx, orgID)
	if err != nil {
		return fmt.Errorf("events: %w", err)
	}
	if after < org.EventsPurgedThrough {
		return domain.Errorf(domain.ErrFailedPrecondition,
			"cursor is older than the retained events; read current state with ListShipments and watch again without a cursor")
	}
	return nil
}

// next returns up to limit of the organisation's events after the id
// after, in id order, stopping before any id that may still commit.
func (o *outbox) next(ctx context.Context, orgID, after, limit int) ([]*ent.Event, error) {
	evs, err := o.db.Ent.Event.Query().
		Where(event.OrgID(orgID), event.IDGT(after)).
		Order(ent.Asc(event.FieldID)).Limit(limit).All(ctx)
	if err != nil || len(evs) == 0 {
		if err != nil {
			err = fmt.Errorf("events: reading outbox: %w", err)
		}
		return nil, err
	}
	// Every id up to the last one returned, of any organisation, must be
	// present or long missing. Counting is the cheap common case.
	hi := evs[len(evs)-1].ID
	window := o.db.Ent.Event.Query().Where(event.IDGT(after), event.IDLTE(hi))
	n, err := window.Clone().Count(everyOrg(ctx))
	if err != nil {
		return nil, fmt.Errorf("events: checking outbox order: %w", err)
	}
	if n == hi-after {
		return evs, nil
	}
	ids, err := window.Order(ent.Asc(event.FieldID)).IDs(everyOrg(ctx))
	if err != nil {
		return nil, fmt.Errorf("events: checking outbox order: %w", err)
	}
	cut := o.firstUnsettled(after, ids)
	for i, e := range evs {
		if e.ID > cut {
			return evs[:i], nil
		}
	}
	return evs, nil
}

// firstUnsettled returns the lowest id above after that is absent from the
// sorted ids and was first noticed less than settleTime ago, or the largest
// int if there is none.
func (o *outbox) firstUnsettled(after int, ids []int) int {
	now := o.now()
	o.mu.Lock()
	defer o.mu.Unlock()
	for id, seen := range o.missing {
		if now.Sub(seen) > time.Hour {
			delete(o.missing, id) // long settled; keeps the map small
		}
	}
	cut := int(^uint(0) >> 1)
	want := after + 1
	for _, id := range ids {
		for ; want < id; want++ {
			seen, ok := o.missing[want]
			if !ok {
				seen = now
				o.missing[want] = now
			}
			if now.Sub(seen) < settleTime && want < cut {
				cut = want
			}
		}
		want = id + 1
	}
	return cut
}
