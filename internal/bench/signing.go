package bench

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"
	"time"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/types/known/timestamppb"

	svarsignv1 "github.com/svarsign/svarsign/gen/go/svarsign/v1"
	"github.com/svarsign/svarsign/server/mailbox/citizen"
)

// signers are the citizens who sign. They are apart from people, whom the
// other workloads send to, so that a signer's mailbox page lists only what
// they sign. signers[0] signs in the sign workloads, the others are one
// round-trip client each; an array, so it is a value no code can change.
var signers = [...]string{"15059010023", "15059010104", "15059010295", "15059010376", "15059010457"}

// roundTripClients is the most clients a round trip runs with: "a few
// concurrent clients", one signer each.
const roundTripClients = len(signers) - 1

// pollEvery is how often a client looks again for what it waits on: the
// shipment in the citizen's mailbox, the signed document in the sender's
// Inbox. A round trip waits twice, so its figures carry up to twice this
// (once on average) of waiting that is the bench's, not the server's;
// polling finer would load the server it measures.
const pollEvery = 20 * time.Millisecond

// stepTimeout bounds one signing or round trip, so that a server that never
// delivers fails the run instead of hanging it.
const stepTimeout = 2 * time.Minute

// signingRequest sends doc to the person nin with a signing order for it:
// an authenticated signature, the type public senders default to.
func signingRequest(nin string, doc *svarsignv1.DocumentSpec) *svarsignv1.SendShipmentRequest {
	return &svarsignv1.SendShipmentRequest{
		Title: "Leiekontrakt til signering",
		Recipient: &svarsignv1.Recipient{
			Identity: &svarsignv1.Recipient_NationalIdentityNumber{NationalIdentityNumber: nin},
			Name:     "Kari Nordmann",
		},
		Documents: []*svarsignv1.DocumentSpec{doc},
		SigningOrder: &svarsignv1.SigningOrder{
			SignatureType: svarsignv1.SignatureType_SIGNATURE_TYPE_AUTHENTICATED,
			Deadline:      timestamppb.New(time.Now().Add(14 * 24 * time.Hour)),
		},
	}
}

// signInline is signingRequest with the small PDF inline.
func (c *clients) signInline(nin string) *svarsignv1.SendShipmentRequest {
	return signingRequest(nin, &svarsignv1.DocumentSpec{FileName: "kontrakt.pdf", MimeType: "application/pdf", Content: c.pdf, Sign: true})
}

// seedSigning sends the shipments with signing orders that
// get-signing-order reads, once.
func (c *clients) seedSigning(ctx context.Context) error {
	if len(c.orders) > 0 {
		return nil
	}
	for i := range seedShipments {
		resp, err := c.grpc[0].SendShipment(ctx, connect.NewRequest(c.signInline(people[i%len(people)])))
		if err != nil {
			return err
		}
		c.orders = append(c.orders, resp.Msg.GetShipment().GetId())
	}
	return nil
}

func (c *clients) getSigningOrder(ctx context.Context, n, i int) error {
	id := c.orders[(n*7+i)%len(c.orders)]
	resp, err := c.signing[n].GetSigningOrder(ctx, connect.NewRequest(&svarsignv1.GetSigningOrderRequest{ShipmentId: id}))
	if err != nil {
		return err
	}
	if got := resp.Msg.GetShipmentId(); got != id || resp.Msg.GetSigningOrder().GetStatus() == svarsignv1.SigningStatus_SIGNING_STATUS_UNSPECIFIED {
		return fmt.Errorf("GetSigningOrder %s answered shipment %q with order %v", id, got, resp.Msg.GetSigningOrder())
	}
	return nil
}

