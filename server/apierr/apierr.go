// Package apierr turns domain and storage errors into Connect/gRPC errors at
// the edge of the service, so handlers can return plain wrapped errors.
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
// field violation per problem.
func Invalid(ve *domain.ValidationError) *connect.Error {
	err := connect.NewError(connect.CodeInvalidArgument, ve)
	br := &errdetails.BadRequest{}
	for _, v := range ve.Violations {
		br.FieldViolations = append(br.FieldViolations, &errdetails.BadRequest_FieldViolation{
			Field:       v.Field,
			Description: v.Description,
		})
	}
	if d, derr := connect.NewErrorDetail(br); derr == nil {
		err.AddDetail(d)
	}
	return err
}

// Field is a single-violation InvalidArgument error.
func Field(field, description string) *connect.Error {
	var v domain.Violations
	v.Add(field, description)
	return Invalid(v.Err().(*domain.ValidationError))
}

// NotFound is the answer for anything missing or belonging to another
// organisation; the two are deliberately indistinguishable.
func NotFound(what string) *connect.Error {
	return connect.NewError(connect.CodeNotFound, errors.New(what+" not found"))
}

// Map converts err to a Connect error. Errors already carrying a code pass
// through; validation, not-found and cancellation are mapped; anything else is
// logged and becomes Internal without leaking details.
func Map(ctx context.Context, log *slog.Logger, op string, err error) error {
	if err == nil {
		return nil
	}
	var ce *connect.Error
	var ve *domain.ValidationError
	var te *domain.TransitionError
	switch {
	case errors.As(err, &ce):
		return ce
	case errors.As(err, &ve):
		return Invalid(ve)
	case errors.As(err, &te):
		return connect.NewError(connect.CodeFailedPrecondition, err)
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
