package admin

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"strings"

	"github.com/svarsign/svarsign/ent"
	"github.com/svarsign/svarsign/ent/event"
	"github.com/svarsign/svarsign/ent/org"
	"github.com/svarsign/svarsign/ent/webhook"
	"github.com/svarsign/svarsign/server/domain"
	"github.com/svarsign/svarsign/server/tenant"
)

// CreateWebhook registers url to receive the events of the organisation
// with the given number and returns the secret that signs its deliveries
// (see server/events). The webhook starts after the organisation's newest
// event: it is told about changes from now on, not the past.
func CreateWebhook(ctx context.Context, client *ent.Client, orgNumber, rawURL string) (secret string, err error) {
	if err := checkWebhookURL(rawURL); err != nil {
		return "", err
	}
	ctx, o, err := findOrg(ctx, client, orgNumber)
	if err != nil {
		return "", err
	}
	b := make([]byte, 32)
	rand.Read(b) // never fails (crypto/rand)
	secret = hex.EncodeToString(b)
	last, err := client.Event.Query().Order(ent.Desc(event.FieldID)).First(ctx)
	start := 0
	switch {
	case ent.IsNotFound(err):
	case err != nil:
		return "", fmt.Errorf("finding the newest event: %w", err)
	default:
		start = last.ID
	}
	err = client.Webhook.Create().SetOrgID(o.ID).SetURL(rawURL).SetSecret(secret).SetDeliveredEventID(start).Exec(ctx)
	if err != nil {
		return "", fmt.Errorf("storing webhook: %w", err)
	}
	return secret, nil
}

// ListWebhooks returns the organisation's webhooks, oldest first.
func ListWebhooks(ctx context.Context, client *ent.Client, orgNumber string) ([]*ent.Webhook, error) {
	ctx, _, err := findOrg(ctx, client, orgNumber)
	if err != nil {
		return nil, err
	}
	hooks, err := client.Webhook.Query().Order(ent.Asc(webhook.FieldID)).All(ctx)
	if err != nil {
		return nil, fmt.Errorf("listing webhooks: %w", err)
	}
	return hooks, nil
}

// checkWebhookURL accepts absolute http and https URLs with a host.
// Plain http is allowed for receivers on a private network or loopback;
// the signature, not the transport, authenticates a delivery.
func checkWebhookURL(raw string) error {
	if err := checkText(raw, maxURLLen); err != nil {
		return fmt.Errorf("webhook URL: %w", err)
	}
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("webhook URL %q: %w", raw, err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("webhook URL %q: must be an absolute http or https URL", raw)
	}
	if u.User != nil {
		return fmt.Errorf("webhook URL %q: must not carry credentials; deliveries are signed instead", raw)
	}
	if u.Fragment != "" || strings.HasSuffix(raw, "#") {
		return fmt.Errorf("webhook URL %q: must not have a #fragment, which is never sent to the receiver", raw)
	}
	return nil
}

// The returned context is scoped to the organisation (package tenant): an
// operator's command about one organisation reads and writes its rows only.
func findOrg(ctx context.Context, client *ent.Client, number string) (context.Context, *ent.Org, error) {
	if err := domain.CheckOrganizationNumber(number); err != nil {
		return nil, nil, fmt.Errorf("organisation number %q: %w", number, err)
	}
	o, err := client.Org.Query().Where(org.Number(number)).Only(ctx)
	if ent.IsNotFound(err) {
		return nil, nil, fmt.Errorf("no organisation with number %s (create it with `svarsign admin org create`)", number)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("finding organisation %s: %w", number, err)
	}
	return tenant.With(ctx, tenant.Org(o.ID)), o, nil
}
