package events

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/svarsign/svarsign/ent"
	"github.com/svarsign/svarsign/ent/event"
	"github.com/svarsign/svarsign/ent/webhook"
	"github.com/svarsign/svarsign/server/database"
)

// DefaultWebhookInterval is how often webhooks with undelivered events are
// looked for.
const DefaultWebhookInterval = time.Second

// Headers of a webhook delivery; see the package doc.
const (
	HeaderEventID   = "Svarsign-Event-Id"
	HeaderTimestamp = "Svarsign-Timestamp"
	HeaderSignature = "Svarsign-Signature"
)

// WebhookQueue is the job queue deliveries run in (jobs.Config.Queues),
// apart from the work of sending and signing shipments: a receiver that is
// slow to answer, or never answers, holds up only other deliveries.
const WebhookQueue = "webhooks"

// WebhookWorkers is how many deliveries, each to a different webhook, run at
// once in a process.
const WebhookWorkers = 8

const (
	// deliveryTimeout bounds one POST, connection included.
	deliveryTimeout = 10 * time.Second
	// connectTimeout bounds connecting to a receiver, TLS included.
	connectTimeout = 5 * time.Second
	// maxResponseHeaderBytes bounds the headers of a receiver's answer; its
	// body is read only up to maxResponseBodyBytes.
	maxResponseHeaderBytes = 64 << 10
	maxResponseBodyBytes   = 64 << 10
	// jobBudget is how long one delivery job keeps sending before it
	// leaves the rest to the next one, well inside River's job timeout.
	jobBudget = 30 * time.Second
	// maxAttempts is how often one delivery job is tried. With the backoff
	// of NextRetry that is about a minute and a half; after that the job
	// is discarded and the next tick starts a fresh one, so a receiver that
	// is down for days still gets everything once it is back.
	maxAttempts = 20
)

// Payload is the JSON body of a webhook delivery.
type Payload struct {
	EventID        int       `json:"event_id"`
	Cursor         string    `json:"cursor"`
	ShipmentID     string    `json:"shipment_id"`
	Time           time.Time `json:"time"`
	ShipmentStatus string    `json:"shipment_status"`
	SigningStatus  string    `json:"signing_status"`
	Text           string    `json:"text"`
}

// Sign returns the Svarsign-Signature header value for body sent at
// timestamp (unix seconds) with secret.
func Sign(secret string, timestamp int64, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(strconv.FormatInt(timestamp, 10)))
	mac.Write([]byte("."))
	mac.Write(body)
	return "v1=" + hex.EncodeToString(mac.Sum(nil))
}

// DeliverWebhookArgs sends a webhook its undelivered events.
type DeliverWebhookArgs struct {
	WebhookID int `json:"webhook_id"`
}

// Kind implements river.JobArgs.
func (DeliverWebhookArgs) Kind() string { return "deliver_webhook" }

// InsertOpts makes the job unique per webhook while one is waiting,
// running or waiting to retry, so a webhook never has two deliveries in
// flight, which could send events twice or out of order. Retryable is
// included beyond River's required states for that reason: otherwise a
// tick during a retry's backoff would start a second delivery.
func (DeliverWebhookArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{
		Queue:       WebhookQueue,
		MaxAttempts: maxAttempts,
		UniqueOpts: river.UniqueOpts{
			ByArgs: true,
			ByState: []rivertype.JobState{
				rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRetryable,
				rivertype.JobStateRunning, rivertype.JobStateScheduled,
			},
		},
	}
}

// WebhookTickArgs enqueues a delivery for every enabled webhook that has
// events to send.
type WebhookTickArgs struct{}

// Kind implements river.JobArgs.
func (WebhookTickArgs) Kind() string { return "enqueue_webhook_deliveries" }

// InsertOpts makes the tick unique while one waits or runs: when ticks
// take longer than the interval (a slow database, many webhooks), they
// would otherwise pile up in the default queue ahead of the shipments'
// work. The next interval inserts a fresh one.
func (WebhookTickArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{
		UniqueOpts: river.UniqueOpts{
			ByArgs: true,
			ByState: []rivertype.JobState{
				rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRetryable,
				rivertype.JobStateRunning, rivertype.JobStateScheduled,
			},
		},
	}
}

