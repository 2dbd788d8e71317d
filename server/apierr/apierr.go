// Package apierr turns domain and storage errors into Connect/gRPC errors at
// the edge of the service: service code returns plain wrapped errors and
// the error kinds of package domain, and [Map] (called by handlers) or
// [Interceptor] (for a domain error a handler returns as it is) picks the
// code.
package apierr

import (
	"context"
	"errors"
	"log/slog"

	"connectrpc.com/connect"
	"google.golang.org/genproto/googleapis/rpc/errdetails"

	"github.com/svarsign/svarsign/ent"
	"github.com/svarsign/svarsign/server/domain"
)

// Invalid builds an InvalidArgument error with one google.rpc.BadRequest
// field violation per problem, each with its reason.
func Invalid(ve *domain.ValidationError) *connect.Error {
	err := connect.NewError(connect.CodeInvalidArgument, ve)
	if d, derr := connect.NewErrorDetail(BadRequest(ve)); derr == nil {
		err.AddDetail(d)
	}
	return err
}

// BadRequest is ve as a google.rpc.BadRequest, for the transports that build
// their own status (gRPC, the JSON facade).
func BadRequest(ve *domain.ValidationError) *errdetails.BadRequest {
	br := &errdetails.BadRequest{}
	for _, v := range ve.Violations {
		br.FieldViolations = append(br.FieldViolations, &errdetails.BadRequest_FieldViolation{
			Field:       v.Field,
			Reason:      string(v.Reason),
			Description: v.Description,
		})
	}
	return br
}

// Code is the Connect code of a domain error kind; kind 0 (no kind) is
// Internal.
func Code(k domain.Kind) connect.Code {
	switch k {
	case domain.ErrNotFound:
		return connect.CodeNotFound
	case domain.ErrFailedPrecondition:
		return connect.CodeFailedPrecondition
	case domain.ErrAlreadyExists:
		return connect.CodeAlreadyExists
	case domain.ErrPermissionDenied:
		return connect.CodePermissionDenied
	case domain.ErrAborted:
		return connect.CodeAborted
	case domain.ErrUnavailable:
		return connect.CodeUnavailable
	}
	return connect.CodeInternal
}

// Map converts err to a Connect error. Errors already carrying a code pass
// through; validation errors, domain errors of a kind, not-found and
// cancellation are mapped; anything else is logged and becomes Internal
// without leaking details.
func Map(ctx context.Context, log *slog.Logger, op string, err error) error {
	if err == nil {
		return nil
	}
	if ce, ok := errors.AsType[*connect.Error](err); ok {
		return ce
	}
	if ce, ok := domainError(err); ok {
		return ce
	}
	switch {
	case ent.IsNotFound(err):
		return connect.NewError(connect.CodeNotFound, errors.New("not found"))
	case errors.Is(err, context.Canceled):
		return connect.NewError(connect.CodeCanceled, err)
	case errors.Is(err, context.DeadlineExceeded):
		return connect.NewError(connect.CodeDeadlineExceeded, err)
	}
	log.ErrorContext(ctx, "internal error", "op", op, "err", err)
	return connect.NewError(connect.CodeInternal, errors.New(op+": internal error"))
}

// Interceptor maps the domain errors a handler returns without [Map] (a
// validation error, an error of a domain kind) to their codes, so that
// service code can return them from anywhere. Other errors pass as they
// are. Put it last (innermost), so that the interceptors before it see
// Connect errors.
type Interceptor struct{}

var _ connect.Interceptor = Interceptor{}

// domainError maps a validation error or an error of a domain kind.
func domainError(err error) (*connect.Error, bool) {
	if ve, ok := errors.AsType[*domain.ValidationError](err); ok {
		return Invalid(ve), true
	}
	if k := domain.KindOf(err); k != 0 {
		return connect.NewError(Code(k), err), true
	}
	return nil, false
}

// edge maps err if it is a domain error that is not a Connect error yet.
func edge(err error) error {
	if err == nil {
		return nil
	}
	if _, ok := errors.AsType[*connect.Error](err); ok {
		return err
	}
	if ce, ok := domainError(err); ok {
		return ce
	}
	return err
}

// WrapUnary implements connect.Interceptor.
func (Interceptor) WrapUnary(next connect.UnaryFunc) connect.UnaryFunc {
	return func(ctx context.Context, req connect.AnyRequest) (connect.AnyResponse, error) {
		res, err := next(ctx, req)
		if err != nil && !req.Spec().IsClient {
			return nil, edge(err)
		}
		return res, err
	}
}

// WrapStreamingClient implements connect.Interceptor; clients are left alone.
func (Interceptor) WrapStreamingClient(next connect.StreamingClientFunc) connect.StreamingClientFunc {
	return next
}

// WrapStreamingHandler implements connect.Interceptor.
func (Interceptor) WrapStreamingHandler(next connect.StreamingHandlerFunc) connect.StreamingHandlerFunc {
	return func(ctx context.Context, conn connect.StreamingHandlerConn) error {
		return edge(next(ctx, conn))
	}
}
