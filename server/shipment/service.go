// Package shipment implements ShipmentService: sending shipments and
// following them. It validates, calls storage and the job queue, and maps
// errors to Connect codes; the rules themselves live in server/domain.
package shipment

import (
	"cmp"
	"context"
	"io"
	"log/slog"
	"time"

	"github.com/svarsign/svarsign/gen/go/svarsign/v1/svarsignv1connect"
	"github.com/svarsign/svarsign/server/auth"
	"github.com/svarsign/svarsign/server/database"
	"github.com/svarsign/svarsign/server/domain"
	"github.com/svarsign/svarsign/server/jobs"
	"github.com/svarsign/svarsign/server/store"
)

// Service implements svarsignv1connect.ShipmentServiceHandler.
type Service struct {
	svarsignv1connect.UnimplementedShipmentServiceHandler

	db     *database.DB
	commit committer
	blobs  *store.Blobs
	jobs   jobs.Enqueuer
	log    *slog.Logger
	now    func() time.Time
	maxDoc int64
	// maxShipment bounds the documents of one shipment in all.
	maxShipment int64
	checkPDF    func(io.ReaderAt, int64) error
	events      EventWatcher
}

// committer runs fn in a transaction: *database.DB one at a time,
// *database.Batcher many callers' in one.
type committer interface {
	InTx(ctx context.Context, fn func(ctx context.Context, tx *database.Tx) error) error
}

// Config is what the service needs. DB, Blobs and Jobs are required.
type Config struct {
	DB *database.DB
	// Batcher, if set, commits sends in groups; without it each send
	// commits alone.
	Batcher *database.Batcher
	Blobs   *store.Blobs
	Jobs    jobs.Enqueuer
	// CheckPDF decides whether a document can be signed (parses as PDF,
	// not encrypted); the signing provider supplies it. Without it no
	// document is accepted for signing.
	CheckPDF func(io.ReaderAt, int64) error
	// Events serves WatchEvents; without it WatchEvents is Unimplemented.
	Events EventWatcher
	// Logger receives the errors the service hides from callers; default
	// slog.Default().
	Logger *slog.Logger
	// Now is the service's clock: send, upload and acknowledgement times
	// and the signing deadline rules. Default time.Now.
	Now func() time.Time
	// MaxDocumentBytes bounds one uploaded document; default
	// domain.MaxDocumentBytes.
	MaxDocumentBytes int64
	// MaxShipmentBytes bounds the documents of one shipment in all;
	// default domain.MaxShipmentBytes.
	MaxShipmentBytes int64
}

// New returns the service.
func New(cfg Config) *Service {
	s := &Service{
		db: cfg.DB, commit: cfg.DB, blobs: cfg.Blobs, jobs: cfg.Jobs, checkPDF: cfg.CheckPDF, events: cfg.Events,
		log: cmp.Or(cfg.Logger, slog.Default()), now: func() time.Time { return time.Now().UTC().Truncate(time.Microsecond) },
		maxDoc: domain.MaxDocumentBytes, maxShipment: domain.MaxShipmentBytes,
	}
	if cfg.Batcher != nil {
		s.commit = cfg.Batcher
	}
	if cfg.Now != nil {
		// Stored times are UTC (see ent/schema/time.go), whatever the
		// clock's zone.
		s.now = func() time.Time { return cfg.Now().UTC().Truncate(time.Microsecond) }
	}
	if cfg.MaxDocumentBytes > 0 {
		s.maxDoc = cfg.MaxDocumentBytes
	}
	if cfg.MaxShipmentBytes > 0 {
		s.maxShipment = cfg.MaxShipmentBytes
	}
	return s
}

var _ svarsignv1connect.ShipmentServiceHandler = (*Service)(nil)

// caller returns the authenticated organisation; the auth interceptor runs
// before every handler, so a missing caller is a wiring bug.
func caller(ctx context.Context) auth.Caller {
	c, ok := auth.FromContext(ctx)
	if !ok {
		panic("shipment: handler reached without the auth interceptor")
	}
	return c
}
