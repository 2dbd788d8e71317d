package mailbox

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/svarsign/svarsign/ent"
	"github.com/svarsign/svarsign/ent/document"
	"github.com/svarsign/svarsign/ent/predicate"
	"github.com/svarsign/svarsign/ent/shipment"
	"github.com/svarsign/svarsign/ent/signingorder"
	"github.com/svarsign/svarsign/server/database"
	"github.com/svarsign/svarsign/server/domain"
	"github.com/svarsign/svarsign/server/provider"
	"github.com/svarsign/svarsign/server/signing"
	"github.com/svarsign/svarsign/server/tenant"
	"github.com/svarsign/svarsign/server/websession"
)

// maxListed bounds the mailbox list; a citizen with more shipments sees
// the newest.
const maxListed = 500

// delivered are the statuses in which a shipment is in the citizen's
// mailbox: it has been delivered there (NOTIFIED), read, or also printed.
// Before delivery it is not the citizen's yet, and a rejected or
// undeliverable shipment never reached them.
func delivered() []domain.Status {
	return []domain.Status{domain.StatusNotified, domain.StatusRead, domain.StatusSentToPrint}
}

// listRow is one shipment in the mailbox list.
type listRow struct {
	ID         uuid.UUID
	Title      string
	Sender     string
	NotifiedAt *time.Time
	Read       bool
	Level4     bool
	Signing    *ent.SigningOrder
}

func (h *handler) list(w http.ResponseWriter, r *http.Request) {
	s, ok := h.requireSession(w, r)
	if !ok {
		return
	}
	rows, err := h.cfg.DB.Ent.Shipment.Query().
		Where(shipment.StatusIn(delivered()...)).
		WithOrg().WithSigningOrder().
		Order(ent.Desc(shipment.FieldCreatedAt), ent.Desc(shipment.FieldID)).
		Limit(maxListed).
		All(asCitizen(r.Context(), s))
	if err != nil {
		h.fail(w, r, s, http.StatusInternalServerError, "err.internal", fmt.Errorf("listing shipments: %w", err))
		return
	}
	out := make([]listRow, 0, len(rows))
	for _, sh := range rows {
		row := listRow{
			ID: sh.ID, Title: sh.Title, NotifiedAt: sh.NotifiedAt,
			Read: sh.ReadAt != nil || sh.Status == domain.StatusRead, Level4: sh.RequireLevel4,
			Signing: sh.Edges.SigningOrder,
		}
		if sh.Edges.Org != nil {
			row.Sender = sh.Edges.Org.Name
		}
		out = append(out, row)
	}
	h.render(w, r, "list", http.StatusOK, h.newView(r, s, out))
}

// asCitizen scopes ctx to what the logged-in citizen may see: the
// shipments sent to them and what hangs off those (see package tenant).
func asCitizen(ctx context.Context, s *ent.CitizenSession) context.Context {
	return tenant.With(ctx, tenant.Citizen(s.NationalID))
}

// shipmentFor loads shipment id for the citizen, with its sender, signing
// order and documents, and answers the request itself when the citizen
// may not see it: 404 when it is not in anyone's mailbox, 403 when it is
// someone else's, and a step-up to level 4 when the sender asked for it.
// next is where a step-up login returns to.
func (h *handler) shipmentFor(w http.ResponseWriter, r *http.Request, s *ent.CitizenSession, id uuid.UUID, next string) (*ent.Shipment, bool) {
	inMailbox := []predicate.Shipment{shipment.ID(id), shipment.DirectionEQ(shipment.DirectionOUTGOING),
		shipment.RecipientKindEQ(shipment.RecipientKindPERSON), shipment.StatusIn(delivered()...)}
	sh, err := h.cfg.DB.Ent.Shipment.Query().
		Where(inMailbox...).
		WithOrg().WithSigningOrder().
		WithDocuments(func(q *ent.DocumentQuery) { q.Order(ent.Asc(document.FieldPosition), ent.Asc(document.FieldCreatedAt)) }).
		Only(asCitizen(r.Context(), s))
	if ent.IsNotFound(err) {
		// Someone else's letter is told apart from none, as SvarUt does
		// for a citizen who follows a link while logged in as another:
		// the one lookup outside the citizen's view, and it reads a yes
		// or no only.
		var elsewhere bool
		elsewhere, err = h.cfg.DB.Ent.Shipment.Query().Where(inMailbox...).
			Exist(tenant.With(r.Context(), tenant.System("mailbox: another person's shipment")))
		if err == nil && elsewhere {
			h.fail(w, r, s, http.StatusForbidden, "err.person", nil)
			return nil, false
		}
		if err == nil {
			err = &ent.NotFoundError{}
		}
	}
	switch {
	case ent.IsNotFound(err):
		h.fail(w, r, s, http.StatusNotFound, "err.notfound", nil)
		return nil, false
	case err != nil:
		h.fail(w, r, s, http.StatusInternalServerError, "err.internal", fmt.Errorf("loading shipment %s: %w", id, err))
		return nil, false
	case needsLevel4(sh) && s.Level < 4:
		stepUp(w, r, next)
		return nil, false
	}
	return sh, true
}