// sendUploaded sends pdf to nin for signing the SvarUt way for large
// documents, as client n: reserve an id, stream the bytes, send. It returns
// the shipment id and the stored document.
func (c *clients) sendUploaded(ctx context.Context, n int, nin string, pdf []byte) (string, *svarsignv1.Document, error) {
	start, err := c.grpc[n].StartShipment(ctx, connect.NewRequest(&svarsignv1.StartShipmentRequest{}))
	if err != nil {
		return "", nil, fmt.Errorf("StartShipment: %w", err)
	}
	id := start.Msg.GetShipmentId()
	size := int64(len(pdf))
	doc, err := c.uploadStream(ctx, n, id, "kontrakt.pdf", "application/pdf", size, func(i int64) []byte {
		return pdf[i*chunkSize : min((i+1)*chunkSize, size)]
	})
	if err != nil {
		return "", nil, fmt.Errorf("UploadDocument: %w", err)
	}
	req := signingRequest(nin, &svarsignv1.DocumentSpec{FileName: "kontrakt.pdf", Sign: true})
	req.ShipmentId = id
	if _, err := c.grpc[n].SendShipment(ctx, connect.NewRequest(req)); err != nil {
		return "", nil, fmt.Errorf("SendShipment: %w", err)
	}
	return id, doc, nil
}

// awaitReturn waits, as client n, until the signed document of shipment id
// is in the sender's Inbox (ListIncoming) and returns the return
// shipment's id.
func (c *clients) awaitReturn(ctx context.Context, n int, id string) (string, error) {
	for {
		token := ""
		for {
			resp, err := c.grpc[n].ListIncoming(ctx, connect.NewRequest(&svarsignv1.ListIncomingRequest{PageSize: 50, PageToken: token}))
			if err != nil {
				return "", fmt.Errorf("ListIncoming: %w", err)
			}
			for _, sh := range resp.Msg.GetShipments() {
				if sh.GetInReplyTo() == id {
					return sh.GetId(), nil
				}
			}
			if token = resp.Msg.GetNextPageToken(); token == "" {
				break
			}
		}
		select {
		case <-ctx.Done():
			return "", fmt.Errorf("the signed document of %s never reached the Inbox: %w", id, ctx.Err())
		case <-time.After(pollEvery):
		}
	}
}

// acknowledge takes an incoming shipment out of the Inbox, as the sender's
// system does once it has it; this keeps the Inbox the others poll short.
func (c *clients) acknowledge(ctx context.Context, n int, id string) error {
	_, err := c.grpc[n].AcknowledgeIncoming(ctx, connect.NewRequest(&svarsignv1.AcknowledgeIncomingRequest{Id: id}))
	if err != nil {
		return fmt.Errorf("AcknowledgeIncoming: %w", err)
	}
	return nil
}

// citizen is a browser logged in as nin through the simulated ID-porten.
func (r *run) citizen(ctx context.Context, nin string) (*citizen.Browser, error) {
	b := citizen.New(r.srv.url)
	b.SetPoll(pollEvery)
	if err := b.Login(ctx, nin, "Kari Nordmann", 3); err != nil {
		return nil, fmt.Errorf("citizen %s logging in: %w", nin, err)
	}
	return b, nil
}