// Deliverer sends the outbox to webhooks from the job queue.
type Deliverer struct {
	db       *database.DB
	client   *http.Client
	timeout  time.Duration // one delivery, from posting to reading the answer
	interval time.Duration
	outbox   *outbox
}

// NewDeliverer returns a Deliverer that looks for work every interval
// (DefaultWebhookInterval if zero) and posts with client (NewClient() if
// nil). A delivery takes at most client.Timeout, or 10 s if the client
// sets none.
func NewDeliverer(db *database.DB, client *http.Client, interval time.Duration) *Deliverer {
	if client == nil {
		client = NewClient()
	}
	if interval <= 0 {
		interval = DefaultWebhookInterval
	}
	timeout := client.Timeout
	if timeout <= 0 {
		timeout = deliveryTimeout
	}
	return &Deliverer{db: db, client: client, timeout: timeout, interval: interval, outbox: newOutbox(db)}
}

// NewClient returns the client deliveries are posted with by default. A
// receiver is someone else's server, so what it can make a delivery cost
// is bounded: the whole exchange takes at most 10 s (connecting at most
// 5 s), its headers at most 64 KiB, and no redirect is followed (it would
// send the signed event to an address nobody registered; a 3xx is a failed
// delivery).
func NewClient() *http.Client {
	return &http.Client{
		Timeout: deliveryTimeout,
		Transport: &http.Transport{
			Proxy:                  http.ProxyFromEnvironment,
			DialContext:            (&net.Dialer{Timeout: connectTimeout, KeepAlive: 30 * time.Second}).DialContext,
			TLSHandshakeTimeout:    connectTimeout,
			ResponseHeaderTimeout:  deliveryTimeout,
			MaxResponseHeaderBytes: maxResponseHeaderBytes,
			MaxIdleConnsPerHost:    2,
			IdleConnTimeout:        90 * time.Second,
			ForceAttemptHTTP2:      true,
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// Register adds the delivery workers to a queue (jobs.Config.Register).
func (d *Deliverer) Register(ws *river.Workers) error {
	if err := river.AddWorkerSafely(ws, &deliverWorker{d: d}); err != nil {
		return err
	}
	return river.AddWorkerSafely(ws, &tickWorker{d: d})
}

// Periodic is the tick that enqueues deliveries (jobs.Config.Periodic).
func (d *Deliverer) Periodic() *river.PeriodicJob {
	return river.NewPeriodicJob(river.PeriodicInterval(d.interval),
		func() (river.JobArgs, *river.InsertOpts) { return WebhookTickArgs{}, nil },
		&river.PeriodicJobOpts{RunOnStart: true})
}

type tickWorker struct {
	river.WorkerDefaults[WebhookTickArgs]
	d *Deliverer
}

func (w *tickWorker) Work(ctx context.Context, _ *river.Job[WebhookTickArgs]) error {
	hooks, err := w.d.db.Ent.Webhook.Query().Where(webhook.Disabled(false)).All(ctx)
	if err != nil {
		return fmt.Errorf("listing webhooks: %w", err)
	}
	client, err := river.ClientFromContextSafely[*sql.Tx](ctx)
	if err != nil {
		return err
	}
	for _, h := range hooks {
		pending, err := w.d.db.Ent.Event.Query().
			Where(event.OrgID(h.OrgID), event.IDGT(h.DeliveredEventID)).Exist(ctx)
		if err != nil {
			return fmt.Errorf("webhook %d: looking for events: %w", h.ID, err)
		}
		if !pending {
			continue
		}
		// A duplicate of a delivery already in flight is skipped by River.
		if _, err := client.Insert(ctx, DeliverWebhookArgs{WebhookID: h.ID}, nil); err != nil {
			return fmt.Errorf("webhook %d: enqueueing delivery: %w", h.ID, err)
		}
	}
	return nil
}

type deliverWorker struct {
	river.WorkerDefaults[DeliverWebhookArgs]
	d *Deliverer
}

// NextRetry retries soon and then less often: 200 ms, 400 ms, … capped at
// 5 s. River's default (attempt⁴ seconds) suits jobs that fail for long;
// a receiver that was briefly down should get its events within seconds.
func (w *deliverWorker) NextRetry(job *river.Job[DeliverWebhookArgs]) time.Time {
	backoff := 5 * time.Second
	if job.Attempt < 6 {
		backoff = min(backoff, 100*time.Millisecond<<job.Attempt)
	}
	return time.Now().Add(backoff)
}

// Work sends the webhook's undelivered events one by one, moving its
// position after each success, until none are left or jobBudget is spent.
func (w *deliverWorker) Work(ctx context.Context, job *river.Job[DeliverWebhookArgs]) error {
	h, err := w.d.db.Ent.Webhook.Get(ctx, job.Args.WebhookID)
	if ent.IsNotFound(err) {
		return nil // removed since it was enqueued
	}
	if err != nil {
		return fmt.Errorf("webhook %d: %w", job.Args.WebhookID, err)
	}
	if h.Disabled {
		return nil
	}
	stop := time.Now().Add(jobBudget)
	for time.Now().Before(stop) {
		evs, err := w.d.outbox.next(ctx, h.OrgID, h.DeliveredEventID, 100)
		if err != nil {
			return fmt.Errorf("webhook %d: %w", h.ID, err)
		}
		if len(evs) == 0 {
			return nil
		}
		for _, e := range evs {
			if err := w.d.post(ctx, h, e); err != nil {
				return fmt.Errorf("webhook %d: event %d: %w", h.ID, e.ID, err)
			}
			// Only forward: a delivery that somehow overlapped this one
			// must not move the position back.
			err := w.d.db.Ent.Webhook.Update().
				Where(webhook.ID(h.ID), webhook.DeliveredEventIDLT(e.ID)).
				SetDeliveredEventID(e.ID).Exec(ctx)
			if err != nil {
				return fmt.Errorf("webhook %d: recording delivery of event %d: %w", h.ID, e.ID, err)
			}
			h.DeliveredEventID = e.ID
		}
	}
	return nil
}

// post sends one event and reports whether the receiver took it (2xx).
func (d *Deliverer) post(ctx context.Context, h *ent.Webhook, e *ent.Event) error {
	body, err := json.Marshal(Payload{
		EventID: e.ID, Cursor: Cursor(e.ID), ShipmentID: e.ShipmentID.String(), Time: e.Time.UTC(),
		ShipmentStatus: string(e.ShipmentStatus), SigningStatus: string(e.SigningStatus), Text: e.Text,
	})
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, d.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, h.URL, bytes.NewReader(body))
	if err != nil {
		return err
	}
	ts := time.Now().Unix()
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "svarsign-webhook/1")
	req.Header.Set(HeaderEventID, strconv.Itoa(e.ID))
	req.Header.Set(HeaderTimestamp, strconv.FormatInt(ts, 10))
	req.Header.Set(HeaderSignature, Sign(h.Secret, ts, body))
	resp, err := d.client.Do(req)
	if err != nil {
		return redactURL(err)
	}
	defer resp.Body.Close()
	// Drain a little so the connection can be reused.
	io.Copy(io.Discard, io.LimitReader(resp.Body, maxResponseBodyBytes))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("receiver answered %s", resp.Status)
	}
	return nil
}

// redactURL drops the query of the URL in a client error: a receiver's
// URL may carry its own access token there, and the error is logged and
// kept with the job. Scheme, host and path still say which webhook failed.
func redactURL(err error) error {
	ue, ok := errors.AsType[*url.Error](err)
	if !ok {
		return err
	}
	if u, perr := url.Parse(ue.URL); perr == nil {
		u.User, u.RawQuery, u.ForceQuery, u.Fragment, u.RawFragment = nil, "", false, "", ""
		ue.URL = u.String()
	} else {
		ue.URL = "(unparsable URL)"
	}
	return ue
}