func needsLevel4(sh *ent.Shipment) bool {
	return sh.RequireLevel4 || (sh.Edges.SigningOrder != nil && sh.Edges.SigningOrder.RequireLevel4)
}

func shipmentPath(id uuid.UUID) string { return "/mailbox/shipments/" + id.String() }

// markRead records that the recipient opened the shipment. Opening it again
// changes nothing: READ is final, and only real changes enter the history.
// The change is the sender's shipment's, so it is written on behalf of the
// sender's organisation (the citizen's view has found it).
func (h *handler) markRead(ctx context.Context, found *ent.Shipment) error {
	id := found.ID
	return h.cfg.DB.InTx(tenant.With(ctx, tenant.Org(found.OrgID)), func(ctx context.Context, tx *database.Tx) error {
		sh, err := tx.Ent.Shipment.Get(ctx, id)
		if err != nil {
			return err
		}
		if domain.CanTransition(domain.Status(sh.Status), domain.StatusRead) != nil {
			return nil
		}
		_, err = tx.RecordStatus(ctx, id, domain.StatusRead, "Opened by the recipient in the digital mailbox")
		return err
	})
}

// shipmentPage is the data of an opened shipment.
type shipmentPage struct {
	Shipment *ent.Shipment
	Sender   string
	Order    *ent.SigningOrder
	// CanSign is true while the order waits and its deadline has not passed.
	CanSign bool
}

func (h *handler) open(w http.ResponseWriter, r *http.Request) {
	s, ok := h.requireSession(w, r)
	if !ok {
		return
	}
	sh, ok := h.shipmentFor(w, r, s, pathID(r), r.URL.Path)
	if !ok {
		return
	}
	if err := h.markRead(r.Context(), sh); err != nil {
		h.fail(w, r, s, http.StatusInternalServerError, "err.internal", fmt.Errorf("marking %s read: %w", sh.ID, err))
		return
	}
	p := shipmentPage{Shipment: sh, Order: sh.Edges.SigningOrder}
	if sh.Edges.Org != nil {
		p.Sender = sh.Edges.Org.Name
	}
	if o := p.Order; o != nil {
		p.CanSign = o.Status == domain.SigningWaiting && h.cfg.Now().Before(o.Deadline)
	}
	h.render(w, r, "shipment", http.StatusOK, h.newView(r, s, p))
}

func (h *handler) download(w http.ResponseWriter, r *http.Request) {
	s, ok := h.requireSession(w, r)
	if !ok {
		return
	}
	sh, ok := h.shipmentFor(w, r, s, pathID(r), r.URL.Path)
	if !ok {
		return
	}
	var doc *ent.Document
	for _, d := range sh.Edges.Documents {
		if d.ID.String() == r.PathValue("doc") {
			doc = d
		}
	}
	if doc == nil {
		h.fail(w, r, s, http.StatusNotFound, "err.notfound", nil)
		return
	}
	// Fetching a document is reading the shipment, even by a direct link.
	if err := h.markRead(r.Context(), sh); err != nil {
		h.fail(w, r, s, http.StatusInternalServerError, "err.internal", fmt.Errorf("marking %s read: %w", sh.ID, err))
		return
	}
	h.serveDocument(w, r, s, doc, "attachment")
}

// serveDocument streams doc's bytes. The sender chose the MIME type, so
// the response is sandboxed and never sniffed: a document cannot run as a
// page of this origin, even one opened inline.
func (h *handler) serveDocument(w http.ResponseWriter, r *http.Request, s *ent.CitizenSession, doc *ent.Document, disposition string) {
	rc, err := h.cfg.Blobs.Open(r.Context(), doc.BlobKey)
	if err != nil {
		h.fail(w, r, s, http.StatusInternalServerError, "err.internal", fmt.Errorf("opening document %s: %w", doc.ID, err))
		return
	}
	defer rc.Close()
	ct := doc.MimeType
	if _, _, err := mime.ParseMediaType(ct); err != nil || ct == "" {
		ct = "application/octet-stream"
	}
	hd := w.Header()
	hd.Set("Content-Type", ct)
	hd.Set("Content-Disposition", mime.FormatMediaType(disposition, map[string]string{"filename": doc.FileName}))
	hd.Set("Content-Length", strconv.FormatInt(doc.Size, 10))
	hd.Set("Content-Security-Policy", "sandbox; default-src 'none'; frame-ancestors 'self'")
	hd.Set("X-Frame-Options", "SAMEORIGIN")
	if _, err := io.Copy(w, rc); err != nil {
		h.log.WarnContext(r.Context(), "mailbox: sending document", "document", doc.ID, "err", err)
	}
}

// signer is the logged-in citizen as the provider records them.
func signer(r *http.Request, s *ent.CitizenSession) provider.Signer {
	ip, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		ip = r.RemoteAddr
	}
	return provider.Signer{
		Name: s.Name, NationalID: s.NationalID, Level: s.Level, Method: Method,
		IP: ip, UserAgent: r.UserAgent(),
	}
}

