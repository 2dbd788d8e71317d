// Package admin holds the operator's actions behind `svarsign admin`:
// creating organisations, API keys, webhooks and case-worker accounts.
package admin

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/svarsign/svarsign/ent"
	"github.com/svarsign/svarsign/server/auth"
	"github.com/svarsign/svarsign/server/domain"
)

// Limits on what the operator names things, so the stored rows and the
// pages that show them stay bounded.
const (
	maxNameLen  = 200
	maxLabelLen = 100
	maxURLLen   = 2000
)

// checkText accepts one line of text of at most max characters, without
// control characters: what every name and label here is stored as.
func checkText(s string, max int) error {
	if err := domain.CheckText(s, false); err != nil {
		return err
	}
	if n := utf8.RuneCountInString(s); n > max {
		return fmt.Errorf("must be at most %d characters (has %d)", max, n)
	}
	return nil
}

// CreateOrg registers a sender organisation.
func CreateOrg(ctx context.Context, client *ent.Client, number, name string) (*ent.Org, error) {
	if err := domain.CheckOrganizationNumber(number); err != nil {
		return nil, fmt.Errorf("organisation number %q: %w", number, err)
	}
	name = strings.TrimSpace(name)
	if name == "" {
		return nil, fmt.Errorf("organisation name is required")
	}
	if err := checkText(name, maxNameLen); err != nil {
		return nil, fmt.Errorf("organisation name: %w", err)
	}
	o, err := client.Org.Create().SetNumber(number).SetName(name).Save(ctx)
	if ent.IsConstraintError(err) {
		return nil, fmt.Errorf("organisation %s already exists", number)
	}
	if err != nil {
		return nil, fmt.Errorf("creating organisation %s: %w", number, err)
	}
	return o, nil
}

// CreateKey makes a new API key for the organisation with the given number
// and returns it; its token is never stored and cannot be shown again.
func CreateKey(ctx context.Context, client *ent.Client, orgNumber, label string) (auth.Key, error) {
	if err := checkText(label, maxLabelLen); err != nil {
		return auth.Key{}, fmt.Errorf("key label: %w", err)
	}
	ctx, o, err := findOrg(ctx, client, orgNumber)
	if err != nil {
		return auth.Key{}, err
	}
	k := auth.NewKey()
	err = client.APIKey.Create().SetKeyID(k.ID).SetSecretHash(k.SecretHash).SetOrgID(o.ID).SetLabel(label).Exec(ctx)
	if err != nil {
		return auth.Key{}, fmt.Errorf("storing API key: %w", err)
	}
	return k, nil
}
