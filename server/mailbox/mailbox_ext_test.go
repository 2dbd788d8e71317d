package mailbox_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"

	svarsignv1 "github.com/svarsign/svarsign/gen/go/svarsign/v1"
	st "github.com/svarsign/svarsign/internal/svarsigntest"
	"github.com/svarsign/svarsign/server/app"
	"github.com/svarsign/svarsign/server/mailbox"
)

// TestSignInMailbox is the whole citizen's path: log in at level 4, see
// the shipment, open it (READ, once), download, start the ceremony, review
// the document, sign; the order is SIGNED and the signed document comes
// back to the sender's Inbox. A replayed ceremony token is refused.
func TestSignInMailbox(t *testing.T) {
	t.Parallel()
	f := start(t)
	id := f.send(t, 0, true)
	b := newBrowser(t, f.srv)

	b.get("/mailbox/").wantRedirect(t, "mailbox before login", "/mailbox/login")
	if to := b.login("/mailbox/login", st.Person(0), "Kari Nordmann", 4); to != "/mailbox/" {
		t.Fatalf("login led to %q", to)
	}
	list := b.get("/mailbox/").want(t, "mailbox", http.StatusOK)
	for _, s := range []string{"Leiekontrakt for Storgata 1", "Eksempel kommune", "Ulest", "Venter på din signatur", "/mailbox/shipments/" + id} {
		if !strings.Contains(list.body, s) {
			t.Errorf("mailbox list lacks %q", s)
		}
	}

	opened := b.get("/mailbox/shipments/"+id).want(t, "open", http.StatusOK)
	if !strings.Contains(opened.body, "kontrakt.pdf") || !strings.Contains(opened.body, "/sign\"") {
		t.Fatalf("opened shipment lacks documents or the sign button:\n%s", opened.body)
	}
	if got := f.shipmentStatus(t, id); got != svarsignv1.ShipmentStatus_SHIPMENT_STATUS_READ {
		t.Fatalf("after opening: %v, want READ", got)
	}
	b.get("/mailbox/shipments/"+id).want(t, "open again", http.StatusOK)
	hist, err := f.srv.Shipments(f.token, st.Connect).GetHistory(context.Background(), connect.NewRequest(&svarsignv1.GetHistoryRequest{Id: id}))
	if err != nil {
		t.Fatal(err)
	}
	reads := 0
	for _, e := range hist.Msg.GetEvents() {
		if e.GetStatus() == svarsignv1.ShipmentStatus_SHIPMENT_STATUS_READ {
			reads++
		}
	}
	if reads != 1 {
		t.Fatalf("history has %d READ events after opening twice, want 1: %v", reads, hist.Msg.GetEvents())
	}
	if list := b.get("/mailbox/"); strings.Contains(list.body, "Ulest") {
		t.Error("the opened shipment is still listed as unread")
	}

	// Documents download with their names.
	docLink := regexpFind(t, opened.body, `href="(/mailbox/shipments/[^"]+/documents/[^"]+)"`)
	dl := b.get(docLink).want(t, "download", http.StatusOK)
	if cd := dl.header.Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment") || !strings.Contains(cd, "kontrakt.pdf") {
		t.Errorf("Content-Disposition = %q", cd)
	}
	if !strings.HasPrefix(dl.body, "%PDF-") {
		t.Error("downloaded contract is not the PDF")
	}

	ceremony := b.startCeremony(id)
	csrf := b.ceremonyForm(ceremony)
	if preview := b.get(ceremony+"/document").want(t, "preview", http.StatusOK); !strings.HasPrefix(preview.body, "%PDF-") ||
		!strings.HasPrefix(preview.header.Get("Content-Disposition"), "inline") {
		t.Errorf("preview: %q, not the PDF inline", preview.header.Get("Content-Disposition"))
	}
	done := b.post(ceremony+"/sign", url.Values{"csrf": {csrf}}).wantRedirect(t, "sign", "/mailbox/shipments/"+id+"/signed")
	if p := b.get(done).want(t, "completion page", http.StatusOK); !strings.Contains(p.body, "Dokumentet er signert og sendt tilbake til avsender") {
		t.Fatalf("completion page:\n%s", p.body)
	}
	if got := f.signingStatus(t, id); got != svarsignv1.SigningStatus_SIGNING_STATUS_SIGNED {
		t.Fatalf("signing status %v, want SIGNED", got)
	}

	// The token is spent: replaying the POST, or even looking, is refused.
	b.post(ceremony+"/sign", url.Values{"csrf": {csrf}}).want(t, "replayed sign", http.StatusGone)
	b.post(ceremony+"/reject", url.Values{"csrf": {csrf}}).want(t, "reject after sign", http.StatusGone)
	b.get(ceremony).want(t, "used ceremony page", http.StatusGone)

	// The signed document comes back to the sender (reply_to defaults to it).
	f.srv.Await(t, func() error {
		resp, err := f.srv.Shipments(f.token, st.Connect).ListIncoming(context.Background(), connect.NewRequest(&svarsignv1.ListIncomingRequest{}))
		if err != nil {
			t.Fatal(err)
		}
		for _, sh := range resp.Msg.GetShipments() {
			if sh.GetInReplyTo() == id {
				return nil
			}
		}
		return errors.New("no return shipment in the sender's Inbox")
	})
	if p := b.get("/mailbox/shipments/" + id); !strings.Contains(p.body, "Status: Signert") || strings.Contains(p.body, "/sign\"") {
		t.Errorf("signed shipment page should show the status and no sign button:\n%s", p.body)
	}
}

