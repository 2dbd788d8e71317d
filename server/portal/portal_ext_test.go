package portal_test

import (
	"context"
	"encoding/json"
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

	svarsignv1 "github.com/svarsign/svarsign/gen/go/svarsign/v1"
	"github.com/svarsign/svarsign/gen/go/svarsign/v1/svarsignv1connect"
	st "github.com/svarsign/svarsign/internal/svarsigntest"
	"github.com/svarsign/svarsign/server/auth"
	"github.com/svarsign/svarsign/server/portal"
)

const password = "korrekt hest batteri stift"

// caseWorker is a case worker's browser: a cookie jar, Origin on POSTs, no
// automatic redirects.
type caseWorker struct {
	t    *testing.T
	base string
	c    *http.Client
	// csrf is the session's token, read from the page after login.
	csrf string
}

func newCaseWorker(t *testing.T, srv *st.Server) *caseWorker {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &caseWorker{t: t, base: srv.URL, c: &http.Client{
		Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

func (b *caseWorker) do(req *http.Request) (*http.Response, string) {
	b.t.Helper()
	resp, err := b.c.Do(req)
	if err != nil {
		b.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		b.t.Fatal(err)
	}
	return resp, string(body)
}

func (b *caseWorker) get(path string) (*http.Response, string) {
	b.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, b.base+path, nil)
	return b.do(req)
}

func (b *caseWorker) post(path string, form url.Values) (*http.Response, string) {
	b.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, b.base+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", b.base)
	return b.do(req)
}

var (
	formCSRF = regexp.MustCompile(`name="csrf" value="([^"]+)"`)
	metaCSRF = regexp.MustCompile(`<meta name="csrf-token" content="([^"]+)">`)
)

func match(t *testing.T, re *regexp.Regexp, page string) string {
	t.Helper()
	m := re.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("page has no %s:\n%s", re, page)
	}
	return html.UnescapeString(m[1])
}

// login logs in and returns the login response.
func (b *caseWorker) login(org, email, pw string) *http.Response {
	b.t.Helper()
	_, page := b.get(portal.Prefix + "/login")
	resp, _ := b.post(portal.Prefix+"/login", url.Values{
		"csrf": {match(b.t, formCSRF, page)}, "org": {org}, "email": {email}, "password": {pw}, "next": {portal.Prefix + "/status"},
	})
	return resp
}

// mustLogin logs in, checks the session cookie's attributes and reads the
// CSRF token from the send page.
func (b *caseWorker) mustLogin(org, email string) {
	b.t.Helper()
	resp := b.login(org, email, password)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != portal.Prefix+"/status" {
		b.t.Fatalf("login: %d to %q, want 303 to the status page", resp.StatusCode, resp.Header.Get("Location"))
	}
	var session *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == auth.SessionCookie {
			session = c
		}
	}
	switch {
	case session == nil:
		b.t.Fatal("login set no session cookie")
	case !session.HttpOnly || session.SameSite != http.SameSiteStrictMode || session.Path != "/":
		b.t.Errorf("session cookie %+v: want HttpOnly, SameSite=Strict, Path=/", session)
	case session.Secure:
		b.t.Errorf("session cookie is Secure on plain HTTP; it would never come back")
	}
	resp, page := b.get(portal.Prefix)
	if resp.StatusCode != http.StatusOK {
		b.t.Fatalf("send page after login: %d", resp.StatusCode)
	}
	b.csrf = match(b.t, metaCSRF, page)
}

// roundTripper adds what the page's bundle adds: the session cookie from
// the jar and the CSRF header, unless csrf is empty.
type roundTripper struct {
	b    *caseWorker
	csrf string
}

func (rt roundTripper) RoundTrip(req *http.Request) (*http.Response, error) {
	req = req.Clone(req.Context())
	for _, c := range rt.b.c.Jar.Cookies(req.URL) {
		req.AddCookie(c)
	}
	if rt.csrf != "" {
		req.Header.Set(auth.CSRFHeader, rt.csrf)
	}
	return http.DefaultTransport.RoundTrip(req)
}

// shipments is a Connect client authenticated only by the browser's
// cookie and the given CSRF token, as the page's calls are.
func (b *caseWorker) shipments(csrf string) svarsignv1connect.ShipmentServiceClient {
	return svarsignv1connect.NewShipmentServiceClient(&http.Client{Transport: roundTripper{b, csrf}}, b.base)
}

