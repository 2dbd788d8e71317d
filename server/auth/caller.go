package auth

import (
	"context"

	"github.com/svarsign/svarsign/server/tenant"
)

// Caller is the authenticated organisation of a call, made by a system
// with an API key or by a case worker with a session cookie.
type Caller struct {
	OrgID     int
	OrgNumber string
	// KeyID names the API key of a system's call; empty for a case worker.
	KeyID string
	// UserID is the case worker of a call from the manual submission
	// page; zero for a system's call.
	UserID int
}

type callerKey struct{}

// WithCaller returns a context carrying c, and c's organisation as the
// tenant scope of everything the call reads and writes.
func WithCaller(ctx context.Context, c Caller) context.Context {
	return tenant.With(context.WithValue(ctx, callerKey{}, c), tenant.Org(c.OrgID))
}

// lookupScope is the scope of the credential lookups that tell who the
// caller is: they must search every organisation's keys and sessions.
func lookupScope(ctx context.Context) context.Context {
	return tenant.With(ctx, tenant.System("authentication"))
}

// FromContext returns the caller set by the interceptor. Handlers behind the
// interceptor can rely on ok being true.
func FromContext(ctx context.Context) (c Caller, ok bool) {
	c, ok = ctx.Value(callerKey{}).(Caller)
	return c, ok
}
