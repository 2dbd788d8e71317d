// Package demo runs svarsign's whole round trip on the embedded default and
// tells what happened, step by step: a case system sends a contract for
// signing, the citizen signs in the mailbox, and the signed PDF comes back
// to the sender's Inbox, where it is verified. `svarsign demo` runs it.
package demo

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"connectrpc.com/connect"
	"github.com/go-pdf/fpdf"
	"google.golang.org/protobuf/types/known/timestamppb"

	svarsignv1 "github.com/svarsign/svarsign/gen/go/svarsign/v1"
	"github.com/svarsign/svarsign/gen/go/svarsign/v1/svarsignv1connect"
	"github.com/svarsign/svarsign/server/admin"
	"github.com/svarsign/svarsign/server/app"
	"github.com/svarsign/svarsign/server/auth"
	"github.com/svarsign/svarsign/server/mailbox/citizen"
	"github.com/svarsign/svarsign/server/pki"
	"github.com/svarsign/svarsign/server/verify"
)

// The demo's cast: a municipality and a citizen with a synthetic number.
const (
	orgNumber   = "123456785"
	orgName     = "Demo kommune"
	citizenNIN  = "14038510070"
	citizenName = "Kari Nordmann"
	stepTimeout = 30 * time.Second
)

// Config says where the demo's server listens and keeps its data.
type Config struct {
	// Addr to listen on; if it is taken, a free loopback port is used.
	Addr string
	// DataDir for the demo's database, blobs and CA; "" makes a new temporary folder.
	DataDir string
	// KeepRunning serves on after the round trip until ctx ends, so a
	// person can try the mailbox by hand.
	KeepRunning bool
	Out         io.Writer
}