// sign measures signing a PDF of the workload's size: the citizen's request
// that makes the signature, from the browser's side, beside SHA-256 of the
// same bytes in this process, interleaved. Sending, delivery and the
// ceremony's pages before it are not timed; the return to the sender after
// it is awaited, untimed, so that each signing is complete.
func (r *run) sign(ctx context.Context, w string) ([]Result, error) {
	var mib int64
	if _, err := fmt.Sscanf(w, "sign-%dmib", &mib); err != nil {
		return nil, fmt.Errorf("no size in the workload's name: %w", err)
	}
	pdf := makePDF(r.docSize(mib << 20))
	b, err := r.citizen(ctx, signers[0])
	if err != nil {
		return nil, err
	}
	var signed, hashed []time.Duration
	var peak int64
	for i := range r.times(3) {
		err := func() error {
			ctx, cancel := context.WithTimeout(ctx, stepTimeout)
			defer cancel()
			id, doc, err := r.cl.sendUploaded(ctx, 0, signers[0], pdf)
			if err != nil {
				return err
			}
			t0 := time.Now()
			sum := sha256.Sum256(pdf)
			hashed = append(hashed, time.Since(t0))
			if got := doc.GetSha256(); got != hex.EncodeToString(sum[:]) {
				return fmt.Errorf("the server stored a document with SHA-256 %s, not the one sent", got)
			}
			if err := b.WaitListed(ctx, id); err != nil {
				return err
			}
			ceremony, err := b.Begin(ctx, id)
			if err != nil {
				return fmt.Errorf("starting the ceremony: %w", err)
			}
			r.srv.resetPeakRSS()
			t0 = time.Now()
			if err := ceremony.Sign(ctx); err != nil {
				return fmt.Errorf("signing: %w", err)
			}
			signed = append(signed, time.Since(t0))
			rss, err := r.srv.peakRSS()
			if err != nil {
				return err
			}
			peak = max(peak, rss)
			ret, err := r.cl.awaitReturn(ctx, 0, id)
			if err != nil {
				return err
			}
			return r.cl.acknowledge(ctx, 0, ret)
		}()
		if err != nil {
			return nil, fmt.Errorf("signing %d: %w", i+1, err)
		}
	}
	floor := bounded(floorSHA256(w), int64(len(pdf)), hashed)
	res := bounded(w, int64(len(pdf)), signed)
	res.PeakRSS = peak
	return []Result{floor, res.against(floor)}, nil
}

// roundTrip measures send → the citizen signs at once → the signed document
// is in the sender's Inbox, from a few clients for the run's duration,
// beside its floor: the first step alone, the same send (small PDF inline,
// signing order) from as many clients, to people, whose mailboxes no one
// reads here. Each client is its own citizen, logged in once.
func (r *run) roundTrip(ctx context.Context, w string) ([]Result, error) {
	n := min(r.cfg.Clients, roundTripClients)
	floor, err := r.onServer(ctx, FloorSendSigning, n, func(ctx context.Context, c, i int) error {
		_, err := r.cl.grpc[c].SendShipment(ctx, connect.NewRequest(r.cl.signInline(people[(c+i)%len(people)])))
		return err
	}, nil)
	if err != nil {
		return nil, fmt.Errorf("floor %s: %w", FloorSendSigning, err)
	}
	browsers := make([]*citizen.Browser, n)
	for c := range browsers {
		if browsers[c], err = r.citizen(ctx, signers[1+c]); err != nil {
			return nil, err
		}
	}
	returned := make([]string, n) // client c's last return shipment, which its tidy-up acknowledges
	trip := func(ctx context.Context, c, _ int) error {
		ctx, cancel := context.WithTimeout(ctx, stepTimeout)
		defer cancel()
		resp, err := r.cl.grpc[c].SendShipment(ctx, connect.NewRequest(r.cl.signInline(signers[1+c])))
		if err != nil {
			return fmt.Errorf("SendShipment: %w", err)
		}
		id := resp.Msg.GetShipment().GetId()
		if err := browsers[c].WaitListed(ctx, id); err != nil {
			return err
		}
		if err := browsers[c].Sign(ctx, id); err != nil {
			return fmt.Errorf("signing %s: %w", id, err)
		}
		returned[c], err = r.cl.awaitReturn(ctx, c, id)
		return err
	}
	ack := func(ctx context.Context, c, _ int) error { return r.cl.acknowledge(ctx, c, returned[c]) }

	// A round trip can last longer than the warm-up, which would then hold
	// none; each client makes one, untimed, before the window instead.
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
	)
	for c := range n {
		wg.Go(func() {
			err := trip(ctx, c, 0)
			if err == nil {
				err = ack(ctx, c, 0)
			}
			if err != nil {
				mu.Lock()
				errs = append(errs, fmt.Errorf("client %d, warm-up: %w", c, err))
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	r.srv.resetPeakRSS()
	m, err := measureThen(ctx, n, 0, r.cfg.Duration, trip, ack)
	if err != nil {
		return nil, err
	}
	res := result(w, n, m)
	if res.PeakRSS, err = r.srv.peakRSS(); err != nil {
		return nil, err
	}
	return []Result{floor, res.against(floor)}, nil
}
