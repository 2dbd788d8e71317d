package clients_test

import (
	"context"
	"testing"
	"time"

	"github.com/svarsign/svarsign/server/mailbox/citizen"
)

// signInMailbox signs shipment id as the citizen nin would in a browser:
// simulated ID-porten login, wait for delivery, open, ceremony, sign.
func signInMailbox(t *testing.T, base, nin, id string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	b := citizen.New(base)
	if err := b.Login(ctx, nin, "Kari Nordmann", 3); err != nil {
		t.Fatal(err)
	}
	if err := b.WaitListed(ctx, id); err != nil {
		t.Fatal(err)
	}
	if err := b.Sign(ctx, id); err != nil {
		t.Fatal(err)
	}
}