// Run runs the round trip and returns an error if any step fails.
func Run(ctx context.Context, cfg Config) error {
	out := cfg.Out
	start := time.Now()
	step := func(format string, args ...any) {
		fmt.Fprintf(out, "[%7.3fs] %s\n", time.Since(start).Seconds(), fmt.Sprintf(format, args...))
	}
	if cfg.DataDir == "" {
		dir, err := os.MkdirTemp("", "svarsign-demo-")
		if err != nil {
			return err
		}
		cfg.DataDir = dir
	}
	addr := cfg.Addr
	if ln, err := net.Listen("tcp", addr); err != nil {
		addr = "127.0.0.1:0"
	} else {
		ln.Close()
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	// The citizen logs in through the simulated ID-porten; the demo is a
	// test system by definition.
	a, err := app.Open(ctx, app.Config{
		Addr: addr, DataDir: cfg.DataDir, JobPollInterval: 50 * time.Millisecond,
		Logger:         slog.New(slog.NewTextHandler(io.Discard, nil)),
		SimulatedLogin: true,
	})
	if err != nil {
		return fmt.Errorf("starting svarsign: %w", err)
	}
	served := make(chan error, 1)
	go func() { served <- a.Run(ctx) }()
	defer func() {
		cancel()
		<-served
	}()
	step("svarsign runs on %s with SQLite and files in %s", a.URL(), cfg.DataDir)

	if _, err := admin.CreateOrg(ctx, a.DB().Ent, orgNumber, orgName); err != nil {
		return err
	}
	key, err := admin.CreateKey(ctx, a.DB().Ent, orgNumber, "demo")
	if err != nil {
		return err
	}
	step("created organisation %s %q and API key %s", orgNumber, orgName, key.ID)

	contract, err := contractPDF()
	if err != nil {
		return err
	}
	hc := &http.Client{Transport: h2c()}
	auth := connect.WithInterceptors(auth.WithToken(key.Token()))
	ships := svarsignv1connect.NewShipmentServiceClient(hc, a.URL(), connect.WithGRPC(), auth)
	signs := svarsignv1connect.NewSigningServiceClient(hc, a.URL(), connect.WithGRPC(), auth)

	sent, err := ships.SendShipment(ctx, connect.NewRequest(&svarsignv1.SendShipmentRequest{
		Title:        "Leiekontrakt for kommunal bolig",
		SenderSystem: "svarsign demo",
		ExternalRef:  "demo-" + time.Now().Format("150405"),
		Recipient: &svarsignv1.Recipient{
			Identity: &svarsignv1.Recipient_NationalIdentityNumber{NationalIdentityNumber: citizenNIN},
			Name:     citizenName,
		},
		Documents: []*svarsignv1.DocumentSpec{
			{FileName: "leiekontrakt.pdf", MimeType: "application/pdf", Content: contract, Sign: true},
			{FileName: "husordensregler.txt", MimeType: "text/plain", Content: []byte("Ro i bygget etter kl. 23.\n")},
		},
		RequireLevel4: true,
		SigningOrder: &svarsignv1.SigningOrder{
			SignatureType: svarsignv1.SignatureType_SIGNATURE_TYPE_AUTHENTICATED,
			Deadline:      timestamppb.New(time.Now().Add(14 * 24 * time.Hour)),
		},
	}))
	if err != nil {
		return fmt.Errorf("sending: %w", err)
	}
	id := sent.Msg.GetShipment().GetId()
	step("sent shipment %s over gRPC: contract (to sign, level 4, authenticated) + attachment", id)

	if err := waitFor(ctx, func() (bool, error) {
		r, err := ships.GetShipment(ctx, connect.NewRequest(&svarsignv1.GetShipmentRequest{Id: id}))
		return r.Msg.GetShipment().GetStatus() == svarsignv1.ShipmentStatus_SHIPMENT_STATUS_NOTIFIED, err
	}); err != nil {
		return fmt.Errorf("waiting for delivery: %w", err)
	}
	step("delivered to the citizen's mailbox: RECEIVED → ACCEPTED → NOTIFIED")

	browser := citizen.New(a.URL())
	sctx, scancel := context.WithTimeout(ctx, stepTimeout)
	defer scancel()
	if err := browser.Login(sctx, citizenNIN, citizenName, 4); err != nil {
		return fmt.Errorf("citizen login: %w", err)
	}
	if err := browser.WaitListed(sctx, id); err != nil {
		return err
	}
	step("citizen %s logged in (simulated ID-porten, level 4) and sees the shipment", citizenName)
	if err := browser.Sign(sctx, id); err != nil {
		return fmt.Errorf("citizen signing: %w", err)
	}
	step("citizen opened the shipment, followed the signing link and signed at the provider")

	var ret *svarsignv1.Shipment
	if err := waitFor(ctx, func() (bool, error) {
		r, err := ships.ListIncoming(ctx, connect.NewRequest(&svarsignv1.ListIncomingRequest{}))
		for _, s := range r.Msg.GetShipments() {
			if s.GetInReplyTo() == id {
				ret = s
			}
		}
		return ret != nil, err
	}); err != nil {
		return fmt.Errorf("waiting for the signed document: %w", err)
	}
	step("the signed document came back by itself: incoming shipment %s in the Inbox", ret.GetId())

	signedPath := filepath.Join(cfg.DataDir, ret.GetDocuments()[0].GetFileName())
	if err := download(ctx, ships, ret.GetId(), ret.GetDocuments()[0].GetId(), signedPath); err != nil {
		return err
	}
	evidencePath := filepath.Join(cfg.DataDir, ret.GetDocuments()[1].GetFileName())
	if err := download(ctx, ships, ret.GetId(), ret.GetDocuments()[1].GetId(), evidencePath); err != nil {
		return err
	}
	step("downloaded %s and %s", signedPath, evidencePath)

	roots, err := pki.LoadPool(a.CARoot())
	if err != nil {
		return err
	}
	signed, err := os.ReadFile(signedPath)
	if err != nil {
		return err
	}
	rep, err := verify.File(bytes.NewReader(signed), int64(len(signed)), roots)
	if err != nil {
		return fmt.Errorf("verifying: %w", err)
	}
	if !rep.OK() {
		rep.Write(out, signedPath)
		return errors.New("the signed document does not verify")
	}
	sig := rep.Signatures[len(rep.Signatures)-1]
	step("verified: PAdES %s signature by %q, time-stamped %s, chain to the local CA", sig.SubFilter, sig.Name, sig.TimeStamp.Format(time.RFC3339))

	if _, err := ships.AcknowledgeIncoming(ctx, connect.NewRequest(&svarsignv1.AcknowledgeIncomingRequest{Id: ret.GetId()})); err != nil {
		return fmt.Errorf("acknowledging: %w", err)
	}
	hist, err := signs.GetSigningHistory(ctx, connect.NewRequest(&svarsignv1.GetSigningHistoryRequest{ShipmentId: id}))
	if err != nil {
		return err
	}
	step("acknowledged the incoming shipment; the signing history:")
	for _, e := range hist.Msg.GetEvents() {
		fmt.Fprintf(out, "            %s  %-30s %s\n", e.GetTime().AsTime().Format("15:04:05.000"), e.GetStatus(), e.GetText())
	}

	fmt.Fprintf(out, "\nDone: a verified signed document is at %s\n", signedPath)
	fmt.Fprintf(out, "Check it yourself:  go run ./cmd/svarsign verify --data %s %s\n", cfg.DataDir, signedPath)
	fmt.Fprintf(out, "Mailbox (simulated ID-porten; log in as %s): %s/mailbox/\n", citizenNIN, a.URL())
	fmt.Fprintf(out, "API key for this organisation: %s\n", key.Token())
	if cfg.KeepRunning {
		fmt.Fprintln(out, "svarsign keeps running for you to try it by hand; press Ctrl-C to stop.")
		select {
		case <-ctx.Done():
		case err := <-served:
			served <- err
		}
	}
	return nil
}

// waitFor polls cond until it holds, for at most stepTimeout.
func waitFor(ctx context.Context, cond func() (bool, error)) error {
	deadline := time.Now().Add(stepTimeout)
	for {
		ok, err := cond()
		if err != nil {
			return err
		}
		if ok {
			return nil
		}
		if time.Now().After(deadline) {
			return errors.New("timed out")
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func download(ctx context.Context, c svarsignv1connect.ShipmentServiceClient, shipmentID, docID, path string) error {
	stream, err := c.DownloadDocument(ctx, connect.NewRequest(&svarsignv1.DownloadDocumentRequest{ShipmentId: shipmentID, DocumentId: docID}))
	if err != nil {
		return fmt.Errorf("downloading %s: %w", path, err)
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	for stream.Receive() {
		if _, err := f.Write(stream.Msg().GetChunk()); err != nil {
			f.Close()
			return err
		}
	}
	if err := stream.Err(); err != nil {
		f.Close()
		return fmt.Errorf("downloading %s: %w", path, err)
	}
	return f.Close()
}

// contractPDF makes the document to sign.
func contractPDF() ([]byte, error) {
	doc := fpdf.New("P", "mm", "A4", "")
	tr := doc.UnicodeTranslatorFromDescriptor("")
	doc.AddPage()
	doc.SetFont("Helvetica", "B", 18)
	doc.Cell(0, 12, tr("Leiekontrakt for kommunal bolig"))
	doc.Ln(16)
	doc.SetFont("Helvetica", "", 12)
	for _, line := range []string{
		"Utleier: " + orgName + " (org.nr. " + orgNumber + ")",
		"Leietaker: " + citizenName,
		"Bolig: Storgata 1, 0155 Oslo",
		"Husleie: kr 9 500 per måned, betales forskuddsvis.",
		"Leieforholdet gjelder fra 1. januar og løper til det sies opp.",
		"Husordensreglene i vedlegget er en del av avtalen.",
	} {
		doc.Cell(0, 8, tr(line))
		doc.Ln(8)
	}
	var buf bytes.Buffer
	if err := doc.Output(&buf); err != nil {
		return nil, fmt.Errorf("making the contract PDF: %w", err)
	}
	return buf.Bytes(), nil
}

// h2c speaks cleartext HTTP/2, as gRPC needs without TLS.
func h2c() *http.Transport {
	tr := &http.Transport{Protocols: new(http.Protocols)}
	tr.Protocols.SetUnencryptedHTTP2(true)
	return tr
}
