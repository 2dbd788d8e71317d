package signing

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/svarsign/svarsign/ent"
	"github.com/svarsign/svarsign/server/domain"
	"github.com/svarsign/svarsign/server/provider"
)

func TestPermitted(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	const signerID, otherID = "14038510070", "14038510151"
	order := func(change func(*ent.SigningOrder)) *ent.SigningOrder {
		o := &ent.SigningOrder{SignerID: signerID, Status: domain.SigningWaiting, Deadline: now.Add(time.Hour)}
		if change != nil {
			change(o)
		}
		return o
	}
	level := func(n int) provider.Signer { return provider.Signer{NationalID: signerID, Level: n} }
	tests := []struct {
		name   string
		order  *ent.SigningOrder
		signer provider.Signer
		now    time.Time
		want   error // nil: permitted
		kind   domain.Kind
	}{
		{"level 3 on a level 3 order", order(nil), level(3), now, nil, 0},
		{"level 4 on a level 3 order", order(nil), level(4), now, nil, 0},
		{"level 4 on a level 4 order", order(func(o *ent.SigningOrder) { o.RequireLevel4 = true }), level(4), now, nil, 0},
		{"just before the deadline", order(nil), level(3), now.Add(time.Hour - time.Nanosecond), nil, 0},

		{"another person", order(nil), provider.Signer{NationalID: otherID, Level: 4}, now, ErrWrongSigner, domain.ErrPermissionDenied},
		{"signed already", order(func(o *ent.SigningOrder) { o.Status = domain.SigningSigned }), level(3), now, ErrNotWaiting, domain.ErrFailedPrecondition},
		{"cancelled", order(func(o *ent.SigningOrder) { o.Status = domain.SigningCancelled }), level(3), now, ErrNotWaiting, domain.ErrFailedPrecondition},
		{"expired", order(func(o *ent.SigningOrder) { o.Status = domain.SigningExpired }), level(3), now, ErrNotWaiting, domain.ErrFailedPrecondition},
		{"at the deadline", order(nil), level(3), now.Add(time.Hour), ErrPastDeadline, domain.ErrFailedPrecondition},
		{"past the deadline", order(nil), level(3), now.Add(2 * time.Hour), ErrPastDeadline, domain.ErrFailedPrecondition},
		{"level 3 on a level 4 order", order(func(o *ent.SigningOrder) { o.RequireLevel4 = true }), level(3), now, ErrLevelTooLow, domain.ErrPermissionDenied},

		// The signer is checked first: another person learns nothing of
		// the order's state.
		{"another person, order expired", order(func(o *ent.SigningOrder) { o.Status = domain.SigningExpired }),
			provider.Signer{NationalID: otherID, Level: 4}, now.Add(2 * time.Hour), ErrWrongSigner, domain.ErrPermissionDenied},
		{"not waiting and past the deadline", order(func(o *ent.SigningOrder) { o.Status = domain.SigningCancelled }),
			level(3), now.Add(2 * time.Hour), ErrNotWaiting, domain.ErrFailedPrecondition},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := permitted(tt.order, tt.signer, tt.now)
			if tt.want == nil {
				if err != nil {
					t.Fatalf("permitted = %v, want nil", err)
				}
				return
			}
			if !errors.Is(err, tt.want) {
				t.Fatalf("permitted = %v, want %v", err, tt.want)
			}
			if k := domain.KindOf(err); k != tt.kind {
				t.Errorf("kind = %v, want %v", k, tt.kind)
			}
		})
	}
}

// TestPermittedNamesStatus checks that refusing an order that is not
// waiting says what it is instead.
func TestPermittedNamesStatus(t *testing.T) {
	o := &ent.SigningOrder{SignerID: "x", Status: domain.SigningRejectedByRecipient, Deadline: time.Now().Add(time.Hour)}
	err := permitted(o, provider.Signer{NationalID: "x", Level: 4}, time.Now())
	if err == nil || !strings.Contains(err.Error(), string(domain.SigningRejectedByRecipient)) {
		t.Errorf("permitted = %v, want it to name %s", err, domain.SigningRejectedByRecipient)
	}
}
