package app_test

import (
	"context"
	"testing"

	"google.golang.org/grpc"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	svarsignv1 "github.com/svarsign/svarsign/gen/go/svarsign/v1"
	st "github.com/svarsign/svarsign/internal/svarsigntest"
)

// BenchmarkRead compares a read with the transport's floor, on one server
// and one gRPC connection, 16 concurrent callers: "health" is the gRPC
// health check (no credentials, no database), "get" is GetShipment of one
// stored shipment (API key, tenant scope, the shipment with its documents
// and signing order), "list" a page of 50. Read the ratios, not the
// absolute figures.
//
//	go test ./server/app/ -run '^$' -bench Read -benchtime 20000x
func BenchmarkRead(b *testing.B) {
	srv := st.Start(b)
	token := srv.Org(b, st.OrgNumber(0), "Bench kommune")
	conn := srv.GRPCConn(b, token)
	ships := svarsignv1.NewShipmentServiceClient(conn)
	sent, err := ships.SendShipment(context.Background(), &svarsignv1.SendShipmentRequest{
		Title:     "Vedtak",
		Recipient: personRecipient(0),
		Documents: []*svarsignv1.DocumentSpec{{FileName: "vedtak.txt", MimeType: "text/plain", Content: []byte("hei")}},
	})
	if err != nil {
		b.Fatal(err)
	}
	id := sent.GetShipment().GetId()
	for range 59 { // a page of 50 to list
		if _, err := ships.SendShipment(context.Background(), &svarsignv1.SendShipmentRequest{
			Title:     "Vedtak",
			Recipient: personRecipient(1),
			Documents: []*svarsignv1.DocumentSpec{{FileName: "vedtak.txt", MimeType: "text/plain", Content: []byte("hei")}},
		}); err != nil {
			b.Fatal(err)
		}
	}
	health := healthpb.NewHealthClient(conn)
	run := func(b *testing.B, call func(context.Context, *grpc.ClientConn) error) {
		b.SetParallelism(8) // 2 cores × 8 = 16 callers
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if err := call(context.Background(), conn); err != nil {
					b.Error(err)
					return
				}
			}
		})
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "calls/s")
	}
	b.Run("health", func(b *testing.B) {
		run(b, func(ctx context.Context, _ *grpc.ClientConn) error {
			_, err := health.Check(ctx, &healthpb.HealthCheckRequest{})
			return err
		})
	})
	b.Run("list", func(b *testing.B) {
		run(b, func(ctx context.Context, _ *grpc.ClientConn) error {
			_, err := ships.ListShipments(ctx, &svarsignv1.ListShipmentsRequest{PageSize: 50})
			return err
		})
	})
	b.Run("get", func(b *testing.B) {
		run(b, func(ctx context.Context, _ *grpc.ClientConn) error {
			_, err := ships.GetShipment(ctx, &svarsignv1.GetShipmentRequest{Id: id})
			return err
		})
	})
}