func regexpFind(t *testing.T, s, expr string) string {
	t.Helper()
	m := mustCompile(expr).FindStringSubmatch(s)
	if m == nil {
		t.Fatalf("%s not found in:\n%s", expr, s)
	}
	return m[1]
}

// TestRejectInMailbox: a rejected order is REJECTED_BY_RECIPIENT and can
// never be signed: a new ceremony cannot be started.
func TestRejectInMailbox(t *testing.T) {
	t.Parallel()
	f := start(t)
	id := f.send(t, 0, false)
	b := newBrowser(t, f.srv)
	b.login("/mailbox/login", st.Person(0), "Kari Nordmann", 3)
	opened := b.get("/mailbox/shipments/"+id).want(t, "open", http.StatusOK)
	ceremony := b.startCeremony(id)
	csrf := b.ceremonyForm(ceremony)
	done := b.post(ceremony+"/reject", url.Values{"csrf": {csrf}, "reason": {"Feil   adresse\n"}}).
		wantRedirect(t, "reject", "/mailbox/shipments/"+id+"/rejected")
	if p := b.get(done).want(t, "rejection page", http.StatusOK); !strings.Contains(p.body, "Du har avvist signeringen") {
		t.Fatalf("rejection page:\n%s", p.body)
	}
	if got := f.signingStatus(t, id); got != svarsignv1.SigningStatus_SIGNING_STATUS_REJECTED_BY_RECIPIENT {
		t.Fatalf("signing status %v, want REJECTED_BY_RECIPIENT", got)
	}
	hist, err := f.srv.Signing(f.token, st.Connect).GetSigningHistory(context.Background(), connect.NewRequest(&svarsignv1.GetSigningHistoryRequest{ShipmentId: id}))
	if err != nil {
		t.Fatal(err)
	}
	if ev := hist.Msg.GetEvents(); !strings.HasSuffix(ev[len(ev)-1].GetText(), ": Feil adresse") {
		t.Errorf("rejection reason not in the history: %v", ev)
	}
	p := b.post("/mailbox/shipments/"+id+"/sign", url.Values{"csrf": {opened.csrf(t)}}).want(t, "start after rejection", http.StatusConflict)
	if !strings.Contains(p.body, "Avvist av deg") {
		t.Errorf("error page does not say why:\n%s", p.body)
	}
	b.get("/mailbox/shipments/"+id+"/signed").wantRedirect(t, "completion page of a rejected order", "/mailbox/shipments/"+id)
}

