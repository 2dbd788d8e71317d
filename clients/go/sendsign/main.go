// Command sendsign is the Go example of a case system (fagsystem) using
// svarsign: it sends a contract to a citizen for signing, waits for the
// signed document to come back to its Inbox, downloads it and acknowledges
// it.
//
//	SVARSIGN_URL=http://127.0.0.1:8080 SVARSIGN_API_KEY=svs_… \
//	  go run ./clients/go/sendsign kontrakt.pdf 14038510070 kontrakt-signert.pdf
//
// It prints "SHIPMENT <id>" once the shipment is sent and "SIGNED <path>"
// when done, and gives up after SVARSIGN_TIMEOUT seconds (default 60).
// It speaks the Connect protocol over plain HTTP/1.1, which covers server
// streams too; connect.WithGRPC() and an HTTP/2 client would work as well.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"time"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/types/known/timestamppb"

	svarsignv1 "github.com/svarsign/svarsign/gen/go/svarsign/v1"
	"github.com/svarsign/svarsign/gen/go/svarsign/v1/svarsignv1connect"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "sendsign:", err)
		os.Exit(1)
	}
}

func run() error {
	if len(os.Args) != 4 {
		return errors.New("usage: sendsign CONTRACT.pdf NATIONAL-IDENTITY-NUMBER SIGNED.pdf (env SVARSIGN_URL, SVARSIGN_API_KEY, SVARSIGN_TIMEOUT)")
	}
	contractPath, person, outPath := os.Args[1], os.Args[2], os.Args[3]
	baseURL := env("SVARSIGN_URL", "http://127.0.0.1:8080")
	key := os.Getenv("SVARSIGN_API_KEY")
	if key == "" {
		return errors.New("SVARSIGN_API_KEY is not set")
	}
	timeout, err := strconv.ParseFloat(env("SVARSIGN_TIMEOUT", "60"), 64)
	if err != nil {
		return fmt.Errorf("SVARSIGN_TIMEOUT: %w", err)
	}
	contract, err := os.ReadFile(contractPath)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Duration(timeout*float64(time.Second)))
	defer cancel()
	client := svarsignv1connect.NewShipmentServiceClient(http.DefaultClient, baseURL,
		connect.WithInterceptors(bearer(key)))

	// Watch before sending: an empty cursor means "from now on", so a
	// signature made right after the send cannot slip past unseen.
	watchCtx, stopWatch := context.WithCancel(ctx)
	defer stopWatch()
	events, watchErr := watchEvents(watchCtx, client)

	resp, err := client.SendShipment(ctx, connect.NewRequest(&svarsignv1.SendShipmentRequest{
		Title:        "Leiekontrakt",
		SenderSystem: "sendsign (Go example)",
		Recipient: &svarsignv1.Recipient{
			Identity: &svarsignv1.Recipient_NationalIdentityNumber{NationalIdentityNumber: person},
		},
		Documents: []*svarsignv1.DocumentSpec{
			{FileName: "kontrakt.pdf", MimeType: "application/pdf", Content: contract, Sign: true},
			{FileName: "vedlegg.txt", MimeType: "text/plain", Content: []byte("Husordensregler for Storgata 1.\n")},
		},
		SigningOrder: &svarsignv1.SigningOrder{
			SignatureType: svarsignv1.SignatureType_SIGNATURE_TYPE_AUTHENTICATED,
			Deadline:      timestamppb.New(time.Now().Add(14 * 24 * time.Hour)),
		},
	}))
	if err != nil {
		return fmt.Errorf("send: %w", err)
	}
	id := resp.Msg.GetShipment().GetId()
	fmt.Println("SHIPMENT", id) // os.Stdout is unbuffered: the line is out now

	if err := waitSigned(ctx, events, watchErr, id); err != nil {
		return err
	}
	stopWatch()
	reply, err := findReply(ctx, client, id)
	if err != nil {
		return err
	}
	if err := download(ctx, client, reply, outPath); err != nil {
		return err
	}
	// Acknowledge only once the file is safely written (kvitterMottak):
	// until then the shipment stays in the Inbox for a retry.
	if _, err := client.AcknowledgeIncoming(ctx, connect.NewRequest(&svarsignv1.AcknowledgeIncomingRequest{Id: reply.GetId()})); err != nil {
		return fmt.Errorf("acknowledge: %w", err)
	}
	fmt.Println("SIGNED", outPath)
	return nil
}

// watchEvents streams the organisation's events. The call runs in its own
// goroutine because a connect-go server stream returns only once the server
// sends its headers, which comes with the first event. How the stream ended
// is on the error channel by the time events closes. Cancelling ctx ends it;
// Close would wait for an end that never comes.
func watchEvents(ctx context.Context, client svarsignv1connect.ShipmentServiceClient) (<-chan *svarsignv1.WatchEventsResponse, <-chan error) {
	events, errc := make(chan *svarsignv1.WatchEventsResponse), make(chan error, 1)
	go func() {
		defer close(events)
		watch, err := client.WatchEvents(ctx, connect.NewRequest(&svarsignv1.WatchEventsRequest{}))
		if err != nil {
			errc <- err
			return
		}
		for watch.Receive() {
			select {
			case events <- watch.Msg():
			case <-ctx.Done():
				errc <- ctx.Err()
				return
			}
		}
		errc <- watch.Err()
	}()
	return events, errc
}

