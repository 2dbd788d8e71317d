package admin

import (
	"context"
	"fmt"
	"net/mail"
	"strings"

	"github.com/svarsign/svarsign/ent"
	"github.com/svarsign/svarsign/ent/org"
	"github.com/svarsign/svarsign/server/auth"
)

// NormalizeEmail returns the stored form of an e-mail address: trimmed and
// lower-cased, so logins do not depend on how it was typed.
func NormalizeEmail(email string) string { return strings.ToLower(strings.TrimSpace(email)) }

// CreateUser adds a case worker to the organisation with the given number,
// who can then log in on the manual submission page. Only an argon2id hash
// of the password is stored.
func CreateUser(ctx context.Context, client *ent.Client, orgNumber, email, password string) (*ent.User, error) {
	email = NormalizeEmail(email)
	if a, err := mail.ParseAddress(email); err != nil || a.Address != email || len(email) > 254 {
		return nil, fmt.Errorf("e-mail address %q is not a plain address like name@example.no", email)
	}
	if err := auth.CheckPasswordPolicy(password); err != nil {
		return nil, err
	}
	o, err := client.Org.Query().Where(org.Number(orgNumber)).Only(ctx)
	if ent.IsNotFound(err) {
		return nil, fmt.Errorf("no organisation with number %s (create it with `svarsign admin org create`)", orgNumber)
	}
	if err != nil {
		return nil, fmt.Errorf("finding organisation %s: %w", orgNumber, err)
	}
	u, err := client.User.Create().SetOrgID(o.ID).SetEmail(email).SetPasswordHash(auth.HashPassword(password)).Save(ctx)
	if ent.IsConstraintError(err) {
		return nil, fmt.Errorf("organisation %s already has a user %s", orgNumber, email)
	}
	if err != nil {
		return nil, fmt.Errorf("creating user %s: %w", email, err)
	}
	return u, nil
}
