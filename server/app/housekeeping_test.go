package app_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/google/uuid"

	"github.com/svarsign/svarsign/ent/ceremony"
	"github.com/svarsign/svarsign/ent/citizensession"
	"github.com/svarsign/svarsign/ent/shipment"
	svarsignv1 "github.com/svarsign/svarsign/gen/go/svarsign/v1"
	"github.com/svarsign/svarsign/gen/go/svarsign/v1/svarsignv1connect"
	st "github.com/svarsign/svarsign/internal/svarsigntest"
	"github.com/svarsign/svarsign/server/app"
	"github.com/svarsign/svarsign/server/database/databasetest"
	"github.com/svarsign/svarsign/server/domain"
	"github.com/svarsign/svarsign/server/housekeeping"
)

// TestPurgeExpired: the periodic purge deletes expired sessions and
// ceremonies past their grace, and keeps the rest.
func TestPurgeExpired(t *testing.T) {
	t.Parallel()
	srv := st.Start(t, func(c *app.Config) { c.PurgeInterval = 100 * time.Millisecond })
	ctx := databasetest.Context(t)
	db := srv.App.DB().Ent
	now := time.Now().UTC()
	token := func() []byte { b := make([]byte, 32); rand.Read(b); return b }
	session := func(expires time.Time) {
		if err := db.CitizenSession.Create().SetTokenHash(token()).SetNationalID(st.Person(0)).SetName("Kari").
			SetLevel(3).SetCsrf("x").SetExpiresAt(expires).Exec(ctx); err != nil {
			t.Fatal(err)
		}
	}
	cer := func(expires time.Time) {
		if err := db.Ceremony.Create().SetTokenHash(token()).SetShipmentID(uuid.New()).SetSignerID(st.Person(0)).
			SetSignerName("Kari").SetLevel(3).SetExpiresAt(expires).Exec(ctx); err != nil {
			t.Fatal(err)
		}
	}
	session(now.Add(-time.Minute))
	session(now.Add(time.Hour))
	cer(now.Add(-housekeeping.CeremonyGrace - time.Minute))
	cer(now.Add(-time.Minute)) // expired, but within the grace

	srv.Await(t, func() error {
		expired, _ := db.CitizenSession.Query().Where(citizensession.ExpiresAtLT(now)).Count(ctx)
		old, _ := db.Ceremony.Query().Where(ceremony.ExpiresAtLT(now.Add(-housekeeping.CeremonyGrace))).Count(ctx)
		if expired != 0 || old != 0 {
			return fmt.Errorf("%d expired sessions and %d old ceremonies remain", expired, old)
		}
		return nil
	})
	if n, _ := db.CitizenSession.Query().Count(ctx); n != 1 {
		t.Errorf("%d sessions remain, want the live one", n)
	}
	if n, _ := db.Ceremony.Query().Count(ctx); n != 1 {
		t.Errorf("%d ceremonies remain, want the one within its grace", n)
	}
}

