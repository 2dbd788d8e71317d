package gateway_test

import (
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/google/uuid"

	st "github.com/svarsign/svarsign/internal/svarsigntest"
)

// TestOpenAPIRoutesAnswer fetches /openapi.json from a running server and
// calls every documented route with a valid key and placeholder ids. Each
// must reach a handler: success, or an error from the service (such as
// NotFound for the made-up shipment) — never the router's own "Not Found"
// or "Method Not Allowed", which would mean the document promises a route
// the server does not have.
func TestOpenAPIRoutesAnswer(t *testing.T) {
	t.Parallel()
	srv := st.Start(t)
	key := srv.Org(t, st.OrgNumber(0), "Eksempel kommune")

	resp, err := http.Get(srv.URL + "/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	err = json.NewDecoder(resp.Body).Decode(&doc)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /openapi.json: %s, %v", resp.Status, err)
	}

	var routes []string
	for path, item := range doc.Paths {
		for method := range item {
			routes = append(routes, strings.ToUpper(method)+" "+path)
		}
	}
	sort.Strings(routes)
	if len(routes) < 19 {
		t.Fatalf("only %d routes documented: %v", len(routes), routes)
	}
	for _, route := range routes {
		method, path, _ := strings.Cut(route, " ")
		t.Run(route, func(t *testing.T) {
			status, body := call(t, srv.URL, key, method, placeholders(path))
			if status/100 == 2 {
				return
			}
			var e struct {
				Code    int    `json:"code"`
				Message string `json:"message"`
			}
			if err := json.Unmarshal(body, &e); err != nil {
				t.Fatalf("%d with a body that is no google.rpc.Status: %q", status, body)
			}
			if unrouted(status, e.Code, e.Message) {
				t.Fatalf("the server has no such route: %d %s", status, body)
			}
			t.Logf("%d %s", status, body)
		})
	}
}

// unrouted reports whether an error is grpc-gateway's answer to a request
// that matched no route (NotFound) or no method of a route (Unimplemented).
// Errors from the services carry their own messages.
func unrouted(status, code int, message string) bool {
	return (status == http.StatusNotFound && code == 5 && message == http.StatusText(http.StatusNotFound)) ||
		code == 12 || status == http.StatusMethodNotAllowed || status == http.StatusNotImplemented
}

var pathParam = regexp.MustCompile(`\{[^}]+\}`)

// placeholders fills a path template: a file name for {fileName}, a fresh
// UUID for every id.
func placeholders(path string) string {
	return pathParam.ReplaceAllStringFunc(path, func(p string) string {
		if p == "{fileName}" {
			return "probe.pdf"
		}
		return uuid.NewString()
	})
}

func call(t *testing.T, base, key, method, path string) (int, []byte) {
	t.Helper()
	var body io.Reader
	contentType := "application/json"
	switch method {
	case http.MethodPost:
		body = strings.NewReader("{}")
	case http.MethodPut:
		body = strings.NewReader("%PDF-1.4\n%%EOF\n")
		contentType = "application/pdf"
	}
	req, err := http.NewRequestWithContext(t.Context(), method, base+path, body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+key)
	if body != nil {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, b
}
