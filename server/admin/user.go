package admin

import (
	"context"
	"fmt"
	"net/mail"
	"strings"

	"github.com/svarsign/svarsign/ent"
	"github.com/svarsign/svarsign/server/auth"
	"github.com/svarsign/svarsign/server/domain"
)

// NormalizeEmail returns the stored form of an e-mail address: trimmed and
// lower-cased, so logins do not depend on how it was typed.
func NormalizeEmail(email string) string { return strings.ToLower(strings.TrimSpace(email)) }

// CreateUser adds a case worker to the organisation with the given number,
// who can then log in on the manual submission page. Only an argon2id hash
// of the password is stored.
func CreateUser(ctx context.Context, client *ent.Client, orgNumber, email, password string) (*ent.User, error) {
	email = NormalizeEmail(email)
	if a, err := mail.ParseAddress(email); err != nil || a.Address != email || len(email) > 254 || domain.CheckText(email, false) != nil {
		return nil, fmt.Errorf("e-mail address %q is not a plain address like name@example.no", email)
	}
	if err := auth.CheckPasswordPolicy(password); err != nil {
		return nil, err
	}
	ctx, o, err := findOrg(ctx, client, orgNumber)
	if err != nil {
		return nil, err
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
