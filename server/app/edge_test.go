package app_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/proto"

	svarsignv1 "github.com/svarsign/svarsign/gen/go/svarsign/v1"
	"github.com/svarsign/svarsign/gen/go/svarsign/v1/svarsignv1connect"
	st "github.com/svarsign/svarsign/internal/svarsigntest"
	"github.com/svarsign/svarsign/server/admin"
	"github.com/svarsign/svarsign/server/app"
	"github.com/svarsign/svarsign/server/auth"
	"github.com/svarsign/svarsign/server/events"
)

// patience is how long a test waits for the server to do what it must do
// within a second or two; only a server that never does it takes this long.
const patience = 20 * time.Second

// rawHTTP1 opens a connection to addr and writes head (request line and
// headers, without the blank line) and then body.
func rawHTTP1(t *testing.T, addr, head, body string) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if _, err := io.WriteString(c, strings.ReplaceAll(strings.TrimSpace(head), "\n", "\r\n")+"\r\n\r\n"+body); err != nil {
		t.Fatal(err)
	}
	return c
}

// waitClosed reads what the server sends on c until it closes the
// connection and returns it; it fails the test if the server keeps the
// connection open for patience.
func waitClosed(t *testing.T, c net.Conn) string {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(patience))
	var got bytes.Buffer
	_, err := io.Copy(&got, c)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatalf("the server kept the connection open for %v (answered %q)", patience, firstLine(got.String()))
	}
	return got.String()
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\r\n")
	return line
}

// h2c is a client that speaks only cleartext HTTP/2, as gRPC clients do.
func h2c() *http.Client {
	tr := &http.Transport{Protocols: new(http.Protocols)}
	tr.Protocols.SetUnencryptedHTTP2(true)
	return &http.Client{Transport: tr}
}

// grpcFrame is one length-prefixed gRPC message.
func grpcFrame(t *testing.T, m proto.Message) []byte {
	t.Helper()
	b, err := proto.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	frame := make([]byte, 5, 5+len(b))
	binary.BigEndian.PutUint32(frame[1:], uint32(len(b)))
	return append(frame, b...)
}

// grpcStatus is the grpc-status of a finished response, from its
// trailers or, for a trailers-only answer, its headers.
func grpcStatus(resp *http.Response) string {
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if s := resp.Trailer.Get("Grpc-Status"); s != "" {
		return s
	}
	return resp.Header.Get("Grpc-Status")
}

