package auth

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"connectrpc.com/connect"

	"github.com/svarsign/svarsign/ent"
	"github.com/svarsign/svarsign/ent/usersession"
	"github.com/svarsign/svarsign/server/websession"
)

// The manual submission page calls the same RPCs as any system, but its
// browser holds a session cookie, not an API key. A cookie is sent by the
// browser on its own, also on requests another site makes it send, so a
// call authenticated by the cookie must also carry the session's CSRF
// token in a header: a page on another origin cannot read the token and
// cannot set the header without a CORS preflight, which this service never
// grants. (The cookie is SameSite=Strict as well; the header is the part
// that does not depend on the browser.)
const (
	// SessionCookie names the case worker's session cookie.
	SessionCookie = "svarsign_session"
	// CSRFHeader carries the session's CSRF token on cookie-authenticated calls.
	CSRFHeader = "X-CSRF-Token"
	// SessionLifetime is how long a case worker stays logged in.
	SessionLifetime = 8 * time.Hour
)

// Session is a case worker's live session.
type Session struct {
	UserID    int
	Email     string
	OrgID     int
	OrgNumber string
	OrgName   string
	// CSRF is the token the page echoes in CSRFHeader.
	CSRF      string
	ExpiresAt time.Time
}

// Sessions finds case-worker sessions; ent-backed in production.
type Sessions interface {
	// LookupSession returns the session whose cookie value hashes to
	// tokenHash and that has not expired at now, or an error satisfying
	// ent.IsNotFound.
	LookupSession(ctx context.Context, tokenHash []byte, now time.Time) (Session, error)
}

// EntSessions looks sessions up with ent.
type EntSessions struct{ Client *ent.Client }

// LookupSession implements Sessions.
func (s EntSessions) LookupSession(ctx context.Context, tokenHash []byte, now time.Time) (Session, error) {
	us, err := s.Client.UserSession.Query().
		Where(usersession.TokenHash(tokenHash), usersession.ExpiresAtGT(now.UTC())).
		WithUser(func(q *ent.UserQuery) { q.WithOrg() }).
		Only(lookupScope(ctx))
	if err != nil {
		return Session{}, err
	}
	u := us.Edges.User
	return Session{
		UserID: u.ID, Email: u.Email, OrgID: u.OrgID, OrgNumber: u.Edges.Org.Number, OrgName: u.Edges.Org.Name,
		CSRF: us.Csrf, ExpiresAt: us.ExpiresAt,
	}, nil
}

// SessionToken returns the session cookie's value in header, or "".
func SessionToken(header http.Header) string {
	for _, line := range header.Values("Cookie") {
		cookies, err := http.ParseCookie(line)
		if err != nil {
			continue
		}
		for _, c := range cookies {
			if c.Name == SessionCookie {
				return c.Value
			}
		}
	}
	return ""
}

var errNoCSRF = errors.New("a call authenticated by the session cookie must carry the session's CSRF token in the " + CSRFHeader + " header")

// AuthenticateSession resolves a session cookie and its CSRF header to a
// caller. ok is false when the header has no session cookie at all, so the
// caller can report missing credentials in the API key's terms.
func AuthenticateSession(ctx context.Context, sessions Sessions, now time.Time, header http.Header) (c Caller, ok bool, err error) {
	token := SessionToken(header)
	if token == "" {
		return Caller{}, false, nil
	}
	s, err := sessions.LookupSession(ctx, websession.Hash(token), now)
	switch {
	case ent.IsNotFound(err):
		return Caller{}, true, connect.NewError(connect.CodeUnauthenticated, errors.New("session expired or logged out; log in again"))
	case err != nil:
		return Caller{}, true, connect.NewError(connect.CodeUnavailable, fmt.Errorf("looking up session: %w", err))
	}
	if !websession.Equal(header.Get(CSRFHeader), s.CSRF) {
		return Caller{}, true, connect.NewError(connect.CodePermissionDenied, errNoCSRF)
	}
	return Caller{OrgID: s.OrgID, OrgNumber: s.OrgNumber, UserID: s.UserID}, true, nil
}
