package mailbox_test

import (
	"context"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/types/known/timestamppb"

	svarsignv1 "github.com/svarsign/svarsign/gen/go/svarsign/v1"
	st "github.com/svarsign/svarsign/internal/svarsigntest"
	"github.com/svarsign/svarsign/internal/testpdf"
	"github.com/svarsign/svarsign/server/app"
)

// Banners every page must show, in each language.
const (
	bannerNB = "SIMULERT innlogging – kun for test"
	bannerEN = "SIMULATED login – for testing only"
)

// browser acts as a citizen's browser: a cookie jar, Origin on POSTs,
// and no automatic redirects, so tests see where each step leads.
type browser struct {
	t    *testing.T
	base string
	c    *http.Client
	lang string
	// real is set for a server without --simulated-login, whose pages
	// must not carry the simulated-login banner.
	real bool
}

func newBrowser(t *testing.T, srv *st.Server) *browser {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &browser{t: t, base: srv.URL, lang: "nb-NO,nb;q=0.9,en;q=0.5", c: &http.Client{
		Jar:           jar,
		Timeout:       30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// page is one response.
type page struct {
	code     int
	location string
	header   http.Header
	body     string
}

// do sends one request. HTML responses must carry the simulated-login
// banner, unless the server has no simulated login (b.real).
func (b *browser) do(method, path string, form url.Values, mod ...func(*http.Request)) page {
	b.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, b.base+path, body)
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("Accept-Language", b.lang)
	req.Header.Set("User-Agent", "mailbox-test-browser")
	if method == http.MethodPost {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", b.base)
	}
	for _, m := range mod {
		m(req)
	}
	resp, err := b.c.Do(req)
	if err != nil {
		b.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		b.t.Fatal(err)
	}
	p := page{code: resp.StatusCode, location: resp.Header.Get("Location"), header: resp.Header, body: string(raw)}
	if (p.code < 300 || p.code >= 400) && strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		banner := strings.Contains(p.body, bannerNB) || strings.Contains(p.body, bannerEN)
		switch {
		case !banner && !b.real:
			b.t.Errorf("%s %s (%d): page has no simulated-login banner", method, path, p.code)
		case banner && b.real:
			b.t.Errorf("%s %s (%d): page has the simulated-login banner on a server without simulated login", method, path, p.code)
		}
	}
	return p
}

func (b *browser) get(path string) page { b.t.Helper(); return b.do(http.MethodGet, path, nil) }

func (b *browser) post(path string, form url.Values) page {
	b.t.Helper()
	return b.do(http.MethodPost, path, form)
}

// want fails the test unless p has status code.
func (p page) want(t *testing.T, what string, code int) page {
	t.Helper()
	if p.code != code {
		t.Fatalf("%s: status %d, want %d\nLocation: %s\n%s", what, p.code, code, p.location, p.body)
	}
	return p
}

// wantRedirect fails the test unless p is a 303 to a URL starting with prefix.
func (p page) wantRedirect(t *testing.T, what, prefix string) string {
	t.Helper()
	p.want(t, what, http.StatusSeeOther)
	if !strings.HasPrefix(p.location, prefix) {
		t.Fatalf("%s: redirected to %q, want %q...", what, p.location, prefix)
	}
	return p.location
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]*)"`)

// csrf is the CSRF token of the first form on the page.
func (p page) csrf(t *testing.T) string {
	t.Helper()
	m := csrfField.FindStringSubmatch(p.body)
	if m == nil {
		t.Fatalf("no CSRF field on the page:\n%s", p.body)
	}
	return html.UnescapeString(m[1])
}

// login logs in through the simulated ID-porten from path (the login page,
// possibly with level and next) and returns where it leads.
func (b *browser) login(path, nin, name string, level int) string {
	b.t.Helper()
	form := b.get(path).want(b.t, "login form", http.StatusOK)
	next := regexp.MustCompile(`name="next" value="([^"]*)"`).FindStringSubmatch(form.body)
	v := url.Values{"csrf": {form.csrf(b.t)}, "nin": {nin}, "name": {name}, "level": {string(rune('0' + level))}}
	if next != nil {
		v.Set("next", html.UnescapeString(next[1]))
	}
	return b.post("/mailbox/login", v).wantRedirect(b.t, "login", "/")
}