// TestStalledBodyIsCut: a request that declares a body and stops sending
// it is cut off after BodyIdleTimeout without a byte, on every kind of
// route: the JSON facade, the raw PUT, Connect, the web pages' forms
// (HTTP/1: the connection is closed), and a gRPC upload stream and a
// Connect call over HTTP/2 (the stream ends, the connection serves on).
func TestStalledBodyIsCut(t *testing.T) {
	t.Parallel()
	srv := st.Start(t, func(c *app.Config) { c.BodyIdleTimeout = time.Second })
	token := srv.Org(t, st.OrgNumber(0), "Treg kommune")
	id := startShipment(t, srv.Shipments(token, st.Connect))
	addr := srv.App.Addr()

	for _, tc := range []struct{ name, head string }{
		{"JSON facade", "POST /v1/shipments HTTP/1.1\nHost: x\nAuthorization: Bearer " + token + "\nContent-Type: application/json"},
		{"raw PUT", "PUT /v1/shipments/" + id + "/documents/stor.pdf HTTP/1.1\nHost: x\nAuthorization: Bearer " + token + "\nContent-Type: application/pdf"},
		{"Connect", "POST " + svarsignv1connect.ShipmentServiceSendShipmentProcedure + " HTTP/1.1\nHost: x\nAuthorization: Bearer " + token + "\nContent-Type: application/json\nConnect-Protocol-Version: 1"},
		// The forms check a CSRF cookie against the posted form: the body is read.
		{"mailbox form", "POST /mailbox/login HTTP/1.1\nHost: x\nCookie: svarsign_login_csrf=x\nContent-Type: application/x-www-form-urlencoded"},
		{"portal form", "POST /manuell-innsending/login HTTP/1.1\nHost: x\nCookie: svarsign_portal_login=x\nContent-Type: application/x-www-form-urlencoded"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := rawHTTP1(t, addr, tc.head+"\nContent-Length: 2147483648", "{")
			waitClosed(t, c)
		})
	}

	t.Run("HTTP/2", func(t *testing.T) {
		t.Parallel()
		client := h2c()
		// A gRPC upload that sends its header message and then nothing.
		pr, pw := io.Pipe()
		defer pw.Close()
		req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, srv.URL+svarsignv1connect.ShipmentServiceUploadDocumentProcedure, pr)
		req.Header.Set("Content-Type", "application/grpc")
		req.Header.Set("Te", "trailers")
		req.Header.Set("Authorization", "Bearer "+token)
		go pw.Write(grpcFrame(t, &svarsignv1.UploadDocumentRequest{Part: &svarsignv1.UploadDocumentRequest_Header{Header: &svarsignv1.UploadDocumentHeader{
			ShipmentId: id, FileName: "treg.pdf", MimeType: "application/pdf",
		}}}))
		// And a Connect call over the same connection that stops mid-message.
		pr2, pw2 := io.Pipe()
		defer pw2.Close()
		req2, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, srv.URL+svarsignv1connect.ShipmentServiceSendShipmentProcedure, pr2)
		req2.Header.Set("Content-Type", "application/json")
		req2.Header.Set("Authorization", "Bearer "+token)
		go pw2.Write([]byte(`{"title": "`))

		type result struct {
			resp *http.Response
			err  error
		}
		results := make(chan result, 2)
		for _, r := range []*http.Request{req, req2} {
			go func() {
				resp, err := client.Do(r)
				results <- result{resp, err}
			}()
		}
		for range 2 {
			select {
			case r := <-results:
				if r.err != nil {
					t.Fatalf("stalled call: %v", r.err)
				}
				if r.resp.ProtoMajor != 2 {
					t.Fatalf("answered over %s, want HTTP/2", r.resp.Proto)
				}
				if r.resp.Header.Get("Content-Type") == "application/grpc" {
					if s := grpcStatus(r.resp); s == "" || s == "0" {
						t.Errorf("stalled gRPC upload ended with grpc-status %q, want an error", s)
					}
				} else if r.resp.StatusCode == http.StatusOK {
					t.Errorf("stalled Connect call answered 200")
				}
				r.resp.Body.Close()
			case <-time.After(patience):
				t.Fatalf("a stalled HTTP/2 call was still open after %v", patience)
			}
		}
		// Only the streams were cut: the connection still serves.
		c := svarsignv1connect.NewShipmentServiceClient(client, srv.URL, connect.WithGRPC(), connect.WithInterceptors(auth.WithToken(token)))
		if _, err := c.StartShipment(t.Context(), connect.NewRequest(&svarsignv1.StartShipmentRequest{})); err != nil {
			t.Fatalf("a call after the stalled ones: %v", err)
		}
	})
}

// slowReader yields n chunks of size bytes with a pause before each: a
// client on a slow line.
type slowReader struct {
	chunks, size int
	pause        time.Duration
	sent         int
}

func (r *slowReader) Read(p []byte) (int, error) {
	if r.sent == r.chunks {
		return 0, io.EOF
	}
	time.Sleep(r.pause) // the slow line is the behaviour under test
	n := min(len(p), r.size)
	for i := range p[:n] {
		p[i] = 'x'
	}
	r.sent++
	return n, nil
}

// TestSlowBodyIsNotCut: the body deadline is on progress, not on the
// whole body: uploads that take several times BodyIdleTimeout but keep
// moving succeed, through the raw PUT and a gRPC stream.
func TestSlowBodyIsNotCut(t *testing.T) {
	t.Parallel()
	const idle = time.Second
	srv := st.Start(t, func(c *app.Config) { c.BodyIdleTimeout = idle })
	token := srv.Org(t, st.OrgNumber(0), "Treg kommune")
	c := srv.Shipments(token, st.GRPC)
	const chunks, size = 8, 16 << 10 // 8 pauses of 400 ms: 3.2 s in all

	t.Run("raw PUT", func(t *testing.T) {
		t.Parallel()
		id := startShipment(t, c)
		req, _ := http.NewRequestWithContext(t.Context(), http.MethodPut, srv.URL+"/v1/shipments/"+id+"/documents/sakte.txt",
			&slowReader{chunks: chunks, size: size, pause: 400 * time.Millisecond})
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "text/plain")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusCreated || !strings.Contains(string(body), `"sizeBytes":"`+strconv.Itoa(chunks*size)+`"`) {
			t.Fatalf("slow raw PUT = %s %s, want 201 with %d bytes", resp.Status, body, chunks*size)
		}
	})
	t.Run("gRPC stream", func(t *testing.T) {
		t.Parallel()
		id := startShipment(t, c)
		doc, _, _, err := uploadStream(t.Context(), c, &svarsignv1.UploadDocumentHeader{ShipmentId: id, FileName: "sakte.txt", MimeType: "text/plain"},
			&slowReader{chunks: chunks, size: size, pause: 400 * time.Millisecond}, size)
		if err != nil {
			t.Fatalf("slow gRPC upload: %v", err)
		}
		if doc.GetSizeBytes() != chunks*size {
			t.Fatalf("slow gRPC upload stored %d bytes, want %d", doc.GetSizeBytes(), chunks*size)
		}
	})
}

