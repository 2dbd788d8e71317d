package main

import (
	"encoding/json"
	"strings"
	"testing"
)

const generated = `{
  "swagger": "2.0",
  "paths": {
    "/v1/b": {"get": {"operationId": "B"}}
  },
  "definitions": {
    "rpcStatus": {"type": "object"}
  },
  "security": []
}`

func TestMergeAddsPathsAndDefinitions(t *testing.T) {
	out, err := merge([]byte(generated), &extra{
		Paths:       map[string]any{"/v1/a": map[string]any{"put": map[string]any{"operationId": "A"}}},
		Definitions: map[string]any{"rpcBadRequest": map[string]any{"type": "object"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Paths       map[string]json.RawMessage `json:"paths"`
		Definitions map[string]json.RawMessage `json:"definitions"`
	}
	if err := json.Unmarshal(out, &doc); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	for _, p := range []string{"/v1/a", "/v1/b"} {
		if _, ok := doc.Paths[p]; !ok {
			t.Errorf("path %s missing:\n%s", p, out)
		}
	}
	for _, d := range []string{"rpcStatus", "rpcBadRequest"} {
		if _, ok := doc.Definitions[d]; !ok {
			t.Errorf("definition %s missing:\n%s", d, out)
		}
	}
	// The generator's top-level order stays; paths come out sorted.
	s := string(out)
	if !(strings.Index(s, `"swagger"`) < strings.Index(s, `"paths"`) &&
		strings.Index(s, `"paths"`) < strings.Index(s, `"definitions"`) &&
		strings.Index(s, `"definitions"`) < strings.Index(s, `"security"`) &&
		strings.Index(s, `"/v1/a"`) < strings.Index(s, `"/v1/b"`)) {
		t.Errorf("order not kept:\n%s", out)
	}
	if !strings.HasSuffix(s, "}\n") || !strings.Contains(s, "\n  \"paths\": {\n") {
		t.Errorf("not indented like protoc-gen-openapiv2's output:\n%s", out)
	}
}

func TestMergeRefusesToOverride(t *testing.T) {
	_, err := merge([]byte(generated), &extra{Paths: map[string]any{"/v1/b": map[string]any{}}})
	if err == nil || !strings.Contains(err.Error(), `"/v1/b" is generated already`) {
		t.Errorf("merging a generated path: %v, want an error", err)
	}
	_, err = merge([]byte(generated), &extra{Definitions: map[string]any{"rpcStatus": map[string]any{}}})
	if err == nil {
		t.Error("merging a generated definition: no error")
	}
}

func TestTakeParam(t *testing.T) {
	v, rest := takeParam("extra=proto/x.yaml,allow_merge=true,merge_file_name=svarsign", "extra")
	if v != "proto/x.yaml" || rest != "allow_merge=true,merge_file_name=svarsign" {
		t.Errorf("takeParam = %q, %q", v, rest)
	}
}