// sendAs sends a plain shipment with an API key and returns its id.
func sendAs(t *testing.T, srv *st.Server, key, title string) string {
	t.Helper()
	resp, err := srv.Shipments(key, st.Connect).SendShipment(context.Background(), connect.NewRequest(&svarsignv1.SendShipmentRequest{
		Title:     title,
		Recipient: &svarsignv1.Recipient{Identity: &svarsignv1.Recipient_NationalIdentityNumber{NationalIdentityNumber: st.Person(0)}},
		Documents: []*svarsignv1.DocumentSpec{{FileName: "brev.txt", MimeType: "text/plain", Content: []byte("Hei")}},
	}))
	if err != nil {
		t.Fatal(err)
	}
	return resp.Msg.GetShipment().GetId()
}

func TestPagesNeedLogin(t *testing.T) {
	srv := st.Start(t)
	b := newCaseWorker(t, srv)
	for _, path := range []string{portal.Prefix, portal.Prefix + "/status"} {
		resp, _ := b.get(path)
		if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), portal.Prefix+"/login?next=") {
			t.Errorf("GET %s without a session: %d to %q, want 303 to the login page", path, resp.StatusCode, resp.Header.Get("Location"))
		}
	}
	resp, page := b.get(portal.Prefix + "/login")
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, `lang="nb"`) || !strings.Contains(page, `<label for="password">Passord</label>`) {
		t.Fatalf("login page: %d\n%s", resp.StatusCode, page)
	}
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") || !strings.Contains(csp, "frame-ancestors 'none'") {
		t.Errorf("login page CSP = %q", csp)
	}
	// The assets are embedded: no Node at run time.
	for _, asset := range []string{"/assets/app.js", "/assets/portal.css"} {
		resp, body := b.get(portal.Prefix + asset)
		if resp.StatusCode != http.StatusOK || len(body) < 1000 {
			t.Errorf("GET %s: %d, %d bytes", asset, resp.StatusCode, len(body))
		}
	}
}

func TestLoginSessionAndLogout(t *testing.T) {
	srv := st.Start(t)
	org := st.OrgNumber(0)
	srv.Org(t, org, "Eksempel kommune")
	srv.User(t, org, "Sak.Behandler@Eksempel.no", password)
	b := newCaseWorker(t, srv)

	if resp := b.login(org, "sak.behandler@eksempel.no", "feil passord her"); resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("wrong password: %d, want 401", resp.StatusCode)
	}
	if resp := b.login(st.OrgNumber(1), "sak.behandler@eksempel.no", password); resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("right password, other organisation: %d, want 401", resp.StatusCode)
	}
	// The address is not case-sensitive.
	b.mustLogin(org, "  SAK.behandler@eksempel.no ")
	ctx := context.Background()

	// The cookie authenticates Connect calls only together with the CSRF token.
	if _, err := b.shipments(b.csrf).ListShipments(ctx, connect.NewRequest(&svarsignv1.ListShipmentsRequest{})); err != nil {
		t.Fatalf("ListShipments with cookie and CSRF header: %v", err)
	}
	for name, csrf := range map[string]string{"no CSRF header": "", "wrong CSRF header": b.csrf[:20] + "x"} {
		_, err := b.shipments(csrf).ListShipments(ctx, connect.NewRequest(&svarsignv1.ListShipmentsRequest{}))
		if st.Code(err) != connect.CodePermissionDenied {
			t.Errorf("%s: %v, want PermissionDenied", name, err)
		}
	}
	// The JSON facade forwards cookie and header too.
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/v1/shipments", nil)
	req.Header.Set(auth.CSRFHeader, b.csrf)
	if resp, body := b.do(req); resp.StatusCode != http.StatusOK {
		t.Errorf("GET /v1/shipments with cookie and CSRF header: %d %s", resp.StatusCode, body)
	}
	req, _ = http.NewRequest(http.MethodGet, srv.URL+"/v1/shipments", nil)
	if resp, _ := b.do(req); resp.StatusCode != http.StatusForbidden {
		t.Errorf("GET /v1/shipments with cookie, no CSRF header: %d, want 403", resp.StatusCode)
	}

	// Logout needs the session's token, then ends the session for good.
	if resp, _ := b.post(portal.Prefix+"/logout", url.Values{"csrf": {"nope"}}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("logout with a wrong token: %d, want 403", resp.StatusCode)
	}
	old := b.csrf
	resp, _ := b.post(portal.Prefix+"/logout", url.Values{"csrf": {b.csrf}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("logout: %d", resp.StatusCode)
	}
	// Replay the old cookie by hand: the server must have forgotten it.
	_, err := b.shipments(old).ListShipments(ctx, connect.NewRequest(&svarsignv1.ListShipmentsRequest{}))
	if st.Code(err) != connect.CodeUnauthenticated {
		t.Errorf("after logout: %v, want Unauthenticated", err)
	}
}

