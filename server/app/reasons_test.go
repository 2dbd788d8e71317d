package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/types/known/timestamppb"

	svarsignv1 "github.com/svarsign/svarsign/gen/go/svarsign/v1"
	st "github.com/svarsign/svarsign/internal/svarsigntest"
)

// reasonSends each break one rule of SendShipment; the one violation must
// name field with reason, whatever the transport.
var reasonSends = []struct {
	name, field, reason string
	mod                 func(*svarsignv1.SendShipmentRequest)
}{
	{"title missing", "title", "REQUIRED", func(r *svarsignv1.SendShipmentRequest) { r.Title = "" }},
	{"title too long", "title", "TOO_LONG", func(r *svarsignv1.SendShipmentRequest) { r.Title = strings.Repeat("æ", 1001) }},
	{"title with a control character", "title", "CONTROL_CHARACTER", func(r *svarsignv1.SendShipmentRequest) { r.Title = "Vedtak\x07" }},
	{"person number check digit", "recipient.national_identity_number", "INVALID_IDENTITY_NUMBER", func(r *svarsignv1.SendShipmentRequest) {
		p := st.Person(0)
		r.Recipient.Identity = &svarsignv1.Recipient_NationalIdentityNumber{NationalIdentityNumber: p[:10] + string(rune((p[10]-'0'+1)%10+'0'))}
	}},
	{"file name with a slash", "documents[0].file_name", "INVALID_FILE_NAME", func(r *svarsignv1.SendShipmentRequest) { r.Documents[0].FileName = "mappe/vedtak.pdf" }},
	{"file names equal but for case", "documents[1].file_name", "DUPLICATE", func(r *svarsignv1.SendShipmentRequest) {
		r.Documents = append(r.Documents, &svarsignv1.DocumentSpec{FileName: "VEDTAK.PDF", MimeType: "application/pdf", Content: []byte("%PDF-1.4\n")})
	}},
	{"signing deadline too late", "signing_order.deadline", "TOO_LATE", func(r *svarsignv1.SendShipmentRequest) {
		r.Documents[0].Sign = true
		r.SigningOrder = &svarsignv1.SigningOrder{
			SignatureType: svarsignv1.SignatureType_SIGNATURE_TYPE_AUTHENTICATED,
			Deadline:      timestamppb.New(time.Now().Add(91 * 24 * time.Hour)),
		}
	}},
	{"organisation asked to sign", "recipient.organization_number", "NOT_A_PERSON", func(r *svarsignv1.SendShipmentRequest) {
		r.Recipient.Identity = &svarsignv1.Recipient_OrganizationNumber{OrganizationNumber: st.OrgNumber(5)}
		r.Documents[0].Sign = true
		r.SigningOrder = &svarsignv1.SigningOrder{
			SignatureType: svarsignv1.SignatureType_SIGNATURE_TYPE_AUTHENTICATED,
			Deadline:      timestamppb.New(time.Now().Add(10 * 24 * time.Hour)),
		}
	}},
}

// reasonSendRequest passes every rule; each case breaks one.
func reasonSendRequest() *svarsignv1.SendShipmentRequest {
	return &svarsignv1.SendShipmentRequest{
		Title:     "Vedtak",
		Recipient: &svarsignv1.Recipient{Identity: &svarsignv1.Recipient_NationalIdentityNumber{NationalIdentityNumber: st.Person(0)}},
		Documents: []*svarsignv1.DocumentSpec{{FileName: "vedtak.pdf", MimeType: "application/pdf", Content: []byte("%PDF-1.4\n% vedtak\n")}},
	}
}

