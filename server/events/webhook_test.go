package events

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/svarsign/svarsign/ent"
)

// TestHostileReceiver: what a receiver answers cannot make a delivery
// expensive or send it elsewhere. Huge headers are refused, redirects are
// not followed (a 3xx is a failed delivery), and an endless body after a
// 2xx is read only 64 KiB into.
func TestHostileReceiver(t *testing.T) {
	t.Parallel()
	var elsewhere atomic.Int32
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		elsewhere.Add(1)
	}))
	defer other.Close()
	var bodyBytes atomic.Int64
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/headers":
			w.Header().Set("X-Padding", strings.Repeat("x", 1<<20))
			w.WriteHeader(http.StatusNoContent)
		case "/redirect":
			http.Redirect(w, r, other.URL+"/stolen", http.StatusTemporaryRedirect)
		case "/endless":
			w.WriteHeader(http.StatusOK)
			chunk := make([]byte, 32<<10)
			for r.Context().Err() == nil {
				n, err := w.Write(chunk)
				bodyBytes.Add(int64(n))
				if err != nil {
					return
				}
			}
		}
	}))
	defer recv.Close()

	d := NewDeliverer(Config{})
	e := &ent.Event{ID: 1, ShipmentID: uuid.New(), Time: time.Now()}
	post := func(path string) error {
		return d.post(context.Background(), &ent.Webhook{ID: 1, URL: recv.URL + path, Secret: "s"}, e)
	}
	if err := post("/headers"); err == nil {
		t.Error("a delivery answered with 1 MiB of headers succeeded")
	}
	if err := post("/redirect"); err == nil || !strings.Contains(err.Error(), "307") {
		t.Errorf("a delivery answered with a redirect: %v, want a failure naming the 307", err)
	}
	if n := elsewhere.Load(); n != 0 {
		t.Errorf("the redirect was followed: the other server got %d requests", n)
	}
	if err := post("/endless"); err != nil {
		t.Errorf("a 200 with an endless body: %v", err)
	}
	// The client stopped after 64 KiB; the receiver may have got more into
	// socket buffers before its writes failed, but not without bound.
	if n := bodyBytes.Load(); n > 64<<20 {
		t.Errorf("the receiver wrote %d bytes of body before the delivery let go", n)
	}
}
