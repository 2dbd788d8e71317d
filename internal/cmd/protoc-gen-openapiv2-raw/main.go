// Command protoc-gen-openapiv2-raw is protoc-gen-openapiv2 plus the parts of
// the JSON facade that grpc-gateway cannot describe: the raw document routes
// of server/gateway, which carry bytes instead of JSON, and the schemas they
// and the error responses use.
//
// It is a protoc plugin that buf.gen.yaml runs in place of
// protoc-gen-openapiv2, so `go tool buf generate` alone still produces the
// whole document. It takes one option of its own,
//
//	extra=FILE    a YAML file with Swagger 2.0 "paths" and "definitions"
//
// runs `go tool protoc-gen-openapiv2` with the request and the remaining
// options, and adds the paths and definitions of FILE to every
// .swagger.json it returns. A path or definition that the generator already
// wrote is an error, not an override: the extra file only adds.
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"

	"go.yaml.in/yaml/v3"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/pluginpb"
)

func main() {
	if err := run(os.Stdin, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "protoc-gen-openapiv2-raw:", err)
		os.Exit(1)
	}
}

func run(stdin io.Reader, stdout io.Writer) error {
	in, err := io.ReadAll(stdin)
	if err != nil {
		return err
	}
	req := new(pluginpb.CodeGeneratorRequest)
	if err := proto.Unmarshal(in, req); err != nil {
		return fmt.Errorf("reading the request: %w", err)
	}
	extraFile, rest := takeParam(req.GetParameter(), "extra")
	if extraFile == "" {
		return errors.New("missing option extra=FILE")
	}
	extra, err := readExtra(extraFile)
	if err != nil {
		return err
	}
	req.Parameter = proto.String(rest)
	resp, err := openapiv2(req)
	if err != nil {
		return err
	}
	if resp.Error == nil {
		for _, f := range resp.File {
			if !strings.HasSuffix(f.GetName(), ".swagger.json") {
				continue
			}
			doc, err := merge([]byte(f.GetContent()), extra)
			if err != nil {
				return fmt.Errorf("%s: %w", f.GetName(), err)
			}
			f.Content = proto.String(string(doc))
		}
	}
	out, err := proto.Marshal(resp)
	if err != nil {
		return err
	}
	_, err = stdout.Write(out)
	return err
}

// takeParam removes key=value from a comma-separated plugin parameter and
// returns the value and the parameter without it.
func takeParam(param, key string) (value, rest string) {
	var kept []string
	for p := range strings.SplitSeq(param, ",") {
		if v, ok := strings.CutPrefix(p, key+"="); ok {
			value = v
			continue
		}
		if p != "" {
			kept = append(kept, p)
		}
	}
	return value, strings.Join(kept, ",")
}

// openapiv2 runs the real generator on req.
func openapiv2(req *pluginpb.CodeGeneratorRequest) (*pluginpb.CodeGeneratorResponse, error) {
	in, err := proto.Marshal(req)
	if err != nil {
		return nil, err
	}
	var stdout, stderr bytes.Buffer
	cmd := exec.Command("go", "tool", "protoc-gen-openapiv2")
	cmd.Stdin = bytes.NewReader(in)
	cmd.Stdout = &stdout
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("protoc-gen-openapiv2: %v\n%s", err, stderr.Bytes())
	}
	resp := new(pluginpb.CodeGeneratorResponse)
	if err := proto.Unmarshal(stdout.Bytes(), resp); err != nil {
		return nil, fmt.Errorf("reading protoc-gen-openapiv2's response: %w", err)
	}
	return resp, nil
}

// extra is what the extra file adds: Swagger 2.0 path items and schemas by name.
type extra struct {
	Paths       map[string]any `yaml:"paths"`
	Definitions map[string]any `yaml:"definitions"`
}

func readExtra(name string) (*extra, error) {
	b, err := os.ReadFile(name)
	if err != nil {
		return nil, err
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	x := new(extra)
	if err := dec.Decode(x); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return x, nil
}

// merge adds x's paths and definitions to the Swagger document doc. The
// document keeps its top-level key order; paths and definitions come out
// sorted by name, as protoc-gen-openapiv2 writes them.
func merge(doc []byte, x *extra) ([]byte, error) {
	top, err := decodeObject(doc)
	if err != nil {
		return nil, err
	}
	for _, section := range []struct {
		key   string
		items map[string]any
	}{{"paths", x.Paths}, {"definitions", x.Definitions}} {
		i := top.index(section.key)
		if i < 0 {
			top = append(top, member{key: section.key, value: json.RawMessage("{}")})
			i = len(top) - 1
		}
		have := map[string]json.RawMessage{}
		if err := json.Unmarshal(top[i].value, &have); err != nil {
			return nil, fmt.Errorf("%s: %w", section.key, err)
		}
		for name, item := range section.items {
			if _, dup := have[name]; dup {
				return nil, fmt.Errorf("%s: %q is generated already; remove it from the extra file", section.key, name)
			}
			b, err := json.Marshal(item)
			if err != nil {
				return nil, fmt.Errorf("%s: %q: %w", section.key, name, err)
			}
			have[name] = b
		}
		if top[i].value, err = json.Marshal(have); err != nil {
			return nil, err
		}
	}
	var compact bytes.Buffer
	compact.WriteByte('{')
	for i, m := range top {
		if i > 0 {
			compact.WriteByte(',')
		}
		k, _ := json.Marshal(m.key) // a string always marshals
		compact.Write(k)
		compact.WriteByte(':')
		compact.Write(m.value)
	}
	compact.WriteByte('}')
	var out bytes.Buffer
	if err := json.Indent(&out, compact.Bytes(), "", "  "); err != nil {
		return nil, err
	}
	out.WriteByte('\n')
	return out.Bytes(), nil
}

// member is one key and value of a JSON object.
type member struct {
	key   string
	value json.RawMessage
}

// object is a JSON object with its keys in document order.
type object []member

func (o object) index(key string) int {
	for i, m := range o {
		if m.key == key {
			return i
		}
	}
	return -1
}

func decodeObject(b []byte) (object, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil, fmt.Errorf("not a JSON object (%v)", err)
	}
	var o object
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil, err
		}
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, err
		}
		o = append(o, member{key: t.(string), value: v})
	}
	return o, nil
}