// TestViolationReasons: a refused SendShipment carries the reason of its
// field violation over Connect, gRPC (a Connect client and a grpc-go
// client) and the JSON facade alike, so no client has to parse English.
func TestViolationReasons(t *testing.T) {
	t.Parallel()
	srv := st.Start(t)
	token := srv.Org(t, st.OrgNumber(0), "Årsak kommune")
	grpcClient := svarsignv1.NewShipmentServiceClient(srv.GRPCConn(t, token))
	ctx := context.Background()

	for _, tc := range reasonSends {
		t.Run(tc.name, func(t *testing.T) {
			req := reasonSendRequest()
			tc.mod(req)
			want := [2]string{tc.field, tc.reason}

			for _, p := range []st.Protocol{st.Connect, st.GRPC} {
				_, err := srv.Shipments(token, p).SendShipment(ctx, connect.NewRequest(req))
				if got := connectViolations(t, err); len(got) != 1 || got[0] != want {
					t.Errorf("%s: violations %q, want [%q]", p, got, want)
				}
			}

			_, err := grpcClient.SendShipment(ctx, req)
			if got := grpcStatusViolations(t, err); len(got) != 1 || got[0] != want {
				t.Errorf("grpc-go: violations %q, want [%q]", got, want)
			}

			if got := facadeViolations(t, srv.URL, token, req); len(got) != 1 || got[0] != want {
				t.Errorf("JSON facade: violations %q, want [%q]", got, want)
			}
		})
	}
}

// connectViolations returns the (field, reason) pairs of a Connect client's
// InvalidArgument error.
func connectViolations(t *testing.T, err error) [][2]string {
	t.Helper()
	ce, ok := err.(*connect.Error)
	if !ok || ce.Code() != connect.CodeInvalidArgument {
		t.Fatalf("error %v, want InvalidArgument", err)
	}
	var out [][2]string
	for _, d := range ce.Details() {
		m, derr := d.Value()
		if derr != nil {
			t.Fatal(derr)
		}
		if br, ok := m.(*errdetails.BadRequest); ok {
			out = append(out, reasonPairs(br)...)
		}
	}
	return out
}

// grpcStatusViolations does the same for a grpc-go client's status.
func grpcStatusViolations(t *testing.T, err error) [][2]string {
	t.Helper()
	s, ok := status.FromError(err)
	if !ok || s.Code() != 3 {
		t.Fatalf("error %v, want InvalidArgument", err)
	}
	var out [][2]string
	for _, d := range s.Details() {
		if br, ok := d.(*errdetails.BadRequest); ok {
			out = append(out, reasonPairs(br)...)
		}
	}
	return out
}

func reasonPairs(br *errdetails.BadRequest) [][2]string {
	var out [][2]string
	for _, v := range br.GetFieldViolations() {
		if v.GetDescription() == "" {
			continue // a violation must say what is wrong for people too
		}
		out = append(out, [2]string{v.GetField(), v.GetReason()})
	}
	return out
}

// facadeViolations POSTs req to the JSON facade and returns the (field,
// reason) pairs of its 400 answer.
func facadeViolations(t *testing.T, base, token string, req *svarsignv1.SendShipmentRequest) [][2]string {
	t.Helper()
	body, err := protojson.Marshal(req)
	if err != nil {
		t.Fatal(err)
	}
	hreq, err := http.NewRequest(http.MethodPost, base+"/v1/shipments", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	hreq.Header.Set("Authorization", "Bearer "+token)
	hreq.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(hreq)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("POST /v1/shipments = %d %s, want 400", resp.StatusCode, raw)
	}
	var got struct {
		Details []struct {
			Type            string `json:"@type"`
			FieldViolations []struct {
				Field, Reason, Description string
			} `json:"fieldViolations"`
		} `json:"details"`
	}
	if err := json.Unmarshal(raw, &got); err != nil {
		t.Fatalf("error body %s: %v", raw, err)
	}
	var out [][2]string
	for _, d := range got.Details {
		if d.Type != "type.googleapis.com/google.rpc.BadRequest" {
			continue
		}
		for _, v := range d.FieldViolations {
			if v.Description != "" {
				out = append(out, [2]string{v.Field, v.Reason})
			}
		}
	}
	return out
}
