package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/google/uuid"
	"google.golang.org/protobuf/types/known/timestamppb"

	svarsignv1 "github.com/svarsign/svarsign/gen/go/svarsign/v1"
	st "github.com/svarsign/svarsign/internal/svarsigntest"
	"github.com/svarsign/svarsign/internal/testpdf"
	"github.com/svarsign/svarsign/server/pki"
	"github.com/svarsign/svarsign/server/provider"
	"github.com/svarsign/svarsign/server/signing"
	"github.com/svarsign/svarsign/server/verify"
)

// sendForSigning sends a contract (marked sign) and an attachment to
// person n and returns the shipment id and the contract's bytes.
func sendForSigning(t *testing.T, srv *st.Server, token string, n int, typ svarsignv1.SignatureType, level4 bool) (string, []byte) {
	t.Helper()
	contract := testpdf.Read(t, testpdf.Classic(t, t.TempDir(), 2))
	resp, err := srv.Shipments(token, st.GRPC).SendShipment(context.Background(), connect.NewRequest(&svarsignv1.SendShipmentRequest{
		Title:     "Leiekontrakt",
		Recipient: personRecipient(n),
		Documents: []*svarsignv1.DocumentSpec{
			{FileName: "kontrakt.pdf", MimeType: "application/pdf", Content: contract, Sign: true},
			{FileName: "vedlegg.txt", MimeType: "text/plain", Content: []byte("husordensregler")},
		},
		RequireLevel4: level4,
		SigningOrder: &svarsignv1.SigningOrder{
			SignatureType: typ,
			Deadline:      timestamppb.New(time.Now().Add(14 * 24 * time.Hour)),
		},
	}))
	if err != nil {
		t.Fatal(err)
	}
	return resp.Msg.GetShipment().GetId(), contract
}

func signerOf(n, level int) provider.Signer {
	return provider.Signer{Name: "Kari Nordmann", NationalID: st.Person(n), Level: level, Method: "ID-porten (simulert)", IP: "127.0.0.1", UserAgent: "test"}
}