// sendForSigning sends a contract to sign and an attachment to person n
// and waits until it is in the mailbox.
func sendForSigning(t *testing.T, srv *st.Server, token string, n int, level4 bool, deadline time.Time) string {
	t.Helper()
	contract := testpdf.Read(t, testpdf.Classic(t, t.TempDir(), 1))
	c := srv.Shipments(token, st.Connect)
	resp, err := c.SendShipment(context.Background(), connect.NewRequest(&svarsignv1.SendShipmentRequest{
		Title: "Leiekontrakt for Storgata 1",
		Recipient: &svarsignv1.Recipient{
			Identity: &svarsignv1.Recipient_NationalIdentityNumber{NationalIdentityNumber: st.Person(n)},
			Name:     "Kari Nordmann",
			PostalAddress: &svarsignv1.PostalAddress{
				Lines: []string{"Storgata 1"}, PostalCode: "0155", PostalArea: "Oslo",
			},
		},
		Documents: []*svarsignv1.DocumentSpec{
			{FileName: "kontrakt.pdf", MimeType: "application/pdf", Content: contract, Sign: true},
			{FileName: "vedlegg.txt", MimeType: "text/plain", Content: []byte("husordensregler")},
		},
		RequireLevel4: level4,
		SigningOrder: &svarsignv1.SigningOrder{
			SignatureType: svarsignv1.SignatureType_SIGNATURE_TYPE_AUTHENTICATED,
			Deadline:      timestamppb.New(deadline),
		},
	}))
	if err != nil {
		t.Fatal(err)
	}
	id := resp.Msg.GetShipment().GetId()
	srv.WaitStatus(t, c, id, svarsignv1.ShipmentStatus_SHIPMENT_STATUS_NOTIFIED)
	return id
}

// fixture is a running service with one sender organisation.
type fixture struct {
	srv   *st.Server
	token string
}

// start runs a service with the simulated login turned on.
func start(t *testing.T, mod ...func(*app.Config)) fixture {
	t.Helper()
	srv := st.Start(t, append([]func(*app.Config){func(c *app.Config) { c.SimulatedLogin = true }}, mod...)...)
	return fixture{srv: srv, token: srv.Org(t, st.OrgNumber(0), "Eksempel kommune")}
}

func (f fixture) send(t *testing.T, n int, level4 bool) string {
	t.Helper()
	return sendForSigning(t, f.srv, f.token, n, level4, time.Now().Add(14*24*time.Hour))
}

func (f fixture) shipmentStatus(t *testing.T, id string) svarsignv1.ShipmentStatus {
	t.Helper()
	resp, err := f.srv.Shipments(f.token, st.Connect).GetShipment(context.Background(), connect.NewRequest(&svarsignv1.GetShipmentRequest{Id: id}))
	if err != nil {
		t.Fatal(err)
	}
	return resp.Msg.GetShipment().GetStatus()
}

func (f fixture) signingStatus(t *testing.T, id string) svarsignv1.SigningStatus {
	t.Helper()
	resp, err := f.srv.Signing(f.token, st.Connect).GetSigningOrder(context.Background(), connect.NewRequest(&svarsignv1.GetSigningOrderRequest{ShipmentId: id}))
	if err != nil {
		t.Fatal(err)
	}
	return resp.Msg.GetSigningOrder().GetStatus()
}

// startCeremony presses "Sign" on the opened shipment and returns the
// provider's ceremony path.
func (b *browser) startCeremony(id string) string {
	b.t.Helper()
	opened := b.get("/mailbox/shipments/"+id).want(b.t, "open shipment", http.StatusOK)
	return b.post("/mailbox/shipments/"+id+"/sign", url.Values{"csrf": {opened.csrf(b.t)}}).
		wantRedirect(b.t, "start ceremony", "/provider/local/ceremony/")
}

// ceremonyForm loads the ceremony page and returns its CSRF token.
func (b *browser) ceremonyForm(path string) string {
	b.t.Helper()
	return b.get(path).want(b.t, "ceremony page", http.StatusOK).csrf(b.t)
}

func mustCompile(expr string) *regexp.Regexp { return regexp.MustCompile(expr) }
