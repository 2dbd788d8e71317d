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
	"github.com/svarsign/svarsign/server/app"
)

// TestMetricsNotPublic: /metrics is not on the public port, with or
// without a metrics listener; it is on the metrics listener only.
func TestMetricsNotPublic(t *testing.T) {
	t.Parallel()
	for _, metricsAddr := range []string{"", "127.0.0.1:0"} {
		srv := st.Start(t, func(c *app.Config) { c.MetricsAddr = metricsAddr })
		resp, err := http.Get(srv.URL + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotFound || strings.Contains(string(body), "svarsign_") {
			t.Errorf("MetricsAddr %q: GET /metrics on the public port: %d\n%.200s", metricsAddr, resp.StatusCode, body)
		}
		switch got := srv.App.MetricsAddr(); {
		case metricsAddr == "" && got != "":
			t.Errorf("no MetricsAddr, yet metrics listen on %s", got)
		case metricsAddr != "":
			if text := scrape(t, "http://"+got); !strings.Contains(text, "svarsign_inbox_pending") {
				t.Errorf("metrics listener serves no svarsign metrics:\n%.500s", text)
			}
			resp, err := http.Get("http://" + got + "/v1/shipments")
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusNotFound {
				t.Errorf("the metrics listener serves the API: %d", resp.StatusCode)
			}
		}
	}
}

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

// TestMetrics: /metrics, on the metrics listener, counts RPCs by
// procedure and code, and shipments and signing orders by state.
func TestMetrics(t *testing.T) {
	t.Parallel()
	srv := st.Start(t, func(c *app.Config) { c.MetricsAddr = "127.0.0.1:0" })
	token := srv.Org(t, st.OrgNumber(0), "Eksempel kommune")
	c := srv.Shipments(token, st.Connect)
	id := sendLetter(t, c, 0)
	srv.WaitStatus(t, c, id, svarsignv1.ShipmentStatus_SHIPMENT_STATUS_NOTIFIED)
	sendForSigning(t, srv, token, 1, svarsignv1.SignatureType_SIGNATURE_TYPE_AUTHENTICATED, false)
	if _, err := srv.Shipments("svs_nope.nope", st.GRPC).GetShipment(context.Background(), connect.NewRequest(&svarsignv1.GetShipmentRequest{Id: id})); err == nil {
		t.Fatal("a bad key was accepted")
	}

	text := scrape(t, "http://"+srv.App.MetricsAddr())
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