// TestAuthBeforeBody: a call without valid credentials is refused from its
// headers alone, while the client has sent none of the body it declared:
// on the JSON facade, the raw PUT, Connect, and gRPC over HTTP/2.
func TestAuthBeforeBody(t *testing.T) {
	t.Parallel()
	srv := st.Start(t) // the default 30 s body deadline: refusals must come long before it
	srv.Org(t, st.OrgNumber(0), "Eksempel kommune")
	addr := srv.App.Addr()
	for _, tc := range []struct{ name, head, want string }{
		{"JSON facade", "POST /v1/shipments HTTP/1.1\nHost: x\nContent-Type: application/json", `"code":16`},
		{"raw PUT", "PUT /v1/shipments/" + st.OrgNumber(0) + "/documents/a.pdf HTTP/1.1\nHost: x\nAuthorization: Bearer svs_0000000000000000.nope\nContent-Type: application/pdf", `"code":16`},
		{"Connect", "POST " + svarsignv1connect.ShipmentServiceSendShipmentProcedure + " HTTP/1.1\nHost: x\nContent-Type: application/json\nConnect-Protocol-Version: 1", `"code":"unauthenticated"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := waitClosed(t, rawHTTP1(t, addr, tc.head+"\nContent-Length: 1048576", ""))
			if !strings.HasPrefix(got, "HTTP/1.1 401 ") || !strings.Contains(got, tc.want) {
				t.Fatalf("answer %q, want 401 with %s", got, tc.want)
			}
		})
	}
	t.Run("gRPC", func(t *testing.T) {
		t.Parallel()
		pr, pw := io.Pipe()
		defer pw.Close()
		ctx, cancel := context.WithTimeout(t.Context(), patience)
		defer cancel()
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, srv.URL+svarsignv1connect.ShipmentServiceUploadDocumentProcedure, pr)
		req.Header.Set("Content-Type", "application/grpc")
		req.Header.Set("Te", "trailers")
		resp, err := h2c().Do(req)
		if err != nil {
			t.Fatalf("gRPC upload without credentials and without a message: %v", err)
		}
		if s := grpcStatus(resp); s != strconv.Itoa(int(connect.CodeUnauthenticated)) {
			t.Fatalf("grpc-status %q, want %d (unauthenticated)", s, connect.CodeUnauthenticated)
		}
	})
}

// TestJSONBodyLimit: the JSON facade takes bodies up to the size Connect
// takes (20 MiB) and refuses larger ones with 413 in its error shape,
// before parsing them.
func TestJSONBodyLimit(t *testing.T) {
	t.Parallel()
	srv := startTrackedServer(t)
	token := srv.Org(t, st.OrgNumber(0), "Eksempel kommune")
	body := `{"title": "` + strings.Repeat("a", 21<<20) + `"}`
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, srv.URL+"/v1/shipments", strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(string(raw), `"code":8`) || !strings.Contains(string(raw), "limit") {
		t.Fatalf("21 MiB JSON body = %s %s, want 413 with code 8 (RESOURCE_EXHAUSTED) naming the limit", resp.Status, raw)
	}
	if got := srv.stored(t); got != (storedCounts{}) {
		t.Fatalf("server holds %+v after refusing the body", got)
	}
}

// buildServer builds cmd/svarsign, once for all the package's tests, and
// returns the binary.
func buildServer(t *testing.T) string {
	t.Helper()
	return svarsignBinary.Path(t)
}

// serveProcess starts `svarsign serve` as its own process, through prefix
// (such as prlimit) if given, and waits until it answers.
func serveProcess(t *testing.T, bin string, prefix []string, args ...string) (*exec.Cmd, string, *st.LogBuffer) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	argv := append(append(prefix, bin, "serve", "--addr", addr, "--data", t.TempDir()), args...)
	cmd := exec.Command(argv[0], argv[1:]...)
	log := new(st.LogBuffer)
	cmd.Stderr = log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		if t.Failed() {
			t.Logf("server log:\n%s", log.String())
		}
	})
	st.Eventually(t, patience, func() error {
		resp, err := http.Get("http://" + addr + "/")
		if err != nil {
			return fmt.Errorf("svarsign serve did not come up: %w\n%s", err, log.String())
		}
		resp.Body.Close()
		return nil
	})
	return cmd, addr, log
}

// procStatusKiB reads one "Name:  123 kB" line of /proc/<pid>/status.
func procStatusKiB(t *testing.T, pid int, name string) int64 {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Skipf("no /proc to read the server's memory from: %v", err)
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, name+":"); ok {
			n, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			if err != nil {
				t.Fatalf("%s in /proc/%d/status: %v", name, pid, err)
			}
			return n
		}
	}
	t.Fatalf("no %s in /proc/%d/status", name, pid)
	return 0
}

// repeatReader yields n copies of b.
type repeatReader struct {
	b   byte
	n   int64
	buf []byte
}

func (r *repeatReader) Read(p []byte) (int, error) {
	if r.n == 0 {
		return 0, io.EOF
	}
	n := min(int64(len(p)), r.n)
	for i := range p[:n] {
		p[i] = r.b
	}
	r.n -= n
	return int(n), nil
}

// TestUnauthenticatedHugeJSON sends four 150 MiB JSON bodies at once,
// without credentials, to a real svarsign process: each is refused with
// 401 and the server's peak RSS grows by less than 32 MiB.
func TestUnauthenticatedHugeJSON(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and streams 600 MiB")
	}
	t.Parallel()
	cmd, addr, _ := serveProcess(t, buildServer(t), nil)
	pid := cmd.Process.Pid
	// Warm up the routes, then measure the peak from here on.
	http.Post("http://"+addr+"/v1/shipments", "application/json", strings.NewReader("{}"))
	before := procStatusKiB(t, pid, "VmHWM")
	if err := os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", pid), []byte("5"), 0); err == nil {
		before = procStatusKiB(t, pid, "VmHWM") // reset to the current RSS
	}

	const size = 150 << 20
	var wg sync.WaitGroup
	answers := make([]string, 4)
	for i := range answers {
		wg.Go(func() {
			c, err := net.Dial("tcp", addr)
			if err != nil {
				answers[i] = err.Error()
				return
			}
			defer c.Close()
			c.SetDeadline(time.Now().Add(2 * time.Minute))
			go func() {
				fmt.Fprintf(c, "POST /v1/shipments HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n", size)
				io.Copy(c, io.MultiReader(strings.NewReader(`{"title": "`), &repeatReader{b: 'a', n: size - 13}, strings.NewReader(`"}`)))
			}()
			line, err := bufio.NewReader(c).ReadString('\n')
			if err != nil {
				answers[i] = err.Error()
				return
			}
			answers[i] = strings.TrimSpace(line)
		})
	}
	wg.Wait()
	after := procStatusKiB(t, pid, "VmHWM")
	for i, a := range answers {
		if !strings.HasPrefix(a, "HTTP/1.1 401 ") {
			t.Errorf("request %d answered %q, want 401", i, a)
		}
	}
	t.Logf("server peak RSS %d KiB before, %d KiB after four unauthenticated 150 MiB bodies", before, after)
	if growth := after - before; growth >= 32<<10 {
		t.Errorf("server peak RSS grew by %d KiB, want under 32 MiB", growth)
	}
}

// TestConnectionCap: a server whose descriptor limit is small holds
// hundreds of stalled connections without running out of descriptors,
// cuts them off, and answers a normal client meanwhile.
func TestConnectionCap(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	prlimit, err := exec.LookPath("prlimit")
	if err != nil {
		t.Skip("needs prlimit (util-linux) to start the server with a small descriptor limit")
	}
	t.Parallel()
	const nofile, stalled = 160, 400
	_, addr, log := serveProcess(t, buildServer(t), []string{prlimit, fmt.Sprintf("--nofile=%d:%d", nofile, nofile)}, "--body-idle-timeout", "1s")

	// Stalled clients: a form post declaring a large body, one byte sent.
	var conns []net.Conn
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	for range stalled {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatalf("after %d stalled connections: %v", len(conns), err)
		}
		conns = append(conns, c)
		fmt.Fprintf(c, "POST /mailbox/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000000\r\n\r\nn")
	}
	// A normal client is answered while they are held open.
	client := &http.Client{Timeout: patience}
	resp, err := client.Get("http://" + addr + "/openapi.json")
	if err != nil {
		t.Fatalf("a normal request with %d stalled connections held: %v", stalled, err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("a normal request with %d stalled connections held: %s", stalled, resp.Status)
	}
	// Every stalled one is cut off in turn, none left hanging.
	for i, c := range conns {
		c.SetReadDeadline(time.Now().Add(patience))
		if _, err := io.Copy(io.Discard, c); err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				t.Fatalf("stalled connection %d still open after %v", i, patience)
			}
		}
	}
	if strings.Contains(log.String(), "too many open files") {
		t.Errorf("the server ran out of file descriptors:\n%s", log.String())
	}
	if !strings.Contains(log.String(), "connection limit reached") {
		t.Errorf("the server never reached its connection limit, so the test did not test it:\n%s", log.String())
	}
}

// TestAuthFailuresIdentical: an unknown key id, a known id with a wrong
// secret and a revoked key get the same answer, byte for byte, on the JSON
// facade, Connect and gRPC: the answer does not tell which key ids exist.
func TestAuthFailuresIdentical(t *testing.T) {
	t.Parallel()
	srv := st.Start(t)
	org := st.OrgNumber(0)
	token := srv.Org(t, org, "Eksempel kommune")
	id, _, _ := strings.Cut(strings.TrimPrefix(token, "svs_"), ".")
	revoked := srv.Org(t, st.OrgNumber(1), "Nedlagt kommune")
	revokedID, _, _ := strings.Cut(strings.TrimPrefix(revoked, "svs_"), ".")
	if err := admin.RevokeKey(t.Context(), srv.App.DB().Ent, st.OrgNumber(1), revokedID, srv.App.DB().Now()); err != nil {
		t.Fatal(err)
	}
	tokens := map[string]string{
		"unknown key":  "svs_00000000deadbeef.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
		"wrong secret": "svs_" + id + ".AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
		"revoked key":  revoked,
	}

	answers := map[string]string{}
	for name, tok := range tokens {
		var b strings.Builder
		req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, srv.URL+"/v1/shipments", nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		fmt.Fprintf(&b, "facade: %d %s %q %s\n", resp.StatusCode, resp.Header.Get("Content-Type"), resp.Header.Get("Www-Authenticate"), body)
		for _, p := range []st.Protocol{st.Connect, st.GRPC, st.GRPCWeb} {
			_, err := srv.Shipments(tok, p).ListShipments(t.Context(), connect.NewRequest(&svarsignv1.ListShipmentsRequest{}))
			fmt.Fprintf(&b, "%s: %v\n", p, err)
		}
		answers[name] = b.String()
	}
	want := answers["unknown key"]
	if !strings.Contains(want, "facade: 401 ") || !strings.Contains(want, "unauthenticated") {
		t.Fatalf("unknown key answered:\n%s", want)
	}
	for name, got := range answers {
		if got != want {
			t.Errorf("%s answered\n%s\nunknown key answered\n%s", name, got, want)
		}
	}
}

// TestStalledWebhooksHoldUpNothingElse: receivers that take a delivery and
// never answer hold only webhook workers: another organisation's shipment
// is accepted and delivered while every stalled delivery is still open.
func TestStalledWebhooksHoldUpNothingElse(t *testing.T) {
	t.Parallel()
	// The deliverer's client waits longer than this test may take, so that
	// "given up" below can only mean a delivery was released, not that a
	// slow machine reached the client's time limit first.
	patient := events.NewClient()
	patient.Timeout = 10 * time.Minute
	patient.Transport.(*http.Transport).ResponseHeaderTimeout = 10 * time.Minute
	srv := st.Start(t, func(c *app.Config) { c.WebhookInterval = 100 * time.Millisecond; c.WebhookClient = patient })
	const hostile = 6 // more stalling webhooks than the service has job workers (4)
	var ended atomic.Int32
	opened := make(chan struct{}, hostile)
	release := make(chan struct{})
	stall := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Read the delivery, so that the request's context ends when the
		// deliverer gives up and hangs up; then never answer.
		io.ReadAll(r.Body)
		select {
		case opened <- struct{}{}:
		default:
		}
		defer ended.Add(1)
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	defer stall.Close()
	defer close(release)

	for i := range hostile {
		org := st.OrgNumber(40 + i)
		token := srv.Org(t, org, fmt.Sprintf("Treg mottaker %d", i))
		if _, err := admin.CreateWebhook(t.Context(), srv.App.DB().Ent, org, stall.URL+"/hook"); err != nil {
			t.Fatal(err)
		}
		sendLetter(t, srv.Shipments(token, st.Connect), i)
	}
	timeout := time.After(patience)
	for n := range 4 {
		select {
		case <-opened:
		case <-timeout:
			t.Fatalf("only %d deliveries reached the stalling receiver", n)
		}
	}

	c := srv.Shipments(srv.Org(t, st.OrgNumber(60), "Rask kommune"), st.Connect)
	// The stalls hold on for as long as the test, so the letter waits on
	// nothing but the service; under -race that is slow, hence patience.
	id := sendLetter(t, c, 0)
	srv.AwaitWithin(t, 3*patience, func() error {
		got, err := c.GetShipment(t.Context(), connect.NewRequest(&svarsignv1.GetShipmentRequest{Id: id}))
		if err != nil {
			t.Fatal(err)
		}
		if s := got.Msg.GetShipment().GetStatus(); s != svarsignv1.ShipmentStatus_SHIPMENT_STATUS_NOTIFIED {
			return fmt.Errorf("a letter of an organisation without webhooks stayed %v while other organisations' webhooks stalled", s)
		}
		return nil
	})
	if n := ended.Load(); n != 0 {
		t.Fatalf("the shipment was delivered only after the deliverer had given up on %d stalled deliveries", n)
	}
}

// TestStalledReaderIsCut: a client that stops taking a download loses it
// after BodyIdleTimeout, instead of holding the handler (and a document
// open) forever: the raw GET over HTTP/1 (the connection is closed) and
// DownloadDocument over gRPC (the stream is reset).
func TestStalledReaderIsCut(t *testing.T) {
	t.Parallel()
	srv := st.Start(t, func(c *app.Config) { c.BodyIdleTimeout = time.Second })
	token := srv.Org(t, st.OrgNumber(0), "Treg kommune")
	c := srv.Shipments(token, st.GRPC)
	const size = 64 << 20 // far more than socket buffers and HTTP/2 windows hold
	id := startShipment(t, c)
	if _, _, _, err := uploadStream(t.Context(), c, &svarsignv1.UploadDocumentHeader{ShipmentId: id, FileName: "stor.bin", MimeType: "application/octet-stream"},
		newGenReader(7, size), 1<<20); err != nil {
		t.Fatal(err)
	}
	sent, err := c.SendShipment(t.Context(), connect.NewRequest(&svarsignv1.SendShipmentRequest{
		ShipmentId: id, Title: "Stort vedlegg", Recipient: personRecipient(0),
		Documents: []*svarsignv1.DocumentSpec{{FileName: "stor.bin"}},
	}))
	if err != nil {
		t.Fatal(err)
	}
	docID := sent.Msg.GetShipment().GetDocuments()[0].GetId()
	// The client takes nothing for five times BodyIdleTimeout: that is the
	// behaviour under test, so the pause is a sleep.
	const stop = 5 * time.Second

	t.Run("raw GET", func(t *testing.T) {
		t.Parallel()
		conn := rawHTTP1(t, srv.App.Addr(), "GET /v1/shipments/"+id+"/documents/"+docID+"/content HTTP/1.1\nHost: x\nAuthorization: Bearer "+token, "")
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("GET content: %v %v", resp, err)
		}
		time.Sleep(stop) // a client that stops reading: the behaviour under test
		conn.SetReadDeadline(time.Now().Add(patience))
		n, err := io.Copy(io.Discard, resp.Body)
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			t.Fatalf("the server kept the connection open for %v after %d bytes", patience, n)
		}
		if n >= size {
			t.Fatalf("the whole %d bytes arrived after the client had stopped reading for %v", n, stop)
		}
	})
	t.Run("gRPC", func(t *testing.T) {
		t.Parallel()
		dl, err := c.DownloadDocument(t.Context(), connect.NewRequest(&svarsignv1.DownloadDocumentRequest{ShipmentId: id, DocumentId: docID}))
		if err != nil {
			t.Fatal(err)
		}
		defer dl.Close()
		if !dl.Receive() {
			t.Fatalf("DownloadDocument: %v", dl.Err())
		}
		time.Sleep(stop) // a client that stops reading: the behaviour under test
		var n int
		for dl.Receive() {
			n += len(dl.Msg().GetChunk())
		}
		if dl.Err() == nil {
			t.Fatalf("the whole download (%d bytes) arrived after the client had stopped reading for %v", n, stop)
		}
	})
}

// TestIdleConnectionClosed: a connection that has finished its request
// and sends nothing more is closed after IdleTimeout, over HTTP/1 and
// HTTP/2 alike.
func TestIdleConnectionClosed(t *testing.T) {
	t.Parallel()
	srv := st.Start(t, func(c *app.Config) { c.IdleTimeout = time.Second })
	t.Run("HTTP/1", func(t *testing.T) {
		t.Parallel()
		conn := rawHTTP1(t, srv.App.Addr(), "GET /openapi.json HTTP/1.1\nHost: x", "")
		if got := waitClosed(t, conn); !strings.HasPrefix(got, "HTTP/1.1 200 ") {
			t.Fatalf("answer %q", firstLine(got))
		}
	})
	t.Run("HTTP/2", func(t *testing.T) {
		t.Parallel()
		conn := rawHTTP1(t, srv.App.Addr(), "PRI * HTTP/2.0\n\nSM", "")
		// The client preface is complete with an empty SETTINGS frame.
		if _, err := conn.Write([]byte{0, 0, 0, 4, 0, 0, 0, 0, 0}); err != nil {
			t.Fatal(err)
		}
		waitClosed(t, conn)
	})
}

// TestHeaderLimit: request headers are bounded at 64 KiB: a larger header
// block is refused (HTTP/1: 431; HTTP/2: the server advertises the limit
// and the request is not sent), a 32 KiB one passes.
func TestHeaderLimit(t *testing.T) {
	t.Parallel()
	srv := st.Start(t)
	get := func(client *http.Client, pad int) (*http.Response, error) {
		req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, srv.URL+"/openapi.json", nil)
		req.Header.Set("X-Padding", strings.Repeat("x", pad))
		resp, err := client.Do(req)
		if err == nil {
			resp.Body.Close()
		}
		return resp, err
	}
	for name, client := range map[string]*http.Client{"HTTP/1": http.DefaultClient, "HTTP/2": h2c()} {
		if resp, err := get(client, 32<<10); err != nil || resp.StatusCode != http.StatusOK {
			t.Errorf("%s with 32 KiB of headers: %v %v", name, resp, err)
		}
		resp, err := get(client, 100<<10)
		if err == nil && resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
			t.Errorf("%s with 100 KiB of headers: %s, want refused", name, resp.Status)
		}
	}
}

// TestAnonymousServicesTakeSmallMessages: health and reflection answer
// without credentials, so they take only small messages: a 1 MiB one is
// refused (Connect discards it as it arrives instead of buffering it).
func TestAnonymousServicesTakeSmallMessages(t *testing.T) {
	t.Parallel()
	srv := st.Start(t)
	for _, path := range []string{"/grpc.health.v1.Health/Check", "/grpc.reflection.v1.ServerReflection/ServerReflectionInfo"} {
		t.Run(path, func(t *testing.T) {
			msg := make([]byte, 5+1<<20)
			binary.BigEndian.PutUint32(msg[1:5], 1<<20)
			ctx, cancel := context.WithTimeout(t.Context(), patience)
			defer cancel()
			req, _ := http.NewRequestWithContext(ctx, http.MethodPost, srv.URL+path, bytes.NewReader(msg))
			req.Header.Set("Content-Type", "application/grpc")
			req.Header.Set("Te", "trailers")
			resp, err := h2c().Do(req)
			if err != nil {
				t.Fatalf("a 1 MiB message to %s: %v", path, err)
			}
			if s := grpcStatus(resp); s != strconv.Itoa(int(connect.CodeResourceExhausted)) {
				t.Fatalf("grpc-status %q, want %d (resource exhausted)", s, connect.CodeResourceExhausted)
			}
		})
	}
}
