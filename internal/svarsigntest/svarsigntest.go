// Package svarsigntest starts a real svarsign on a loopback port for tests
// and hands out generated clients for it, as integrators would use them.
package svarsigntest

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"connectrpc.com/connect"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/svarsign/svarsign/gen/go/svarsign/v1/svarsignv1connect"
	"github.com/svarsign/svarsign/server/admin"
	"github.com/svarsign/svarsign/server/apierr"
	"github.com/svarsign/svarsign/server/app"
	"github.com/svarsign/svarsign/server/auth"
	"github.com/svarsign/svarsign/server/domain"
)

// Server is a running svarsign.
type Server struct {
	App *app.App
	URL string

	jobs *jobLog // what the job queue has done; nil unless made by Start
}

// Start runs svarsign on 127.0.0.1 with its data in a temporary folder and
// stops it when the test ends; it returns once the server answers. Extra
// config can be adjusted by mod.
func Start(t testing.TB, mod ...func(*app.Config)) *Server {
	t.Helper()
	cfg := app.Config{
		Addr:    "127.0.0.1:0",
		DataDir: t.TempDir(),
		// River's default. Jobs inserted by a commit wake the workers
		// through River's SQLite notifier; polling more often (it was
		// 50 ms) only cost CPU: a quarter of the suite's.
		JobPollInterval: 200 * time.Millisecond,
		Logger:          slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn})),
	}
	for _, m := range mod {
		m(&cfg)
	}
	if err := seedDatabase(cfg.DataDir, cfg.DatabaseURL); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	a, err := app.Open(ctx, cfg)
	if err != nil {
		cancel()
		t.Fatalf("starting svarsign: %v", err)
	}
	jobs := watchJobs(t, a)
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("svarsign stopped with: %v", err)
		}
	})
	// The listener is open since Open, so this request waits until Run
	// serves, which it does once the job queue has started: a test that
	// ends at once then stops a server that was running.
	once := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := once.Get(a.URL() + "/")
	if err != nil {
		t.Fatalf("svarsign does not answer: %v", err)
	}
	resp.Body.Close()
	return &Server{App: a, URL: a.URL(), jobs: jobs}
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(string(p))
	return len(p), nil
}

// Org creates an organisation and an API key for it, returning the key.
func (s *Server) Org(t testing.TB, number, name string) string {
	t.Helper()
	ctx := context.Background()
	if _, err := admin.CreateOrg(ctx, s.App.DB().Ent, number, name); err != nil {
		t.Fatal(err)
	}
	k, err := admin.CreateKey(ctx, s.App.DB().Ent, number, "test")
	if err != nil {
		t.Fatal(err)
	}
	return k.Token()
}

// Protocol is a wire protocol a generated client can speak.
type Protocol string

const (
	GRPC    Protocol = "grpc"
	Connect Protocol = "connect"
	GRPCWeb Protocol = "grpcweb"
)

// h2cClient speaks HTTP/1.1 and cleartext HTTP/2, as gRPC needs.
func h2cClient() *http.Client {
	tr := &http.Transport{Protocols: new(http.Protocols)}
	tr.Protocols.SetHTTP1(true)
	tr.Protocols.SetUnencryptedHTTP2(true)
	return &http.Client{Transport: tr}
}

func clientOptions(token string, p Protocol) []connect.ClientOption {
	opts := []connect.ClientOption{connect.WithInterceptors(auth.WithToken(token)), connect.WithReadMaxBytes(64 << 20)}
	switch p {
	case GRPC:
		opts = append(opts, connect.WithGRPC())
	case GRPCWeb:
		opts = append(opts, connect.WithGRPCWeb())
	}
	return opts
}

// Shipments returns a connect-go ShipmentService client speaking p.
func (s *Server) Shipments(token string, p Protocol) svarsignv1connect.ShipmentServiceClient {
	return svarsignv1connect.NewShipmentServiceClient(h2cClient(), s.URL, clientOptions(token, p)...)
}

// Signing returns a connect-go SigningService client speaking p.
func (s *Server) Signing(token string, p Protocol) svarsignv1connect.SigningServiceClient {
	return svarsignv1connect.NewSigningServiceClient(h2cClient(), s.URL, clientOptions(token, p)...)
}

// GRPCConn is a grpc-go connection to the server, for the protoc-gen-go-grpc
// clients; the key travels as per-call credentials.
func (s *Server) GRPCConn(t testing.TB, token string) *grpc.ClientConn {
	t.Helper()
	conn, err := grpc.NewClient("passthrough:///"+s.App.Addr(),
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithPerRPCCredentials(tokenCreds(token)),
		grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(64<<20), grpc.MaxCallSendMsgSize(64<<20)),
	)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

type tokenCreds string

func (c tokenCreds) GetRequestMetadata(context.Context, ...string) (map[string]string, error) {
	return map[string]string{"authorization": "Bearer " + string(c)}, nil
}

func (tokenCreds) RequireTransportSecurity() bool { return false }

// Code returns the Connect code of err, or connect.Code(0) for nil. A
// domain error, as the services' own Go API (signing.Signer) returns it,
// has the code the edge (apierr) would give it.
func Code(err error) connect.Code {
	if err == nil {
		return 0
	}
	var ce *connect.Error
	if errors.As(err, &ce) {
		return ce.Code()
	}
	if k := domain.KindOf(err); k != 0 {
		return apierr.Code(k)
	}
	return connect.CodeOf(err)
}

// User creates a case worker of the organisation with the given number,
// who can log in on the manual submission page.
func (s *Server) User(t testing.TB, orgNumber, email, password string) {
	t.Helper()
	if _, err := admin.CreateUser(context.Background(), s.App.DB().Ent, orgNumber, email, password); err != nil {
		t.Fatal(err)
	}
}