func TestLoginIsRateLimited(t *testing.T) {
	srv := st.Start(t)
	org := st.OrgNumber(0)
	srv.Org(t, org, "Eksempel kommune")
	srv.User(t, org, "a@eksempel.no", password)
	b := newCaseWorker(t, srv)
	for i := range 5 {
		if resp := b.login(org, "a@eksempel.no", "gjetning nummer "+string(rune('a'+i))); resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("guess %d: %d, want 401", i+1, resp.StatusCode)
		}
	}
	// Now even the right password is refused until the window has passed.
	resp := b.login(org, "a@eksempel.no", password)
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("6th attempt: %d (Retry-After %q), want 429 with Retry-After", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
}

func TestLoginNeedsFormToken(t *testing.T) {
	srv := st.Start(t)
	org := st.OrgNumber(0)
	srv.Org(t, org, "Eksempel kommune")
	srv.User(t, org, "a@eksempel.no", password)
	b := newCaseWorker(t, srv)
	b.get(portal.Prefix + "/login")
	resp, _ := b.post(portal.Prefix+"/login", url.Values{"csrf": {"forged"}, "org": {org}, "email": {"a@eksempel.no"}, "password": {password}})
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("login with a forged token: %d, want 403", resp.StatusCode)
	}
}

// TestCaseWorkerSeesOnlyOwnOrganisation: a case worker's cookie gives the
// rights of their organisation and nothing more, through Connect and the
// JSON facade alike.
func TestCaseWorkerSeesOnlyOwnOrganisation(t *testing.T) {
	srv := st.Start(t)
	orgA, orgB := st.OrgNumber(0), st.OrgNumber(1)
	keyA := srv.Org(t, orgA, "Kommune A")
	keyB := srv.Org(t, orgB, "Kommune B")
	srv.User(t, orgA, "a@a.no", password)
	srv.User(t, orgB, "b@b.no", password)
	mineA := sendAs(t, srv, keyA, "Brev fra A")
	theirs := sendAs(t, srv, keyB, "Brev fra B")

	a := newCaseWorker(t, srv)
	a.mustLogin(orgA, "a@a.no")
	ctx := context.Background()
	c := a.shipments(a.csrf)

	list, err := c.ListShipments(ctx, connect.NewRequest(&svarsignv1.ListShipmentsRequest{}))
	if err != nil {
		t.Fatal(err)
	}
	if n := len(list.Msg.GetShipments()); n != 1 || list.Msg.GetShipments()[0].GetId() != mineA {
		t.Fatalf("A's case worker lists %d shipments %v, want only A's %s", n, list.Msg.GetShipments(), mineA)
	}
	if _, err := c.GetShipment(ctx, connect.NewRequest(&svarsignv1.GetShipmentRequest{Id: theirs})); st.Code(err) != connect.CodeNotFound {
		t.Errorf("GetShipment of B's shipment: %v, want NotFound", err)
	}
	if _, err := c.GetHistory(ctx, connect.NewRequest(&svarsignv1.GetHistoryRequest{Id: theirs})); st.Code(err) != connect.CodeNotFound {
		t.Errorf("GetHistory of B's shipment: %v, want NotFound", err)
	}
	// Nor through the JSON facade.
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/v1/shipments/"+theirs, nil)
	req.Header.Set(auth.CSRFHeader, a.csrf)
	if resp, _ := a.do(req); resp.StatusCode != http.StatusNotFound {
		t.Errorf("GET /v1/shipments/{B's} with A's cookie: %d, want 404", resp.StatusCode)
	}
	req, _ = http.NewRequest(http.MethodGet, srv.URL+"/v1/shipments", nil)
	req.Header.Set(auth.CSRFHeader, a.csrf)
	resp, body := a.do(req)
	var listed struct {
		Shipments []struct{ ID string } `json:"shipments"`
	}
	if err := json.Unmarshal([]byte(body), &listed); resp.StatusCode != http.StatusOK || err != nil {
		t.Fatalf("GET /v1/shipments: %d %v %s", resp.StatusCode, err, body)
	}
	if len(listed.Shipments) != 1 || listed.Shipments[0].ID != mineA {
		t.Errorf("GET /v1/shipments with A's cookie lists %s", body)
	}
	// And a raw upload into B's reserved shipment is refused.
	started, err := srv.Shipments(keyB, st.Connect).StartShipment(ctx, connect.NewRequest(&svarsignv1.StartShipmentRequest{}))
	if err != nil {
		t.Fatal(err)
	}
	req, _ = http.NewRequest(http.MethodPut, srv.URL+"/v1/shipments/"+started.Msg.GetShipmentId()+"/documents/x.txt", strings.NewReader("x"))
	req.Header.Set(auth.CSRFHeader, a.csrf)
	req.Header.Set("Content-Type", "text/plain")
	if resp, _ := a.do(req); resp.StatusCode != http.StatusNotFound {
		t.Errorf("PUT into B's shipment with A's cookie: %d, want 404", resp.StatusCode)
	}
}
