package app_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"connectrpc.com/connect"

	svarsignv1 "github.com/svarsign/svarsign/gen/go/svarsign/v1"
	st "github.com/svarsign/svarsign/internal/svarsigntest"
)

func scrape(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /metrics: HTTP %d", resp.StatusCode)
	}
	return string(b)
}

// TestMetrics: /metrics counts RPCs by procedure and code, and shipments
// and signing orders by state.
func TestMetrics(t *testing.T) {
	srv := st.Start(t)
	token := srv.Org(t, st.OrgNumber(0), "Eksempel kommune")
	c := srv.Shipments(token, st.Connect)
	id := sendLetter(t, c, 0)
	st.WaitStatus(t, c, id, svarsignv1.ShipmentStatus_SHIPMENT_STATUS_NOTIFIED)
	sendForSigning(t, srv, token, 1, svarsignv1.SignatureType_SIGNATURE_TYPE_AUTHENTICATED, false)
	if _, err := srv.Shipments("svs_nope.nope", st.GRPC).GetShipment(context.Background(), connect.NewRequest(&svarsignv1.GetShipmentRequest{Id: id})); err == nil {
		t.Fatal("a bad key was accepted")
	}

	text := scrape(t, srv.URL)
	for _, want := range []string{
		`svarsign_rpc_requests_total{code="ok",procedure="/svarsign.v1.ShipmentService/SendShipment"} 2`,
		`svarsign_rpc_requests_total{code="unauthenticated",procedure="/svarsign.v1.ShipmentService/GetShipment"} 1`,
		`svarsign_rpc_duration_seconds_count{procedure="/svarsign.v1.ShipmentService/SendShipment"} 2`,
		`svarsign_shipments{direction="OUTGOING",status="NOTIFIED"}`,
		`svarsign_signing_orders{status="WAITING"} 1`,
		`svarsign_inbox_pending 0`,
		`svarsign_jobs{kind="accept_shipment",state=`, // completion is recorded in batches, a moment after the work
		`go_goroutines`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
}