// waitSigned returns once the event stream says shipment id is signed, or at
// once if the server has no event stream, leaving the wait to findReply's
// polling.
func waitSigned(ctx context.Context, events <-chan *svarsignv1.WatchEventsResponse, watchErr <-chan error, id string) error {
	for ev := range events {
		if ev.GetShipmentId() != id {
			continue
		}
		switch s := ev.GetSigningStatus(); s {
		case svarsignv1.SigningStatus_SIGNING_STATUS_SIGNED:
			return nil
		case svarsignv1.SigningStatus_SIGNING_STATUS_REJECTED_BY_RECIPIENT, svarsignv1.SigningStatus_SIGNING_STATUS_EXPIRED,
			svarsignv1.SigningStatus_SIGNING_STATUS_REJECTED_BY_SERVICE, svarsignv1.SigningStatus_SIGNING_STATUS_CANCELLED:
			return fmt.Errorf("shipment %s will not be signed: %s (%s)", id, s, ev.GetText())
		}
	}
	err := <-watchErr
	if ctx.Err() != nil {
		return fmt.Errorf("waiting for the signature: %w", ctx.Err())
	}
	if connect.CodeOf(err) == connect.CodeUnimplemented {
		fmt.Fprintln(os.Stderr, "sendsign: server has no event stream; polling the Inbox")
		return nil
	}
	return fmt.Errorf("event stream: %w", err)
}

// findReply polls the Inbox, with backoff, for the return shipment that
// answers id. After the SIGNED event it is usually there already: the
// return is queued work that follows the signature within moments.
func findReply(ctx context.Context, client svarsignv1connect.ShipmentServiceClient, id string) (*svarsignv1.Shipment, error) {
	delay := 200 * time.Millisecond
	for {
		req := &svarsignv1.ListIncomingRequest{}
		for {
			resp, err := client.ListIncoming(ctx, connect.NewRequest(req))
			if err != nil {
				return nil, fmt.Errorf("list incoming: %w", err)
			}
			for _, s := range resp.Msg.GetShipments() {
				if s.GetInReplyTo() == id {
					return s, nil
				}
			}
			if req.PageToken = resp.Msg.GetNextPageToken(); req.PageToken == "" {
				break
			}
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("waiting for the signed document: %w", ctx.Err())
		case <-time.After(delay):
		}
		delay = min(2*delay, 5*time.Second)
	}
}

// download streams the return shipment's PDF (the signed contract; the
// other document is the evidence JSON) to path.
func download(ctx context.Context, client svarsignv1connect.ShipmentServiceClient, reply *svarsignv1.Shipment, path string) error {
	var doc *svarsignv1.Document
	for _, d := range reply.GetDocuments() {
		if d.GetMimeType() == "application/pdf" {
			doc = d
		}
	}
	if doc == nil {
		return fmt.Errorf("return shipment %s has no PDF", reply.GetId())
	}
	stream, err := client.DownloadDocument(ctx, connect.NewRequest(&svarsignv1.DownloadDocumentRequest{ShipmentId: reply.GetId(), DocumentId: doc.GetId()}))
	if err != nil {
		return err
	}
	defer stream.Close()
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	n := int64(0)
	for stream.Receive() {
		m, err := f.Write(stream.Msg().GetChunk())
		n += int64(m)
		if err != nil {
			f.Close()
			return err
		}
	}
	if err := stream.Err(); err != nil {
		f.Close()
		return fmt.Errorf("download: %w", err)
	}
	if n != doc.GetSizeBytes() {
		f.Close()
		return fmt.Errorf("download: got %d bytes, want %d: %w", n, doc.GetSizeBytes(), io.ErrUnexpectedEOF)
	}
	return f.Close()
}

// bearer sends the API key with every call, unary or streaming.
type bearer string

func (b bearer) WrapUnary(next connect.UnaryFunc) connect.UnaryFunc {
	return func(ctx context.Context, req connect.AnyRequest) (connect.AnyResponse, error) {
		req.Header().Set("Authorization", "Bearer "+string(b))
		return next(ctx, req)
	}
}

func (b bearer) WrapStreamingClient(next connect.StreamingClientFunc) connect.StreamingClientFunc {
	return func(ctx context.Context, spec connect.Spec) connect.StreamingClientConn {
		conn := next(ctx, spec)
		conn.RequestHeader().Set("Authorization", "Bearer "+string(b))
		return conn
	}
}

func (bearer) WrapStreamingHandler(next connect.StreamingHandlerFunc) connect.StreamingHandlerFunc {
	return next
}

func env(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}
