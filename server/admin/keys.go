package admin

import (
	"context"
	"fmt"
	"time"

	"github.com/svarsign/svarsign/ent"
	"github.com/svarsign/svarsign/ent/apikey"
)

// ListKeys returns an organisation's API keys, oldest first. Secrets are
// never stored, so none can be shown.
func ListKeys(ctx context.Context, client *ent.Client, orgNumber string) ([]*ent.APIKey, error) {
	ctx, _, err := findOrg(ctx, client, orgNumber)
	if err != nil {
		return nil, err
	}
	return client.APIKey.Query().Order(ent.Asc(apikey.FieldID)).All(ctx)
}

// RevokeKey stops an API key from working, from now on. The key stays
// listed, marked revoked, so logs naming its id can still be traced.
func RevokeKey(ctx context.Context, client *ent.Client, orgNumber, keyID string) error {
	if err := checkText(keyID, maxLabelLen); err != nil {
		return fmt.Errorf("key id: %w", err)
	}
	ctx, _, err := findOrg(ctx, client, orgNumber)
	if err != nil {
		return err
	}
	n, err := client.APIKey.Update().
		Where(apikey.KeyID(keyID), apikey.RevokedAtIsNil()).
		SetRevokedAt(time.Now().UTC()).
		Save(ctx)
	if err != nil {
		return fmt.Errorf("revoking key %s: %w", keyID, err)
	}
	if n == 0 {
		return fmt.Errorf("organisation %s has no active key %s", orgNumber, keyID)
	}
	return nil
}
