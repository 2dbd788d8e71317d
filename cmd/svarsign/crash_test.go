package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"connectrpc.com/connect"

	svarsignv1 "github.com/svarsign/svarsign/gen/go/svarsign/v1"
	"github.com/svarsign/svarsign/gen/go/svarsign/v1/svarsignv1connect"
	st "github.com/svarsign/svarsign/internal/svarsigntest"
	"github.com/svarsign/svarsign/server/auth"
)

// TestCrashLosesNothing kills the real binary with SIGKILL while 8 callers
// send, restarts it on the same data folder, and checks the durability
// promise of docs/decisions/0002: every acknowledged shipment is there and
// gets delivered, each exactly once, and a retry of an unanswered send
// (same idempotency key) never duplicates.
func TestCrashLosesNothing(t *testing.T) {
	t.Parallel()
	bin := buildSvarsign(t)
	data := filepath.Join(t.TempDir(), "data")
	admin := func(args ...string) string {
		out, err := exec.Command(bin, append(args, "--data", data)...).Output()
		if err != nil {
			t.Fatalf("svarsign %v: %v", args, err)
		}
		return strings.TrimSpace(string(out))
	}
	admin("admin", "org", "create", "--number", "123456785", "--name", "Krasj kommune")
	key := admin("admin", "key", "create", "--org", "123456785")

	addr := freeAddr(t)
	serve := func() *exec.Cmd {
		// Short job timeouts, so work cut off by the crash is requeued
		// within the test's patience (River's rescuer looks every 30 s).
		cmd := exec.Command(bin, "serve", "--addr", addr, "--data", data, "--job-timeout", "2s", "--job-rescue-after", "3s")
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
		waitUp(t, "http://"+addr)
		return cmd
	}
	first := serve()
	tr := &http.Transport{Protocols: new(http.Protocols)}
	tr.Protocols.SetUnencryptedHTTP2(true)
	c := svarsignv1connect.NewShipmentServiceClient(&http.Client{Transport: tr, Timeout: 10 * time.Second}, "http://"+addr,
		connect.WithGRPC(), connect.WithInterceptors(auth.WithToken(key)))

	send := func(k string) (string, error) {
		resp, err := c.SendShipment(context.Background(), connect.NewRequest(&svarsignv1.SendShipmentRequest{
			IdempotencyKey: k, Title: "Vedtak " + k,
			Recipient: &svarsignv1.Recipient{Identity: &svarsignv1.Recipient_NationalIdentityNumber{NationalIdentityNumber: st.Person(0)}},
			Documents: []*svarsignv1.DocumentSpec{{FileName: "vedtak.txt", MimeType: "text/plain", Content: []byte("innvilget " + k)}},
		}))
		if err != nil {
			return "", err
		}
		return resp.Msg.GetShipment().GetId(), nil
	}

	// The kill falls once enough sends were acknowledged, not after a
	// fixed time: on a loaded machine a fixed time may see none.
	const ackedBeforeKill = 20
	var mu sync.Mutex
	acked := map[string]string{} // idempotency key → shipment id
	var unanswered []string
	enough := make(chan struct{})
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Go(func() {
			for i := 0; i < 2000; i++ {
				k := fmt.Sprintf("w%d-%d", w, i)
				id, err := send(k)
				mu.Lock()
				if err == nil {
					acked[k] = id
					if len(acked) == ackedBeforeKill {
						close(enough)
					}
				} else {
					unanswered = append(unanswered, k)
				}
				mu.Unlock()
				if err != nil {
					return // the server is gone
				}
			}
		})
	}
	select {
	case <-enough:
	case <-time.After(60 * time.Second):
		t.Fatalf("fewer than %d sends acknowledged in a minute", ackedBeforeKill)
	}
	first.Process.Signal(syscall.SIGKILL)
	first.Wait()
	wg.Wait()
	if len(acked) == 0 || len(unanswered) == 0 {
		t.Fatalf("the crash should fall mid-traffic: %d acknowledged, %d unanswered", len(acked), len(unanswered))
	}
	t.Logf("killed the server after %d acknowledged sends; %d calls were cut off", len(acked), len(unanswered))

	serve()
	// A retry of a cut-off call either finds what had committed or sends it now.
	for _, k := range unanswered {
		id, err := send(k)
		if err != nil {
			t.Fatalf("retrying %s after the restart: %v", k, err)
		}
		acked[k] = id
	}
	ids := map[string]bool{}
	for k, id := range acked {
		if ids[id] {
			t.Fatalf("shipment %s answered two different sends", id)
		}
		ids[id] = true
		sh := waitNotified(t, c, id)
		if sh.GetTitle() != "Vedtak "+k {
			t.Fatalf("shipment %s has title %q, sent as %q", id, sh.GetTitle(), "Vedtak "+k)
		}
		hist, err := c.GetHistory(context.Background(), connect.NewRequest(&svarsignv1.GetHistoryRequest{Id: id}))
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, e := range hist.Msg.GetEvents() {
			got = append(got, strings.TrimPrefix(e.GetStatus().String(), "SHIPMENT_STATUS_"))
		}
		if strings.Join(got, " ") != "RECEIVED ACCEPTED NOTIFIED" {
			t.Fatalf("history of %s after the crash: %v", id, got)
		}
	}
	list, err := c.ListShipments(context.Background(), connect.NewRequest(&svarsignv1.ListShipmentsRequest{PageSize: 500}))
	if err != nil {
		t.Fatal(err)
	}
	if n := len(list.Msg.GetShipments()); n != len(ids) || list.Msg.GetNextPageToken() != "" && len(ids) < 500 {
		t.Fatalf("%d shipments stored, %d sends made", n, len(ids))
	}
}

// waitNotified waits for delivery, at most 90 s: a job cut off by the crash
// is rescued on River's 30 s maintenance cycle and then retried. The
// server is another process, so its status is polled.
func waitNotified(t *testing.T, c svarsignv1connect.ShipmentServiceClient, id string) *svarsignv1.Shipment {
	t.Helper()
	var sh *svarsignv1.Shipment
	st.Eventually(t, 90*time.Second, func() error {
		resp, err := c.GetShipment(context.Background(), connect.NewRequest(&svarsignv1.GetShipmentRequest{Id: id}))
		if err != nil {
			t.Fatalf("GetShipment %s: %v", id, err)
		}
		if sh = resp.Msg.GetShipment(); sh.GetStatus() != svarsignv1.ShipmentStatus_SHIPMENT_STATUS_NOTIFIED {
			return fmt.Errorf("shipment %s stayed %v after the restart", id, sh.GetStatus())
		}
		return nil
	})
	return sh
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// waitUp waits until the server, another process, answers; at most 15 s.
func waitUp(t *testing.T, base string) {
	t.Helper()
	st.Eventually(t, 15*time.Second, func() error {
		resp, err := http.Get(base + "/")
		if err != nil {
			return fmt.Errorf("server at %s did not come up: %w", base, err)
		}
		resp.Body.Close()
		return nil
	})
}
