package apierr_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"strings"
	"testing"

	"connectrpc.com/connect"
	"google.golang.org/genproto/googleapis/rpc/errdetails"

	"github.com/svarsign/svarsign/ent"
	svarsignv1 "github.com/svarsign/svarsign/gen/go/svarsign/v1"
	"github.com/svarsign/svarsign/server/apierr"
	"github.com/svarsign/svarsign/server/domain"
)

// refused stands for a status change refused by the domain: it joins
// FailedPrecondition by an Is method, as domain.TransitionError does.
type refused struct{}

func (refused) Error() string        { return "shipment status cannot change from READ to REJECTED" }
func (refused) Is(target error) bool { return target == domain.ErrFailedPrecondition }

func TestMapCodes(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want connect.Code
		msg  string // the message the caller sees; "" to skip
	}{
		{"not found", domain.NotFound("shipment 1"), connect.CodeNotFound, "shipment 1 not found"},
		{"failed precondition", domain.Errorf(domain.ErrFailedPrecondition, "signing order is %s", "SIGNED"), connect.CodeFailedPrecondition, "signing order is SIGNED"},
		{"already exists", domain.Errorf(domain.ErrAlreadyExists, "idempotency_key is used"), connect.CodeAlreadyExists, "idempotency_key is used"},
		{"permission denied", domain.Errorf(domain.ErrPermissionDenied, "another person's order"), connect.CodePermissionDenied, ""},
		{"aborted", domain.Errorf(domain.ErrAborted, "stored at the same time"), connect.CodeAborted, ""},
		{"unavailable", domain.Errorf(domain.ErrUnavailable, "shutting down"), connect.CodeUnavailable, ""},
		{"wrapped kind", fmt.Errorf("in tx: %w", domain.NotFound("document 2")), connect.CodeNotFound, "in tx: document 2 not found"},
		{"refused transition", fmt.Errorf("recording: %w", refused{}), connect.CodeFailedPrecondition, ""},
		{"validation", domain.Invalid("title", domain.ReasonRequired, "is required"), connect.CodeInvalidArgument, "invalid request: title: is required"},
		{"ent not found", &ent.NotFoundError{}, connect.CodeNotFound, "not found"},
		{"canceled", fmt.Errorf("query: %w", context.Canceled), connect.CodeCanceled, ""},
		{"deadline", context.DeadlineExceeded, connect.CodeDeadlineExceeded, ""},
		{"connect error passes", connect.NewError(connect.CodeUnauthenticated, errors.New("no key")), connect.CodeUnauthenticated, "no key"},
		{"anything else", errors.New("disk on fire"), connect.CodeInternal, "Op: internal error"},
	}
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := apierr.Map(context.Background(), log, "Op", tt.err)
			ce, ok := errors.AsType[*connect.Error](got)
			if !ok {
				t.Fatalf("Map(%v) = %T, want a *connect.Error", tt.err, got)
			}
			if ce.Code() != tt.want {
				t.Errorf("Map(%v) code %v, want %v", tt.err, ce.Code(), tt.want)
			}
			if tt.msg != "" && ce.Message() != tt.msg {
				t.Errorf("Map(%v) message %q, want %q", tt.err, ce.Message(), tt.msg)
			}
		})
	}
	if apierr.Map(context.Background(), log, "Op", nil) != nil {
		t.Error("Map(nil) is not nil")
	}
	// Only the unexpected error is logged, with its details.
	if n := strings.Count(logs.String(), "internal error"); n != 1 || !strings.Contains(logs.String(), "disk on fire") {
		t.Errorf("logged %q, want the one internal error", logs.String())
	}
}

func TestInvalidCarriesReasons(t *testing.T) {
	var v domain.Violations
	v.Add("title", domain.ReasonRequired, "is required")
	v.AddError("recipient.national_identity_number", domain.CheckNationalIdentityNumber("123"))
	ce := apierr.Invalid(v.Err().(*domain.ValidationError))
	if ce.Code() != connect.CodeInvalidArgument {
		t.Fatalf("code %v, want InvalidArgument", ce.Code())
	}
	var got []*errdetails.BadRequest_FieldViolation
	for _, d := range ce.Details() {
		m, err := d.Value()
		if err != nil {
			t.Fatal(err)
		}
		if br, ok := m.(*errdetails.BadRequest); ok {
			got = append(got, br.GetFieldViolations()...)
		}
	}
	want := [][3]string{
		{"title", "REQUIRED", "is required"},
		{"recipient.national_identity_number", "INVALID_IDENTITY_NUMBER", "must be 11 digits"},
	}
	if len(got) != len(want) {
		t.Fatalf("%d field violations, want %d", len(got), len(want))
	}
	for i, w := range want {
		if g := [3]string{got[i].GetField(), got[i].GetReason(), got[i].GetDescription()}; g != w {
			t.Errorf("violation %d = %q, want %q", i, g, w)
		}
	}
}

// TestInterceptorMapsDomainErrors: a handler may return a domain error as
// it is; the client sees its code, and other errors are left alone.
func TestInterceptorMapsDomainErrors(t *testing.T) {
	tests := []struct {
		err  error
		want connect.Code
	}{
		{domain.NotFound("shipment 1"), connect.CodeNotFound},
		{domain.Invalid("cursor", domain.ReasonInvalidToken, "not a cursor"), connect.CodeInvalidArgument},
		{connect.NewError(connect.CodeResourceExhausted, errors.New("slow down")), connect.CodeResourceExhausted},
		{errors.New("plain"), connect.CodeUnknown},
	}
	for _, tt := range tests {
		unary := apierr.Interceptor{}.WrapUnary(func(context.Context, connect.AnyRequest) (connect.AnyResponse, error) {
			return nil, tt.err
		})
		_, err := unary(context.Background(), connect.NewRequest(&svarsignv1.GetShipmentRequest{}))
		if got := connect.CodeOf(err); got != tt.want {
			t.Errorf("unary handler error %v: code %v, want %v", tt.err, got, tt.want)
		}
		stream := apierr.Interceptor{}.WrapStreamingHandler(func(context.Context, connect.StreamingHandlerConn) error {
			return tt.err
		})
		if got := connect.CodeOf(stream(context.Background(), nil)); got != tt.want {
			t.Errorf("streaming handler error %v: code %v, want %v", tt.err, got, tt.want)
		}
	}
}

// TestReasonsDocumented: every reason the server sends is a value of the
// contract's FieldViolationReason (named with its prefix) and is listed in
// the OpenAPI extras, and the contract has no reason the server lacks.
func TestReasonsDocumented(t *testing.T) {
	const prefix = "FIELD_VIOLATION_REASON_"
	var contract []string
	for name, n := range svarsignv1.FieldViolationReason_value {
		if n != 0 {
			contract = append(contract, strings.TrimPrefix(name, prefix))
		}
	}
	var server []string
	for _, r := range domain.Reasons() {
		server = append(server, string(r))
	}
	slices.Sort(contract)
	slices.Sort(server)
	if !slices.Equal(contract, server) {
		t.Errorf("FieldViolationReason values %q, domain.Reasons() %q: they must match", contract, server)
	}

	extra, err := os.ReadFile("../../proto/openapi-extra.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range server {
		if !bytes.Contains(extra, []byte("          - "+r+"\n")) || !bytes.Contains(extra, []byte("          - "+r+": ")) {
			t.Errorf("proto/openapi-extra.yaml does not list and explain reason %s", r)
		}
	}
}
