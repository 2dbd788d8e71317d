package gen_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/go-openapi/loads"
	"github.com/go-openapi/strfmt"
	"github.com/go-openapi/validate"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/svarsign/svarsign/gen"
	svarsignv1 "github.com/svarsign/svarsign/gen/go/svarsign/v1"
)

// TestOpenAPIIsValid validates the embedded document against the Swagger 2.0
// schema and its semantic rules (resolvable $refs, unique operation ids,
// path parameters declared, ...), warnings included.
func TestOpenAPIIsValid(t *testing.T) {
	doc, err := loads.Analyzed(gen.OpenAPI, "2.0")
	if err != nil {
		t.Fatalf("loading the OpenAPI document: %v", err)
	}
	v := validate.NewSpecValidator(doc.Schema(), strfmt.Default)
	errs, warnings := v.Validate(doc)
	for _, e := range errs.Errors {
		t.Errorf("invalid: %v", e)
	}
	for _, w := range warnings.Errors {
		t.Errorf("warning: %v", w)
	}
}

// TestOpenAPIDocumentsEveryRPC checks that every RPC the JSON facade can
// carry has an operation, under the operation id protoc-gen-openapiv2 gives
// it (Service_Method) or, for the streaming RPCs served as raw bytes, with a
// Raw suffix; that the auth schemes and the error shape are there; and that
// every operation documents its errors.
func TestOpenAPIDocumentsEveryRPC(t *testing.T) {
	var doc struct {
		Paths               map[string]map[string]operation `json:"paths"`
		Definitions         map[string]json.RawMessage      `json:"definitions"`
		SecurityDefinitions map[string]struct {
			Type string `json:"type"`
			In   string `json:"in"`
			Name string `json:"name"`
		} `json:"securityDefinitions"`
		Security []map[string][]string `json:"security"`
	}
	if err := json.Unmarshal(gen.OpenAPI, &doc); err != nil {
		t.Fatal(err)
	}
	ops := map[string]operation{}
	for path, item := range doc.Paths {
		for method, op := range item {
			op.route = strings.ToUpper(method) + " " + path
			ops[op.OperationID] = op
		}
	}

	// WatchEvents is a long-lived stream of JSON events: gRPC, Connect and
	// webhooks carry it, the JSON facade does not.
	notOnFacade := []string{"ShipmentService_WatchEvents"}
	services := []protoreflect.ServiceDescriptor{
		svarsignv1.File_svarsign_v1_shipment_service_proto.Services().ByName("ShipmentService"),
		svarsignv1.File_svarsign_v1_signing_service_proto.Services().ByName("SigningService"),
	}
	for _, s := range services {
		for i := range s.Methods().Len() {
			m := s.Methods().Get(i)
			id := string(s.Name()) + "_" + string(m.Name())
			if slices.Contains(notOnFacade, id) {
				continue
			}
			if m.IsStreamingClient() || m.IsStreamingServer() {
				id += "Raw"
			}
			op, ok := ops[id]
			if !ok {
				t.Errorf("no operation %s for %s: add a rule to proto/http.yaml or a raw route to proto/openapi-extra.yaml", id, m.FullName())
				continue
			}
			if op.Summary == "" {
				t.Errorf("%s (%s) has no summary", id, op.route)
			}
		}
	}
	for id, op := range ops {
		for _, code := range []string{"400", "default"} {
			if _, ok := op.Responses[code]; !ok {
				t.Errorf("%s (%s) does not document its %s error response", id, op.route, code)
			}
		}
	}

	if s := doc.SecurityDefinitions["bearer"]; s.Type != "apiKey" || s.In != "header" || s.Name != "Authorization" {
		t.Errorf("bearer security definition = %+v, want an Authorization header", s)
	}
	if s := doc.SecurityDefinitions["basic"]; s.Type != "basic" {
		t.Errorf("basic security definition = %+v, want HTTP Basic", s)
	}
	if len(doc.Security) != 2 {
		t.Errorf("security = %v, want bearer or basic", doc.Security)
	}
	for _, name := range []string{"rpcStatus", "rpcBadRequestStatus", "rpcBadRequest", "BadRequestFieldViolation"} {
		if _, ok := doc.Definitions[name]; !ok {
			t.Errorf("definition %s is missing", name)
		}
	}
}

type operation struct {
	OperationID string                     `json:"operationId"`
	Summary     string                     `json:"summary"`
	Responses   map[string]json.RawMessage `json:"responses"`
	route       string
}
