package app_test

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"connectrpc.com/connect"

	st "github.com/svarsign/svarsign/internal/svarsigntest"
)

// facadeError is the JSON facade's error body: a google.rpc.Status.
type facadeError struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
	Details []struct {
		Type            string          `json:"@type"`
		FieldViolations []jsonViolation `json:"fieldViolations"`
	} `json:"details"`
}

// jsonViolation is a field violation as the JSON facade writes it.
type jsonViolation struct {
	Field       string `json:"field"`
	Description string `json:"description"`
}

// wantFacadeViolation checks a facade answer: 400, INVALID_ARGUMENT and a
// google.rpc.BadRequest whose only field violation is on field.
func wantFacadeViolation(t *testing.T, status int, raw []byte, field string) {
	t.Helper()
	if status != http.StatusBadRequest {
		t.Fatalf("HTTP %d %s, want 400", status, raw)
	}
	var got facadeError
	if err := json.Unmarshal(raw, &got); err != nil {
		t.Fatalf("body %s: %v", raw, err)
	}
	if got.Code != int(connect.CodeInvalidArgument) {
		t.Errorf("code %d, want %d (INVALID_ARGUMENT)", got.Code, connect.CodeInvalidArgument)
	}
	if len(got.Details) != 1 || got.Details[0].Type != "type.googleapis.com/google.rpc.BadRequest" {
		t.Fatalf("details of %s, want one google.rpc.BadRequest", raw)
	}
	fv := got.Details[0].FieldViolations
	if len(fv) != 1 || fv[0].Field != field || fv[0].Description == "" {
		t.Fatalf("field violations %+v, want one on %q with a description", fv, field)
	}
}

// TestJSONStrictDecoding: a body the facade cannot read as the request
// message is refused with 400 and a field violation naming the field by its
// proto path, as validation names fields, and nothing is stored; so is
// anything after the JSON object.
func TestJSONStrictDecoding(t *testing.T) {
	t.Parallel()
	srv := startTrackedServer(t)
	token := srv.Org(t, st.OrgNumber(0), "Eksempel kommune")
	pdf := base64.StdEncoding.EncodeToString([]byte("%PDF-1.4\n"))
	// valid is a send that passes; each case breaks it in one place.
	valid := `"title": "Vedtak", "recipient": {"nationalIdentityNumber": "` + st.Person(0) + `"},
		"documents": [{"fileName": "brev.pdf", "mimeType": "application/pdf", "content": "` + pdf + `"}]`
	for _, tc := range []struct{ name, body, field string }{
		{"trailing object", `{` + valid + `} {"title": "Annet"}`, ""},
		{"trailing garbage", `{` + valid + `}x`, ""},
		{"not an object", `[{` + valid + `}]`, ""},
		{"syntax error", `{` + valid + `, "externalRef": }`, ""},
		{"string as number", `{` + valid + `, "externalRef": 5}`, "external_ref"},
		{"nested wrong type", `{"title": "Vedtak", "recipient": {"nationalIdentityNumber": "` + st.Person(0) + `", "name": ["Kari"]},
			"documents": [{"fileName": "brev.pdf", "mimeType": "application/pdf", "content": "` + pdf + `"}]}`, "recipient.name"},
		{"list element wrong type", `{"title": "Vedtak", "recipient": {"nationalIdentityNumber": "` + st.Person(0) + `"},
			"documents": [{"fileName": "brev.pdf", "mimeType": "application/pdf", "content": "` + pdf + `"}, {"fileName": true}]}`, "documents[1].file_name"},
		{"bad base64", `{"title": "Vedtak", "recipient": {"nationalIdentityNumber": "` + st.Person(0) + `"},
			"documents": [{"fileName": "brev.pdf", "mimeType": "application/pdf", "content": "!!"}]}`, "documents[0].content"},
		{"map value wrong type", `{"title": "Vedtak", "recipient": {"nationalIdentityNumber": "` + st.Person(0) + `"},
			"documents": [{"fileName": "brev.pdf", "mimeType": "application/pdf", "content": "` + pdf + `", "metadata": {"type": 5}}]}`, `documents[0].metadata["type"]`},
		{"int32 out of range", `{` + valid + `, "archiveMetadata": {"caseYear": 1e10}}`, "archive_metadata.case_year"},
		{"unknown enum name", `{` + valid + `, "signingOrder": {"signatureType": "SIGNATURE_TYPE_BLOOD"}}`, "signing_order.signature_type"},
		{"year 10000", `{` + valid + `, "signingOrder": {"signatureType": "SIGNATURE_TYPE_AUTHENTICATED", "deadline": "10000-01-01T00:00:00Z"}}`, "signing_order.deadline"},
		{"both recipient kinds", `{"title": "Vedtak", "recipient": {"nationalIdentityNumber": "` + st.Person(0) + `", "organizationNumber": "` + st.OrgNumber(1) + `"},
			"documents": [{"fileName": "brev.pdf", "mimeType": "application/pdf", "content": "` + pdf + `"}]}`, "recipient.organization_number"},
		{"unknown field", `{` + valid + `, "titel": "Vedtak"}`, "titel"},
		{"unknown nested field", `{` + valid + `, "archiveMetadata": {"caseYeer": 2026}}`, "archive_metadata.caseYeer"},
		{"field given twice", `{` + valid + `, "external_ref": "a", "externalRef": "b"}`, "external_ref"},
		{"message as string", `{` + valid + `, "printSettings": "colour"}`, "print_settings"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, _, raw := legacy{t, srv.URL, bearerAuth(token)}.do(http.MethodPost, "/v1/shipments", "application/json", strings.NewReader(tc.body))
			wantFacadeViolation(t, status, raw, tc.field)
		})
	}
	if got := srv.stored(t); got != (storedCounts{}) {
		t.Fatalf("server holds %+v after refused JSON", got)
	}

	// The valid body itself is taken: the cases fail for their one fault.
	if status, _, raw := (legacy{t, srv.URL, bearerAuth(token)}).do(http.MethodPost, "/v1/shipments", "", strings.NewReader(`{`+valid+`}`+"\n")); status != http.StatusOK {
		t.Fatalf("the valid body: HTTP %d %s", status, raw)
	}
}

// TestJSONQueryDecoding: query parameters the facade cannot read are
// refused with a field violation on the field they name.
func TestJSONQueryDecoding(t *testing.T) {
	t.Parallel()
	srv := st.Start(t)
	api := legacy{t: t, base: srv.URL, auth: bearerAuth(srv.Org(t, st.OrgNumber(0), "Eksempel kommune"))}
	for _, tc := range []struct{ query, field string }{
		{"pageSize=ti", "page_size"},
		{"page_size=99999999999", "page_size"},
		{"createdAfter=" + url.QueryEscape("10000-01-01T00:00:00Z"), "created_after"},
		{"created_before=i+går", "created_before"},
		{"statuses=SHIPMENT_STATUS_LOST", "statuses"},
		{"direction=SIDEWAYS&externalRef=x", "direction"},
	} {
		t.Run(tc.query, func(t *testing.T) {
			status, _, raw := api.do(http.MethodGet, "/v1/shipments?"+tc.query, "", nil)
			wantFacadeViolation(t, status, raw, tc.field)
		})
	}
	// Parameters that name no field are ignored, as before.
	if status, _, raw := api.do(http.MethodGet, "/v1/shipments?cachebuster=1", "", nil); status != http.StatusOK {
		t.Fatalf("GET /v1/shipments?cachebuster=1 = %d %s", status, raw)
	}
}
