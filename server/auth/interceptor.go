package auth

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"connectrpc.com/connect"

	"github.com/svarsign/svarsign/ent"
	"github.com/svarsign/svarsign/ent/apikey"
)

// Keys finds API keys; ent-backed in production.
type Keys interface {
	// LookupKey returns the stored key and its organisation, or an error
	// satisfying ent.IsNotFound.
	LookupKey(ctx context.Context, keyID string) (*ent.APIKey, error)
}

// EntKeys looks keys up with ent.
type EntKeys struct{ Client *ent.Client }

// LookupKey implements Keys.
func (k EntKeys) LookupKey(ctx context.Context, keyID string) (*ent.APIKey, error) {
	return k.Client.APIKey.Query().Where(apikey.KeyID(keyID)).WithOrg().Only(ctx)
}

// Authenticate resolves an Authorization header to a caller.
func Authenticate(ctx context.Context, keys Keys, header http.Header) (Caller, error) {
	id, secret, err := parseAuthorization(header.Get("Authorization"))
	if err != nil {
		return Caller{}, connect.NewError(connect.CodeUnauthenticated, err)
	}
	k, err := keys.LookupKey(ctx, id)
	switch {
	case ent.IsNotFound(err):
		return Caller{}, connect.NewError(connect.CodeUnauthenticated, errors.New("unknown API key"))
	case err != nil:
		return Caller{}, connect.NewError(connect.CodeUnavailable, fmt.Errorf("looking up API key: %w", err))
	}
	if !secretMatches(secret, k.SecretHash) {
		return Caller{}, connect.NewError(connect.CodeUnauthenticated, errors.New("wrong API key secret"))
	}
	if k.RevokedAt != nil && !k.RevokedAt.After(time.Now()) {
		return Caller{}, connect.NewError(connect.CodeUnauthenticated, errors.New("API key revoked"))
	}
	return Caller{OrgID: k.OrgID, OrgNumber: k.Edges.Org.Number, KeyID: k.KeyID}, nil
}

// Interceptor authenticates every unary and streaming call before the
// handler runs. gRPC, Connect and gRPC-Web all carry the header the same
// way, and the JSON facade forwards it, so this is the one place auth happens.
//
// A call with an Authorization header is a system's, checked against Keys.
// A call without one but with a case worker's session cookie is the manual
// submission page's, checked against Sessions, and must carry the session's
// CSRF token in CSRFHeader. With Sessions nil, cookies are ignored.
type Interceptor struct {
	Keys     Keys
	Sessions Sessions
	// Now is the clock sessions expire by; default time.Now.
	Now func() time.Time
}

// authenticate picks the credentials of a call: the API key when there is
// an Authorization header, else the session cookie.
func (i Interceptor) authenticate(ctx context.Context, header http.Header) (Caller, error) {
	if header.Get("Authorization") == "" && i.Sessions != nil {
		now := time.Now
		if i.Now != nil {
			now = i.Now
		}
		c, ok, err := AuthenticateSession(ctx, i.Sessions, now(), header)
		if ok {
			return c, err
		}
	}
	return Authenticate(ctx, i.Keys, header)
}

var _ connect.Interceptor = Interceptor{}

// WrapUnary implements connect.Interceptor.
func (i Interceptor) WrapUnary(next connect.UnaryFunc) connect.UnaryFunc {
	return func(ctx context.Context, req connect.AnyRequest) (connect.AnyResponse, error) {
		c, err := i.authenticate(ctx, req.Header())
		if err != nil {
			return nil, err
		}
		return next(WithCaller(ctx, c), req)
	}
}

// WrapStreamingClient implements connect.Interceptor; clients are not wrapped.
func (i Interceptor) WrapStreamingClient(next connect.StreamingClientFunc) connect.StreamingClientFunc {
	return next
}

// WrapStreamingHandler implements connect.Interceptor.
func (i Interceptor) WrapStreamingHandler(next connect.StreamingHandlerFunc) connect.StreamingHandlerFunc {
	return func(ctx context.Context, conn connect.StreamingHandlerConn) error {
		c, err := i.authenticate(ctx, conn.RequestHeader())
		if err != nil {
			return err
		}
		return next(WithCaller(ctx, c), conn)
	}
}
