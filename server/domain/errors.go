package domain

import (
	"errors"
	"fmt"
)

// Kind is the class of a refusal: what went wrong in terms a transport can
// map to its own codes (server/apierr to Connect and gRPC codes, the
// mailbox to HTTP statuses and its messages) without reading the message.
//
// A Kind is itself an error, so that it can be the target of [errors.Is]:
// errors.Is(err, domain.ErrNotFound). An error type of another package
// joins a kind with an Is method that matches it, as
//
//	func (e *TransitionError) Is(target error) bool { return target == ErrFailedPrecondition }
type Kind uint8

const (
	// ErrNotFound: the named thing does not exist, or belongs to another
	// organisation; the two are deliberately indistinguishable.
	ErrNotFound Kind = iota + 1
	// ErrFailedPrecondition: the request is well formed, but what it acts
	// on is not in a state that allows it (a signing order no longer
	// waiting, a shipment already sent).
	ErrFailedPrecondition
	// ErrAlreadyExists: the request would create what exists already with
	// other content (an idempotency key or shipment id used before).
	ErrAlreadyExists
	// ErrPermissionDenied: the caller is known but may not do this (another
	// person's signing order, a login at too low a level).
	ErrPermissionDenied
	// ErrAborted: a concurrent request changed the same thing first;
	// retrying may succeed.
	ErrAborted
	// ErrUnavailable: the service cannot answer now (it is shutting down);
	// retrying later may succeed.
	ErrUnavailable
)

// kinds lists every Kind, for [KindOf].
func kinds() []Kind {
	return []Kind{ErrNotFound, ErrFailedPrecondition, ErrAlreadyExists, ErrPermissionDenied, ErrAborted, ErrUnavailable}
}

func (k Kind) Error() string {
	switch k {
	case ErrNotFound:
		return "not found"
	case ErrFailedPrecondition:
		return "failed precondition"
	case ErrAlreadyExists:
		return "already exists"
	case ErrPermissionDenied:
		return "permission denied"
	case ErrAborted:
		return "aborted"
	case ErrUnavailable:
		return "unavailable"
	}
	return fmt.Sprintf("domain.Kind(%d)", uint8(k))
}

// Error is a refusal of one [Kind] with a message for the caller. The
// message may wrap a more specific error (a sentinel such as
// signing.ErrNotWaiting, or a refused status change), which [errors.Is] and
// [errors.As] find as usual.
type Error struct {
	Kind Kind
	err  error
}

// Errorf returns an [*Error] of kind k whose message is formatted as by
// [fmt.Errorf], so that %w wraps.
func Errorf(k Kind, format string, args ...any) error {
	return &Error{Kind: k, err: fmt.Errorf(format, args...)}
}

// NotFound is the [ErrNotFound] error "<what> not found", as in
// NotFound("shipment " + id).
func NotFound(what string) error {
	return &Error{Kind: ErrNotFound, err: errors.New(what + " not found")}
}

// Error returns the message alone: the kind is for machines.
func (e *Error) Error() string { return e.err.Error() }

// Unwrap returns the message as an error, through which [errors.Is] and
// [errors.As] reach whatever it wraps.
func (e *Error) Unwrap() error { return e.err }

// Is reports whether target is e's kind.
func (e *Error) Is(target error) bool {
	k, ok := target.(Kind)
	return ok && k == e.Kind
}

// KindOf returns the kind of err: that of the outermost [*Error] in its
// chain, else the first kind that [errors.Is] matches (a bare Kind wrapped
// with %w, or another type with an Is method), else 0 for an error of no
// kind, which transports treat as internal.
func KindOf(err error) Kind {
	if err == nil {
		return 0
	}
	if e, ok := errors.AsType[*Error](err); ok {
		return e.Kind
	}
	for _, k := range kinds() {
		if errors.Is(err, k) {
			return k
		}
	}
	return 0
}
