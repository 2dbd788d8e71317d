package app_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"

	svarsignv1 "github.com/svarsign/svarsign/gen/go/svarsign/v1"
	st "github.com/svarsign/svarsign/internal/svarsigntest"
	"github.com/svarsign/svarsign/internal/testpdf"
)

// hostilePDFs are the attack files of issue 10, items 1 and 2, with what
// the refusal must say.
var hostilePDFs = []struct {
	name string
	pdf  func() []byte
	says string
}{
	// On the base commit: fatal error: stack overflow, the process dies.
	{"object stream Length inside itself", testpdf.ObjStmSelfLength, "needed to read itself"},
	// On the base commit: 23 s and 2.4 GB before the refusal.
	{"xref stream Index 0 16777215", func() []byte { return testpdf.XRefIndexBomb(1<<24 - 1) }, "damaged"},
	// On the base commit: accepted, with a 3.7 GB peak.
	{"40 object streams of 63 MiB", func() []byte { return testpdf.ObjStmBomb(40, 63<<20) }, "too complex"},
}

// TestHostilePDFToSign sends each hostile PDF as the document to sign, over
// gRPC, inline and as an upload: each is refused with InvalidArgument and
// one field violation on the document's content saying why, nothing is
// stored, and the server goes on answering: a valid signing order is
// accepted afterwards.
func TestHostilePDFToSign(t *testing.T) {
	t.Parallel()
	srv := startTrackedServer(t)
	ctx := context.Background()
	c := srv.Shipments(srv.Org(t, st.OrgNumber(0), "Eksempel kommune"), st.GRPC)
	deadline := time.Now().Add(14 * 24 * time.Hour)
	for _, tc := range hostilePDFs {
		t.Run(tc.name, func(t *testing.T) {
			pdf := tc.pdf()
			before := srv.signingStored(t)
			req := signingSend(t, 0, deadline)
			req.Documents[0].Content = pdf
			_, err := c.SendShipment(ctx, connect.NewRequest(req))
			wantOneViolation(t, err, "documents[0].content")
			if d := fieldViolations(t, err)[0].GetDescription(); !strings.Contains(d, tc.says) {
				t.Errorf("violation says %q, want it to say %q", d, tc.says)
			}
			if got := srv.signingStored(t); got != before {
				t.Fatalf("the refused send changed what the server holds from %+v to %+v", before, got)
			}

			// The same bytes uploaded first are read from the stored file.
			id := reserveShipment(t, c)
			if _, err := uploadBytes(ctx, c, &svarsignv1.UploadDocumentHeader{ShipmentId: id, FileName: "kontrakt.pdf", MimeType: "application/pdf"}, pdf); err != nil {
				t.Fatalf("UploadDocument: %v", err)
			}
			req.ShipmentId = id
			req.Documents[0] = &svarsignv1.DocumentSpec{FileName: "kontrakt.pdf", Sign: true}
			_, err = c.SendShipment(ctx, connect.NewRequest(req))
			wantOneViolation(t, err, "documents[0].content")
			if got := srv.signingStored(t); got.SigningOrders != 0 || got.ExpireJobs != 0 {
				t.Fatalf("after the refused send of an upload the server holds %+v, want no signing order", got)
			}
		})
	}
	sh := sendOK(t, c, signingSend(t, 1, deadline))
	if sh.GetSigningOrder().GetStatus() != sigWaiting {
		t.Fatalf("signing order after the hostile ones: %v, want WAITING", sh.GetSigningOrder())
	}
}
