package signing

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/google/uuid"

	"github.com/svarsign/svarsign/ent"
	"github.com/svarsign/svarsign/ent/signingorder"
	"github.com/svarsign/svarsign/server/database"
	"github.com/svarsign/svarsign/server/domain"
	"github.com/svarsign/svarsign/server/provider"
	"github.com/svarsign/svarsign/server/store"
	"github.com/svarsign/svarsign/server/tenant"
)

// Signer completes signing orders with a provider: the signing ceremony
// calls it once the citizen has identified and chosen to sign.
type Signer struct {
	DB       *database.DB
	Blobs    *store.Blobs
	Provider provider.Provider
	Jobs     Enqueuer
	Now      func() time.Time
}

// Errors a ceremony shows the citizen, each of a domain kind for the
// transports that only need the kind.
var (
	ErrNotWaiting   = domain.Errorf(domain.ErrFailedPrecondition, "the signing order is no longer waiting for a signature")
	ErrPastDeadline = domain.Errorf(domain.ErrFailedPrecondition, "the signing deadline has passed")
	ErrWrongSigner  = domain.Errorf(domain.ErrPermissionDenied, "the signing order is for another person")
	ErrLevelTooLow  = domain.Errorf(domain.ErrPermissionDenied, "the signing order requires login at level 4")
)

// Check tells whether signer may sign the order of a shipment now. The
// order is looked up in the signer's own view (tenant.Citizen): another
// person's order is not found.
func (s *Signer) Check(ctx context.Context, shipmentID uuid.UUID, signer provider.Signer) (*ent.SigningOrder, error) {
	o, err := s.DB.Ent.SigningOrder.Query().Where(signingorder.ShipmentID(shipmentID)).
		Only(tenant.With(ctx, tenant.Citizen(signer.NationalID)))
	if ent.IsNotFound(err) {
		// Another person's order is told apart from none, so that the
		// ceremony can say so; this yes-or-no is the one look outside
		// the signer's view.
		exists, xerr := s.DB.Ent.SigningOrder.Query().Where(signingorder.ShipmentID(shipmentID)).
			Exist(tenant.With(ctx, tenant.System("signing: another person's order")))
		if xerr != nil {
			return nil, xerr
		}
		if exists {
			return nil, ErrWrongSigner
		}
		return nil, domain.NotFound("signing order of shipment " + shipmentID.String())
	}
	if err != nil {
		return nil, err
	}
	return o, permitted(o, signer, s.Now())
}

// actingFor finds the order of shipmentID in the signer's view and returns
// ctx scoped to the order's organisation: the signer's actions change the
// sender's order, so they are written on the sender's behalf.
func (s *Signer) actingFor(ctx context.Context, shipmentID uuid.UUID, signer provider.Signer) (context.Context, error) {
	o, err := s.Check(ctx, shipmentID, signer)
	if err != nil && o == nil {
		return nil, err
	}
	return tenant.With(ctx, tenant.Org(o.OrgID)), nil
}

// orderOf loads the signing order of a shipment; none is NotFound.
func orderOf(ctx context.Context, client *ent.Client, shipmentID uuid.UUID) (*ent.SigningOrder, error) {
	o, err := client.SigningOrder.Query().Where(signingorder.ShipmentID(shipmentID)).Only(ctx)
	if ent.IsNotFound(err) {
		return nil, domain.NotFound("signing order of shipment " + shipmentID.String())
	}
	return o, err
}

func permitted(o *ent.SigningOrder, signer provider.Signer, now time.Time) error {
	switch {
	case o.SignerID != signer.NationalID:
		return ErrWrongSigner
	case o.Status != domain.SigningWaiting:
		return fmt.Errorf("%w (it is %s)", ErrNotWaiting, o.Status)
	case !now.Before(o.Deadline):
		return ErrPastDeadline
	case o.RequireLevel4 && signer.Level < 4:
		return ErrLevelTooLow
	}
	return nil
}