// TestAbortAndRetry: leaving the ceremony page leaves the order WAITING;
// a new ceremony signs, and the abandoned one cannot be used afterwards.
func TestAbortAndRetry(t *testing.T) {
	t.Parallel()
	f := start(t)
	id := f.send(t, 0, false)
	b := newBrowser(t, f.srv)
	b.login("/mailbox/login", st.Person(0), "Kari Nordmann", 3)
	first := b.startCeremony(id)
	firstCSRF := b.ceremonyForm(first)
	if got := f.signingStatus(t, id); got != svarsignv1.SigningStatus_SIGNING_STATUS_WAITING {
		t.Fatalf("after leaving the ceremony: %v, want WAITING", got)
	}
	second := b.startCeremony(id)
	if second == first {
		t.Fatal("a new ceremony reused the token")
	}
	b.post(second+"/sign", url.Values{"csrf": {b.ceremonyForm(second)}}).wantRedirect(t, "sign", "/mailbox/shipments/"+id+"/signed")
	if got := f.signingStatus(t, id); got != svarsignv1.SigningStatus_SIGNING_STATUS_SIGNED {
		t.Fatalf("signing status %v, want SIGNED", got)
	}
	b.post(first+"/sign", url.Values{"csrf": {firstCSRF}}).want(t, "abandoned ceremony after signing", http.StatusConflict)
}

// TestWrongPerson: another citizen cannot list, open, download, start or
// complete someone else's signing.
func TestWrongPerson(t *testing.T) {
	t.Parallel()
	f := start(t)
	id := f.send(t, 0, false)
	owner := newBrowser(t, f.srv)
	owner.login("/mailbox/login", st.Person(0), "Kari Nordmann", 4)
	ceremony := owner.startCeremony(id)

	other := newBrowser(t, f.srv)
	other.login("/mailbox/login", st.Person(1), "Ola Nordmann", 4)
	if list := other.get("/mailbox/").want(t, "other's mailbox", http.StatusOK); strings.Contains(list.body, id) {
		t.Error("another person's mailbox lists the shipment")
	}
	other.get("/mailbox/shipments/"+id).want(t, "open someone else's", http.StatusForbidden)
	csrf := other.get("/mailbox/").csrf(t)
	other.post("/mailbox/shipments/"+id+"/sign", url.Values{"csrf": {csrf}}).want(t, "start someone else's", http.StatusForbidden)
	other.get(ceremony).want(t, "someone else's ceremony", http.StatusForbidden)
	other.post(ceremony+"/sign", url.Values{"csrf": {csrf}}).want(t, "sign someone else's", http.StatusForbidden)
	if got := f.signingStatus(t, id); got != svarsignv1.SigningStatus_SIGNING_STATUS_WAITING {
		t.Fatalf("signing status %v, want WAITING", got)
	}
	// The owner's token was not spent by the attempts.
	owner.post(ceremony+"/sign", url.Values{"csrf": {owner.ceremonyForm(ceremony)}}).wantRedirect(t, "owner signs", "/mailbox/shipments/"+id+"/signed")
	other.get("/mailbox/shipments/nonsense").want(t, "bad id", http.StatusNotFound)
}

