package app_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	st "github.com/svarsign/svarsign/internal/svarsigntest"
)

// The JSON shapes a legacy caller reads: protojson with camelCase names,
// enums as names and int64 as strings.
type jsonDocument struct {
	ID        string `json:"id"`
	FileName  string `json:"fileName"`
	MimeType  string `json:"mimeType"`
	SizeBytes string `json:"sizeBytes"`
	Sha256    string `json:"sha256"`
}

type jsonShipment struct {
	ID          string         `json:"id"`
	Title       string         `json:"title"`
	Status      string         `json:"status"`
	ExternalRef string         `json:"externalRef"`
	ReadTime    string         `json:"readTime"`
	Documents   []jsonDocument `json:"documents"`
	Recipient   struct {
		NationalIdentityNumber string `json:"nationalIdentityNumber"`
	} `json:"recipient"`
}

type jsonShipmentResponse struct {
	Shipment jsonShipment `json:"shipment"`
}

type jsonShipmentsResponse struct {
	Shipments []jsonShipment `json:"shipments"`
}

func decodeJSON(t testing.TB, body []byte, v any) {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(v); err != nil {
		t.Fatalf("decoding %s: %v", body, err)
	}
}

// legacy is a plain net/http caller of the JSON facade.
type legacy struct {
	t    *testing.T
	base string
	auth func(*http.Request)
}

func bearerAuth(token string) func(*http.Request) {
	return func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+token) }
}

// basicAuth presents the key as HTTP Basic: user is the key id, password the secret.
func basicAuth(t *testing.T, token string) func(*http.Request) {
	rest, ok := strings.CutPrefix(token, "svs_")
	id, secret, ok2 := strings.Cut(rest, ".")
	if !ok || !ok2 {
		t.Fatalf("token %q is not svs_<id>.<secret>", token)
	}
	return func(r *http.Request) { r.SetBasicAuth(id, secret) }
}

// do sends a request and returns the status, headers and whole body.
func (l legacy) do(method, path, contentType string, body io.Reader) (int, http.Header, []byte) {
	l.t.Helper()
	req, err := http.NewRequestWithContext(l.t.Context(), method, l.base+path, body)
	if err != nil {
		l.t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if l.auth != nil {
		l.auth(req)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		l.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		l.t.Fatalf("%s %s: reading body: %v", method, path, err)
	}
	return resp.StatusCode, resp.Header, b
}

// call sends JSON (if in is not nil), wants the status and decodes the answer into out.
func (l legacy) call(method, path string, in any, wantStatus int, out any) {
	l.t.Helper()
	var body io.Reader
	ct := ""
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			l.t.Fatal(err)
		}
		body, ct = bytes.NewReader(b), "application/json"
	}
	status, _, b := l.do(method, path, ct, body)
	if status != wantStatus {
		l.t.Fatalf("%s %s = %d, want %d: %s", method, path, status, wantStatus, b)
	}
	if out != nil {
		decodeJSON(l.t, b, out)
	}
}