// Sign signs the order's document for signer with the provider, stores the
// signed PDF and moves the order to SIGNED with its evidence, in one
// transaction. A concurrent cancel or expiry wins or loses as a whole.
func (s *Signer) Sign(ctx context.Context, shipmentID uuid.UUID, signer provider.Signer, jobID string) (*ent.SigningOrder, error) {
	o, err := s.Check(ctx, shipmentID, signer)
	if err != nil {
		return nil, err
	}
	ctx = tenant.With(ctx, tenant.Org(o.OrgID)) // see actingFor
	sh, err := s.DB.Ent.Shipment.Get(ctx, shipmentID)
	if err != nil {
		return nil, err
	}
	org, err := s.DB.Ent.Org.Get(ctx, sh.OrgID)
	if err != nil {
		return nil, err
	}
	doc, err := s.DB.Ent.Document.Get(ctx, o.DocumentID)
	if err != nil {
		return nil, err
	}
	f, err := s.Blobs.OpenFile(ctx, doc.BlobKey)
	if err != nil {
		return nil, err
	}
	defer f.Close()

	// The provider writes the signed PDF into the blob store as it goes.
	key := "signed/" + shipmentID.String() + "/" + uuid.NewString()
	pr, pw := io.Pipe()
	type result struct {
		ev  *provider.Evidence
		err error
	}
	done := make(chan result, 1)
	go func() {
		ev, err := s.Provider.Sign(ctx, pw, provider.Request{
			JobID: jobID, Document: f, Size: f.Size(), FileName: doc.FileName,
			Title: sh.Title, Sender: org.Name,
			Type:   o.SignatureType,
			Signer: signer,
		})
		pw.CloseWithError(err)
		done <- result{ev, err}
	}()
	size, sum, putErr := s.Blobs.Put(ctx, key, pr)
	pr.CloseWithError(putErr)
	res := <-done
	if res.err != nil || putErr != nil {
		s.Blobs.Delete(context.WithoutCancel(ctx), key)
		return nil, fmt.Errorf("signing: %w", errors.Join(res.err, putErr))
	}
	evidence, err := json.MarshalIndent(res.ev, "", "  ")
	if err != nil {
		return nil, err
	}

	err = s.DB.InTx(ctx, func(ctx context.Context, tx *database.Tx) error {
		o, err = tx.Ent.SigningOrder.Get(ctx, o.ID)
		if err != nil {
			return err
		}
		if err := permitted(o, signer, s.Now()); err != nil {
			return err
		}
		if err := tx.Ent.SigningOrder.UpdateOne(o).
			SetSignedBlobKey(key).SetSignedSha256(sum).SetSignedSize(size).
			SetEvidence(string(evidence)).SetProviderJobID(jobID).Exec(ctx); err != nil {
			return err
		}
		o, err = transition(ctx, tx, o, domain.SigningSigned,
			fmt.Sprintf("Signed by %s after login with %s at level %d", signer.Name, signer.Method, signer.Level))
		if err != nil {
			return err
		}
		// The signed document goes back to reply_to by itself.
		return s.Jobs.InsertTx(ctx, tx, ReturnArgs{ShipmentID: shipmentID})
	})
	if err != nil {
		s.Blobs.Delete(context.WithoutCancel(ctx), key)
		return nil, err
	}
	return o, nil
}

// Start records that the signer began the ceremony at the provider (the
// provider's job in the direct style). It may happen many times: a signer
// who leaves the page can come back until the deadline.
func (s *Signer) Start(ctx context.Context, shipmentID uuid.UUID, signer provider.Signer, jobID string) error {
	ctx, err := s.actingFor(ctx, shipmentID, signer)
	if err != nil {
		return err
	}
	return s.DB.InTx(ctx, func(ctx context.Context, tx *database.Tx) error {
		o, err := orderOf(ctx, tx.Ent, shipmentID)
		if err != nil {
			return err
		}
		if err := permitted(o, signer, s.Now()); err != nil {
			return err
		}
		return addEvent(ctx, tx, o, fmt.Sprintf("Signing started by %s at %s (job %s)", signer.Name, s.Provider.Name(), jobID), nil)
	})
}

// Reject records that the signer declined: the order is
// REJECTED_BY_RECIPIENT and can never be signed again.
func (s *Signer) Reject(ctx context.Context, shipmentID uuid.UUID, signer provider.Signer, reason string) (*ent.SigningOrder, error) {
	ctx, err := s.actingFor(ctx, shipmentID, signer)
	if err != nil {
		return nil, err
	}
	var out *ent.SigningOrder
	err = s.DB.InTx(ctx, func(ctx context.Context, tx *database.Tx) error {
		o, err := orderOf(ctx, tx.Ent, shipmentID)
		if err != nil {
			return err
		}
		if err := permitted(o, signer, s.Now()); err != nil {
			return err
		}
		text := "Rejected by the recipient " + signer.Name
		// The reason is typed by a citizen into a form: it is cleaned
		// rather than refused, and stored within the limit of a reason.
		reason := domain.CleanText(reason)
		if r := []rune(reason); len(r) > domain.MaxReasonLen {
			reason = string(r[:domain.MaxReasonLen])
		}
		if reason != "" {
			text += ": " + reason
		}
		out, err = transition(ctx, tx, o, domain.SigningRejectedByRecipient, text)
		return err
	})
	return out, err
}