// TestStepUpToLevel4: a level 3 login sees a level 4 shipment listed, but
// opening or signing it asks for level 4 first; after that it works.
func TestStepUpToLevel4(t *testing.T) {
	t.Parallel()
	f := start(t)
	id := f.send(t, 0, true)
	b := newBrowser(t, f.srv)
	b.login("/mailbox/login", st.Person(0), "Kari Nordmann", 3)
	if list := b.get("/mailbox/"); !strings.Contains(list.body, id) || !strings.Contains(list.body, "Krever innlogging på nivå 4") {
		t.Fatal("the level 4 shipment is not listed, marked as such, for a level 3 login")
	}
	csrf := b.get("/mailbox/").csrf(t)
	stepUp := b.get("/mailbox/shipments/"+id).wantRedirect(t, "open at level 3", "/mailbox/login?")
	u, _ := url.Parse(stepUp)
	if u.Query().Get("level") != "4" || u.Query().Get("next") != "/mailbox/shipments/"+id {
		t.Fatalf("step-up URL %q", stepUp)
	}
	b.post("/mailbox/shipments/"+id+"/sign", url.Values{"csrf": {csrf}}).wantRedirect(t, "sign at level 3", "/mailbox/login?")
	b.get("/mailbox/shipments/"+id+"/documents/x").wantRedirect(t, "download at level 3", "/mailbox/login?")
	if got := f.shipmentStatus(t, id); got != svarsignv1.ShipmentStatus_SHIPMENT_STATUS_NOTIFIED {
		t.Fatalf("a level 3 attempt changed the status to %v", got)
	}
	form := b.get(stepUp).want(t, "step-up form", http.StatusOK)
	if !strings.Contains(form.body, "krever innlogging på nivå 4") || !strings.Contains(form.body, `value="`+st.Person(0)+`"`) {
		t.Errorf("step-up form does not explain or keep the identity:\n%s", form.body)
	}
	if to := b.login(stepUp, st.Person(0), "Kari Nordmann", 4); to != "/mailbox/shipments/"+id {
		t.Fatalf("step-up login returned to %q", to)
	}
	ceremony := b.startCeremony(id)
	b.post(ceremony+"/sign", url.Values{"csrf": {b.ceremonyForm(ceremony)}}).wantRedirect(t, "sign at level 4", "/mailbox/shipments/"+id+"/signed")
}

// TestExpiredOrder: past the deadline the mailbox refuses to start a
// ceremony, and a ceremony started before refuses to sign.
func TestExpiredOrder(t *testing.T) {
	t.Parallel()
	clk := st.NewClock(time.Now())
	f := start(t, func(cfg *app.Config) { cfg.Clock = clk.Now; cfg.SweepInterval = time.Hour })
	id := sendForSigning(t, f.srv, f.token, 0, false, clk.Now().Add(48*time.Hour))
	b := newBrowser(t, f.srv)
	b.login("/mailbox/login", st.Person(0), "Kari Nordmann", 3)
	ceremony := b.startCeremony(id)
	csrf := b.ceremonyForm(ceremony)

	clk.Advance(49 * time.Hour)
	// The session ended too, on the service's clock; log in again.
	b.get("/mailbox/").wantRedirect(t, "expired session", "/mailbox/login")
	b.login("/mailbox/login", st.Person(0), "Kari Nordmann", 3)
	opened := b.get("/mailbox/shipments/"+id).want(t, "open after deadline", http.StatusOK)
	if strings.Contains(opened.body, "/sign\"") {
		t.Error("the sign button is offered after the deadline")
	}
	csrf = opened.csrf(t)
	p := b.post("/mailbox/shipments/"+id+"/sign", url.Values{"csrf": {csrf}}).want(t, "start after deadline", http.StatusGone)
	if !strings.Contains(p.body, "Fristen for å signere er ute") {
		t.Errorf("error page:\n%s", p.body)
	}
	b.post(ceremony+"/sign", url.Values{"csrf": {csrf}}).want(t, "old ceremony after deadline", http.StatusGone)
	if got := f.signingStatus(t, id); got == svarsignv1.SigningStatus_SIGNING_STATUS_SIGNED {
		t.Fatal("signed after the deadline")
	}
}

