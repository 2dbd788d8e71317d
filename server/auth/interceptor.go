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
	"github.com/svarsign/svarsign/ent/org"
)

// Keys finds API keys; ent-backed in production.
type Keys interface {
	// LookupKey returns the stored key, or an error satisfying
	// ent.IsNotFound. It loads nothing else, so that a known and an
	// unknown key id cost the same.
	LookupKey(ctx context.Context, keyID string) (*ent.APIKey, error)
	// OrgNumber returns the number of the organisation with id orgID.
	OrgNumber(ctx context.Context, orgID int) (string, error)
}

// EntKeys looks keys up with ent.
type EntKeys struct{ Client *ent.Client }

// LookupKey implements Keys.
func (k EntKeys) LookupKey(ctx context.Context, keyID string) (*ent.APIKey, error) {
	return k.Client.APIKey.Query().Where(apikey.KeyID(keyID)).Only(lookupScope(ctx))
}

// OrgNumber implements Keys.
func (k EntKeys) OrgNumber(ctx context.Context, orgID int) (string, error) {
	return k.Client.Org.Query().Where(org.ID(orgID)).Select(org.FieldNumber).String(lookupScope(ctx))
}

// errKeyRefused is the one answer for every key that is not accepted:
// unknown, wrong secret or revoked. Telling them apart would tell a
// guesser which key ids exist.
var errKeyRefused = errors.New("API key not accepted: unknown key id, wrong secret or revoked key")

// Authenticate resolves an Authorization header to a caller; a key
// revoked at or before now is refused.
//
// An unknown key id costs what a wrong secret costs: one lookup and one
// hash comparison (against a hash no secret has), so neither the answer nor
// its timing says whether the key id exists. (With CachedKeys a key used in
// the last second answers sooner; see there.)
func Authenticate(ctx context.Context, keys Keys, now time.Time, header http.Header) (Caller, error) {
	id, secret, err := parseAuthorization(header.Get("Authorization"))
	if err != nil {
		return Caller{}, connect.NewError(connect.CodeUnauthenticated, err)
	}
	k, err := keys.LookupKey(ctx, id)
	hash := noSecretHash
	switch {
	case err == nil:
		hash = k.SecretHash
	case !ent.IsNotFound(err):
		return Caller{}, connect.NewError(connect.CodeUnavailable, fmt.Errorf("looking up API key: %w", err))
	}
	matches := secretMatches(secret, hash)
	if err != nil || !matches || k.RevokedAt != nil && !k.RevokedAt.After(now) {
		return Caller{}, connect.NewError(connect.CodeUnauthenticated, errKeyRefused)
	}
	number, err := keys.OrgNumber(ctx, k.OrgID)
	if err != nil {
		return Caller{}, connect.NewError(connect.CodeUnavailable, fmt.Errorf("looking up the organisation of API key %s: %w", k.KeyID, err))
	}
	return Caller{OrgID: k.OrgID, OrgNumber: number, KeyID: k.KeyID}, nil
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
	// Now is the service's clock, by which sessions expire and keys are
	// revoked; default time.Now.
	Now func() time.Time
	// Refused, if set, is told of each request Middleware refuses, so that
	// calls that never reach the interceptors can still be counted.
	Refused func(r *http.Request, err error)
}

// Authenticate picks the credentials of a call: the API key when there is
// an Authorization header, else the session cookie.
func (i Interceptor) Authenticate(ctx context.Context, header http.Header) (Caller, error) {
	now := time.Now
	if i.Now != nil {
		now = i.Now
	}
	if header.Get("Authorization") == "" && i.Sessions != nil {
		c, ok, err := AuthenticateSession(ctx, i.Sessions, now(), header)
		if ok {
			return c, err
		}
	}
	return Authenticate(ctx, i.Keys, now(), header)
}

var _ connect.Interceptor = Interceptor{}

// WrapUnary implements connect.Interceptor.
func (i Interceptor) WrapUnary(next connect.UnaryFunc) connect.UnaryFunc {
	return func(ctx context.Context, req connect.AnyRequest) (connect.AnyResponse, error) {
		if _, ok := FromContext(ctx); ok {
			return next(ctx, req) // authenticated by Middleware
		}
		c, err := i.Authenticate(ctx, req.Header())
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
		if _, ok := FromContext(ctx); ok {
			return next(ctx, conn) // authenticated by Middleware
		}
		c, err := i.Authenticate(ctx, conn.RequestHeader())
		if err != nil {
			return err
		}
		return next(WithCaller(ctx, c), conn)
	}
}