// TestDraftPurge: drafts (StartShipment, perhaps with uploads, never sent)
// used to be kept forever with their bytes. Once untouched for the draft
// retention they go, uploads included, in every organisation; an upload
// keeps a draft alive, and sent shipments are never touched.
func TestDraftPurge(t *testing.T) {
	t.Parallel()
	clock := st.NewClock(time.Now())
	srv := startTrackedServer(t, func(c *app.Config) {
		c.Clock = clock.Now
		c.DraftRetention = time.Hour
		c.PurgeInterval = 100 * time.Millisecond
		c.ReadDeadline = 1000 * time.Hour // no printing in this test
	})
	ctx := context.Background()
	a := srv.Shipments(srv.Org(t, st.OrgNumber(0), "Kommune A"), st.GRPC)
	b := srv.Shipments(srv.Org(t, st.OrgNumber(1), "Kommune B"), st.Connect)
	upload := func(c svarsignv1connect.ShipmentServiceClient, id, name string) {
		t.Helper()
		if _, err := uploadBytes(ctx, c, &svarsignv1.UploadDocumentHeader{ShipmentId: id, FileName: name, MimeType: "text/plain"}, []byte("innhold av "+name)); err != nil {
			t.Fatalf("upload %s to %s: %v", name, id, err)
		}
	}

	empty := reserveShipment(t, a)    // started, nothing uploaded
	withDocs := reserveShipment(t, a) // started, two uploads
	upload(a, withDocs, "a.txt")
	upload(a, withDocs, "b.txt")
	otherOrg := reserveShipment(t, b) // another organisation's draft
	upload(b, otherOrg, "c.txt")
	sent := reserveShipment(t, a) // uploaded and sent
	upload(a, sent, "vedlegg.txt")
	req := validSendRequest()
	req.ShipmentId = sent
	req.Documents = append(req.Documents, &svarsignv1.DocumentSpec{FileName: "vedlegg.txt"})
	if _, err := a.SendShipment(ctx, connect.NewRequest(req)); err != nil {
		t.Fatal(err)
	}
	kept := reserveShipment(t, a) // uploaded to again later
	sentBlobs := 2

	clock.Advance(50 * time.Minute)
	upload(a, kept, "sen.txt")
	fresh := clock.Now()
	clock.Advance(20 * time.Minute) // the first four are 70 minutes old, kept's upload 20

	srv.Await(t, func() error {
		n, err := srv.App.DB().Ent.Shipment.Query().Where(shipment.StatusEQ(domain.StatusDraft)).Count(databasetest.Context(t))
		if err != nil {
			t.Fatal(err)
		}
		if n != 1 {
			return fmt.Errorf("%d drafts remain, want 1", n)
		}
		return nil
	})
	// The rows are gone at once, the bytes in a job of their own right after.
	srv.Await(t, func() error {
		if got, want := srv.blobFiles(t), sentBlobs+1; len(got) != want {
			return fmt.Errorf("blobs %q remain, want %d: the sent shipment's and the kept draft's", got, want)
		}
		return nil
	})

	// Through the API: the purged drafts are gone, uploads to them and sends
	// of their uploads are refused; the kept draft and the sent shipment work.
	for _, d := range []struct {
		c  svarsignv1connect.ShipmentServiceClient
		id string
	}{{a, empty}, {a, withDocs}, {b, otherOrg}} {
		_, err := uploadBytes(ctx, d.c, &svarsignv1.UploadDocumentHeader{ShipmentId: d.id, FileName: "ny.txt", MimeType: "text/plain"}, []byte("ny"))
		if st.Code(err) != connect.CodeNotFound {
			t.Errorf("upload to purged draft %s: %v, want NotFound", d.id, err)
		}
	}
	req = validSendRequest()
	req.ShipmentId = withDocs
	req.Documents = []*svarsignv1.DocumentSpec{{FileName: "a.txt"}}
	_, err := a.SendShipment(ctx, connect.NewRequest(req))
	wantOneViolation(t, err, "documents[0].file_name")

	got, err := a.GetShipment(ctx, connect.NewRequest(&svarsignv1.GetShipmentRequest{Id: sent}))
	if err != nil {
		t.Fatalf("the sent shipment: %v", err)
	}
	if docs := got.Msg.GetShipment().GetDocuments(); len(docs) != 2 {
		t.Fatalf("the sent shipment has %d documents, want 2", len(docs))
	}
	for _, doc := range got.Msg.GetShipment().GetDocuments() {
		stream, err := a.DownloadDocument(ctx, connect.NewRequest(&svarsignv1.DownloadDocumentRequest{ShipmentId: sent, DocumentId: doc.GetId()}))
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for stream.Receive() {
			n += len(stream.Msg().GetChunk())
		}
		if err := stream.Err(); err != nil || int64(n) != doc.GetSizeBytes() {
			t.Fatalf("downloading %s of the sent shipment: %d bytes, %v", doc.GetFileName(), n, err)
		}
	}
	req = validSendRequest()
	req.ShipmentId = kept
	req.Documents = append(req.Documents, &svarsignv1.DocumentSpec{FileName: "sen.txt"})
	if _, err := a.SendShipment(ctx, connect.NewRequest(req)); err != nil {
		t.Fatalf("sending the draft uploaded to %s ago: %v", clock.Now().Sub(fresh), err)
	}
	if got := srv.stored(t); got.Shipments != 2 || got.Documents != 4 || got.Blobs != 4 {
		t.Fatalf("after the purge and the last send the server holds %+v, want 2 shipments with 4 documents", got)
	}
}
