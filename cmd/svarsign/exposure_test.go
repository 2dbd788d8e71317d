package main

import (
	"bytes"
	"context"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	st "github.com/svarsign/svarsign/internal/svarsigntest"
)

// TestServeRefusesBadPublicURL: a --public-url that is not just an http(s)
// scheme and host stops serve at once with an error naming the flag.
func TestServeRefusesBadPublicURL(t *testing.T) {
	t.Parallel()
	for _, bad := range []string{"ftp://svarsign.example", "https://svarsign.example/app", "https://svarsign.example/?x=1", "svarsign.example"} {
		var errOut bytes.Buffer
		err := run(context.Background(), []string{"serve", "--addr", "127.0.0.1:0", "--data", t.TempDir(), "--public-url", bad}, &bytes.Buffer{}, &errOut)
		if err == nil || !strings.Contains(err.Error(), "--public-url") || !strings.Contains(err.Error(), bad) {
			t.Errorf("--public-url %q: %v", bad, err)
		}
	}
}

// serving runs `serve` with args until the test ends and returns its
// public address and, if asked for, its metrics address.
func serving(t *testing.T, args ...string) (addr, metricsAddr string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var errOut st.LogBuffer
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, append([]string{"serve", "--addr", "127.0.0.1:0", "--data", t.TempDir()}, args...), &bytes.Buffer{}, &errOut)
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v\n%s", err, errOut.String())
		}
	})
	listening := regexp.MustCompile(`msg="svarsign listening" addr=(\S+)`)
	metrics := regexp.MustCompile(`msg="svarsign metrics" addr=(\S+)`)
	wantMetrics := strings.Contains(strings.Join(args, " "), "--metrics-addr")
	out := errOut.Await(t, 15*time.Second, "serve to start", func(out string) bool {
		return listening.MatchString(out) && (!wantMetrics || metrics.MatchString(out))
	})
	if mm := metrics.FindStringSubmatch(out); mm != nil {
		metricsAddr = mm[1]
	}
	return listening.FindStringSubmatch(out)[1], metricsAddr
}

func status(t *testing.T, url string) int {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// TestServeSimulatedLoginAndMetricsFlags: the simulated login is served
// only with --simulated-login (or its old name), even on loopback, and
// /metrics only on --metrics-addr, never on the public port.
func TestServeSimulatedLoginAndMetricsFlags(t *testing.T) {
	t.Parallel()
	plain, none := serving(t)
	if got := status(t, "http://"+plain+"/mailbox/login"); got != http.StatusForbidden {
		t.Errorf("serve without --simulated-login: GET /mailbox/login %d, want 403", got)
	}
	if got := status(t, "http://"+plain+"/metrics"); got != http.StatusNotFound || none != "" {
		t.Errorf("serve without --metrics-addr: GET /metrics %d (metrics on %q), want 404", got, none)
	}

	addr, metrics := serving(t, "--simulated-login", "--metrics-addr", "127.0.0.1:0")
	if got := status(t, "http://"+addr+"/mailbox/login"); got != http.StatusOK {
		t.Errorf("serve --simulated-login: GET /mailbox/login %d, want 200", got)
	}
	if got := status(t, "http://"+addr+"/metrics"); got != http.StatusNotFound {
		t.Errorf("serve --metrics-addr: GET /metrics on the public port %d, want 404", got)
	}
	if got := status(t, "http://"+metrics+"/metrics"); got != http.StatusOK {
		t.Errorf("serve --metrics-addr: GET /metrics on %s %d, want 200", metrics, got)
	}

	old, _ := serving(t, "--allow-simulated-login")
	if got := status(t, "http://"+old+"/mailbox/login"); got != http.StatusOK {
		t.Errorf("serve --allow-simulated-login: GET /mailbox/login %d, want 200", got)
	}
}