// TestJSONFacade drives the whole send-and-follow flow as a legacy caller:
// plain HTTP and JSON, no generated client.
func TestJSONFacade(t *testing.T) {
	t.Parallel()
	srv := st.Start(t)
	token := srv.Org(t, st.OrgNumber(0), "Gammel kommune")
	api := legacy{t: t, base: srv.URL, auth: bearerAuth(token)}

	var start struct {
		ShipmentID string `json:"shipmentId"`
	}
	api.call(http.MethodPost, "/v1/shipments:start", map[string]any{}, http.StatusOK, &start)
	if _, err := uuid.Parse(start.ShipmentID); err != nil {
		t.Fatalf("start gave shipmentId %q: %v", start.ShipmentID, err)
	}
	id := start.ShipmentID

	// Raw upload: bytes as the body, the file name in the path.
	pdf := []byte("%PDF-1.4\n% vedtak nr 1\n" + strings.Repeat("innhold ", 5000))
	status, hdr, body := api.do(http.MethodPut, "/v1/shipments/"+id+"/documents/"+url.PathEscape("vedtak nr 1.pdf"), "application/pdf", bytes.NewReader(pdf))
	if status != http.StatusCreated {
		t.Fatalf("PUT document = %d: %s", status, body)
	}
	if ct := hdr.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("PUT document Content-Type = %q", ct)
	}
	var put struct {
		Document jsonDocument `json:"document"`
	}
	decodeJSON(t, body, &put)
	if put.Document.FileName != "vedtak nr 1.pdf" || put.Document.MimeType != "application/pdf" ||
		put.Document.SizeBytes != strconv.Itoa(len(pdf)) || put.Document.Sha256 != sha(pdf) {
		t.Fatalf("PUT document = %+v, want vedtak nr 1.pdf, application/pdf, %d bytes, sha %s", put.Document, len(pdf), sha(pdf))
	}

	inline := []byte("Dette er et vedlegg.\n")
	var sent jsonShipmentResponse
	api.call(http.MethodPost, "/v1/shipments", map[string]any{
		"shipmentId":   id,
		"title":        "Vedtak om byggesak",
		"senderSystem": "Legacy sak 2.0",
		"externalRef":  "json-ref-a",
		"recipient": map[string]any{
			"nationalIdentityNumber": st.Person(0),
			"name":                   "Kari Nordmann",
			"postalAddress":          map[string]any{"lines": []string{"Storgata 1"}, "postalCode": "0155", "postalArea": "Oslo"},
		},
		"documents": []map[string]any{
			{"fileName": "vedtak nr 1.pdf"},
			{"fileName": "inline.txt", "mimeType": "text/plain", "content": base64.StdEncoding.EncodeToString(inline)},
		},
		"archiveMetadata": map[string]any{"caseYear": 2026, "caseSequence": 7},
	}, http.StatusOK, &sent)
	sh := sent.Shipment
	if sh.ID != id || sh.Status != "SHIPMENT_STATUS_RECEIVED" || sh.ExternalRef != "json-ref-a" || sh.Recipient.NationalIdentityNumber != st.Person(0) {
		t.Fatalf("sent shipment = %+v", sh)
	}
	if len(sh.Documents) != 2 ||
		sh.Documents[0].FileName != "vedtak nr 1.pdf" || sh.Documents[0].Sha256 != sha(pdf) ||
		sh.Documents[1].FileName != "inline.txt" || sh.Documents[1].Sha256 != sha(inline) || sh.Documents[1].SizeBytes != strconv.Itoa(len(inline)) {
		t.Fatalf("sent documents = %+v", sh.Documents)
	}

	// A second shipment, documents inline only, so the filters have something to leave out.
	var other jsonShipmentResponse
	api.call(http.MethodPost, "/v1/shipments", map[string]any{
		"title":       "Annet brev",
		"externalRef": "json-ref-b",
		"recipient":   map[string]any{"nationalIdentityNumber": st.Person(1), "name": "Ola Nordmann", "postalAddress": map[string]any{"lines": []string{"Lillegata 2"}, "postalCode": "0155", "postalArea": "Oslo"}},
		"documents":   []map[string]any{{"fileName": "brev.txt", "mimeType": "text/plain", "content": base64.StdEncoding.EncodeToString([]byte("hei"))}},
	}, http.StatusOK, &other)
	if other.Shipment.ID == "" || other.Shipment.ID == id {
		t.Fatalf("second shipment id %q", other.Shipment.ID)
	}

	var got jsonShipmentResponse
	api.call(http.MethodGet, "/v1/shipments/"+id, nil, http.StatusOK, &got)
	if got.Shipment.ID != id || got.Shipment.Title != "Vedtak om byggesak" || len(got.Shipment.Documents) != 2 {
		t.Fatalf("GET shipment = %+v", got.Shipment)
	}

	var all jsonShipmentsResponse
	api.call(http.MethodGet, "/v1/shipments", nil, http.StatusOK, &all)
	if len(all.Shipments) != 2 || all.Shipments[0].ID != other.Shipment.ID || all.Shipments[1].ID != id {
		t.Fatalf("GET /v1/shipments = %v, want both, newest first", shipmentIDs(all.Shipments))
	}
	// Query parameters take the JSON (camelCase) name and the proto
	// (snake_case) name alike; grpc-gateway looks fields up by both.
	for _, param := range []string{"externalRef", "external_ref"} {
		var list jsonShipmentsResponse
		api.call(http.MethodGet, "/v1/shipments?"+param+"=json-ref-a", nil, http.StatusOK, &list)
		if len(list.Shipments) != 1 || list.Shipments[0].ID != id {
			t.Errorf("GET /v1/shipments?%s=json-ref-a = %v, want [%s]", param, shipmentIDs(list.Shipments), id)
		}
	}
	var found jsonShipmentsResponse
	api.call(http.MethodGet, "/v1/shipments:findByExternalRef?externalRef=json-ref-b", nil, http.StatusOK, &found)
	if len(found.Shipments) != 1 || found.Shipments[0].ID != other.Shipment.ID {
		t.Errorf("findByExternalRef json-ref-b = %v, want [%s]", shipmentIDs(found.Shipments), other.Shipment.ID)
	}
	var none jsonShipmentsResponse
	api.call(http.MethodGet, "/v1/shipments:findByExternalRef?externalRef=nope", nil, http.StatusOK, &none)
	if len(none.Shipments) != 0 {
		t.Errorf("findByExternalRef nope = %v, want none", shipmentIDs(none.Shipments))
	}

	// Ask again, as a legacy caller polls, until the recipient was notified.
	srv.Await(t, func() error {
		if got.Shipment.Status != "SHIPMENT_STATUS_NOTIFIED" {
			api.call(http.MethodGet, "/v1/shipments/"+id, nil, http.StatusOK, &got)
		}
		if got.Shipment.Status != "SHIPMENT_STATUS_NOTIFIED" {
			return fmt.Errorf("shipment is %s, want SHIPMENT_STATUS_NOTIFIED", got.Shipment.Status)
		}
		return nil
	})

	type history struct {
		Events []struct {
			ID     string `json:"id"`
			Status string `json:"status"`
			Time   string `json:"time"`
			Text   string `json:"text"`
		} `json:"events"`
	}
	statuses := func(h history) []string {
		var s []string
		for _, e := range h.Events {
			s = append(s, e.Status)
		}
		return s
	}
	var hist history
	api.call(http.MethodGet, "/v1/shipments/"+id+"/history", nil, http.StatusOK, &hist)
	if s := strings.Join(statuses(hist), ","); s != "SHIPMENT_STATUS_RECEIVED,SHIPMENT_STATUS_ACCEPTED,SHIPMENT_STATUS_NOTIFIED" {
		t.Fatalf("history = %s", s)
	}
	for _, e := range hist.Events {
		if _, err := time.Parse(time.RFC3339Nano, e.Time); err != nil || e.ID == "" {
			t.Errorf("history event %+v: id must be set and time RFC 3339 (%v)", e, err)
		}
	}

	var read jsonShipmentResponse
	api.call(http.MethodPost, "/v1/shipments/"+id+":markRead", map[string]any{}, http.StatusOK, &read)
	if read.Shipment.Status != "SHIPMENT_STATUS_READ" || read.Shipment.ReadTime == "" {
		t.Fatalf("after markRead: status %s readTime %q", read.Shipment.Status, read.Shipment.ReadTime)
	}
	api.call(http.MethodGet, "/v1/shipments/"+id+"/history", nil, http.StatusOK, &hist)
	if n := len(hist.Events); n != 4 || hist.Events[3].Status != "SHIPMENT_STATUS_READ" {
		t.Errorf("history after markRead = %v", statuses(hist))
	}

	var st1 struct {
		Statuses []struct {
			ID     string `json:"id"`
			Status string `json:"status"`
		} `json:"statuses"`
	}
	api.call(http.MethodPost, "/v1/shipments:statuses", map[string]any{"ids": []string{id, uuid.NewString(), other.Shipment.ID}}, http.StatusOK, &st1)
	if len(st1.Statuses) != 2 || st1.Statuses[0].ID != id || st1.Statuses[0].Status != "SHIPMENT_STATUS_READ" || st1.Statuses[1].ID != other.Shipment.ID {
		t.Errorf("statuses = %+v, want %s READ then %s (unknown id left out)", st1.Statuses, id, other.Shipment.ID)
	}

	// Raw download: exact bytes, with type, length and hash in the headers.
	for i, want := range [][]byte{pdf, inline} {
		doc := sh.Documents[i]
		status, hdr, body := api.do(http.MethodGet, "/v1/shipments/"+id+"/documents/"+doc.ID+"/content", "", nil)
		if status != http.StatusOK {
			t.Fatalf("GET content of %s = %d: %s", doc.FileName, status, body)
		}
		if !bytes.Equal(body, want) {
			t.Errorf("GET content of %s: %d bytes that differ from the %d sent", doc.FileName, len(body), len(want))
		}
		if hdr.Get("Content-Type") != doc.MimeType || hdr.Get("X-Content-Sha256") != sha(want) || hdr.Get("Content-Length") != strconv.Itoa(len(want)) {
			t.Errorf("GET content of %s: Content-Type %q, X-Content-Sha256 %q, Content-Length %q; want %q, %q, %d",
				doc.FileName, hdr.Get("Content-Type"), hdr.Get("X-Content-Sha256"), hdr.Get("Content-Length"), doc.MimeType, sha(want), len(want))
		}
		if cd := hdr.Get("Content-Disposition"); !strings.Contains(cd, doc.FileName) {
			t.Errorf("Content-Disposition %q does not name %q", cd, doc.FileName)
		}
	}
}