// startCeremony is the mailbox's "Sign" button: it checks the order, opens
// a ceremony at the provider (direct style) and sends the citizen there.
func (h *handler) startCeremony(w http.ResponseWriter, r *http.Request) {
	s, ok := h.requireSession(w, r)
	if !ok || !h.checkPost(w, r, s) {
		return
	}
	sh, ok := h.shipmentFor(w, r, s, pathID(r), shipmentPath(pathID(r)))
	if !ok {
		return
	}
	if sh.Edges.SigningOrder == nil {
		h.fail(w, r, s, http.StatusNotFound, "err.nosigning", nil)
		return
	}
	ctx := r.Context()
	who := signer(r, s)
	if _, err := h.cfg.Signer.Check(ctx, sh.ID, who); err != nil {
		h.signingFailed(w, r, s, sh.ID, err)
		return
	}
	token, hash := websession.NewToken()
	now := h.cfg.Now()
	c, err := h.cfg.DB.Ent.Ceremony.Create().
		SetTokenHash(hash).SetShipmentID(sh.ID).SetSignerID(s.NationalID).SetSignerName(s.Name).
		SetLevel(s.Level).SetCreatedAt(now.UTC()).SetExpiresAt(now.Add(CeremonyLifetime).UTC()).
		Save(ctx)
	if err != nil {
		h.fail(w, r, s, http.StatusInternalServerError, "err.internal", fmt.Errorf("creating ceremony: %w", err))
		return
	}
	if err := h.cfg.Signer.Start(ctx, sh.ID, who, c.ID.String()); err != nil {
		// The order changed since the check; the unused token must not linger.
		if delErr := h.cfg.DB.Ent.Ceremony.DeleteOne(c).Exec(context.WithoutCancel(ctx)); delErr != nil {
			h.log.WarnContext(ctx, "mailbox: removing a ceremony that did not start", "ceremony", c.ID, "err", delErr)
		}
		h.signingFailed(w, r, s, sh.ID, err)
		return
	}
	http.Redirect(w, r, "/provider/local/ceremony/"+token, http.StatusSeeOther)
}

// pathID is the shipment id in the path; uuid.Nil, which names no
// shipment, when it is not one.
func pathID(r *http.Request) uuid.UUID {
	id, _ := uuid.Parse(r.PathValue("id"))
	return id
}

// signingFailed shows why the citizen cannot start or complete signing,
// chosen by the signer's error values and kinds, never by their text:
// another person's order 403, one no longer waiting 409, one past its
// deadline 410, none 404; a level 3 login on a level 4 order steps up
// instead.
func (h *handler) signingFailed(w http.ResponseWriter, r *http.Request, s *ent.CitizenSession, shipmentID uuid.UUID, err error) {
	switch {
	case errors.Is(err, signing.ErrLevelTooLow):
		stepUp(w, r, shipmentPath(shipmentID))
	case errors.Is(err, signing.ErrWrongSigner), errors.Is(err, domain.ErrPermissionDenied):
		h.fail(w, r, s, http.StatusForbidden, "err.person", nil)
	case errors.Is(err, signing.ErrPastDeadline):
		h.fail(w, r, s, http.StatusGone, "err.expired", nil)
	case errors.Is(err, signing.ErrNotWaiting):
		o, qerr := h.cfg.DB.Ent.SigningOrder.Query().Where(signingorder.ShipmentID(shipmentID)).Only(asCitizen(r.Context(), s))
		switch {
		case qerr != nil:
			h.fail(w, r, s, http.StatusInternalServerError, "err.internal", errors.Join(err, qerr))
		case o.Status == domain.SigningExpired:
			h.fail(w, r, s, http.StatusGone, "err.expired", nil)
		default:
			v := h.newView(r, s, nil)
			h.fail(w, r, s, http.StatusConflict, "err.notwaiting", nil, v.Signing(o.Status))
		}
	case errors.Is(err, domain.ErrNotFound):
		h.fail(w, r, s, http.StatusNotFound, "err.nosigning", nil)
	default:
		h.fail(w, r, s, http.StatusInternalServerError, "err.internal", err)
	}
}

// outcomePage is the data of the completion and rejection pages.
type outcomePage struct {
	Signed     bool
	ShipmentID uuid.UUID
	Title      string
}

// outcome is where the provider sends the citizen back: the completion
// page after signing, the rejection page after rejecting. It shows the
// order's actual state, so a hand-typed URL cannot claim either.
func (h *handler) outcome(w http.ResponseWriter, r *http.Request) {
	s, ok := h.requireSession(w, r)
	if !ok {
		return
	}
	sh, ok := h.shipmentFor(w, r, s, pathID(r), r.URL.Path)
	if !ok {
		return
	}
	o := sh.Edges.SigningOrder
	want := domain.SigningSigned
	if strings.HasSuffix(r.URL.Path, "/rejected") {
		want = domain.SigningRejectedByRecipient
	}
	if o == nil || o.Status != want {
		http.Redirect(w, r, shipmentPath(sh.ID), http.StatusSeeOther)
		return
	}
	p := outcomePage{Signed: want == domain.SigningSigned, ShipmentID: sh.ID, Title: sh.Title}
	h.render(w, r, "done", http.StatusOK, h.newView(r, s, p))
}
