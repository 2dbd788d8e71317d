// Package admin holds the operator's actions behind `svarsign admin`:
// creating organisations, API keys, webhooks and case-worker accounts.
package admin

import (
	"context"
	"fmt"
	"strings"

	"github.com/svarsign/svarsign/ent"
	"github.com/svarsign/svarsign/ent/org"
	"github.com/svarsign/svarsign/server/auth"
	"github.com/svarsign/svarsign/server/domain"
)

// CreateOrg registers a sender organisation.
func CreateOrg(ctx context.Context, client *ent.Client, number, name string) (*ent.Org, error) {
	if err := domain.CheckOrganizationNumber(number); err != nil {
		return nil, fmt.Errorf("organisation number %q: %w", number, err)
	}
	name = strings.TrimSpace(name)
	if name == "" {
		return nil, fmt.Errorf("organisation name is required")
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
	o, err := client.Org.Query().Where(org.Number(orgNumber)).Only(ctx)
	if ent.IsNotFound(err) {
		return auth.Key{}, fmt.Errorf("no organisation with number %s (create it with `svarsign admin org create`)", orgNumber)
	}
	if err != nil {
		return auth.Key{}, fmt.Errorf("finding organisation %s: %w", orgNumber, err)
	}
	k := auth.NewKey()
	err = client.APIKey.Create().SetKeyID(k.ID).SetSecretHash(k.SecretHash).SetOrgID(o.ID).SetLabel(label).Exec(ctx)
	if err != nil {
		return auth.Key{}, fmt.Errorf("storing API key: %w", err)
	}
	return k, nil
}