func shipmentIDs(s []jsonShipment) []string {
	var ids []string
	for _, sh := range s {
		ids = append(ids, sh.ID)
	}
	return ids
}

// TestJSONAuth: Bearer and HTTP Basic both work; no or wrong credentials are 401.
func TestJSONAuth(t *testing.T) {
	t.Parallel()
	srv := st.Start(t)
	token := srv.Org(t, st.OrgNumber(0), "Gammel kommune")

	for name, auth := range map[string]func(*http.Request){
		"bearer": bearerAuth(token),
		"basic":  basicAuth(t, token),
	} {
		api := legacy{t: t, base: srv.URL, auth: auth}
		var start struct {
			ShipmentID string `json:"shipmentId"`
		}
		api.call(http.MethodPost, "/v1/shipments:start", map[string]any{}, http.StatusOK, &start)
		status, _, body := api.do(http.MethodPut, "/v1/shipments/"+start.ShipmentID+"/documents/a.txt", "text/plain", strings.NewReader("a"))
		if status != http.StatusCreated {
			t.Fatalf("%s: raw PUT = %d: %s", name, status, body)
		}
		api.call(http.MethodPost, "/v1/shipments", map[string]any{
			"shipmentId": start.ShipmentID,
			"title":      "Brev",
			"recipient":  map[string]any{"organizationNumber": st.OrgNumber(1)},
			"documents":  []map[string]any{{"fileName": "a.txt"}},
		}, http.StatusOK, nil)
		var got jsonShipmentResponse
		api.call(http.MethodGet, "/v1/shipments/"+start.ShipmentID, nil, http.StatusOK, &got)
		if got.Shipment.ID != start.ShipmentID || len(got.Shipment.Documents) != 1 || got.Shipment.Documents[0].Sha256 != sha([]byte("a")) {
			t.Errorf("%s: GET shipment = %+v", name, got.Shipment)
		}
	}

	rest, _ := strings.CutPrefix(token, "svs_")
	keyID, _, _ := strings.Cut(rest, ".")
	for name, auth := range map[string]func(*http.Request){
		"none":         nil,
		"wrong secret": func(r *http.Request) { r.SetBasicAuth(keyID, "not-the-secret") },
		"unknown key":  bearerAuth("svs_0000000000000000.secret"),
		"bad scheme":   func(r *http.Request) { r.Header.Set("Authorization", "Token "+token) },
	} {
		api := legacy{t: t, base: srv.URL, auth: auth}
		for _, req := range []struct{ method, path, ct, body string }{
			{http.MethodPost, "/v1/shipments:start", "application/json", "{}"},
			{http.MethodGet, "/v1/shipments", "", ""},
			{http.MethodPut, "/v1/shipments/" + uuid.NewString() + "/documents/a.txt", "text/plain", "a"},
			{http.MethodGet, "/v1/shipments/" + uuid.NewString() + "/documents/" + uuid.NewString() + "/content", "", ""},
		} {
			status, _, body := api.do(req.method, req.path, req.ct, strings.NewReader(req.body))
			if status != http.StatusUnauthorized {
				t.Errorf("%s: %s %s = %d, want 401: %s", name, req.method, req.path, status, body)
			}
		}
	}
}