// TestCSRF: every POST needs the session's token and, from a browser, the
// same origin; the login form needs its double-submit cookie.
func TestCSRF(t *testing.T) {
	t.Parallel()
	f := start(t)
	id := f.send(t, 0, false)
	b := newBrowser(t, f.srv)

	// Login: no cookie, wrong token, foreign origin.
	fresh := newBrowser(t, f.srv)
	login := url.Values{"nin": {st.Person(0)}, "name": {"Kari"}, "level": {"3"}, "csrf": {"forged"}}
	fresh.post("/mailbox/login", login).want(t, "login without the cookie", http.StatusForbidden)
	fresh.get("/mailbox/login")
	fresh.post("/mailbox/login", login).want(t, "login with a wrong token", http.StatusForbidden)
	login.Set("csrf", fresh.get("/mailbox/login").csrf(t))
	fresh.do(http.MethodPost, "/mailbox/login", login, func(r *http.Request) { r.Header.Set("Origin", "https://evil.example") }).
		want(t, "login from another origin", http.StatusForbidden)
	login.Set("nin", "12345678901")
	if p := fresh.post("/mailbox/login", login).want(t, "login with a bad number", http.StatusBadRequest); !strings.Contains(p.body, "Fødselsnummeret er ikke gyldig") {
		t.Errorf("bad number not explained:\n%s", p.body)
	}

	b.login("/mailbox/login", st.Person(0), "Kari Nordmann", 3)
	good := b.get("/mailbox/shipments/" + id).csrf(t)
	start := "/mailbox/shipments/" + id + "/sign"
	b.post(start, url.Values{}).want(t, "missing CSRF", http.StatusForbidden)
	b.post(start, url.Values{"csrf": {good + "x"}}).want(t, "wrong CSRF", http.StatusForbidden)
	b.do(http.MethodPost, start, url.Values{"csrf": {good}}, func(r *http.Request) {
		r.Header.Set("Origin", "https://evil.example")
	}).want(t, "foreign Origin", http.StatusForbidden)
	b.do(http.MethodPost, start, url.Values{"csrf": {good}}, func(r *http.Request) {
		r.Header.Del("Origin")
		r.Header.Set("Referer", "https://evil.example/page")
	}).want(t, "foreign Referer", http.StatusForbidden)
	b.do(http.MethodPost, start, url.Values{"csrf": {good}}, func(r *http.Request) {
		r.Header.Set("Sec-Fetch-Site", "cross-site")
	}).want(t, "cross-site fetch", http.StatusForbidden)

	ceremony := b.startCeremony(id)
	b.post(ceremony+"/sign", url.Values{"csrf": {"nope"}}).want(t, "ceremony sign without CSRF", http.StatusForbidden)
	b.post(ceremony+"/reject", url.Values{}).want(t, "ceremony reject without CSRF", http.StatusForbidden)
	if got := f.signingStatus(t, id); got != svarsignv1.SigningStatus_SIGNING_STATUS_WAITING {
		t.Fatalf("a forged POST changed the order to %v", got)
	}
	// The refused posts did not spend the token.
	b.post(ceremony+"/sign", url.Values{"csrf": {b.ceremonyForm(ceremony)}}).wantRedirect(t, "sign", "/mailbox/shipments/"+id+"/signed")
	b.post("/mailbox/logout", url.Values{}).want(t, "logout without CSRF", http.StatusForbidden)
}