// TestSignedDocument signs a signing order with the local provider and
// fetches the result through SigningService, checking it with pdfsig, qpdf
// and svarsign's verifier against the service's CA root.
func TestSignedDocument(t *testing.T) {
	t.Parallel()
	testpdf.NeedQPDF(t)
	srv := st.Start(t)
	token := srv.Org(t, st.OrgNumber(0), "Eksempel kommune")
	ctx := context.Background()
	for _, typ := range []svarsignv1.SignatureType{svarsignv1.SignatureType_SIGNATURE_TYPE_AUTHENTICATED, svarsignv1.SignatureType_SIGNATURE_TYPE_ADVANCED} {
		t.Run(typ.String(), func(t *testing.T) {
			id, contract := sendForSigning(t, srv, token, 0, typ, true)
			sid := uuid.MustParse(id)
			signer := srv.App.Signer()

			for _, tc := range []struct {
				name string
				who  provider.Signer
				want error
				code connect.Code
			}{
				{"wrong person", signerOf(1, 4), signing.ErrWrongSigner, connect.CodePermissionDenied},
				{"level 3 on a level 4 order", signerOf(0, 3), signing.ErrLevelTooLow, connect.CodePermissionDenied},
			} {
				_, err := signer.Sign(ctx, sid, tc.who, "job")
				if !errors.Is(err, tc.want) || st.Code(err) != tc.code {
					t.Errorf("%s: err = %v, want %v (%v)", tc.name, err, tc.want, tc.code)
				}
			}
			if _, err := signer.Sign(ctx, sid, signerOf(0, 4), "job-"+id); err != nil {
				t.Fatal(err)
			}
			if _, err := signer.Sign(ctx, sid, signerOf(0, 4), "again"); !errors.Is(err, signing.ErrNotWaiting) {
				t.Errorf("signing twice: err = %v, want ErrNotWaiting", err)
			}

			sc := srv.Signing(token, st.Connect)
			order, err := sc.GetSigningOrder(ctx, connect.NewRequest(&svarsignv1.GetSigningOrderRequest{ShipmentId: id}))
			if err != nil {
				t.Fatal(err)
			}
			if order.Msg.GetSigningOrder().GetStatus() != svarsignv1.SigningStatus_SIGNING_STATUS_SIGNED {
				t.Fatalf("status %v, want SIGNED", order.Msg.GetSigningOrder().GetStatus())
			}
			// Registered, signed, and, once the return job has run, completed.
			var hist []*svarsignv1.SigningEvent
			srv.Await(t, func() error {
				resp, err := sc.GetSigningHistory(ctx, connect.NewRequest(&svarsignv1.GetSigningHistoryRequest{ShipmentId: id}))
				if err != nil {
					t.Fatal(err)
				}
				if hist = resp.Msg.GetEvents(); len(hist) < 3 {
					return fmt.Errorf("signing history %v, waiting for the completion", hist)
				}
				return nil
			})
			if len(hist) != 3 || hist[0].GetStatus() != svarsignv1.SigningStatus_SIGNING_STATUS_WAITING || hist[1].GetStatus() != svarsignv1.SigningStatus_SIGNING_STATUS_SIGNED ||
				hist[2].GetStatus() != svarsignv1.SigningStatus_SIGNING_STATUS_SIGNED || !strings.HasPrefix(hist[2].GetText(), "Completed") {
				t.Fatalf("signing history = %v, want WAITING, SIGNED, then SIGNED: Completed", hist)
			}

			dl, err := sc.DownloadSignedDocument(ctx, connect.NewRequest(&svarsignv1.DownloadSignedDocumentRequest{ShipmentId: id}))
			if err != nil {
				t.Fatal(err)
			}
			var pdf bytes.Buffer
			var meta *svarsignv1.Document
			for dl.Receive() {
				if d := dl.Msg().GetDocument(); d != nil {
					meta = d
				}
				pdf.Write(dl.Msg().GetChunk())
			}
			if err := dl.Err(); err != nil {
				t.Fatal(err)
			}
			if meta.GetFileName() != "kontrakt-signert.pdf" || meta.GetSizeBytes() != int64(pdf.Len()) || meta.GetSha256() != sha(pdf.Bytes()) {
				t.Fatalf("signed document meta %v does not match %d downloaded bytes", meta, pdf.Len())
			}
			if !bytes.HasPrefix(pdf.Bytes(), contract) {
				t.Fatal("signed PDF does not start with the original bytes")
			}
			// The same bytes as plain HTTP, for legacy callers.
			req, _ := http.NewRequest(http.MethodGet, srv.URL+"/v1/signing-orders/"+id+"/signed-document", nil)
			req.Header.Set("Authorization", "Bearer "+token)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			raw, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK || !bytes.Equal(raw, pdf.Bytes()) || resp.Header.Get("Content-Type") != "application/pdf" {
				t.Fatalf("GET signed-document: HTTP %d, %d bytes (want %d), %q", resp.StatusCode, len(raw), pdf.Len(), resp.Header.Get("Content-Type"))
			}

			path := filepath.Join(t.TempDir(), "signed.pdf")
			testpdf.Write(t, path, pdf.Bytes())
			testpdf.CheckValid(t, path, 1)
			roots, err := pki.LoadPool(srv.App.CARoot())
			if err != nil {
				t.Fatal(err)
			}
			rep, err := verify.File(bytes.NewReader(pdf.Bytes()), int64(pdf.Len()), roots)
			if err != nil || !rep.OK() {
				var b bytes.Buffer
				if rep != nil {
					rep.Write(&b, path)
				}
				t.Fatalf("verify: %v\n%s", err, b.String())
			}

			evResp, err := sc.GetEvidence(ctx, connect.NewRequest(&svarsignv1.GetEvidenceRequest{ShipmentId: id}))
			if err != nil {
				t.Fatal(err)
			}
			var ev provider.Evidence
			if err := json.Unmarshal([]byte(evResp.Msg.GetEvidenceJson()), &ev); err != nil {
				t.Fatal(err)
			}
			if ev.Signer.NationalID != st.Person(0) || ev.Signer.Level != 4 || ev.OriginalSHA256 != sha(contract) ||
				ev.SignedSHA256 != sha(pdf.Bytes()) || ev.JobID != "job-"+id || string(ev.SignatureType) != typ.String()[len("SIGNATURE_TYPE_"):] {
				t.Fatalf("evidence = %+v", ev)
			}
		})
	}
}

// TestSignRefusedWhenNotWaiting: a cancelled order can never be signed.
func TestSignRefusedWhenNotWaiting(t *testing.T) {
	t.Parallel()
	srv := st.Start(t)
	token := srv.Org(t, st.OrgNumber(0), "Eksempel kommune")
	ctx := context.Background()
	id, _ := sendForSigning(t, srv, token, 0, svarsignv1.SignatureType_SIGNATURE_TYPE_AUTHENTICATED, false)
	if _, err := srv.Signing(token, st.GRPC).CancelSigningOrder(ctx, connect.NewRequest(&svarsignv1.CancelSigningOrderRequest{ShipmentId: id})); err != nil {
		t.Fatal(err)
	}
	_, err := srv.App.Signer().Sign(ctx, uuid.MustParse(id), signerOf(0, 3), "job")
	if !errors.Is(err, signing.ErrNotWaiting) || st.Code(err) != connect.CodeFailedPrecondition {
		t.Fatalf("signing a cancelled order: %v", err)
	}
	dl, err := srv.Signing(token, st.GRPC).DownloadSignedDocument(ctx, connect.NewRequest(&svarsignv1.DownloadSignedDocumentRequest{ShipmentId: id}))
	if err == nil {
		for dl.Receive() {
		}
		err = dl.Err()
	}
	if st.Code(err) != connect.CodeFailedPrecondition {
		t.Fatalf("download of an unsigned order: %v, want FailedPrecondition", err)
	}
}