// TestJSONErrors: unknown shipments are 404 with a gRPC-style error body;
// the signing routes exist and answer 501 until signing lands.
func TestJSONErrors(t *testing.T) {
	t.Parallel()
	srv := st.Start(t)
	api := legacy{t: t, base: srv.URL, auth: bearerAuth(srv.Org(t, st.OrgNumber(0), "Gammel kommune"))}
	unknown := uuid.NewString()

	var e struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	}
	api.call(http.MethodGet, "/v1/shipments/"+unknown, nil, http.StatusNotFound, &e)
	if e.Code != 5 || !strings.Contains(e.Message, unknown) {
		t.Errorf("404 body = %+v, want code 5 (NOT_FOUND) naming %s", e, unknown)
	}
	api.call(http.MethodGet, "/v1/shipments/"+unknown+"/history", nil, http.StatusNotFound, nil)
	api.call(http.MethodPost, "/v1/shipments/"+unknown+":markRead", map[string]any{}, http.StatusNotFound, nil)
	api.call(http.MethodGet, "/v1/shipments/"+unknown+"/documents/"+uuid.NewString()+"/content", nil, http.StatusNotFound, nil)
	status, _, body := api.do(http.MethodPut, "/v1/shipments/"+unknown+"/documents/a.txt", "text/plain", strings.NewReader("a"))
	if status != http.StatusNotFound {
		t.Errorf("PUT into unknown shipment = %d, want 404: %s", status, body)
	}

	// The SigningService route must reach the service: 501 UNIMPLEMENTED
	// while SigningService has no implementation, or, once it has, a
	// NOT_FOUND naming the shipment (unlike the gateway's own route miss).
	status, _, body = api.do(http.MethodGet, "/v1/signing-orders/"+unknown, "", nil)
	e = struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	}{}
	decodeJSON(t, body, &e)
	switch {
	case status == http.StatusNotImplemented && e.Code == 12:
	case status == http.StatusNotFound && e.Code == 5 && strings.Contains(e.Message, unknown):
	default:
		t.Errorf("GET /v1/signing-orders/{id} = %d %s, want 501 UNIMPLEMENTED or a 404 from SigningService naming %s", status, body, unknown)
	}
	status, _, body = api.do(http.MethodGet, "/v1/no-such-route/"+unknown, "", nil)
	if status != http.StatusNotFound || strings.Contains(string(body), unknown) {
		t.Errorf("GET on an unknown route = %d %s, want the gateway's plain 404", status, body)
	}
}
