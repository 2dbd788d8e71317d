// Package citizen drives the built-in mailbox as a citizen's browser would:
// simulated ID-porten login, open a shipment, start the signing ceremony and
// sign or reject at the local provider. `svarsign demo` and the client
// examples' tests use it; it speaks only the pages' HTML forms.
package citizen

import (
	"context"
	"errors"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Browser keeps cookies and reports redirects instead of following them.
type Browser struct {
	base string
	c    *http.Client
	poll time.Duration
}

// DefaultPoll is how often WaitListed reloads the mailbox.
const DefaultPoll = 50 * time.Millisecond

// New returns a browser for the service at base (e.g. http://127.0.0.1:8080).
func New(base string) *Browser {
	jar, _ := cookiejar.New(nil) // never fails without options
	return &Browser{base: strings.TrimSuffix(base, "/"), poll: DefaultPoll, c: &http.Client{
		Jar:           jar,
		Timeout:       30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// SetPoll sets how often WaitListed reloads the mailbox (default
// DefaultPoll); a benchmark timing delivery wants it finer.
func (b *Browser) SetPoll(d time.Duration) {
	if d > 0 {
		b.poll = d
	}
}

// Login logs in through the simulated ID-porten at level 3 or 4.
func (b *Browser) Login(ctx context.Context, nin, name string, level int) error {
	page, err := b.get(ctx, "/mailbox/login")
	if err != nil {
		return err
	}
	token, err := csrf(page)
	if err != nil {
		return err
	}
	_, err = b.post(ctx, "/mailbox/login", url.Values{"csrf": {token}, "nin": {nin}, "name": {name}, "level": {strconv.Itoa(level)}})
	return err
}

// WaitListed waits until the shipment is delivered to the mailbox, as a
// citizen waits for the notification.
func (b *Browser) WaitListed(ctx context.Context, id string) error {
	for {
		page, err := b.get(ctx, "/mailbox/")
		if err != nil {
			return err
		}
		if strings.Contains(page, "/mailbox/shipments/"+id) {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("shipment %s not in the mailbox: %w", id, ctx.Err())
		case <-time.After(b.poll):
		}
	}
}

// Open opens the shipment (which marks it read) and returns the page.
func (b *Browser) Open(ctx context.Context, id string) (string, error) {
	return b.get(ctx, "/mailbox/shipments/"+id)
}

// Sign opens the shipment, starts the ceremony and signs at the provider.
func (b *Browser) Sign(ctx context.Context, id string) error {
	c, err := b.Begin(ctx, id)
	if err != nil {
		return err
	}
	return c.Sign(ctx)
}

// Reject opens the shipment, starts the ceremony and declines to sign.
func (b *Browser) Reject(ctx context.Context, id, reason string) error {
	c, err := b.Begin(ctx, id)
	if err != nil {
		return err
	}
	return c.Reject(ctx, reason)
}

// Ceremony is a signing ceremony at the provider, loaded for review and
// waiting for the citizen's choice. Its steps are apart so that a
// benchmark can time the one that produces the signature.
type Ceremony struct {
	b     *Browser
	id    string // the shipment
	page  string // the provider's ceremony page
	token string // its form's CSRF token
}

// Begin opens the shipment, starts the ceremony and loads the provider's
// review page.
func (b *Browser) Begin(ctx context.Context, id string) (*Ceremony, error) {
	opened, err := b.Open(ctx, id)
	if err != nil {
		return nil, err
	}
	token, err := csrf(opened)
	if err != nil {
		return nil, err
	}
	page, err := b.post(ctx, "/mailbox/shipments/"+id+"/sign", url.Values{"csrf": {token}})
	if err != nil {
		return nil, err
	}
	if !strings.HasPrefix(page, "/provider/local/ceremony/") {
		return nil, fmt.Errorf("starting the ceremony led to %q", page)
	}
	review, err := b.get(ctx, page)
	if err != nil {
		return nil, err
	}
	if token, err = csrf(review); err != nil {
		return nil, err
	}
	return &Ceremony{b: b, id: id, page: page, token: token}, nil
}

// Sign signs at the provider: the one request in which the signature is made.
func (c *Ceremony) Sign(ctx context.Context) error {
	return c.finish(ctx, "/sign", nil, "/mailbox/shipments/"+c.id+"/signed")
}

// Reject declines to sign, with a reason.
func (c *Ceremony) Reject(ctx context.Context, reason string) error {
	return c.finish(ctx, "/reject", url.Values{"reason": {reason}}, "/mailbox/shipments/"+c.id+"/rejected")
}

func (c *Ceremony) finish(ctx context.Context, action string, extra url.Values, want string) error {
	form := url.Values{"csrf": {c.token}}
	for k, v := range extra {
		form[k] = v
	}
	done, err := c.b.post(ctx, c.page+action, form)
	if err != nil {
		return err
	}
	if done != want {
		return fmt.Errorf("%s at the provider led to %q, want %q", action, done, want)
	}
	return nil
}

// get returns the page at path, which must answer 200.
func (b *Browser) get(ctx context.Context, path string) (string, error) {
	resp, body, err := b.do(ctx, http.MethodGet, path, nil)
	if err != nil {
		return "", err
	}
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("GET %s: HTTP %d: %s", path, resp.StatusCode, pageText(body))
	}
	return body, nil
}

// post submits a form as the page would and returns where the 303 leads.
func (b *Browser) post(ctx context.Context, path string, form url.Values) (string, error) {
	resp, body, err := b.do(ctx, http.MethodPost, path, form)
	if err != nil {
		return "", err
	}
	if resp.StatusCode != http.StatusSeeOther {
		return "", fmt.Errorf("POST %s: HTTP %d: %s", path, resp.StatusCode, pageText(body))
	}
	return resp.Header.Get("Location"), nil
}

func (b *Browser) do(ctx context.Context, method, path string, form url.Values) (*http.Response, string, error) {
	req, err := http.NewRequestWithContext(ctx, method, b.base+path, strings.NewReader(form.Encode()))
	if err != nil {
		return nil, "", err
	}
	if method == http.MethodPost {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", b.base) // a browser says where a POST comes from
	}
	resp, err := b.c.Do(req)
	if err != nil {
		return nil, "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	return resp, string(body), err
}

var (
	csrfField = regexp.MustCompile(`name="csrf" value="([^"]*)"`)
	tags      = regexp.MustCompile(`(?s)<[^>]*>|\s+`)
)

// csrf is the CSRF token of the first form on the page.
func csrf(page string) (string, error) {
	m := csrfField.FindStringSubmatch(page)
	if m == nil {
		return "", errors.New("the page has no form with a CSRF token")
	}
	return html.UnescapeString(m[1]), nil
}

// pageText is a short plain-text rendering of an error page.
func pageText(body string) string {
	s := strings.TrimSpace(tags.ReplaceAllString(body, " "))
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	return html.UnescapeString(s)
}
