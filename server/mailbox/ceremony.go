package mailbox

import (
	"fmt"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/svarsign/svarsign/ent"
	"github.com/svarsign/svarsign/ent/ceremony"
	"github.com/svarsign/svarsign/server/websession"
)

// maxReason bounds a rejection's reason, which goes into the sender's history.
const maxReason = 500

// ceremonyFor loads the ceremony named by the token in the path, for the
// logged-in citizen, and answers the request itself when it cannot be
// used: 404 for an unknown token, 403 for another person's, 410 for one
// already used or expired.
func (h *handler) ceremonyFor(w http.ResponseWriter, r *http.Request, s *ent.CitizenSession) (*ent.Ceremony, bool) {
	c, err := h.cfg.DB.Ent.Ceremony.Query().Where(ceremony.TokenHash(websession.Hash(r.PathValue("token")))).Only(r.Context())
	switch {
	case ent.IsNotFound(err):
		h.fail(w, r, s, http.StatusNotFound, "err.ceremony.unknown", nil)
		return nil, false
	case err != nil:
		h.fail(w, r, s, http.StatusInternalServerError, "err.internal", fmt.Errorf("loading ceremony: %w", err))
		return nil, false
	case c.SignerID != s.NationalID:
		h.fail(w, r, s, http.StatusForbidden, "err.person", nil)
		return nil, false
	case c.UsedAt != nil:
		h.fail(w, r, s, http.StatusGone, "err.ceremony.used", nil)
		return nil, false
	case !h.cfg.Now().Before(c.ExpiresAt):
		h.fail(w, r, s, http.StatusGone, "err.ceremony.expired", nil)
		return nil, false
	}
	return c, true
}

// ceremonyPage is the data of the provider's sign/reject page.
type ceremonyPage struct {
	Token    string
	Shipment *ent.Shipment
	Sender   string
	Order    *ent.SigningOrder
	Document *ent.Document
}

// ceremony is the provider's page: the document to sign, "Sign" and
// "Reject". It may be reloaded until the token is used or expires.
func (h *handler) ceremony(w http.ResponseWriter, r *http.Request) {
	s, c, sh, doc, ok := h.ceremonyContext(w, r)
	if !ok {
		return
	}
	if _, err := h.cfg.Signer.Check(r.Context(), c.ShipmentID, signer(r, s)); err != nil {
		h.signingFailed(w, r, s, c.ShipmentID, err)
		return
	}
	p := ceremonyPage{Token: r.PathValue("token"), Shipment: sh, Order: sh.Edges.SigningOrder, Document: doc}
	if sh.Edges.Org != nil {
		p.Sender = sh.Edges.Org.Name
	}
	h.render(w, r, "ceremony", http.StatusOK, h.newView(r, s, p))
}

// ceremonyContext loads what every ceremony route needs: the session, the
// ceremony, its shipment (checked as on the mailbox's own pages) and the
// document to sign.
func (h *handler) ceremonyContext(w http.ResponseWriter, r *http.Request) (*ent.CitizenSession, *ent.Ceremony, *ent.Shipment, *ent.Document, bool) {
	s, ok := h.requireSession(w, r)
	if !ok {
		return nil, nil, nil, nil, false
	}
	if r.Method == http.MethodPost && !h.checkPost(w, r, s) {
		return nil, nil, nil, nil, false
	}
	c, ok := h.ceremonyFor(w, r, s)
	if !ok {
		return nil, nil, nil, nil, false
	}
	sh, ok := h.shipmentFor(w, r, s, c.ShipmentID, shipmentPath(c.ShipmentID))
	if !ok {
		return nil, nil, nil, nil, false
	}
	o := sh.Edges.SigningOrder
	if o == nil {
		h.fail(w, r, s, http.StatusNotFound, "err.nosigning", nil)
		return nil, nil, nil, nil, false
	}
	for _, d := range sh.Edges.Documents {
		if d.ID == o.DocumentID {
			return s, c, sh, d, true
		}
	}
	h.fail(w, r, s, http.StatusInternalServerError, "err.internal", fmt.Errorf("shipment %s: document to sign %s is missing", sh.ID, o.DocumentID))
	return nil, nil, nil, nil, false
}

// ceremonyDocument shows the document to sign, inline, for review.
func (h *handler) ceremonyDocument(w http.ResponseWriter, r *http.Request) {
	s, _, _, doc, ok := h.ceremonyContext(w, r)
	if !ok {
		return
	}
	h.serveDocument(w, r, s, doc, "inline")
}

// claim marks the ceremony used, unless it already is or has expired. It
// is one conditional update, so of two concurrent posts of the same token
// exactly one proceeds. The token is spent even if signing then fails: the
// citizen starts a new ceremony from the shipment, as after leaving the page.
func (h *handler) claim(w http.ResponseWriter, r *http.Request, s *ent.CitizenSession, c *ent.Ceremony) bool {
	now := h.cfg.Now()
	n, err := h.cfg.DB.Ent.Ceremony.Update().
		Where(ceremony.ID(c.ID), ceremony.UsedAtIsNil(), ceremony.ExpiresAtGT(now.UTC())).
		SetUsedAt(now.UTC()).
		Save(r.Context())
	switch {
	case err != nil:
		h.fail(w, r, s, http.StatusInternalServerError, "err.internal", fmt.Errorf("claiming ceremony %s: %w", c.ID, err))
		return false
	case n == 0:
		h.fail(w, r, s, http.StatusGone, "err.ceremony.used", nil)
		return false
	}
	return true
}

// ceremonySign signs with the provider and sends the citizen to the
// completion page; the signed document then goes back to the sender by a
// job the signing transaction queued.
func (h *handler) ceremonySign(w http.ResponseWriter, r *http.Request) {
	s, c, sh, _, ok := h.ceremonyContext(w, r)
	if !ok || !h.claim(w, r, s, c) {
		return
	}
	if _, err := h.cfg.Signer.Sign(r.Context(), sh.ID, signer(r, s), c.ID.String()); err != nil {
		h.signingFailed(w, r, s, sh.ID, err)
		return
	}
	http.Redirect(w, r, shipmentPath(sh.ID)+"/signed", http.StatusSeeOther)
}

// ceremonyReject records the citizen's refusal: the order can never be
// signed after this.
func (h *handler) ceremonyReject(w http.ResponseWriter, r *http.Request) {
	s, c, sh, _, ok := h.ceremonyContext(w, r)
	if !ok {
		return
	}
	reason := strings.Join(strings.Fields(r.PostFormValue("reason")), " ")
	if utf8.RuneCountInString(reason) > maxReason {
		reason = string([]rune(reason)[:maxReason])
	}
	if !h.claim(w, r, s, c) {
		return
	}
	if _, err := h.cfg.Signer.Reject(r.Context(), sh.ID, signer(r, s), reason); err != nil {
		h.signingFailed(w, r, s, sh.ID, err)
		return
	}
	http.Redirect(w, r, shipmentPath(sh.ID)+"/rejected", http.StatusSeeOther)
}