// TestSessionCookie: the session cookie is HttpOnly, SameSite=Lax, for the
// whole site, and its value is not stored.
func TestSessionCookie(t *testing.T) {
	t.Parallel()
	f := start(t)
	b := newBrowser(t, f.srv)
	form := b.get("/mailbox/login")
	resp := b.post("/mailbox/login", url.Values{"csrf": {form.csrf(t)}, "nin": {st.Person(0)}, "name": {"Kari"}, "level": {"3"}, "next": {"https://evil.example/"}})
	if resp.location != "/mailbox/" {
		t.Errorf("login with a foreign next went to %q", resp.location)
	}
	var c *http.Cookie
	for _, k := range (&http.Response{Header: resp.header}).Cookies() {
		if k.Name == mailbox.SessionCookie {
			c = k
		}
	}
	if c == nil || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Path != "/" || c.MaxAge != int(mailbox.SessionLifetime.Seconds()) {
		t.Fatalf("session cookie %+v", c)
	}
	sessions, err := f.srv.App.DB().Ent.CitizenSession.Query().All(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(sessions) != 1 || strings.Contains(string(sessions[0].TokenHash), c.Value) || len(sessions[0].TokenHash) != 32 {
		t.Fatalf("stored sessions: %d, want 1 holding only a hash", len(sessions))
	}
	csrf := b.get("/mailbox/").csrf(t)
	b.post("/mailbox/logout", url.Values{"csrf": {csrf}}).wantRedirect(t, "logout", "/mailbox/login")
	b.get("/mailbox/").wantRedirect(t, "after logout", "/mailbox/login")
}

// TestSimulatedLoginDisabled: without --simulated-login the login says
// that none is configured and lets nobody in, even on a loopback address,
// where it used to be offered by itself; no banner then claims that anyone
// can log in.
func TestSimulatedLoginDisabled(t *testing.T) {
	t.Parallel()
	srv := st.Start(t)
	for _, lang := range []struct{ accept, banner, text string }{
		{"nb", bannerNB, "Innlogging er ikke satt opp"},
		{"en-GB,en;q=0.8", bannerEN, "Login is not configured"},
	} {
		b := newBrowser(t, srv)
		b.lang, b.real = lang.accept, true
		p := b.get("/mailbox/login").want(t, "login without the flag, "+lang.accept, http.StatusForbidden)
		if !strings.Contains(p.body, lang.text) || !strings.Contains(p.body, "--simulated-login") {
			t.Errorf("GET /mailbox/login (%s):\n%s", lang.accept, p.body)
		}
		// Nobody can log in, so no page may claim that anyone can.
		if strings.Contains(p.body, lang.banner) {
			t.Errorf("GET /mailbox/login (%s) without the flag shows the simulated-login banner", lang.accept)
		}
	}
	b := newBrowser(t, srv)
	b.real = true
	p := b.post("/mailbox/login", url.Values{"nin": {st.Person(0)}, "name": {"Kari"}, "level": {"3"}}).want(t, "POST login without the flag", http.StatusForbidden)
	if len(p.header.Values("Set-Cookie")) != 0 {
		t.Errorf("POST /mailbox/login without the flag set cookies %v", p.header.Values("Set-Cookie"))
	}
	// The handler on its own is off unless asked, too.
	h, err := mailbox.New(mailbox.Config{DB: srv.App.DB(), Blobs: srv.App.Blobs(), Signer: srv.App.Signer()})
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/mailbox/login", nil))
	if rec.Code != http.StatusForbidden {
		t.Errorf("mailbox.New without SimulatedLogin: GET /mailbox/login %d", rec.Code)
	}
}

// TestPagesInEnglish: English is served when the browser prefers it, with
// the English banner.
func TestPagesInEnglish(t *testing.T) {
	t.Parallel()
	f := start(t)
	b := newBrowser(t, f.srv)
	b.lang = "en-US,en;q=0.9,nb;q=0.5"
	if p := b.get("/mailbox/login"); !strings.Contains(p.body, bannerEN) || !strings.Contains(p.body, `lang="en"`) {
		t.Fatalf("English login page:\n%s", p.body)
	}
	b.login("/mailbox/login", st.Person(0), "Kari", 3)
	if p := b.get("/mailbox/"); !strings.Contains(p.body, "You have no shipments.") {
		t.Fatalf("English mailbox:\n%s", p.body)
	}
	if css := b.get("/mailbox/static/style.css").want(t, "style sheet", http.StatusOK); !strings.HasPrefix(css.header.Get("Content-Type"), "text/css") {
		t.Errorf("style sheet served as %q", css.header.Get("Content-Type"))
	}
	b.get("/mailbox/nowhere").want(t, "unknown page", http.StatusNotFound)
}
