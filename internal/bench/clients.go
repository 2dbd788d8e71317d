package bench

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"connectrpc.com/connect"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/protobuf/encoding/protojson"

	svarsignv1 "github.com/svarsign/svarsign/gen/go/svarsign/v1"
	"github.com/svarsign/svarsign/gen/go/svarsign/v1/svarsignv1connect"
	"github.com/svarsign/svarsign/server/auth"
)

// people are valid national identity numbers the shipments go to; an
// array, so it is a value no code can change.
var people = [...]string{"14038510070", "14038510151", "14038510232", "14038510313", "14038510585", "14038510666", "14038510747", "14038510828"}

// seedShipments is how many shipments the reads find: more than a page.
const seedShipments = 60

// clients holds, for each simulated client, its own connections: client c
// uses transports[c], as separate integrators would.
type clients struct {
	url      string
	key      string
	https    []*http.Client // HTTP/1.1 and cleartext HTTP/2
	json     []*http.Client // HTTP/1.1, as JSON callers mostly are
	grpc     []svarsignv1connect.ShipmentServiceClient
	connect  []svarsignv1connect.ShipmentServiceClient
	healthc  []*connect.Client[healthpb.HealthCheckRequest, healthpb.HealthCheckResponse]
	signing  []svarsignv1connect.SigningServiceClient // over gRPC
	doc      []byte
	jsonBody [][]byte // per person
	ids      []string // shipments the reads read
	pdf      []byte   // the small PDF to sign
	orders   []string // shipments with signing orders the reads read
}

func newClients(url, key string, n int) *clients {
	c := &clients{url: url, key: key, doc: bytes.Repeat([]byte("svarsign "), 10<<10/9+1)[:10<<10], pdf: makePDF(10 << 10)}
	for range n {
		tr := &http.Transport{Protocols: new(http.Protocols)}
		tr.Protocols.SetHTTP1(true)
		tr.Protocols.SetUnencryptedHTTP2(true)
		h := &http.Client{Transport: tr}
		c.https = append(c.https, h)
		c.json = append(c.json, &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1}})
		tok := connect.WithInterceptors(auth.WithToken(key))
		c.grpc = append(c.grpc, svarsignv1connect.NewShipmentServiceClient(h, url, tok, connect.WithGRPC()))
		c.connect = append(c.connect, svarsignv1connect.NewShipmentServiceClient(h, url, tok))
		c.signing = append(c.signing, svarsignv1connect.NewSigningServiceClient(h, url, tok, connect.WithGRPC()))
		c.healthc = append(c.healthc, connect.NewClient[healthpb.HealthCheckRequest, healthpb.HealthCheckResponse](
			h, url+"/grpc.health.v1.Health/Check", connect.WithGRPC()))
	}
	for p := range people {
		b, _ := protojson.Marshal(c.sendRequest(p)) // a valid message always marshals
		c.jsonBody = append(c.jsonBody, b)
	}
	return c
}

func (c *clients) close() {
	for _, h := range append(c.https, c.json...) {
		h.CloseIdleConnections()
	}
}

func (c *clients) sendRequest(i int) *svarsignv1.SendShipmentRequest {
	return &svarsignv1.SendShipmentRequest{
		Title: "Vedtak",
		Recipient: &svarsignv1.Recipient{
			Identity: &svarsignv1.Recipient_NationalIdentityNumber{NationalIdentityNumber: people[i%len(people)]},
			Name:     "Kari Nordmann",
			PostalAddress: &svarsignv1.PostalAddress{
				Lines: []string{"Storgata 1"}, PostalCode: "0155", PostalArea: "Oslo",
			},
		},
		Documents: []*svarsignv1.DocumentSpec{{FileName: "vedtak.txt", MimeType: "text/plain", Content: c.doc}},
	}
}

func (c *clients) health(ctx context.Context, n, _ int) error {
	resp, err := c.healthc[n].CallUnary(ctx, connect.NewRequest(&healthpb.HealthCheckRequest{}))
	if err != nil {
		return err
	}
	if s := resp.Msg.GetStatus(); s != healthpb.HealthCheckResponse_SERVING {
		return fmt.Errorf("health check: %v", s)
	}
	return nil
}

// seed sends the shipments the reads read, once.
func (c *clients) seed(ctx context.Context) error {
	if len(c.ids) > 0 {
		return nil
	}
	for i := range seedShipments {
		resp, err := c.grpc[0].SendShipment(ctx, connect.NewRequest(c.sendRequest(i)))
		if err != nil {
			return err
		}
		c.ids = append(c.ids, resp.Msg.GetShipment().GetId())
	}
	return nil
}

func (c *clients) get(ctx context.Context, n, i int) error {
	id := c.ids[(n*7+i)%len(c.ids)]
	resp, err := c.grpc[n].GetShipment(ctx, connect.NewRequest(&svarsignv1.GetShipmentRequest{Id: id}))
	if err != nil {
		return err
	}
	if resp.Msg.GetShipment().GetId() != id {
		return fmt.Errorf("GetShipment %s answered shipment %q", id, resp.Msg.GetShipment().GetId())
	}
	return nil
}

func (c *clients) list(ctx context.Context, n, _ int) error {
	resp, err := c.grpc[n].ListShipments(ctx, connect.NewRequest(&svarsignv1.ListShipmentsRequest{PageSize: 50}))
	if err != nil {
		return err
	}
	if got := len(resp.Msg.GetShipments()); got != 50 {
		return fmt.Errorf("ListShipments answered %d shipments, want a page of 50", got)
	}
	return nil
}

func (c *clients) sendGRPC(ctx context.Context, n, i int) error {
	_, err := c.grpc[n].SendShipment(ctx, connect.NewRequest(c.sendRequest(n+i)))
	return err
}

func (c *clients) sendConnect(ctx context.Context, n, i int) error {
	_, err := c.connect[n].SendShipment(ctx, connect.NewRequest(c.sendRequest(n+i)))
	return err
}

// sendJSON posts to the JSON facade, as a caller without generated code
// would.
func (c *clients) sendJSON(ctx context.Context, n, i int) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url+"/v1/shipments", bytes.NewReader(c.jsonBody[(n+i)%len(people)]))
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+c.key)
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.json[n].Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("POST /v1/shipments: %s: %s", resp.Status, strings.TrimSpace(string(body)))
	}
	if !bytes.Contains(body, []byte(`"id"`)) {
		return errors.New("POST /v1/shipments answered no shipment id")
	}
	return nil
}
