// Package events delivers the organisation's event outbox (ent.Event, one
// row per status or signing change, written in the transaction of the
// change) to its consumers: the WatchEvents server stream and webhooks.
//
// # Order and cursors
//
// An event's id is its position. Both consumers read an organisation's events
// with id greater than the last one they handled, in id order, so a shipment's
// events arrive in the order they were committed. A WatchEvents cursor is an
// opaque encoding of that id: a client that stores the last cursor it saw
// resumes after a disconnect without losing or repeating anything.
//
// Ids are allocated when a row is inserted, not when its transaction
// commits. On SQLite writers are serialised (BEGIN IMMEDIATE), so commit
// order is id order. On PostgreSQL a transaction can commit an id below one
// already visible, or roll back and leave a hole for ever. The reader here
// therefore stops before a missing id until it shows up or has stayed
// missing for settleTime, after which it counts as rolled back.
//
// # Webhooks
//
// Each delivery is an HTTP POST of one event as JSON:
//
//	{"event_id": 42, "cursor": "…", "shipment_id": "…", "time": "2025-01-02T03:04:05Z",
//	 "shipment_status": "NOTIFIED", "signing_status": "WAITING", "text": "…"}
//
// signing_status is "" for shipments without a signing order. Headers:
//
//	Svarsign-Event-Id:   42
//	Svarsign-Timestamp:  1735787045             (unix seconds when sent)
//	Svarsign-Signature:  v1=<hex HMAC-SHA256(secret, timestamp + "." + body)>
//
// The secret is the one `svarsign admin webhook add` printed. A receiver
// recomputes the HMAC over the timestamp, a dot and the raw body, compares it
// in constant time, and should refuse timestamps far from its clock (say five
// minutes) to limit replays. The "v1=" prefix leaves room for a second scheme
// or key during a rotation.
//
// A 2xx answer counts as delivered; the webhook's delivered_event_id then
// moves past the event, so events go out one at a time in id order. Anything
// else (another status, a timeout after 10 s, a connection error) fails the
// job, and the job queue retries it with a growing backoff; the periodic
// tick enqueues delivery again later in any case. Delivery is at least once:
// if the process dies between a receiver's 2xx and the update of
// delivered_event_id, that event is sent again, so receivers deduplicate by
// Svarsign-Event-Id.
package events
