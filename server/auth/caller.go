package auth

import "context"

// Caller is the authenticated organisation of a call.
type Caller struct {
	OrgID     int
	OrgNumber string
	KeyID     string
}

type callerKey struct{}

// WithCaller returns a context carrying c.
func WithCaller(ctx context.Context, c Caller) context.Context {
	return context.WithValue(ctx, callerKey{}, c)
}

// FromContext returns the caller set by the interceptor. Handlers behind the
// interceptor can rely on ok being true.
func FromContext(ctx context.Context) (c Caller, ok bool) {
	c, ok = ctx.Value(callerKey{}).(Caller)
	return c, ok
}
