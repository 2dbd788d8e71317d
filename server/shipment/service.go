// Package shipment implements ShipmentService: sending shipments and
// following them. It validates, calls storage and the job queue, and maps
// errors to Connect codes; the rules themselves live in server/domain.
package shipment

import (
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

// Option configures a Service.
type Option func(*Service)

// WithClock replaces time.Now, for tests.
func WithClock(now func() time.Time) Option { return func(s *Service) { s.now = now } }

// WithMaxDocumentSize bounds one uploaded document (default
// domain.MaxDocumentBytes); n <= 0 keeps the default.
func WithMaxDocumentSize(n int64) Option {
	return func(s *Service) {
		if n > 0 {
			s.maxDoc = n
		}
	}
}

// WithMaxShipmentSize bounds the documents of one shipment in all (default
// domain.MaxShipmentBytes); n <= 0 keeps the default.
func WithMaxShipmentSize(n int64) Option {
	return func(s *Service) {
		if n > 0 {
			s.maxShipment = n
		}
	}
}

// New returns the service. checkPDF decides whether a document can be
// signed (parses as PDF, not encrypted); the signing provider supplies it.
func New(db *database.DB, blobs *store.Blobs, jobs jobs.Enqueuer, checkPDF func(io.ReaderAt, int64) error, log *slog.Logger, opts ...Option) *Service {
	s := &Service{db: db, blobs: blobs, jobs: jobs, checkPDF: checkPDF, log: log, now: func() time.Time { return time.Now().UTC() },
		maxDoc: domain.MaxDocumentBytes, maxShipment: domain.MaxShipmentBytes}
	for _, o := range opts {
		o(s)
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
