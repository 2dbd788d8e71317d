package app_test

import (
	"context"
	"testing"

	"connectrpc.com/connect"

	svarsignv1 "github.com/svarsign/svarsign/gen/go/svarsign/v1"
	st "github.com/svarsign/svarsign/internal/svarsigntest"
	"github.com/svarsign/svarsign/server/app"
	"github.com/svarsign/svarsign/server/database/databasetest"
)

// BenchmarkSendShipment sends small shipments (one 1 KiB inline document)
// over gRPC from 16 concurrent callers and reports sends per second: each
// send is one transaction holding the shipment, its document, the history
// and outbox events and the accept job, while the workers deliver earlier
// sends beside it.
//
//	go test ./server/app/ -run '^$' -bench SendShipment -benchtime 2000x
func BenchmarkSendShipment(b *testing.B) {
	b.Run("sqlite", func(b *testing.B) { benchSend(b, st.Start(b)) })
	b.Run("postgres", func(b *testing.B) {
		dsn := databasetest.PostgresDSN(b)
		benchSend(b, st.Start(b, func(c *app.Config) { c.DatabaseURL = dsn }))
	})
}

func benchSend(b *testing.B, srv *st.Server) {
	c := srv.Shipments(srv.Org(b, st.OrgNumber(0), "Bench kommune"), st.GRPC)
	doc := make([]byte, 1024)
	b.SetParallelism(8) // 2 cores × 8 = 16 callers
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		n := 0
		for pb.Next() {
			n++
			_, err := c.SendShipment(context.Background(), connect.NewRequest(&svarsignv1.SendShipmentRequest{
				Title:     "Vedtak",
				Recipient: personRecipient(n % 50),
				Documents: []*svarsignv1.DocumentSpec{{FileName: "vedtak.txt", MimeType: "text/plain", Content: doc}},
			}))
			if err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "sends/s")
}
